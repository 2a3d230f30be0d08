"""Bronze layer of the IMDB pipeline: landing TSVs -> typed Parquet.

Reads ``s3a://<bucket>/landing/imdb/<table>.tsv`` (written, decompressed, by
the DAG's acquisition tasks) and writes ``s3a://<bucket>/bronze/imdb/<name>/``
where ``<name>`` is the table with dots replaced by underscores.

Usage: imdb_bronze.py [--bucket BUCKET]   (default: $LAKE_BUCKET)
"""
from __future__ import annotations

import argparse
import os

# Explicit schemas: no inference pass over multi-GB files, and stable types
# for the silver job and the Glue catalog. Column order is the file's order.
SCHEMAS: dict[str, list[tuple[str, str]]] = {
    "name.basics": [
        ("nconst", "string"),
        ("primaryName", "string"),
        ("birthYear", "int"),
        ("deathYear", "int"),
        ("primaryProfession", "string"),
        ("knownForTitles", "string"),
    ],
    "title.basics": [
        ("tconst", "string"),
        ("titleType", "string"),
        ("primaryTitle", "string"),
        ("originalTitle", "string"),
        ("isAdult", "int"),
        ("startYear", "int"),
        ("endYear", "int"),
        ("runtimeMinutes", "int"),
        ("genres", "string"),
    ],
    "title.crew": [
        ("tconst", "string"),
        ("directors", "string"),
        ("writers", "string"),
    ],
    "title.principals": [
        ("tconst", "string"),
        ("ordering", "int"),
        ("nconst", "string"),
        ("category", "string"),
        ("job", "string"),
        ("characters", "string"),
    ],
    "title.ratings": [
        ("tconst", "string"),
        ("averageRating", "double"),
        ("numVotes", "int"),
    ],
}

TSV_OPTIONS = {
    "sep": "\t",
    "header": "true",
    "nullValue": "\\N",
    # IMDB never quotes fields but titles contain '"'; an empty quote
    # character turns quoting off so such lines are not merged or split.
    "quote": "",
    # Compare the header with the schema so a reordered or renamed column
    # fails the job instead of silently shifting values.
    "enforceSchema": "false",
}


def landing_path(bucket: str, table: str) -> str:
    return f"s3a://{bucket}/landing/imdb/{table}.tsv"


def bronze_path(bucket: str, table: str) -> str:
    return f"s3a://{bucket}/bronze/imdb/{table.replace('.', '_')}/"


def struct_type(columns: list[tuple[str, str]]):
    """Spark StructType for a list of (column, type) pairs."""
    from pyspark.sql import types as t

    spark_types = {"string": t.StringType, "int": t.IntegerType, "double": t.DoubleType}
    return t.StructType([t.StructField(name, spark_types[kind](), True) for name, kind in columns])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="IMDB landing TSV -> bronze Parquet")
    parser.add_argument("--bucket", default=os.environ.get("LAKE_BUCKET"), help="data-lake bucket (default: $LAKE_BUCKET)")
    args = parser.parse_args(argv)
    if not args.bucket:
        parser.error("the lake bucket is required: pass --bucket or set LAKE_BUCKET")
    return args


def main(argv: list[str] | None = None) -> None:
    from pyspark.sql import SparkSession

    args = parse_args(argv)
    spark = SparkSession.builder.appName("imdb-bronze").getOrCreate()
    try:
        for table, columns in SCHEMAS.items():
            (
                spark.read.options(**TSV_OPTIONS)
                .schema(struct_type(columns))
                .csv(landing_path(args.bucket, table))
                .write.mode("overwrite")
                .parquet(bronze_path(args.bucket, table))
            )
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
