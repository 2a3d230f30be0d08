#!/usr/bin/env bash
# npm test: the type check and the lint gates run beside the test suites, since the suites leave
# one of a small machine's cores mostly idle; all must pass. The gates' caches (tsc, eslint,
# prettier) live in node_modules/.cache/bdok, so a second run re-checks only what changed.
set -u
cd "$(dirname "$0")/.."
cache=node_modules/.cache/bdok
mkdir -p "$cache"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

(npx tsc --noEmit -p . --incremental --tsBuildInfoFile "$cache/tsc.tsbuildinfo" && npm run -s lint) >"$log" 2>&1 &
gates=$!
npx mocha
tests=$?
# The engines tier (test/engines: real Spark, moto, Trino...), after the other suites so that
# their time stays apart; it skips with one line when not installed (fails under CI=true).
npx mocha --config test/engines/mocharc.json
engines=$?
[ "$tests" -eq 0 ] && tests=$engines
wait "$gates"
checked=$?
if [ "$checked" -ne 0 ]; then
    cat "$log"
    echo "the type check or a lint gate failed (npx tsc --noEmit -p . ; npm run lint ; npm run format fixes formatting)"
fi
[ "$tests" -eq 0 ] && [ "$checked" -eq 0 ]
