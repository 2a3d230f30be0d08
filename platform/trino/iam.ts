import { PolicyDocument, Statement, doc, glueCatalogArns, s3Prefixes } from "../../lib/iam";
import { READ_PREFIXES } from "./values";

/**
 * Glue read on the hive catalog's database and on the Iceberg databases (loading a table reads its
 * Glue entry, whose metadata_location points into the warehouse); S3 read on warehouse/ only.
 */
export function trinoPolicy(lakeBucketArn: string, region: string, accountId: string, database: string, icebergDatabases: string[]): PolicyDocument {
    const glue = glueCatalogArns(region, accountId, database);
    const iceberg = icebergDatabases.map((d) => glueCatalogArns(region, accountId, d));
    const icebergRead: Statement = {
        Sid: "IcebergGlueRead",
        Effect: "Allow",
        Action: ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables"],
        Resource: [glue.catalog, ...iceberg.flatMap((a) => [a.database, a.tables])],
    };
    const catalog: Statement = {
        Sid: "GlueRead",
        Effect: "Allow",
        Action: [
            "glue:GetDatabase",
            "glue:GetDatabases",
            "glue:GetTable",
            "glue:GetTables",
            "glue:GetPartition",
            "glue:GetPartitions",
            "glue:BatchGetPartition",
            "glue:GetColumnStatisticsForTable",
            "glue:GetColumnStatisticsForPartition",
        ],
        Resource: [glue.catalog, glue.database, glue.tables],
    };
    return doc(catalog, icebergRead, ...s3Prefixes(lakeBucketArn, READ_PREFIXES, "read"));
}
