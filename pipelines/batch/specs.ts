// The IMDB batch pipeline as pure data: which job files go to the lake, the SparkApplication
// templates the DAG submits, and the DAG folder Airflow receives.
import { CAPACITY_TYPE_LABEL, DO_NOT_DISRUPT, podPlacement } from "../../platform/karpenter/nodepools";
import * as YAML from "yaml";
import type { StackConfig } from "../../config";
import { bookNames } from "../../lib/naming";
import { SparkApplication, sparkApplicationSpec } from "../../platform/spark-operator/specs";
import { JobUpload, jobUpload, readPipelineFile, s3a } from "../files";
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

/** The DAG's two Spark tasks, in order (task ids imdb_bronze and imdb_silver). */
export const BATCH_JOBS: readonly BatchJob[] = [
    { name: "imdb-bronze", file: "batch/jobs/imdb_bronze.py" },
    { name: "imdb-silver", file: "batch/jobs/imdb_silver.py" },
];

/** DAG folder files taken verbatim from the repository (the helper module is imported by the DAG). */
export const DAG_SOURCE_FILES: Record<string, string> = {
    "imdb_pipeline.py": "batch/dags/imdb_pipeline.py",
    "bdok_streaming.py": "batch/dags/bdok_streaming.py",
};

/** Path of a job's SparkApplication template in the DAG folder (`application_file` in the DAG). */
export function templatePath(job: BatchJob): string {
    return `spark/${job.name}.yaml`;
}

export function batchJobUploads(read?: (relative: string) => string | Buffer): JobUpload[] {
    return BATCH_JOBS.map((j) => jobUpload(j.file, BATCH_JOBS_PREFIX, read));
}

/**
 * The SparkApplication a DAG task submits. Its name is a base only: SparkKubernetesOperator
 * (cncf.kubernetes provider, `random_name_suffix=True` by default) appends a unique suffix per
 * run, and it sets the namespace it is given; both are still filled in so the file is a complete,
 * valid object. restartPolicy Never: Airflow's task retries are the retry mechanism.
 */
export function batchSparkApplication(job: BatchJob, lakeBucket: string, config: Pick<StackConfig, "spark" | "region">): SparkApplication {
    const upload = jobUpload(job.file, BATCH_JOBS_PREFIX, () => "");
    return sparkApplicationSpec({
        name: job.name,
        // The namespace the DAG submits its SparkApplications to (pipelines/batch/dags/imdb_pipeline.py).
        namespace: NAMESPACE.airflow,
        mainApplicationFile: s3a(lakeBucket, upload.key),
        arguments: ["--bucket", lakeBucket],
        sizing: config.spark,
        region: config.region,
        restartPolicy: { type: "Never" },
        labels: { "app.kubernetes.io/component": "imdb-batch" },
        // Executors on the spot-first workloads pool, scaled with the work; the driver (the run's
        // state) on on-demand capacity of the same pool, never disrupted by consolidation.
        dynamicAllocation: { maxExecutors: config.spark.maxExecutors },
        driverPlacement: { nodeSelector: { ...podPlacement("workloads").nodeSelector, [CAPACITY_TYPE_LABEL]: "on-demand" }, annotations: { ...DO_NOT_DISRUPT } },
        executorPlacement: { nodeSelector: podPlacement("workloads").nodeSelector },
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
    lakeBucket: string;
    config: Pick<StackConfig, "spark" | "region">;
    /** Injectable for tests; reads pipelines/<relative>. */
    read?: (relative: string) => string;
}

/**
 * Everything the DAG folder holds for the batch pipeline: the DAG, its helper module, and the two
 * SparkApplication templates next to them. Built before Airflow exists (Airflow mounts it).
 */
export function batchDagFiles(a: BatchDagFilesArgs): Record<string, string> {
    const read = a.read ?? readPipelineFile;
    const files: Record<string, string> = {};
    for (const [target, source] of Object.entries(DAG_SOURCE_FILES)) files[target] = read(source);
    for (const job of BATCH_JOBS) {
        const text = toYaml(batchSparkApplication(job, a.lakeBucket, a.config));
        const issues = jinjaIssues(text);
        if (issues.length) throw new Error(`${templatePath(job)}: ${issues.join("; ")}`);
        files[templatePath(job)] = text;
    }
    return files;
}

/** Environment the DAG's tasks read (pipelines/README.md). */
export function batchAirflowEnv(lakeBucket: string, region: string): Record<string, string> {
    return { BDOK_LAKE_BUCKET: lakeBucket, AWS_DEFAULT_REGION: region };
}

/** The crawler's table as Trino names it: the stack's Glue database is the schema. */
export function consolidatedTable(glueDatabase: string): string {
    return `hive."${glueDatabase}"."${bookNames.crawlerTablePrefix}consolidated"`;
}

/** The book's check of the result, from Trino: every John Wick film with its people. */
export function johnWickQuery(glueDatabase: string): string {
    // The Glue crawler stores column names in lower case; Trino matches them case-insensitively.
    return [
        "SELECT primarytitle, startyear, averagerating, primaryname, category, directorprimaryname",
        `FROM ${consolidatedTable(glueDatabase)}`,
        "WHERE primarytitle LIKE 'John Wick%' AND titletype = 'movie'",
        "ORDER BY startyear, primarytitle, ordering",
        "LIMIT 10",
    ].join(" ");
}

/** New DAGs start paused (Airflow's dags_are_paused_at_creation): unpause, then trigger a run. */
export function triggerDagCommand(): string {
    return `kubectl -n ${NAMESPACE.airflow} exec deploy/airflow-scheduler -c scheduler -- sh -c 'airflow dags unpause ${DAG_ID} && airflow dags trigger ${DAG_ID}'`;
}
