"""The Trino queries the stack outputs (queries.json), for the Iceberg tables of tables.json.

python3 -m pipelines.queries NAME DATABASE   prints one query
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pipelines import tables as lake

QUERIES = Path(__file__).with_name("queries.json")


def _load() -> dict:
    return json.loads(QUERIES.read_text(encoding="utf-8"))


def query(name: str, database: str) -> str:
    queries = _load()["queries"]
    if name not in queries:
        raise lake.DeclarationError(f"no query {name!r} (known: {', '.join(queries)})")
    return queries[name]["sql"].format(database=lake.check_database(database))


def table_of(name: str) -> lake.Table:
    return lake.load().table(_load()["queries"][name]["table"])


def john_wick_query(database: str) -> str:
    """The book's check of the batch result: every John Wick film with its people."""
    return query("john_wick", database)


def customers_by_age_band_last_hour(database: str) -> str:
    """Distinct customers updated in the last hour, per age band, from the streamed table."""
    return query("customers_by_age_band_last_hour", database)


def api_users_by_country_last_hour(database: str) -> str:
    """Distinct API users fetched in the last hour, per country, from the API producer's table."""
    return query("api_users_by_country_last_hour", database)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python3 -m pipelines.queries NAME DATABASE", file=sys.stderr)
        return 2
    try:
        print(query(*argv))
    except lake.DeclarationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
