// The lake buckets' policy: S3 user guide, "Security best practices for Amazon S3" (enforce
// encryption in transit) and AWS Config's s3-bucket-ssl-requests-only: a Deny for every principal
// and every S3 action on the bucket and its objects when aws:SecureTransport is false. Judged with
// the IAM evaluator of test/iam-eval.ts next to a policy that allows everything.
import { strict as assert } from "assert";
import { isAllowed } from "../../test/iam-eval";
import { tlsOnlyBucketPolicy } from "./policies";

const BUCKET = "arn:aws:s3:::bdok-dev-lake";
const allowAll = { Version: "2012-10-17" as const, Statement: [{ Effect: "Allow" as const, Action: "*", Resource: "*" }] };

describe("TLS-only bucket policy (tlsOnlyBucketPolicy)", () => {
    it("denies any request over plain HTTP to the bucket or its objects, whatever the action; HTTPS passes (table)", () => {
        const policy = tlsOnlyBucketPolicy(BUCKET);
        const cases: [string, string, string, boolean][] = [
            ["s3:GetObject", `${BUCKET}/bronze/x.parquet`, "false", false],
            ["s3:PutObject", `${BUCKET}/silver/y`, "false", false],
            ["s3:ListBucket", BUCKET, "false", false],
            ["s3:DeleteBucket", BUCKET, "false", false],
            ["s3:GetObject", `${BUCKET}/bronze/x.parquet`, "true", true],
            ["s3:ListBucket", BUCKET, "true", true],
            // Another bucket is not this policy's concern.
            ["s3:GetObject", "arn:aws:s3:::other/x", "false", true],
            ["s3:GetObject", "arn:aws:s3:::bdok-dev-lake-2/x", "false", true],
            // Other services are untouched.
            ["glue:GetTable", BUCKET, "false", true],
        ];
        for (const [action, resource, secure, ok] of cases)
            assert.equal(
                isAllowed([allowAll, policy], { action, resource, context: { "aws:SecureTransport": secure } }),
                ok,
                `${action} ${resource} secure=${secure}`,
            );
    });

    it("applies to every principal, as a bucket policy must name one", () => {
        const policy = tlsOnlyBucketPolicy(BUCKET);
        assert.equal(policy.Version, "2012-10-17");
        assert.deepEqual(
            policy.Statement.map((s) => [s.Effect, s.Principal]),
            [["Deny", "*"]],
        );
    });
});
