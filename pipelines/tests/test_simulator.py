import random
import re
import threading
import unittest
import unittest.mock
from datetime import date

from pipelines.realtime import simulator

PG_ENV = {"PGHOST": "db", "PGDATABASE": "postgres", "PGUSER": "postgres", "PGPASSWORD": "x"}


class FakeCursor:
    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, params):
        self.connection.executed.append((sql, params))

    def fetchone(self):
        return (len(self.connection.executed),)


class FakeConnection:
    def __init__(self):
        self.autocommit = False
        self.executed = []
        self.closed = False

    def cursor(self):
        return FakeCursor(self)

    def close(self):
        self.closed = True


class Unavailable(Exception):
    pass


class FakeCustomerTest(unittest.TestCase):
    def test_deterministic_for_a_seed(self):
        first = [simulator.fake_customer(random.Random(42)) for _ in range(3)]
        self.assertEqual(first[0], first[1])
        rng_a, rng_b = random.Random(7), random.Random(7)
        self.assertEqual(
            [simulator.fake_customer(rng_a) for _ in range(50)],
            [simulator.fake_customer(rng_b) for _ in range(50)],
        )

    def test_different_seeds_differ(self):
        rng_a, rng_b = random.Random(1), random.Random(2)
        self.assertNotEqual(
            [simulator.fake_customer(rng_a) for _ in range(10)],
            [simulator.fake_customer(rng_b) for _ in range(10)],
        )

    def test_fields_are_valid(self):
        rng = random.Random(123)
        for _ in range(500):
            row = simulator.fake_customer(rng)
            self.assertEqual(tuple(row), simulator.COLUMNS)
            self.assertIn(row["sex"], ("F", "M"))
            first, last = row["name"].split(" ")
            self.assertIn(first, simulator.FIRST_NAMES[row["sex"]])
            self.assertIn(last, simulator.LAST_NAMES)
            self.assertIsInstance(row["birthdate"], date)
            self.assertLess(row["birthdate"], date.today())
            self.assertGreaterEqual(row["birthdate"], simulator.BIRTHDATE_RANGE[0])
            self.assertLessEqual(row["birthdate"], simulator.BIRTHDATE_RANGE[1])
            self.assertRegex(row["email"], r"^[a-z]+\.[a-z]+\d+@example\.(com|net|org)$")
            self.assertRegex(row["zip"], r"^\d{5}$")
            self.assertRegex(row["phone"], r"^\+1-\d{3}-555-01\d{2}$")
            self.assertRegex(row["street_address"], r"^\d+ \w+ \w+$")
            self.assertIn((row["city"], row["state"]), {(c, s) for c, s, _ in simulator.CITIES})

    def test_insert_sql_binds_every_column(self):
        self.assertEqual(re.findall(r"%\((\w+)\)s", simulator.INSERT_SQL), list(simulator.COLUMNS))
        self.assertTrue(simulator.INSERT_SQL.startswith("INSERT INTO public.customers ("))


class SettingsTest(unittest.TestCase):
    def test_defaults(self):
        self.assertEqual(simulator.settings_from_env(PG_ENV), simulator.Settings(rows_per_second=1.0, max_rows=0))

    def test_values(self):
        env = dict(PG_ENV, SIM_ROWS_PER_SECOND="0.5", SIM_MAX_ROWS="100")
        self.assertEqual(simulator.settings_from_env(env), simulator.Settings(rows_per_second=0.5, max_rows=100))

    def test_invalid(self):
        # Each error names the variable to fix (and the pod logs it before exiting).
        for env, name in [
            (dict(PG_ENV, SIM_ROWS_PER_SECOND="0"), "SIM_ROWS_PER_SECOND"),
            (dict(PG_ENV, SIM_ROWS_PER_SECOND="fast"), "SIM_ROWS_PER_SECOND"),
            (dict(PG_ENV, SIM_MAX_ROWS="-1"), "SIM_MAX_ROWS"),
            (dict(PG_ENV, SIM_MAX_ROWS="1.5"), "SIM_MAX_ROWS"),
            ({k: v for k, v in PG_ENV.items() if k != "PGPASSWORD"}, "PGPASSWORD"),
        ]:
            with self.subTest(env=env), self.assertRaisesRegex(ValueError, name):
                simulator.settings_from_env(env)


class RunTest(unittest.TestCase):
    def test_reconnects_after_errors_and_stops_at_max_rows(self):
        connections = []
        failures = iter([True, True])

        def connect():
            if next(failures, False):
                raise Unavailable("connection refused")
            connections.append(FakeConnection())
            return connections[-1]

        with self.assertLogs("simulator", "WARNING") as logs:
            inserted = simulator.run(
                simulator.Settings(rows_per_second=1000, max_rows=5),
                connect=connect,
                retryable=(Unavailable,),
                stop=threading.Event(),
                rng=random.Random(0),
                first_backoff=0,
            )
        self.assertEqual(len([line for line in logs.output if "connection refused" in line]), 2)
        self.assertEqual(inserted, 5)
        self.assertEqual(len(connections), 1)
        self.assertTrue(connections[0].autocommit)
        self.assertEqual(len(connections[0].executed), 5)
        self.assertTrue(connections[0].closed)

    def test_failed_insert_drops_the_connection(self):
        connections = []

        class FlakyConnection(FakeConnection):
            def cursor(self):
                if not connections[:-1]:  # the first connection breaks on first use
                    raise Unavailable("server closed the connection")
                return super().cursor()

        def connect():
            connections.append(FlakyConnection())
            return connections[-1]

        with self.assertLogs("simulator", "WARNING"):
            inserted = simulator.run(
                simulator.Settings(rows_per_second=1000, max_rows=2),
                connect=connect,
                retryable=(Unavailable,),
                stop=threading.Event(),
                rng=random.Random(0),
                first_backoff=0,
            )
        self.assertEqual(inserted, 2)
        self.assertEqual(len(connections), 2)
        self.assertTrue(connections[0].closed)

    def test_stop_event_ends_the_loop(self):
        stop = threading.Event()
        stop.set()
        inserted = simulator.run(
            simulator.Settings(rows_per_second=1, max_rows=0),
            connect=FakeConnection,
            retryable=(Unavailable,),
            stop=stop,
            rng=random.Random(0),
        )
        self.assertEqual(inserted, 0)

    def test_non_retryable_errors_propagate(self):
        def connect():
            raise PermissionError("permission denied for table customers")

        with self.assertRaises(PermissionError):
            simulator.run(
                simulator.Settings(rows_per_second=1, max_rows=1),
                connect=connect,
                retryable=(Unavailable,),
                stop=threading.Event(),
                rng=random.Random(0),
            )


