import contextlib
import io
import re
import unittest
from datetime import datetime, timedelta, timezone

from pipelines import tables as lake
from pipelines.maintenance.jobs import iceberg_maintenance as m
from pipelines.tests.zones import in_zone

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=timezone.utc)
DATABASES = {"imdb": "bdok_dev_imdb", "realtime": "bdok_dev_realtime"}


def every_table(declaration):
    return [lake.qualified(declaration, t, DATABASES[t.namespace]) for t in declaration.tables.values()]


class PlanTest(unittest.TestCase):
    def setUp(self):
        self.d = lake.load()

    def test_every_existing_table_gets_the_four_procedures_in_order(self):
        plan = m.maintenance_plan(self.d, DATABASES, every_table(self.d), NOW, m.Retention())
        self.assertEqual(len(plan), 4 * len(self.d.tables))
        for index, table in enumerate(self.d.tables.values()):
            name = f"{DATABASES[table.namespace]}.{table.name}"
            procedures = [re.match(r"CALL glue\.system\.(\w+)\(table => '([^']+)'", s).groups() for s in plan[4 * index : 4 * index + 4]]
            # Compaction before expiry, so the files it replaces leave with the expired snapshots.
            self.assertEqual(
                procedures, [(p, name) for p in ("rewrite_data_files", "rewrite_manifests", "expire_snapshots", "remove_orphan_files")]
            )

    def test_retention_is_a_parameter(self):
        plan = m.maintenance_plan(
            self.d, {"realtime": "rt"}, ["glue.rt.customers"], NOW, m.Retention(snapshot_days=2, retain_last=3, orphan_days=4)
        )
        expire = next(s for s in plan if "expire_snapshots" in s)
        self.assertIn("older_than => TIMESTAMP '2026-06-13 03:00:00'", expire)
        self.assertIn("retain_last => 3", expire)
        orphans = next(s for s in plan if "remove_orphan_files" in s)
        self.assertIn("older_than => TIMESTAMP '2026-06-11 03:00:00'", orphans)

    def test_timestamps_are_utc(self):
        local = NOW.astimezone(timezone(timedelta(hours=-5)))
        plan = m.maintenance_plan(self.d, {"realtime": "rt"}, ["glue.rt.customers"], local, m.Retention(snapshot_days=1))
        self.assertIn("TIMESTAMP '2026-06-14 03:00:00'", plan[2])
        with self.assertRaises(ValueError):
            m.maintenance_plan(self.d, DATABASES, [], NOW.replace(tzinfo=None), m.Retention())

    def test_missing_tables_and_other_namespaces_are_skipped(self):
        plan = m.maintenance_plan(
            self.d, {"imdb": "bdok_dev_imdb"}, ["glue.bdok_dev_imdb.consolidated", "glue.rt.customers"], NOW, m.Retention()
        )
        self.assertEqual({re.search(r"table => '([^']+)'", s).group(1) for s in plan}, {"bdok_dev_imdb.consolidated"})
        self.assertEqual(m.maintenance_plan(self.d, DATABASES, [], NOW, m.Retention()), [])

    def test_compaction_options(self):
        sql = m.rewrite_data_files_sql("glue", "db.t")
        self.assertIn("strategy => 'binpack'", sql)
        self.assertIn("'min-input-files', '2'", sql)
        self.assertIn("'partial-progress.enabled', 'true'", sql)

    def test_unsafe_retention_is_refused(self):
        for retention in (m.Retention(snapshot_days=0), m.Retention(retain_last=0), m.Retention(orphan_days=0)):
            with self.subTest(retention=retention), self.assertRaises(ValueError):
                m.maintenance_plan(self.d, DATABASES, every_table(self.d), NOW, retention)


class ArgsTest(unittest.TestCase):
    ENV = {"LAKE_BUCKET": "lake", "AWS_REGION": "eu-west-1"}

    def test_arguments(self):
        args = m.parse_args(["--database", "imdb=bdok_dev_imdb", "--snapshot-retention-days", "3"], env=self.ENV)
        self.assertEqual(args.databases, {"imdb": "bdok_dev_imdb"})
        self.assertEqual(args.retention, m.Retention(snapshot_days=3, retain_last=5, orphan_days=3))

    def test_bad_arguments_exit_with_a_message(self):
        cases = [
            ([], "at least one --database"),
            (["--database", "imdb=bdok-dev-database"], "GlueCatalog"),
            (["--database", "films=x"], "NAMESPACE=DATABASE"),
            (["--database", "imdb=x", "--orphan-retention-days", "0"], "orphan retention"),
        ]
        for argv, message in cases:
            err = io.StringIO()
            with self.subTest(argv=argv), self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
                m.parse_args(argv, env=self.ENV)
            self.assertIn(message, err.getvalue())


class BoundaryTest(unittest.TestCase):
    def test_retention_minimums_are_inclusive_and_errors_name_the_value(self):
        least = m.MIN_ORPHAN_RETENTION_DAYS
        cases = [
            (dict(snapshot_days=1, retain_last=1, orphan_days=least), None),
            (dict(snapshot_days=0), "0"),
            (dict(retain_last=0), "0"),
            (dict(retain_last=-3), "-3"),
            (dict(orphan_days=least - 1), str(least - 1)),
        ]
        for fields, value in cases:
            with self.subTest(fields=fields):
                retention = m.Retention(**fields)
                if value is None:
                    self.assertIs(retention.check(), retention)
                else:
                    with self.assertRaises(ValueError) as caught:
                        retention.check()
                    self.assertIn(f"got {value}", str(caught.exception))

    def test_timestamps_are_utc_whatever_the_machine_zone(self):
        # The job's Spark session is UTC; the literal must not follow the pod's local zone.
        sql = in_zone("Asia/Kolkata", lambda: m.expire_snapshots_sql("glue", "db.t", NOW, m.Retention(snapshot_days=1)))
        self.assertIn("older_than => TIMESTAMP '2026-06-14 03:00:00'", sql)

    def test_a_naive_now_is_refused_by_name(self):
        with self.assertRaisesRegex(ValueError, r"^now must be"):
            m.maintenance_plan(lake.load(), DATABASES, [], NOW.replace(tzinfo=None), m.Retention())

    def test_compaction_call_is_well_formed(self):
        # Iceberg's rewrite_data_files takes options as map(k1, v1, k2, v2, ...): one balanced call.
        sql = m.rewrite_data_files_sql("glue", "db.t")
        self.assertEqual(sql.count("("), sql.count(")"))
        self.assertTrue(sql.endswith("))"), sql)
        pairs = re.search(r"options => map\((.*)\)\)$", sql).group(1).split(", ")
        options = dict(zip(pairs[::2], pairs[1::2]))
        self.assertEqual(options["'partial-progress.enabled'"], "'true'")
        self.assertEqual(options["'min-input-files'"], "'2'")

    def test_numbers_are_parsed_and_the_lake_is_checked(self):
        args = m.parse_args(["--database", "imdb=bdok_dev_imdb", "--retain-last", "3"], env=ArgsTest.ENV)
        self.assertEqual(args.retention.retain_last, 3)
        err = io.StringIO()
        with self.assertRaises(SystemExit) as exit_, contextlib.redirect_stderr(err):
            m.parse_args(["--database", "imdb=bdok_dev_imdb"], env={"AWS_REGION": "eu-west-1"})
        self.assertEqual(exit_.exception.code, 2)
        self.assertIn("--bucket", err.getvalue())


if __name__ == "__main__":
    unittest.main()
