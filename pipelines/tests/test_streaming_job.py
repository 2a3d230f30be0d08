import contextlib
import io
import json
import os
import re
import tempfile
import unittest
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from pipelines import tables as lake
from pipelines.realtime import simulator, streaming_job as job
from pipelines.tests.frames import F

SQL = Path(__file__).resolve().parents[1] / "realtime" / "customers.sql"

# Python type expected in a payload for each Connect schema type.
PYTHON_TYPES = {"int32": int, "int64": int, "string": str}


def jdbc_source_message():
    """A src-customers value as the JDBC source + JsonConverter(schemas.enable=true) writes it."""
    birthdate = date(1990, 6, 15)
    return {
        "schema": {
            "type": "struct",
            "name": "customers",
            "optional": False,
            "fields": [{"field": f.name, "type": f.type, "optional": f.optional} for f in job.SOURCE_FIELDS],
        },
        "payload": {
            "id": 42,
            "name": "Julia Costa",
            "sex": "F",
            "street_address": "12 Oak Street",
            "city": "Austin",
            "state": "TX",
            "zip": "78701",
            "birthdate": (birthdate - job.EPOCH).days,
            "profession": "Teacher",
            "email": "julia.costa7@example.com",
            "phone": "+1-512-555-0142",
            "dt_update": 1718000000000,
        },
    }


class AgeTest(unittest.TestCase):
    def test_birthday_today_counts(self):
        self.assertEqual(job.age_on(date(1990, 6, 15), date(2024, 6, 15)), 34)

    def test_day_before_birthday(self):
        self.assertEqual(job.age_on(date(1990, 6, 15), date(2024, 6, 14)), 33)

    def test_day_after_birthday(self):
        self.assertEqual(job.age_on(date(1990, 6, 15), date(2024, 6, 16)), 34)

    def test_leap_day_birthday_in_common_year(self):
        born = date(2000, 2, 29)
        self.assertEqual(job.age_on(born, date(2023, 2, 28)), 22)
        self.assertEqual(job.age_on(born, date(2023, 3, 1)), 23)

    def test_leap_day_birthday_in_leap_year(self):
        born = date(2000, 2, 29)
        self.assertEqual(job.age_on(born, date(2024, 2, 28)), 23)
        self.assertEqual(job.age_on(born, date(2024, 2, 29)), 24)

    def test_born_today(self):
        self.assertEqual(job.age_on(date(2024, 1, 1), date(2024, 1, 1)), 0)

    def test_year_boundary(self):
        self.assertEqual(job.age_on(date(1999, 12, 31), date(2024, 12, 30)), 24)
        self.assertEqual(job.age_on(date(1999, 12, 31), date(2024, 12, 31)), 25)

    def test_matches_day_by_day_count(self):
        # Brute force: the age increments exactly on each anniversary (1 March for 29 February).
        born = date(1996, 2, 29)
        age, day = 0, born
        while day < date(2010, 1, 1):
            day += timedelta(days=1)
            anniversary = (day.month, day.day) == (2, 29) or ((day.month, day.day) == (3, 1) and not _is_leap(day.year))
            age += anniversary
            self.assertEqual(job.age_on(born, day), age, day)


def _is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


