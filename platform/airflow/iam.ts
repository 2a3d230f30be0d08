import { PolicyDocument, Statement, doc, s3Prefixes } from "../../lib/iam";

// ---------------------------------------------------------------------------------------------
// IAM: one role per service account that touches AWS

export interface AirflowAwsResources {
    lakeBucketArn: string;
    logsBucketArn: string;
}

const LOGS = "logs";

/** Lake prefixes a pipeline's Airflow tasks read or write (its needs; none without a pipeline). */
export interface LakeGrant {
    sid: string;
    prefixes: string[];
    access: "read" | "readwrite";
}

function sids(prefix: string, statements: Statement[]): Statement[] {
    return statements.map((s) => ({ ...s, Sid: `${prefix}${s.Sid ?? ""}` }));
}

/**
 * Task logs: the S3 handler checks whether the log object exists before appending (a HEAD of a
 * key that is usually missing), so writers may list the logs bucket; it holds only logs/.
 */
function logWriter(logsBucketArn: string): Statement[] {
    return sids("Logs", s3Prefixes(logsBucketArn, [LOGS], "readwrite", { list: "bucket" }));
}

/** Task pods: write raw data to landing/, write task logs (the Spark pods, not Airflow, touch Glue). */
export function workerPolicy(r: AirflowAwsResources, lake: LakeGrant[] = []): PolicyDocument {
    return doc(...lake.flatMap((g) => sids(g.sid, s3Prefixes(r.lakeBucketArn, g.prefixes, g.access))), ...logWriter(r.logsBucketArn));
}

/** Triggerer: deferred tasks append their logs. */
export function triggererPolicy(r: AirflowAwsResources): PolicyDocument {
    return doc(...logWriter(r.logsBucketArn));
}

/** API server: shows task logs, so it reads them back from S3. */
export function apiServerPolicy(r: AirflowAwsResources): PolicyDocument {
    return doc(...sids("Logs", s3Prefixes(r.logsBucketArn, [LOGS], "read")));
}
