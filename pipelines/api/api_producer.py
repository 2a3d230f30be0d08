"""The API producer: poll a public HTTP API of random user records, validate each record, produce
the valid ones to Kafka over mutual TLS (the Kafka/Spark/S3 tutorial's source).

Called by the scheduled ``api_users`` task (api_users.py), which sits next to this module in the
scheduler's folder with its settings (``api_users.json``) and the client's pinned requirements. Everything
but ``install_client`` and ``kafka_producer`` is pure and takes its I/O as arguments, so the tests
run it without network, Kafka or a scheduler.

The input is randomuser.me's shape (https://randomuser.me/documentation#results): ``{"results":
[{"gender", "name": {"first", "last"}, "location": {"city", "state", "country", "postcode",
"coordinates": {"latitude", "longitude"}}, "email", "login": {"uuid", ...}, "dob": {"date", "age"},
"nat", ...}], "info": {...}}``. What leaves is one flat JSON object per person, keyed by its uuid;
logins' passwords and hashes, national ids, phones and pictures are never forwarded.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

log = logging.getLogger("api_producer")

SETTINGS_FILE = "api_users.json"
REQUIREMENTS_FILE = "api_requirements.txt"

# The message value's fields, in order (the streaming job's API_FIELDS reads the same names).
FIELDS = (
    "uuid",
    "name",
    "gender",
    "email",
    "city",
    "state",
    "country",
    "postcode",
    "latitude",
    "longitude",
    "birthdate",
    "age",
    "nat",
    "fetched_at",
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
NAT = re.compile(r"^[A-Z]{2}$")
GENDERS = ("female", "male")
MAX_TEXT = 200
MAX_AGE = 130


class Invalid(ValueError):
    """A record that is not a person the lake can hold; the message names the field, never its value."""


@dataclass(frozen=True)
class Settings:
    url: str
    topic: str
    bootstrap_servers: str
    ca_file: str
    cert_file: str
    key_file: str
    timeout_seconds: float = 30.0
    max_records: int = 5000


def load_settings(path: Path) -> Settings:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        settings = Settings(**raw["producer"])
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise ValueError(f"{path}: {error}") from None
    if not re.match(r"^https?://[^\s/]+", settings.url):
        raise ValueError(f"{path}: url must be an http(s) URL")
    if settings.max_records < 1 or settings.timeout_seconds <= 0:
        raise ValueError(f"{path}: max_records and timeout_seconds must be positive")
    return settings


def _text(value, field: str, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid(f"{field}: missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Invalid(f"{field}: not text")
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise Invalid(f"{field}: longer than {MAX_TEXT} characters")
    return text


def _coordinate(value, field: str, bound: float) -> float:
    # randomuser.me sends coordinates as strings ("-69.8246").
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Invalid(f"{field}: not a number")
    try:
        number = float(value)
    except ValueError:
        raise Invalid(f"{field}: not a number") from None
    if not math.isfinite(number) or abs(number) > bound:
        raise Invalid(f"{field}: outside -{bound}..{bound}")
    return number


def _section(raw: Mapping, key: str) -> Mapping:
    value = raw.get(key)
    if not isinstance(value, Mapping):
        raise Invalid(f"{key}: missing")
    return value


def validate(raw, fetched_at: datetime) -> dict:
    """One API result -> the flat record produced to Kafka, or Invalid naming the first bad field."""
    if not isinstance(raw, Mapping):
        raise Invalid("record: not an object")
    uuid = _section(raw, "login").get("uuid")
    if not isinstance(uuid, str) or not UUID.match(uuid):
        raise Invalid("login.uuid: not a UUID")
    name = _section(raw, "name")
    first, last = _text(name.get("first"), "name.first"), _text(name.get("last"), "name.last")
    gender = raw.get("gender")
    if gender is not None and gender not in GENDERS:
        raise Invalid(f"gender: not one of {', '.join(GENDERS)}")
    email = raw.get("email")
    if not isinstance(email, str) or not EMAIL.match(email):
        raise Invalid("email: not an address")
    location = _section(raw, "location")
    coordinates = _section(location, "coordinates")
    dob = _section(raw, "dob")
    try:
        born = datetime.fromisoformat(str(dob.get("date")).replace("Z", "+00:00"))
    except ValueError:
        raise Invalid("dob.date: not an ISO-8601 timestamp") from None
    birthdate = born.date() if born.tzinfo is None else born.astimezone(timezone.utc).date()
    today = fetched_at.astimezone(timezone.utc).date()
    if birthdate > today or birthdate < date(today.year - MAX_AGE, 1, 1):
        raise Invalid(f"dob.date: not within the last {MAX_AGE} years")
    age = dob.get("age")
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= MAX_AGE:
        raise Invalid(f"dob.age: not an integer from 0 to {MAX_AGE}")
    nat = raw.get("nat")
    if nat is not None and (not isinstance(nat, str) or not NAT.match(nat)):
        raise Invalid("nat: not a two-letter country code")
    return {
        "uuid": uuid,
        "name": f"{first} {last}",
        "gender": gender,
        "email": email.lower(),
        "city": _text(location.get("city"), "location.city"),
        "state": _text(location.get("state"), "location.state", required=False),
        "country": _text(location.get("country"), "location.country"),
        # Numbers in some countries, strings with letters in others ("T1X 4E7"): always text here.
        "postcode": _text(location.get("postcode"), "location.postcode", required=False),
        "latitude": _coordinate(coordinates.get("latitude"), "location.coordinates.latitude", 90.0),
        "longitude": _coordinate(coordinates.get("longitude"), "location.coordinates.longitude", 180.0),
        "birthdate": birthdate.isoformat(),
        "age": age,
        "nat": nat,
        # Epoch milliseconds (UTC) of the poll: the lake table's partition and time column.
        "fetched_at": int(fetched_at.timestamp() * 1000),
    }


def parse_response(body: bytes) -> list:
    """The ``results`` list of a response body; ValueError for anything else (an API error included)."""
    try:
        document = json.loads(body)
    except ValueError:
        raise ValueError("the API answered with something that is not JSON") from None
    if isinstance(document, Mapping) and "error" in document:
        raise ValueError(f"the API answered with an error: {str(document['error'])[:MAX_TEXT]}")
    if not isinstance(document, Mapping) or not isinstance(document.get("results"), list):
        raise ValueError("the API's answer has no 'results' list")
    return document["results"]


def split(results: Iterable, fetched_at: datetime) -> tuple[list[dict], list[tuple[int, str]]]:
    """Valid records (the first of each uuid) and (index, reason) for the rest."""
    valid: list[dict] = []
    rejected: list[tuple[int, str]] = []
    seen: set[str] = set()
    for index, raw in enumerate(results):
        try:
            record = validate(raw, fetched_at)
        except Invalid as error:
            rejected.append((index, str(error)))
            continue
        if record["uuid"] in seen:
            rejected.append((index, "login.uuid: repeated in this response"))
            continue
        seen.add(record["uuid"])
        valid.append(record)
    return valid, rejected


def message(record: Mapping) -> tuple[bytes, bytes]:
    """Kafka key (the uuid) and value (the record as compact JSON, fields in FIELDS order)."""
    if sorted(record) != sorted(FIELDS):
        raise ValueError(f"record fields {sorted(record)} differ from {sorted(FIELDS)}")
    value = json.dumps({name: record[name] for name in FIELDS}, separators=(",", ":"), ensure_ascii=False)
    return record["uuid"].encode(), value.encode("utf-8")


Opener = Callable[[str, float], bytes]


# pragma: no mutate start (not pure: HTTP to the live API)
def http_get(url: str, timeout: float, max_bytes: int = 8 * 1024 * 1024) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "bdok-api-producer"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the URL is configuration
        body = response.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise ValueError(f"the API's answer is larger than {max_bytes} bytes")
    return body


# pragma: no mutate end


def producer_config(settings: Settings) -> dict[str, str]:
    """librdkafka settings: TLS to the cluster CA, the KafkaUser's certificate, idempotent acks=all."""
    return {
        "bootstrap.servers": settings.bootstrap_servers,
        "security.protocol": "SSL",
        "ssl.ca.location": settings.ca_file,
        "ssl.certificate.location": settings.cert_file,
        "ssl.key.location": settings.key_file,
        "client.id": "bdok-api-producer",
        "acks": "all",
        # Retries never duplicate or reorder; Write on the topic is enough for it (KIP-679, Kafka 3.0+).
        "enable.idempotence": "true",
        "delivery.timeout.ms": "60000",
    }


