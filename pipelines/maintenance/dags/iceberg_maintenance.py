"""Daily maintenance of the lake's Iceberg tables, written for Airflow 3.

One task: the SparkApplication ``spark/iceberg-maintenance.yaml`` (next to this file, like the
IMDB pipeline's) runs pipelines/maintenance/jobs/iceberg_maintenance.py, which calls Iceberg's Spark
procedures on every declared table that exists: rewrite_data_files (small files, above all the
stream's), rewrite_manifests, expire_snapshots and remove_orphan_files, with the retention the
stack passes as job arguments. Spark rather than Trino: Spark pods already hold the lake role,
and Trino's iceberg catalog stays read-only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.cncf.kubernetes.operators.spark_kubernetes import SparkKubernetesOperator
from airflow.sdk import dag

KUBERNETES_CONN_ID = "kubernetes_default"
SPARK_NAMESPACE = "airflow"


@dag(
    dag_id="iceberg_maintenance",
    description="Iceberg tables: compaction, manifest rewrite, snapshot expiry, orphan removal",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    # A missed day is made up by the next run: old runs have nothing of their own to do.
    catchup=False,
    # Airflow pauses new DAGs ([core] dags_are_paused_at_creation, default True, not overridden
    # here) and nothing unpauses this one, unlike imdb_pipeline: paused, it would never run.
    is_paused_upon_creation=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=15)},
    tags=["iceberg", "maintenance"],
)
def iceberg_maintenance():
    SparkKubernetesOperator(
        task_id="iceberg_maintenance",
        application_file="spark/iceberg-maintenance.yaml",
        namespace=SPARK_NAMESPACE,
        kubernetes_conn_id=KUBERNETES_CONN_ID,
        delete_on_termination=True,
    )


iceberg_maintenance()
