"""The API producer (pipelines/api/api_producer.py): validation, the poll, the Kafka side with a
stand-in producer, the pip call, and the contract with the streaming job's API query. The real
client against a real broker and the real Airflow run in test/engines/api.test.ts."""

import ast
import json
import sys
import os
import re
import tempfile
import unittest
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace

from pipelines import tables as lake
from pipelines.api import api_producer as producer
from pipelines.realtime import streaming_job as job
from pipelines.tests.frames import F
from pipelines.tests.zones import in_zone

API = Path(__file__).resolve().parents[1] / "api"
NOW = datetime(2026, 3, 1, 12, 30, tzinfo=timezone.utc)


def person(**changes):
    """One result in randomuser.me's documented shape (https://randomuser.me/documentation#results)."""
    raw = {
        "gender": "female",
        "name": {"title": "Miss", "first": "Jennie", "last": "Nichols"},
        "location": {
            "street": {"number": 8929, "name": "Valwood Pkwy"},
            "city": "Billings",
            "state": "Michigan",
            "country": "United States",
            "postcode": "63104",
            "coordinates": {"latitude": "-69.8246", "longitude": "134.8719"},
            "timezone": {"offset": "+9:30", "description": "Adelaide, Darwin"},
        },
        "email": "Jennie.Nichols@example.com",
        "login": {"uuid": "7a0eed16-9430-4d68-901f-c0d4c1c3bf00", "username": "yellowpeacock117", "password": "addison", "sha256": "x"},
        "dob": {"date": "1992-03-08T15:13:16.688Z", "age": 33},
        "registered": {"date": "2007-07-09T05:51:59.390Z", "age": 18},
        "phone": "(272) 790-0888",
        "id": {"name": "SSN", "value": "405-88-3636"},
        "nat": "US",
    }
    for path, value in changes.items():
        target = raw
        *parents, last = path.split(".")
        for key in parents:
            target = target[key]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    return raw


DELETE = object()


