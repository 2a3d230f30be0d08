// The planned IAM policies, evaluated against the S3 requests their clients really make: S3A
// (hadoop-aws 3.4) for Spark, Trino's S3 file system, Airflow's S3 log handler.
import { strict as assert } from "assert";
import type { PolicyDocument } from "../lib/iam";
import { s3Prefixes } from "../lib/iam";
import { CHECKPOINT_KEY, STREAMING_PREFIX } from "../pipelines/realtime/values";
import { BATCH_JOBS_PREFIX } from "../pipelines/batch/specs";
import type { PlanRun } from "../tools/harness";
import { S3Call, isAllowed, s3Allowed } from "./iam-eval";
import { inputsOf, ofType, planOf, STACKS } from "./support";
import { MOCK_ACCOUNT } from "../tools/mocks";

/** The inline policy of the Pod Identity role of namespace/serviceAccount. */
function podPolicy(run: PlanRun, namespace: string, serviceAccount: string): PolicyDocument {
    const assoc = ofType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation").filter(
        (a) => inputsOf(a).namespace === namespace && inputsOf(a).serviceAccount === serviceAccount,
    );
    assert.equal(assoc.length, 1, `one role for ${namespace}/${serviceAccount}`);
    const policies = run.captured.filter((c) => c.parent === assoc[0].parent && c.type === "aws:iam/rolePolicy:RolePolicy");
    assert.equal(policies.length, 1);
    return JSON.parse(inputsOf(policies[0]).policy);
}

const dir = (k: string) => k.replace(/\/?$/, "/");

/**
 * A Glue call as IAM authorizes it: a table call needs the catalog, the database and the table
 * ARNs; a database call the catalog and the database (Glue docs, "Specifying AWS Glue resource ARNs").
 */
function glueAllowed(doc: PolicyDocument, region: string, action: string, database: string, table?: string): boolean {
    const base = `arn:aws:glue:${region}:${MOCK_ACCOUNT}`;
    const resources = [`${base}:catalog`, `${base}:database/${database}`, ...(table ? [`${base}:table/${database}/${table}`] : [])];
    return resources.every((resource) => isAllowed(doc, { action, resource }));
}

/** Iceberg's S3FileIO writing one table: data and metadata files (multipart for large ones), the commit reads, expiry deletes. */
const icebergTableWrite = (table: string): S3Call[] => [
    { op: "PutObject", key: `${table}/data/titletype=movie/00000-0-x.parquet` },
    { op: "CreateMultipartUpload", key: `${table}/data/x.parquet` },
    { op: "UploadPart", key: `${table}/data/x.parquet` },
    { op: "CompleteMultipartUpload", key: `${table}/data/x.parquet` },
    { op: "AbortMultipartUpload", key: `${table}/data/x.parquet` },
    { op: "PutObject", key: `${table}/metadata/00001-x.metadata.json` },
    { op: "PutObject", key: `${table}/metadata/snap-1-x.avro` },
    { op: "HeadObject", key: `${table}/metadata/00001-x.metadata.json` },
    { op: "GetObject", key: `${table}/metadata/00001-x.metadata.json` },
    { op: "DeleteObject", key: `${table}/metadata/00000-x.metadata.json` },
    { op: "DeleteObject", key: `${table}/data/old.parquet` },
    // remove_orphan_files lists the table location through Hadoop (fs.s3.impl = S3A).
    { op: "ListObjectsV2", prefix: `${table}/` },
];
/** S3A getFileStatus of a path that is absent or a "directory": HEAD key, then LIST key/. */
const probe = (key: string): S3Call[] => [
    { op: "HeadObject", key, missing: true },
    { op: "ListObjectsV2", prefix: dir(key) },
];
/** S3A create(overwrite=false) and a single-part or multipart upload. */
const s3aWrite = (key: string): S3Call[] => [
    ...probe(key),
    { op: "CreateMultipartUpload", key },
    { op: "UploadPart", key },
    { op: "CompleteMultipartUpload", key },
    { op: "ListParts", key },
    { op: "AbortMultipartUpload", key },
    { op: "PutObject", key },
];

describe("IAM evaluator (the test's own model of IAM)", () => {
    const arn = "arn:aws:s3:::b";
    const d: PolicyDocument = { Version: "2012-10-17", Statement: s3Prefixes(arn, ["silver"], "read") };
    it("honours StringLike on s3:prefix and fails a condition whose key the request lacks", () => {
        assert.equal(isAllowed(d, { action: "s3:ListBucket", resource: arn, context: { "s3:prefix": "silver/x/" } }), true);
        assert.equal(isAllowed(d, { action: "s3:ListBucket", resource: arn, context: { "s3:prefix": "silverX/" } }), false);
        assert.equal(isAllowed(d, { action: "s3:ListBucket", resource: arn }), false);
    });
    it("lets an explicit Deny win and matches actions case-insensitively", () => {
        const deny: PolicyDocument = {
            Version: "2012-10-17",
            Statement: [...d.Statement, { Effect: "Deny", Action: "s3:*", Resource: `${arn}/silver/secret/*` }],
        };
        assert.equal(isAllowed(deny, { action: "S3:GetObject", resource: `${arn}/silver/a` }), true);
        assert.equal(isAllowed(deny, { action: "s3:GetObject", resource: `${arn}/silver/secret/a` }), false);
    });
});

