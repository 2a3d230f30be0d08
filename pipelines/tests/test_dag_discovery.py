"""Airflow's DAG discovery over the DAG folder as the kubelet mounts a ConfigMap there.

The ignore file is the one platform/airflow/dags.ts delivers (DAGS_IGNORE); the TS test
"finds every DAG in the ConfigMap as the kubelet lays it out" runs the same
discovery over the ConfigMap of the real plan.
"""

import os
import re
import tempfile
import unittest
from pathlib import Path

from pipelines.tests import dag_discovery as d

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "pipelines" / "batch" / "dags"


def delivered_ignore() -> str:
    """DAGS_IGNORE as platform/airflow/dags.ts writes it (a JSON-style string literal)."""
    source = (ROOT / "platform" / "airflow" / "dags.ts").read_text()
    literal = re.search(r'^export const DAGS_IGNORE = (".*");$', source, re.M).group(1)
    return literal[1:-1].encode().decode("unicode_escape")


def payload(with_ignore: bool) -> dict:
    files = {name: (DAGS / name).read_text() for name in ("imdb_pipeline.py", "bdok_streaming.py")}
    files["spark/imdb-bronze.yaml"] = "kind: SparkApplication\n"
    if with_ignore:
        files[d.IGNORE_FILE] = delivered_ignore()
    return files


class KubeletLayoutTest(unittest.TestCase):
    def test_layout_is_the_atomic_writers(self):
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp)
            d.write_configmap_volume(target, {"a.py": "x", "spark/b.yaml": "y"}, timestamp="2026_01_01_00_00_00.1")
            self.assertEqual(sorted(os.listdir(target)), ["..2026_01_01_00_00_00.1", "..data", "a.py", "spark"])
            self.assertEqual(os.readlink(target / "..data"), "..2026_01_01_00_00_00.1")
            self.assertEqual(os.readlink(target / "a.py"), "..data/a.py")
            self.assertEqual(os.readlink(target / "spark"), "..data/spark")
            self.assertFalse((target / "..2026_01_01_00_00_00.1").is_symlink())
            self.assertEqual((target / "spark" / "b.yaml").read_text(), "y")


class DiscoveryTest(unittest.TestCase):
    def test_whole_configmap_mount_without_ignore_finds_nothing(self):
        # The review's finding: ..data resolves to the timestamped directory already seen.
        result = d.discover_in_configmap(payload(with_ignore=False))
        self.assertNotIn("dag_files", result)
        self.assertRegex(result["error"], r"^Detected recursive loop when walking DAG directory <dags>: .*/\.\.")

    def test_delivered_ignore_file_lets_every_dag_through(self):
        result = d.discover_in_configmap(payload(with_ignore=True))
        # bdok_streaming.py is the DAG's helper module: safe mode skips it (no "dag" in it).
        self.assertEqual(result, {"dag_files": ["imdb_pipeline.py"]})

    def test_regexp_syntax_would_not_read_the_glob_rule(self):
        # "..*" as a regexp matches every path of two or more characters: nothing is left.
        result = d.discover_in_configmap(payload(with_ignore=True), syntax="regexp")
        self.assertEqual(result, {"dag_files": []})

    def test_plain_folder_is_walked_into_subfolders(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "sub").mkdir()
            (Path(tmp) / "sub" / "x.py").write_text("from airflow import DAG\n")
            (Path(tmp) / "notes.py").write_text("print('no dag here')\n")
            self.assertEqual(d.list_py_file_paths(tmp), [str(Path(tmp) / "sub" / "x.py")])


class GlobRuleTest(unittest.TestCase):
    def rule(self, pattern, where="/dags/.airflowignore"):
        return d.GlobRule.compile(pattern, Path(where))

    def matches(self, pattern, rel, is_dir=False):
        rule = self.rule(pattern)
        path = (rule.relative_to / rel) if rule.relative_to else Path("/dags") / rel
        text = (path.relative_to(rule.relative_to).as_posix() if rule.relative_to else path.name) + ("/" if is_dir else "")
        return bool(rule.regex.match(text))

    def test_name_patterns_match_at_any_depth(self):
        self.assertTrue(self.matches("..*", "..data", is_dir=True))
        self.assertTrue(self.matches("..*", "..2026_01_01_00_00_00.1", is_dir=True))
        self.assertFalse(self.matches("..*", ".airflowignore"))
        self.assertFalse(self.matches("..*", "imdb_pipeline.py"))
        self.assertTrue(self.matches("*.pyc", "a.pyc"))
        self.assertIsNone(self.rule("*.pyc").relative_to)

    def test_slash_anchors_to_the_ignore_files_folder(self):
        self.assertEqual(self.rule("/spark").relative_to, Path("/dags"))
        self.assertEqual(self.rule("spark/x.yaml").relative_to, Path("/dags"))
        self.assertTrue(self.matches("spark/*.yaml", "spark/x.yaml"))
        self.assertFalse(self.matches("spark/*.yaml", "spark/sub/x.yaml"))
        self.assertTrue(self.matches("spark/**/x.yaml", "spark/sub/deeper/x.yaml"))

    def test_trailing_slash_matches_directories_only(self):
        self.assertTrue(self.matches("build/", "build", is_dir=True))
        self.assertFalse(self.matches("build/", "build"))

    def test_negation_and_comments(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / ".airflowignore").write_text("*.py  # every file\n!keep.py\n")
            for name in ("drop.py", "keep.py"):
                (Path(tmp) / name).write_text("airflow dag")
            self.assertEqual(d.list_py_file_paths(tmp), [str(Path(tmp) / "keep.py")])

    def test_root_only_pattern_is_dropped(self):
        self.assertIsNone(self.rule("/"))


if __name__ == "__main__":
    unittest.main()
