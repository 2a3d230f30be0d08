// The local lake of the engines tier: moto (S3 + Glue) holding what the program creates on AWS
// (the lake bucket, the Iceberg namespaces' Glue databases, the job files it uploads), and a runner
// that names the pipeline step a failure belongs to.
import * as fs from "fs";
import * as path from "path";
import { spawn } from "child_process";
import { FAKE_AWS, PYTHON } from "./env";
import { ROOT } from "../../tools/harness";
import { inputsOf } from "../support";
import type { EnginePlan } from "./plan";
import { LocalLake, failureSummary, sparkSubmit, submission } from "./spark";
import { localEndpoints, parseProperties } from "./trino";
import { declaration, queryFile } from "../../pipelines/lake";
import { strict as assert } from "assert";

/** Runs the venv's Python with moto's credentials; rejects with the output on failure. */
export function python(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(PYTHON, args, { env: { ...process.env, ...FAKE_AWS, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`python ${args[0]} exited ${code}:\n${out}`))));
    });
}

/** The object the program uploads at `key` (an aws:s3 BucketObjectv2 of the plan): its file path. */
export function uploadedSource(plan: EnginePlan, key: string): string {
    const objects = plan.run.captured.filter((c) => c.type === "aws:s3/bucketObjectv2:BucketObjectv2" && inputsOf(c).key === key);
    if (objects.length !== 1) throw new Error(`plan: expected one upload of ${key}, found ${objects.length}`);
    const asset = inputsOf(objects[0]).source?.asset;
    if (typeof asset !== "string") throw new Error(`plan: the upload of ${key} has no file asset`);
    return path.resolve(ROOT, asset);
}

/** The lake's folder objects, as the program creates them (aws/datalake: one empty object per prefix). */
export function lakeFolders(plan: EnginePlan): string[] {
    return plan.run.captured
        .filter((c) => c.type === "aws:s3/bucketObjectv2:BucketObjectv2" && /\/$/.test(String(inputsOf(c).key)) && inputsOf(c).content === "")
        .map((c) => String(inputsOf(c).key));
}

/** Creates what the program creates: the bucket, its folder objects (Spark's event log directory must exist) and the Glue databases of both namespaces. */
export async function createLake(plan: EnginePlan, endpoint: string): Promise<void> {
    const code = [
        "import sys, json, boto3",
        "ep, region, bucket, folders, *dbs = sys.argv[1:]",
        "s3 = boto3.client('s3', endpoint_url=ep, region_name=region)",
        "s3.create_bucket(Bucket=bucket, **({} if region == 'us-east-1' else {'CreateBucketConfiguration': {'LocationConstraint': region}}))",
        "[s3.put_object(Bucket=bucket, Key=k, Body=b'') for k in json.loads(folders)]",
        "glue = boto3.client('glue', endpoint_url=ep, region_name=region)",
        "[glue.create_database(DatabaseInput={'Name': d}) for d in dbs]",
    ].join("\n");
    await python(["-c", code, endpoint, plan.region, plan.bucket, JSON.stringify(lakeFolders(plan)), plan.databases.imdb, plan.databases.realtime]);
}

/** Uploads a job file where the SparkApplication's mainApplicationFile points (s3a://bucket/key). */
export async function uploadJob(endpoint: string, region: string, s3aUri: string, file: string): Promise<void> {
    const m = /^s3a:\/\/([^/]+)\/(.+)$/.exec(s3aUri);
    if (!m) throw new Error(`not an s3a:// URI: ${s3aUri}`);
    const code =
        "import sys, boto3; ep, region, bucket, key, f = sys.argv[1:]; boto3.client('s3', endpoint_url=ep, region_name=region).upload_file(f, bucket, key)";
    await python(["-c", code, endpoint, region, m[1], m[2], file]);
}

export async function downloadJob(endpoint: string, region: string, s3aUri: string, file: string): Promise<void> {
    const m = /^s3a:\/\/([^/]+)\/(.+)$/.exec(s3aUri);
    if (!m) throw new Error(`not an s3a:// URI: ${s3aUri}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const code =
        "import sys, boto3; ep, region, bucket, key, f = sys.argv[1:]; boto3.client('s3', endpoint_url=ep, region_name=region).download_file(bucket, key, f)";
    await python(["-c", code, endpoint, region, m[1], m[2], file]);
}

/** The DAG folder as Airflow receives it (the plan's ConfigMap): the acquire step imports its module. */
export function layDagFolder(plan: EnginePlan, dir: string): void {
    for (const [file, text] of Object.entries(plan.dagFolder)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
    }
}

export class StepError extends Error {}

/**
 * Runs one SparkApplication of the plan as pipeline step `step` (its main file uploaded first: the
 * program's own upload, or `mainFile` instead); a failure names the step and shows the cause.
 */
export async function runStep(
    step: string,
    plan: EnginePlan,
    lake: LocalLake,
    appName: string,
    opts: { mainFile?: string; log?: string } = {},
): Promise<string> {
    const app = plan.batchApps[appName];
    if (!app) throw new Error(`plan: no SparkApplication template ${appName} (have ${Object.keys(plan.batchApps).join(", ")})`);
    const key = app.spec.mainApplicationFile.replace(/^s3a:\/\/[^/]+\//, "");
    await uploadJob(lake.endpoint, lake.region, app.spec.mainApplicationFile, opts.mainFile ?? uploadedSource(plan, key));
    // On Kubernetes the driver's spark-submit fetches the s3a:// main file with the resolved packages
    // on its class loader (SparkSubmit: isKubernetesClusterModeDriver adds them, SPARK-33748's
    // branch); a local client-mode submit does not, so the driver's copy is fetched from the lake here.
    const local = path.join(lake.workDir, "driver", step.replace(/\W+/g, "_"), path.basename(key));
    await downloadJob(lake.endpoint, lake.region, app.spec.mainApplicationFile, local);
    const log = opts.log ?? path.join(lake.workDir, `${step.replace(/\W+/g, "_")}.log`);
    const run = await sparkSubmit(submission({ ...app, spec: { ...app.spec, mainApplicationFile: local } }, lake), log);
    if (run.code !== 0) throw new StepError(`step ${step} failed (spark-submit exit ${run.code}, log ${log}):\n${failureSummary(run.output)}`);
    fs.appendFileSync(path.join(lake.workDir, "timings.txt"), `${step} ${run.seconds.toFixed(1)} s\n`);
    return run.output;
}

/** The chart's catalog (plan) with only the endpoints changed: the catalog the queries name. */
export function trinoCatalogs(plan: EnginePlan, endpoint: string): Record<string, string> {
    const name = queryFile().catalog;
    const text = plan.trinoCatalogs[name];
    assert.ok(text, `the Trino chart receives no ${name} catalog`);
    const props = { ...parseProperties(text), ...localEndpoints(endpoint) };
    return {
        [name]: Object.entries(props)
            .map(([k, v]) => `${k}=${v}\n`)
            .join(""),
    };
}

export function localLake(plan: EnginePlan, endpoint: string, workDir: string): LocalLake {
    return { endpoint, region: plan.region, catalog: declaration().catalog.name, configMaps: plan.configMaps, workDir };
}
