import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { JobUpload } from "./files";

/** A job file in the lake, named after its file and re-uploaded when its content changes. */
export function jobObject(
    prefix: string,
    bucket: pulumi.Input<string>,
    u: JobUpload,
    tags: Record<string, string>,
    opts: pulumi.CustomResourceOptions,
): aws.s3.BucketObjectv2 {
    return new aws.s3.BucketObjectv2(
        `${prefix}-${u.key.split("/").pop()!.replace(/[._]/g, "-")}`,
        {
            bucket,
            key: u.key,
            source: new pulumi.asset.FileAsset(u.source),
            // The bucket encrypts with SSE-S3 by default; the content hash (not the ETag) drives updates.
            sourceHash: u.sourceHash,
            contentType: u.contentType,
            tags: { ...tags, "bdok:sha256": u.sourceHash.slice(0, 32) },
        },
        opts,
    );
}
