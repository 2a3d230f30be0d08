"""Reports the driver's classpath jars and which of them carry the AWS SDK v2 (SdkClient.class).

Run by spark-submit with a SparkApplication's deps (test/engines/spark.ts); writes one JSON report
to the file named by its argument (a file, since the driver's log lines interleave with stdout).
"""

import json
import sys
import zipfile
from urllib.parse import urlparse

from pyspark.sql import SparkSession

SDK_CLASS = "software/amazon/awssdk/core/SdkClient.class"

spark = SparkSession.builder.getOrCreate()
jvm = spark.sparkContext._jvm
# The jars spark.jars.packages put on the driver (what --packages resolved, after --exclude-packages).
jars = [j for j in spark.conf.get("spark.jars", "").split(",") if j]
with_sdk = []
for jar in jars:
    with zipfile.ZipFile(urlparse(jar).path) as z:
        if SDK_CLASS in z.namelist():
            with_sdk.append(jar)
loader = jvm.java.lang.Thread.currentThread().getContextClassLoader()
served_by = str(
    jvm.java.lang.Class.forName("software.amazon.awssdk.core.SdkClient", False, loader).getProtectionDomain().getCodeSource().getLocation()
)
with open(sys.argv[1], "w") as out:
    json.dump({"jars": jars, "with_sdk": with_sdk, "served_by": served_by}, out)
spark.stop()
