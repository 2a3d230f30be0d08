# A small job the engines tier submits with a plan SparkApplication's sparkConf: a shuffle, so the
# driver's metrics and the event log have stages and tasks; then it waits for the test to scrape
# the driver's Prometheus endpoints (argv[2] appears) before it stops.
import os
import sys
import time

from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
counts = spark.range(0, 200000).selectExpr("id % 10 AS k").groupBy("k").count().collect()
assert len(counts) == 10, counts
with open(sys.argv[1], "w") as f:
    f.write("done\n")
deadline = time.time() + 600
while not os.path.exists(sys.argv[2]) and time.time() < deadline:
    time.sleep(0.5)
spark.stop()
