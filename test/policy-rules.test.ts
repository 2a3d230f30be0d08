// The pack's rules run over small stacks (issue 21, item 5: the mutation survivors of policy/s3.ts and
// the rest of policy/). Each case is a stack a user could declare and what the rule must say about it;
// the expectations come from the upstream inputs and docs cited per table, not from the rules' code.
import { strict as assert } from "assert";
import { literalCredentials } from "../policy/kubernetes";
import { UNKNOWN, arr, isCustomResourceType, k8sTypeOf, read, show, toNumber, walk } from "../policy/props";
import { runPolicies } from "../tools/policy-run";
import type { PlanResourceLike } from "../tools/policy-run";
import { dep, prod, res, secureBucket } from "./fixtures/policy-cases/builders";

/** The messages one rule reports over `resources`, with the resource each points at. */
async function findings(rule: string, resources: PlanResourceLike[], cfg = prod): Promise<{ message: string; at: string }[]> {
    const byUrn = new Map(resources.map((r) => [r.urn, r.name]));
    return (await runPolicies(resources, cfg)).violations
        .filter((v) => v.policy === rule)
        .map((v) => ({ message: v.message, at: `${byUrn.get(v.urn ?? "") ?? v.urn}` }));
}

const tlsDoc = (bucketArn: string) =>
    JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    });

