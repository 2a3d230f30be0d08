#!/usr/bin/env bash
# The Kafka and Airflow engines of the engines tier (test/engines/kafka*, airflow*, realtime*),
# into ${BDOK_CACHE_DIR:-~/.cache/bdok}. Idempotent: each step is skipped when its result is there.
# Versions come from versions.ts (Kafka, Airflow) and requirements-airflow.txt (providers).
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${BDOK_CACHE_DIR:-$HOME/.cache/bdok}"
mkdir -p "$cache"
version_of() { sed -n "s/^ *$1: \"\([^\"]*\)\",.*/\1/p" versions.ts | head -1; }

# Kafka: the broker (kafka_2.13), Connect's JsonConverter (connect-json) and a log4j2 binding, with
# their runtime dependencies, from Maven Central.
kafka="$(version_of kafka)"
kdir="$cache/kafka/$kafka"
if [ ! -f "$kdir/libs/kafka_2.13-$kafka.jar" ]; then
  mkdir -p "$kdir"
  cat >"$kdir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>bdok.engines</groupId><artifactId>kafka-broker</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$kafka</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-json</artifactId><version>$kafka</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
  </dependencies>
</project>
POM
  mvn -q -B -f "$kdir/pom.xml" -Dmaven.repo.local="$cache/maven" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$kdir/libs"
fi
echo "kafka $kafka: $kdir/libs"

# Airflow with the providers the apache/airflow image ships, and moto (local S3), in one venv.
airflow="$(version_of airflow)"
venv="$cache/venv-airflow"
req=test/engines/requirements-airflow.txt
grep -qx "apache-airflow==$airflow" "$req" || { echo "$req does not pin apache-airflow==$airflow (versions.ts)" >&2; exit 1; }
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --cache-dir "$cache/pip" -r "$req"
  echo "$want" >"$stamp"
fi
echo "airflow $airflow: $venv"
