#!/usr/bin/env bash
# npm run mutation: Stryker (mocha runner) over the pure TypeScript modules of stryker.config.json,
# mutmut over the pipelines' pure Python ([tool.mutmut] in pyproject.toml), then the score per
# module into docs/mutation.md (tools/mutation-report.ts). Slow: an hour and more on two shared cores.
# Stryker runs incrementally (stryker.config.json): node_modules/.cache/bdok/stryker-incremental.json
# (not committed: it churns by megabytes) holds the last results, so a rerun tests only mutants whose
# code or covering tests changed (`npx stryker run --force` rebuilds it). Its JSON report goes beside
# it; git keeps docs/mutation.md and reports/mutation-equivalent.json (the judged survivors).
# One worker each (concurrency 1, --max-children 1); MUTATE="policy/kafka.ts,lib/*.ts" runs one group.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=node_modules/.cache/bdok
mkdir -p reports "$cache"

# Stryker runs the tests in a sandbox below node_modules/.cache: give them the pinned upstream files
# by absolute path (tools/schemas.ts and tools/helm.ts find them relative to the checkout otherwise).
BDOK_SCHEMAS_DIR=$(npx ts-node --transpile-only -e 'console.log(require("./tools/schemas").schemasDir())')
BDOK_CHARTS_DIR=$(npx ts-node --transpile-only -e 'console.log(require("./tools/helm").chartsDir())')
export BDOK_SCHEMAS_DIR BDOK_CHARTS_DIR
start=$(date +%s)
nice -n 19 npx stryker run ${MUTATE:+--mutate "$MUTATE"}
stryker_min=$(( ($(date +%s) - start) / 60 ))
stryker_load=$(cut -d' ' -f2 /proc/loadavg)

# mutmut from PyPI, pinned in requirements-mutation.txt, in a venv that sees the system's pytest.
venv="$cache/mutation-venv"
[ -x "$venv/bin/mutmut" ] || { python3 -m venv --system-site-packages "$venv" && "$venv/bin/pip" install -q -r requirements-mutation.txt; }
# mutmut resumes: mutants/ (ignored) keeps each verdict and reruns only mutants whose function changed.
nice -n 19 "$venv/bin/mutmut" run --max-children 1 >/dev/null 2>&1 || true # exits non-zero when mutants survive
# The stable form: counts, then each mutant not killed.
"$venv/bin/python" scripts/mutmut_summary.py >"$cache/mutmut.txt" && mv "$cache/mutmut.txt" reports/mutmut.txt

BDOK_MUTATION_NOTE="Last Stryker run: \`npm run mutation\`${MUTATE:+ with MUTATE=\"$MUTATE\"}, $stryker_min min at load $stryker_load (5-min average at its end) on $(nproc) cores." \
    npx ts-node --transpile-only tools/mutation-report.ts "$cache/stryker.json" reports/mutmut.txt docs/mutation.md
