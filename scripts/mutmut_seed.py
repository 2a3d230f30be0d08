"""Seed mutmut's verdicts in a fresh mutants/ from the committed reports/mutmut.txt, when mutants/ was lost.

Valid only while the modules' code is unchanged since that listing (tests only added): a mutant the
listing does not name was killed, and stays killed when tests are added. Survivors (and every mutant
of the modules named in RERUN, e.g. those with mutants not run) are left without a verdict, so the next
`mutmut run` checks them again; timeouts stay timeouts.

    <mutmut venv>/bin/mutmut run "zz_no_such_mutant"   # generates mutants/ and the stats, runs nothing
    <mutmut venv>/bin/python scripts/mutmut_seed.py pipelines.tables ...   # modules to rerun whole
    <mutmut venv>/bin/mutmut run --max-children 1
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut_summary import change, function_of


def main(rerun: set[str]) -> int:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    listed = {}
    for line in Path("reports/mutmut.txt").read_text(encoding="utf-8").splitlines():
        for status in ("survived", "timeout", "no tests"):
            if line.startswith(status + " "):
                listed[line[len(status) + 1 :]] = status
    counts = Counter()
    for meta in sorted(Path("mutants").rglob("*.py.meta")):
        source = meta.relative_to("mutants").with_suffix("")
        module = ".".join(source.with_suffix("").parts)
        data = json.loads(meta.read_text(encoding="utf-8"))
        keys = Counter()
        for name in data["exit_code_by_key"]:
            key = f"{module} {function_of(name)}: {change(get_diff_for_mutant(name, path=source))}"
            keys[key] += 1
            key += f" #{keys[key]}" if keys[key] > 1 else ""
            status = listed.pop(key, None)
            code = None if module in rerun or status == "survived" else {"timeout": 36, "no tests": 33}.get(status, 1)
            data["exit_code_by_key"][name] = code
            counts[(module, code)] += 1
        meta.write_text(json.dumps(data, indent=4), encoding="utf-8")
    for (module, code), n in sorted(counts.items(), key=str):
        print(module, {None: "to run", 1: "killed", 36: "timeout", 33: "no tests"}[code], n)
    unmatched = [k for k in listed if not any(k.startswith(m + " ") for m in rerun)]
    if unmatched:
        print("listed but not found (code changed since the listing?):", *unmatched, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(set(sys.argv[1:])))
