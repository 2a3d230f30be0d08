// The lake's Iceberg maintenance as pure data: the job file, its SparkApplication template and the
// DAG folder files. It belongs to the lake, not to a pipeline: it ships whenever a pipeline writes
// an Iceberg namespace, and maintains exactly the namespaces that are written.
import type { StackConfig } from "../../config";
import type { SparkApplication } from "../../platform/spark-operator/specs";
import { JobUpload, jobUpload, readPipelineFile } from "../files";
import type { LakeDatabases, LakeNamespace } from "../lake";
import { AirflowSparkJob, airflowSparkApplication, templateFile } from "../dag-folder";

/** Where the maintenance job lives in the lake (spark-jobs/, beside the pipelines' folders). */
export const MAINTENANCE_JOBS_PREFIX = "spark-jobs/maintenance";
export const MAINTENANCE_DAG_ID = "iceberg_maintenance";

/** The iceberg_maintenance DAG's one task. */
export const MAINTENANCE_JOB: AirflowSparkJob = { name: "iceberg-maintenance", file: "maintenance/jobs/iceberg_maintenance.py" };

/** Retention the maintenance job applies (its own defaults, passed explicitly so the template shows them). */
export const MAINTENANCE_RETENTION = { snapshotRetentionDays: 7, retainLast: 5, orphanRetentionDays: 3 } as const;

/** The DAG file, verbatim. */
export const MAINTENANCE_DAG_FILES: Record<string, string> = { "iceberg_maintenance.py": "maintenance/dags/iceberg_maintenance.py" };

export interface MaintainedLake {
    bucket: string;
    /** The Glue database of each namespace a pipeline of the stack writes: what is maintained. */
    databases: Partial<LakeDatabases>;
}

/** The namespaces the stack's pipelines write (each pipeline's tables.json namespace). */
export function writtenNamespaces(pipelines: Pick<StackConfig["pipelines"], "batch" | "realtime">): LakeNamespace[] {
    return [...(pipelines.batch ? (["imdb"] as const) : []), ...(pipelines.realtime ? (["realtime"] as const) : [])];
}

export function maintenanceUpload(read?: (relative: string) => string | Buffer): JobUpload {
    return jobUpload(MAINTENANCE_JOB.file, MAINTENANCE_JOBS_PREFIX, read);
}

/** Job arguments (the job's parse_args): the lake, the region, one --database per maintained namespace, the retention. */
export function maintenanceArguments(lake: MaintainedLake, region: string): string[] {
    const namespaces = Object.entries(lake.databases).filter(([, db]) => db);
    if (!namespaces.length) throw new Error("iceberg maintenance: no namespace to maintain (no pipeline writes the lake)");
    const r = MAINTENANCE_RETENTION;
    return [
        "--bucket",
        lake.bucket,
        "--region",
        region,
        ...namespaces.flatMap(([ns, db]) => ["--database", `${ns}=${db}`]),
        "--snapshot-retention-days",
        String(r.snapshotRetentionDays),
        "--retain-last",
        String(r.retainLast),
        "--orphan-retention-days",
        String(r.orphanRetentionDays),
    ];
}

export function maintenanceSparkApplication(lake: MaintainedLake, config: Pick<StackConfig, "spark" | "region">): SparkApplication {
    return airflowSparkApplication(
        MAINTENANCE_JOB,
        { bucket: lake.bucket, keyPrefix: MAINTENANCE_JOBS_PREFIX, arguments: maintenanceArguments(lake, config.region), component: "iceberg-maintenance" },
        config,
    );
}

/** The maintenance DAG and its SparkApplication template, for Airflow's DAG folder. */
export function maintenanceDagFiles(a: {
    lake: MaintainedLake;
    config: Pick<StackConfig, "spark" | "region">;
    read?: (relative: string) => string;
}): Record<string, string> {
    const read = a.read ?? readPipelineFile;
    const files: Record<string, string> = {};
    for (const [target, source] of Object.entries(MAINTENANCE_DAG_FILES)) files[target] = read(source);
    const [path, text] = templateFile(MAINTENANCE_JOB, maintenanceSparkApplication(a.lake, a.config));
    files[path] = text;
    return files;
}
