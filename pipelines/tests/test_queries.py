"""The output queries against the table declaration, and run on a real SQL engine.

The engine is a throwaway PostgreSQL server (skipped without its binaries): a database named
like Trino's catalog (iceberg), a schema per Glue database and the tables created from
tables.json, so iceberg."<database>".<table> resolves as in Trino. The queries use only syntax
both accept (INTERVAL '1' HOUR is standard SQL; array_agg with ORDER BY, and with DISTINCT only
when the ORDER BY is on the argument itself, a rule both enforce), so they run untranslated.
"""

import contextlib
import csv
import io
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pipelines import queries, tables as lake

NAMES = ("john_wick", "customers_by_age_band_last_hour", "api_users_by_country_last_hour")
DATABASES = {"imdb": "bdok_dev_imdb", "realtime": "bdok_dev_realtime"}
# Words of the queries that are SQL, not column names.
SQL_WORDS = set("""select from where like and or order by limit case when then else end as count distinct
    current_timestamp interval hour is not null group min array_agg desc""".split())
PG_TYPES = {
    "string": "text",
    "int": "integer",
    "long": "bigint",
    "double": "double precision",
    "date": "date",
    "timestamptz": "timestamptz",
    "timestamp": "timestamp",
    "boolean": "boolean",
}


def pg_array(text):
    """A one-dimensional text array as psql prints it: {a,"b c"} -> ["a", "b c"]."""
    assert text.startswith("{") and text.endswith("}"), text
    return next(csv.reader([text[1:-1]], quotechar='"', escapechar="\\")) if text != "{}" else []


