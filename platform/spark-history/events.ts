// Where every SparkApplication writes its event log, and what the History Server reads: one prefix
// of the lake bucket. Pure: imported by the SparkApplication builder and by the History Server.
import type { Statement } from "../../lib/iam";

/** The lake prefix of the event logs (a folder object in the lake, so both sides find a directory). */
export const SPARK_EVENTS_PREFIX = "spark-events/";
/** How long the lake keeps an event log (an S3 lifecycle rule: the server's cleaner would need delete rights). */
export const EVENT_LOG_RETENTION_DAYS = 30;

/**
 * GetObject on the directory's own key, which never exists: S3A's getFileStatus of the directory
 * (Spark's EventLogFileWriter.requireLogBaseDirAsDirectory, the History Server's first scan) sends
 * HEAD "spark-events" before it LISTs "spark-events/" (S3AFileSystem.s3GetFileStatus, StatusProbeEnum
 * Head), and S3 answers a HEAD the caller may not GET with 403, not 404.
 */
export function eventLogDirectoryProbe(lakeArn: string): Statement {
    return { Sid: "EventLogDirectoryProbe", Effect: "Allow", Action: "s3:GetObject", Resource: `${lakeArn}/${SPARK_EVENTS_PREFIX.replace(/\/$/, "")}` };
}

/** The event-log directory as Spark names it (S3A). */
export function eventLogDir(bucket: string): string {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(bucket)) throw new Error(`event log: ${JSON.stringify(bucket)} is not an S3 bucket name`);
    return `s3a://${bucket}/${SPARK_EVENTS_PREFIX.replace(/\/$/, "")}`;
}

/**
 * The event log of every application. Rolling (Spark 3.0+, docs/monitoring.md "Applying compaction
 * on rolling event log files"): S3A makes an object visible only when it is closed, so a single
 * file of the always-on streaming job would never show; rolled files appear as each one closes.
 * 16m keeps a quiet stream's files appearing within hours; Spark's floor is 10m
 * (config/package.scala EVENT_LOG_ROLLING_MAX_FILE_SIZE checkValue). No compaction: the server
 * only reads (its role is read-only), so spark.history.fs.eventLog.rolling.maxFilesToRetain stays unset.
 */
export function eventLogConf(bucket: string): Record<string, string> {
    return {
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": eventLogDir(bucket),
        "spark.eventLog.rolling.enabled": "true",
        "spark.eventLog.rolling.maxFileSize": "16m",
    };
}