class EnvelopeTest(unittest.TestCase):
    def setUp(self):
        self.today = date(2024, 6, 15)
        self.record = job.transform(jdbc_source_message()["payload"], self.today)
        self.message = job.envelope(self.record)

    def test_schema_fields_match_payload_keys_in_order(self):
        names = [field["field"] for field in self.message["schema"]["fields"]]
        self.assertEqual(names, list(self.message["payload"]))
        self.assertEqual(names, [field.name for field in job.OUTPUT_FIELDS])

    def test_payload_values_have_schema_types(self):
        for field in self.message["schema"]["fields"]:
            value = self.message["payload"][field["field"]]
            if value is None:
                self.assertTrue(field["optional"], field)
                continue
            self.assertIsInstance(value, PYTHON_TYPES[field["type"]], field)
            if field["type"] == "int32":
                self.assertLess(abs(value), 2**31, field)

    def test_age_is_int32_and_computed(self):
        age = next(f for f in self.message["schema"]["fields"] if f["field"] == "age")
        self.assertEqual(age["type"], "int32")
        self.assertEqual(self.message["payload"]["age"], 34)

    def test_dates_use_connect_logical_types(self):
        fields = {f["field"]: f for f in self.message["schema"]["fields"]}
        self.assertEqual(fields["dt_update"]["name"], "org.apache.kafka.connect.data.Timestamp")
        self.assertEqual(fields["dt_update"]["type"], "int64")
        self.assertFalse(fields["dt_update"]["optional"])
        self.assertEqual(fields["birthdate"]["name"], "org.apache.kafka.connect.data.Timestamp")
        self.assertEqual(fields["birthdate"]["type"], "int64")

    def test_schema_is_a_connect_struct(self):
        schema = job.connect_schema()
        self.assertEqual(schema["type"], "struct")
        self.assertFalse(schema["optional"])
        self.assertEqual(json.loads(json.dumps(schema)), schema)

    def test_missing_birthdate_gives_null_age(self):
        payload = dict(jdbc_source_message()["payload"], birthdate=None)
        self.assertIsNone(job.transform(payload, self.today)["age"])

    def test_envelope_rejects_unexpected_fields(self):
        with self.assertRaises(ValueError):
            job.envelope(dict(self.record, extra=1))
        incomplete = dict(self.record)
        del incomplete["age"]
        with self.assertRaises(ValueError):
            job.envelope(incomplete)

    def test_logical_types_are_connects_own(self):
        # Connect's logical schemas are version 1 (org.apache.kafka.connect.data.Timestamp and Date:
        # SchemaBuilder.int64()/int32().name(LOGICAL_NAME).version(1)); ConnectSchema.equals compares the version.
        logical = [f for f in job.connect_schema()["fields"] if "name" in f]
        self.assertTrue(logical)
        for field in logical:
            self.assertRegex(field["name"], r"^org\.apache\.kafka\.connect\.data\.(Timestamp|Date)$")
            self.assertEqual(field.get("version"), 1, field)

    def test_the_envelope_error_names_the_fields(self):
        with self.assertRaises(ValueError) as caught:
            job.envelope(dict(self.record, surprise=1))
        self.assertIn("surprise", str(caught.exception))

    def test_key_envelope(self):
        self.assertEqual(job.key_envelope(42), {"schema": {"type": "int32", "optional": False}, "payload": 42})

    def test_spark_literals_are_the_pure_schema(self):
        # to_kafka_records concatenates this literal with the payload JSON.
        literal = job._json_literal(job.connect_schema())
        value = '{"schema":' + literal + ',"payload":' + json.dumps(self.message["payload"]) + "}"
        self.assertEqual(json.loads(value), self.message)


# The Elasticsearch sink (schema.ignore=false) maps a field with these Connect logical types to an
# ES `date` (Mapping.inferLogicalMapping), with no `format`; and it writes the value as the
# JsonConverter serialises it: a Date as its day count, a Timestamp as epoch milliseconds.
ES_DATE_LOGICAL_TYPES = {
    "org.apache.kafka.connect.data.Date",
    "org.apache.kafka.connect.data.Time",
    "org.apache.kafka.connect.data.Timestamp",
}


def es_parse_date(value):
    """What an ES `date` field of the default format (strict_date_optional_time||epoch_millis) stores."""
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return datetime.fromtimestamp(value / 1000, tz=timezone.utc)


def indexed(message):
    """The dates Elasticsearch indexes from one sink record, by field name."""
    fields = {f["field"]: f for f in message["schema"]["fields"]}
    return {
        name: es_parse_date(value)
        for name, value in message["payload"].items()
        if value is not None and fields[name].get("name") in ES_DATE_LOGICAL_TYPES
    }


class ElasticsearchDatesTest(unittest.TestCase):
    def setUp(self):
        self.message = job.envelope(job.transform(jdbc_source_message()["payload"], date(2024, 6, 15)))

    def test_birthdate_is_indexed_as_the_birth_day(self):
        parsed = indexed(self.message)
        self.assertEqual(parsed["birthdate"], datetime(1990, 6, 15, tzinfo=timezone.utc))

    def test_dt_update_is_indexed_as_its_instant(self):
        self.assertEqual(indexed(self.message)["dt_update"], datetime.fromtimestamp(1718000000, tz=timezone.utc))

    def test_birthdates_around_the_epoch_and_leap_days(self):
        for born in (date(1969, 12, 31), date(1970, 1, 1), date(2000, 2, 29), date(1925, 3, 1)):
            payload = dict(jdbc_source_message()["payload"], birthdate=(born - job.EPOCH).days)
            message = job.envelope(job.transform(payload, date(2024, 6, 15)))
            self.assertEqual(indexed(message)["birthdate"].date(), born, born)

    def test_missing_birthdate_is_not_indexed(self):
        payload = dict(jdbc_source_message()["payload"], birthdate=None)
        self.assertNotIn("birthdate", indexed(job.envelope(job.transform(payload, date(2024, 6, 15)))))


