import contextlib
import io
import unittest

from pipelines import tables as lake
from pipelines.batch.dags import bdok_streaming
from pipelines.batch.jobs import imdb_bronze as bronze, imdb_silver as silver

ENV = {"LAKE_BUCKET": "lake", "AWS_REGION": "eu-west-1", "BDOK_IMDB_DATABASE": "bdok_dev_imdb"}


def declaration():
    return lake.load()


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

    def test_each_job_reads_its_database_from_the_env_the_program_sets(self):
        # The Spark jobs get the Glue database in BDOK_IMDB_DATABASE (ENV); without it the error names it.
        # The region falls back to AWS_DEFAULT_REGION, as the AWS SDKs do.
        for job in (bronze, silver):
            with self.subTest(job=job.__name__):
                self.assertEqual(job.parse_args([], env=ENV).database, "bdok_dev_imdb")
                fallback = {"LAKE_BUCKET": "lake", "AWS_DEFAULT_REGION": "ap-south-1", "BDOK_IMDB_DATABASE": "d"}
                self.assertEqual(job.parse_args([], env=fallback).region, "ap-south-1")
                err = io.StringIO()
                with self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
                    job.parse_args([], env={k: v for k, v in ENV.items() if k != "BDOK_IMDB_DATABASE"})
                self.assertIn("BDOK_IMDB_DATABASE", err.getvalue())

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


class HelpTest(unittest.TestCase):
    def test_help_says_what_each_job_reads_and_writes(self):
        # An operator running a job by hand reads --help first: it names the input and the output.
        for job, words in ((bronze, ("landing", "bronze")), (silver, ("bronze", "consolidated"))):
            out = io.StringIO()
            with self.subTest(job=job.__name__), contextlib.redirect_stdout(out), self.assertRaises(SystemExit):
                job.parse_args(["--help"], env=ENV)
            self.assertTrue(all(word in out.getvalue().lower() for word in words), out.getvalue())
