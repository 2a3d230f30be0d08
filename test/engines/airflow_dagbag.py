"""Engines tier: the real Airflow (venv-airflow) over the DAG folder as the kubelet lays out our ConfigMap.

Run by test/engines/airflow.test.ts as ``<venv>/bin/python airflow_dagbag.py REQUEST.json``; prints one
JSON object. The request carries what the plan holds (the ConfigMap's data, the volume's items, the
chart's [core] settings and the pods' environment) and the local endpoints:

  {"dags_folder": dir, "data": {key: content}, "items": [{key, path}], "core": {...}, "env": {...},
   "acquire": {"tables": [...], "imdb_base_url": url} | null}

Answer: {"import_errors": {...}, "dags": {dag_id: [task ids]}, "spark_bodies": {task_id: body},
         "acquired": {table: value returned by the task}}
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def kubelet_layout(target: Path, data: dict[str, str], items: list[dict]) -> None:
    """The kubelet's atomic writer (pkg/volume/util/atomic_writer.go): the files under
    ``..<timestamp>/`` at their item paths, ``..data`` -> that directory, and one symlink per
    top-level entry into ``..data/``."""
    stamp = "..2026_01_01_00_00_00.000000001"
    for item in items:
        path = target / stamp / item["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data[item["key"]])
    (target / "..data").symlink_to(stamp, target_is_directory=True)
    for top in sorted({item["path"].split("/", 1)[0] for item in items}):
        (target / top).symlink_to(f"..data/{top}")


class Captured(Exception):
    pass


def spark_body(dag, op) -> dict:
    """The SparkApplication the operator would create: its own rendering and body building
    (SparkKubernetesOperator.execute -> CustomObjectLauncher.get_body), stopped where it would call
    the Kubernetes API."""
    from unittest import mock

    from airflow.providers.cncf.kubernetes.operators import custom_object_launcher, spark_kubernetes

    captured = {}

    def start_spark_job(self, image=None, code_path=None, startup_timeout=600):
        captured["body"] = self.body
        raise Captured()

    from airflow.sdk.execution_time.context import VariableAccessor

    ti = mock.Mock(dag_id=dag.dag_id, task_id=op.task_id, map_index=-1, try_number=1)
    context = {"ti": ti, "run_id": "manual__2026-01-01T00:00:00+00:00", "dag": dag, "task": op}
    # Variables as the task runner gives them to templates (sdk/execution_time/task_runner.py,
    # get_template_context): read through the secrets backends, the environment's AIRFLOW_VAR_* first.
    context["var"] = {"json": VariableAccessor(deserialize_json=True), "value": VariableAccessor(deserialize_json=False)}
    op.render_template_fields(context, jinja_env=dag.get_template_env())
    cls = spark_kubernetes.SparkKubernetesOperator
    with (
        mock.patch.object(cls, "client", new=None),
        mock.patch.object(cls, "custom_obj_api", new=None),
        mock.patch.object(cls, "find_spark_job", return_value=None),
        mock.patch.object(custom_object_launcher.CustomObjectLauncher, "start_spark_job", start_spark_job),
    ):
        try:
            op.execute(context)
        except Captured:
            pass
    if "body" not in captured:
        raise RuntimeError(f"{op.task_id}: the operator never reached start_spark_job")
    return json.loads(json.dumps(captured["body"], default=str))


def acquire(dag, tables: list[str], base_url: str, endpoint: str) -> dict:
    """Runs the mapped ``acquire`` task's own callable for each table, against the local endpoints."""
    task = dag.get_task("acquire")
    callable_ = task.python_callable  # DecoratedMappedOperator (airflow/sdk/bases/decorator.py)
    # The one stand-in: the download host is the local HTTP server (module global read per call).
    sys.modules["bdok_streaming"].IMDB_BASE_URL = base_url
    returned = {table: callable_(table) for table in tables}
    # Read back with a plain signed client (moto refuses anonymous GETs), for the test to compare.
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=os.environ["AWS_DEFAULT_REGION"])
    bucket = os.environ["BDOK_LAKE_BUCKET"]
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    objects = {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode() for o in listed}
    return {"returned": returned, "objects": objects}


def main() -> None:
    request = json.loads(Path(sys.argv[1]).read_text())
    folder = Path(request["dags_folder"])
    kubelet_layout(folder, request["data"], request["items"])
    os.environ.update(request["env"])
    for key, value in request["core"].items():
        os.environ[f"AIRFLOW__CORE__{key.upper()}"] = str(value)
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(folder)

    import structlog
    from airflow.dag_processing.processor import _serialize_dags
    from airflow.models.dagbag import BundleDagBag

    # As the DAG processor parses (airflow/dag_processing/processor.py _parse_file): a BundleDagBag
    # whose bundle path (the dags-folder bundle: the DAG folder) is on sys.path, then serialization,
    # whose errors are import errors too.
    bag = BundleDagBag(dag_folder=str(folder), bundle_path=folder, load_op_links=False)
    _, serialization_errors = _serialize_dags(bag, structlog.get_logger())
    answer = {
        "import_errors": {str(k): str(v) for k, v in {**bag.import_errors, **serialization_errors}.items()},
        "dags": {dag_id: sorted(t.task_id for t in dag.tasks) for dag_id, dag in bag.dags.items()},
        "files": sorted(os.path.relpath(d.fileloc, folder) for d in bag.dags.values()),
        "spark_bodies": {},
        "acquired": {},
    }
    # The same ConfigMap without the ignore file: what Airflow makes of the kubelet's ..data link.
    bare = folder.parent / "dags-without-ignore-file"
    bare.mkdir()
    kubelet_layout(bare, request["data"], [i for i in request["items"] if i["path"] != ".airflowignore"])
    try:
        bare_bag = BundleDagBag(dag_folder=str(bare), bundle_path=bare, load_op_links=False)
        answer["without_ignore_file"] = {
            "dags": sorted(bare_bag.dags),
            "import_errors": {str(k): str(v) for k, v in bare_bag.import_errors.items()},
        }
    except Exception as error:  # noqa: BLE001 - the error is the answer
        answer["without_ignore_file"] = {"error": f"{type(error).__name__}: {error}"}

    from airflow.providers.cncf.kubernetes.operators.spark_kubernetes import SparkKubernetesOperator

    for dag in bag.dags.values():
        for op in dag.tasks:
            if isinstance(op, SparkKubernetesOperator):
                answer["spark_bodies"][f"{dag.dag_id}.{op.task_id}"] = spark_body(dag, op)
    if request.get("acquire"):
        answer["acquired"] = acquire(
            bag.dags["imdb_pipeline"], request["acquire"]["tables"], request["acquire"]["imdb_base_url"], request["acquire"]["s3_endpoint"]
        )
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
