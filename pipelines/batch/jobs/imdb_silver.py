"""Silver layer of the IMDB pipeline: the consolidated one-big-table, an Iceberg table.

One row per (title, principal, director): rated titles (title.basics + title.ratings), their
principals with the person's name and years (title.principals + name.basics), and their
directors, exploded from title.crew's comma-separated list and resolved against name.basics.

Reads the bronze Iceberg tables (imdb_bronze.py) and replaces ``<database>.consolidated``
(pipelines/tables.json), one snapshot per run: Trino reads it through its iceberg catalog, no
crawler involved.

Usage: imdb_silver.py [--bucket BUCKET] [--region REGION] [--database DATABASE]
       (defaults: $LAKE_BUCKET, $AWS_REGION, $BDOK_IMDB_DATABASE)
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping

try:
    from pipelines import tables as lake
except ImportError:  # on Spark: shipped flat next to this file (--py-files tables.py)
    import tables as lake

DATABASE_ENV = "BDOK_IMDB_DATABASE"
OUTPUT_TABLE = "imdb.consolidated"
# Bronze table per consolidate() argument.
INPUTS = {
    "names": "imdb.name_basics",
    "basics": "imdb.title_basics",
    "crew": "imdb.title_crew",
    "principals": "imdb.title_principals",
    "ratings": "imdb.title_ratings",
}
DIRECTOR_RENAMES = {
    "nconst": "directors",
    "primaryname": "directorprimaryname",
    "birthyear": "directorbirthyear",
    "deathyear": "directordeathyear",
}


# pragma: no mutate start (not pure: Spark DataFrames: runs on real Spark in the engines tier (test/engines/batch.test.ts))
def consolidate(names, basics, crew, principals, ratings, ops, output):
    """Build the one-big-table from the five bronze frames.

    The frames need only select/join/dropDuplicates (Spark DataFrames have them); ``ops`` adds
    the two engine-specific steps (SparkOps). The engines tier runs this very function on Spark
    and checks every output row (test/engines/batch.test.ts). ``output`` is the declared table (columns and key).
    """
    people = names.select("nconst", "primaryname", "birthyear", "deathyear")
    titles = basics.join(ratings, on="tconst", how="inner")
    cast = principals.select("tconst", "nconst", "ordering", "category", "characters").join(people, on="nconst", how="inner")
    directors = ops.explode_csv(crew.select("tconst", "directors"), "directors").join(
        ops.rename(people, DIRECTOR_RENAMES), on="directors", how="inner"
    )
    # The book ran a full-row dropDuplicates after every join. Any duplicate input row only
    # repeats an output key, so one keyed pass at the end removes the same duplicates with a
    # single shuffle. The book also exploded names.knownForTitles, a column no output uses; that
    # is gone, and it was not neutral here: explode (unlike explode_outer) yields no row for a
    # null array, and bronze reads \N as null, so every person without knownForTitles would have
    # left cast and directors. (The book read without nullValue: \N stayed the string "\N", split
    # into one element, and kept its row; only an empty field, read as null, would have vanished.)
    # consolidate() keeps them all.
    return (
        titles.join(cast, on="tconst", how="inner")
        .join(directors, on="tconst", how="inner")
        .dropDuplicates(list(output.key))
        .select(*output.column_names)
    )


# pragma: no mutate end


# pragma: no mutate start (not pure: Spark DataFrames (engines tier))
class SparkOps:
    """consolidate()'s engine-specific steps for Spark DataFrames."""

    @staticmethod
    def explode_csv(frame, column):
        from pyspark.sql import functions as f

        others = [c for c in frame.columns if c != column]
        return frame.select(*others, f.explode(f.split(column, ",")).alias(column))

    @staticmethod
    def rename(frame, mapping):
        from pyspark.sql import functions as f

        return frame.select(*[f.col(c).alias(mapping.get(c, c)) for c in frame.columns])


# pragma: no mutate end


def parse_args(argv: list[str] | None = None, env: Mapping[str, str] = os.environ) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="IMDB bronze Iceberg tables -> imdb.consolidated")
    lake.add_job_arguments(parser, env, DATABASE_ENV)
    return lake.check_job_arguments(parser, parser.parse_args(argv), DATABASE_ENV)


# pragma: no mutate start (not pure: a live Spark session)
def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    declaration = lake.load()
    output = declaration.table(OUTPUT_TABLE)
    spark = lake.spark_session("imdb-silver", declaration, args.bucket, args.region)
    try:
        frames = {
            argument: spark.table(lake.qualified(declaration, declaration.table(table_id), args.database))
            for argument, table_id in INPUTS.items()
        }
        consolidated = consolidate(**frames, ops=SparkOps, output=output)
        lake.replace_table(spark, declaration, output, args.database, consolidated)
    finally:
        spark.stop()


# pragma: no mutate end


if __name__ == "__main__":
    main()
