// Runs a SparkApplication of the plan on local Spark the way the operator submits it on the
// cluster: kubeflow/spark-operator v2.5.2 internal/controller/sparkapplication/submission.go builds
// spark-submit's arguments from the object (dependenciesOption: --packages, --exclude-packages,
// --repositories, --py-files...; sparkConfOption: every sparkConf entry as --conf; hadoopConfOption:
// spark.hadoop.<key>; mainApplicationFileOption and the arguments). Here only the master is local
// and the endpoints, the Ivy folder and the mounted volumes' paths are pointed at this machine.
import * as fs from "fs";
import * as path from "path";
import { spawn } from "child_process";
import { CACHE, FAKE_AWS, IVY, SPARK_SUBMIT } from "./env";
import { apps } from "../../versions";
import type { SparkApp } from "./plan";

export interface LocalLake {
    /** moto's endpoint (S3 and Glue). */
    endpoint: string;
    region: string;
    /** The Iceberg catalog name of tables.json (the Spark catalog the jobs use). */
    catalog: string;
    /** ConfigMap name -> data: what the volumes of the application hold. */
    configMaps: Record<string, Record<string, string>>;
    workDir: string;
}

export interface Submission {
    args: string[];
    env: NodeJS.ProcessEnv;
}

const DRIVER_ENV = "spark.kubernetes.driverEnv.";

/** spark-submit's arguments and environment for `app` on the local lake. */
export function submission(app: SparkApp, lake: LocalLake, extraConf: Record<string, string> = {}): Submission {
    const spec = app.spec;
    // The volumes the driver mounts, laid out in a local folder with the ConfigMap's data.
    const mounts: [string, string][] = [];
    for (const m of spec.driver.volumeMounts ?? []) {
        const volume = (spec.volumes ?? []).find((v) => v.name === m.name);
        const data = volume?.configMap ? lake.configMaps[volume.configMap.name] : undefined;
        if (!data) throw new Error(`${app.metadata.name}: volume ${m.name} is no ConfigMap of the plan`);
        const dir = path.join(lake.workDir, "mounts", app.metadata.name, m.name);
        fs.mkdirSync(dir, { recursive: true });
        for (const [k, v] of Object.entries(data)) fs.writeFileSync(path.join(dir, k), v);
        mounts.push([m.mountPath, dir]);
    }
    const local = (s: string) => mounts.reduce((acc, [from, to]) => acc.split(from).join(to), s);

    const args = ["--master", "local[2]", "--name", app.metadata.name];
    const deps = spec.deps ?? {};
    if (deps.jars?.length) args.push("--jars", deps.jars.join(","));
    if (deps.packages?.length) args.push("--packages", deps.packages.join(","));
    if (deps.excludePackages?.length) args.push("--exclude-packages", deps.excludePackages.join(","));
    if (deps.repositories?.length) args.push("--repositories", deps.repositories.join(","));
    if (deps.pyFiles?.length) args.push("--py-files", deps.pyFiles.map(local).join(","));

    const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...FAKE_AWS,
        AWS_REGION: lake.region,
        PATH: `${path.dirname(SPARK_SUBMIT)}:${process.env.PATH}`,
        PYSPARK_PYTHON: path.join(path.dirname(SPARK_SUBMIT), "python"),
    };
    const conf: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.sparkConf ?? {})) {
        // On Kubernetes the driver pod gets these as its environment; here the driver is this process.
        if (k.startsWith(DRIVER_ENV)) env[k.slice(DRIVER_ENV.length)] = local(v);
        conf[k] = v;
    }
    for (const [k, v] of Object.entries(spec.hadoopConf ?? {})) conf[`spark.hadoop.${k}`] = v;
    Object.assign(conf, {
        "spark.jars.ivy": IVY,
        "spark.ui.enabled": "false",
        // Sized for two local cores like the master; the plan sets neither (Spark's default of 200
        // shuffle partitions is for a cluster and made each small job spend minutes on empty tasks).
        "spark.sql.shuffle.partitions": "2",
        "spark.default.parallelism": "2",
        // Short-lived local JVMs: C1 only and the class-data archive start faster (no effect on
        // what the job computes).
        "spark.driver.extraJavaOptions": ["-XX:TieredStopAtLevel=1", ...(fs.existsSync(CDS_ARCHIVE) ? [`-XX:SharedArchiveFile=${CDS_ARCHIVE}`] : [])].join(" "),
        // The endpoints: S3A (landing files, the main file, orphan listing) and Iceberg's catalog and FileIO.
        "spark.hadoop.fs.s3a.endpoint": lake.endpoint,
        "spark.hadoop.fs.s3a.path.style.access": "true",
        [`spark.sql.catalog.${lake.catalog}.glue.endpoint`]: lake.endpoint,
        [`spark.sql.catalog.${lake.catalog}.s3.endpoint`]: lake.endpoint,
        [`spark.sql.catalog.${lake.catalog}.s3.path-style-access`]: "true",
        ...extraConf,
    });
    for (const [k, v] of Object.entries(conf)) args.push("--conf", `${k}=${v}`);
    args.push(spec.mainApplicationFile, ...(spec.arguments ?? []));
    return { args, env };
}

