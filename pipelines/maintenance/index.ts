import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { s3a } from "../files";
import { jobObject } from "../job-object";
import { LAKE_CONFIG_MAP, lakeConfigMapData } from "../lake";
import { MAINTENANCE_DAG_ID, maintenanceUpload } from "./specs";

export interface LakeMaintenanceArgs {
    /** The data-lake bucket (its name). */
    lakeBucket: pulumi.Input<string>;
    tags: Record<string, string>;
    /** Where Airflow submits the lake's SparkApplications (`airflow`): the lake ConfigMap goes there. */
    namespace: k8s.core.v1.Namespace;
}

/**
 * The lake's Iceberg maintenance: its PySpark job in spark-jobs/maintenance/, re-uploaded when its
 * content changes, and the lake ConfigMap (tables.py + tables.json) of the airflow namespace, which
 * every job Airflow submits mounts (the batch pipeline's too). The DAG and its template reach
 * Airflow through its `dagFiles` input (specs.ts maintenanceDagFiles).
 */
export class LakeMaintenance extends pulumi.ComponentResource {
    readonly dagId: string = MAINTENANCE_DAG_ID;
    /** s3a:// URI of the uploaded job. */
    readonly jobUri: pulumi.Output<string>;

    constructor(name: string, args: LakeMaintenanceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:pipelines:LakeMaintenance", name, {}, opts);
        const job = jobObject(name, args.lakeBucket, maintenanceUpload(), args.tags, { parent: this });

        // The templates mount it by name (lake.ts lakeDeps).
        new k8s.core.v1.ConfigMap(
            `${name}-lake-tables`,
            {
                metadata: { name: LAKE_CONFIG_MAP, namespace: args.namespace.metadata.name, labels: { "app.kubernetes.io/part-of": "bdok" } },
                data: lakeConfigMapData(),
            },
            // Before, the batch pipeline owned it: adopted in place, never created twice under one name.
            { parent: this, aliases: [{ name: "batch-pipeline-lake-tables", parent: pulumi.createUrn("batch-pipeline", "bdok:pipelines:BatchPipeline") }] },
        );

        this.jobUri = pulumi.all([job.bucket, job.key]).apply(([b, k]) => s3a(b, k));
        this.registerOutputs({ dagId: this.dagId, jobUri: this.jobUri });
    }
}
