"""Spark Structured Streaming job of the realtime pipeline (book chapter 10).

src-customers  ->  parse the JDBC source's Connect JSON, add ``age``  ->  customers-transformed
                                                                     ->  Iceberg realtime.customers

Input: values written by the JDBC source connector with the JsonConverter and
``schemas.enable=true``, i.e. ``{"schema": ..., "payload": {...}}`` where the
``date`` column arrives as days since the epoch (Connect ``Date``) and the
``timestamp`` column as epoch milliseconds (Connect ``Timestamp``).

Kafka output: the same ``schema`` + ``payload`` envelope, which the Elasticsearch
sink needs to build a typed mapping (``dt_update`` and ``birthdate`` become
``date`` fields). ``birthdate`` leaves as a Connect ``Timestamp`` (epoch
milliseconds of midnight UTC): the sink writes a Connect ``Date`` as its bare
day count, which Elasticsearch reads as milliseconds, i.e. a day in January 1970. The key is the customer id, also as a Connect envelope, so
the sink can use it as the document id (``key.ignore=false``) and replays or
updates overwrite instead of duplicating documents.

Lake output: every record, appended to the Iceberg table ``<lake database>.customers``
(pipelines/tables.json: ``birthdate`` as date, ``dt_update`` as timestamptz), one commit
per trigger interval, exactly once across restarts (see ``lake_sink``). Each sink is its
own query with its own checkpoint.

Usage:
  streaming_job.py --bootstrap-servers HOST:PORT (or $KAFKA_BOOTSTRAP_SERVERS)
                   --bucket BUCKET (or $LAKE_BUCKET)   --region REGION (or $AWS_REGION)
                   --lake-database DB (or $BDOK_REALTIME_DATABASE)
                   [--commit-interval "60 seconds" (or $BDOK_ICEBERG_COMMIT_INTERVAL)]
                   [--checkpoint URI] [--lake-checkpoint URI]
                   [--source-topic src-customers] [--target-topic customers-transformed]
                   [--starting-offsets earliest]
                   [--kafka-option KEY=VALUE ...]        -> Kafka client option kafka.KEY
                   [--kafka-option-from-env KEY=ENV ...] -> kafka.KEY from environment variable ENV
                   [--kafka-option-from-file KEY=PATH ...] -> kafka.KEY from the file PATH (read at start)
                   [--restart-on-change PATH ...] [--watch-seconds 30]
                   [--api-topic api-users [--api-checkpoint URI]]
The Kafka option flags apply to the readers and the Kafka writer. For Strimzi's TLS
listener: security.protocol=SSL, ssl.truststore.type=PEM and
ssl.truststore.location=<mounted cluster CA ca.crt>.

With ``--api-topic`` a third query carries the API producer's records (pipelines/api/api_producer.py:
flat JSON, keyed by uuid) from that topic into ``<lake database>.api_users``, with its own checkpoint
and the same exactly-once commits as the customers table.

Credential renewal: Strimzi issues a new user keystore with a new password whenever it renews the
user's certificate (see ``FileWatch``). The password is read once at start, while executors open the
mounted keystore whenever they create a Kafka client, so the two would drift apart. With
``--restart-on-change`` the driver watches the mounted files and, when one changes, stops its
queries and exits with ``RESTART_EXIT_CODE``; the SparkApplication (restartPolicy Always) starts
again from the checkpoints with the new keystore and password.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

try:
    from pipelines import tables as lake
except ImportError:  # on Spark: shipped flat next to this file (--py-files tables.py)
    import tables as lake

CONNECT_DATE = "org.apache.kafka.connect.data.Date"
CONNECT_TIMESTAMP = "org.apache.kafka.connect.data.Timestamp"
EPOCH = date(1970, 1, 1)
MS_PER_DAY = 86_400_000


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Connect schema type
    optional: bool = True
    logical: str | None = None  # Connect logical type name


# public.customers as the JDBC source connector emits it (see customers.sql).
SOURCE_FIELDS = (
    Field("id", "int32", optional=False),
    Field("name", "string", optional=False),
    Field("sex", "string"),
    Field("street_address", "string"),
    Field("city", "string"),
    Field("state", "string"),
    Field("zip", "string"),
    Field("birthdate", "int32", logical=CONNECT_DATE),
    Field("profession", "string"),
    Field("email", "string"),
    Field("phone", "string"),
    Field("dt_update", "int64", optional=False, logical=CONNECT_TIMESTAMP),
)
# birthdate as epoch milliseconds (see the module docstring); every other field as it came in.
OUTPUT_FIELDS = tuple(Field(f.name, "int64", f.optional, CONNECT_TIMESTAMP) if f.name == "birthdate" else f for f in SOURCE_FIELDS) + (
    Field("age", "int32"),
)

KEY_SCHEMA = {"type": "int32", "optional": False}
# The Iceberg table the stream lands in (pipelines/tables.json).
LAKE_TABLE = "realtime.customers"

_SPARK_TYPES = {"int32": "INT", "int64": "BIGINT", "string": "STRING"}


def source_payload_ddl() -> str:
    """Spark DDL of the source ``payload`` object."""
    return ", ".join(f"{field.name}: {_SPARK_TYPES[field.type]}" for field in SOURCE_FIELDS)


def source_value_ddl() -> str:
    """Spark DDL used with from_json on the source message value.

    Only ``payload`` is read: the embedded ``schema`` is fixed for this table.
    """
    return f"payload STRUCT<{source_payload_ddl()}>"


def connect_schema() -> dict:
    """Connect schema of the output payload, as the JsonConverter expects it."""
    fields = []
    for field in OUTPUT_FIELDS:
        spec = {"field": field.name, "type": field.type, "optional": field.optional}
        if field.logical:
            spec.update(name=field.logical, version=1)
        fields.append(spec)
    return {"type": "struct", "name": "customers_transformed", "optional": False, "fields": fields}


def age_on(birthdate: date, today: date) -> int:
    """Whole years completed on ``today``.

    Someone born on 29 February turns a year older on 1 March in common
    years. The Spark column in ``with_age`` uses the same rule.
    """
    before_birthday = (today.month, today.day) < (birthdate.month, birthdate.day)
    return today.year - birthdate.year - before_birthday


def transform(payload: Mapping, today: date) -> dict:
    """Reference for one record of the Spark transformation: source payload -> output payload."""
    days = payload.get("birthdate")
    age = None if days is None else age_on(EPOCH + timedelta(days=days), today)
    record = {field.name: payload.get(field.name) for field in SOURCE_FIELDS}
    record["birthdate"] = None if days is None else days * MS_PER_DAY
    return {**record, "age": age}


def envelope(record: Mapping) -> dict:
    """The ``schema`` + ``payload`` message value for one output record."""
    expected = [field.name for field in OUTPUT_FIELDS]
    if sorted(record) != sorted(expected):
        raise ValueError(f"record fields {sorted(record)} differ from the output fields {sorted(expected)}")
    return {"schema": connect_schema(), "payload": {name: record[name] for name in expected}}


def key_envelope(customer_id: int) -> dict:
    """The message key: the customer id as a Connect int32."""
    return {"schema": KEY_SCHEMA, "payload": customer_id}


def parse_kafka_options(pairs: list[str], env_pairs: list[str], env: Mapping[str, str], file_pairs: list[str] = ()) -> dict[str, str]:
    """Turn ``KEY=VALUE``, ``KEY=ENV_VAR`` and ``KEY=PATH`` pairs into Spark ``kafka.KEY`` options."""
    options = {}
    sources = [(p, "VALUE") for p in pairs] + [(p, "ENV_VAR") for p in env_pairs] + [(p, "PATH") for p in file_pairs]
    for pair, kind in sources:
        key, sep, value = pair.partition("=")
        key = key.strip().removeprefix("kafka.")
        if not sep or not key or not value:
            raise ValueError(f"expected KEY={kind}, got {pair!r}")
        if kind == "ENV_VAR":
            if value not in env:
                raise ValueError(f"environment variable {value} (for Kafka option {key}) is not set")
            value = env[value]
        elif kind == "PATH":
            try:
                with open(value, encoding="ascii") as file:
                    value = file.read().rstrip("\r\n")
            except OSError as error:
                raise ValueError(f"file {value} (for Kafka option {key}): {error.strerror}") from None
        options[f"kafka.{key}"] = value
    return options


# EX_TEMPFAIL: the driver stopped for new credentials, not because the job failed.
RESTART_EXIT_CODE = 75


class FileWatch:
    """Notices when mounted Secret files change.

    Strimzi 1.2.0 keeps a user's keystore and its password only while the user's certificate is
    reused (user-operator KafkaUserModel.java:266-272, 298-309: same clients CA certificate, keystore
    and password present). A renewed certificate (new CA certificate or generation, expiry:
    operator-common InternalCa.java:234-252) comes from generateSignedCert, which creates a new
    password (InternalCa.java:345-347, passwordGenerator.generate()). The kubelet replaces the files
    of a mounted Secret together (one symlink swap) and never updates an environment variable.
    """

    def __init__(self, paths, read=None):
        self.paths = tuple(paths)
        self._read = read or self._digest
        self._start = {path: self._read(path) for path in self.paths}

    @staticmethod
    def _digest(path):
        try:
            with open(path, "rb") as file:
                return hashlib.sha256(file.read()).hexdigest()
        except FileNotFoundError:
            return None

    def changed(self) -> list[str]:
        """The watched files whose content differs from the start (a missing file counts)."""
        return [path for path in self.paths if self._read(path) != self._start[path]]


def watched_paths(argv: list[str] | None = None) -> list[str]:
    """The --restart-on-change paths alone (read before anything else is)."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--restart-on-change", action="append", default=[])
    return pre.parse_known_args(argv)[0].restart_on_change


