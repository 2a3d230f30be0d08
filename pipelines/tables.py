"""The lake's Iceberg tables as data (tables.json) and the pure functions the Spark jobs use.

Every schema, partition spec and table property comes from tables.json; the jobs build their
StructTypes, DDL and write statements here, so no schema is written twice. Shipped to Spark in
a ConfigMap mounted on driver and executors (--py-files local://.../tables.py; tables.json found
through $BDOK_TABLES_JSON, pipelines/lake.ts), hence no package imports.
"""

from __future__ import annotations

import json
import os
import re
import argparse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# What Iceberg's GlueCatalog accepts (IcebergToGlueConverter): anything else, e.g. a hyphen,
# fails when the catalog loads the namespace or table.
GLUE_DATABASE = re.compile(r"^[a-z0-9_]{1,252}$")
GLUE_TABLE = re.compile(r"^[a-z0-9_]{1,255}$")

# Iceberg type -> Spark SQL type (Iceberg's Spark type mapping).
SPARK_TYPES = {
    "boolean": "boolean",
    "int": "int",
    "long": "bigint",
    "double": "double",
    "string": "string",
    "date": "date",
    "timestamptz": "timestamp",
    "timestamp": "timestamp_ntz",
}
# Spark SQL type -> pyspark.sql.types class name, for StructType building in the jobs.
PYSPARK_TYPES = {
    "boolean": "BooleanType",
    "int": "IntegerType",
    "bigint": "LongType",
    "double": "DoubleType",
    "string": "StringType",
    "date": "DateType",
    "timestamp": "TimestampType",
    "timestamp_ntz": "TimestampNTZType",
}
# Iceberg partition transform -> Spark DDL transform function.
TRANSFORMS = {"identity": None, "year": "years", "month": "months", "day": "days", "hour": "hours"}
WRITE_MODES = ("replace", "append")