class ValidateTest(unittest.TestCase):
    def test_a_documented_result(self):
        record = producer.validate(person(), NOW)
        self.assertEqual(
            record,
            {
                "uuid": "7a0eed16-9430-4d68-901f-c0d4c1c3bf00",
                "name": "Jennie Nichols",
                "gender": "female",
                "email": "jennie.nichols@example.com",
                "city": "Billings",
                "state": "Michigan",
                "country": "United States",
                "postcode": "63104",
                "latitude": -69.8246,
                "longitude": 134.8719,
                "birthdate": "1992-03-08",
                "age": 33,
                "nat": "US",
                "fetched_at": 1772368200000,
            },
        )
        # Credentials and national ids never leave.
        self.assertNotIn("addison", json.dumps(record))
        self.assertNotIn("405-88-3636", json.dumps(record))

    def test_accepted_variants(self):
        cases = {
            "numeric postcode": ({"location.postcode": 12345}, "postcode", "12345"),
            "postcode with letters": ({"location.postcode": "T1X 4E7"}, "postcode", "T1X 4E7"),
            "no postcode": ({"location.postcode": DELETE}, "postcode", None),
            "no state": ({"location.state": ""}, "state", None),
            "numeric coordinates": ({"location.coordinates.latitude": 45}, "latitude", 45.0),
            "edge latitude": ({"location.coordinates.latitude": "-90"}, "latitude", -90.0),
            "edge longitude": ({"location.coordinates.longitude": "180.0"}, "longitude", 180.0),
            "no gender": ({"gender": None}, "gender", None),
            "no nationality": ({"nat": DELETE}, "nat", None),
            "born today": ({"dob.date": "2026-03-01T00:00:00Z", "dob.age": 0}, "birthdate", "2026-03-01"),
            "offset timestamp": ({"dob.date": "1992-03-08T23:30:00-02:00"}, "birthdate", "1992-03-09"),
            "oldest age": ({"dob.age": 130}, "age", 130),
        }
        for what, (changes, field, expected) in cases.items():
            with self.subTest(what):
                self.assertEqual(producer.validate(person(**changes), NOW)[field], expected)

    def test_rejected_records_name_the_field(self):
        cases = {
            "not an object": (["x"], "record"),
            "no login": ({"login": DELETE}, "login"),
            "uuid not a uuid": ({"login.uuid": "'; DROP TABLE x; --"}, "login.uuid"),
            "uuid upper case": ({"login.uuid": "7A0EED16-9430-4D68-901F-C0D4C1C3BF00"}, "login.uuid"),
            "no first name": ({"name.first": " "}, "name.first"),
            "name too long": ({"name.last": "x" * 201}, "name.last"),
            "name not text": ({"name.first": ["a"]}, "name.first"),
            "gender unknown": ({"gender": "robot"}, "gender"),
            "email without at": ({"email": "jennie.example.com"}, "email"),
            "email missing": ({"email": None}, "email"),
            "no city": ({"location.city": None}, "location.city"),
            "no country": ({"location.country": DELETE}, "location.country"),
            "latitude out of range": ({"location.coordinates.latitude": "-90.01"}, "location.coordinates.latitude"),
            "longitude out of range": ({"location.coordinates.longitude": 181}, "location.coordinates.longitude"),
            "latitude not a number": ({"location.coordinates.latitude": "north"}, "location.coordinates.latitude"),
            "latitude NaN": ({"location.coordinates.latitude": "nan"}, "location.coordinates.latitude"),
            "latitude boolean": ({"location.coordinates.latitude": True}, "location.coordinates.latitude"),
            "no coordinates": ({"location.coordinates": DELETE}, "coordinates"),
            "birth date garbage": ({"dob.date": "yesterday"}, "dob.date"),
            "born tomorrow": ({"dob.date": "2026-03-02T00:00:00Z"}, "dob.date"),
            "born too long ago": ({"dob.date": "1890-01-01T00:00:00Z"}, "dob.date"),
            "age negative": ({"dob.age": -1}, "dob.age"),
            "age too high": ({"dob.age": 131}, "dob.age"),
            "age as text": ({"dob.age": "33"}, "dob.age"),
            "age boolean": ({"dob.age": True}, "dob.age"),
            "nationality long": ({"nat": "USA"}, "nat"),
        }
        for what, (changes, field) in cases.items():
            with self.subTest(what):
                raw = changes[0] if isinstance(changes, list) else person(**changes)
                with self.assertRaises(producer.Invalid) as caught:
                    producer.validate(raw, NOW)
                self.assertTrue(str(caught.exception).startswith(field), str(caught.exception))


class ResponseTest(unittest.TestCase):
    def test_results_list(self):
        self.assertEqual(producer.parse_response(b'{"results": [1, 2], "info": {}}'), [1, 2])

    def test_bad_answers(self):
        for body, message in (
            (b"<html>busy</html>", "not JSON"),
            (b'{"error": "Uh oh, something has gone wrong."}', "error: Uh oh"),
            (b'{"info": {}}', "no 'results' list"),
            (b'{"results": {"a": 1}}', "no 'results' list"),
            (b"[1]", "no 'results' list"),
        ):
            with self.subTest(body):
                with self.assertRaisesRegex(ValueError, message):
                    producer.parse_response(body)

    def test_split_keeps_the_first_of_each_uuid(self):
        other = person(**{"login.uuid": "00000000-0000-4000-8000-000000000001", "email": "b@example.org"})
        valid, rejected = producer.split([person(), {"gender": "x"}, person(**{"name.first": "Again"}), other], NOW)
        self.assertEqual([r["uuid"] for r in valid], ["7a0eed16-9430-4d68-901f-c0d4c1c3bf00", "00000000-0000-4000-8000-000000000001"])
        self.assertEqual([i for i, _ in rejected], [1, 2])
        self.assertIn("repeated", rejected[1][1])


class FakeProducer:
    def __init__(self, fail=None, pending=0):
        self.sent, self.fail, self.pending, self.callbacks = [], fail, pending, []

    def produce(self, topic, key, value, on_delivery):
        self.sent.append((topic, key, value))
        self.callbacks.append(on_delivery)

    def poll(self, _timeout):
        return 0

    def flush(self, _timeout):
        for callback in self.callbacks:
            callback(self.fail, None)
        return self.pending


