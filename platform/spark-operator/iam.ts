import { SPARK_EVENTS_PREFIX, eventLogDirectoryProbe } from "../spark-history/events";
import { PolicyDocument, Statement, doc, glueCatalogArns, s3Prefixes } from "../../lib/iam";

/**
 * The lake prefixes every Spark job reads and writes: code; Iceberg tables, stream checkpoints and
 * the event logs (rolling event logs are renamed when they close: S3A copies and deletes).
 */
export const SPARK_LAKE_ACCESS = {
    read: ["spark-jobs/"],
    readwrite: ["warehouse/", "spark-checkpoint/", SPARK_EVENTS_PREFIX],
} as const;

/**
 * What Iceberg's GlueCatalog calls for the jobs: load and list namespaces and tables, create a
 * table, commit (UpdateTable with the new metadata location), drop. No CreateDatabase: the
 * databases are Pulumi's.
 */
export const ICEBERG_GLUE_WRITE = [
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:GetTable",
    "glue:GetTables",
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:DeleteTable",
] as const;

export interface GlueScope {
    region: string;
    accountId: string;
    /** The Iceberg namespaces' Glue databases. */
    databases: string[];
}

/** What the jobs of one namespace need beyond SPARK_LAKE_ACCESS (a pipeline's raw input, e.g. landing/). */
export interface SparkExtraAccess {
    reads?: string[];
}

/** The catalog, each database and its tables (Glue authorizes a table call on all three). */
export function glueResources(g: GlueScope): string[] {
    const arns = g.databases.map((d) => glueCatalogArns(g.region, g.accountId, d));
    return [arns[0].catalog, ...arns.flatMap((a) => [a.database, a.tables])];
}

/** IAM statements may not share a Sid within one policy: prefix each with its purpose. */
function withSid(prefix: string, statements: Statement[]): Statement[] {
    return statements.map((s) => ({ ...s, Sid: `${prefix}${s.Sid ?? ""}` }));
}

/**
 * Spark pods: read the inputs and the job code, read-write the Iceberg warehouse and the
 * checkpoints, and the Iceberg tables' Glue entries. S3A probes paths with HEAD before it lists or
 * writes them (getFileStatus, create, checkpoint commits), so it may list the lake's key names: a
 * missing key is then a 404, not a 403 (a prefix condition cannot help, HEAD carries no prefix).
 */
export function sparkPodPolicy(lakeArn: string, glue: GlueScope, extra: SparkExtraAccess = {}): PolicyDocument {
    const [list, ...read] = s3Prefixes(lakeArn, [...(extra.reads ?? []), ...SPARK_LAKE_ACCESS.read], "read", { list: "bucket" });
    const [, ...readwrite] = s3Prefixes(lakeArn, [...SPARK_LAKE_ACCESS.readwrite], "readwrite", { list: "bucket" });
    // No written database, no catalog grant (a job namespace whose pipeline is off).
    const catalog: Statement[] = glue.databases.length
        ? [{ Sid: "IcebergCatalog", Effect: "Allow", Action: [...ICEBERG_GLUE_WRITE], Resource: glueResources(glue) }]
        : [];
    return doc(list, ...withSid("Read", read), ...withSid("ReadWrite", readwrite), eventLogDirectoryProbe(lakeArn), ...catalog);
}