class SourceSchemaTest(unittest.TestCase):
    def test_payload_ddl_covers_every_source_field(self):
        ddl = job.source_payload_ddl()
        for field in job.SOURCE_FIELDS:
            self.assertRegex(ddl, rf"(^|, ){field.name}: (INT|BIGINT|STRING)(,|$)")
        self.assertIn("birthdate: INT", ddl)
        self.assertIn("dt_update: BIGINT", ddl)

    def test_value_ddl_wraps_payload(self):
        self.assertEqual(job.source_value_ddl(), f"payload STRUCT<{job.source_payload_ddl()}>")

    def test_source_fields_are_the_table_columns(self):
        body = re.search(r"CREATE TABLE IF NOT EXISTS public\.customers \((.*?)\n\);", SQL.read_text(), re.S).group(1)
        columns = [line.split()[0] for line in body.splitlines() if line.strip() and not line.strip().startswith("--")]
        self.assertEqual(columns, [field.name for field in job.SOURCE_FIELDS])
        # The simulator fills every column except the generated ones.
        self.assertEqual(list(simulator.COLUMNS), [c for c in columns if c not in ("id", "dt_update")])

    def test_sql_is_idempotent(self):
        sql = SQL.read_text()
        self.assertIn("CREATE TABLE IF NOT EXISTS public.customers", sql)
        self.assertRegex(sql, r"CREATE INDEX IF NOT EXISTS \w+ ON public\.customers \(dt_update\)")
        self.assertRegex(sql, r"dt_update\s+timestamp NOT NULL DEFAULT")
        for statement in re.findall(r"^CREATE (?!TABLE IF NOT EXISTS|INDEX IF NOT EXISTS|OR REPLACE)\w+", sql, re.M):
            self.fail(f"non-idempotent statement: {statement}")


ENV = {
    "KAFKA_BOOTSTRAP_SERVERS": "kafka:9093",
    "LAKE_BUCKET": "lake",
    "AWS_REGION": "eu-west-1",
    "BDOK_REALTIME_DATABASE": "bdok_dev_realtime",
}


