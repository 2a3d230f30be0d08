import * as pulumi from "@pulumi/pulumi";
import type { JobUpload } from "./files";
import { s3a } from "./files";
import { jobObject } from "./job-object";

export interface UserJobsArgs {
    /** The data-lake bucket (its name). */
    lakeBucket: pulumi.Input<string>;
    /** pipelines/user.ts userJobFiles: the users' job files, each to spark-jobs/user/<file>. */
    uploads: JobUpload[];
    tags: Record<string, string>;
}

/** Users' Spark job files in the lake, re-uploaded whenever their content changes. */
export class UserJobs extends pulumi.ComponentResource {
    /** s3a:// URIs of the uploaded files, by object key. */
    readonly uris: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: UserJobsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:pipelines:UserJobs", name, {}, opts);
        const objects = args.uploads.map((u) => jobObject(name, args.lakeBucket, u, args.tags, { parent: this }));
        this.uris = pulumi.all(objects.map((o) => pulumi.all([o.bucket, o.key]))).apply((pairs) => Object.fromEntries(pairs.map(([b, k]) => [k, s3a(b, k)])));
        this.registerOutputs({ uris: this.uris });
    }
}
