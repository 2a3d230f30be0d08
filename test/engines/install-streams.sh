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

# The streaming job's Kafka source (versions.ts sparkPackages.kafka), resolved by Spark's own Ivy
# into the cache's Ivy folder as the batch packages are (install.sh). Its dependency
# spark-token-provider-kafka-0-10_2.13 at the Spark version is missing from the Maven Central this
# machine reaches (404 for 4.0.1; 4.0.0 is there): it is excluded from the resolution and its 4.0.0
# jar passed with --jars by test/engines/realtime.test.ts. On the cluster the operator's Ivy gets 4.0.1.
venv_spark="$cache/venv-spark"
ivy="$cache/maven/ivy"
spark_kafka="$(npx --no-install ts-node --transpile-only -e 'console.log(require("./versions").sparkPackages.kafka)')"
token_provider="org.apache.spark:spark-token-provider-kafka-0-10_2.13"
token_jar="$cache/maven/spark-token-provider-kafka-0-10_2.13-4.0.0.jar"
if [ ! -f "$token_jar" ]; then
  url="https://repo1.maven.org/maven2/org/apache/spark/spark-token-provider-kafka-0-10_2.13/4.0.0/spark-token-provider-kafka-0-10_2.13-4.0.0.jar"
  curl -sfSL -o "$token_jar.sha1" "$url.sha1"
  curl -sfSL -o "$token_jar.part" "$url"
  echo "$(cut -c1-40 "$token_jar.sha1")  $token_jar.part" | sha1sum -c --quiet
  mv "$token_jar.part" "$token_jar"
fi
key=$(echo "$spark_kafka" | sha256sum | cut -c1-16)
if [ ! -f "$ivy/.bdok-streams-$key" ]; then
  mkdir -p "$ivy"
  probe=$(mktemp --suffix .py)
  echo 'from pyspark.sql import SparkSession; SparkSession.builder.getOrCreate().stop()' >"$probe"
  PATH="$venv_spark/bin:$PATH" "$venv_spark/bin/spark-submit" --master 'local[1]' --conf spark.jars.ivy="$ivy" \
    --packages "$spark_kafka" --exclude-packages "$token_provider" "$probe" >"$cache/maven/resolve-streams.log" 2>&1 \
    || { cat "$cache/maven/resolve-streams.log"; rm -f "$probe"; exit 1; }
  rm -f "$probe" "$ivy"/.bdok-streams-* && touch "$ivy/.bdok-streams-$key"
fi
echo "spark kafka source $spark_kafka: $ivy (+ $token_jar)"
