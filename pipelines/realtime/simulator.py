"""Customer data simulator: inserts fake rows into public.customers.

Runs in-cluster on the apache/airflow image, which ships psycopg2 but not
faker, so the fake data comes from the stdlib ``random`` module and the
small word lists below.

Environment:
  PGHOST, PGDATABASE, PGUSER, PGPASSWORD   required (libpq reads them)
  PGPORT                                    optional, default 5432
  PGSSLMODE, PGSSLROOTCERT                  optional, standard libpq TLS settings
  SIM_ROWS_PER_SECOND                       optional, default 1 (may be fractional)
  SIM_MAX_ROWS                              optional, default 0 = run until stopped

SIGTERM/SIGINT stop it after the current insert. Connection errors (and a
table that does not exist yet) are retried with exponential backoff.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

log = logging.getLogger("simulator")

REQUIRED_ENV = ("PGHOST", "PGDATABASE", "PGUSER", "PGPASSWORD")

COLUMNS = (
    "name",
    "sex",
    "street_address",
    "city",
    "state",
    "zip",
    "birthdate",
    "profession",
    "email",
    "phone",
)
INSERT_SQL = "INSERT INTO public.customers ({}) VALUES ({}) RETURNING id".format(
    ", ".join(COLUMNS), ", ".join(f"%({column})s" for column in COLUMNS)
)

FIRST_NAMES = {
    "F": (
        "Alice",
        "Beatriz",
        "Carla",
        "Diana",
        "Elena",
        "Fatima",
        "Grace",
        "Hana",
        "Ines",
        "Julia",
        "Karen",
        "Laura",
        "Maria",
        "Nadia",
        "Olivia",
        "Paula",
        "Rosa",
        "Sofia",
        "Tania",
        "Vera",
    ),
    "M": (
        "Andre",
        "Bruno",
        "Carlos",
        "Daniel",
        "Eduardo",
        "Felipe",
        "Gabriel",
        "Hugo",
        "Ivan",
        "Jorge",
        "Kevin",
        "Lucas",
        "Marcos",
        "Nelson",
        "Oscar",
        "Pedro",
        "Rafael",
        "Samuel",
        "Tiago",
        "Victor",
    ),
}
LAST_NAMES = (
    "Almeida",
    "Barros",
    "Costa",
    "Dias",
    "Evans",
    "Ferreira",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Klein",
    "Lopes",
    "Martins",
    "Nunes",
    "Oliveira",
    "Pereira",
    "Quinn",
    "Ribeiro",
    "Silva",
    "Tanaka",
    "Usman",
    "Vieira",
    "Walker",
    "Xavier",
    "Young",
    "Zimmer",
)
STREETS = (
    "Oak Street",
    "Maple Avenue",
    "Cedar Lane",
    "Pine Road",
    "Elm Street",
    "Lake Drive",
    "Hill Road",
    "Park Avenue",
    "River Street",
    "Sunset Boulevard",
)
# (city, state, first three ZIP digits)
CITIES = (
    ("Austin", "TX", "787"),
    ("Boston", "MA", "021"),
    ("Chicago", "IL", "606"),
    ("Denver", "CO", "802"),
    ("Miami", "FL", "331"),
    ("Portland", "OR", "972"),
    ("Seattle", "WA", "981"),
    ("Phoenix", "AZ", "850"),
    ("Atlanta", "GA", "303"),
    ("Columbus", "OH", "432"),
)
PROFESSIONS = (
    "Accountant",
    "Architect",
    "Data Engineer",
    "Designer",
    "Doctor",
    "Electrician",
    "Lawyer",
    "Nurse",
    "Pharmacist",
    "Photographer",
    "Scientist",
    "Software Developer",
    "Teacher",
    "Writer",
)
# Reserved for documentation (RFC 2606): never someone's real address.
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
BIRTHDATE_RANGE = (date(1940, 1, 1), date(2006, 12, 31))


def fake_customer(rng: random.Random) -> dict:
    """One fake customer; the same seeded ``rng`` always yields the same rows."""
    sex = rng.choice(("F", "M"))
    first = rng.choice(FIRST_NAMES[sex])
    last = rng.choice(LAST_NAMES)
    city, state, zip_prefix = rng.choice(CITIES)
    first_birthdate, last_birthdate = BIRTHDATE_RANGE
    birthdate = first_birthdate + timedelta(days=rng.randint(0, (last_birthdate - first_birthdate).days))
    return {
        "name": f"{first} {last}",
        "sex": sex,
        "street_address": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
        "city": city,
        "state": state,
        "zip": f"{zip_prefix}{rng.randint(0, 99):02d}",
        "birthdate": birthdate,
        "profession": rng.choice(PROFESSIONS),
        "email": f"{first}.{last}{rng.randint(1, 999)}@{rng.choice(EMAIL_DOMAINS)}".lower(),
        # 555-0100..0199 are the numbers set aside for fiction.
        "phone": f"+1-{rng.randint(201, 989)}-555-01{rng.randint(0, 99):02d}",
    }


@dataclass(frozen=True)
class Settings:
    rows_per_second: float
    max_rows: int


def settings_from_env(env: Mapping[str, str]) -> Settings:
    missing = [name for name in REQUIRED_ENV if not env.get(name)]
    if missing:
        raise ValueError(f"missing environment variables: {', '.join(missing)}")
    try:
        rows_per_second = float(env.get("SIM_ROWS_PER_SECOND", "1"))
        max_rows = int(env.get("SIM_MAX_ROWS", "0"))
    except ValueError as error:
        raise ValueError(f"SIM_ROWS_PER_SECOND must be a number and SIM_MAX_ROWS an integer: {error}") from None
    if not rows_per_second > 0:
        raise ValueError(f"SIM_ROWS_PER_SECOND must be > 0, got {rows_per_second}")
    if max_rows < 0:
        raise ValueError(f"SIM_MAX_ROWS must be >= 0 (0 = forever), got {max_rows}")
    return Settings(rows_per_second=rows_per_second, max_rows=max_rows)


def run(
    settings: Settings,
    connect: Callable[[], object],
    retryable: tuple[type[BaseException], ...],
    stop: threading.Event,
    rng: random.Random,
    first_backoff: float = 1.0,
    max_backoff: float = 30.0,
) -> int:
    """Insert rows at the configured rate until stopped or max_rows; return the count."""
    interval = 1.0 / settings.rows_per_second
    backoff = first_backoff
    inserted = 0
    connection = None
    next_at = time.monotonic()
    try:
        while not stop.is_set() and (settings.max_rows == 0 or inserted < settings.max_rows):
            try:
                if connection is None:
                    connection = connect()
                    connection.autocommit = True
                    log.info("connected")
                with connection.cursor() as cursor:
                    cursor.execute(INSERT_SQL, fake_customer(rng))
                    customer_id = cursor.fetchone()[0]
            except retryable as error:
                log.warning("database unavailable (%s); retrying in %.0f s", str(error).strip(), backoff)
                _close(connection)
                connection = None
                stop.wait(backoff)
                backoff = min(backoff * 2, max_backoff)
                continue
            backoff = first_backoff
            inserted += 1
            if inserted == 1 or inserted % 100 == 0:
                log.info("inserted %d rows (last id %s)", inserted, customer_id)
            # Fixed schedule rather than sleep(interval): insert latency does
            # not lower the rate, and after a stall we do not burst to catch up.
            next_at = max(next_at + interval, time.monotonic())
            stop.wait(next_at - time.monotonic())
    finally:
        _close(connection)
    return inserted


def _close(connection) -> None:
    if connection is not None:
        try:
            connection.close()
        except Exception:  # closing a broken connection must not mask the original error
            log.debug("ignoring error while closing the connection", exc_info=True)


# pragma: no mutate start (not pure: psycopg2, signals and the environment of the pod)
def main() -> int:
    import psycopg2
    import psycopg2.errors

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = settings_from_env(os.environ)
    except ValueError as error:
        log.error("%s", error)
        return 2

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    # libpq takes host, port, database, user, password and TLS from the PG* variables.
    inserted = run(
        settings,
        connect=lambda: psycopg2.connect(connect_timeout=10, application_name="bdok-simulator"),
        # UndefinedTable: the table's DDL job may not have run yet.
        retryable=(psycopg2.OperationalError, psycopg2.InterfaceError, psycopg2.errors.UndefinedTable),
        stop=stop,
        rng=random.Random(),
    )
    log.info("stopped after %d rows", inserted)
    return 0


# pragma: no mutate end


if __name__ == "__main__":
    sys.exit(main())
