// Shell assignments of what test/engines/install.sh installs, from versions.ts (the one source).
import { apps, sparkPackages, testEngines } from "../../versions";
import { ICEBERG_PACKAGES } from "../../pipelines/lake";

const out: Record<string, string> = {
    SPARK_VERSION: apps.spark,
    // What the batch SparkApplications list (sparkApplicationSpec adds hadoop-aws to every job).
    SPARK_PACKAGES: [sparkPackages.hadoopAws, ...ICEBERG_PACKAGES].join(","),
    TRINO_SERVER: testEngines.trinoServer,
};
for (const [k, v] of Object.entries(out)) console.log(`${k}='${v}'`);