SETTINGS = producer.Settings(
    url="https://randomuser.me/api/?results=3",
    topic="api-users",
    bootstrap_servers="bdok-kafka-bootstrap.kafka.svc:9093",
    ca_file="/opt/bdok/kafka/ca.crt",
    cert_file="/opt/bdok/kafka/user.crt",
    key_file="/opt/bdok/kafka/user.key",
)


class PollTest(unittest.TestCase):
    def poll(self, results, fake=None):
        fake = fake or FakeProducer()
        opened = []

        def opener(url, timeout):
            opened.append((url, timeout))
            return json.dumps({"results": results}).encode()

        summary = producer.poll_once(SETTINGS, opener, lambda s: fake, lambda: NOW)
        self.assertEqual(opened, [(SETTINGS.url, 30.0)])
        return summary, fake

    def test_valid_records_are_produced_keyed_by_uuid_and_bad_ones_counted(self):
        summary, fake = self.poll([person(), {"login": {}}])
        self.assertEqual(summary, {"fetched": 2, "produced": 1, "rejected": 1})
        [(topic, key, value)] = fake.sent
        self.assertEqual((topic, key), ("api-users", b"7a0eed16-9430-4d68-901f-c0d4c1c3bf00"))
        self.assertEqual(json.loads(value), producer.validate(person(), NOW))
        self.assertEqual(list(json.loads(value)), list(producer.FIELDS))

    def test_an_empty_answer_produces_nothing(self):
        self.assertEqual(self.poll([])[0], {"fetched": 0, "produced": 0, "rejected": 0})

    def test_all_rejected_fails_the_task(self):
        with self.assertRaisesRegex(ValueError, "all 2 records were rejected"):
            self.poll([{"a": 1}, None])

    def test_failed_or_pending_deliveries_fail_the_task(self):
        with self.assertRaisesRegex(RuntimeError, "1 deliveries failed"):
            self.poll([person()], FakeProducer(fail="TOPIC_AUTHORIZATION_FAILED"))
        with self.assertRaisesRegex(RuntimeError, "3 still pending"):
            self.poll([person()], FakeProducer(pending=3))

    def test_too_many_records(self):
        small = producer.Settings(**{**SETTINGS.__dict__, "max_records": 1})
        with self.assertRaisesRegex(ValueError, "at most 1"):
            producer.poll_once(small, lambda u, t: json.dumps({"results": [person(), person()]}).encode(), None, lambda: NOW)

    def test_client_settings_are_mutual_tls_and_idempotent(self):
        config = producer.producer_config(SETTINGS)
        self.assertEqual(config["security.protocol"], "SSL")
        self.assertEqual(
            (config["ssl.ca.location"], config["ssl.certificate.location"], config["ssl.key.location"]),
            (SETTINGS.ca_file, SETTINGS.cert_file, SETTINGS.key_file),
        )
        self.assertEqual((config["acks"], config["enable.idempotence"]), ("all", "true"))
        self.assertEqual(config["bootstrap.servers"], SETTINGS.bootstrap_servers)
        # A named client in the broker's logs and quotas; deliveries give up within the task's minute.
        self.assertEqual((config["client.id"], config["delivery.timeout.ms"]), ("bdok-api-producer", "60000"))
        self.assertTrue(all(isinstance(v, str) for v in config.values()), "librdkafka takes strings")


