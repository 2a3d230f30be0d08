#!/usr/bin/env bash
# Pulls the chart versions pinned in versions.ts (from their official repositories, or
# $BDOK_CHART_REPO) into the project cache (default .charts), keeping only tarballs whose sha256 is
# the one in charts.lock.json. npm run plan and npm test do this by themselves. Needs npm ci first.
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx ts-node --transpile-only tools/fetch-charts.ts "$@"
