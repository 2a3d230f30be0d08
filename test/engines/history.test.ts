// Spark's observability on real engines: a job submitted with a plan SparkApplication's sparkConf
// (pyspark 4.0.1, its packages from the Ivy cache) against moto's S3. While it runs, the driver's
// Prometheus endpoints (the contract with the monitoring stack's PodMonitor) are scraped and checked
// against both metric models (model/spark-metrics.json, model/metrics/exposed.json); when it
// ends, its event log is in the lake under the plan's spark-events/ prefix, and the real
// HistoryServer (org.apache.spark.deploy.history.HistoryServer, the pyspark install's), run with the
// plan's properties file and the jars its init container fetches, lists the application.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FAKE_AWS, IVY, SPARK_SUBMIT, Server, VENV, freePort, requireEngines, startServer, waitFor } from "./env";
import { enginePlan, EnginePlan, SparkApp } from "./plan";
import { freshLake } from "./shared";
import { downloadJob, lakeFolders, localLake, python, uploadJob } from "./lake";
import { LocalLake, failureSummary, sparkSubmit, submission } from "./spark";
import { inputsOf } from "../support";
import { ROOT } from "../../tools/harness";
import { FETCH_JARS_PY, CONF_FILE } from "../../platform/spark-history/specs";
import { SPARK_METRICS_PATHS } from "../../platform/spark-operator/specs";
import { sparkHistoryJars } from "../../versions";
import { exporterMetrics, loadExposure } from "../exposed-metrics";

const HERE = __dirname;
/** The names the monitoring stack's dashboards and alerts rely on (checked against the real run below). */
const EXPECTED = path.join(ROOT, "model", "spark-metrics.json");
/** Every name the real run exposed, written by this test (the full list, for the monitoring stack's checks). */
const OBSERVED = path.join(ROOT, "model", "spark-metrics.observed.json");

/** Metric names of a Prometheus text exposition (comments and labels stripped). */
export function metricNames(text: string): string[] {
    const names = text
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)?.[0])
        .filter((n): n is string => !!n);
    return [...new Set(names)].sort();
}