class RecordingProducer(FakeProducer):
    """Records what produce() hands the client: poll timeouts, flush budget, the producer's settings."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.polls, self.flushes = [], []

    def poll(self, timeout):
        self.polls.append(timeout)
        return 0

    def flush(self, timeout):
        self.flushes.append(timeout)
        return super().flush(timeout)


class ProduceBoundaryTest(unittest.TestCase):
    def test_polls_without_blocking_and_flushes_within_the_budget(self):
        fake = RecordingProducer()
        self.assertEqual(producer.produce(fake, "t", [producer.validate(person(), NOW)] * 2, flush_seconds=12.5), 2)
        self.assertEqual((fake.polls, fake.flushes), ([0, 0], [12.5]))

    def test_the_error_names_the_first_failure_or_none(self):
        with self.assertRaisesRegex(RuntimeError, r"^1 deliveries failed, 0 still pending \(first error: TOPIC_AUTHORIZATION_FAILED\)$"):
            producer.produce(FakeProducer(fail="TOPIC_AUTHORIZATION_FAILED"), "t", [producer.validate(person(), NOW)])
        with self.assertRaisesRegex(RuntimeError, r"^0 deliveries failed, 2 still pending \(first error: none\)$"):
            producer.produce(FakeProducer(pending=2), "t", [producer.validate(person(), NOW)])

    def test_a_message_is_utf8_json_as_written_not_escaped(self):
        record = producer.validate(person(name={"title": "Ms", "first": "Zoë", "last": "Ørsted"}), NOW)
        key, value = producer.message(record)
        self.assertIn("Zoë Ørsted".encode("utf-8"), value, "non-ASCII text travels as UTF-8, not \\u escapes")
        for loose in (b'": ', b', "'):
            self.assertNotIn(loose, value, "compact separators")
        self.assertEqual(key, record["uuid"].encode())
        with self.assertRaisesRegex(ValueError, "record fields"):
            producer.message({**record, "extra": 1})

    def test_max_records_is_inclusive_and_the_poll_is_logged(self):
        def poll(n, limit):
            settings = producer.Settings(**{**SETTINGS.__dict__, "max_records": limit})
            results = [person(login={"uuid": f"00000000-0000-4000-8000-00000000000{i}"}) for i in range(n)]
            fake = FakeProducer()
            with self.assertLogs(producer.log, "INFO") as logs:
                summary = producer.poll_once(settings, lambda u, t: json.dumps({"results": results}).encode(), lambda s: fake, lambda: NOW)
            return summary, logs.output

        summary, output = poll(2, 2)
        self.assertEqual(summary, {"fetched": 2, "produced": 2, "rejected": 0})
        self.assertEqual(output[-1], f"INFO:{producer.log.name}:polled {SETTINGS.url}: {summary}")
        with self.assertRaisesRegex(ValueError, "returned 3 records; allowed: at most 2"):
            poll(3, 2)

    def test_rejections_are_logged_and_only_valid_records_reach_the_client(self):
        made = []

        def make(settings):
            made.append(settings)
            return FakeProducer()

        answer = json.dumps({"results": [{"a": 1}, person()]}).encode()
        with self.assertLogs(producer.log, "WARNING") as logs:
            producer.poll_once(SETTINGS, lambda u, t: answer, make, lambda: NOW)
        self.assertEqual(made, [SETTINGS])
        self.assertTrue(logs.output[0].startswith(f"WARNING:{producer.log.name}:record 0 rejected: "), logs.output)
        # No valid record: no client at all.
        with self.assertRaisesRegex(ValueError, r"all 2 records were rejected \(first: "):
            producer.poll_once(SETTINGS, lambda u, t: json.dumps({"results": [{"a": 1}, {"b": 2}]}).encode(), make, lambda: NOW)
        self.assertEqual(len(made), 1)
        self.assertEqual(producer.poll_once(SETTINGS, lambda u, t: b'{"results": []}', make, lambda: NOW)["produced"], 0)
        self.assertEqual(len(made), 1)

    def test_settings_errors_name_the_file(self):
        def load(document):
            path = Path(tempfile.mkdtemp()) / producer.SETTINGS_FILE
            path.write_text(json.dumps(document), encoding="utf-8")
            return path

        cases = [
            ({"producer": {**SETTINGS.__dict__, "url": "ftp://x"}}, "url must be an http(s) URL"),
            ({"producer": {**SETTINGS.__dict__, "url": "https:// x"}}, "url must be an http(s) URL"),
            ({"producer": {**SETTINGS.__dict__, "max_records": 0}}, "max_records and timeout_seconds must be positive"),
            ({"producer": {**SETTINGS.__dict__, "timeout_seconds": 0}}, "max_records and timeout_seconds must be positive"),
            ({"other": {}}, "'producer'"),
        ]
        for document, message in cases:
            with self.subTest(message=message):
                path = load(document)
                with self.assertRaisesRegex(ValueError, f"^{re.escape(str(path))}: .*{re.escape(message)}"):
                    producer.load_settings(path)
        settings = producer.load_settings(load({"producer": {**SETTINGS.__dict__, "max_records": 1, "timeout_seconds": 0.5}}))
        self.assertEqual((settings.max_records, settings.timeout_seconds), (1, 0.5))
        self.assertEqual(producer.load_settings(load({"producer": {**SETTINGS.__dict__, "url": "http://h"}})).url, "http://h")
        with self.assertRaisesRegex(ValueError, "nonexistent"):
            producer.load_settings(Path("/nonexistent/settings.json"))


class SettingsAndInstallTest(unittest.TestCase):
    def write(self, document):
        path = Path(tempfile.mkdtemp()) / producer.SETTINGS_FILE
        path.write_text(json.dumps(document))
        return path

    def test_settings(self):
        self.assertEqual(producer.load_settings(self.write({"producer": SETTINGS.__dict__, "pod": {}})), SETTINGS)
        for bad in ({}, {"producer": {**SETTINGS.__dict__, "url": "ftp://x"}}, {"producer": {**SETTINGS.__dict__, "extra": 1}}):
            with self.subTest(bad), self.assertRaises(ValueError):
                producer.load_settings(self.write(bad))

    def test_pip_installs_only_the_hashed_wheels(self):
        calls = []

        def run(command, **kwargs):
            calls.append((command, kwargs["env"]))
            return SimpleNamespace(returncode=0, stderr="")

        producer.install_client(Path("/dags/api_requirements.txt"), Path("/tmp/lib"), run=run)
        command, env = calls[0]
        for flag in ("--no-deps", "--only-binary=:all:", "--require-hashes"):
            self.assertIn(flag, command)
        self.assertEqual(command[-2:], ["-r", "/dags/api_requirements.txt"])
        self.assertEqual(env["PIP_USER"], "0")
        with self.assertRaisesRegex(RuntimeError, "could not install"):
            producer.install_client(
                Path("r.txt"), Path("/tmp/lib"), run=lambda c, **k: SimpleNamespace(returncode=1, stderr="hash mismatch")
            )

    def test_pip_runs_in_this_interpreter_into_the_target_once_on_sys_path(self):
        calls = []

        def run(command, **kwargs):
            calls.append((command, kwargs))
            return SimpleNamespace(returncode=0, stderr="")

        target = Path(tempfile.mkdtemp())
        try:
            producer.install_client(Path("req.txt"), target, run=run)
            producer.install_client(Path("req.txt"), target, run=run)
            command, kwargs = calls[0]
            # The interpreter that then imports the client: `python -m pip install`, quiet (the task log).
            self.assertEqual(command[:4], [sys.executable, "-m", "pip", "install"])
            self.assertEqual(command[command.index("--target") + 1], str(target))
            for flag in ("--quiet", "--disable-pip-version-check"):
                self.assertIn(flag, command)
            self.assertEqual((kwargs["capture_output"], kwargs["text"]), (True, True))
            self.assertEqual({k: v for k, v in kwargs["env"].items() if k != "PIP_USER"}, dict(os.environ))
            self.assertEqual(sys.path[0], str(target))
            self.assertEqual(sys.path.count(str(target)), 1, "a second install does not add it again")
        finally:
            while str(target) in sys.path:
                sys.path.remove(str(target))

    def test_a_failed_install_names_the_file_and_keeps_the_end_of_pips_error(self):
        stderr = "x" * 3000 + "ERROR: hash mismatch\n"
        fail = lambda c, **k: SimpleNamespace(returncode=1, stderr=stderr)  # noqa: E731
        with self.assertRaises(RuntimeError) as raised:
            producer.install_client(Path("r.txt"), Path("/nonexistent/lib"), run=fail)
        message = str(raised.exception)
        self.assertTrue(message.startswith("pip could not install r.txt: "))
        self.assertTrue(message.endswith("ERROR: hash mismatch"))
        self.assertEqual(len(message), len("pip could not install r.txt: ") + 2000)
        self.assertNotIn("/nonexistent/lib", sys.path)

    def test_requirements_pin_one_version_with_hashes(self):
        text = (API / "requirements.txt").read_text()
        lines = [line for line in text.replace("\\\n", " ").splitlines() if line.strip() and not line.startswith("#")]
        self.assertEqual(len(lines), 1)
        self.assertRegex(lines[0], r"^confluent-kafka==\d+\.\d+\.\d+ ")
        self.assertGreaterEqual(lines[0].count("--hash=sha256:"), 2)


class StreamingContractTest(unittest.TestCase):
    """What the producer sends is what the streaming job's API query parses and lands in the table."""

    def test_fields_and_types(self):
        self.assertEqual([name for name, _ in job.API_FIELDS], list(producer.FIELDS))
        record = producer.validate(person(), NOW)
        python = {"STRING": str, "DOUBLE": float, "INT": int, "BIGINT": int}
        for name, kind in job.API_FIELDS:
            self.assertIsInstance(record[name], python[kind], name)

    def test_lake_columns_from_a_message(self):
        table = lake.load().table(job.API_TABLE)
        record = json.loads(producer.message(producer.validate(person(), NOW))[1])
        columns = job.api_lake_columns(F(record), table)
        self.assertEqual([c.name for c in columns], table.column_names)
        values = {c.name: c.value for c in columns}
        self.assertEqual(values["birthdate"], date(1992, 3, 8))
        self.assertEqual(values["fetched_at"], NOW)
        temporal = {c.name for c in table.columns if c.type in ("date", "timestamptz")}
        self.assertEqual(temporal, set(job.API_CONVERSIONS))
        self.assertEqual((table.source, table.write, table.partition), ("api-users", "append", (("day", "fetched_at"),)))

    def test_api_flags(self):
        env = {"KAFKA_BOOTSTRAP_SERVERS": "k:9093", "LAKE_BUCKET": "lake", "AWS_REGION": "us-east-1", "BDOK_REALTIME_DATABASE": "db"}
        self.assertIsNone(job.parse_args([], env=env).api_topic)
        args = job.parse_args(["--api-topic", "api-users"], env=env)
        self.assertEqual((args.api_topic, args.api_checkpoint), ("api-users", "s3a://lake/spark-checkpoint/api-users-lake/"))
        sink = job.api_sink(args)
        self.assertEqual((sink["queryName"], sink["options"]["checkpointLocation"]), ("api-users-lake", args.api_checkpoint))
        self.assertEqual(job.lake_sink(args)["options"]["checkpointLocation"], "s3a://lake/spark-checkpoint/customers-lake/")
        for argv in (
            ["--api-checkpoint", "s3a://lake/x/"],
            ["--api-topic", "t", "--api-checkpoint", "s3a://lake/spark-checkpoint/customers-lake"],
        ):
            with self.subTest(argv), self.assertRaises(SystemExit):
                job.parse_args(argv, env=env)


