import { bookNames } from "../../lib/naming";
import { doc, glueCatalogArns, PolicyDocument, s3Prefixes, Statement } from "../../lib/iam";

/** The crawler may read only the consolidated table's prefix and write only to its database. */
export function crawlerPolicy(bucketArn: string, region: string, accountId: string, database: string) {
    const glue = glueCatalogArns(region, accountId, database);
    return doc(
        ...s3Prefixes(bucketArn, [bookNames.consolidatedPrefix], "read"),
        {
            Sid: "Catalog",
            Effect: "Allow",
            Action: [
                "glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable",
                "glue:GetPartition", "glue:GetPartitions", "glue:BatchCreatePartition", "glue:BatchGetPartition",
                "glue:UpdatePartition", "glue:CreatePartition",
            ],
            Resource: [glue.catalog, glue.database, glue.tables],
        },
        {
            Sid: "CrawlerLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `arn:aws:logs:${region}:${accountId}:log-group:/aws-glue/crawlers*`,
        },
    );
}

/** TLS-only bucket policy: deny any request not made over HTTPS. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
    return doc({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    } as Statement);
}
