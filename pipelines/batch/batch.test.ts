// The IMDB batch pipeline: job uploads, the SparkApplication templates, the DAG folder Airflow
// receives, and the outputs, on every stack (and absent when the setting is off).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { dagConfigMapKey } from "../../platform/airflow/dags";
import {
    BATCH_JOBS,
    BATCH_JOBS_PREFIX,
    BatchLake,
    DAG_ID,
    DAG_SOURCE_FILES,
    batchDagFiles,
    batchJobUploads,
    batchSparkApplication,
    jinjaIssues,
    templatePath,
    toYaml,
} from "./specs";
import { queryFile } from "../lake";
import { sha256 } from "../../lib/hash";
import { jobUpload, pipelinePath, readPipelineFile } from "../files";
import { SPARK_SERVICE_ACCOUNT } from "../../platform/spark-operator/values";
import { Captured, PlanRun, ROOT } from "../../tools/harness";
import { validateCustomResource } from "../../tools/schemas";
import { apiVersions, images, sparkPackages } from "../../versions";
import { STACKS, descendants, inputsOf, ofType, one, planOf, planWith, describeEachStack } from "../../test/support";

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const RELEASE = "kubernetes:helm.sh/v3:Release";

/**
 * What Airflow does to a template before the operator loads it: Jinja rendering. Every
 * `{{ expr }}` becomes a plain value here, so a template using macros still parses and validates.
 */
function renderJinja(text: string): string {
    return text
        .replace(/\{\{[^}]*\}\}/g, "rendered")
        .replace(/\{%[^%]*%\}/g, "")
        .replace(/\{#[^#]*#\}/g, "");
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
    const items: { key: string; path: string }[] = inputsOf(release).values.dagProcessor.extraVolumes.flatMap((v: any) => v.configMap?.items ?? []);
    return Object.fromEntries(items.map((i) => [i.path, data[i.key]]));
}

/** application_file="..." of every SparkKubernetesOperator in a DAG source. */
function dagApplicationFiles(dag = "imdb_pipeline.py"): string[] {
    const src = readPipelineFile(DAG_SOURCE_FILES[dag]);
    return [...src.matchAll(/application_file="([^"]+)"/g)].map((m) => m[1]);
}

const ALL_JOBS = BATCH_JOBS;
const LAKE_X: BatchLake = { bucket: "lake-x", databases: { imdb: "x_imdb" } };

/** The stack's Glue database per Iceberg namespace (its outputs). */
function databases(run: PlanRun): { imdb: string; realtime: string } {
    return run.plan.outputs.icebergDatabases as { imdb: string; realtime: string };
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

    it("builds the four DAG folder files, the DAG itself verbatim (the maintenance DAG is the lake's: pipelines/maintenance)", async () => {
        const run = await planOf("dev");
        const files = batchDagFiles({ lake: LAKE_X, config: run.config });
        assert.deepEqual(Object.keys(files).sort(), ["bdok_streaming.py", "imdb_pipeline.py", "spark/imdb-bronze.yaml", "spark/imdb-silver.yaml"]);
        for (const [target, source] of Object.entries(DAG_SOURCE_FILES)) assert.equal(files[target], readPipelineFile(source));
        // A DAG edit reaches the folder (injected reader).
        const edited = batchDagFiles({ lake: LAKE_X, config: run.config, read: (p) => `# ${p}\n` });
        assert.equal(edited["imdb_pipeline.py"], "# batch/dags/imdb_pipeline.py\n");
    });

    it("writes YAML without anchors (the operator mutates driver and executor labels separately)", async () => {
        const run = await planOf("dev");
        const text = toYaml(batchSparkApplication(BATCH_JOBS[0], LAKE_X, run.config));
        assert.ok(!/[&*]a\d/.test(text), text);
    });
});

