"""Airflow 3.1's DAG-folder discovery, and the kubelet's ConfigMap volume layout, for tests.

Written from the behaviour of ``airflow.utils.file`` (``find_path_from_directory``,
``list_py_file_paths``), not copied from it:

* ``os.walk(base, followlinks=True)``; in each directory the ``.airflowignore`` found
  there is added to the rules inherited from the parent (lines stripped of ``#``
  comments, empty lines skipped).
* Subdirectories matching a rule are pruned first; then every remaining
  subdirectory is resolved, and one already seen raises ``RuntimeError("Detected
  recursive loop ...")``. That check runs before the directory's files are
  yielded, so a loop at the top yields nothing at all.
* Glob syntax (``[core] dag_ignore_file_syntax``, default ``glob``) is gitignore's
  wildmatch: a pattern without an inner or leading ``/`` matches the entry's name at
  any depth, otherwise the path relative to the ignore file's directory; ``!``
  re-includes; the last matching rule wins. Regexp syntax searches each rule's
  regexp in the path relative to the DAG folder; any match ignores.
* ``list_py_file_paths`` keeps regular files ending in ``.py`` whose content (in
  safe mode) contains ``airflow`` and ``dag`` or ``asset``, case-insensitively.

Command line (used by platform/airflow/airflow.test.ts):
  python3 -m pipelines.tests.dag_discovery < {"payload": {path: content}, "syntax": "glob"}
lays the payload out as the kubelet does and prints {"dag_files": [...]} or
{"error": "..."} (relative paths).
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

IGNORE_FILE = ".airflowignore"


# ---------------------------------------------------------------------------------------------
# The kubelet's atomic writer (pkg/volume/util/atomic_writer.go)


def write_configmap_volume(target: Path, payload: Mapping[str, str], timestamp: str = "2026_01_01_00_00_00.000000001") -> None:
    """Lay ``payload`` (item path -> content) out in ``target`` as a ConfigMap volume.

    The files go into a hidden ``..<timestamp>`` directory, ``..data`` links to it,
    and each top-level entry of the payload is a symlink into ``..data``.
    """
    data_dir = target / f"..{timestamp}"
    for rel, content in payload.items():
        path = data_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    (target / "..data").symlink_to(data_dir.name, target_is_directory=True)
    for top in sorted({rel.split("/", 1)[0] for rel in payload}):
        (target / top).symlink_to(f"..data/{top}")


# ---------------------------------------------------------------------------------------------
# gitignore wildmatch, the glob syntax of .airflowignore


def _segment_regex(segment: str) -> str:
    out, i = [], 0
    while i < len(segment):
        c = segment[i]
        if c == "\\" and i + 1 < len(segment):
            out.append(re.escape(segment[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = segment.find("]", i + 2)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = segment[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class GlobRule:
    regex: re.Pattern
    include: bool  # True: the path is ignored; False (a "!" rule): it is not
    relative_to: Path | None  # None: match the entry's name

    @staticmethod
    def compile(pattern: str, definition_file: Path) -> "GlobRule | None":
        pattern = pattern.rstrip()
        if not pattern or pattern.strip() == "/":
            return None
        anchored_to = definition_file.parent if pattern.startswith("/") or "/" in pattern.rstrip("/") else None
        include = True
        if pattern.startswith("!"):
            include, pattern = False, pattern[1:]
        elif pattern.startswith("\\"):
            pattern = pattern[1:]
        segments = pattern.split("/")
        if segments[0] == "":
            segments = segments[1:]
        elif len(segments) == 1 or (len(segments) == 2 and segments[1] == ""):
            if segments[0] != "**":
                segments.insert(0, "**")
        if segments[-1] == "" and len(segments) > 1:
            segments[-1] = "**"  # "dir/" matches a directory (tested with a trailing "/") and its contents
        parts, need_slash = ["^"], False
        for i, seg in enumerate(segments):
            last = i == len(segments) - 1
            if seg == "**":
                if i == 0:
                    parts.append("(?:.+/)?")
                    need_slash = False
                elif last:
                    parts.append("/.*")
                else:
                    parts.append("(?:/.+)?")
                    need_slash = True
                continue
            if need_slash:
                parts.append("/")
            parts.append(_segment_regex(seg))
            if last:
                parts.append("(?:/.*)?")
            need_slash = True
        parts.append("$")
        return GlobRule(re.compile("".join(parts)), include, anchored_to)

    @staticmethod
    def match(path: Path, rules: list) -> bool:
        matched = False
        for rule in rules:
            rel = path.relative_to(rule.relative_to).as_posix() if rule.relative_to else path.name
            if path.is_dir():
                rel += "/"
            if rule.regex.match(rel):
                matched = rule.include
        return matched


@dataclass(frozen=True)
class RegexpRule:
    regex: re.Pattern
    base_dir: Path

    @staticmethod
    def compile(pattern: str, base_dir: Path) -> "RegexpRule | None":
        try:
            return RegexpRule(re.compile(pattern), base_dir)
        except re.error:
            return None

    @staticmethod
    def match(path: Path, rules: list) -> bool:
        return any(rule.regex.search(str(path.relative_to(rule.base_dir))) for rule in rules)


# ---------------------------------------------------------------------------------------------
# The walk


def find_paths(base: str | os.PathLike, syntax: str = "glob") -> Iterator[str]:
    """Every file of the DAG folder that no ignore rule excludes (a generator, like Airflow's)."""
    if syntax not in ("glob", "regexp"):
        raise ValueError(f"Unsupported ignore_file_syntax: {syntax}")
    rule_type = GlobRule if syntax == "glob" else RegexpRule
    base_path = Path(base)
    rules_by_dir: dict[Path, list] = {}
    for root, dirs, files in os.walk(base, followlinks=True):
        rules = list(rules_by_dir.get(Path(root).resolve(), []))
        ignore_file = Path(root) / IGNORE_FILE
        if ignore_file.is_file():
            for line in ignore_file.read_text().split("\n"):
                line = re.sub(r"\s*#.*", "", line)
                if not line:
                    continue
                rule = GlobRule.compile(line, ignore_file) if syntax == "glob" else RegexpRule.compile(line, base_path)
                if rule is not None and rule not in rules:
                    rules.append(rule)
        dirs[:] = [d for d in dirs if not rule_type.match(Path(root) / d, rules)]
        for d in dirs:
            resolved = (Path(root) / d).resolve()
            if resolved in rules_by_dir:
                raise RuntimeError(f"Detected recursive loop when walking DAG directory {base}: {resolved} has appeared more than once.")
            rules_by_dir[resolved] = list(rules)
        for name in files:
            if name != IGNORE_FILE and not rule_type.match(Path(root) / name, rules):
                yield str(Path(root) / name)


def might_contain_dag(path: Path) -> bool:
    content = path.read_bytes().lower()
    return b"airflow" in content and (b"dag" in content or b"asset" in content)


def list_py_file_paths(base: str | os.PathLike, syntax: str = "glob", safe_mode: bool = True) -> list[str]:
    found = []
    for name in find_paths(base, syntax):
        path = Path(name)
        if path.is_file() and path.suffix == ".py" and (not safe_mode or might_contain_dag(path)):
            found.append(name)
    return found


def discover_in_configmap(payload: Mapping[str, str], syntax: str = "glob") -> dict:
    """DAG files found in a ConfigMap volume holding ``payload``, relative to the DAG folder."""
    with tempfile.TemporaryDirectory() as tmp:
        dags = Path(tmp) / "dags"
        dags.mkdir()
        write_configmap_volume(dags, payload)
        try:
            return {"dag_files": sorted(os.path.relpath(p, dags) for p in list_py_file_paths(dags, syntax))}
        except RuntimeError as error:
            return {"error": str(error).replace(str(dags), "<dags>")}


if __name__ == "__main__":
    request = json.load(sys.stdin)
    json.dump(discover_in_configmap(request["payload"], request.get("syntax", "glob")), sys.stdout)
