"""mutmut's results in a stable form (reports/mutmut.txt, committed; npm run mutation writes it).

Per module the counts, then each mutant not killed by its function and its change. mutmut numbers a
function's mutants in order, so an edit renumbers them; "<module> <function>: <before> => <after>"
stays put while the line itself is unchanged, which is what reports/mutation-equivalent-py.json keys
its judgements by.

    <mutmut venv>/bin/python scripts/mutmut_summary.py > reports/mutmut.txt   (in the checkout, after mutmut run)
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", None: "not run"}
TIMEOUTS = {36, 24, -24, 152, 255}
COLUMNS = ("killed", "timeout", "survived", "no tests", "not run")
LISTED = ("survived", "no tests", "timeout")


def status(exit_code) -> str:
    return "timeout" if exit_code in TIMEOUTS else STATUS.get(exit_code, "not run")


def change(diff: str) -> str:
    """'<removed> => <added>' from a unified diff of one mutant, each side's lines stripped and joined."""
    lines = [line for line in diff.splitlines() if not line.startswith(("---", "+++", "@@"))]
    removed = " / ".join(line[1:].strip() for line in lines if line.startswith("-"))
    added = " / ".join(line[1:].strip() for line in lines if line.startswith("+"))
    return f"{removed} => {added}"


def function_of(name: str) -> str:
    """'pipelines.tables.xǁDeclarationǁtable__mutmut_3' -> 'Declaration.table'."""
    tail = re.sub(r"__mutmut_\d+$", "", name.rsplit(".x", 1)[1])
    return tail[1:].replace("ǁ", ".")  # mutmut's prefix: "x_" for a function, "xǁClassǁ" for a method


def score(counts: Counter, judged: int = 0) -> str:
    """Killed or timed out over the mutants that ran or had no test, judged survivors taken out."""
    valid = sum(counts[c] for c in COLUMNS if c != "not run") - judged
    return "n/a" if valid <= 0 else f"{100 * (counts['killed'] + counts['timeout']) / valid:.1f} %"


def summary(results: dict[str, dict[str, int | None]], diff_of, judged: dict[str, str]) -> list[str]:
    """results: module -> mutant name -> exit code; diff_of(name) -> the mutant's unified diff; judged: key -> reason."""
    out, listed, scores = [], [], []
    total, total_judged = Counter(), 0
    for module in sorted(results):
        counts = Counter(status(code) for code in results[module].values())
        out.append(f"module {module} " + " ".join(f"{c.replace(' ', '-')}={counts[c]}" for c in COLUMNS))
        keys = Counter()
        n_judged = 0
        for name, code in results[module].items():
            s = status(code)
            if s not in LISTED:
                continue
            key = f"{module} {function_of(name)}: {change(diff_of(name))}"
            keys[key] += 1
            # The same change twice in one function (a repeated line): number the repeats.
            key += f" #{keys[key]}" if keys[key] > 1 else ""
            listed.append(f"{s} {key}")
            n_judged += s != "timeout" and key in judged
        scores.append(f"# {module}: {score(counts)}; {score(counts, n_judged)} with {n_judged} judged out")
        total += counts
        total_judged += n_judged
    scores.append(
        f"# all: {score(total)}; {score(total, total_judged)} with {total_judged} judged out "
        f"(reports/mutation-equivalent-py.json); {total['not run']} of {sum(total.values())} not run"
    )
    return scores + out + sorted(listed)


def main() -> int:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    results: dict[str, dict[str, int | None]] = {}
    for meta in sorted(Path("mutants").rglob("*.py.meta")):
        source = meta.relative_to("mutants").with_suffix("")
        module = ".".join(source.with_suffix("").parts)
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        results[module] = dict(codes)
    if not results:
        print("no mutmut results under mutants/: run mutmut first", file=sys.stderr)
        return 1
    paths = {name: Path(*module.split(".")).with_suffix(".py") for module, codes in results.items() for name in codes}
    judged = json.loads(Path("reports/mutation-equivalent-py.json").read_text(encoding="utf-8"))
    lines = summary(results, lambda name: get_diff_for_mutant(name, path=paths[name]), judged)
    print("# mutmut's results (scripts/mutmut_summary.py): per module the counts, then each mutant not killed.")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