class ArgsTest(unittest.TestCase):
    def test_watched_paths_leave_help_to_the_real_parser(self):
        # The pre-parse runs before the job's parser: it must not answer --help itself (nor exit).
        self.assertEqual(job.watched_paths(["--help", "--restart-on-change", "/a", "--restart-on-change", "/b"]), ["/a", "/b"])
        self.assertEqual(job.watched_paths(["-h"]), [])

    def test_api_value_ddl_is_name_type_pairs(self):
        # from_json's DDL: "name type, name type"; every type a Spark SQL type name.
        pairs = [part.strip().split(" ") for part in job.api_value_ddl().split(",")]
        self.assertEqual([p[0] for p in pairs], [name for name, _ in job.API_FIELDS])
        for pair in pairs:
            self.assertEqual(len(pair), 2, pair)
            self.assertIn(pair[1].lower(), {"string", "int", "bigint", "long", "double", "float", "boolean", "date", "timestamp"})

    def test_defaults_and_checkpoints_from_bucket(self):
        args = job.parse_args([], env=ENV)
        self.assertEqual(args.bootstrap_servers, "kafka:9093")
        self.assertEqual(args.checkpoint, "s3a://lake/spark-checkpoint/customers-transformed/")
        self.assertEqual(args.lake_checkpoint, "s3a://lake/spark-checkpoint/customers-lake/")
        self.assertEqual(args.source_topic, "src-customers")
        self.assertEqual(args.target_topic, "customers-transformed")
        self.assertEqual(args.starting_offsets, "earliest")
        # Spark's default unless the program states its policy (bdok:lake.failOnDataLoss).
        self.assertTrue(args.fail_on_data_loss)
        self.assertFalse(job.parse_args(["--fail-on-data-loss", "false"], env=ENV).fail_on_data_loss)
        with self.assertRaises(SystemExit):
            job.parse_args(["--fail-on-data-loss", "no"], env=ENV)
        self.assertEqual(args.kafka_options, {})
        self.assertEqual((args.bucket, args.region, args.lake_database), ("lake", "eu-west-1", "bdok_dev_realtime"))
        self.assertEqual(args.commit_interval, "60 seconds")

    def test_sinks_need_distinct_checkpoints_whatever_the_trailing_slash(self):
        # Two queries on one checkpoint corrupt each other's offsets; "x" and "x/" are the same location.
        a, b = "s3a://lake/cp/a", "s3a://lake/cp/b"
        refused = [
            ["--checkpoint", a, "--lake-checkpoint", a + "/"],
            ["--checkpoint", a + "/", "--lake-checkpoint", a],
            ["--checkpoint", a, "--lake-checkpoint", b, "--api-topic", "t", "--api-checkpoint", a + "/"],
            ["--checkpoint", a + "/", "--lake-checkpoint", b, "--api-topic", "t", "--api-checkpoint", a],
            ["--checkpoint", a, "--lake-checkpoint", b + "/", "--api-topic", "t", "--api-checkpoint", b],
            ["--checkpoint", a, "--lake-checkpoint", b, "--api-topic", "t", "--api-checkpoint", b + "/"],
            ["--api-checkpoint", a],
        ]
        for argv in refused:
            err = io.StringIO()
            with self.subTest(argv=argv), self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
                job.parse_args(argv, env=ENV)
            self.assertIn("checkpoint", err.getvalue().splitlines()[-1])
        args = job.parse_args(["--checkpoint", a, "--lake-checkpoint", b, "--api-topic", "t", "--api-checkpoint", a + "x"], env=ENV)
        self.assertEqual((args.checkpoint, args.lake_checkpoint, args.api_checkpoint), (a, b, a + "x"))
        # Only slashes are trimmed: locations that differ in a last letter stay distinct.
        for argv in (
            ["--checkpoint", a + "X", "--lake-checkpoint", a],
            ["--checkpoint", a, "--lake-checkpoint", a + "X"],
            ["--checkpoint", a + "X", "--lake-checkpoint", b, "--api-topic", "t", "--api-checkpoint", a],
            ["--checkpoint", a, "--lake-checkpoint", b + "X", "--api-topic", "t", "--api-checkpoint", b],
            ["--checkpoint", a, "--lake-checkpoint", b, "--api-topic", "t", "--api-checkpoint", b + "X"],
        ):
            with self.subTest(argv=argv):
                job.parse_args(argv, env=ENV)
        self.assertIsNone(job.parse_args([], env=ENV).api_checkpoint)

    def test_region_falls_back_to_aws_default_region(self):
        env = {k: v for k, v in ENV.items() if k != "AWS_REGION"}
        self.assertEqual(job.parse_args([], env={**env, "AWS_DEFAULT_REGION": "ap-south-1"}).region, "ap-south-1")

    def test_watch_seconds_at_least_one_and_data_loss_flag(self):
        self.assertEqual(job.parse_args(["--watch-seconds", "1"], env=ENV).watch_seconds, 1)
        err = io.StringIO()
        with self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
            job.parse_args(["--watch-seconds", "0"], env=ENV)
        self.assertIn("--watch-seconds", err.getvalue().splitlines()[-1])  # the error line, not the usage
        self.assertTrue(job.parse_args(["--fail-on-data-loss", "true"], env=ENV).fail_on_data_loss)

    def test_commit_interval_bounds(self):
        # At least 10 s (each commit is a snapshot); a minute is 60 s.
        for value, ok in [
            ("10 seconds", True),
            ("9 seconds", False),
            ("11 seconds", True),
            ("1 minute", True),
            ("1 second", False),
            ("", False),
            ("10", False),
        ]:
            with self.subTest(value=value):
                if ok:
                    self.assertEqual(job.check_commit_interval(value), value)
                else:
                    with self.assertRaisesRegex(ValueError, "commit interval"):
                        job.check_commit_interval(value)
        with self.assertRaisesRegex(ValueError, "commit interval None"):
            job.check_commit_interval(None)

    def test_kafka_option_pairs(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "password")
            with open(path, "w", encoding="ascii") as f:
                f.write("\ns3cret \r\n")
            got = job.parse_kafka_options(["a=x=y", "kafka.b= v"], ["c=PW"], {"PW": "p"}, [f"d={path}"])
            # The value after the first "="; a file's value loses its line end only.
            self.assertEqual(got, {"kafka.a": "x=y", "kafka.b": " v", "kafka.c": "p", "kafka.d": "\ns3cret "})
            # Secret files are ASCII (Strimzi's generated passwords): other bytes are refused, not guessed at.
            with open(path, "w", encoding="utf-8") as f:
                f.write("pässword")
            with self.assertRaises(ValueError):
                job.parse_kafka_options([], [], {}, [f"d={path}"])
            with open(path, "w", encoding="ascii") as f:
                f.write("endsWithX\n")
            self.assertEqual(job.parse_kafka_options([], [], {}, [f"d={path}"]), {"kafka.d": "endsWithX"})
        for pairs, env_pairs, kind in [(["novalue="], [], "VALUE"), (["=v"], [], "VALUE"), (["k"], [], "VALUE"), ([], ["k="], "ENV_VAR")]:
            with self.subTest(pairs=pairs, env_pairs=env_pairs), self.assertRaisesRegex(ValueError, f"^expected KEY={kind}, got "):
                job.parse_kafka_options(pairs, env_pairs, {})

    def test_commit_interval_from_env_or_flag(self):
        self.assertEqual(job.parse_args([], env={**ENV, "BDOK_ICEBERG_COMMIT_INTERVAL": "5 minutes"}).commit_interval, "5 minutes")
        self.assertEqual(job.parse_args(["--commit-interval", "30 seconds"], env=ENV).commit_interval, "30 seconds")

    def test_explicit_checkpoint_and_kafka_options(self):
        args = job.parse_args(
            [
                "--bootstrap-servers",
                "b:9093",
                "--checkpoint",
                "s3a://x/cp/",
                "--kafka-option",
                "security.protocol=SSL",
                "--kafka-option",
                "kafka.ssl.truststore.type=PEM",
                "--kafka-option",
                "ssl.truststore.location=/etc/kafka-ca/ca.crt",
                "--kafka-option-from-env",
                "ssl.truststore.password=TRUSTSTORE_PASSWORD",
            ],
            env={**ENV, "TRUSTSTORE_PASSWORD": "s3cret"},
        )
        self.assertEqual(args.checkpoint, "s3a://x/cp/")
        self.assertEqual(
            args.kafka_options,
            {
                "kafka.security.protocol": "SSL",
                "kafka.ssl.truststore.type": "PEM",
                "kafka.ssl.truststore.location": "/etc/kafka-ca/ca.crt",
                "kafka.ssl.truststore.password": "s3cret",
            },
        )

    def test_bad_arguments_exit(self):
        import contextlib
        import io

        def without(key):
            return {k: v for k, v in ENV.items() if k != key}

        cases = [
            ([], without("KAFKA_BOOTSTRAP_SERVERS"), "KAFKA_BOOTSTRAP_SERVERS"),
            ([], without("LAKE_BUCKET"), "LAKE_BUCKET"),
            ([], without("AWS_REGION"), "AWS_REGION"),
            ([], without("BDOK_REALTIME_DATABASE"), "BDOK_REALTIME_DATABASE"),
            (["--lake-database", "bdok-dev-database"], ENV, "GlueCatalog"),
            (["--kafka-option", "novalue"], ENV, "KEY=VALUE"),
            (["--kafka-option-from-env", "k=UNSET"], ENV, "UNSET"),
            (["--commit-interval", "60"], ENV, "commit interval"),
            (["--commit-interval", "1 hour"], ENV, "commit interval"),
            (["--commit-interval", "5 seconds"], ENV, "at least 10 seconds"),
            (["--lake-checkpoint", "s3a://lake/spark-checkpoint/customers-transformed"], ENV, "own checkpoints"),
        ]
        for argv, env, message in cases:
            err = io.StringIO()
            with self.subTest(argv=argv, message=message), self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
                job.parse_args(argv, env=env)
            self.assertIn(message, err.getvalue())