class DeclarationError(ValueError):
    """tables.json (or a name derived from it) is not what the jobs can use."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Iceberg type


@dataclass(frozen=True)
class Table:
    namespace: str
    name: str
    layer: str
    write: str
    columns: tuple[Column, ...]
    partition: tuple[tuple[str, str], ...]  # (transform, column)
    properties: dict[str, str]
    source: str | None = None
    key: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.namespace}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Declaration:
    catalog: str
    warehouse: str
    spark_conf: dict[str, str]
    tables: dict[str, Table]  # by id "<namespace>.<name>"

    def table(self, table_id: str) -> Table:
        if table_id not in self.tables:
            raise DeclarationError(f"no table {table_id!r} in tables.json (declared: {', '.join(self.tables)})")
        return self.tables[table_id]

    @property
    def namespaces(self) -> list[str]:
        return sorted({t.namespace for t in self.tables.values()})


def _find_declaration() -> Path:
    here = Path(__file__).with_name("tables.json")
    if here.exists():
        return here
    if os.environ.get("BDOK_TABLES_JSON"):
        return Path(os.environ["BDOK_TABLES_JSON"])
    try:  # shipped with --files: Spark puts it under SparkFiles' root
        from pyspark import SparkFiles

        return Path(SparkFiles.get("tables.json"))
    except Exception:  # noqa: BLE001 - no Spark here: report the missing file below
        return here


def parse(raw: Mapping) -> Declaration:
    """Validate the declaration; every problem is a DeclarationError naming the table and field."""
    try:
        catalog = raw["catalog"]
        defaults = raw.get("defaults", {}).get("properties", {})
        tables: dict[str, Table] = {}
        for entry in raw["tables"]:
            where = f"{entry.get('namespace')}.{entry.get('name')}"
            columns = tuple(Column(c["name"], c["type"]) for c in entry["columns"])
            partition = tuple((p["transform"], p["column"]) for p in entry.get("partition", []))
            table = Table(
                namespace=entry["namespace"],
                name=entry["name"],
                layer=entry["layer"],
                write=entry["write"],
                columns=columns,
                partition=partition,
                properties={**defaults, **entry.get("properties", {})},
                source=entry.get("source"),
                key=tuple(entry.get("key", ())),
            )
            _check_table(table, where)
            if table.id in tables:
                raise DeclarationError(f"table {where}: declared twice")
            tables[table.id] = table
        return Declaration(catalog["name"], catalog["warehouse"], dict(catalog["spark_conf"]), tables)
    except (KeyError, TypeError) as error:
        raise DeclarationError(f"tables.json: missing or malformed field {error}") from None


def _check_table(table: Table, where: str) -> None:
    for name in (table.namespace, table.name):
        if not GLUE_TABLE.match(name):
            raise DeclarationError(f"table {where}: {name!r} is not a Glue name ([a-z0-9_])")
    names = table.column_names
    if len(set(names)) != len(names):
        raise DeclarationError(f"table {where}: duplicate column names")
    for column in table.columns:
        if column.type not in SPARK_TYPES:
            raise DeclarationError(f"table {where}: column {column.name} has unknown type {column.type!r}")
        if column.name != column.name.lower():
            # Trino and Glue lower-case identifiers; mixed case would not match from every engine.
            raise DeclarationError(f"table {where}: column {column.name} must be lower case")
    for transform, column in table.partition:
        if transform not in TRANSFORMS:
            raise DeclarationError(f"table {where}: unknown partition transform {transform!r}")
        if column not in names:
            raise DeclarationError(f"table {where}: partition column {column} is not a column")
    for column in table.key:
        if column not in names:
            raise DeclarationError(f"table {where}: key column {column} is not a column")
    if table.write not in WRITE_MODES:
        raise DeclarationError(f"table {where}: write must be one of {WRITE_MODES}, got {table.write!r}")
    if table.properties.get("format-version") != "2":
        raise DeclarationError(f"table {where}: format-version must be 2")


def load(path: str | os.PathLike | None = None) -> Declaration:
    file = Path(path) if path else _find_declaration()
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise DeclarationError(f"cannot read the table declaration {file}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise DeclarationError(f"{file} is not valid JSON: {error}") from None
    return parse(raw)


def check_database(name: str) -> str:
    if not isinstance(name, str) or not GLUE_DATABASE.match(name):
        raise DeclarationError(f"Glue database {name!r}: Iceberg's GlueCatalog accepts only lower-case letters, digits and _")
    return name


def parse_databases(pairs: Iterable[str], declaration: Declaration) -> dict[str, str]:
    """``NAMESPACE=GLUE_DATABASE`` pairs -> mapping, every declared namespace covered."""
    mapping = {}
    for pair in pairs:
        namespace, sep, database = pair.partition("=")
        if not sep or namespace not in declaration.namespaces:
            raise DeclarationError(f"expected NAMESPACE=DATABASE with NAMESPACE in {declaration.namespaces}, got {pair!r}")
        mapping[namespace] = check_database(database)
    return mapping


def catalog_conf(declaration: Declaration, bucket: str, region: str) -> dict[str, str]:
    """The Spark conf of the Iceberg catalog on the stack's lake."""
    if not bucket or not region:
        raise DeclarationError("the Iceberg catalog needs the lake bucket and the AWS region")
    return {k: v.format(bucket=bucket, region=region) for k, v in declaration.spark_conf.items()}


def qualified(declaration: Declaration, table: Table, database: str) -> str:
    return f"{declaration.catalog}.{check_database(database)}.{table.name}"


def struct_fields(table: Table) -> list[tuple[str, str, bool]]:
    """(name, Spark SQL type, nullable) per column, in order.

    Every column is nullable: Iceberg rejects writing a nullable Spark column into a required
    field (spark.sql.iceberg.check-nullability), and the jobs' inputs are all nullable.
    """
    return [(c.name, SPARK_TYPES[c.type], True) for c in table.columns]


def columns_ddl(table: Table) -> str:
    return ", ".join(f"{name} {kind.upper()}" for name, kind, _ in struct_fields(table))


def partition_ddl(table: Table) -> str:
    parts = [column if TRANSFORMS[t] is None else f"{TRANSFORMS[t]}({column})" for t, column in table.partition]
    return f" PARTITIONED BY ({', '.join(parts)})" if parts else ""


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def spark_ddl(declaration: Declaration, table: Table, database: str) -> str:
    """CREATE TABLE IF NOT EXISTS for Spark SQL: a re-run leaves an existing table alone."""
    props = ", ".join(f"{_quote(k)}={_quote(v)}" for k, v in sorted(table.properties.items()))
    return (
        f"CREATE TABLE IF NOT EXISTS {qualified(declaration, table, database)} ({columns_ddl(table)}) "
        f"USING iceberg{partition_ddl(table)} TBLPROPERTIES ({props})"
    )


@dataclass(frozen=True)
class WritePlan:
    conf: dict[str, str]  # session settings applied before the statement
    statement: str


