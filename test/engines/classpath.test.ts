// Issue 18 item 9: exactly one AWS SDK v2 on a Spark job's classpath. hadoop-aws 3.4.1 depends on
// software.amazon.awssdk:bundle 2.24.6 (its pom); iceberg-aws-bundle 1.10.1 is a shaded jar that
// carries the SDK 2.33.0 unrelocated. With both, whichever jar comes first serves every SDK class
// to the other's code. Checked on a real spark-submit with each batch SparkApplication's deps from
// the plan: the jars --packages put on the driver, opened, and the jar SdkClient is loaded from.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { requireEngines } from "./env";
import { enginePlan, SparkApp } from "./plan";
import { sparkSubmit, submission } from "./spark";
import { localLake } from "./lake";

describe("Engines: one AWS SDK v2 on the Spark classpath (issue 18 item 9)", function () {
    this.timeout(10 * 60_000);
    let work: string;

    before(function () {
        requireEngines(this);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-engines-classpath-"));
    });

    after(() => {
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("every batch SparkApplication's packages put exactly one jar with software/amazon/awssdk/core/SdkClient.class on the driver", async () => {
        const plan = await enginePlan();
        const seen = new Map<string, string>();
        for (const [name, app] of Object.entries(plan.batchApps)) {
            const deps = JSON.stringify(app.spec.deps);
            if (seen.has(deps)) continue; // same packages, same classpath
            seen.set(deps, name);
            const reportFile = path.join(work, `${name}.json`);
            // No lake here (the endpoint refuses): the event log, which needs the bucket, is off; the packages are the app's.
            const sparkConf = { ...app.spec.sparkConf, "spark.eventLog.enabled": "false" };
            const probe: SparkApp = {
                ...app,
                spec: { ...app.spec, sparkConf, mainApplicationFile: path.join(__dirname, "classpath.py"), arguments: [reportFile] },
            };
            const lake = localLake(plan, "http://127.0.0.1:9", work);
            const run = await sparkSubmit(submission(probe, lake), path.join(work, `${name}.log`));
            assert.ok(run.code === 0 && fs.existsSync(reportFile), `classpath probe of ${name} failed:\n${run.output.slice(-3000)}`);
            const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as { jars: string[]; with_sdk: string[]; served_by: string };
            const names = (jars: string[]) => jars.map((j) => path.basename(j));
            assert.equal(
                report.with_sdk.length,
                1,
                `${name}: jars carrying the AWS SDK v2: ${names(report.with_sdk).join(", ")} (all: ${names(report.jars).join(", ")})`,
            );
            assert.equal(path.basename(report.served_by), path.basename(report.with_sdk[0]), `${name}: SdkClient is loaded from the one SDK jar`);
        }
        assert.ok(seen.size >= 1);
    });
});