describeEachStack(
    (stack) => `Pipelines: batch on ${stack}`,
    (plan) => {
        it("uploads the jobs to s3://<lake>/spark-jobs/imdb/ with content hashes (the lake module goes by ConfigMap)", () => {
            const objects = descendants(plan(), batchComponent(plan()).urn).filter((c) => c.type === OBJECT);
            const files = ALL_JOBS.map((j) => j.file);
            assert.equal(objects.length, files.length);
            for (const file of files) {
                const base = path.posix.basename(file);
                const o = objects.find((c) => inputsOf(c).key === `${BATCH_JOBS_PREFIX}/${base}`);
                assert.ok(o, `upload of ${base}`);
                const i = inputsOf(o!);
                assert.equal(i.bucket, lakeBucket(plan()));
                assert.equal(i.source.asset, `pipelines/${file}`);
                assert.equal(i.sourceHash, sha256(fs.readFileSync(pipelinePath(file))));
            }
        });

        it("delivers the DAG, the helper and the two SparkApplication templates to Airflow", () => {
            const folder = dagFolder(plan());
            for (const p of ["imdb_pipeline.py", "bdok_streaming.py", "spark/imdb-bronze.yaml", "spark/imdb-silver.yaml"]) {
                assert.ok(folder[p], `${p} in the DAG folder`);
            }
            assert.equal(folder["imdb_pipeline.py"], readPipelineFile("batch/dags/imdb_pipeline.py"));
            assert.ok(dagConfigMapKey("spark/imdb-bronze.yaml") !== "spark/imdb-bronze.yaml", "ConfigMap keys are flattened");
        });

        it("templates validate strictly against the SparkApplication CRD after Jinja rendering", () => {
            const folder = dagFolder(plan());
            for (const job of ALL_JOBS) {
                const text = folder[templatePath(job)];
                assert.deepEqual(jinjaIssues(text), []);
                const app = YAML.parse(renderJinja(text));
                assert.deepEqual(validateCustomResource(app), [], templatePath(job));
                assert.equal(app.apiVersion, apiVersions.sparkApplication);
            }
        });

        it("templates plan() the uploaded job on the lake, with the lake module, in the airflow namespace, sized per stack", () => {
            const folder = dagFolder(plan());
            const bucket = lakeBucket(plan());
            const uploads = descendants(plan(), batchComponent(plan()).urn)
                .filter((c) => c.type === OBJECT)
                .map((c) => inputsOf(c).key);
            const dbs = databases(plan());
            const expectedArgs: Record<string, string[]> = {
                "imdb-bronze": ["--bucket", bucket, "--region", plan().config.region, "--database", dbs.imdb],
                "imdb-silver": ["--bucket", bucket, "--region", plan().config.region, "--database", dbs.imdb],
            };
            for (const job of ALL_JOBS) {
                const app = YAML.parse(folder[templatePath(job)]);
                const key = `${BATCH_JOBS_PREFIX}/${path.posix.basename(job.file)}`;
                assert.ok(uploads.includes(key));
                assert.equal(app.spec.mainApplicationFile, `s3a://${bucket}/${key}`);
                assert.deepEqual(app.spec.arguments, expectedArgs[job.name], job.name);
                // The module from the lake ConfigMap (test/spark-submission.test.ts: mounts, variable, schemes).
                assert.deepEqual(app.spec.deps.pyFiles, ["local:///opt/bdok/lake/tables.py"]);
                assert.equal(app.spec.deps.files, undefined);
                assert.equal(app.metadata.namespace, "airflow");
                assert.equal(app.spec.driver.serviceAccount, SPARK_SERVICE_ACCOUNT);
                assert.equal(app.spec.executor.serviceAccount, SPARK_SERVICE_ACCOUNT);
                // From bdok:spark.executors, between zero and bdok:spark.maxExecutors with the work (shuffle tracking: no external shuffle service).
                // As Spark settings, not spec.dynamicAllocation (test/spark-submission.test.ts: Airflow's check).
                assert.equal(app.spec.executor.instances, undefined);
                assert.equal(app.spec.dynamicAllocation, undefined);
                assert.equal(app.spec.sparkConf["spark.dynamicAllocation.enabled"], "true");
                assert.equal(app.spec.sparkConf["spark.dynamicAllocation.minExecutors"], "0");
                assert.equal(app.spec.sparkConf["spark.dynamicAllocation.maxExecutors"], String(plan().config.spark.maxExecutors));
                assert.deepEqual(app.spec.executor.nodeSelector, { "bdok.io/pool": "workloads" });
                assert.deepEqual(app.spec.driver.nodeSelector, { "bdok.io/pool": "workloads", "karpenter.sh/capacity-type": "on-demand" });
                assert.equal(app.spec.driver.annotations["karpenter.sh/do-not-disrupt"], "true");
                assert.equal(app.spec.executor.memory, plan().config.spark.executorMemory);
                assert.deepEqual(app.spec.deps.packages, [sparkPackages.hadoopAws, sparkPackages.icebergRuntime]);
                assert.equal(app.spec.image, images.spark);
                assert.equal(
                    app.spec.sparkConf["spark.hadoop.fs.s3a.aws.credentials.provider"],
                    "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider",
                );
                assert.ok(!JSON.stringify(app).match(/access\.key|secret\.key|AKIA/), "no AWS keys");
                // Airflow retries the task; the operator must not resubmit behind its back.
                assert.deepEqual(app.spec.restartPolicy, { type: "Never" });
            }
        });

        it("each template's arguments are accepted by its job's own parse_args, with nothing from the environment", () => {
            const folder = dagFolder(plan());
            const modules: Record<string, string> = {
                "imdb-bronze": "pipelines.batch.jobs.imdb_bronze",
                "imdb-silver": "pipelines.batch.jobs.imdb_silver",
            };
            for (const job of ALL_JOBS) {
                const app = YAML.parse(folder[templatePath(job)]);
                const code = [
                    "import importlib, json, sys",
                    "args = importlib.import_module(sys.argv[1]).parse_args(json.loads(sys.argv[2]), env={})",
                    "print(json.dumps({'bucket': args.bucket, 'region': args.region, 'database': getattr(args, 'databases', None) or args.database}))",
                ].join("\n");
                const r = spawnSync("python3", ["-c", code, modules[job.name], JSON.stringify(app.spec.arguments)], {
                    cwd: ROOT,
                    encoding: "utf8",
                    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
                });
                assert.equal(r.status, 0, `${job.name}: ${r.stderr}`);
                const parsed = JSON.parse(r.stdout);
                assert.equal(parsed.bucket, lakeBucket(plan()));
                assert.equal(parsed.region, plan().config.region);
                assert.deepEqual(parsed.database, databases(plan()).imdb, job.name);
            }
        });

        it("gives the DAG's tasks the lake bucket and the region through Airflow's env", () => {
            const airflow = one(plan(), "bdok:platform:Airflow");
            const release = descendants(plan(), airflow.urn).find((c) => c.type === RELEASE)!;
            const env = Object.fromEntries(inputsOf(release).values.env.map((e: any) => [e.name, e.value]));
            assert.equal(env.BDOK_LAKE_BUCKET, lakeBucket(plan()));
            assert.equal(env.AWS_DEFAULT_REGION, plan().config.region);
        });

        it("outputs how to trigger the DAG and the John Wick query of queries.json on the Iceberg table", () => {
            const o = plan().plan.outputs;
            assert.equal(o.batchDagId, DAG_ID);
            assert.match(String(o.batchTriggerCommand), new RegExp(`airflow dags trigger ${DAG_ID}`));
            assert.match(String(o.batchTriggerCommand), /^kubectl -n airflow exec deploy\/airflow-scheduler /);
            const q = queryFile().queries.john_wick;
            assert.equal(q.table, "imdb.consolidated");
            assert.equal(o.batchTrinoQuery, q.sql.replace("{database}", databases(plan()).imdb));
            assert.ok(String(o.batchTrinoQuery).includes(`FROM iceberg."${databases(plan()).imdb}".consolidated `));
            const uris = o.batchJobUris as Record<string, string>;
            assert.deepEqual(Object.keys(uris).sort(), ["imdb_bronze.py", "imdb_silver.py"]);
        });

        it("the query output is what queries.py itself builds (python3 -m pipelines.queries)", () => {
            const r = spawnSync("python3", ["-m", "pipelines.queries", "john_wick", databases(plan()).imdb], { cwd: ROOT, encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stdout.trim(), plan().plan.outputs.batchTrinoQuery);
        });
    },
);

describe("Pipelines: batch off", () => {
    for (const stack of STACKS) {
        it(`${stack}: no batch resources, no DAG, no outputs`, async () => {
            const run = await planWith(stack, { "bdok:pipelines": { batch: false, realtime: false } });
            assert.equal(ofType(run, "bdok:pipelines:BatchPipeline").length, 0);
            assert.equal(ofType(run, "bdok:pipelines:RealtimePipeline").length, 0);
            assert.ok(!ofType(run, OBJECT).some((c) => /^spark-jobs\/.+/.test(String(inputsOf(c).key ?? ""))), "no job uploads");
            const airflow = one(run, "bdok:platform:Airflow");
            const maps = descendants(run, airflow.urn).filter((c) => c.type === CONFIG_MAP);
            assert.ok(
                maps.every((m) => !("imdb_pipeline.py" in (inputsOf(m).data ?? {}))),
                "no IMDB DAG",
            );
            assert.ok(!Object.keys(run.plan.outputs).some((k) => k.startsWith("batch") || k.startsWith("realtime")));
            assert.ok(!run.captured.some((c) => c.urn.includes("bdok:pipelines:")), "nothing under a pipeline component");
        });
    }
});
