// The IAM builders judged by the test's own evaluator (test/iam-eval.ts): what each grant lets a
// client do, and what it does not.
import { strict as assert } from "assert";
import { isAllowed } from "../test/iam-eval";
import { assumeRole, doc, glueCatalogArns, RESOURCE_WILDCARD_ONLY_ACTIONS, s3Prefixes, serviceTrust, wildcardOnly } from "./iam";

const bucket = "arn:aws:s3:::lake";

describe("IAM builders", () => {
    it("s3Prefixes: objects and listings under the prefixes only, writes only for readwrite (table-driven)", () => {
        const read = doc(...s3Prefixes(bucket, ["/silver/", "gold"], "read"));
        const rw = doc(...s3Prefixes(bucket, ["silver"], "readwrite"));
        const whole = doc(...s3Prefixes(bucket, [""], "read"));
        const listAll = doc(...s3Prefixes(bucket, ["silver"], "read", { list: "bucket" }));
        const cases: [string, ReturnType<typeof doc>, string, string, Record<string, string> | undefined, boolean][] = [
            ["read an object under a prefix", read, "s3:GetObject", `${bucket}/silver/a.parquet`, undefined, true],
            ["read under the second prefix", read, "s3:GetObject", `${bucket}/gold/x`, undefined, true],
            ["read beside the prefixes", read, "s3:GetObject", `${bucket}/bronze/a`, undefined, false],
            ["read a sibling that shares the prefix's letters", read, "s3:GetObject", `${bucket}/silverX/a`, undefined, false],
            ["write with read access", read, "s3:PutObject", `${bucket}/silver/a`, undefined, false],
            ["read with readwrite", rw, "s3:GetObject", `${bucket}/silver/a`, undefined, true],
            ["the bucket's location with readwrite", rw, "s3:GetBucketLocation", bucket, undefined, true],
            ["write with readwrite", rw, "s3:PutObject", `${bucket}/silver/a`, undefined, true],
            ["delete with readwrite", rw, "s3:DeleteObject", `${bucket}/silver/a`, undefined, true],
            ["abort an upload with readwrite", rw, "s3:AbortMultipartUpload", `${bucket}/silver/a`, undefined, true],
            ["list the parts of an upload with readwrite", rw, "s3:ListMultipartUploadParts", `${bucket}/silver/a`, undefined, true],
            ["list the uploads of the bucket with readwrite", rw, "s3:ListBucketMultipartUploads", bucket, undefined, true],
            ["list the uploads with read", read, "s3:ListBucketMultipartUploads", bucket, undefined, false],
            ["the bucket's location", read, "s3:GetBucketLocation", bucket, undefined, true],
            ["list the prefix itself", read, "s3:ListBucket", bucket, { "s3:prefix": "silver" }, true],
            ["list under the prefix", read, "s3:ListBucket", bucket, { "s3:prefix": "silver/2024/" }, true],
            ["list another prefix", read, "s3:ListBucket", bucket, { "s3:prefix": "bronze/" }, false],
            ["list without a prefix", read, "s3:ListBucket", bucket, undefined, false],
            ["the root prefix reads every object", whole, "s3:GetObject", `${bucket}/any/key`, undefined, true],
            ["the root prefix lists anything", whole, "s3:ListBucket", bucket, { "s3:prefix": "x/" }, true],
            ["list: bucket lists without a prefix", listAll, "s3:ListBucket", bucket, undefined, true],
            ["list: bucket still reads only the prefix", listAll, "s3:GetObject", `${bucket}/bronze/a`, undefined, false],
            ["another bucket", rw, "s3:GetObject", "arn:aws:s3:::other/silver/a", undefined, false],
        ];
        for (const [what, d, action, resource, context, want] of cases) assert.equal(isAllowed(d, { action, resource, context }), want, what);
    });

    it("s3Prefixes names its statements and trims the prefixes' slashes", () => {
        const s = s3Prefixes(bucket, ["/a/b/"], "read");
        assert.deepEqual(
            s.map((x) => x.Sid),
            ["ListPrefixes", "Bucket", "Objects"],
        );
        assert.deepEqual(s[0].Condition, { StringLike: { "s3:prefix": ["a/b", "a/b/*"] } });
        assert.deepEqual(s[2].Resource, [`${bucket}/a/b/*`]);
        // Every leading and trailing slash: an S3 key has none before its first segment.
        assert.deepEqual(s3Prefixes(bucket, ["//a//"], "read")[2].Resource, [`${bucket}/a/*`]);
        assert.equal(s3Prefixes(bucket, ["a"], "read", { list: "bucket" })[0].Sid, "ListBucket");
        assert.equal(s3Prefixes(bucket, ["a"], "read", { list: "bucket" })[0].Condition, undefined);
    });

    it("a wildcard resource only for the actions that have no resource-level permission", () => {
        for (const action of RESOURCE_WILDCARD_ONLY_ACTIONS)
            assert.deepEqual(wildcardOnly("Token", action), { Sid: "Token", Effect: "Allow", Action: action, Resource: "*" });
        assert.throws(() => wildcardOnly("X", "s3:GetObject"), /^Error: s3:GetObject supports resource-level permissions: name the resource$/);
    });

    it("trust policies let the service assume the role, a service trust carries no Resource", () => {
        const a = assumeRole("ec2.amazonaws.com", ["sts:TagSession"]);
        assert.equal(a.Version, "2012-10-17");
        assert.deepEqual(a.Statement, [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"], Resource: "*" },
        ]);
        const t = serviceTrust("eks.amazonaws.com");
        assert.deepEqual(t.Statement, [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole"] }]);
        assert.deepEqual(assumeRole("x").Statement[0].Action, ["sts:AssumeRole"]);
    });

    it("Glue ARNs of a database: its catalog, itself and its tables (the shapes IAM's Glue resources take)", () => {
        assert.deepEqual(glueCatalogArns("eu-west-1", "123456789012", "db_imdb"), {
            catalog: "arn:aws:glue:eu-west-1:123456789012:catalog",
            database: "arn:aws:glue:eu-west-1:123456789012:database/db_imdb",
            tables: "arn:aws:glue:eu-west-1:123456789012:table/db_imdb/*",
        });
    });
});
