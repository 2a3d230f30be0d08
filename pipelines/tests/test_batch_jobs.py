import contextlib
import io
import os
import unittest
from unittest import mock

from pipelines.batch.dags import bdok_streaming
from pipelines.batch.jobs import imdb_bronze as bronze, imdb_silver as silver

# Column layout of the IMDB dumps (https://developer.imdb.com/non-commercial-datasets/).
IMDB_COLUMNS = {
    "name.basics": ["nconst", "primaryName", "birthYear", "deathYear", "primaryProfession", "knownForTitles"],
    "title.basics": [
        "tconst", "titleType", "primaryTitle", "originalTitle", "isAdult",
        "startYear", "endYear", "runtimeMinutes", "genres",
    ],
    "title.crew": ["tconst", "directors", "writers"],
    "title.principals": ["tconst", "ordering", "nconst", "category", "job", "characters"],
    "title.ratings": ["tconst", "averageRating", "numVotes"],
}


class BronzeTest(unittest.TestCase):
    def test_schemas_cover_the_five_tables_in_file_order(self):
        self.assertEqual(set(bronze.SCHEMAS), set(bdok_streaming.IMDB_TABLES))
        for table, columns in IMDB_COLUMNS.items():
            self.assertEqual([name for name, _ in bronze.SCHEMAS[table]], columns, table)

    def test_types(self):
        types = {(table, name): kind for table, cols in bronze.SCHEMAS.items() for name, kind in cols}
        self.assertTrue(set(types.values()) <= {"string", "int", "double"})
        self.assertEqual(types["title.ratings", "averageRating"], "double")
        for key in [("title.ratings", "numVotes"), ("title.principals", "ordering"), ("title.basics", "startYear"),
                    ("title.basics", "runtimeMinutes"), ("name.basics", "birthYear")]:
            self.assertEqual(types[key], "int", key)

    def test_tsv_options(self):
        self.assertEqual(bronze.TSV_OPTIONS["sep"], "\t")
        self.assertEqual(bronze.TSV_OPTIONS["nullValue"], "\\N")
        self.assertEqual(bronze.TSV_OPTIONS["header"], "true")

    def test_reads_what_the_dag_lands(self):
        for table in bdok_streaming.IMDB_TABLES:
            self.assertEqual(bronze.landing_path("lake", table), f"s3a://lake/{bdok_streaming.landing_key(table)}")

    def test_paths(self):
        self.assertEqual(bronze.bronze_path("lake", "title.basics"), "s3a://lake/bronze/imdb/title_basics/")
        for table in bronze.SCHEMAS:
            self.assertEqual(bronze.bronze_path("lake", table), silver.bronze_path("lake", table))

    def test_bucket_from_argument_or_env(self):
        self.assertEqual(bronze.parse_args(["--bucket", "a"]).bucket, "a")
        with mock.patch.dict(os.environ, {"LAKE_BUCKET": "b"}):
            self.assertEqual(bronze.parse_args([]).bucket, "b")
        with mock.patch.dict(os.environ, {}, clear=True), self.assertRaises(SystemExit), \
                contextlib.redirect_stderr(io.StringIO()):
            bronze.parse_args([])


class SilverTest(unittest.TestCase):
    def test_reads_every_bronze_table(self):
        self.assertEqual(set(silver.INPUT_TABLES), set(bronze.SCHEMAS))

    def test_output_columns(self):
        self.assertEqual(
            silver.OUTPUT_COLUMNS,
            [
                "tconst", "titleType", "primaryTitle", "originalTitle", "isAdult", "startYear", "endYear",
                "runtimeMinutes", "genres", "averageRating", "numVotes",
                "nconst", "ordering", "category", "characters", "primaryName", "birthYear", "deathYear",
                "directors", "directorPrimaryName", "directorBirthYear", "directorDeathYear",
            ],
        )
        self.assertEqual(len(set(silver.OUTPUT_COLUMNS)), len(silver.OUTPUT_COLUMNS))
        self.assertTrue(set(silver.OUTPUT_KEY) <= set(silver.OUTPUT_COLUMNS))

    def test_output_columns_come_from_bronze(self):
        bronze_columns = {name for columns in bronze.SCHEMAS.values() for name, _ in columns}
        renamed = {"directorPrimaryName", "directorBirthYear", "directorDeathYear"}
        self.assertEqual(set(silver.OUTPUT_COLUMNS) - bronze_columns, renamed)

    def test_silver_path_is_the_crawled_prefix(self):
        self.assertEqual(silver.silver_path("lake"), "s3a://lake/silver/imdb/consolidated/")

    def test_bucket_is_required(self):
        with mock.patch.dict(os.environ, {}, clear=True), self.assertRaises(SystemExit), \
                contextlib.redirect_stderr(io.StringIO()):
            silver.parse_args([])


if __name__ == "__main__":
    unittest.main()
