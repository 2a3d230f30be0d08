#!/usr/bin/env bash
# npm run mutation: Stryker (mocha runner) over the pure TypeScript modules of stryker.config.json,
# mutmut over the pipelines' pure Python ([tool.mutmut] in pyproject.toml), then the score per
# module into docs/mutation.md (tools/mutation-report.ts). Slow: an hour and more on two shared cores.
# Stryker runs incrementally (stryker.config.json): node_modules/.cache/bdok/stryker-incremental.json
# (not committed: it churns by megabytes) holds the last results, so a rerun tests only mutants whose
# code or covering tests changed (`npx stryker run --force` rebuilds it). Its JSON report goes beside
# it; git keeps docs/mutation.md and reports/mutation-equivalent.json (the judged survivors).
# One worker each (concurrency 1, --max-children 1); MUTATE="policy/kafka.ts,lib/*.ts" runs one group,
# whose files' results replace theirs in reports/stryker-summary.json (the others keep their last run).
# ONLY=ts or ONLY=py runs one tool; the report still shows both. SPECS="a.test.ts,b.test.ts" narrows the specs.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=node_modules/.cache/bdok
mkdir -p reports "$cache"

# Stryker runs the tests in a sandbox below node_modules/.cache: give them the pinned upstream files
# by absolute path (tools/schemas.ts and tools/helm.ts find them relative to the checkout otherwise).
BDOK_SCHEMAS_DIR=$(npx ts-node --transpile-only -e 'console.log(require("./tools/schemas").schemasDir())')
BDOK_CHARTS_DIR=$(npx ts-node --transpile-only -e 'console.log(require("./tools/helm").chartsDir())')
export BDOK_SCHEMAS_DIR BDOK_CHARTS_DIR
report=-
if [ "${ONLY:-ts}" = ts ]; then
    start=$(date +%s)
    rm -f "$cache/stryker.json"
    config=stryker.config.json
    if [ -n "${SPECS:-}" ]; then
        # A group's covering specs only (the dry run of every spec takes 10 min and more): a spec left
        # out turns its kills into survivors, never the reverse, so a narrow list can only lower a score.
        config="$cache/stryker.specs.json"
        SPECS="$SPECS" node -e 'const c=require("./stryker.config.json");c.mochaOptions.spec=process.env.SPECS.split(",");console.log(JSON.stringify(c))' >"$config"
    fi
    nice -n 19 npx stryker run "$config" ${MUTATE:+--mutate "$MUTATE"}
    report="$cache/stryker.json"
    export BDOK_MUTATION_NOTE="\`npm run mutation\`${MUTATE:+ with MUTATE=\"$MUTATE\"}${SPECS:+ and SPECS=\"$SPECS\"}, $(( ($(date +%s) - start) / 60 )) min at load $(cut -d' ' -f2 /proc/loadavg) (5-min average at its end) on $(nproc) cores"
fi

if [ "${ONLY:-py}" = py ]; then
    # mutmut from PyPI, pinned in requirements-mutation.txt, in a venv that sees the system's pytest.
    venv="$cache/mutation-venv"
    [ -x "$venv/bin/mutmut" ] || { python3 -m venv --system-site-packages "$venv" && "$venv/bin/pip" install -q -r requirements-mutation.txt; }
    # mutmut resumes: mutants/ (ignored) keeps each verdict and reruns only mutants whose function changed.
    nice -n 19 "$venv/bin/mutmut" run --max-children 1 >/dev/null 2>&1 || true # exits non-zero when mutants survive
    # The stable form: counts, then each mutant not killed.
    "$venv/bin/python" scripts/mutmut_summary.py >"$cache/mutmut.txt" && mv "$cache/mutmut.txt" reports/mutmut.txt
fi

# Only the files this run mutated replace theirs (the report also holds the incremental file's older results).
BDOK_MUTATE="${MUTATE:-}" npx ts-node --transpile-only tools/mutation-report.ts "$report" reports/mutmut.txt docs/mutation.md
