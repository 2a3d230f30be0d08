import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BATCH_JOBS_PREFIX, DAG_ID, batchJobUploads, triggerDagCommand } from "./specs";
import { s3a } from "../files";
import { LAKE_CONFIG_MAP, LakeDatabases, lakeConfigMapData, trinoQuery } from "../lake";

export interface BatchPipelineArgs {
    /** The data-lake bucket (its name). */
    lakeBucket: pulumi.Input<string>;
    /** The stack's Glue databases of the Iceberg namespaces (lib/naming.ts stackNames): the query's schema. */
    databases: LakeDatabases;
    tags: Record<string, string>;
    /** Where the DAG submits its SparkApplications (`airflow`): the lake ConfigMap goes there. */
    namespace: k8s.core.v1.Namespace;
}

/**
 * The IMDB batch pipeline's own resources: the PySpark jobs (and the maintenance job) in the lake's
 * spark-jobs/imdb/, re-uploaded whenever their content changes, and tables.py + tables.json in the
 * lake ConfigMap of the airflow namespace. The DAG and its SparkApplication templates reach
 * Airflow through its `dagFiles` input (specs.ts batchDagFiles), built before Airflow by the
 * composition root.
 */
export class BatchPipeline extends pulumi.ComponentResource {
    readonly dagId: string = DAG_ID;
    /** s3a:// URIs of the uploaded jobs, by file name. */
    readonly jobUris: pulumi.Output<Record<string, string>>;
    readonly triggerCommand: string = triggerDagCommand();
    /** The John Wick question on the Iceberg table (pipelines/queries.json john_wick). */
    readonly trinoQuery: string;

    constructor(name: string, args: BatchPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:pipelines:BatchPipeline", name, {}, opts);
        this.trinoQuery = trinoQuery("john_wick", args.databases);
        const uploads = batchJobUploads();
        const objects = uploads.map(
            (u) =>
                new aws.s3.BucketObjectv2(
                    `${name}-${u.key.split("/").pop()!.replace(/[._]/g, "-")}`,
                    {
                        bucket: args.lakeBucket,
                        key: u.key,
                        source: new pulumi.asset.FileAsset(u.source),
                        // The bucket encrypts with SSE-S3 by default; the content hash (not the ETag) drives updates.
                        sourceHash: u.sourceHash,
                        contentType: u.contentType,
                        tags: { ...args.tags, "bdok:sha256": u.sourceHash.slice(0, 32) },
                    },
                    { parent: this },
                ),
        );

        // The templates mount it by name (lake.ts lakeDeps).
        new k8s.core.v1.ConfigMap(
            `${name}-lake-tables`,
            {
                metadata: { name: LAKE_CONFIG_MAP, namespace: args.namespace.metadata.name, labels: { "app.kubernetes.io/part-of": "bdok" } },
                data: lakeConfigMapData(),
            },
            { parent: this },
        );

        this.jobUris = pulumi
            .all(objects.map((o) => pulumi.all([o.bucket, o.key])))
            .apply((pairs) => Object.fromEntries(pairs.map(([b, k]) => [k.slice(BATCH_JOBS_PREFIX.length + 1), s3a(b, k)])));

        this.registerOutputs({
            dagId: this.dagId,
            jobUris: this.jobUris,
            triggerCommand: this.triggerCommand,
            trinoQuery: this.trinoQuery,
        });
    }
}
