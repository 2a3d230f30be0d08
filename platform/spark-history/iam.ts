import { PolicyDocument, doc, s3Prefixes } from "../../lib/iam";
import { SPARK_EVENTS_PREFIX, eventLogDirectoryProbe } from "./events";

/**
 * The History Server reads the event logs, nothing else: no write, no delete (its cleaner and
 * compaction stay off). S3A probes paths with HEAD and LIST (getFileStatus), and a HEAD of a missing
 * key is a 403 unless the caller may list the bucket (lib/iam.ts S3PrefixOptions): key names of the
 * lake, never contents outside spark-events/.
 */
export function historyPolicy(lakeArn: string): PolicyDocument {
    return doc(...s3Prefixes(lakeArn, [SPARK_EVENTS_PREFIX], "read", { list: "bucket" }), eventLogDirectoryProbe(lakeArn));
}