def produce(producer, topic: str, records: list[dict], flush_seconds: float = 60.0) -> int:
    """Produce every record; raise when any delivery fails or is still pending after the flush."""
    failures: list[str] = []

    def delivered(error, _msg):
        if error is not None:
            failures.append(str(error))

    for record in records:
        key, value = message(record)
        producer.produce(topic, key=key, value=value, on_delivery=delivered)
        producer.poll(0)
    pending = producer.flush(flush_seconds)
    if failures or pending:
        first = failures[0] if failures else "none"
        raise RuntimeError(f"{len(failures)} deliveries failed, {pending} still pending (first error: {first})")
    return len(records)


def install_client(requirements: Path, target: Path, run=subprocess.run) -> None:
    """pip-install the pinned, hash-checked client into ``target`` and put it on sys.path."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--only-binary=:all:",
        "--require-hashes",
        "--target",
        str(target),
        "-r",
        str(requirements),
    ]
    # The image sets PIP_USER, which pip refuses together with --target.
    env = {**os.environ, "PIP_USER": "0"}
    result = run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"pip could not install {requirements}: {result.stderr.strip()[-2000:]}")
    if str(target) not in sys.path:
        sys.path.insert(0, str(target))


# pragma: no mutate start (not pure: a live Kafka client)
def kafka_producer(settings: Settings):
    from confluent_kafka import Producer

    return Producer(producer_config(settings))


# pragma: no mutate end


def poll_once(settings: Settings, opener: Opener, make_producer: Callable[[Settings], object], now: Callable[[], datetime]) -> dict:
    """One poll: fetch, validate, produce. Returns counts; raises when the answer or every record is bad."""
    fetched_at = now()
    results = parse_response(opener(settings.url, settings.timeout_seconds))
    if len(results) > settings.max_records:
        raise ValueError(f"the API returned {len(results)} records; allowed: at most {settings.max_records}")
    valid, rejected = split(results, fetched_at)
    for index, reason in rejected:
        log.warning("record %d rejected: %s", index, reason)
    if rejected and not valid:
        raise ValueError(f"all {len(rejected)} records were rejected (first: {rejected[0][1]})")
    produced = produce(make_producer(settings), settings.topic, valid) if valid else 0
    summary = {"fetched": len(results), "produced": produced, "rejected": len(rejected)}
    log.info("polled %s: %s", settings.url, summary)
    return summary


# pragma: no mutate start (not pure: installs the Kafka client and runs against live services)
def main(folder: Path, work: Path) -> dict:
    """What the scheduled task runs: settings and requirements from its folder, the client into ``work``.

    (No word here names the scheduler: its file discovery would take this module for a workflow file.)
    """
    settings = load_settings(folder / SETTINGS_FILE)
    install_client(folder / REQUIREMENTS_FILE, work)
    return poll_once(settings, http_get, kafka_producer, lambda: datetime.now(timezone.utc))


# pragma: no mutate end


if __name__ == "__main__":
    import tempfile

    logging.basicConfig(level=logging.INFO)
    print(json.dumps(main(Path(sys.argv[1]), Path(tempfile.mkdtemp(prefix="bdok-kafka-client-")))))
