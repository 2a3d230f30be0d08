// Shell assignments of what test/engines/install.sh installs, from versions.ts (the one source).
import { apps, sparkPackages, testEngines } from "../../versions";

const out: Record<string, string> = {
    SPARK_VERSION: apps.spark,
    SPARK_PACKAGES: Object.values(sparkPackages).join(","),
    TRINO_SERVER: testEngines.trinoServer,
};
for (const [k, v] of Object.entries(out)) console.log(`${k}='${v}'`);
