"""Silver layer of the IMDB pipeline: the consolidated one-big-table.

One row per (title, principal, director): rated titles (title.basics +
title.ratings), their principals with the person's name and years
(title.principals + name.basics), and their directors, exploded from
title.crew's comma-separated list and resolved against name.basics.

Reads ``s3a://<bucket>/bronze/imdb/<table>/`` (see imdb_bronze.py) and writes
``s3a://<bucket>/silver/imdb/consolidated/``, which
the stack's crawler (``bdok-<stack>-imdb_consolidated_crawler``) catalogs as ``imdb-consolidated``.

Usage: imdb_silver.py [--bucket BUCKET]   (default: $LAKE_BUCKET)
"""
from __future__ import annotations

import argparse
import os

INPUT_TABLES = ("name.basics", "title.basics", "title.crew", "title.principals", "title.ratings")

# Column names and order are the book's, so its Trino queries keep working.
TITLE_COLUMNS = [
    "tconst",
    "titleType",
    "primaryTitle",
    "originalTitle",
    "isAdult",
    "startYear",
    "endYear",
    "runtimeMinutes",
    "genres",
    "averageRating",
    "numVotes",
]
PRINCIPAL_COLUMNS = ["nconst", "ordering", "category", "characters", "primaryName", "birthYear", "deathYear"]
DIRECTOR_COLUMNS = ["directors", "directorPrimaryName", "directorBirthYear", "directorDeathYear"]
OUTPUT_COLUMNS = TITLE_COLUMNS + PRINCIPAL_COLUMNS + DIRECTOR_COLUMNS

# What identifies an output row: a principal is (tconst, ordering) in IMDB and
# "directors" holds a single director after the explode.
OUTPUT_KEY = ["tconst", "ordering", "directors"]


def bronze_path(bucket: str, table: str) -> str:
    return f"s3a://{bucket}/bronze/imdb/{table.replace('.', '_')}/"


def silver_path(bucket: str) -> str:
    return f"s3a://{bucket}/silver/imdb/consolidated/"


def consolidate(names, basics, crew, principals, ratings):
    """Build the one-big-table from the five bronze DataFrames."""
    from pyspark.sql import functions as f

    people = names.select("nconst", "primaryName", "birthYear", "deathYear")

    titles = basics.join(ratings, on="tconst", how="inner")

    cast = principals.select("tconst", "nconst", "ordering", "category", "characters").join(
        people, on="nconst", how="inner"
    )

    directors = (
        crew.select("tconst", f.explode(f.split("directors", ",")).alias("directors"))
        .join(
            people.select(
                f.col("nconst").alias("directors"),
                f.col("primaryName").alias("directorPrimaryName"),
                f.col("birthYear").alias("directorBirthYear"),
                f.col("deathYear").alias("directorDeathYear"),
            ),
            on="directors",
            how="inner",
        )
    )

    # The book ran a full-row dropDuplicates after every join. Any duplicate
    # input row only repeats an output key, so one keyed pass at the end
    # removes the same duplicates with a single shuffle. (The book's explode
    # of knownForTitles is gone too: its rows were dropped again unused.)
    return (
        titles.join(cast, on="tconst", how="inner")
        .join(directors, on="tconst", how="inner")
        .dropDuplicates(OUTPUT_KEY)
        .select(*OUTPUT_COLUMNS)
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="IMDB bronze Parquet -> silver consolidated table")
    parser.add_argument("--bucket", default=os.environ.get("LAKE_BUCKET"), help="data-lake bucket (default: $LAKE_BUCKET)")
    args = parser.parse_args(argv)
    if not args.bucket:
        parser.error("the lake bucket is required: pass --bucket or set LAKE_BUCKET")
    return args


def main(argv: list[str] | None = None) -> None:
    from pyspark.sql import SparkSession

    args = parse_args(argv)
    spark = SparkSession.builder.appName("imdb-silver").getOrCreate()
    try:
        frames = {table: spark.read.parquet(bronze_path(args.bucket, table)) for table in INPUT_TABLES}
        consolidated = consolidate(
            names=frames["name.basics"],
            basics=frames["title.basics"],
            crew=frames["title.crew"],
            principals=frames["title.principals"],
            ratings=frames["title.ratings"],
        )
        consolidated.write.mode("overwrite").parquet(silver_path(args.bucket))
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
