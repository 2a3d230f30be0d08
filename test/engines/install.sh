#!/usr/bin/env bash
# Installs the engines tier (test/engines): a Python venv with pyspark and moto's server, the Spark
# jobs' Maven packages (resolved by Spark's own Ivy, as spark-submit does at submission) and a Trino
# server. Everything goes to one cache, ${BDOK_CACHE_DIR:-$HOME/.cache/bdok}, that later runs and CI
# reuse; a second run with a warm cache only checks stamps (a few seconds). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${BDOK_CACHE_DIR:-$HOME/.cache/bdok}"
mkdir -p "$CACHE"
log() { echo "engines install: $*"; }
# Versions come from versions.ts (the one source of truth): printed by a small TS script.
eval "$(npx --no-install ts-node --transpile-only test/engines/print-versions.ts)"

# --- Java: Spark runs on 17 (the image's); Trino needs 24+ (its launcher checks). ---
JAVA25="${BDOK_JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
command -v java >/dev/null || { apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless; }
command -v unzip >/dev/null || { apt-get update -qq && apt-get install -y -qq unzip; }
[ -x "$JAVA25/bin/java" ] || log "WARNING: no Java 25 at $JAVA25 (set BDOK_JAVA25_HOME): Trino cannot start"

# --- Spark venv: pyspark, moto[server], boto3 (requirements-spark.txt). ---
VENV="$CACHE/venv-spark"
REQ=test/engines/requirements-spark.txt
stamp="$VENV/.bdok-$(sha256sum "$REQ" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    log "Python venv $VENV"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || { apt-get update -qq && apt-get install -y -qq python3-venv && python3 -m venv "$VENV"; }
    "$VENV/bin/pip" install -q --disable-pip-version-check --cache-dir "$CACHE/pip" -r "$REQ"
    rm -f "$VENV"/.bdok-* && touch "$stamp"
fi

# --- Spark packages: resolved once by spark-submit itself into the cache's Ivy folder. ---
IVY="$CACHE/maven/ivy"
key=$(echo "$SPARK_PACKAGES" | sha256sum | cut -c1-16)
if [ ! -f "$IVY/.bdok-$key" ]; then
    log "Spark packages $SPARK_PACKAGES into $IVY"
    mkdir -p "$IVY"
    probe=$(mktemp --suffix .py)
    echo 'from pyspark.sql import SparkSession; SparkSession.builder.getOrCreate().stop()' >"$probe"
    PATH="$VENV/bin:$PATH" "$VENV/bin/spark-submit" --master 'local[1]' --conf spark.jars.ivy="$IVY" \
        --packages "$SPARK_PACKAGES" "$probe" >"$CACHE/maven/resolve.log" 2>&1 \
        || { cat "$CACHE/maven/resolve.log"; rm -f "$probe"; exit 1; }
    rm -f "$probe" "$IVY"/.bdok-* && touch "$IVY/.bdok-$key"
fi

# --- Trino: the server tarball (trino-server-core, no plugins) and the Iceberg plugin, from Maven
# Central, unpacked as the full tarball lays them out (plugin/iceberg). ---
TRINO_HOME="$CACHE/trino/$TRINO_SERVER"
if [ ! -f "$TRINO_HOME/.bdok-installed" ]; then
    log "Trino $TRINO_SERVER into $TRINO_HOME"
    dl="$CACHE/trino/downloads"
    mkdir -p "$dl"
    base=https://repo1.maven.org/maven2/io/trino
    for f in "trino-server-core/$TRINO_SERVER/trino-server-core-$TRINO_SERVER.tar.gz" "trino-iceberg/$TRINO_SERVER/trino-iceberg-$TRINO_SERVER.zip"; do
        name=$(basename "$f")
        if [ ! -f "$dl/$name" ]; then
            curl -sfSL -o "$dl/$name.sha1" "$base/$f.sha1"
            curl -sfSL -o "$dl/$name.part" "$base/$f"
            echo "$(cut -c1-40 "$dl/$name.sha1")  $dl/$name.part" | sha1sum -c --quiet
            mv "$dl/$name.part" "$dl/$name"
        fi
    done
    rm -rf "$TRINO_HOME" && mkdir -p "$TRINO_HOME/plugin"
    tar -xzf "$dl/trino-server-core-$TRINO_SERVER.tar.gz" -C "$TRINO_HOME" --strip-components=1
    unzip -q "$dl/trino-iceberg-$TRINO_SERVER.zip" -d "$TRINO_HOME/plugin"
    mv "$TRINO_HOME/plugin/trino-iceberg-$TRINO_SERVER" "$TRINO_HOME/plugin/iceberg"
    touch "$TRINO_HOME/.bdok-installed"
fi
log "ready in $CACHE"

# ===== h/streams: Kafka and Airflow (below this line) =====
bash test/engines/install-streams.sh
# ===== end h/streams =====
