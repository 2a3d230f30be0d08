import contextlib
import io
import unittest

from pipelines import tables as lake
from pipelines.batch.dags import bdok_streaming
from pipelines.batch.jobs import imdb_bronze as bronze, imdb_silver as silver
from pipelines.tests.frames import RowFrame, RowOps

ENV = {"LAKE_BUCKET": "lake", "AWS_REGION": "eu-west-1", "BDOK_IMDB_DATABASE": "bdok_dev_imdb"}


def declaration():
    return lake.load()


def bronze_frame(table_id, rows):
    return RowFrame(declaration().table(table_id).column_names, rows)


class BronzeTest(unittest.TestCase):
    def test_writes_one_table_per_landed_file(self):
        tables = bronze.bronze_tables(declaration())
        self.assertEqual(sorted(t.source for t in tables), sorted(bdok_streaming.IMDB_TABLES))
        self.assertEqual({t.write for t in tables}, {"replace"})

    def test_tsv_options(self):
        self.assertEqual(bronze.TSV_OPTIONS["sep"], "\t")
        self.assertEqual(bronze.TSV_OPTIONS["nullValue"], "\\N")
        self.assertEqual(bronze.TSV_OPTIONS["header"], "true")
        self.assertEqual(bronze.TSV_OPTIONS["enforceSchema"], "false")
        # Titles contain '"' but IMDB never quotes: an empty quote character turns quoting off.
        self.assertEqual(bronze.TSV_OPTIONS["quote"], "")

    def test_reads_what_the_dag_lands(self):
        for table in bronze.bronze_tables(declaration()):
            self.assertEqual(bronze.landing_path("lake", table.source), f"s3a://lake/{bdok_streaming.landing_key(table.source)}")

    def test_arguments_from_flags_or_env(self):
        args = bronze.parse_args([], env=ENV)
        self.assertEqual((args.bucket, args.region, args.database), ("lake", "eu-west-1", "bdok_dev_imdb"))
        args = bronze.parse_args(["--bucket", "a", "--region", "us-east-1", "--database", "x_imdb"], env={})
        self.assertEqual((args.bucket, args.region, args.database), ("a", "us-east-1", "x_imdb"))

    def test_bad_arguments_exit_with_a_message(self):
        for missing in ENV:
            env = {k: v for k, v in ENV.items() if k != missing}
            err = io.StringIO()
            with self.subTest(missing=missing), self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
                bronze.parse_args([], env=env)
            self.assertIn("required", err.getvalue())
        err = io.StringIO()
        with self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
            silver.parse_args(["--database", "bdok-dev-database"], env=ENV)
        self.assertIn("GlueCatalog accepts only", err.getvalue())


