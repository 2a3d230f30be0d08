// The IMDB batch pipeline: job uploads, the SparkApplication templates, the DAG folder Airflow
// receives, and the outputs, on every stack (and absent when the setting is off).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { dagConfigMapKey } from "../../platform/airflow/dags";
import {
    BATCH_JOBS, BATCH_JOBS_PREFIX, DAG_ID, DAG_SOURCE_FILES, batchDagFiles, batchJobUploads, batchSparkApplication, jinjaIssues,
    johnWickQuery, templatePath, toYaml,
} from "./specs";
import { sha256 } from "../../lib/hash";
import { jobUpload, pipelinePath, readPipelineFile } from "../files";
import { SPARK_SERVICE_ACCOUNT } from "../../platform/spark-operator/values";
import { Captured, PlanRun, ROOT } from "../../tools/harness";
import { validateCustomResource } from "../../tools/schemas";
import { apiVersions, images, sparkPackages } from "../../versions";
import { STACKS, descendants, inputsOf, ofType, one, planOf, planWith } from "../../test/support";

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const RELEASE = "kubernetes:helm.sh/v3:Release";

/**
 * What Airflow does to a template before the operator loads it: Jinja rendering. Every
 * `{{ expr }}` becomes a plain value here, so a template using macros still parses and validates.
 */