def identifiers(sql):
    """Unquoted words outside string literals and quoted identifiers, lower case."""
    bare = re.sub(r"'[^']*'|\"[^\"]*\"", " ", sql)
    return {w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", bare)}


def sql_for(name):
    table = queries.table_of(name)
    return queries.query(name, DATABASES[table.namespace]), table


class DeclarationTest(unittest.TestCase):
    def test_every_column_used_is_declared(self):
        for name in NAMES:
            sql, table = sql_for(name)
            aliases = set(re.findall(r"\bAS (\w+)", sql))
            unknown = identifiers(sql) - SQL_WORDS - aliases - {"iceberg", table.name}
            self.assertEqual(unknown - set(table.column_names), set(), name)

    def test_reads_the_declared_table_through_the_iceberg_catalog(self):
        for name in NAMES:
            sql, table = sql_for(name)
            self.assertIn(f' FROM iceberg."{DATABASES[table.namespace]}".{table.name} ', sql)

    def test_named_functions(self):
        self.assertEqual(queries.john_wick_query("db"), queries.query("john_wick", "db"))
        self.assertIn("customers", queries.customers_by_age_band_last_hour("db"))

    def test_bad_database_or_name(self):
        with self.assertRaises(lake.DeclarationError):
            queries.john_wick_query('x"; DROP TABLE y; --')
        with self.assertRaises(lake.DeclarationError):
            queries.query("nope", "db")

    def test_command_line(self):
        # platform/superset's test runs `python3 -m pipelines.queries NAME DATABASE` and reads stdout: the query
        # alone on stdout with exit 0; misuse and bad input go to stderr with exit 2 (argparse's code for usage).
        usage = "usage: python3 -m pipelines.queries NAME DATABASE"  # the module's documented usage
        cases = [
            (["john_wick", "db"], 0, queries.john_wick_query("db") + "\n", None),
            ([], 2, "", usage),
            (["john_wick"], 2, "", usage),
            (["john_wick", "db", "extra"], 2, "", usage),
            (["nope", "db"], 2, "", "error: no query 'nope'"),
            (["john_wick", "bad name"], 2, "", "error: "),
        ]
        for argv, code, out, err in cases:
            with self.subTest(argv=argv):
                stdout, stderr = io.StringIO(), io.StringIO()
                with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                    self.assertEqual(queries.main(argv), code)
                self.assertEqual(stdout.getvalue(), out)
                if err is None:
                    self.assertEqual(stderr.getvalue(), "")
                else:  # one line: the message, then what went wrong
                    self.assertTrue(stderr.getvalue().startswith(err), stderr.getvalue())
                    self.assertTrue(stderr.getvalue().endswith("\n") and stderr.getvalue().count("\n") == 1)
                    self.assertGreater(len(stderr.getvalue()), len(err) + 1 if err == "error: " else len(err))

    def test_the_check_sees_undeclared_columns(self):
        sql = queries.john_wick_query("db").replace("primaryname", "actorname")
        table = queries.table_of("john_wick")
        self.assertIn("actorname", identifiers(sql) - SQL_WORDS - set(table.column_names))


def pg_bin():
    found = shutil.which("pg_ctl")
    dirs = [os.path.dirname(os.path.realpath(found))] if found else []
    root = Path("/usr/lib/postgresql")
    if root.exists():
        dirs += [str(p / "bin") for p in sorted(root.iterdir(), reverse=True)]
    return next((d for d in dirs if all(os.path.exists(os.path.join(d, b)) for b in ("initdb", "pg_ctl", "psql"))), None)


class PostgresTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bin = pg_bin()
        if not cls.bin:
            raise unittest.SkipTest("no PostgreSQL server binaries (initdb, pg_ctl, psql)")
        cls.dir = tempfile.mkdtemp(prefix="bdok-pg-")
        os.chmod(cls.dir, 0o755)
        # PostgreSQL refuses to run as root.
        cls.user = None
        if os.getuid() == 0:
            cls.user = "postgres" if subprocess.run(["id", "postgres"], capture_output=True).returncode == 0 else "nobody"
            shutil.chown(cls.dir, cls.user)
        cls.run_ok(f'initdb -D "{cls.dir}/data" -U postgres --auth-local=trust >/dev/null')
        cls.run_ok(f'pg_ctl -D "{cls.dir}/data" -o "-c listen_addresses=\'\' -k {cls.dir}" -l "{cls.dir}/log" -w start >/dev/null')
        cls.started = True
        cls.psql("CREATE DATABASE iceberg", database="postgres")
        d = lake.load()
        ddl = []
        for namespace, database in DATABASES.items():
            ddl.append(f'CREATE SCHEMA "{database}"')
            for table in d.tables.values():
                if table.namespace == namespace:
                    columns = ", ".join(f"{c.name} {PG_TYPES[c.type]}" for c in table.columns)
                    ddl.append(f'CREATE TABLE "{database}".{table.name} ({columns})')
        cls.psql("; ".join(ddl))

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "started", False):
            cls.sh(f'pg_ctl -D "{cls.dir}/data" -m fast -w stop >/dev/null')
        if getattr(cls, "dir", None):
            shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def sh(cls, command, stdin=None):
        env = {"PATH": f"{cls.bin}:{os.environ.get('PATH', '')}", "PGHOST": cls.dir, "PGUSER": "postgres"}
        argv = ["sh", "-c", command]
        if cls.user:
            argv = ["runuser", "-u", cls.user, "--", "env", *[f"{k}={v}" for k, v in env.items()], *argv]
            env = {"PATH": os.environ.get("PATH", "")}
        return subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env, cwd=cls.dir)

    @classmethod
    def run_ok(cls, command, stdin=None):
        result = cls.sh(command, stdin)
        if result.returncode != 0:
            raise AssertionError(f"{command}: {result.stdout}\n{result.stderr}")
        return result.stdout

    @classmethod
    def psql(cls, sql, database="iceberg"):
        out = cls.run_ok(f"psql -X -q -t -A -F '|' -v ON_ERROR_STOP=1 -d {database}", stdin=sql + ";\n")
        return [line.split("|") for line in out.splitlines() if line]

    def setUp(self):
        # Each test starts from empty tables.
        tables = [f'"{DATABASES[t.namespace]}".{t.name}' for t in lake.load().tables.values() if t.namespace in DATABASES]
        self.psql("TRUNCATE " + ", ".join(tables))

    # The John Wick query runs on Trino over the Iceberg tables Spark wrote (test/engines/batch.test.ts).

    def test_customers_by_age_band_last_hour(self):
        now = datetime.now(timezone.utc)
        recent, old = now - timedelta(minutes=10), now - timedelta(hours=3)
        rows = [(1, 17, recent), (2, 25, recent), (2, 25, now - timedelta(minutes=5)), (3, 70, recent), (4, 40, old), (5, None, recent)]
        self.psql(
            "; ".join(
                "INSERT INTO bdok_dev_realtime.customers (id, age, dt_update) "
                f"VALUES ({i}, {'NULL' if a is None else a}, '{ts.isoformat()}')"
                for i, a, ts in rows
            )
        )
        result = self.psql(queries.customers_by_age_band_last_hour("bdok_dev_realtime"))
        # Customer 2 updated twice counts once; 4 is older than an hour; 5 has no age.
        self.assertEqual(result, [["under 18", "1"], ["18-29", "1"], ["65+", "1"]])

    def test_api_users_by_country_last_hour(self):
        now = datetime.now(timezone.utc)
        recent, old = now - timedelta(minutes=10), now - timedelta(hours=2)
        rows = [("a", "Norway", recent), ("b", "Norway", recent), ("a", "Norway", now), ("c", "Brazil", recent), ("d", "Chile", old)]
        self.psql(
            "; ".join(
                f"INSERT INTO bdok_dev_realtime.api_users (uuid, country, fetched_at) VALUES ('{u}', '{c}', '{ts.isoformat()}')"
                for u, c, ts in rows
            )
        )
        result = self.psql(queries.api_users_by_country_last_hour("bdok_dev_realtime"))
        # uuid a fetched twice counts once; Chile's only user is older than an hour.
        self.assertEqual(result, [["Norway", "2"], ["Brazil", "1"]])


if __name__ == "__main__":
    unittest.main()
