"""Checks of the Airflow 3 DAGs: Airflow is not installed here, so the files are parsed with
``ast``, and the acquire task is run with stand-ins for Airflow, boto3, S3 and the HTTP body."""

import ast
import gzip
import importlib.util
import io
import os
import random
import sys
import types
import unittest
from pathlib import Path
from unittest import mock

from pipelines.batch.dags import bdok_streaming

DAG_FILE = Path(__file__).resolve().parents[1] / "batch" / "dags" / "imdb_pipeline.py"


def _constant(node):
    return node.value if isinstance(node, ast.Constant) else None


def _keywords(call):
    return {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}


def _decorator_name(decorator):
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Attribute):  # e.g. @task.kubernetes
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


class DagModel:
    """What the DAG file declares: imports, the @dag call, task ids and >> edges."""

    def __init__(self, tree):
        self.imports = {}  # imported name -> module
        self.dag_call = None
        self.task_functions = {}  # function name -> task_id
        self.variables = {}  # variable -> task_id
        self.calls = {}  # task_id -> ast.Call creating it
        self.edges = []  # (upstream task_id, downstream task_id)

        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = node.module
            elif isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    name = _decorator_name(decorator)
                    if name == "dag":
                        self.dag_call = decorator
                    elif name == "task":
                        explicit = isinstance(decorator, ast.Call) and _constant(_keywords(decorator).get("task_id"))
                        self.task_functions[node.name] = explicit or node.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                task_id = self._task_id_of(node.value)
                for target in node.targets:
                    if task_id and isinstance(target, ast.Name):
                        self.variables[target.id] = task_id
                        self.calls.setdefault(task_id, node.value)
        for node in ast.walk(tree):
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.BinOp):
                chain = self._flatten(node.value)
                for upstream, downstream in zip(chain, chain[1:]):
                    self.edges.extend((u, d) for u in upstream for d in downstream)

    def _task_id_of(self, call):
        task_id = _constant(_keywords(call).get("task_id"))
        if task_id:
            return task_id
        func = call.func
        # acquire.expand(...), acquire.partial(...).expand(...), acquire(...)
        while isinstance(func, ast.Attribute):
            func = func.value.func if isinstance(func.value, ast.Call) else func.value
        return self.task_functions.get(func.id) if isinstance(func, ast.Name) else None

    def _flatten(self, node):
        """a >> b >> [c, d] -> [[a], [b], [c, d]] as task ids."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
            return self._flatten(node.left) + self._flatten(node.right)
        names = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
        return [[self.variables[name.id] for name in names]]


# What s3transfer's non-seekable path does with a 16 MiB part size, scaled down.
PART_SIZE = 256 * 1024


class FakeHttpBody(io.BytesIO):
    """The compressed HTTP response: a context manager whose read position shows how much was fetched."""


class FakeTransferConfig:
    def __init__(self, **settings):
        self.settings = settings
        self.multipart_chunksize = settings["multipart_chunksize"]


class FakeS3:
    """An S3 client: upload_fileobj reads one part at a time as s3transfer does; put_object holds the whole body."""

    def __init__(self, body):
        self.body = body
        self.uploads = []
        self.puts = []

    def upload_fileobj(self, Fileobj, Bucket, Key, ExtraArgs=None, Callback=None, Config=None):
        # A seekable stream would make s3transfer seek to the end to size it, i.e. read it all first.
        assert not Fileobj.seekable(), "the upload stream must not be seekable"
        upload = {"bucket": Bucket, "key": Key, "config": Config, "parts": [], "fetched": []}
        while part := Fileobj.read(Config.multipart_chunksize):
            upload["parts"].append(part)
            upload["fetched"].append(self.body.tell())
        self.uploads.append(upload)

    def put_object(self, Bucket, Key, Body, **kwargs):
        self.puts.append((Bucket, Key, f"{len(Body)} bytes in one request"))


def _fake_module(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    return module


def _fake_airflow(captured):
    """The Airflow names the DAG file imports: @task keeps the function, operators chain with >>."""

    class Node:
        def __init__(self, *args, **kwargs):
            pass

        def __rshift__(self, other):
            return other

    class Task:
        def __init__(self, function):
            captured[function.__name__] = function

        def expand(self, **kwargs):
            return Node()

    def dag(**kwargs):
        return lambda function: function

    modules = {"airflow.sdk": _fake_module("airflow.sdk", dag=dag, task=Task)}
    modules["airflow.providers.cncf.kubernetes.operators.spark_kubernetes"] = _fake_module("spark_kubernetes", SparkKubernetesOperator=Node)
    return modules


def run_acquire(compressed, table):
    """Loads the DAG file with stand-ins for Airflow and boto3 and runs its acquire task for `table`:
    the HTTP body is `compressed`, S3 a FakeS3, the part size PART_SIZE (MULTIPART_SETTINGS, scaled down)."""
    tasks = {}
    with mock.patch.dict(sys.modules, {"bdok_streaming": bdok_streaming, **_fake_airflow(tasks)}):
        spec = importlib.util.spec_from_file_location("imdb_pipeline_under_test", DAG_FILE)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    run = types.SimpleNamespace(body=FakeHttpBody(compressed), hooks=[], urls=[], bucket="lake-bucket")
    run.s3 = FakeS3(run.body)
    run.settings = {"multipart_threshold": PART_SIZE, "multipart_chunksize": PART_SIZE, "max_concurrency": 4}

    class S3Hook:
        def __init__(self, aws_conn_id):
            run.hooks.append(aws_conn_id)

        def get_conn(self):
            return run.s3

    def open_url(url):
        run.urls.append(url)
        return run.body

    fakes = {
        "airflow.providers.amazon.aws.hooks.s3": _fake_module("s3", S3Hook=S3Hook),
        "boto3.s3.transfer": _fake_module("transfer", TransferConfig=FakeTransferConfig),
    }
    acquire = tasks["acquire"]
    with (
        mock.patch.dict(sys.modules, fakes),
        mock.patch.dict(os.environ, {"BDOK_LAKE_BUCKET": run.bucket}),
        mock.patch.dict(bdok_streaming.MULTIPART_SETTINGS, run.settings),
        # The DAG imported open_url by name: replace it where the task looks it up.
        mock.patch.dict(acquire.__globals__, {"open_url": open_url}),
    ):
        run.count = acquire(table)
    return run


class ImdbDagTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.source = DAG_FILE.read_text()
        cls.model = DagModel(ast.parse(cls.source, filename=str(DAG_FILE)))

    def test_airflow_3_imports(self):
        self.assertEqual(self.model.imports.get("dag"), "airflow.sdk")
        self.assertEqual(self.model.imports.get("task"), "airflow.sdk")
        for legacy in ("airflow.decorators", "airflow.models", "airflow.utils.task_group", "airflow.operators"):
            self.assertNotIn(legacy, self.model.imports.values())
        self.assertEqual(
            self.model.imports.get("SparkKubernetesOperator"),
            "airflow.providers.cncf.kubernetes.operators.spark_kubernetes",
        )

    def test_dag_arguments(self):
        self.assertIsNotNone(self.model.dag_call, "no @dag(...) decorator")
        kwargs = _keywords(self.model.dag_call)
        self.assertEqual(_constant(kwargs["dag_id"]), "imdb_pipeline")
        self.assertIn("schedule", kwargs)
        self.assertNotIn("schedule_interval", kwargs)
        self.assertNotIn("schedule_interval", self.source)
        self.assertIsNone(_constant(kwargs["schedule"]))
        self.assertIs(_constant(kwargs["catchup"]), False)
        default_args = kwargs["default_args"]
        retries = {_constant(k): _constant(v) for k, v in zip(default_args.keys, default_args.values)}["retries"]
        self.assertGreater(retries, 0)

    def test_task_ids(self):
        self.assertEqual(set(self.model.variables.values()), {"acquire", "imdb_bronze", "imdb_silver"})

    def test_dependency_chain(self):
        self.assertEqual(
            self.model.edges,
            [("acquire", "imdb_bronze"), ("imdb_bronze", "imdb_silver")],
        )

    def test_acquisition_is_mapped_over_the_tables(self):
        call = self.model.calls["acquire"]
        self.assertEqual(call.func.attr, "expand")
        self.assertIn("IMDB_TABLES", ast.unparse(call))
        self.assertEqual(self.model.imports.get("IMDB_TABLES"), "bdok_streaming")

    def test_acquisition_streams_with_multipart_upload(self):
        # The acquire task, run against a fake S3 client and a fake HTTP body (no network).
        rng = random.Random(11)
        lines = "".join(f"tt{n:07d}\t{rng.randint(1, 10)}.{rng.randint(0, 9)}\t{rng.randint(5, 3000000)}\n" for n in range(40000))
        data = lines.encode() + rng.randbytes(1024 * 1024)
        compressed = gzip.compress(data)
        self.assertGreater(len(data), 4 * PART_SIZE)
        table = "title.ratings"

        run = run_acquire(compressed, table)

        self.assertEqual(run.urls, [bdok_streaming.imdb_url(table)])
        self.assertEqual(run.hooks, ["aws_default"])
        self.assertEqual(run.s3.puts, [], "a put_object holds the whole file in memory")
        self.assertEqual(len(run.s3.uploads), 1)
        upload = run.s3.uploads[0]
        self.assertEqual((upload["bucket"], upload["key"]), (run.bucket, bdok_streaming.landing_key(table)))
        self.assertEqual(upload["config"].settings, run.settings)
        self.assertEqual(b"".join(upload["parts"]), data)
        self.assertEqual(run.count, len(data))
        self.assertGreater(len(upload["parts"]), 1)
        self.assertTrue(all(len(part) == PART_SIZE for part in upload["parts"][:-1]))
        # When the first part was handed over, most of the HTTP body was still unread.
        self.assertLess(upload["fetched"][0], len(compressed) / 2)
        self.assertTrue(run.body.closed, "the HTTP body is closed after the upload")
        for forbidden in ("upload_file(", "response.content", ".read()", "Variable", "aws_access_key_id"):
            self.assertNotIn(forbidden, self.source)

    def test_helpers_imported_from_bdok_streaming_exist(self):
        for name, module in self.model.imports.items():
            if module == "bdok_streaming":
                self.assertTrue(hasattr(bdok_streaming, name), name)

    def test_spark_operators(self):
        for task_id, manifest in [("imdb_bronze", "spark/imdb-bronze.yaml"), ("imdb_silver", "spark/imdb-silver.yaml")]:
            call = self.model.calls[task_id]
            self.assertEqual(call.func.id, "SparkKubernetesOperator")
            kwargs = {
                key: ast.literal_eval(ast.unparse(value))
                for key, value in _keywords(call).items()
                if key not in ("namespace", "kubernetes_conn_id")
            }
            self.assertEqual(kwargs["application_file"], manifest)
            self.assertIs(kwargs["delete_on_termination"], True)
            self.assertIn(ast.unparse(_keywords(call)["namespace"]), ("SPARK_NAMESPACE", "'airflow'"))
        self.assertIn('SPARK_NAMESPACE = "airflow"', self.source)
        self.assertIn('KUBERNETES_CONN_ID = "kubernetes_default"', self.source)

    def test_dag_is_instantiated(self):
        module_calls = [
            node.value.func.id
            for node in ast.parse(self.source).body
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
        ]
        self.assertIn("imdb_pipeline", module_calls)


MAINTENANCE_FILE = DAG_FILE.parents[2] / "maintenance" / "dags" / "iceberg_maintenance.py"


class MaintenanceDagTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.source = MAINTENANCE_FILE.read_text()
        cls.model = DagModel(ast.parse(cls.source, filename=str(MAINTENANCE_FILE)))

    def test_daily_without_catchup(self):
        kwargs = _keywords(self.model.dag_call)
        self.assertEqual(_constant(kwargs["dag_id"]), "iceberg_maintenance")
        self.assertEqual(_constant(kwargs["schedule"]), "@daily")
        self.assertIs(_constant(kwargs["catchup"]), False)
        self.assertEqual(_constant(kwargs["max_active_runs"]), 1)
        self.assertIn("start_date", kwargs)
        self.assertEqual(self.model.imports.get("dag"), "airflow.sdk")

    def test_submits_the_maintenance_spark_application(self):
        calls = [
            n
            for n in ast.walk(ast.parse(self.source))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "SparkKubernetesOperator"
        ]
        self.assertEqual(len(calls), 1)
        kwargs = _keywords(calls[0])
        self.assertEqual(_constant(kwargs["task_id"]), "iceberg_maintenance")
        self.assertEqual(_constant(kwargs["application_file"]), "spark/iceberg-maintenance.yaml")
        self.assertIs(_constant(kwargs["delete_on_termination"]), True)
        self.assertIn('SPARK_NAMESPACE = "airflow"', self.source)

    def test_dag_is_instantiated(self):
        module_calls = [
            node.value.func.id
            for node in ast.parse(self.source).body
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
        ]
        self.assertIn("iceberg_maintenance", module_calls)


class PausedAtCreationTest(unittest.TestCase):
    """Airflow pauses a new DAG unless it says otherwise ([core] dags_are_paused_at_creation
    defaults to True and platform/airflow/values.ts leaves it). imdb_pipeline has no schedule and
    the stack's trigger command unpauses it; a scheduled DAG has no such step, so it must opt out."""

    def test_scheduled_dags_start_unpaused(self):
        scheduled = []
        for path in sorted([*DAG_FILE.parent.glob("*.py"), *MAINTENANCE_FILE.parent.glob("*.py")]):
            model = DagModel(ast.parse(path.read_text(), filename=str(path)))
            if model.dag_call is None:
                continue
            kwargs = _keywords(model.dag_call)
            # Airflow 3's default schedule is None; any other value, literal or not, schedules.
            schedule = kwargs.get("schedule")
            if schedule is None or (isinstance(schedule, ast.Constant) and schedule.value is None):
                continue
            scheduled.append(path.name)
            with self.subTest(dag=path.name):
                self.assertIn("is_paused_upon_creation", kwargs)
                self.assertIs(_constant(kwargs["is_paused_upon_creation"]), False)
        self.assertIn("iceberg_maintenance.py", scheduled)

    def test_airflow_config_keeps_the_default(self):
        # The premise of the test above: airflow.cfg and the env (AIRFLOW__CORE__...) come from here.
        values = (DAG_FILE.parents[3] / "platform" / "airflow" / "values.ts").read_text().lower()
        self.assertNotIn("dags_are_paused_at_creation", values)


class WalkerSelfTest(unittest.TestCase):
    """The walker must really read edges, or the chain test proves nothing."""

    def test_lists_and_reordering(self):
        model = DagModel(
            ast.parse(
                "from airflow.sdk import dag, task\n"
                "@dag(dag_id='x', schedule=None)\n"
                "def x():\n"
                "    @task(task_id='get')\n"
                "    def fetch(t): ...\n"
                "    a = fetch.partial().expand(t=[1])\n"
                "    b = Op(task_id='b')\n"
                "    c = Op(task_id='c')\n"
                "    a >> [c, b]\n"
                "    c >> b\n"
            )
        )
        self.assertEqual(model.variables, {"a": "get", "b": "b", "c": "c"})
        self.assertEqual(model.edges, [("get", "c"), ("get", "b"), ("c", "b")])


if __name__ == "__main__":
    unittest.main()