function renderJinja(text: string): string {
    return text.replace(/\{\{[^}]*\}\}/g, "rendered").replace(/\{%[^%]*%\}/g, "").replace(/\{#[^#]*#\}/g, "");
}

function lakeBucket(run: PlanRun): string {
    const b = run.plan.outputs.lakeBucket;
    assert.equal(typeof b, "string");
    return b as string;
}

function batchComponent(run: PlanRun): Captured {
    return one(run, "bdok:pipelines:BatchPipeline");
}

/** The DAG folder as Airflow mounts it: path → content, from the Airflow component's ConfigMap. */
function dagFolder(run: PlanRun): Record<string, string> {
    const airflow = one(run, "bdok:platform:Airflow");
    const maps = descendants(run, airflow.urn).filter((c) => c.type === CONFIG_MAP && "imdb_pipeline.py" in (inputsOf(c).data ?? {}));
    assert.equal(maps.length, 1, "one Airflow ConfigMap holds the DAG");
    const data: Record<string, string> = inputsOf(maps[0]).data;
    const release = descendants(run, airflow.urn).find((c) => c.type === RELEASE)!;
    // The dag-processor parses the DAG folder (the scheduler, triggerer and workers mount the same volume).
    const items: { key: string; path: string }[] = inputsOf(release).values.dagProcessor.extraVolumes
        .flatMap((v: any) => v.configMap?.items ?? []);
    return Object.fromEntries(items.map((i) => [i.path, data[i.key]]));
}

/** application_file="..." of every SparkKubernetesOperator in the DAG source. */
function dagApplicationFiles(): string[] {
    const src = readPipelineFile(DAG_SOURCE_FILES["imdb_pipeline.py"]);
    return [...src.matchAll(/application_file="([^"]+)"/g)].map((m) => m[1]);
}

describe("Pipelines: batch (pure builders)", () => {
    it("hashes each job upload from its content, so a change re-uploads", () => {
        const a = jobUpload("batch/jobs/imdb_bronze.py", BATCH_JOBS_PREFIX, () => "print(1)\n");
        const b = jobUpload("batch/jobs/imdb_bronze.py", BATCH_JOBS_PREFIX, () => "print(2)\n");
        const same = jobUpload("batch/jobs/imdb_bronze.py", BATCH_JOBS_PREFIX, () => "print(1)\n");
        assert.notEqual(a.sourceHash, b.sourceHash);
        assert.equal(a.sourceHash, same.sourceHash);
        assert.equal(a.key, "spark-jobs/imdb/imdb_bronze.py");
        // The real upload hashes the file as it is in the repository.
        const real = batchJobUploads().find((u) => u.file === "batch/jobs/imdb_bronze.py")!;
        assert.equal(real.sourceHash, sha256(fs.readFileSync(pipelinePath("batch/jobs/imdb_bronze.py"))));
        assert.ok(fs.existsSync(path.join(ROOT, real.source)), `${real.source} relative to the project root`);
    });

    it("refuses job paths outside pipelines/", () => {
        assert.throws(() => pipelinePath("../package.json"), /outside pipelines/);
    });

    it("templates reference the DAG's application files and contain no Jinja delimiters", () => {
        assert.deepEqual(dagApplicationFiles().sort(), BATCH_JOBS.map(templatePath).sort());
        assert.deepEqual(jinjaIssues("a: {{ ts }}"), ["contains the Jinja delimiter {{"]);
        assert.deepEqual(jinjaIssues("a: b"), []);
    });

    it("builds the four DAG folder files, the DAG itself verbatim", async () => {
        const run = await planOf("dev");
        const files = batchDagFiles({ lakeBucket: "lake-x", config: run.config });
        assert.deepEqual(Object.keys(files).sort(), ["bdok_streaming.py", "imdb_pipeline.py", "spark/imdb-bronze.yaml", "spark/imdb-silver.yaml"]);
        for (const [target, source] of Object.entries(DAG_SOURCE_FILES)) assert.equal(files[target], readPipelineFile(source));
        // A DAG edit reaches the folder (injected reader).
        const edited = batchDagFiles({ lakeBucket: "lake-x", config: run.config, read: (p) => `# ${p}\n` });
        assert.equal(edited["imdb_pipeline.py"], "# batch/dags/imdb_pipeline.py\n");
    });

    it("writes YAML without anchors (the operator mutates driver and executor labels separately)", async () => {
        const run = await planOf("dev");
        const text = toYaml(batchSparkApplication(BATCH_JOBS[0], "lake-x", run.config));
        assert.ok(!/[&*]a\d/.test(text), text);
    });
});

for (const stack of STACKS) {
    describe(`Pipelines: batch on ${stack}`, () => {
        let run: PlanRun;
        before(async () => {
            run = await planOf(stack);
        });

        it("uploads both PySpark jobs to s3://<lake>/spark-jobs/imdb/ with content hashes", () => {
            const objects = descendants(run, batchComponent(run).urn).filter((c) => c.type === OBJECT);
            assert.equal(objects.length, BATCH_JOBS.length);
            for (const job of BATCH_JOBS) {
                const base = path.posix.basename(job.file);
                const o = objects.find((c) => inputsOf(c).key === `${BATCH_JOBS_PREFIX}/${base}`);
                assert.ok(o, `upload of ${base}`);
                const i = inputsOf(o!);
                assert.equal(i.bucket, lakeBucket(run));
                assert.equal(i.source.asset, `pipelines/${job.file}`);
                assert.equal(i.sourceHash, sha256(fs.readFileSync(pipelinePath(job.file))));
            }
        });

        it("delivers the DAG, its helper and both SparkApplication templates to Airflow", () => {
            const folder = dagFolder(run);
            for (const p of ["imdb_pipeline.py", "bdok_streaming.py", "spark/imdb-bronze.yaml", "spark/imdb-silver.yaml"]) {
                assert.ok(folder[p], `${p} in the DAG folder`);
            }
            assert.equal(folder["imdb_pipeline.py"], readPipelineFile("batch/dags/imdb_pipeline.py"));
            assert.ok(dagConfigMapKey("spark/imdb-bronze.yaml") !== "spark/imdb-bronze.yaml", "ConfigMap keys are flattened");
        });

        it("templates validate strictly against the SparkApplication CRD after Jinja rendering", () => {
            const folder = dagFolder(run);
            for (const job of BATCH_JOBS) {
                const text = folder[templatePath(job)];
                assert.deepEqual(jinjaIssues(text), []);
                const app = YAML.parse(renderJinja(text));
                assert.deepEqual(validateCustomResource(app), [], templatePath(job));
                assert.equal(app.apiVersion, apiVersions.sparkApplication);
            }
        });

        it("templates run the uploaded job on the lake, in the airflow namespace, sized per stack", () => {
            const folder = dagFolder(run);
            const bucket = lakeBucket(run);
            const uploads = descendants(run, batchComponent(run).urn).filter((c) => c.type === OBJECT).map((c) => inputsOf(c).key);
            for (const job of BATCH_JOBS) {
                const app = YAML.parse(folder[templatePath(job)]);
                const key = `${BATCH_JOBS_PREFIX}/${path.posix.basename(job.file)}`;
                assert.ok(uploads.includes(key));
                assert.equal(app.spec.mainApplicationFile, `s3a://${bucket}/${key}`);
                assert.deepEqual(app.spec.arguments, ["--bucket", bucket]);
                assert.equal(app.metadata.namespace, "airflow");
                assert.equal(app.spec.driver.serviceAccount, SPARK_SERVICE_ACCOUNT);
                assert.equal(app.spec.executor.serviceAccount, SPARK_SERVICE_ACCOUNT);
                // From zero to bdok:spark.maxExecutors with the work (shuffle tracking: no external shuffle service).
                assert.equal(app.spec.executor.instances, undefined);
                assert.deepEqual(app.spec.dynamicAllocation, { enabled: true, initialExecutors: 0, minExecutors: 0, maxExecutors: run.config.spark.maxExecutors, shuffleTrackingEnabled: true });
                assert.deepEqual(app.spec.executor.nodeSelector, { "bdok.io/pool": "workloads" });
                assert.deepEqual(app.spec.driver.nodeSelector, { "bdok.io/pool": "workloads", "karpenter.sh/capacity-type": "on-demand" });
                assert.equal(app.spec.driver.annotations["karpenter.sh/do-not-disrupt"], "true");
                assert.equal(app.spec.executor.memory, run.config.spark.executorMemory);
                assert.deepEqual(app.spec.deps.packages, [sparkPackages.hadoopAws]);
                assert.equal(app.spec.image, images.spark);
                assert.equal(app.spec.sparkConf["spark.hadoop.fs.s3a.aws.credentials.provider"], "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider");
                assert.ok(!JSON.stringify(app).match(/access\.key|secret\.key|AKIA/), "no AWS keys");
                // Airflow retries the task; the operator must not resubmit behind its back.
                assert.deepEqual(app.spec.restartPolicy, { type: "Never" });
            }
        });

        it("gives the DAG's tasks the lake bucket and the region through Airflow's env", () => {
            const airflow = one(run, "bdok:platform:Airflow");
            const release = descendants(run, airflow.urn).find((c) => c.type === RELEASE)!;
            const env = Object.fromEntries(inputsOf(release).values.env.map((e: any) => [e.name, e.value]));
            assert.equal(env.BDOK_LAKE_BUCKET, lakeBucket(run));
            assert.equal(env.AWS_DEFAULT_REGION, run.config.region);
        });

        it("outputs how to trigger the DAG and the Trino query of the result", () => {
            const o = run.plan.outputs;
            assert.equal(o.batchDagId, DAG_ID);
            assert.match(String(o.batchTriggerCommand), new RegExp(`airflow dags trigger ${DAG_ID}`));
            assert.match(String(o.batchTriggerCommand), /^kubectl -n airflow exec deploy\/airflow-scheduler /);
            assert.equal(o.batchTrinoQuery, johnWickQuery(String(o.glueDatabase)));
            assert.ok(String(o.batchTrinoQuery).includes(`hive."${o.glueDatabase}"."imdb-consolidated"`));
            assert.match(String(o.batchTrinoQuery), /John Wick/);
            const uris = o.batchJobUris as Record<string, string>;
            assert.deepEqual(Object.keys(uris).sort(), ["imdb_bronze.py", "imdb_silver.py"]);
        });
    });
}

describe("Pipelines: batch off", () => {
    for (const stack of STACKS) {
        it(`${stack}: no batch resources, no DAG, no outputs`, async () => {
            const run = await planWith(stack, { "bdok:pipelines": { batch: false, realtime: false } });
            assert.equal(ofType(run, "bdok:pipelines:BatchPipeline").length, 0);
            assert.equal(ofType(run, "bdok:pipelines:RealtimePipeline").length, 0);
            assert.ok(!ofType(run, OBJECT).some((c) => /^spark-jobs\/.+/.test(String(inputsOf(c).key ?? ""))), "no job uploads");
            const airflow = one(run, "bdok:platform:Airflow");
            const maps = descendants(run, airflow.urn).filter((c) => c.type === CONFIG_MAP);
            assert.ok(maps.every((m) => !("imdb_pipeline.py" in (inputsOf(m).data ?? {}))), "no IMDB DAG");
            assert.ok(!Object.keys(run.plan.outputs).some((k) => k.startsWith("batch") || k.startsWith("realtime")));
            assert.ok(!run.captured.some((c) => c.urn.includes("bdok:pipelines:")), "nothing under a pipeline component");
        });
    }
});
