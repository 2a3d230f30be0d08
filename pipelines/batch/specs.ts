// The IMDB batch pipeline as pure data: which job files go to the lake, the SparkApplication
// templates the DAG submits, and the DAG folder Airflow receives.
import * as YAML from "yaml";
import type { StackConfig } from "../../config";
import { SparkApplication, poolPlacement, sparkApplicationSpec } from "../../platform/spark-operator/specs";
import { JobUpload, jobUpload, readPipelineFile, s3a } from "../files";
import { ICEBERG_PACKAGES, LakeDatabases, lakeDeps } from "../lake";
import { NAMESPACE } from "../../platform/k8s/objects";

/** Where the batch jobs live in the lake (the book's spark-jobs/ prefix, one folder per pipeline). */
export const BATCH_JOBS_PREFIX = "spark-jobs/imdb";
export const DAG_ID = "imdb_pipeline";

export interface BatchJob {
    /** SparkApplication name, and the template's file name under spark/ in the DAG folder. */
    name: string;
    /** The PySpark file under pipelines/. */
    file: string;
}

/** The IMDB DAG's two Spark tasks, in order (task ids imdb_bronze and imdb_silver). */
export const BATCH_JOBS: readonly BatchJob[] = [
    { name: "imdb-bronze", file: "batch/jobs/imdb_bronze.py" },
    { name: "imdb-silver", file: "batch/jobs/imdb_silver.py" },
];

/** The iceberg_maintenance DAG's one task. */
export const MAINTENANCE_JOB: BatchJob = { name: "iceberg-maintenance", file: "batch/jobs/iceberg_maintenance.py" };

/** Retention the maintenance job applies (its own defaults, passed explicitly so the template shows them). */
export const MAINTENANCE_RETENTION = { snapshotRetentionDays: 7, retainLast: 5, orphanRetentionDays: 3 } as const;

/** DAG folder files taken verbatim from the repository (the helper module is imported by the DAG). */
export const DAG_SOURCE_FILES: Record<string, string> = {
    "imdb_pipeline.py": "batch/dags/imdb_pipeline.py",
    "bdok_streaming.py": "batch/dags/bdok_streaming.py",
    "iceberg_maintenance.py": "batch/dags/iceberg_maintenance.py",
};

/** Path of a job's SparkApplication template in the DAG folder (`application_file` in the DAG). */
export function templatePath(job: BatchJob): string {
    return `spark/${job.name}.yaml`;
}

/** The jobs and the maintenance job, in spark-jobs/imdb/ (the lake module reaches them by ConfigMap: lake.ts). */
export function batchJobUploads(read?: (relative: string) => string | Buffer): JobUpload[] {
    return [...BATCH_JOBS, MAINTENANCE_JOB].map((j) => jobUpload(j.file, BATCH_JOBS_PREFIX, read));
}

export interface BatchLake {
    bucket: string;
    /** Glue database per Iceberg namespace. */
    databases: LakeDatabases;
    /** Namespaces whose pipelines this stack runs: the maintenance job touches only these. */
    namespaces: (keyof LakeDatabases)[];
}

/** Job arguments (pipelines/README.md): the lake, the region and the Glue database(s) it writes. */
export function batchArguments(job: BatchJob, lake: BatchLake, region: string): string[] {
    const common = ["--bucket", lake.bucket, "--region", region];
    if (job.name !== MAINTENANCE_JOB.name) return [...common, "--database", lake.databases.imdb];
    const r = MAINTENANCE_RETENTION;
    return [
        ...common,
        ...lake.namespaces.flatMap((ns) => ["--database", `${ns}=${lake.databases[ns]}`]),
        "--snapshot-retention-days",
        String(r.snapshotRetentionDays),
        "--retain-last",
        String(r.retainLast),
        "--orphan-retention-days",
        String(r.orphanRetentionDays),
    ];
}

/**
 * The SparkApplication a DAG task submits. Its name is a base only: SparkKubernetesOperator
 * (cncf.kubernetes provider, `random_name_suffix=True` by default) appends a unique suffix per
 * run, and it sets the namespace it is given; both are still filled in so the file is a complete,
 * valid object. restartPolicy Never: Airflow's task retries are the retry mechanism.
 */
export function batchSparkApplication(job: BatchJob, lake: BatchLake, config: Pick<StackConfig, "spark" | "region">): SparkApplication {
    const upload = jobUpload(job.file, BATCH_JOBS_PREFIX, () => "");
    return sparkApplicationSpec({
        name: job.name,
        // The namespace the DAGs submit their SparkApplications to (pipelines/batch/dags/*.py).
        namespace: NAMESPACE.airflow,
        mainApplicationFile: s3a(lake.bucket, upload.key),
        arguments: batchArguments(job, lake, config.region),
        packages: [...ICEBERG_PACKAGES],
        ...lakeDeps(),
        sizing: config.spark,
        region: config.region,
        restartPolicy: { type: "Never" },
        labels: { "app.kubernetes.io/component": job === MAINTENANCE_JOB ? "iceberg-maintenance" : "imdb-batch" },
        // Executors on the spot-first workloads pool, scaled with the work; the driver (the run's
        // state) on on-demand capacity of the same pool, never disrupted by consolidation.
        dynamicAllocation: { maxExecutors: config.spark.maxExecutors },
        ...poolPlacement("workloads"),
    });
}

/**
 * Airflow templates `application_file` with Jinja (template_ext yaml/yml/json), so the YAML must
 * not contain Jinja delimiters by accident. Returns the problems found.
 */
export function jinjaIssues(text: string): string[] {
    return ["{{", "{%", "{#"].filter((d) => text.includes(d)).map((d) => `contains the Jinja delimiter ${d}`);
}

export function toYaml(obj: unknown): string {
    // No anchors/aliases: the operator mutates driver and executor labels separately after loading.
    return YAML.stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false });
}

export interface BatchDagFilesArgs {
    lake: BatchLake;
    config: Pick<StackConfig, "spark" | "region">;
    /** Injectable for tests; reads pipelines/<relative>. */
    read?: (relative: string) => string;
}

/**
 * Everything the DAG folder holds for the batch pipeline: the IMDB and maintenance DAGs, the helper
 * module, and the SparkApplication templates next to them. Built before Airflow exists (Airflow mounts it).
 */
export function batchDagFiles(a: BatchDagFilesArgs): Record<string, string> {
    const read = a.read ?? readPipelineFile;
    const files: Record<string, string> = {};
    for (const [target, source] of Object.entries(DAG_SOURCE_FILES)) files[target] = read(source);
    for (const job of [...BATCH_JOBS, MAINTENANCE_JOB]) {
        const text = toYaml(batchSparkApplication(job, a.lake, a.config));
        const issues = jinjaIssues(text);
        if (issues.length) throw new Error(`${templatePath(job)}: ${issues.join("; ")}`);
        files[templatePath(job)] = text;
    }
    return files;
}

/** New DAGs start paused (Airflow's dags_are_paused_at_creation): unpause, then trigger a run. */
export function triggerDagCommand(): string {
    return `kubectl -n ${NAMESPACE.airflow} exec deploy/airflow-scheduler -c scheduler -- sh -c 'airflow dags unpause ${DAG_ID} && airflow dags trigger ${DAG_ID}'`;
}
