"""Bronze layer of the IMDB pipeline: landing TSVs -> the Iceberg tables imdb.<name>.

Reads ``s3a://<bucket>/landing/imdb/<source>.tsv`` (written, decompressed, by the DAG's
acquisition tasks) and replaces the Iceberg table declared for it in pipelines/tables.json
(``<database>.name_basics`` for ``name.basics``, ...), one snapshot per table and run.

Usage: imdb_bronze.py [--bucket BUCKET] [--region REGION] [--database DATABASE]
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

NAMESPACE = "imdb"
DATABASE_ENV = "BDOK_IMDB_DATABASE"

TSV_OPTIONS = {
    "sep": "\t",
    "header": "true",
    "nullValue": "\\N",
    # IMDB never quotes fields but titles contain '"'; an empty quote
    # character turns quoting off so such lines are not merged or split.
    "quote": "",
    # Compare the header with the schema so a reordered or renamed column fails the job
    # instead of silently shifting values (case-insensitively: the lake's names are lower case).
    "enforceSchema": "false",
}


def bronze_tables(declaration: lake.Declaration) -> list[lake.Table]:
    """The tables this job writes: the imdb bronze layer, each read from one landing file."""
    return [t for t in declaration.tables.values() if t.namespace == NAMESPACE and t.layer == "bronze"]


def landing_path(bucket: str, source: str) -> str:
    return f"s3a://{bucket}/landing/imdb/{source}.tsv"


def parse_args(argv: list[str] | None = None, env: Mapping[str, str] = os.environ) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="IMDB landing TSV -> bronze Iceberg tables")
    lake.add_job_arguments(parser, env, DATABASE_ENV)
    return lake.check_job_arguments(parser, parser.parse_args(argv), DATABASE_ENV)


# pragma: no mutate start (not pure: a live Spark session)
def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    declaration = lake.load()
    spark = lake.spark_session("imdb-bronze", declaration, args.bucket, args.region)
    try:
        for table in bronze_tables(declaration):
            frame = spark.read.options(**TSV_OPTIONS).schema(lake.struct_type(table)).csv(landing_path(args.bucket, table.source))
            lake.replace_table(spark, declaration, table, args.database, frame)
    finally:
        spark.stop()


# pragma: no mutate end


if __name__ == "__main__":
    main()
