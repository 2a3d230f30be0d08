"""Daily maintenance of the lake's Iceberg tables, run by the iceberg_maintenance DAG.

Per existing table of the given namespaces, in this order: compact small files
(rewrite_data_files; the stream commits one or more files per partition each interval),
merge manifests (rewrite_manifests), expire snapshots older than the retention
(expire_snapshots, which deletes the files only those snapshots referenced), and remove
files no snapshot references (remove_orphan_files: failed or killed writes).

Spark runs Iceberg's procedures, so Trino's catalog can stay read-only and this job uses the
lake role Spark pods already have.

Usage: iceberg_maintenance.py --database NAMESPACE=GLUE_DATABASE [...]
       [--bucket BUCKET] [--region REGION]            (defaults: $LAKE_BUCKET, $AWS_REGION)
       [--snapshot-retention-days 7] [--retain-last 5] [--orphan-retention-days 3]
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

try:
    from pipelines import tables as lake
except ImportError:  # on Spark: shipped flat next to this file (--py-files tables.py)
    import tables as lake

# Files smaller than this are compacted; the default target is Iceberg's (512 MiB).
MIN_FILE_SIZE_BYTES = 32 * 1024 * 1024
# A write in flight has files no snapshot references yet: orphan removal must never see them.
# Iceberg's own default is 3 days; below a day a long bronze run could lose its files.
MIN_ORPHAN_RETENTION_DAYS = 1


@dataclass(frozen=True)
class Retention:
    snapshot_days: int = 7
    retain_last: int = 5
    orphan_days: int = 3

    def check(self) -> "Retention":
        if self.snapshot_days < 1:
            raise ValueError(f"snapshot retention: at least 1 day, got {self.snapshot_days}")
        if self.retain_last < 1:
            raise ValueError(f"retain-last: at least 1 snapshot, got {self.retain_last}")
        if self.orphan_days < MIN_ORPHAN_RETENTION_DAYS:
            raise ValueError(
                f"orphan retention: at least {MIN_ORPHAN_RETENTION_DAYS} day(s), got {self.orphan_days} "
                "(files of writes still running would be deleted)"
            )
        return self


def _timestamp(moment: datetime) -> str:
    # The job's session time zone is UTC, so the literal is read as UTC.
    return "TIMESTAMP '" + moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S") + "'"


def rewrite_data_files_sql(catalog: str, table: str) -> str:
    return (
        f"CALL {catalog}.system.rewrite_data_files(table => '{table}', strategy => 'binpack', "
        f"options => map('min-file-size-bytes', '{MIN_FILE_SIZE_BYTES}', 'min-input-files', '2', "
        "'partial-progress.enabled', 'true'))"
    )


def rewrite_manifests_sql(catalog: str, table: str) -> str:
    return f"CALL {catalog}.system.rewrite_manifests(table => '{table}')"


def expire_snapshots_sql(catalog: str, table: str, now: datetime, retention: Retention) -> str:
    older_than = _timestamp(now - timedelta(days=retention.snapshot_days))
    return (
        f"CALL {catalog}.system.expire_snapshots(table => '{table}', older_than => {older_than}, "
        f"retain_last => {retention.retain_last})"
    )


def remove_orphan_files_sql(catalog: str, table: str, now: datetime, retention: Retention) -> str:
    older_than = _timestamp(now - timedelta(days=retention.orphan_days))
    return f"CALL {catalog}.system.remove_orphan_files(table => '{table}', older_than => {older_than})"


def maintenance_plan(
    declaration: lake.Declaration,
    databases: Mapping[str, str],
    existing: Iterable[str],
    now: datetime,
    retention: Retention,
) -> list[str]:
    """The procedure calls, table by table, for the declared tables that exist.

    ``existing`` holds qualified names (catalog.database.table): a table whose pipeline has not
    run yet is skipped, not created.
    """
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    retention.check()
    existing = set(existing)
    statements = []
    for table in declaration.tables.values():
        if table.namespace not in databases:
            continue
        if lake.qualified(declaration, table, databases[table.namespace]) not in existing:
            continue
        name = f"{databases[table.namespace]}.{table.name}"
        statements += [
            rewrite_data_files_sql(declaration.catalog, name),
            rewrite_manifests_sql(declaration.catalog, name),
            expire_snapshots_sql(declaration.catalog, name, now, retention),
            remove_orphan_files_sql(declaration.catalog, name, now, retention),
        ]
    return statements


def parse_args(argv: list[str] | None = None, env: Mapping[str, str] = os.environ) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Iceberg table maintenance")
    lake.add_lake_arguments(parser, env)
    parser.add_argument("--database", action="append", default=[], metavar="NAMESPACE=GLUE_DATABASE")
    parser.add_argument("--snapshot-retention-days", type=int, default=Retention.snapshot_days)
    parser.add_argument("--retain-last", type=int, default=Retention.retain_last)
    parser.add_argument("--orphan-retention-days", type=int, default=Retention.orphan_days)
    args = parser.parse_args(argv)
    lake.check_lake_arguments(parser, args)
    if not args.database:
        parser.error("pass at least one --database NAMESPACE=GLUE_DATABASE")
    try:
        args.databases = lake.parse_databases(args.database, lake.load())
        args.retention = Retention(args.snapshot_retention_days, args.retain_last, args.orphan_retention_days).check()
    except ValueError as error:  # DeclarationError is one
        parser.error(str(error))
    return args


# pragma: no mutate start (not pure: a live Spark session)
def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    declaration = lake.load()
    spark = lake.spark_session("iceberg-maintenance", declaration, args.bucket, args.region)
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    try:
        candidates = [
            lake.qualified(declaration, t, args.databases[t.namespace])
            for t in declaration.tables.values()
            if t.namespace in args.databases
        ]
        existing = [name for name in candidates if spark.catalog.tableExists(name)]
        for statement in maintenance_plan(declaration, args.databases, existing, datetime.now(timezone.utc), args.retention):
            print(statement, flush=True)
            spark.sql(statement).show(truncate=False)
    finally:
        spark.stop()


# pragma: no mutate end


if __name__ == "__main__":
    main()
