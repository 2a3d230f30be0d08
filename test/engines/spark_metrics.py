"""A local Spark driver with the Prometheus endpoints the platform scrapes, for
test/engines/metrics.test.ts: runs a small job, then keeps its UI up until the
test writes the stop file (or five minutes pass)."""

import os
import sys
import time

from pyspark.sql import SparkSession

port, stop_file = sys.argv[1], sys.argv[2]
spark = (
    SparkSession.builder.master("local[2]")
    .appName("bdok-metrics-probe")
    .config("spark.ui.port", port)
    .config("spark.ui.prometheus.enabled", "true")
    .config(
        "spark.metrics.conf.*.sink.prometheusServlet.class",
        "org.apache.spark.metrics.sink.PrometheusServlet",
    )
    .config("spark.metrics.conf.*.sink.prometheusServlet.path", "/metrics/prometheus")
    .getOrCreate()
)
spark.range(100000).selectExpr("sum(id)").collect()
print("READY", flush=True)
start = time.time()
while time.time() - start < 300 and not os.path.exists(stop_file):
    time.sleep(0.5)
spark.stop()
