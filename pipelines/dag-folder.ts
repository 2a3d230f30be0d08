// What every pipeline puts in Airflow's DAG folder for a Spark task: the SparkApplication template
// the DAG's SparkKubernetesOperator submits (application_file), built the same way for each job.
import * as YAML from "yaml";
import type { StackConfig } from "../config";
import { SparkApplication, poolPlacement, sparkApplicationSpec } from "../platform/spark-operator/specs";
import { NAMESPACE } from "../platform/k8s/objects";
import { jobUpload, s3a } from "./files";
import { ICEBERG_PACKAGES, lakeDeps } from "./lake";

export interface AirflowSparkJob {
    /** SparkApplication name, and the template's file name under spark/ in the DAG folder. */
    name: string;
    /** The PySpark file under pipelines/. */
    file: string;
}

/** Path of a job's SparkApplication template in the DAG folder (`application_file` in the DAG). */
export function templatePath(job: AirflowSparkJob): string {
    return `spark/${job.name}.yaml`;
}

/**
 * The SparkApplication a DAG task submits. Its name is a base only: SparkKubernetesOperator
 * (cncf.kubernetes provider, `random_name_suffix=True` by default) appends a unique suffix per
 * run, and it sets the namespace it is given; both are still filled in so the file is a complete,
 * valid object. restartPolicy Never: Airflow's task retries are the retry mechanism.
 */
export function airflowSparkApplication(
    job: AirflowSparkJob,
    a: { bucket: string; keyPrefix: string; arguments: string[]; component: string },
    config: Pick<StackConfig, "spark" | "region">,
): SparkApplication {
    const upload = jobUpload(job.file, a.keyPrefix, () => "");
    return sparkApplicationSpec({
        name: job.name,
        // The namespace the DAGs submit their SparkApplications to (pipelines/*/dags/*.py).
        namespace: NAMESPACE.airflow,
        mainApplicationFile: s3a(a.bucket, upload.key),
        lakeBucket: a.bucket,
        arguments: a.arguments,
        packages: [...ICEBERG_PACKAGES],
        ...lakeDeps(),
        sizing: config.spark,
        region: config.region,
        restartPolicy: { type: "Never" },
        labels: { "app.kubernetes.io/component": a.component },
        // Executors on the spot-first workloads pool, starting with bdok:spark.executors and scaled
        // with the work; the driver (the run's state) on on-demand capacity of the same pool, never
        // disrupted by consolidation.
        dynamicAllocation: { maxExecutors: config.spark.maxExecutors, initialExecutors: config.spark.executors },
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

/** A template as a DAG folder file, refused if Airflow's Jinja would change it. */
export function templateFile(job: AirflowSparkJob, app: SparkApplication): [string, string] {
    const text = toYaml(app);
    const issues = jinjaIssues(text);
    if (issues.length) throw new Error(`${templatePath(job)}: ${issues.join("; ")}`);
    return [templatePath(job), text];
}