for (const stack of STACKS) {
    describe(`S3 grants of stack ${stack} against the requests their clients make`, () => {
        let run: PlanRun;
        let lake: string;
        let logs: string;
        const dbs = () => run.plan.outputs.icebergDatabases as { imdb: string; realtime: string };
        before(async () => {
            run = await planOf(stack);
            lake = String(run.plan.outputs.lakeBucket);
            logs = String(run.plan.outputs.airflowLogsBucket);
        });
        const allowed = (doc: PolicyDocument, bucket: string, calls: S3Call[]) => {
            for (const c of calls) assert.equal(s3Allowed(doc, bucket, c), true, `denied: ${JSON.stringify(c)} on ${bucket}`);
        };
        const denied = (doc: PolicyDocument, bucket: string, calls: S3Call[]) => {
            for (const c of calls) assert.equal(s3Allowed(doc, bucket, c), false, `allowed: ${JSON.stringify(c)} on ${bucket}`);
        };

        for (const ns of ["airflow", "kafka"]) {
            it(`Spark (${ns}/spark): S3A reads jobs and inputs, writes layers and the streaming checkpoint`, () => {
                const doc = podPolicy(run, ns, "spark");
                const job = `${ns === "airflow" ? BATCH_JOBS_PREFIX : STREAMING_PREFIX}/job.py`;
                allowed(doc, lake, [
                    { op: "GetBucketLocation" },
                    // spark-submit fetches the main file: getFileStatus, then GET.
                    { op: "HeadObject", key: job },
                    { op: "GetObject", key: job },
                    // A job directory the driver probes (e.g. --py-files, a missing dependency).
                    ...probe(`${BATCH_JOBS_PREFIX}/deps`),
                    // The IMDB jobs (airflow namespace) read the raw files.
                    ...(ns === "airflow" ? [...probe("landing/imdb"), { op: "GetObject", key: "landing/imdb/title.basics.tsv" } as S3Call] : []),
                    // Structured Streaming: the checkpoint's metadata and offsets, written through temp files and renames.
                    ...probe(`${CHECKPOINT_KEY}metadata`),
                    ...s3aWrite(`${CHECKPOINT_KEY}offsets/.0.tmp`),
                    { op: "CopyObject", key: `${CHECKPOINT_KEY}offsets/0` },
                    { op: "DeleteObject", key: `${CHECKPOINT_KEY}offsets/.0.tmp` },
                    ...probe("spark-checkpoint/customers-lake/commits"),
                    ...s3aWrite("spark-checkpoint/customers-lake/commits/.0.tmp"),
                    ...icebergTableWrite(`warehouse/${dbs().realtime}.db/customers`),
                    ...(ns === "airflow" ? icebergTableWrite(`warehouse/${dbs().imdb}.db/consolidated`) : []),
                    { op: "ListMultipartUploads" },
                    // The rolling event log (EventLogFileWriters.scala RollingEventLogFilesWriter): the
                    // base directory probed, the app's folder created, event files written, the
                    // status file renamed from .inprogress when the application ends.
                    ...probe("spark-events"),
                    ...s3aWrite("spark-events/eventlog_v2_spark-1/events_1_spark-1.zstd"),
                    ...s3aWrite("spark-events/eventlog_v2_spark-1/appstatus_spark-1.inprogress"),
                    { op: "CopyObject", key: "spark-events/eventlog_v2_spark-1/appstatus_spark-1" },
                    { op: "DeleteObject", key: "spark-events/eventlog_v2_spark-1/appstatus_spark-1.inprogress" },
                ]);
                denied(doc, lake, [
                    { op: "PutObject", key: "landing/imdb/x" },
                    { op: "PutObject", key: job },
                    { op: "GetObject", key: "other/x" },
                    { op: "GetObject", key: "spark-checkpointX/x" },
                    { op: "DeleteObject", key: "landing/imdb/title.basics.tsv" },
                    // Only the batch pipeline's jobs read its input.
                    ...(ns === "kafka" ? [{ op: "GetObject", key: "landing/imdb/title.basics.tsv" } as S3Call] : []),
                    // The book's layers are no longer written.
                    { op: "PutObject", key: "bronze/imdb/part-0.parquet" },
                    { op: "PutObject", key: "silver/imdb/consolidated/part-0.parquet" },
                    { op: "PutObject", key: "warehouseX/x" },
                ]);
                denied(doc, logs, [{ op: "GetObject", key: "logs/x" }]);
            });

            it(`Spark (${ns}/spark): Iceberg's GlueCatalog loads, creates and commits its namespace's tables; never creates or drops a database`, () => {
                const doc = podPolicy(run, ns, "spark");
                const r = run.config.region;
                const mine = ns === "airflow" ? [dbs().imdb, dbs().realtime] : [dbs().realtime];
                for (const db of mine) {
                    for (const action of ["glue:GetDatabase", "glue:GetTables"]) assert.ok(glueAllowed(doc, r, action, db), `${action} on ${db}`);
                    // loadTable, createTable (first run), commit = UpdateTable with the new metadata_location, dropTable.
                    for (const action of ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable"]) {
                        assert.ok(glueAllowed(doc, r, action, db, "consolidated"), `${action} on ${db}`);
                    }
                    for (const action of ["glue:CreateDatabase", "glue:DeleteDatabase", "glue:UpdateDatabase"])
                        assert.ok(!glueAllowed(doc, r, action, db), `${action} on ${db}`);
                }
                assert.ok(isAllowed(doc, { action: "glue:GetDatabases", resource: `arn:aws:glue:${r}:${MOCK_ACCOUNT}:catalog` }), "list namespaces");
                // Not the hive catalog's database, not another stack's, not the other namespace from the stream's pods.
                const others = [String(run.plan.outputs.glueDatabase), "bdok_other_imdb", ...(ns === "kafka" ? [dbs().imdb] : [])];
                for (const db of others) {
                    assert.ok(!glueAllowed(doc, r, "glue:UpdateTable", db, "t"), `UpdateTable on ${db}`);
                    assert.ok(!glueAllowed(doc, r, "glue:GetTable", db, "t"), `GetTable on ${db}`);
                }
            });
        }

        it("Trino: reads the Iceberg tables' metadata and data files under warehouse/, writes nothing", () => {
            const doc = podPolicy(run, "trino", "trino");
            const table = `warehouse/${dbs().imdb}.db/consolidated`;
            allowed(doc, lake, [
                { op: "GetBucketLocation" },
                { op: "ListObjectsV2", prefix: `${table}/` },
                { op: "HeadObject", key: `${table}/metadata/00001-x.metadata.json` },
                { op: "GetObject", key: `${table}/metadata/00001-x.metadata.json` },
                { op: "GetObject", key: `${table}/metadata/snap-1-x.avro` },
                { op: "GetObject", key: `${table}/data/titletype=movie/00000-0-x.parquet` },
            ]);
            denied(doc, lake, [
                { op: "ListObjectsV2", prefix: "landing/" },
                { op: "GetObject", key: "landing/imdb/x" },
                { op: "ListObjectsV2", prefix: "spark-checkpoint/" },
                { op: "GetObject", key: "spark-checkpoint/customers-lake/commits/0" },
                { op: "PutObject", key: `${table}/metadata/x` },
                { op: "DeleteObject", key: `${table}/data/x` },
            ]);
        });

        it("Trino: its iceberg catalog loads tables from Glue read-only", () => {
            const doc = podPolicy(run, "trino", "trino");
            const r = run.config.region;
            for (const db of [dbs().imdb, dbs().realtime]) {
                assert.ok(glueAllowed(doc, r, "glue:GetDatabase", db) && glueAllowed(doc, r, "glue:GetTables", db), db);
                assert.ok(glueAllowed(doc, r, "glue:GetTable", db, "consolidated"), db);
                for (const action of ["glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable", "glue:CreateDatabase"])
                    assert.ok(!glueAllowed(doc, r, action, db, "t"), `${action} on ${db}`);
            }
            assert.ok(!glueAllowed(doc, r, "glue:GetTable", "bdok_other_imdb", "t"), "another stack's tables");
        });

        it("Airflow: task pods and the triggerer append their logs (HEAD of a new key), the API server reads them", () => {
            const appendLog = (key: string): S3Call[] => [
                { op: "HeadObject", key, missing: true },
                { op: "PutObject", key },
            ];
            const key = "logs/dag_id=imdb_pipeline/run_id=manual/task_id=acquire/attempt=1.log";
            for (const sa of ["airflow-worker", "airflow-triggerer"]) {
                const doc = podPolicy(run, "airflow", sa);
                allowed(doc, logs, [...appendLog(key), { op: "GetObject", key }]);
                denied(doc, logs, [{ op: "PutObject", key: "other/x" }]);
                denied(doc, lake, [{ op: "GetObject", key: "warehouse/x" }]);
            }
            const worker = podPolicy(run, "airflow", "airflow-worker");
            allowed(worker, lake, [
                { op: "PutObject", key: "landing/imdb/title.basics.tsv" },
                { op: "CreateMultipartUpload", key: "landing/imdb/title.basics.tsv" },
                { op: "GetBucketLocation" },
            ]);
            denied(worker, lake, [{ op: "PutObject", key: "warehouse/x" }]);
            const api = podPolicy(run, "airflow", "airflow-api-server");
            allowed(api, logs, [
                { op: "ListObjectsV2", prefix: "logs/dag_id=imdb_pipeline/" },
                { op: "GetObject", key },
            ]);
            denied(api, logs, [{ op: "PutObject", key }]);
        });
    });
}
