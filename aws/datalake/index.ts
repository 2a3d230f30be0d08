import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrust } from "../../lib/iam";
import { bookNames, stackNames } from "../../lib/naming";
import { crawlerPolicy, tlsOnlyBucketPolicy } from "./policies";

export interface DataLakeArgs {
    prefix: string;
    /** Keep data on `pulumi destroy` (prod): protect buckets and the catalog, never force-empty. */
    protect: boolean;
    /** Extra buckets besides the lake, e.g. "airflow-logs", "kafka-archive". */
    extraBuckets: string[];
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
    readonly crawlerName: pulumi.Output<string>;
    readonly crawlerArn: pulumi.Output<string>;

    constructor(name: string, args: DataLakeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:aws:DataLake", name, {}, opts);
        const p = { parent: this };
        const stateful = { parent: this, protect: args.protect, retainOnDelete: args.protect };
        const names = stackNames(args.prefix);

        const secureBucket = (id: string): SecureBucket => {
            const bucket = new aws.s3.Bucket(`${name}-${id}`, {
                bucketPrefix: `${args.prefix}-${id}-`,
                // dev: destroy empties the bucket; prod: a non-empty bucket blocks deletion.
                forceDestroy: !args.protect,
                tags: { ...args.tags, Name: `${args.prefix}-${id}` },
            }, stateful);
            const bp = { parent: bucket };
            new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-${id}`, {
                bucket: bucket.id,
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
            }, bp);
            new aws.s3.BucketVersioning(`${name}-${id}`, {
                bucket: bucket.id,
                versioningConfiguration: { status: "Enabled" },
            }, bp);
            const pab = new aws.s3.BucketPublicAccessBlock(`${name}-${id}`, {
                bucket: bucket.id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            }, bp);
            new aws.s3.BucketOwnershipControls(`${name}-${id}`, {
                bucket: bucket.id,
                rule: { objectOwnership: "BucketOwnerEnforced" },
            }, bp);
            // Old versions would otherwise accumulate forever (versioning is on).
            new aws.s3.BucketLifecycleConfiguration(`${name}-${id}`, {
                bucket: bucket.id,
                rules: [{
                    id: "expire-noncurrent",
                    status: "Enabled",
                    filter: {},
                    noncurrentVersionExpiration: { noncurrentDays: 30 },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                }],
            }, bp);
            new aws.s3.BucketPolicy(`${name}-${id}`, {
                bucket: bucket.id,
                policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))),
            }, { parent: bucket, dependsOn: [pab] });
            return { bucket, name: bucket.bucket, arn: bucket.arn };
        };

        this.lake = secureBucket("lake");
        this.buckets = { lake: this.lake };
        for (const id of args.extraBuckets) this.buckets[id] = secureBucket(id);

        // The book's folders, so the layout is visible before the first job writes.
        for (const folder of bookNames.lakePrefixes) {
            new aws.s3.BucketObjectv2(`${name}-lake-${folder.replace(/\/$/, "")}`, {
                bucket: this.lake.bucket.id,
                key: folder,
                content: "",
            }, { parent: this.lake.bucket });
        }

        const database = new aws.glue.CatalogDatabase(`${name}-catalog`, {
            name: names.glueDatabase,
            description: "bdok data lake catalog (IMDB batch pipeline)",
        }, stateful);
        this.databaseName = database.name;

        const identity = aws.getCallerIdentityOutput({}, p);
        const region = aws.getRegionOutput({}, p);
        const crawlerRole = new aws.iam.Role(`${name}-crawler`, {
            namePrefix: `${args.prefix}-crawler-`,
            assumeRolePolicy: JSON.stringify(serviceTrust("glue.amazonaws.com")),
            tags: args.tags,
        }, p);
        new aws.iam.RolePolicy(`${name}-crawler`, {
            role: crawlerRole.id,
            policy: pulumi.all([this.lake.arn, region.region, identity.accountId])
                .apply(([arn, r, acct]) => JSON.stringify(crawlerPolicy(arn, r, acct, names.glueDatabase))),
        }, p);

        const crawler = new aws.glue.Crawler(`${name}-crawler`, {
            name: names.crawler,
            databaseName: database.name,
            role: crawlerRole.arn,
            tablePrefix: bookNames.crawlerTablePrefix,
            s3Targets: [{ path: pulumi.interpolate`s3://${this.lake.name}/${bookNames.consolidatedPrefix}` }],
            // No schedule: the Airflow DAG starts it after the silver job (on demand).
            schemaChangePolicy: { updateBehavior: "UPDATE_IN_DATABASE", deleteBehavior: "LOG" },
            tags: args.tags,
        }, p);
        this.crawlerName = crawler.name;
        this.crawlerArn = crawler.arn;

        this.registerOutputs({
            lakeBucket: this.lake.name,
            databaseName: this.databaseName,
            crawlerName: this.crawlerName,
        });
    }
}