class ConsolidateTest(unittest.TestCase):
    """consolidate() itself, run on in-memory frames with Spark's join and explode semantics."""

    def run_consolidate(self, **overrides):
        frames = {
            "names": bronze_frame(
                "imdb.name_basics",
                [
                    ("nm1", "Keanu Reeves", 1964, None, "actor", "tt1"),
                    ("nm2", "Chad Stahelski", 1968, None, "director", "tt1"),
                    ("nm3", "David Leitch", 1975, None, "director", "tt1"),
                    ("nm1", "Keanu Reeves", 1964, None, "actor", "tt1"),  # duplicate line
                ],
            ),
            "basics": bronze_frame(
                "imdb.title_basics",
                [
                    ("tt1", "movie", "John Wick", "John Wick", 0, 2014, None, 101, "Action"),
                    ("tt2", "movie", "Unrated", "Unrated", 0, 2020, None, 90, "Drama"),
                    ("tt3", "short", "No crew", "No crew", 0, 2021, None, 9, "Short"),
                ],
            ),
            "crew": bronze_frame("imdb.title_crew", [("tt1", "nm2,nm3", None), ("tt2", "nm2", None), ("tt3", None, None)]),
            "principals": bronze_frame(
                "imdb.title_principals",
                [
                    ("tt1", 1, "nm1", "actor", None, '["John Wick"]'),
                    ("tt1", 2, "nm9", "actor", None, None),  # unknown person
                    ("tt2", 1, "nm1", "actor", None, None),
                    ("tt3", 1, "nm1", "actor", None, None),
                ],
            ),
            "ratings": bronze_frame("imdb.title_ratings", [("tt1", 7.5, 700000), ("tt3", 6.0, 10)]),
        }
        frames.update(overrides)
        return silver.consolidate(**frames, ops=RowOps, output=declaration().table(silver.OUTPUT_TABLE))

    def test_output_columns_are_the_declared_ones(self):
        self.assertEqual(self.run_consolidate().columns, declaration().table("imdb.consolidated").column_names)

    def test_one_row_per_principal_and_director(self):
        rows = self.run_consolidate().rows
        self.assertEqual(
            [(r["tconst"], r["ordering"], r["directors"], r["directorprimaryname"]) for r in rows],
            [("tt1", 1, "nm2", "Chad Stahelski"), ("tt1", 1, "nm3", "David Leitch")],
        )
        wick = rows[0]
        self.assertEqual(
            (wick["primarytitle"], wick["primaryname"], wick["averagerating"], wick["startyear"]), ("John Wick", "Keanu Reeves", 7.5, 2014)
        )
        self.assertEqual(wick["directorbirthyear"], 1968)

    def test_unrated_titles_unknown_people_and_missing_crews_drop_out(self):
        tconsts = {r["tconst"] for r in self.run_consolidate().rows}
        self.assertEqual(tconsts, {"tt1"})  # tt2 has no rating, tt3 no director; nm9 is unknown

    def test_duplicate_inputs_give_no_duplicate_rows(self):
        doubled = bronze_frame("imdb.title_ratings", [("tt1", 7.5, 700000), ("tt1", 7.5, 700000)])
        rows = self.run_consolidate(ratings=doubled).rows
        keys = [tuple(r[k] for k in declaration().table("imdb.consolidated").key) for r in rows]
        self.assertEqual(len(keys), len(set(keys)))
        self.assertEqual(len(rows), 2)

    def test_people_without_known_titles_stay(self):
        # Bronze reads \N as null; the book's explode of knownForTitles would have dropped them.
        names = bronze_frame(
            "imdb.name_basics",
            [("nm1", "Keanu Reeves", 1964, None, "actor", None), ("nm2", "Chad Stahelski", 1968, None, "director", None)],
        )
        rows = self.run_consolidate(names=names).rows
        self.assertEqual({(r["primaryname"], r["directorprimaryname"]) for r in rows}, {("Keanu Reeves", "Chad Stahelski")})

    def test_key_identifies_rows(self):
        table = declaration().table("imdb.consolidated")
        self.assertEqual(list(table.key), ["tconst", "ordering", "directors"])

    def test_bronze_columns_feed_the_output(self):
        d = declaration()
        bronze_columns = {c for t in bronze.bronze_tables(d) for c in t.column_names}
        self.assertEqual(
            set(d.table("imdb.consolidated").column_names) - bronze_columns,
            set(silver.DIRECTOR_RENAMES.values()) - {"directors"},
        )

    def test_inputs_are_the_bronze_tables(self):
        self.assertEqual(sorted(silver.INPUTS.values()), sorted(t.id for t in bronze.bronze_tables(declaration())))


class RowFrameSelfTest(unittest.TestCase):
    """The stand-in must fail where Spark would, or the tests above prove little."""

    def test_ambiguous_join_and_missing_columns(self):
        a = RowFrame(["k", "x"], [(1, 2)])
        with self.assertRaises(AssertionError):
            a.join(RowFrame(["k", "x"], [(1, 3)]), on="k", how="inner")
        with self.assertRaises(AssertionError):
            a.select("y")

    def test_null_keys_never_match(self):
        a = RowFrame(["k", "x"], [(None, 1)])
        self.assertEqual(a.join(RowFrame(["k", "y"], [(None, 2)]), on="k", how="inner").rows, [])


if __name__ == "__main__":
    unittest.main()
