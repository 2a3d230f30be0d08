#!/usr/bin/env bash
# Pulls the chart versions pinned in versions.ts from their official repositories into a cache
# (default .charts); then set BDOK_CHARTS_DIR if you chose another folder. Needs npm ci first.
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx ts-node --transpile-only tools/fetch-charts.ts "$@"
