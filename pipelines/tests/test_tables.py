import argparse
import contextlib
import copy
import io
import json
import re
import sys
import tempfile
import os
import types
import unittest
import unittest.mock
from pathlib import Path

from pipelines import tables as lake
from pipelines.batch.dags import bdok_streaming

DECLARATION = Path(__file__).resolve().parents[1] / "tables.json"
RAW = json.loads(DECLARATION.read_text())

# Column layout of the IMDB dumps (https://developer.imdb.com/non-commercial-datasets/).
IMDB_COLUMNS = {
    "name.basics": ["nconst", "primaryName", "birthYear", "deathYear", "primaryProfession", "knownForTitles"],
    "title.basics": [
        "tconst",
        "titleType",
        "primaryTitle",
        "originalTitle",
        "isAdult",
        "startYear",
        "endYear",
        "runtimeMinutes",
        "genres",
    ],
    "title.crew": ["tconst", "directors", "writers"],
    "title.principals": ["tconst", "ordering", "nconst", "category", "job", "characters"],
    "title.ratings": ["tconst", "averageRating", "numVotes"],
}


def declaration():
    return lake.load(DECLARATION)


class DeclarationTest(unittest.TestCase):
    def test_bronze_tables_are_the_dumps_in_file_order(self):
        d = declaration()
        bronze = {t.source: t for t in d.tables.values() if t.layer == "bronze"}
        self.assertEqual(set(bronze), set(bdok_streaming.IMDB_TABLES))
        for source, columns in IMDB_COLUMNS.items():
            # Lower case: Trino and Glue fold identifiers, Spark's CSV header check ignores case.
            self.assertEqual(bronze[source].column_names, [c.lower() for c in columns], source)
            self.assertEqual(bronze[source].name, source.replace(".", "_"))
            self.assertEqual(bronze[source].namespace, "imdb")

    def test_types(self):
        d = declaration()
        types = {(t.name, c.name): c.type for t in d.tables.values() for c in t.columns}
        self.assertEqual(types["title_ratings", "averagerating"], "double")
        for key in [
            ("title_ratings", "numvotes"),
            ("title_principals", "ordering"),
            ("title_basics", "startyear"),
            ("title_basics", "runtimeminutes"),
            ("name_basics", "birthyear"),
        ]:
            self.assertEqual(types[key], "int", key)
        self.assertEqual(types["customers", "birthdate"], "date")
        self.assertEqual(types["customers", "dt_update"], "timestamptz")

    def test_every_table_is_format_2_with_zstd_and_bounded_metadata(self):
        for table in declaration().tables.values():
            self.assertEqual(table.properties["format-version"], "2", table.id)
            self.assertEqual(table.properties["write.format.default"], "parquet", table.id)
            # Every streaming commit writes a metadata.json; expire_snapshots does not remove those.
            self.assertEqual(table.properties["write.metadata.delete-after-commit.enabled"], "true", table.id)

    def test_missing_lake_settings_name_what_to_set(self):
        # The jobs' pods get LAKE_BUCKET and AWS_REGION from the program; the error says which is missing.
        for bucket, region, words in [("", "eu-west-1", ("--bucket", "LAKE_BUCKET")), ("lake", "", ("--region", "AWS_REGION"))]:
            parser = argparse.ArgumentParser()
            lake.add_lake_arguments(parser, {})
            args = parser.parse_args(["--bucket", bucket, "--region", region])
            err = io.StringIO()
            with self.subTest(words=words), self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
                lake.check_lake_arguments(parser, args)
            for word in words:
                self.assertIn(word, err.getvalue())
        for bucket, region in [("", "eu-west-1"), ("lake", "")]:
            with self.assertRaises(lake.DeclarationError) as caught:
                lake.catalog_conf(declaration(), bucket, region)
            self.assertIn("bucket", str(caught.exception))
            self.assertIn("region", str(caught.exception))

    def test_names_are_what_icebergs_glue_catalog_accepts(self):
        for table in declaration().tables.values():
            self.assertRegex(table.name, lake.GLUE_TABLE)
            self.assertRegex(table.namespace, lake.GLUE_DATABASE)

    def test_catalog_conf(self):
        conf = lake.catalog_conf(declaration(), "bdok-dev-lake", "eu-west-1")
        self.assertEqual(conf["spark.sql.catalog.glue"], "org.apache.iceberg.spark.SparkCatalog")
        self.assertEqual(conf["spark.sql.catalog.glue.catalog-impl"], "org.apache.iceberg.aws.glue.GlueCatalog")
        self.assertEqual(conf["spark.sql.catalog.glue.io-impl"], "org.apache.iceberg.aws.s3.S3FileIO")
        self.assertEqual(conf["spark.sql.catalog.glue.warehouse"], "s3://bdok-dev-lake/warehouse/")
        self.assertEqual(conf["spark.sql.catalog.glue.client.region"], "eu-west-1")
        # remove_orphan_files lists table locations (s3://...) with Hadoop's FileSystem, not S3FileIO.
        self.assertEqual(conf["spark.hadoop.fs.s3.impl"], "org.apache.hadoop.fs.s3a.S3AFileSystem")
        self.assertTrue(declaration().warehouse.startswith("s3://"))
        self.assertEqual(conf["spark.sql.extensions"], "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
        self.assertEqual(conf["spark.sql.catalog.glue.warehouse"], declaration().warehouse.format(bucket="bdok-dev-lake"))
        self.assertFalse(any("{" in v for v in conf.values()))
        with self.assertRaises(lake.DeclarationError):
            lake.catalog_conf(declaration(), "", "eu-west-1")


class BadDeclarationTest(unittest.TestCase):
    def broken(self, edit):
        raw = copy.deepcopy(RAW)
        edit(raw)
        with self.assertRaises(lake.DeclarationError) as caught:
            lake.parse(raw)
        return str(caught.exception)

    def test_each_mistake_is_named(self):
        def table(raw, name):
            return next(t for t in raw["tables"] if t["name"] == name)

        cases = {
            "unknown type": lambda r: table(r, "customers")["columns"][0].update(type="varchar"),
            "not a column": lambda r: table(r, "customers")["partition"][0].update(column="nope"),
            "lower case": lambda r: table(r, "title_crew")["columns"][0].update(name="tConst"),
            "not a Glue name": lambda r: table(r, "title_crew").update(name="title-crew"),
            "format-version": lambda r: table(r, "title_crew").update(properties={"format-version": "1"}),
            "duplicate": lambda r: table(r, "title_crew")["columns"].append({"name": "tconst", "type": "string"}),
            "write must be": lambda r: table(r, "title_crew").update(write="upsert"),
            "declared twice": lambda r: r["tables"].append(copy.deepcopy(table(r, "title_crew"))),
            "key column nope": lambda r: table(r, "consolidated").update(key=["tconst", "nope"]),
            "transform": lambda r: table(r, "customers")["partition"][0].update(transform="week"),
            "missing or malformed": lambda r: table(r, "title_crew").pop("columns"),
        }
        for expected, edit in cases.items():
            with self.subTest(expected):
                self.assertIn(expected, self.broken(edit))

    def test_a_mistake_names_its_table(self):
        # Which table to fix: "<namespace>.<name>", as declared.
        raw = copy.deepcopy(RAW)
        entry = next(t for t in raw["tables"] if t["name"] == "customers")
        entry["columns"][0]["type"] = "varchar"
        with self.assertRaises(lake.DeclarationError) as caught:
            lake.parse(raw)
        self.assertIn(f"table {entry['namespace']}.customers:", str(caught.exception))

    def test_the_defaults_block_is_optional(self):
        # Tables that carry their own properties need no "defaults" (or no "defaults.properties").
        for drop in (lambda r: r.pop("defaults"), lambda r: r["defaults"].pop("properties")):
            raw = copy.deepcopy(RAW)
            own = {**RAW["defaults"]["properties"], "write.target-file-size-bytes": "1"}
            for entry in raw["tables"]:
                entry["properties"] = dict(own)
            drop(raw)
            with self.subTest(raw=sorted(raw)):
                self.assertTrue(all(t.properties == own for t in lake.parse(raw).tables.values()))

    def test_partition_properties_and_key_are_optional_and_read_when_given(self):
        raw = copy.deepcopy(RAW)
        bare = next(t for t in raw["tables"] if t["name"] == "title_crew")
        for field in ("partition", "properties", "key"):
            bare.pop(field, None)
        parsed = lake.parse(raw).tables
        crew = next(t for t in parsed.values() if t.name == "title_crew")
        self.assertEqual((crew.partition, crew.key, crew.properties), ((), (), RAW["defaults"]["properties"]))
        # consolidated declares its key: the silver job drops duplicate rows by it (imdb_silver.py).
        consolidated = next(t for t in parsed.values() if t.name == "consolidated")
        self.assertEqual(consolidated.key, ("tconst", "ordering", "directors"))

    def test_unreadable_file(self):
        with self.assertRaisesRegex(lake.DeclarationError, "cannot read"):
            lake.load("/nonexistent/tables.json")
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            f.write("{")
            f.flush()
            with self.assertRaisesRegex(lake.DeclarationError, "not valid JSON"):
                lake.load(f.name)


class DatabaseNameTest(unittest.TestCase):
    def test_glue_rule(self):
        self.assertEqual(lake.check_database("bdok_dev_imdb"), "bdok_dev_imdb")
        # The stack's crawler database today is named like this: Iceberg's GlueCatalog refuses it.
        for bad in ("bdok-dev-database", "Imdb", "", "a" * 253, "imdb.x"):
            with self.subTest(bad=bad), self.assertRaises(lake.DeclarationError):
                lake.check_database(bad)

    def test_parse_databases(self):
        d = declaration()
        self.assertEqual(
            lake.parse_databases(["imdb=bdok_dev_imdb", "realtime=bdok_dev_realtime"], d),
            {"imdb": "bdok_dev_imdb", "realtime": "bdok_dev_realtime"},
        )
        for bad in (["imdb"], ["films=x"], ["imdb=bdok-dev"]):
            with self.subTest(bad=bad), self.assertRaises(lake.DeclarationError):
                lake.parse_databases(bad, d)


class DdlTest(unittest.TestCase):
    def test_consolidated_ddl(self):
        d = declaration()
        ddl = lake.spark_ddl(d, d.table("imdb.consolidated"), "bdok_dev_imdb")
        self.assertTrue(ddl.startswith("CREATE TABLE IF NOT EXISTS glue.bdok_dev_imdb.consolidated (tconst STRING, "))
        self.assertIn(" USING iceberg PARTITIONED BY (titletype) TBLPROPERTIES (", ddl)
        self.assertIn("'format-version'='2'", ddl)
        self.assertIn("'write.distribution-mode'='hash'", ddl)

    def test_customers_ddl_partitions_by_day(self):
        d = declaration()
        ddl = lake.spark_ddl(d, d.table("realtime.customers"), "bdok_dev_realtime")
        self.assertIn("PARTITIONED BY (days(dt_update))", ddl)
        self.assertIn("birthdate DATE", ddl)
        self.assertIn("dt_update TIMESTAMP,", ddl)

    def test_ddl_columns_are_the_struct_fields(self):
        d = declaration()
        for table in d.tables.values():
            ddl = lake.spark_ddl(d, table, "db")
            body = re.search(r"\((.*?)\) USING iceberg", ddl).group(1)
            parsed = [tuple(part.split(" ")) for part in body.split(", ")]
            self.assertEqual(parsed, [(n, k.upper()) for n, k, _ in lake.struct_fields(table)], table.id)

    def test_struct_fields_map_to_pyspark_types(self):
        for table in declaration().tables.values():
            for name, kind, nullable in lake.struct_fields(table):
                self.assertIn(kind, lake.PYSPARK_TYPES, (table.id, name))
                self.assertIs(nullable, True)

    def test_property_values_are_quoted(self):
        d = declaration()
        table = lake.Table(**{**d.table("imdb.title_crew").__dict__, "properties": {"format-version": "2", "k": "it's"}})
        self.assertIn("'k'='it\\'s'", lake.spark_ddl(d, table, "db"))

    def test_properties_read_back_as_spark_reads_its_string_literals(self):
        # Spark SQL string literals take backslash escapes (\\ and \'): a value with either reads back as written.
        d = declaration()
        props = {"format-version": "2", "k": "it's", "path": "C:\\dir\\", "z": "last"}
        table = lake.Table(**{**d.table("imdb.title_crew").__dict__, "properties": props, "partition": []})
        ddl = lake.spark_ddl(d, table, "db")
        self.assertIn(" USING iceberg TBLPROPERTIES (", ddl, "no PARTITIONED BY for an unpartitioned table")
        body = re.search(r"TBLPROPERTIES \((.*)\)$", ddl).group(1)
        literal = r"'((?:\\.|[^'\\])*)'"
        pairs = re.fullmatch(rf"{literal}={literal}(?:, {literal}={literal})*", body)
        self.assertIsNotNone(pairs, body)
        found = re.findall(rf"{literal}={literal}", body)
        unescape = lambda text: re.sub(r"\\(.)", r"\1", text)  # noqa: E731
        self.assertEqual({unescape(k): unescape(v) for k, v in found}, props)

    def test_the_declaration_from_the_environment_when_not_beside_the_module(self):
        # A Spark job's pod may get tables.json elsewhere: the program names it in BDOK_TABLES_JSON
        # (pipelines/lake.ts LAKE_DECLARATION_ENV).
        real = Path(lake.__file__).with_name("tables.json")
        with tempfile.TemporaryDirectory() as tmp, unittest.mock.patch.object(lake, "__file__", os.path.join(tmp, "tables.py")):
            with unittest.mock.patch.dict(os.environ, {"BDOK_TABLES_JSON": str(real)}):
                self.assertEqual(lake._find_declaration(), real)

    def test_the_declaration_from_spark_files_when_shipped_with_files(self):
        # spark-submit --files tables.json: the driver and executors find it at
        # pyspark.SparkFiles.get("tables.json") ("the absolute path of a file added through
        # SparkContext.addFile() or --files", pyspark/core/files.py), not beside the zipped module.
        spark_files = types.SimpleNamespace(get=lambda name: os.path.join("/spark-files-root", name))
        with tempfile.TemporaryDirectory() as tmp, unittest.mock.patch.object(lake, "__file__", os.path.join(tmp, "tables.py")):
            with unittest.mock.patch.dict(os.environ, {"BDOK_TABLES_JSON": ""}), unittest.mock.patch.dict(
                sys.modules, {"pyspark": types.SimpleNamespace(SparkFiles=spark_files)}
            ):
                self.assertEqual(lake._find_declaration(), Path("/spark-files-root/tables.json"))

    def test_partition_columns_are_listed_in_order(self):
        d = declaration()
        base = d.table("imdb.title_crew")
        columns = base.column_names[:2]
        table = lake.Table(**{**base.__dict__, "partition": tuple(("identity", c) for c in columns)})
        self.assertEqual(lake.partition_ddl(table), f" PARTITIONED BY ({columns[0]}, {columns[1]})")

    def test_an_unknown_table_is_named_with_the_declared_ones(self):
        d = declaration()
        with self.assertRaises(lake.DeclarationError) as caught:
            d.table("imdb.nope")
        self.assertIn("'imdb.nope'", str(caught.exception))
        for known in d.tables:
            self.assertIn(known, str(caught.exception))


class SchemaDifferencesTest(unittest.TestCase):
    def test_same_schema(self):
        table = declaration().table("imdb.title_crew")
        self.assertEqual(lake.schema_differences(table, [("tconst", "string"), ("directors", "string"), ("writers", "string")]), [])
        self.assertEqual(lake.schema_differences(table, [("TCONST", "string"), ("directors", "string"), ("writers", "string")]), [])

    def test_differences_are_named(self):
        table = declaration().table("imdb.title_crew")
        problems = lake.schema_differences(table, [("tconst", "int"), ("writers", "string"), ("extra", "string")])
        self.assertEqual(problems, ["missing column directors string", "column tconst is int, declared string", "undeclared column extra"])
        self.assertEqual(
            lake.schema_differences(table, [("directors", "string"), ("tconst", "string"), ("writers", "string")]),
            ["column order differs from the declaration"],
        )


class OverwriteModel:
    """Iceberg's data replacement in Spark, per partition: what INSERT OVERWRITE and INSERT INTO
    do to a table's rows (Iceberg docs, Spark writes): static mode without a PARTITION clause
    replaces every row, dynamic mode only the partitions the new rows fall in."""

    def __init__(self, partition_of, session_default="static"):
        # session_default: the mode the session had before the plan's conf (Spark's own default is static,
        # SQLConf.PARTITION_OVERWRITE_MODE; a spark-defaults or a user's conf may set dynamic).
        self.partition_of = partition_of
        self.session_default = session_default
        self.rows = []
        self.snapshots = 0

    def run(self, plan, rows):
        verb = re.match(r"INSERT (OVERWRITE|INTO) \S+ SELECT ", plan.statement)
        assert verb, plan.statement
        if verb.group(1) == "INTO":
            self.rows = self.rows + list(rows)
        elif plan.conf.get("spark.sql.sources.partitionOverwriteMode", self.session_default) == "static":
            assert " PARTITION " not in plan.statement
            self.rows = list(rows)
        else:
            touched = {self.partition_of(r) for r in rows}
            self.rows = [r for r in self.rows if self.partition_of(r) not in touched] + list(rows)
        self.snapshots += 1


class BatchWritePlanTest(unittest.TestCase):
    def setUp(self):
        self.d = declaration()
        self.table = self.d.table("imdb.consolidated")
        self.plan = lake.batch_write_plan(self.d, self.table, "bdok_dev_imdb", "staged")

    def model(self):
        return OverwriteModel(lambda row: row["titletype"])

    def test_statement(self):
        self.assertEqual(
            self.plan.statement,
            f"INSERT OVERWRITE glue.bdok_dev_imdb.consolidated SELECT {', '.join(self.table.column_names)} FROM staged",
        )

    def test_rerun_gives_the_same_rows(self):
        day = [{"tconst": "tt1", "titletype": "movie"}, {"tconst": "tt2", "titletype": "short"}]
        table = self.model()
        table.run(self.plan, day)
        first = list(table.rows)
        table.run(self.plan, day)
        self.assertEqual(table.rows, first)
        self.assertEqual(table.snapshots, 2)

    def test_a_partition_gone_from_the_dump_is_gone_from_the_table(self):
        table = self.model()
        table.run(self.plan, [{"tconst": "tt1", "titletype": "movie"}, {"tconst": "tt9", "titletype": "tvPilot"}])
        table.run(self.plan, [{"tconst": "tt1", "titletype": "movie"}])
        self.assertEqual(table.rows, [{"tconst": "tt1", "titletype": "movie"}])

    def test_the_model_tells_the_modes_apart(self):
        # Without this the two tests above could pass on a plan that appends or keeps stale partitions.
        dynamic = lake.WritePlan({"spark.sql.sources.partitionOverwriteMode": "dynamic"}, self.plan.statement)
        append = lake.WritePlan({}, self.plan.statement.replace("INSERT OVERWRITE", "INSERT INTO"))
        first = [{"tconst": "tt1", "titletype": "movie"}, {"tconst": "tt9", "titletype": "tvPilot"}]
        second = [{"tconst": "tt1", "titletype": "movie"}]
        for plan, rows_after in [(dynamic, 2), (append, 3)]:
            table = self.model()
            table.run(plan, first)
            table.run(plan, second)
            self.assertEqual(len(table.rows), rows_after, plan)

    def test_the_plan_replaces_the_table_even_where_the_session_says_dynamic(self):
        table = OverwriteModel(lambda row: row["titletype"], session_default="dynamic")
        table.run(self.plan, [{"tconst": "tt1", "titletype": "movie"}, {"tconst": "tt9", "titletype": "tvPilot"}])
        table.run(self.plan, [{"tconst": "tt1", "titletype": "movie"}])
        self.assertEqual(table.rows, [{"tconst": "tt1", "titletype": "movie"}])

    def test_view_names(self):
        # A Spark temp view name is an SQL identifier: letters of either case, digits, underscores.
        for view, ok in [
            ("staged", True),
            ("Staged_IMDB_2", True),
            ("_v", True),
            ("2v", False),
            ("v-1", False),
            ("v w", False),
            ("", False),
        ]:
            with self.subTest(view=view):
                if ok:
                    self.assertTrue(lake.batch_write_plan(self.d, self.table, "db", view).statement.endswith(f" FROM {view}"))
                else:
                    with self.assertRaises(lake.DeclarationError) as caught:
                        lake.batch_write_plan(self.d, self.table, "db", view)
                    self.assertIn(repr(view), str(caught.exception))

    def test_streamed_tables_have_no_batch_plan(self):
        with self.assertRaisesRegex(lake.DeclarationError, "stream"):
            lake.batch_write_plan(self.d, self.d.table("realtime.customers"), "db", "v")
        with self.assertRaises(lake.DeclarationError):
            lake.batch_write_plan(self.d, self.table, "db", "v; DROP TABLE x")


if __name__ == "__main__":
    unittest.main()
