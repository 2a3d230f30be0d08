// The IMDB batch pipeline as pure data: which job files go to the lake, the SparkApplication
// templates the DAG submits, and the DAG folder files Airflow receives for it.
import type { StackConfig } from "../../config";
import type { SparkApplication } from "../../platform/spark-operator/specs";
import { JobUpload, jobUpload, readPipelineFile } from "../files";
import type { LakeDatabases } from "../lake";
import { NAMESPACE } from "../../platform/k8s/objects";
import { AirflowSparkJob, airflowSparkApplication, templateFile } from "../dag-folder";

export { jinjaIssues, templatePath, toYaml } from "../dag-folder";

/** Where the batch jobs live in the lake (the book's spark-jobs/ prefix, one folder per pipeline). */
export const BATCH_JOBS_PREFIX = "spark-jobs/imdb";
export const DAG_ID = "imdb_pipeline";

export type BatchJob = AirflowSparkJob;

/** The IMDB DAG's two Spark tasks, in order (task ids imdb_bronze and imdb_silver). */
export const BATCH_JOBS: readonly BatchJob[] = [
    { name: "imdb-bronze", file: "batch/jobs/imdb_bronze.py" },
    { name: "imdb-silver", file: "batch/jobs/imdb_silver.py" },
];

/** DAG folder files taken verbatim from the repository (the helper module is imported by the DAG). */
export const DAG_SOURCE_FILES: Record<string, string> = {
    "imdb_pipeline.py": "batch/dags/imdb_pipeline.py",
    "bdok_streaming.py": "batch/dags/bdok_streaming.py",
};

/** The jobs, in spark-jobs/imdb/ (the lake module reaches them by ConfigMap: lake.ts). */
export function batchJobUploads(read?: (relative: string) => string | Buffer): JobUpload[] {
    return BATCH_JOBS.map((j) => jobUpload(j.file, BATCH_JOBS_PREFIX, read));
}

export interface BatchLake {
    bucket: string;
    /** Glue database of the imdb namespace, the one the jobs write. */
    databases: Pick<LakeDatabases, "imdb">;
}

/** Job arguments (pipelines/README.md): the lake, the region and the Glue database it writes. */
export function batchArguments(lake: BatchLake, region: string): string[] {
    return ["--bucket", lake.bucket, "--region", region, "--database", lake.databases.imdb];
}

/** The SparkApplication a DAG task submits (dag-folder.ts airflowSparkApplication). */
export function batchSparkApplication(job: BatchJob, lake: BatchLake, config: Pick<StackConfig, "spark" | "region">): SparkApplication {
    return airflowSparkApplication(
        job,
        { bucket: lake.bucket, keyPrefix: BATCH_JOBS_PREFIX, arguments: batchArguments(lake, config.region), component: "imdb-batch" },
        config,
    );
}

export interface BatchDagFilesArgs {
    lake: BatchLake;
    config: Pick<StackConfig, "spark" | "region">;
    /** Injectable for tests; reads pipelines/<relative>. */
    read?: (relative: string) => string;
}

/**
 * Everything the DAG folder holds for the batch pipeline: the IMDB DAG, the helper module, and the
 * SparkApplication templates next to them. Built before Airflow exists (Airflow mounts it).
 */
export function batchDagFiles(a: BatchDagFilesArgs): Record<string, string> {
    const read = a.read ?? readPipelineFile;
    const files: Record<string, string> = {};
    for (const [target, source] of Object.entries(DAG_SOURCE_FILES)) files[target] = read(source);
    for (const job of BATCH_JOBS) {
        const [path, text] = templateFile(job, batchSparkApplication(job, a.lake, a.config));
        files[path] = text;
    }
    return files;
}

/** New DAGs start paused (Airflow's dags_are_paused_at_creation): unpause, then trigger a run. */
export function triggerDagCommand(): string {
    return `kubectl -n ${NAMESPACE.airflow} exec deploy/airflow-scheduler -c scheduler -- sh -c 'airflow dags unpause ${DAG_ID} && airflow dags trigger ${DAG_ID}'`;
}
