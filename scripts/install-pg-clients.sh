#!/usr/bin/env bash
# The PostgreSQL clients of test/rds-tls.test.ts, into ${BDOK_CACHE_DIR:-~/.cache/bdok}: a venv with
# the Python drivers the images ship (test/requirements-pg-clients.txt) and pgjdbc at the version
# Connect's image gets (versions.ts connectPlugins.postgresDriver), from Maven Central, its sha1
# checked. Idempotent: each step is skipped when its result is there (a stamp of the requirements).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${BDOK_CACHE_DIR:-$HOME/.cache/bdok}"
mkdir -p "$cache"
log() { echo "pg clients: $*"; }

req=test/requirements-pg-clients.txt
# Superset's image installs psycopg2-binary at versions.ts supersetDrivers: the test's copy must match.
superset_psycopg="$(sed -n 's/^ *"psycopg2-binary": "\([^"]*\)",.*/\1/p' versions.ts | head -1)"
grep -qx "psycopg2-binary==$superset_psycopg" "$req" || { echo "$req does not pin psycopg2-binary==$superset_psycopg (versions.ts supersetDrivers)" >&2; exit 1; }
venv="$cache/venv-pg-clients"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "Python venv $venv"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  python3 -m venv "$venv" || { $sudo apt-get update -qq && $sudo apt-get install -y -qq python3-venv && python3 -m venv "$venv"; }
  "$venv/bin/pip" install -q --disable-pip-version-check --cache-dir "$cache/pip" -r "$req"
  echo "$want" >"$stamp"
fi

# pgjdbc: the JDBC source's driver (versions.ts connectPlugins.postgresDriver).
line="$(grep -E '^ *postgresDriver: \{' versions.ts | head -1)"
group="$(sed -n 's/.*group: "\([^"]*\)".*/\1/p' <<<"$line")"
artifact="$(sed -n 's/.*artifact: "\([^"]*\)".*/\1/p' <<<"$line")"
version="$(sed -n 's/.*version: "\([^"]*\)".*/\1/p' <<<"$line")"
[ -n "$group" ] && [ -n "$artifact" ] && [ -n "$version" ] || { echo "cannot read connectPlugins.postgresDriver from versions.ts" >&2; exit 1; }
dir="$cache/maven/m2/${group//.//}/$artifact/$version"
jar="$dir/$artifact-$version.jar"
if [ ! -f "$jar" ]; then
  log "$group:$artifact:$version into $dir"
  mkdir -p "$dir"
  url="https://repo1.maven.org/maven2/${group//.//}/$artifact/$version/$artifact-$version.jar"
  curl -sfSL --max-time 120 -o "$jar.sha1" "$url.sha1"
  curl -sfSL --max-time 300 -o "$jar.part" "$url"
  echo "$(cut -c1-40 "$jar.sha1")  $jar.part" | sha1sum -c --quiet
  mv "$jar.part" "$jar"
fi
log "ready: $venv, $jar"
