#!/usr/bin/env bash
# Peak RSS of one spark-submit as the Spark operator's controller runs it (k8s cluster mode,
# --packages resolved by Ivy), for the controller's memory sizing (platform/spark-operator/values.ts).
# Needs Java 17 and PySpark at versions.ts's Spark version (pip install pyspark==4.0.1); no cluster:
# the API server address is unreachable, so the JVM resolves the packages, builds the driver pod
# and fails when it creates it: the part of the submission the controller pays for.
# Usage: tools/measure-spark-submit.sh [IVY_DIR]   (an empty IVY_DIR measures a cold cache)
set -eu
ivy=${1:-$(mktemp -d)}
home=${SPARK_HOME:-$(python3 -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')}
pkgs=$(cd "$(dirname "$0")/.." && npx ts-node --transpile-only -e 'import { sparkPackages as p } from "./versions"; console.log([p.hadoopAws, p.icebergRuntime].join(","))')
out=$(mktemp)
# The controller's SPARK_SUBMIT_OPTS (cluster mode gets no -Xmx from the launcher).
SPARK_SUBMIT_OPTS=${SPARK_SUBMIT_OPTS:--Xmx256m} /usr/bin/time -v "$home/bin/spark-submit" \
    --master k8s://https://127.0.0.1:1 --deploy-mode cluster --name probe --packages "$pkgs" \
    --conf "spark.jars.ivy=$ivy" --conf spark.kubernetes.container.image=apache/spark \
    --conf spark.kubernetes.submission.waitAppCompletion=false local:///opt/probe.py >"$out" 2>&1 || true
grep -q "KubernetesClient\|io.fabric8" "$out" || { cat "$out"; echo "spark-submit did not get to the API server" >&2; exit 1; }
grep "Maximum resident set size\|Elapsed" "$out"
