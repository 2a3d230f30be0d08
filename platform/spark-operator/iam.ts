import { PolicyDocument, Statement, doc, s3Prefixes } from "../../lib/iam";

/** The lake prefixes Spark jobs read and write (the book's layout). */
export const SPARK_LAKE_ACCESS = {
    read: ["landing/", "spark-jobs/"],
    readwrite: ["bronze/", "silver/", "spark-checkpoint/"],
} as const;

/** IAM statements may not share a Sid within one policy: prefix each with its purpose. */
function withSid(prefix: string, statements: Statement[]): Statement[] {
    return statements.map((s) => ({ ...s, Sid: `${prefix}${s.Sid ?? ""}` }));
}

/**
 * S3 access of Spark pods: read the inputs and the job code, read-write the layers and checkpoints.
 * S3A probes paths with HEAD before it lists or writes them (getFileStatus, create, checkpoint
 * commits), so it may list the lake's key names: a missing key is then a 404, not a 403.
 */
export function sparkPodPolicy(lakeArn: string): PolicyDocument {
    const [list, ...read] = s3Prefixes(lakeArn, [...SPARK_LAKE_ACCESS.read], "read", { list: "bucket" });
    const [, ...readwrite] = s3Prefixes(lakeArn, [...SPARK_LAKE_ACCESS.readwrite], "readwrite", { list: "bucket" });
    return doc(list, ...withSid("Read", read), ...withSid("ReadWrite", readwrite));
}