describe("policy rules over small stacks: S3 (policy/s3.ts)", () => {
    it("a bucket with its five companions breaks no S3 rule, and the companions are not taken for buckets", async () => {
        const stack = [...secureBucket("lake"), ...secureBucket("logs")];
        for (const rule of [
            "s3-bucket-encryption",
            "s3-bucket-versioning",
            "s3-public-access-block",
            "s3-tls-only",
            "s3-ownership-enforced",
            "s3-no-force-destroy-prod",
        ])
            assert.deepEqual(await findings(rule, stack), [], rule);
    });

    // @pulumi/aws 7.48 s3/bucket.d.ts: Bucket still takes the inline (deprecated) serverSideEncryptionConfiguration
    // { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm } } } (line 355) and an inline `policy` (line 333).
    const inlineSse = (sseAlgorithm: string) => ({ rule: { applyServerSideEncryptionByDefault: { sseAlgorithm } } });
    const ENCRYPTION: [string, Record<string, unknown>, number][] = [
        ["inline AES256", inlineSse("AES256"), 0],
        ["inline aws:kms", inlineSse("aws:kms"), 0],
        ["inline, an algorithm S3 does not have", inlineSse("AES128"), 1],
    ];
    for (const [what, sse, n] of ENCRYPTION)
        it(`s3-bucket-encryption: a bucket's ${what} encryption, no separate configuration`, async () => {
            const stack = secureBucket("lake", { sse: null, bucket: { serverSideEncryptionConfiguration: sse } });
            const got = await findings("s3-bucket-encryption", stack);
            assert.equal(got.length, n, JSON.stringify(got));
            for (const f of got) assert.match(f.message, /S3 bucket "lake" has no default encryption/);
        });

    it("s3-bucket-encryption: a configuration with a wrong algorithm is named, with what it sets and what is allowed", async () => {
        const stack = secureBucket("lake", { sse: { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES128" } }] } });
        const got = await findings("s3-bucket-encryption", stack);
        assert.equal(got.length, 1);
        assert.equal(got[0].at, "lake");
        assert.match(
            got[0].message,
            /^S3 bucket "lake": encryption configuration "lake" sets sseAlgorithm \["AES128"\]; allowed: AES256, aws:kms, aws:kms:dsse\.$/,
        );
    });

    it("s3-bucket-versioning: a status the engine does not know yet (preview) is not reported; Suspended is", async () => {
        const unknown = secureBucket("lake", { versioning: { versioningConfiguration: { status: "[unknown]" } } });
        assert.deepEqual(await findings("s3-bucket-versioning", unknown), []);
        const suspended = secureBucket("lake", { versioning: { versioningConfiguration: { status: "Suspended" } } });
        assert.equal((await findings("s3-bucket-versioning", suspended)).length, 1);
    });

    // @pulumi/aws 7.48 s3/bucket.d.ts line 373: Bucket's inline (deprecated) versioning { enabled }.
    const VERSIONING: [string, Record<string, unknown>, number][] = [
        ["inline versioning enabled", { versioning: { enabled: true } }, 0],
        ["inline versioning off", { versioning: { enabled: false } }, 1],
        ["no versioning at all", {}, 1],
    ];
    for (const [what, bucket, n] of VERSIONING)
        it(`s3-bucket-versioning: a bucket with ${what} and no BucketVersioning`, async () => {
            const got = await findings("s3-bucket-versioning", secureBucket("lake", { versioning: null, bucket }));
            assert.equal(got.length, n, JSON.stringify(got));
        });

    it("s3-public-access-block: a missing block and a weak one each say what to set", async () => {
        const none = await findings("s3-public-access-block", secureBucket("lake", { pab: null }));
        assert.equal(none.length, 1);
        assert.match(
            none[0].message,
            /"lake" has no BucketPublicAccessBlock: add one with blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets all true/,
        );
        const weak = await findings(
            "s3-public-access-block",
            secureBucket("lake", { pab: { blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true } }),
        );
        assert.equal(weak.length, 1);
        assert.match(weak[0].message, /public access block "lake" leaves blockPublicPolicy, restrictPublicBuckets not true/);
    });

    it("s3-tls-only: the bucket's inline policy counts; a policy not known yet (it names the bucket's ARN) is skipped", async () => {
        const inline = secureBucket("lake", { policy: null, bucket: { bucket: "lake", policy: tlsDoc("arn:aws:s3:::lake") } });
        assert.deepEqual(await findings("s3-tls-only", inline), []);
        const unknown = secureBucket("lake", { policy: "[unknown]" });
        assert.deepEqual(await findings("s3-tls-only", unknown), []);
        const none = secureBucket("lake", { policy: null });
        assert.equal((await findings("s3-tls-only", none)).length, 1);
    });

    it("s3-tls-only: a TLS statement on another bucket's ARN does not protect this one (its name from the bucket input)", async () => {
        // The BucketPolicy names the bucket through a dependency (no string in its `bucket` input).
        const b = res("aws:s3/bucket:Bucket", "lake", { bucket: "lake" });
        const p = dep(res("aws:s3/bucketPolicy:BucketPolicy", "lake", { policy: tlsDoc("arn:aws:s3:::other") }, { parent: b.urn }), "bucket", b);
        const got = await findings("s3-tls-only", [b, p]);
        assert.equal(got.length, 1);
        assert.match(got[0].message, /S3 bucket "lake" accepts plain HTTP/);
        const own = dep(res("aws:s3/bucketPolicy:BucketPolicy", "lake", { policy: tlsDoc("arn:aws:s3:::lake") }, { parent: b.urn }), "bucket", b);
        assert.deepEqual(await findings("s3-tls-only", [b, own]), []);
    });

    it("s3-ownership-enforced: an ownership not known yet is skipped; ObjectWriter is reported", async () => {
        assert.deepEqual(await findings("s3-ownership-enforced", secureBucket("lake", { ownership: { rule: { objectOwnership: "[unknown]" } } })), []);
        assert.equal((await findings("s3-ownership-enforced", secureBucket("lake", { ownership: { rule: { objectOwnership: "ObjectWriter" } } }))).length, 1);
    });
});

describe("policy rules over small stacks: credentials in config text (policy/kubernetes.ts)", () => {
    // A line whose first non-blank character is "#" is a comment in YAML (spec 1.2.2, 6.6 "Comments")
    // and in Java properties (java.util.Properties#load: "#" or "!" starts a comment line): it sets nothing.
    const TEXT: [string, string, string[]][] = [
        ["a YAML setting", "host: db\npassword: changeme\n", ["data.app.yaml"]],
        ["a commented-out YAML setting", "host: db\n# password: changeme\n", []],
        ["an indented comment", "db:\n  host: db\n  # password: changeme\n", []],
    ];
    for (const [what, text, want] of TEXT)
        it(`no-literal-credentials: ${what}`, () => {
            const got = literalCredentials({ data: { "app.yaml": text } }).map((h) => h.path);
            assert.deepEqual([...new Set(got)], want);
        });
});

describe("reading resource properties (policy/props.ts)", () => {
    // The real thing: @pulumi/policy wraps every resource's props in unknownCheckingProxy during a
    // preview (server.js), whose getter throws UnknownValueError on a value not known yet (proxy.js).
    const proxy = require("@pulumi/policy/proxy");
    const live = (props: Record<string, unknown>) => proxy.unknownCheckingProxy(props);

    it("a value the engine does not know yet reads as UNKNOWN through the real proxy, and so does what lies below it", () => {
        const p = live({ a: { b: proxy.unknownStringValue, c: "x" }, l: [proxy.unknownStringValue, "y"], o: proxy.unknownObjectValue });
        assert.equal(read(p, "a", "b"), UNKNOWN);
        assert.equal(read(p, "a", "c"), "x");
        assert.equal(read(p, "o", "deeper"), UNKNOWN);
        assert.deepEqual(arr(read(p, "l")), [UNKNOWN, "y"]);
        // The same error under its own constructor: other errors are bugs and must surface.
        const broken = new Proxy(
            {},
            {
                get: () => {
                    throw new TypeError("boom");
                },
            },
        );
        assert.throws(() => read(broken, "x"), /boom/);
    });

    it("walk visits every key with its path, and stops on a cycle instead of hanging", () => {
        const seen: string[] = [];
        walk({ a: { b: [1, { c: 2 }] } }, (_h, _k, _v, path) => seen.push(path));
        assert.deepEqual(seen, ["a", "a.b", "a.b[1].c"]);
        const cyclic: Record<string, unknown> = { name: "x" };
        cyclic.self = cyclic;
        let n = 0;
        walk(cyclic, () => n++);
        assert.ok(n > 0 && n < 1000, `${n} visits`);
    });

    // Kafka and Kubernetes configs write numbers as numbers or as numeric strings.
    const NUMBERS: [unknown, number | undefined][] = [
        [3, 3],
        ["3", 3],
        [" 3 ", 3],
        ["-1", -1],
        ["1.5", 1.5],
        ["3.", undefined],
        ["1e3", undefined],
        ["3 replicas", undefined],
        ["x3", undefined],
        ["", undefined],
        [Number.NaN, undefined],
        [Number.POSITIVE_INFINITY, undefined],
        [true, undefined],
    ];
    for (const [v, want] of NUMBERS) it(`toNumber(${JSON.stringify(v) ?? String(v)}) is ${want}`, () => assert.equal(toNumber(v), want));

    it("show keeps messages short: values over 60 characters are cut to 57 and an ellipsis", () => {
        const at = (n: number) => "x".repeat(n - 2); // JSON adds the two quotes
        assert.equal(show(at(60)), JSON.stringify(at(60)));
        assert.equal(show(at(61)), `${JSON.stringify(at(61)).slice(0, 57)}...`);
        assert.equal(show(at(61)).length, 60);
        assert.equal(show(UNKNOWN), "(unknown)");
        assert.equal(show(undefined), "(not set)");
        assert.equal(show(Symbol("s")), "Symbol(s)"); // JSON has no form for it
    });

    // Pulumi Kubernetes type tokens: kubernetes:<group>/<version>:<Kind>, core as "core/v1" (pulumi-kubernetes).
    const TYPES: [string, boolean][] = [
        ["kubernetes:kafka.strimzi.io/v1beta2:Kafka", true],
        ["kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", true],
        ["kubernetes:kafka.strimzi.io/v1beta2:KafkaList", false],
        ["kubernetes:core/v1:Service", false],
        ["kubernetes:apps/v1:Deployment", false],
        ["kubernetes:helm.sh/v3:Release", false],
        ["kubernetes:yaml/v2:ConfigGroup", false],
        ["kubernetes:v1:Thing", false], // the core group without its name
        ["aws:s3/bucket:Bucket", false],
        ["xkubernetes:kafka.strimzi.io/v1beta2:Kafka", false],
        ["kubernetes:kafka.strimzi.io/v1beta2:Kafka-x", false],
    ];
    for (const [type, custom] of TYPES) it(`${type} is ${custom ? "" : "not "}a custom resource`, () => assert.equal(isCustomResourceType(type), custom));

    it("k8sTypeOf names the core group", () => {
        assert.deepEqual(k8sTypeOf("kubernetes:core/v1:Service"), { group: "core", version: "v1", kind: "Service" });
        assert.deepEqual(k8sTypeOf("kubernetes:v1:Service"), { group: "core", version: "v1", kind: "Service" });
        assert.equal(k8sTypeOf("kubernetes:core/v1:Service:x"), undefined);
    });
});
