#!/usr/bin/env bash
# Installs the engines tier's engines into ${BDOK_CACHE_DIR:-~/.cache/bdok}; idempotent, fast when warm.
set -euo pipefail
cd "$(dirname "$0")/../.."

# ---- h/streams: Kafka, Airflow (test/engines/install-streams.sh) ----
bash test/engines/install-streams.sh
# ---- end h/streams ----
