import * as pulumi from "@pulumi/pulumi";
import { BATCH_JOBS_PREFIX, DAG_ID, batchJobUploads, triggerDagCommand } from "./specs";
import { s3a } from "../files";
import { jobObject } from "../job-object";
import { LakeDatabases, trinoQuery } from "../lake";

export interface BatchPipelineArgs {
    /** The data-lake bucket (its name). */
    lakeBucket: pulumi.Input<string>;
    /** The stack's Glue databases of the Iceberg namespaces (lib/naming.ts stackNames): the query's schema. */
    databases: LakeDatabases;
    tags: Record<string, string>;
}

/**
 * The IMDB batch pipeline's own resources: the PySpark jobs in the lake's spark-jobs/imdb/,
 * re-uploaded whenever their content changes. Their pods mount the airflow namespace's lake
 * ConfigMap, which the lake's maintenance owns (pipelines/maintenance). The DAG and its
 * SparkApplication templates reach Airflow through its `dagFiles` input (specs.ts batchDagFiles),
 * built before Airflow by the composition root.
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
        const objects = uploads.map((u) => jobObject(name, args.lakeBucket, u, args.tags, { parent: this }));

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