class DagFileTest(unittest.TestCase):
    """The DAG file without Airflow (the engines tier parses it on the real one)."""

    def test_schedule_and_task(self):
        tree = ast.parse((API / "dags" / "api_users.py").read_text())
        dag = next(
            d
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef)
            for d in n.decorator_list
            if getattr(getattr(d, "func", None), "id", "") == "dag"
        )
        keywords = {k.arg: k.value for k in dag.keywords}
        self.assertEqual(keywords["dag_id"].value, "api_users")
        # The schedule comes from the settings' recurring.everyMinutes (the estimate reads the same number).
        self.assertEqual(ast.unparse(keywords["schedule"]), "f\"*/{POD['recurring']['everyMinutes']} * * * *\"")
        self.assertIs(keywords["catchup"].value, False)
        self.assertIs(keywords["is_paused_upon_creation"].value, False)
        imports = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "api_producer" for a in n.names}
        self.assertEqual(imports, {"SETTINGS_FILE", "main"})


class ValidateBoundaryTest(unittest.TestCase):
    def test_text_length_limit_is_inclusive(self):
        limit = producer.MAX_TEXT
        self.assertEqual(producer.validate(person(**{"location.city": "c" * limit}), NOW)["city"], "c" * limit)
        with self.assertRaisesRegex(producer.Invalid, r"^location\.city: "):
            producer.validate(person(**{"location.city": "c" * (limit + 1)}), NOW)

    def test_optional_fields_name_themselves_when_bad(self):
        for field in ("location.state", "location.postcode"):
            with self.subTest(field=field), self.assertRaisesRegex(producer.Invalid, rf"^{re.escape(field)}: "):
                producer.validate(person(**{field: ["not", "text"]}), NOW)

    def test_oldest_birthdate_is_the_first_of_january_max_age_years_ago(self):
        # Born on 1 January of (this year - MAX_AGE) is accepted; the day before is not.
        first = date(NOW.year - producer.MAX_AGE, 1, 1)
        cases = [(first, True), (date(first.year, 1, 2), True), (date(first.year, 2, 1), True), (date(first.year - 1, 12, 31), False)]
        for born, ok in cases:
            raw = person(**{"dob.date": f"{born.isoformat()}T12:00:00.000Z", "dob.age": producer.MAX_AGE})
            with self.subTest(born=born):
                if ok:
                    self.assertEqual(producer.validate(raw, NOW)["birthdate"], born.isoformat())
                else:
                    with self.assertRaisesRegex(producer.Invalid, r"^dob\.date: "):
                        producer.validate(raw, NOW)

    def test_dates_do_not_follow_the_machine_zone(self):
        # A birth instant is dated in UTC, a local (zone-less) one as written, and "today" is the UTC date of
        # the poll, whatever the pod's local zone (here UTC-12 and UTC+14, where the calendar dates differ).
        early = datetime(2026, 3, 1, 0, 30, tzinfo=timezone.utc)
        cases = [
            ("1990-06-01T00:30:00+00:00", NOW, "1990-06-01"),
            ("1990-06-01T23:30:00Z", NOW, "1990-06-01"),
            ("1990-06-01T00:30:00", NOW, "1990-06-01"),
            ("2026-03-01T00:10:00+00:00", early, "2026-03-01"),  # born today, UTC: not in the future
        ]
        for zone in ("Etc/GMT+12", "Etc/GMT-14"):
            for born, fetched_at, want in cases:
                raw = person(**{"dob.date": born, "dob.age": 0})
                with self.subTest(zone=zone, born=born):
                    self.assertEqual(in_zone(zone, lambda: producer.validate(raw, fetched_at))["birthdate"], want)


class RejectionTest(unittest.TestCase):
    def test_reasons_start_with_the_field(self):
        valid, rejected = producer.split([person(), person(email="x"), person(), {"login": {}}], NOW)
        self.assertEqual(len(valid), 1)
        self.assertEqual([index for index, _ in rejected], [1, 2, 3])
        self.assertEqual([reason.split(": ")[0] for _, reason in rejected], ["email", "login.uuid", "login.uuid"])
        self.assertNotEqual(rejected[1][1], rejected[2][1], "a repeated uuid is told from a malformed one")

    def test_one_record_all_rejected_names_its_reason(self):
        answer = json.dumps({"results": [person(email="x")]}).encode()
        with self.assertLogs(producer.log, "WARNING") as logs, self.assertRaisesRegex(ValueError, r"all 1 records.*\(first: email: "):
            producer.poll_once(SETTINGS, lambda u, t: answer, None, lambda: NOW)
        self.assertTrue(any("email: " in line for line in logs.output), logs.output)


if __name__ == "__main__":
    unittest.main()