def run_until_credentials_change(streams, watch: FileWatch, seconds: int, log=print) -> int:
    """Wait for the queries; on a changed credential file stop them and return RESTART_EXIT_CODE.

    ``streams`` is the session's StreamingQueryManager: awaitAnyTermination(timeout) returns False
    while every query runs and raises a failed query's error, which ends the driver as before.
    """
    while not streams.awaitAnyTermination(seconds):
        changed = watch.changed()
        if changed:
            log(f"credentials changed ({', '.join(changed)}): stopping the queries to restart with them")
            for query in streams.active:
                query.stop()
            return RESTART_EXIT_CODE
    return 0


def _json_literal(value: dict) -> str:
    return json.dumps(value, separators=(",", ":"))


@dataclass(frozen=True)
class Args:
    bootstrap_servers: str
    checkpoint: str
    source_topic: str
    target_topic: str
    starting_offsets: str
    kafka_options: dict[str, str]
    bucket: str
    region: str
    lake_database: str
    lake_checkpoint: str
    commit_interval: str
    restart_on_change: tuple[str, ...] = ()
    watch_seconds: int = 30
    # Spark's own default: stop when the checkpointed offsets are no longer in the topic.
    fail_on_data_loss: bool = True
    # The API producer's topic and the checkpoint of its lake query (None: no such query).
    api_topic: str | None = None
    api_checkpoint: str | None = None


