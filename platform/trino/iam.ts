import { PolicyDocument, Statement, doc, glueCatalogArns, s3Prefixes } from "../../lib/iam";
import { READ_PREFIXES } from "./values";

/** Glue read on the book's database and its tables; S3 read on bronze/ and silver/ only. */
export function trinoPolicy(lakeBucketArn: string, region: string, accountId: string, database: string): PolicyDocument {
    const glue = glueCatalogArns(region, accountId, database);
    const catalog: Statement = {
        Sid: "GlueRead",
        Effect: "Allow",
        Action: [
            "glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
            "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition",
            "glue:GetColumnStatisticsForTable", "glue:GetColumnStatisticsForPartition",
        ],
        Resource: [glue.catalog, glue.database, glue.tables],
    };
    return doc(catalog, ...s3Prefixes(lakeBucketArn, READ_PREFIXES, "read"));
}