describe("Engines: Spark event logs, History Server and Prometheus endpoints", function () {
    this.timeout(20 * 60_000);
    let work: string;
    let moto: (Server & { endpoint: string }) | undefined;
    let history: Server | undefined;
    let plan: EnginePlan;
    let lake: LocalLake;
    let app: SparkApp;
    const scraped: Record<keyof typeof SPARK_METRICS_PATHS, string> = { driver: "", executors: "" };
    let failed = false;

    const s3Keys = async (prefix: string): Promise<string[]> => {
        const code = [
            "import sys, boto3",
            "ep, region, bucket, prefix = sys.argv[1:]",
            "s3 = boto3.client('s3', endpoint_url=ep, region_name=region)",
            "for page in s3.get_paginator('list_objects_v2').paginate(Bucket=bucket, Prefix=prefix):",
            "    [print(o['Key']) for o in page.get('Contents', [])]",
        ].join("\n");
        return (await python(["-c", code, moto!.endpoint, plan.region, plan.bucket, prefix])).split("\n").filter(Boolean);
    };

    before(async function () {
        requireEngines(this);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-engines-history-"));
        plan = await enginePlan();
        // The tier's moto (shared.ts), reset and the lake created again as the program creates it.
        const shared = await freshLake();
        moto = shared.moto;
        lake = localLake(plan, shared.moto.endpoint, work);
        // createLake lays the plan's folder objects out, spark-events/ among them.
        const folders = lakeFolders(plan);
        assert.ok(folders.includes("spark-events/"), `the plan's lake folders: ${folders.join(", ")}`);
        app = plan.batchApps["imdb-bronze"];
        assert.ok(app, "the plan's imdb-bronze SparkApplication");
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed") failed = true;
    });

    after(async function () {
        await history?.stop();
        if (work && !failed) fs.rmSync(work, { recursive: true, force: true });
        else if (work) console.log(`    (engines history logs: ${work})`);
    });

    it("a job with the plan's sparkConf serves both Prometheus endpoints while it runs, and ends cleanly", async () => {
        const key = "spark-jobs/engines/spark_metrics_job.py";
        const uri = `s3a://${plan.bucket}/${key}`;
        await uploadJob(moto!.endpoint, plan.region, uri, path.join(HERE, "spark_metrics_job.py"));
        const local = path.join(work, "driver", "spark_metrics_job.py");
        await downloadJob(moto!.endpoint, plan.region, uri, local);
        const [done, release] = [path.join(work, "job.done"), path.join(work, "job.release")];
        const port = await freePort();
        // The plan's conf as it is; only the UI (off in the tier's other runs) is on, on a free port.
        const s = submission({ ...app, spec: { ...app.spec, mainApplicationFile: local, arguments: [done, release] } }, lake, {
            "spark.ui.enabled": "true",
            "spark.ui.port": String(port),
        });
        const log = path.join(work, "metrics-job.log");
        const run = sparkSubmit(s, log);
        let ended = false;
        run.then(() => (ended = true)).catch(() => (ended = true));
        const url = (p: string) => `http://127.0.0.1:${port}${p}`;
        try {
            await waitFor("the job's first action", async () => ended || fs.existsSync(done), 600_000);
            if (ended) assert.fail(`the job ended before it was scraped:\n${failureSummary((await run).output)}`);
            for (const [which, p] of Object.entries(SPARK_METRICS_PATHS) as [keyof typeof SPARK_METRICS_PATHS, string][]) {
                const res = await fetch(url(p));
                assert.equal(res.status, 200, `${p}: HTTP ${res.status}`);
                scraped[which] = await res.text();
            }
        } finally {
            fs.writeFileSync(release, "");
        }
        const result = await run;
        assert.equal(result.code, 0, `spark-submit exit ${result.code}:\n${failureSummary(result.output)}`);
        const names = { driver: metricNames(scraped.driver), executors: metricNames(scraped.executors) };
        assert.ok(names.driver.length > 20, `driver: ${names.driver.length} metrics`);
        assert.ok(names.executors.length > 5, `executors: ${names.executors.length} metrics`);
        // The full list, for the monitoring stack's tests; the names carry no application id (spark.metrics.namespace).
        fs.writeFileSync(OBSERVED, JSON.stringify({ source: "test/engines/history.test.ts (generated from a real run)", ...names }, null, 2) + "\n");
        for (const n of [...names.driver, ...names.executors]) assert.ok(!/local_\d+/.test(n), `${n}: carries the application id`);
    });

    it("exposes every metric the dashboards and alerts rely on (model/spark-metrics.json)", () => {
        assert.ok(scraped.driver && scraped.executors, "the previous test scraped the driver");
        const expected = JSON.parse(fs.readFileSync(EXPECTED, "utf8")) as Record<"driver" | "executors", string[]>;
        assert.ok(expected.driver.length > 0 && expected.executors.length > 0, `${EXPECTED} names metrics of both endpoints`);
        for (const which of ["driver", "executors"] as const) {
            const have = new Set(metricNames(scraped[which]));
            const missing = expected[which].filter((n) => !have.has(n));
            assert.deepEqual(missing, [], `${which}: not exposed by the real driver`);
        }
    });

    it("its executors endpoint serves every metric model/metrics/exposed.json lists for the Spark driver (what the dashboards may read)", () => {
        // One driver for both models: this job runs with the plan's sparkConf, so no second driver
        // with a hand-written copy of the Prometheus settings is needed.
        assert.ok(scraped.executors, "the first test scraped the driver");
        const listed = exporterMetrics(loadExposure(), "spark-driver");
        assert.ok(listed.length >= 4, listed.join(", "));
        const served = new Set(metricNames(scraped.executors));
        assert.deepEqual(
            listed.filter((n) => !served.has(n)),
            [],
            `served at ${SPARK_METRICS_PATHS.executors}: ${[...served].join(", ")}`,
        );
    });

    it("the event log is in the lake under the plan's spark-events/ prefix", async () => {
        const dir = app.spec.sparkConf!["spark.eventLog.dir"];
        assert.equal(dir, `s3a://${plan.bucket}/spark-events`);
        const keys = await s3Keys("spark-events/");
        assert.ok(
            keys.some((k) => /^spark-events\/eventlog_v2_local-\d+\/events_1_local-\d+/.test(k)),
            `rolled event files: ${keys.join(", ")}`,
        );
        assert.ok(
            keys.some((k) => /^spark-events\/eventlog_v2_local-\d+\/appstatus_local-\d+$/.test(k)),
            `the completed status file: ${keys.join(", ")}`,
        );
    });

    it("the History Server, with the plan's properties and the init container's verified jars, lists the application", async () => {
        // The init container's program, on the jars the tier already resolved (their SHA-256 pinned in versions.ts).
        const jars = path.join(work, "history-jars");
        fs.mkdirSync(jars);
        const local = Object.values(sparkHistoryJars).map((j) => {
            const m = /maven2\/(.+)\/([^/]+)\/([^/]+)\/[^/]+$/.exec(j.url)!;
            const [group, artifact, version] = [m[1].replace(/\//g, "."), m[2], m[3]];
            return { ...j, url: `file://${path.join(IVY, "cache", group, artifact, "jars", `${artifact}-${version}.jar`)}` };
        });
        await python(["-c", FETCH_JARS_PY, jars], { JARS: JSON.stringify(local) });
        await assert.rejects(
            python(["-c", FETCH_JARS_PY, fs.mkdtempSync(path.join(work, "bad-"))], { JARS: JSON.stringify([{ ...local[0], sha256: "0".repeat(64) }]) }),
            /sha256 [0-9a-f]{64}, expected 0{64}/,
        );

        const cm = plan.run.captured.find((c) => c.type === "kubernetes:core/v1:ConfigMap" && CONF_FILE in (inputsOf(c).data ?? {}));
        assert.ok(cm, "the plan's History Server ConfigMap");
        const port = await freePort();
        const conf = path.join(work, CONF_FILE);
        fs.writeFileSync(
            conf,
            inputsOf(cm!).data[CONF_FILE] +
                // Only the endpoint (moto), the port, and a fast first scan differ from the cluster.
                `spark.hadoop.fs.s3a.endpoint=${moto!.endpoint}\nspark.hadoop.fs.s3a.path.style.access=true\nspark.history.ui.port=${port}\n`,
        );
        history = startServer(path.join(VENV, "bin", "spark-class"), ["org.apache.spark.deploy.history.HistoryServer", "--properties-file", conf], {
            env: {
                ...process.env,
                ...FAKE_AWS,
                // The pyspark install is the Spark home (its jars/ and bin/), as for spark-submit.
                PATH: `${path.join(VENV, "bin")}:${process.env.PATH}`,
                SPARK_HOME: path.dirname(
                    fs.realpathSync(
                        path.join(SPARK_SUBMIT, "..", "..", "lib", fs.readdirSync(path.join(VENV, "lib"))[0], "site-packages", "pyspark", "__init__.py"),
                    ),
                ),
                SPARK_DAEMON_CLASSPATH: `${jars}/*`,
                SPARK_DAEMON_MEMORY: "384m",
                SPARK_LOG_DIR: work,
            },
            log: path.join(work, "history-server.log"),
        });
        let apps: { id: string; name: string; attempts: { completed: boolean }[] }[] = [];
        await waitFor(
            "the History Server listing the job",
            async () => {
                apps = (await (await fetch(`http://127.0.0.1:${port}/api/v1/applications`)).json()) as typeof apps;
                return apps.some((a) => a.name === app.metadata.name);
            },
            300_000,
            history,
        );
        const listed = apps.find((a) => a.name === app.metadata.name)!;
        assert.equal(listed.attempts[0].completed, true);
        const jobs = (await (await fetch(`http://127.0.0.1:${port}/api/v1/applications/${listed.id}/jobs`)).json()) as { status: string }[];
        assert.ok(jobs.length >= 1 && jobs.every((j) => j.status === "SUCCEEDED"), JSON.stringify(jobs));
    });
});
