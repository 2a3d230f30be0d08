"""IMDB batch pipeline (book chapter 10), written for Airflow 3.

acquire (one mapped task per IMDB table) -> imdb_bronze -> imdb_silver

The bronze and silver tables are Iceberg tables in the Glue catalog (pipelines/tables.json):
each commit registers itself, so the book's Glue crawler step is gone. The only plain files
left are landing/imdb/*.tsv, the raw input of imdb_bronze, which nothing queries: no crawler
for them either. Re-running a day replaces each table's rows in one snapshot.

AWS access comes from the pod's role through the ``aws_default`` connection
(no keys anywhere); Kubernetes access from the in-cluster service account
through ``kubernetes_default``. The SparkApplication manifests under
``spark/`` sit next to this file and are rendered by the operator.
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.providers.cncf.kubernetes.operators.spark_kubernetes import SparkKubernetesOperator
from airflow.sdk import dag, task

from bdok_streaming import (
    IMDB_TABLES,
    MULTIPART_SETTINGS,
    imdb_url,
    landing_key,
    open_url,
    stream_gunzip_upload,
)

AWS_CONN_ID = "aws_default"
KUBERNETES_CONN_ID = "kubernetes_default"
SPARK_NAMESPACE = "airflow"


@dag(
    dag_id="imdb_pipeline",
    description="IMDB datasets -> landing -> bronze Iceberg tables -> silver one-big-table (Iceberg)",
    schedule=None,
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["imdb", "batch"],
)
def imdb_pipeline():
    @task
    def acquire(table: str) -> int:
        """Stream one IMDB table, decompressed, into landing/imdb/<table>.tsv."""
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook
        from boto3.s3.transfer import TransferConfig

        # Read when the task runs: the processes that only parse this file need not have it.
        bucket = os.environ["BDOK_LAKE_BUCKET"]
        s3 = S3Hook(aws_conn_id=AWS_CONN_ID).get_conn()
        config = TransferConfig(**MULTIPART_SETTINGS)
        return stream_gunzip_upload(
            lambda: open_url(imdb_url(table)),
            lambda stream: s3.upload_fileobj(stream, bucket, landing_key(table), Config=config),
        )

    landing = acquire.expand(table=list(IMDB_TABLES))

    # The operator creates the SparkApplication, follows the driver's logs,
    # fails the task if the application fails and deletes it afterwards.
    bronze = SparkKubernetesOperator(
        task_id="imdb_bronze",
        application_file="spark/imdb-bronze.yaml",
        namespace=SPARK_NAMESPACE,
        kubernetes_conn_id=KUBERNETES_CONN_ID,
        delete_on_termination=True,
    )

    silver = SparkKubernetesOperator(
        task_id="imdb_silver",
        application_file="spark/imdb-silver.yaml",
        namespace=SPARK_NAMESPACE,
        kubernetes_conn_id=KUBERNETES_CONN_ID,
        delete_on_termination=True,
    )

    landing >> bronze >> silver


imdb_pipeline()