class SparkExpressionsTest(unittest.TestCase):
    """The job's column expressions, evaluated row by row with the scalar stand-in F."""

    def setUp(self):
        self.payload = jdbc_source_message()["payload"]
        self.today = date(2024, 6, 15)

    def test_age_column_is_age_on(self):
        for born in (date(1996, 2, 29), date(1990, 6, 15), date(1969, 12, 31)):
            day = born
            while day < born + timedelta(days=5 * 366):
                f = F({}, today=day)
                value = job.age_column(f, f.lit((born - job.EPOCH).days), f.current_date()).value
                self.assertEqual(value, job.age_on(born, day), (born, day))
                day += timedelta(days=1)

    def test_age_column_null_birthdate(self):
        f = F({}, today=self.today)
        self.assertIsNone(job.age_column(f, f.lit(None), f.current_date()).value)

    def kafka_record(self, payload):
        row = dict(payload, age=job.transform(payload, self.today)["age"])
        key, value = job.kafka_columns(F(row))
        self.assertEqual((key.name, value.name), ("key", "value"))
        return json.loads(key.value), json.loads(value.value)

    def test_kafka_columns_are_the_reference_envelopes(self):
        key, value = self.kafka_record(self.payload)
        self.assertEqual(value, job.envelope(job.transform(self.payload, self.today)))
        self.assertEqual(key, job.key_envelope(42))

    def test_kafka_columns_keep_nulls(self):
        payload = dict(self.payload, birthdate=None, phone=None)
        _, value = self.kafka_record(payload)
        self.assertEqual(value, job.envelope(job.transform(payload, self.today)))
        self.assertIn("phone", value["payload"])

    def test_lake_columns_are_the_declared_table(self):
        table = lake.load().table(job.LAKE_TABLE)
        row = dict(self.payload, age=34)
        columns = job.lake_columns(F(row), table)
        self.assertEqual([c.name for c in columns], table.column_names)
        values = {c.name: c.value for c in columns}
        self.assertEqual(values["birthdate"], date(1990, 6, 15))
        self.assertEqual(values["dt_update"], datetime.fromtimestamp(1718000000, tz=timezone.utc))
        self.assertEqual(values["age"], 34)
        # Every declared date/timestamp column is converted from its Connect representation.
        temporal = {c.name for c in table.columns if c.type in ("date", "timestamptz")}
        self.assertEqual(temporal, set(job.LAKE_CONVERSIONS))

    def test_lake_table_has_every_output_field(self):
        table = lake.load().table(job.LAKE_TABLE)
        self.assertEqual(table.column_names, [field.name for field in job.OUTPUT_FIELDS])
        self.assertEqual(table.source, "customers-transformed")
        self.assertEqual(table.write, "append")