class ClockedStop:
    """A stop event on a fake clock: wait(s) records s and advances the clock by it; set after `limit` waits."""

    def __init__(self, limit=None):
        self.now = 1000.0
        self.waits = []
        self.limit = limit

    def is_set(self):
        return self.limit is not None and len(self.waits) >= self.limit

    def wait(self, seconds):
        self.waits.append(seconds)
        self.now += seconds or 0
        return self.is_set()

    def monotonic(self):
        return self.now


def clocked_run(settings, connect, stop, **kw):
    with unittest.mock.patch.object(simulator.time, "monotonic", stop.monotonic):
        return simulator.run(settings, connect=connect, retryable=(Unavailable,), stop=stop, rng=random.Random(0), **kw)


class RunScheduleTest(unittest.TestCase):
    def test_stops_exactly_at_max_rows(self):
        # max_rows = 0 means forever; any other value is the exact count (the stop bounds a runaway loop).
        for max_rows in (1, 2, 5):
            with self.subTest(max_rows=max_rows):
                stop = ClockedStop(limit=20)
                self.assertEqual(clocked_run(simulator.Settings(rows_per_second=1, max_rows=max_rows), FakeConnection, stop), max_rows)
        stop = ClockedStop(limit=7)
        self.assertEqual(clocked_run(simulator.Settings(rows_per_second=1, max_rows=0), FakeConnection, stop), 7)

    def test_inserts_at_the_configured_rate(self):
        # One insert per 1/rate seconds of the (fake) clock: the wait after each insert is the interval.
        for rate in (0.5, 1, 4):
            with self.subTest(rate=rate):
                stop = ClockedStop()
                clocked_run(simulator.Settings(rows_per_second=rate, max_rows=3), FakeConnection, stop)
                self.assertEqual(stop.waits, [1 / rate] * 3)

    def test_backoff_doubles_from_one_second_up_to_thirty(self):
        # The pod's retries (defaults): 1 s, then doubling, never above 30 s.
        failures = [True] * 8

        def connect():
            if failures and failures.pop():
                raise Unavailable("connection refused")
            return FakeConnection()

        stop = ClockedStop()
        with self.assertLogs("simulator", "WARNING"):
            clocked_run(simulator.Settings(rows_per_second=1, max_rows=1), connect, stop)
        self.assertEqual(stop.waits[:8], [1, 2, 4, 8, 16, 30, 30, 30])

    def test_backoff_restarts_after_a_success(self):
        calls = iter([False, True, True, False, True, False])  # True: the insert fails

        class Flaky(FakeConnection):
            def cursor(self):
                if next(calls):
                    raise Unavailable("server closed the connection")
                return super().cursor()

        stop = ClockedStop()
        with self.assertLogs("simulator", "WARNING"):
            clocked_run(simulator.Settings(rows_per_second=1, max_rows=3), Flaky, stop, first_backoff=3, max_backoff=100)
        # insert (then 1 s), fail (3 s), fail (6 s), insert, fail (3 s again), insert; an insert after a stall
        # waits 0: the schedule does not burst to catch up.
        self.assertEqual(stop.waits, [1, 3, 6, 0, 3, 0])

    def test_logs_connection_retries_and_progress(self):
        # An operator sees "connected", each retry with its reason, and progress on the first row and every
        # hundredth with the id the database returned.
        rows = 250
        connections = []

        def connect():
            if not connections:
                connections.append(None)
                raise Unavailable("connection refused")
            connections.append(FakeConnection())
            return connections[-1]

        stop = ClockedStop()
        with self.assertLogs("simulator", "INFO") as logs:
            clocked_run(simulator.Settings(rows_per_second=1000, max_rows=rows), connect, stop, first_backoff=0)
        messages = [r.getMessage() for r in logs.records]
        self.assertTrue(messages[0].startswith("database unavailable (connection refused)"), messages[0])
        self.assertEqual(messages[1], "connected")
        progress = [m for m in messages[2:]]
        want = [n for n in range(1, rows + 1) if n == 1 or n % 100 == 0]
        # FakeCursor returns the number of rows executed so far as the new id.
        self.assertEqual(progress, [f"inserted {n} rows (last id {n})" for n in want])

    def test_inserts_the_generated_customer(self):
        connection = FakeConnection()
        clocked_run(simulator.Settings(rows_per_second=1, max_rows=2), lambda: connection, ClockedStop())
        rng = random.Random(0)
        self.assertEqual(connection.executed, [(simulator.INSERT_SQL, simulator.fake_customer(rng)) for _ in range(2)])


if __name__ == "__main__":
    unittest.main()
