import * as aws from "@pulumi/aws";
import { EVENT_LOG_RETENTION_DAYS, SPARK_EVENTS_PREFIX } from "../../platform/spark-history/events";
import * as pulumi from "@pulumi/pulumi";
import { bookNames, stackNames } from "../../lib/naming";
import { tlsOnlyBucketPolicy } from "./policies";

export type IcebergNamespace = "imdb" | "realtime";

export interface DataLakeArgs {
    prefix: string;
    /** Keep data on `pulumi destroy` (prod): protect buckets and the catalog, never force-empty. */
    protect: boolean;
    /** Extra buckets besides the lake, e.g. "airflow-logs", "kafka-archive". */
    extraBuckets: string[];
    /** The Iceberg namespaces a pipeline of the stack writes: each gets its Glue database, no other. */
    icebergNamespaces: IcebergNamespace[];
    tags: Record<string, string>;
}

export interface SecureBucket {
    bucket: aws.s3.Bucket;
    name: pulumi.Output<string>;
    arn: pulumi.Output<string>;
}

export class DataLake extends pulumi.ComponentResource {
    readonly lake: SecureBucket;
    readonly buckets: Record<string, SecureBucket>;
    readonly databaseName: pulumi.Output<string>;
    /** Glue databases of the written Iceberg namespaces (pipelines/tables.json), by namespace. */
    readonly icebergDatabases: Partial<Record<IcebergNamespace, aws.glue.CatalogDatabase>>;
    readonly icebergDatabaseNames: Partial<Record<IcebergNamespace, pulumi.Output<string>>>;

    constructor(name: string, args: DataLakeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:aws:DataLake", name, {}, opts);
        const stateful = { parent: this, protect: args.protect, retainOnDelete: args.protect };
        const names = stackNames(args.prefix);

        const secureBucket = (id: string): SecureBucket => {
            const bucket = new aws.s3.Bucket(
                `${name}-${id}`,
                {
                    bucketPrefix: `${args.prefix}-${id}-`,
                    // dev: destroy empties the bucket; prod: a non-empty bucket blocks deletion.
                    forceDestroy: !args.protect,
                    tags: { ...args.tags, Name: `${args.prefix}-${id}` },
                },
                stateful,
            );
            const bp = { parent: bucket };
            new aws.s3.BucketServerSideEncryptionConfiguration(
                `${name}-${id}`,
                {
                    bucket: bucket.id,
                    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
                },
                bp,
            );
            new aws.s3.BucketVersioning(
                `${name}-${id}`,
                {
                    bucket: bucket.id,
                    versioningConfiguration: { status: "Enabled" },
                },
                bp,
            );
            const pab = new aws.s3.BucketPublicAccessBlock(
                `${name}-${id}`,
                {
                    bucket: bucket.id,
                    blockPublicAcls: true,
                    blockPublicPolicy: true,
                    ignorePublicAcls: true,
                    restrictPublicBuckets: true,
                },
                bp,
            );
            new aws.s3.BucketOwnershipControls(
                `${name}-${id}`,
                {
                    bucket: bucket.id,
                    rule: { objectOwnership: "BucketOwnerEnforced" },
                },
                bp,
            );
            // Old versions would otherwise accumulate forever (versioning is on).
            new aws.s3.BucketLifecycleConfiguration(
                `${name}-${id}`,
                {
                    bucket: bucket.id,
                    rules: [
                        {
                            id: "expire-noncurrent",
                            status: "Enabled",
                            filter: {},
                            noncurrentVersionExpiration: { noncurrentDays: 30 },
                            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                        },
                        // Spark's event logs: the History Server only reads (no cleaner), so S3 expires them.
                        ...(id === "lake"
                            ? [
                                  {
                                      id: "expire-spark-events",
                                      status: "Enabled",
                                      filter: { prefix: SPARK_EVENTS_PREFIX },
                                      expiration: { days: EVENT_LOG_RETENTION_DAYS },
                                  },
                              ]
                            : []),
                    ],
                },
                bp,
            );
            new aws.s3.BucketPolicy(
                `${name}-${id}`,
                {
                    bucket: bucket.id,
                    policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))),
                },
                { parent: bucket, dependsOn: [pab] },
            );
            return { bucket, name: bucket.bucket, arn: bucket.arn };
        };

        this.lake = secureBucket("lake");
        this.buckets = { lake: this.lake };
        for (const id of args.extraBuckets) this.buckets[id] = secureBucket(id);

        // The book's folders, so the layout is visible before the first job writes.
        for (const folder of bookNames.lakePrefixes) {
            new aws.s3.BucketObjectv2(
                `${name}-lake-${folder.replace(/\/$/, "")}`,
                {
                    bucket: this.lake.bucket.id,
                    key: folder,
                    content: "",
                },
                { parent: this.lake.bucket },
            );
        }

        const database = new aws.glue.CatalogDatabase(
            `${name}-catalog`,
            {
                name: names.glueDatabase,
                description: "bdok data lake catalog (Trino hive catalog: plain-file tables)",
            },
            stateful,
        );
        this.databaseName = database.name;

        // The Iceberg tables' databases (pipelines/tables.json namespaces). No locationUri: tables
        // land under the catalog warehouse, warehouse/<db>.db/<table>. Pulumi owns them (the jobs
        // may not CreateDatabase); dev's DeleteDatabase drops their tables with them.
        const what: Record<IcebergNamespace, string> = { imdb: "IMDB batch pipeline", realtime: "customers stream" };
        this.icebergDatabases = {};
        this.icebergDatabaseNames = {};
        for (const ns of args.icebergNamespaces) {
            const db = new aws.glue.CatalogDatabase(
                `${name}-iceberg-${ns}`,
                {
                    name: names.icebergDatabases[ns],
                    description: `bdok Iceberg tables: ${what[ns]}`,
                },
                stateful,
            );
            this.icebergDatabases[ns] = db;
            this.icebergDatabaseNames[ns] = db.name;
        }

        this.registerOutputs({
            lakeBucket: this.lake.name,
            databaseName: this.databaseName,
            icebergDatabaseNames: this.icebergDatabaseNames,
        });
    }
}