class LakeSinkTest(unittest.TestCase):
    def test_exactly_once_settings(self):
        sink = job.lake_sink(job.parse_args(["--commit-interval", "2 minutes"], env=ENV))
        self.assertEqual(sink["format"], "iceberg")
        self.assertEqual(sink["outputMode"], "append")
        self.assertEqual(sink["trigger"], {"processingTime": "2 minutes"})
        self.assertEqual(sink["options"]["checkpointLocation"], "s3a://lake/spark-checkpoint/customers-lake/")
        self.assertEqual(sink["options"]["fanout-enabled"], "true")


if __name__ == "__main__":
    unittest.main()


class _Field:
    def __init__(self, name, kind):
        self.name = name
        self.dataType = type("DataType", (), {"simpleString": lambda _self, kind=kind: kind})()


class _Spark:
    """A stand-in for the pyspark calls main() makes: every call is recorded and chains.

    ``spark.table(name).schema`` is the catalog's table; any other frame's ``.schema`` is what the
    stream's select gives. Only the control flow of main() is under test here: what it starts and
    when it stops. The expressions themselves are checked against frames.F above.
    """

    def __init__(self, catalog_schema, stream_schema):
        self.calls = []
        self.catalog_schema = catalog_schema
        self.stream_schema = stream_schema

    def chain(self, kind="frame"):
        return _Chain(self, kind)


class _Chain:
    def __init__(self, spark, kind, name=None):
        self._spark = spark
        self._kind = kind
        self._name = name

    @property
    def schema(self):
        return [_Field(n, k) for n, k in (self._spark.catalog_schema if self._kind == "catalog" else self._spark.stream_schema)]

    def __getattr__(self, name):
        # A method or a property (readStream, writeStream): calling it records the call.
        return _Chain(self._spark, self._kind, name)

    def __call__(self, *args, **kwargs):
        self._spark.calls.append((self._name, args))
        return self._spark.chain("catalog" if self._name == "table" else "frame")

    def _op(self, *_):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __lt__ = __gt__ = __getitem__ = __and__ = _op


