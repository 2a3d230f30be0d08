"""Spark Structured Streaming job of the realtime pipeline (book chapter 10).

src-customers  ->  parse the JDBC source's Connect JSON, add ``age``  ->  customers-transformed

Input: values written by the JDBC source connector with the JsonConverter and
``schemas.enable=true``, i.e. ``{"schema": ..., "payload": {...}}`` where the
``date`` column arrives as days since the epoch (Connect ``Date``) and the
``timestamp`` column as epoch milliseconds (Connect ``Timestamp``).

Output: the same ``schema`` + ``payload`` envelope, which the Elasticsearch
sink needs to build a typed mapping (``dt_update`` and ``birthdate`` become
``date`` fields). ``birthdate`` leaves as a Connect ``Timestamp`` (epoch
milliseconds of midnight UTC): the sink writes a Connect ``Date`` as its bare
day count, which Elasticsearch reads as milliseconds, i.e. a day in January 1970. The key is the customer id, also as a Connect envelope, so
the sink can use it as the document id (``key.ignore=false``) and replays or
updates overwrite instead of duplicating documents.

Usage:
  streaming_job.py --bootstrap-servers HOST:PORT (or $KAFKA_BOOTSTRAP_SERVERS)
                   [--bucket BUCKET (or $LAKE_BUCKET) | --checkpoint URI]
                   [--source-topic src-customers] [--target-topic customers-transformed]
                   [--starting-offsets earliest]
                   [--kafka-option KEY=VALUE ...]        -> Kafka client option kafka.KEY
                   [--kafka-option-from-env KEY=ENV ...] -> kafka.KEY from environment variable ENV
Both Kafka option flags apply to the reader and the writer. For Strimzi's TLS
listener: security.protocol=SSL, ssl.truststore.type=PEM and
ssl.truststore.location=<mounted cluster CA ca.crt>.
"""
from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

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
OUTPUT_FIELDS = tuple(
    Field(f.name, "int64", f.optional, CONNECT_TIMESTAMP) if f.name == "birthdate" else f for f in SOURCE_FIELDS
) + (Field("age", "int32"),)

KEY_SCHEMA = {"type": "int32", "optional": False}

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


def parse_kafka_options(pairs: list[str], env_pairs: list[str], env: Mapping[str, str]) -> dict[str, str]:
    """Turn ``KEY=VALUE`` and ``KEY=ENV_VAR`` pairs into Spark ``kafka.KEY`` options."""
    options = {}
    for pair, from_env in [(pair, False) for pair in pairs] + [(pair, True) for pair in env_pairs]:
        key, sep, value = pair.partition("=")
        key = key.strip().removeprefix("kafka.")
        if not sep or not key or not value:
            raise ValueError(f"expected KEY={'ENV_VAR' if from_env else 'VALUE'}, got {pair!r}")
        if from_env:
            if value not in env:
                raise ValueError(f"environment variable {value} (for Kafka option {key}) is not set")
            value = env[value]
        options[f"kafka.{key}"] = value
    return options


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


def parse_args(argv: list[str] | None = None, env: Mapping[str, str] = os.environ) -> Args:
    parser = argparse.ArgumentParser(description="src-customers -> age -> customers-transformed")
    parser.add_argument("--bootstrap-servers", default=env.get("KAFKA_BOOTSTRAP_SERVERS"))
    parser.add_argument("--bucket", default=env.get("LAKE_BUCKET"), help="lake bucket for the default checkpoint")
    parser.add_argument("--checkpoint", help="checkpoint URI (default: s3a://<bucket>/spark-checkpoint/customers-transformed/)")
    parser.add_argument("--source-topic", default="src-customers")
    parser.add_argument("--target-topic", default="customers-transformed")
    parser.add_argument("--starting-offsets", default="earliest", help="used only when the checkpoint is empty")
    parser.add_argument("--kafka-option", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--kafka-option-from-env", action="append", default=[], metavar="KEY=ENV_VAR")
    args = parser.parse_args(argv)
    if not args.bootstrap_servers:
        parser.error("pass --bootstrap-servers or set KAFKA_BOOTSTRAP_SERVERS")
    checkpoint = args.checkpoint or (args.bucket and f"s3a://{args.bucket}/spark-checkpoint/customers-transformed/")
    if not checkpoint:
        parser.error("pass --checkpoint, or --bucket / LAKE_BUCKET for the default checkpoint")
    try:
        kafka_options = parse_kafka_options(args.kafka_option, args.kafka_option_from_env, env)
    except ValueError as error:
        parser.error(str(error))
    return Args(
        bootstrap_servers=args.bootstrap_servers,
        checkpoint=checkpoint,
        source_topic=args.source_topic,
        target_topic=args.target_topic,
        starting_offsets=args.starting_offsets,
        kafka_options=kafka_options,
    )


def with_age(customers):
    """Add the ``age`` column; mirrors ``age_on``."""
    from pyspark.sql import functions as f

    birth = f.date_from_unix_date(f.col("birthdate"))
    today = f.current_date()

    def month_day(day):
        return f.month(day) * 100 + f.dayofmonth(day)

    before_birthday = f.when(month_day(today) < month_day(birth), 1).otherwise(0)
    return customers.withColumn("age", (f.year(today) - f.year(birth) - before_birthday).cast("int"))


def to_kafka_records(customers):
    """Key and value columns of the output messages; mirrors ``key_envelope``/``envelope``."""
    from pyspark.sql import functions as f

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
    return customers.select(key.alias("key"), value.alias("value"))


def main(argv: list[str] | None = None) -> None:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as f

    args = parse_args(argv)
    spark = (
        SparkSession.builder.appName("customers-transformed")
        # current_date() and therefore ages are computed in UTC, like dt_update.
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    source = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", args.bootstrap_servers)
        .options(**args.kafka_options)
        .option("subscribe", args.source_topic)
        .option("startingOffsets", args.starting_offsets)
        .load()
    )
    customers = (
        source.select(f.from_json(f.col("value").cast("string"), source_value_ddl()).alias("message"))
        .select("message.payload.*")
        # Unparseable messages come out as all-null rows; id is never null in the table.
        .where(f.col("id").isNotNull())
    )
    query = (
        to_kafka_records(with_age(customers))
        .writeStream.format("kafka")
        .option("kafka.bootstrap.servers", args.bootstrap_servers)
        .options(**args.kafka_options)
        .option("topic", args.target_topic)
        .option("checkpointLocation", args.checkpoint)
        .queryName("customers-transformed")
        .start()
    )
    query.awaitTermination()


if __name__ == "__main__":
    main()