def batch_write_plan(declaration: Declaration, table: Table, database: str, view: str) -> WritePlan:
    """How a batch job writes ``view`` (a temp view with the table's columns) into the table.

    IMDB publishes full dumps, so a run replaces the whole table in one snapshot: INSERT OVERWRITE
    with no PARTITION clause in static mode (Iceberg: overwriteByRowFilter(true)). Dynamic mode
    would keep the partitions the new data lacks, e.g. a titleType gone from the dump.
    """
    if table.write != "replace":
        raise DeclarationError(f"table {table.id} is written by a stream ({table.write}), not by a batch job")
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", view):
        raise DeclarationError(f"bad view name {view!r}")
    columns = ", ".join(table.column_names)
    return WritePlan(
        conf={"spark.sql.sources.partitionOverwriteMode": "static"},
        statement=f"INSERT OVERWRITE {qualified(declaration, table, database)} SELECT {columns} FROM {view}",
    )


def schema_differences(table: Table, actual: Iterable[tuple[str, str]]) -> list[str]:
    """What an existing table's (name, Spark type) columns lack or change against the declaration."""
    actual = [(name.lower(), kind.lower()) for name, kind in actual]
    declared = [(name, kind) for name, kind, _ in struct_fields(table)]
    if actual == declared:
        return []
    have, want = dict(actual), dict(declared)
    problems = [f"missing column {n} {k}" for n, k in declared if n not in have]
    problems += [f"column {n} is {have[n]}, declared {k}" for n, k in declared if n in have and have[n] != k]
    problems += [f"undeclared column {n}" for n, _ in actual if n not in want]
    return problems or ["column order differs from the declaration"]


# --- the Spark side: what every job does with the declaration (pyspark imported when called) ---


# pragma: no mutate start (not pure: imports pyspark (struct_fields, which it maps, is tested))
def struct_type(table: Table):
    """Spark StructType of a declared table."""
    from pyspark.sql import types as t

    return t.StructType([t.StructField(name, getattr(t, PYSPARK_TYPES[kind])(), nullable) for name, kind, nullable in struct_fields(table)])


# pragma: no mutate end
def add_lake_arguments(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """--bucket and --region, from $LAKE_BUCKET and $AWS_REGION (or $AWS_DEFAULT_REGION)."""
    parser.add_argument("--bucket", default=env.get("LAKE_BUCKET"), help="data-lake bucket (default: $LAKE_BUCKET)")
    parser.add_argument(
        "--region", default=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"), help="AWS region (default: $AWS_REGION)"
    )


def check_lake_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not args.bucket:
        parser.error("the lake bucket is required: pass --bucket or set LAKE_BUCKET")
    if not args.region:
        parser.error("the AWS region is required: pass --region or set AWS_REGION")


def add_job_arguments(parser: argparse.ArgumentParser, env: Mapping[str, str], database_env: str) -> None:
    add_lake_arguments(parser, env)
    parser.add_argument("--database", default=env.get(database_env), help=f"Glue database (default: ${database_env})")


def check_job_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace, database_env: str) -> argparse.Namespace:
    check_lake_arguments(parser, args)
    if not args.database:
        parser.error(f"the Glue database is required: pass --database or set {database_env}")
    try:
        check_database(args.database)
    except DeclarationError as error:
        parser.error(str(error))
    return args


# pragma: no mutate start (not pure: builds a live SparkSession)
def spark_session(app: str, declaration: Declaration, bucket: str, region: str):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app)
    for key, value in catalog_conf(declaration, bucket, region).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


# pragma: no mutate end


# pragma: no mutate start (not pure: runs DDL on a live Spark catalog)
def replace_table(spark, declaration: Declaration, table: Table, database: str, frame) -> None:
    """Create the table if needed, check its schema, then replace its rows in one snapshot."""
    spark.sql(spark_ddl(declaration, table, database))
    name = qualified(declaration, table, database)
    problems = schema_differences(table, [(c.name, c.dataType.simpleString()) for c in spark.table(name).schema])
    if problems:
        raise SystemExit(f"{name} does not match pipelines/tables.json: {'; '.join(problems)}")
    view = f"staged_{table.name}"
    frame.createOrReplaceTempView(view)
    plan = batch_write_plan(declaration, table, database, view)
    for key, value in plan.conf.items():
        spark.conf.set(key, value)
    spark.sql(plan.statement)


# pragma: no mutate end