def _fake_pyspark(spark):
    import types

    functions = types.ModuleType("pyspark.sql.functions")
    functions.__getattr__ = lambda name: (lambda *a, **k: spark.chain())
    sql = types.ModuleType("pyspark.sql")
    sql.functions = functions
    sql.SparkSession = type("SparkSession", (), {"builder": spark.chain()})
    root = types.ModuleType("pyspark")
    root.sql = sql
    return {"pyspark": root, "pyspark.sql": sql, "pyspark.sql.functions": functions}


class MainChecksTheLakeSchema(unittest.TestCase):
    """README (realtime pipeline): the streaming job refuses to write a customers table whose schema
    differs from pipelines/tables.json, before the lake query starts."""

    ARGV = ["--bootstrap-servers", "kafka:9093", "--bucket", "lake", "--region", "us-east-1", "--lake-database", "bdok_t_realtime"]

    def run_main(self, catalog, stream):
        import sys
        from unittest import mock

        spark = _Spark(catalog, stream)
        with mock.patch.dict(sys.modules, _fake_pyspark(spark)):
            try:
                job.main(self.ARGV)
            except SystemExit as stop:
                return spark, stop
        return spark, None

    def declared(self):
        return [(name, kind) for name, kind, _ in lake.struct_fields(lake.load().table(job.LAKE_TABLE))]

    def test_matching_table_starts_the_lake_query(self):
        spark, stop = self.run_main(self.declared(), self.declared())
        self.assertIsNone(stop)
        written = [args for name, args in spark.calls if name == "toTable"]
        self.assertEqual(written, [("glue.bdok_t_realtime.customers",)])

    def test_a_changed_or_missing_column_stops_before_the_lake_query(self):
        declared = self.declared()
        i, (name, kind) = next((i, c) for i, c in enumerate(declared) if c[1] != "string")
        retyped = declared[:i] + [(name, "string")] + declared[i + 1 :]
        cases = {
            "catalog column retyped": (retyped, declared, f"column {name} is string, declared {kind}"),
            "catalog column missing": (declared[:-1], declared, f"missing column {declared[-1][0]}"),
            "catalog column undeclared": (declared + [("extra", "int")], declared, "undeclared column extra"),
            "stream column retyped": (declared, retyped, f"column {name} is string, declared {kind}"),
        }
        for what, (catalog, stream, problem) in cases.items():
            with self.subTest(what):
                spark, stop = self.run_main(catalog, stream)
                self.assertIsNotNone(stop, "main() went on")
                self.assertIn("does not match pipelines/tables.json", str(stop.code))
                self.assertIn(problem, str(stop.code))
                self.assertNotIn("toTable", [name for name, _ in spark.calls])


class ApiQueryTest(unittest.TestCase):
    """start_api_query's control flow with the stand-in pyspark (the engines tier runs it for real)."""

    def run_query(self, catalog, stream):
        import sys
        from unittest import mock

        spark = _Spark(catalog, stream)
        args = job.parse_args(MainChecksTheLakeSchema.ARGV + ["--api-topic", "api-users"])
        with mock.patch.dict(sys.modules, _fake_pyspark(spark)):
            from pyspark.sql import functions as f

            try:
                job.start_api_query(spark.chain(), f, args, lake.load())
            except SystemExit as stop:
                return spark, stop
        return spark, None

    def test_reads_its_topic_and_appends_to_api_users(self):
        declared = [(name, kind) for name, kind, _ in lake.struct_fields(lake.load().table(job.API_TABLE))]
        spark, stop = self.run_query(declared, declared)
        self.assertIsNone(stop)
        self.assertIn(("subscribe", "api-users"), [c[1] for c in spark.calls if c[0] == "option"])
        self.assertEqual([a for n, a in spark.calls if n == "toTable"], [("glue.bdok_t_realtime.api_users",)])
        self.assertIn(("api-users-lake",), [a for n, a in spark.calls if n == "queryName"])

    def test_a_drifted_table_stops_it(self):
        declared = [(name, kind) for name, kind, _ in lake.struct_fields(lake.load().table(job.API_TABLE))]
        spark, stop = self.run_query(declared + [("extra", "int")], declared)
        self.assertIn("undeclared column extra", str(stop.code))
        self.assertNotIn("toTable", [n for n, _ in spark.calls])
