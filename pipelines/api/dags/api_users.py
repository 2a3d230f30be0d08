"""API users (the Kafka/Spark/Airflow/S3 tutorial's source), written for Airflow 3.

One task every 10 minutes: poll the configured random-user API, validate each record and produce the
valid ones to the ``api-users`` topic as the KafkaUser ``api-producer`` (mutual TLS, allowed to write
that topic only). The streaming job carries the topic into the lake's ``api_users`` Iceberg table.

Next to this file in the DAG folder: ``api_producer.py`` (the task's code), ``api_users.json``
(the stack's settings: URL, topic, bootstrap address, the client files' paths, the task pod's Secret
and label) and ``api_requirements.txt`` (the pinned Kafka client the task installs). The task pod
mounts the user's certificate from a Secret of the airflow namespace that an in-cluster Job copies
from the KafkaUser's (pipelines/api/index.ts), and carries the label the network policy selects.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import dag, task
from kubernetes.client import models as k8s

from api_producer import SETTINGS_FILE, main

# Not resolved: the kubelet's ConfigMap symlinks keep every file of the folder side by side here.
FOLDER = Path(__file__).parent
POD = json.loads((FOLDER / SETTINGS_FILE).read_text(encoding="utf-8"))["pod"]

# The KubernetesExecutor merges this into the task's pod (the chart's pod template, container "base").
EXECUTOR_CONFIG = {
    "pod_override": k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(labels=POD["labels"]),
        spec=k8s.V1PodSpec(
            containers=[
                k8s.V1Container(
                    name="base",
                    volume_mounts=[k8s.V1VolumeMount(name="kafka-client", mount_path=POD["mount"], read_only=True)],
                    resources=k8s.V1ResourceRequirements(**POD["resources"]),
                )
            ],
            volumes=[k8s.V1Volume(name="kafka-client", secret=k8s.V1SecretVolumeSource(secret_name=POD["secret"]))],
        ),
    )
}


@dag(
    dag_id="api_users",
    description="random-user API -> validate -> Kafka topic api-users (mTLS) -> streaming job -> Iceberg api_users",
    schedule=f"*/{POD['recurring']['everyMinutes']} * * * *",
    start_date=datetime(2026, 1, 1),
    # A missed poll is not made up: the API returns new random people on every call anyway.
    catchup=False,
    # Nothing else unpauses it (dags_are_paused_at_creation stays True for the others).
    is_paused_upon_creation=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=9),
    default_args={"retries": 1, "retry_delay": timedelta(minutes=1)},
    tags=["api", "kafka", "realtime"],
)
def api_users():
    @task(executor_config=EXECUTOR_CONFIG, execution_timeout=timedelta(minutes=5))
    def poll_api() -> dict:
        """Fetch once, produce the valid records; the counts are the task's return value (XCom)."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="bdok-kafka-client-") as work:
            return main(FOLDER, Path(work))

    poll_api()


api_users()