export interface SparkRun {
    code: number | null;
    output: string;
    seconds: number;
}

/**
 * A dynamic class-data sharing archive of the driver JVM's classes (JDK 17: -XX:ArchiveClassesAtExit,
 * then -XX:SharedArchiveFile): Spark's, Scala's and Hadoop's classes mapped instead of parsed and
 * verified in each of the tier's dozen spark-submits. Made by the first run that ends well; a JVM
 * whose classpath or build differs from the archive's ignores it with a warning.
 */
export const CDS_ARCHIVE = path.join(CACHE, "spark-cds", `driver-${apps.spark}.jsa`);
let archiving = false;

/** The submission's driver options, with the archive to write at exit when there is none yet. */
function withArchiving(s: Submission): { args: string[]; tmp?: string } {
    const i = s.args.findIndex((a) => a.startsWith("spark.driver.extraJavaOptions="));
    if (archiving || fs.existsSync(CDS_ARCHIVE) || i < 0) return { args: s.args };
    archiving = true;
    fs.mkdirSync(path.dirname(CDS_ARCHIVE), { recursive: true });
    const tmp = `${CDS_ARCHIVE}.${process.pid}.tmp`;
    const args = [...s.args];
    args[i] = `${args[i]} -XX:ArchiveClassesAtExit=${tmp}`;
    return { args, tmp };
}

/** Runs spark-submit to the end; its output goes to `log` as well. */
export function sparkSubmit(s: Submission, log: string, timeoutMs = 600_000): Promise<SparkRun> {
    const started = Date.now();
    const { args, tmp } = withArchiving(s);
    return new Promise((resolve, reject) => {
        const child = spawn(SPARK_SUBMIT, args, { env: s.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
        const chunks: Buffer[] = [];
        child.stdout.on("data", (d: Buffer) => chunks.push(d));
        child.stderr.on("data", (d: Buffer) => chunks.push(d));
        const timer = setTimeout(() => {
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                /* gone */
            }
        }, timeoutMs);
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            const output = Buffer.concat(chunks).toString("utf8");
            fs.writeFileSync(log, output);
            if (tmp && fs.existsSync(tmp)) {
                if (code === 0) fs.renameSync(tmp, CDS_ARCHIVE);
                else {
                    // A failed run (the tier's deliberately broken jobs) leaves the archive to the next.
                    fs.rmSync(tmp, { force: true });
                    archiving = false;
                }
            }
            resolve({ code, output, seconds: (Date.now() - started) / 1000 });
        });
    });
}

/** The lines of a failed run worth reading: Python's traceback tail and Java's first cause. */
export function failureSummary(output: string): string {
    const lines = output.split("\n").filter((l) => !/^\s+at /.test(l) && !/^\s*\[Stage/.test(l));
    const important = lines.filter((l) => /Error|Exception|Traceback|error:|SystemExit|does not match/.test(l));
    return [...important.slice(0, 8), "...", ...lines.slice(-12)].join("\n");
}