# Spark's processingTime trigger accepts an interval string; keep to whole seconds or minutes.
COMMIT_INTERVAL = re.compile(r"^([1-9][0-9]*) (second|seconds|minute|minutes)$")


def check_commit_interval(value: str) -> str:
    match = COMMIT_INTERVAL.match(value or "")
    if not match:
        raise ValueError(f"commit interval {value!r}: expected e.g. '60 seconds' or '5 minutes'")
    seconds = int(match.group(1)) * (60 if match.group(2).startswith("minute") else 1)
    # Each commit is an Iceberg snapshot and at least one file per partition: below 10 s the
    # table fills with tiny files faster than the daily compaction can help.
    if seconds < 10:
        raise ValueError(f"commit interval {value!r}: at least 10 seconds")
    return value


def parse_args(argv: list[str] | None = None, env: Mapping[str, str] = os.environ) -> Args:
    parser = argparse.ArgumentParser(description="src-customers -> age -> customers-transformed and the lake's customers table")
    parser.add_argument("--bootstrap-servers", default=env.get("KAFKA_BOOTSTRAP_SERVERS"))
    parser.add_argument("--bucket", default=env.get("LAKE_BUCKET"), help="the lake bucket (warehouse and default checkpoints)")
    parser.add_argument("--checkpoint", help="Kafka sink checkpoint (default: s3a://<bucket>/spark-checkpoint/customers-transformed/)")
    parser.add_argument("--source-topic", default="src-customers")
    parser.add_argument("--target-topic", default="customers-transformed")
    parser.add_argument("--starting-offsets", default="earliest", help="used only when a checkpoint is empty")
    parser.add_argument("--kafka-option", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--kafka-option-from-env", action="append", default=[], metavar="KEY=ENV_VAR")
    parser.add_argument("--kafka-option-from-file", action="append", default=[], metavar="KEY=PATH")
    parser.add_argument(
        "--restart-on-change", action="append", default=[], metavar="PATH", help="exit for a restart when this file changes"
    )
    parser.add_argument("--watch-seconds", type=int, default=30, help="how often the watched files are compared")
    parser.add_argument("--region", default=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"), help="AWS region of Glue and the lake")
    parser.add_argument("--lake-database", default=env.get("BDOK_REALTIME_DATABASE"), help="Glue database of the customers table")
    parser.add_argument("--lake-checkpoint", help="lake sink checkpoint (default: s3a://<bucket>/spark-checkpoint/customers-lake/)")
    parser.add_argument("--commit-interval", default=env.get("BDOK_ICEBERG_COMMIT_INTERVAL", "60 seconds"))
    parser.add_argument(
        "--fail-on-data-loss",
        choices=["true", "false"],
        default="true",
        help="Kafka source failOnDataLoss: false skips offsets the topic no longer holds (retention) instead of stopping",
    )
    parser.add_argument("--api-topic", help="the API producer's topic, carried into the api_users table (default: no such query)")
    parser.add_argument("--api-checkpoint", help="its lake query's checkpoint (default: s3a://<bucket>/spark-checkpoint/api-users-lake/)")
    args = parser.parse_args(argv)
    if not args.bootstrap_servers:
        parser.error("pass --bootstrap-servers or set KAFKA_BOOTSTRAP_SERVERS")
    if not args.bucket:
        parser.error("pass --bucket or set LAKE_BUCKET: the lake holds the customers table and the checkpoints")
    if not args.region:
        parser.error("pass --region or set AWS_REGION: the Glue catalog needs it")
    if not args.lake_database:
        parser.error("pass --lake-database or set BDOK_REALTIME_DATABASE")
    try:
        lake.check_database(args.lake_database)
        commit_interval = check_commit_interval(args.commit_interval)
        kafka_options = parse_kafka_options(args.kafka_option, args.kafka_option_from_env, env, args.kafka_option_from_file)
    except ValueError as error:
        parser.error(str(error))
    checkpoint = args.checkpoint or f"s3a://{args.bucket}/spark-checkpoint/customers-transformed/"
    lake_checkpoint = args.lake_checkpoint or f"s3a://{args.bucket}/spark-checkpoint/customers-lake/"
    if lake_checkpoint.rstrip("/") == checkpoint.rstrip("/"):
        parser.error("the two sinks need their own checkpoints")
    api_checkpoint = None
    if args.api_topic:
        api_checkpoint = args.api_checkpoint or f"s3a://{args.bucket}/spark-checkpoint/api-users-lake/"
        if api_checkpoint.rstrip("/") in (checkpoint.rstrip("/"), lake_checkpoint.rstrip("/")):
            parser.error("the API query needs its own checkpoint")
    elif args.api_checkpoint:
        parser.error("--api-checkpoint without --api-topic")
    if args.watch_seconds < 1:
        parser.error(f"--watch-seconds: got {args.watch_seconds}; allowed: at least 1")
    return Args(
        bootstrap_servers=args.bootstrap_servers,
        checkpoint=checkpoint,
        source_topic=args.source_topic,
        target_topic=args.target_topic,
        starting_offsets=args.starting_offsets,
        kafka_options=kafka_options,
        bucket=args.bucket,
        region=args.region,
        lake_database=args.lake_database,
        lake_checkpoint=lake_checkpoint,
        commit_interval=commit_interval,
        restart_on_change=tuple(args.restart_on_change),
        watch_seconds=args.watch_seconds,
        fail_on_data_loss=args.fail_on_data_loss == "true",
        api_topic=args.api_topic or None,
        api_checkpoint=api_checkpoint,
    )


def age_column(f, birth_days, today):
    """``age`` from the birthdate's day count; mirrors ``age_on``.

    ``f`` is pyspark.sql.functions in the job; the tests pass a scalar stand-in, so this very
    expression is what they check against ``age_on``.
    """
    birth = f.date_from_unix_date(birth_days)

    def month_day(day):
        return f.month(day) * 100 + f.dayofmonth(day)

    before_birthday = f.when(month_day(today) < month_day(birth), 1).otherwise(0)
    return (f.year(today) - f.year(birth) - before_birthday).cast("int")


# pragma: no mutate start (not pure: imports pyspark (age_column, which it calls, is tested))
def with_age(customers):
    """Add the ``age`` column (ages in the session time zone, UTC)."""
    from pyspark.sql import functions as f

    return customers.withColumn("age", age_column(f, f.col("birthdate"), f.current_date()))


# pragma: no mutate end


def kafka_columns(f):
    """Key and value columns of the output messages; mirrors ``key_envelope``/``envelope``."""
    columns = [
        (f.col("birthdate").cast("long") * MS_PER_DAY).alias("birthdate") if field.name == "birthdate" else f.col(field.name)
        for field in OUTPUT_FIELDS
    ]
    payload = f.to_json(
        f.struct(*columns),
        # Explicit nulls, like envelope(); the sink would also accept them missing.
        {"ignoreNullFields": "false"},
    )
    value = f.concat(f.lit(f'{{"schema":{_json_literal(connect_schema())},"payload":'), payload, f.lit("}"))
    key = f.concat(f.lit(f'{{"schema":{_json_literal(KEY_SCHEMA)},"payload":'), f.col("id").cast("string"), f.lit("}"))
    return [key.alias("key"), value.alias("value")]


# pragma: no mutate start (not pure: imports pyspark (kafka_columns is tested))
def to_kafka_records(customers):
    from pyspark.sql import functions as f

    return customers.select(*kafka_columns(f))


# pragma: no mutate end


# How each lake column is made from the parsed payload plus age: Connect day counts and epoch
# milliseconds become Iceberg date and timestamptz; the rest is taken as is.
LAKE_CONVERSIONS = {"birthdate": "date_from_unix_date", "dt_update": "timestamp_millis"}


def lake_columns(f, table):
    """The select list that gives the Iceberg table's columns, in the declaration's order."""
    return [
        getattr(f, LAKE_CONVERSIONS[name])(f.col(name)).alias(name) if name in LAKE_CONVERSIONS else f.col(name)
        for name in table.column_names
    ]


def lake_sink(args: "Args") -> dict:
    """The Iceberg sink of the lake query: what makes it exactly once across restarts.

    Each micro-batch is one Iceberg commit tagged with the query id and epoch; after a restart from
    the same checkpoint (same query id) Iceberg skips an epoch it already committed, and Spark
    replays from the checkpointed Kafka offsets. fanout-enabled: a batch spans several
    day(dt_update) partitions and is not sorted by them.
    """
    return {
        "format": "iceberg",
        "outputMode": "append",
        "trigger": {"processingTime": args.commit_interval},
        "options": {"checkpointLocation": args.lake_checkpoint, "fanout-enabled": "true"},
        "queryName": "customers-lake",
    }


# The API producer's records (pipelines/api/api_producer.py FIELDS) and their lake table.
API_TABLE = "realtime.api_users"
API_FIELDS = (
    ("uuid", "STRING"),
    ("name", "STRING"),
    ("gender", "STRING"),
    ("email", "STRING"),
    ("city", "STRING"),
    ("state", "STRING"),
    ("country", "STRING"),
    ("postcode", "STRING"),
    ("latitude", "DOUBLE"),
    ("longitude", "DOUBLE"),
    ("birthdate", "STRING"),
    ("age", "INT"),
    ("nat", "STRING"),
    ("fetched_at", "BIGINT"),
)
# ISO dates and epoch milliseconds in the messages; Iceberg date and timestamptz in the table.
API_CONVERSIONS = {"birthdate": "to_date", "fetched_at": "timestamp_millis"}


def api_value_ddl() -> str:
    """Spark DDL used with from_json on an API message value (a flat JSON object)."""
    return ", ".join(f"{name} {kind}" for name, kind in API_FIELDS)


def api_lake_columns(f, table):
    """The api_users table's columns, in the declaration's order, from the parsed message."""
    return [
        getattr(f, API_CONVERSIONS[name])(f.col(name)).alias(name) if name in API_CONVERSIONS else f.col(name)
        for name in table.column_names
    ]


def api_sink(args: "Args") -> dict:
    """The API query's Iceberg sink: as ``lake_sink``, with its own checkpoint and name."""
    sink = lake_sink(args)
    return {**sink, "options": {**sink["options"], "checkpointLocation": args.api_checkpoint}, "queryName": "api-users-lake"}


def start_api_query(spark, f, args: "Args", declaration) -> None:
    """Kafka topic ``args.api_topic`` -> Iceberg ``<lake database>.api_users`` (append)."""
    table = declaration.table(API_TABLE)
    spark.sql(lake.spark_ddl(declaration, table, args.lake_database))
    name = lake.qualified(declaration, table, args.lake_database)
    source = read_topic(spark, args, args.api_topic)
    rows = (
        source.select(f.from_json(f.col("value").cast("string"), api_value_ddl()).alias("record"))
        .select("record.*")
        # Unparseable messages come out as all-null rows; the producer never sends one without uuid.
        .where(f.col("uuid").isNotNull() & f.col("fetched_at").isNotNull())
        .select(*api_lake_columns(f, table))
    )
    start_lake_query(spark, table, name, rows, api_sink(args))


# pragma: no mutate start (not pure: a live Kafka stream)
def read_topic(spark, args: "Args", topic: str):
    """A streaming read of one topic with the job's Kafka options (each query its own source)."""
    return (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", args.bootstrap_servers)
        .options(**args.kafka_options)
        .option("subscribe", topic)
        .option("startingOffsets", args.starting_offsets)
        .option("failOnDataLoss", str(args.fail_on_data_loss).lower())
        .load()
    )


# pragma: no mutate end


def start_lake_query(spark, table, name: str, rows, sink: dict) -> None:
    """Check the live table and the stream against tables.json, then start the Iceberg query."""
    problems = lake.schema_differences(table, [(c.name, c.dataType.simpleString()) for c in spark.table(name).schema])
    problems += lake.schema_differences(table, [(c.name, c.dataType.simpleString()) for c in rows.schema])
    if problems:
        raise SystemExit(f"{name} does not match pipelines/tables.json: {'; '.join(problems)}")
    (
        rows.writeStream.format(sink["format"])
        .outputMode(sink["outputMode"])
        .trigger(**sink["trigger"])
        .options(**sink["options"])
        .queryName(sink["queryName"])
        .toTable(name)
    )


# pragma: no mutate start (not pure: a live Spark session and Kafka)
def main(argv: list[str] | None = None) -> None:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as f

    # The files' state before the password is read: a renewal in between shows up as a change.
    watch = FileWatch(watched_paths(argv))
    args = parse_args(argv)
    declaration = lake.load()
    table = declaration.table(LAKE_TABLE)
    builder = (
        SparkSession.builder.appName("customers-transformed")
        # current_date() and therefore ages are computed in UTC, like dt_update.
        .config("spark.sql.session.timeZone", "UTC")
    )
    for key, value in lake.catalog_conf(declaration, args.bucket, args.region).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()

    def read_source():
        return read_topic(spark, args, args.source_topic)

    def customers(source):
        return with_age(
            source.select(f.from_json(f.col("value").cast("string"), source_value_ddl()).alias("message")).select("message.payload.*")
            # Unparseable messages come out as all-null rows; id is never null in the table.
            .where(f.col("id").isNotNull())
        )

    # Two queries, each with its own source and checkpoint: one sink failing or lagging does not
    # hold back the other, and each resumes from its own offsets.
    (
        to_kafka_records(customers(read_source()))
        .writeStream.format("kafka")
        .option("kafka.bootstrap.servers", args.bootstrap_servers)
        .options(**args.kafka_options)
        .option("topic", args.target_topic)
        .option("checkpointLocation", args.checkpoint)
        .queryName("customers-transformed")
        .start()
    )

    spark.sql(lake.spark_ddl(declaration, table, args.lake_database))
    name = lake.qualified(declaration, table, args.lake_database)
    rows = customers(read_source()).select(*lake_columns(f, table))
    start_lake_query(spark, table, name, rows, lake_sink(args))
    if args.api_topic:
        start_api_query(spark, f, args, declaration)
    status = run_until_credentials_change(spark.streams, watch, args.watch_seconds)
    if status:
        raise SystemExit(status)


# pragma: no mutate end


if __name__ == "__main__":
    main()
