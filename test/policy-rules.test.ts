// The pack's rules run over small stacks (issue 21, item 5: the mutation survivors of policy/s3.ts and
// the rest of policy/). Each case is a stack a user could declare and what the rule must say about it;
// the expectations come from the upstream inputs and docs cited per table, not from the rules' code.
import { strict as assert } from "assert";
import { resolveConfig } from "../policy/config";
import { literalCredentials } from "../policy/kubernetes";
import { UNKNOWN, arr, isCustomResourceType, k8sTypeOf, keysOf, list, read, show, toNumber, walk } from "../policy/props";
import { cidrRange, isLoadBalancerSecurityGroup, isPublicSubnet, publicAddresses } from "../policy/network";
import { runPolicies, stackResources } from "../tools/policy-run";
import type { PlanResourceLike } from "../tools/policy-run";
import { dep, goodKafkaConfig, kafka, nodePool, prod, res, secureBucket } from "./fixtures/policy-cases/builders";

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
        const s3 = (await runPolicies(stack, prod)).violations.filter((v) => v.policy.startsWith("s3-"));
        assert.deepEqual(s3, []);
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

    it("read: the plan's [unknown] stands for everything below it; scalars, null and undefined have no fields", () => {
        assert.equal(read({ a: "[unknown]" }, "a", "b"), UNKNOWN);
        assert.equal(read(UNKNOWN, "x"), UNKNOWN);
        for (const v of [null, undefined, "text", 5, true]) assert.equal(read(v, "length"), undefined, String(v));
        assert.equal(read({ a: null }, "a", "b"), undefined);
        assert.deepEqual([arr(undefined), arr(null), arr(UNKNOWN), arr("x"), arr(["x", "[unknown]"])], [[], [], [], ["x"], ["x", UNKNOWN]]);
        assert.deepEqual(list(["a", 1, null, "b"]), ["a", "b"]);
        assert.deepEqual([keysOf("text"), keysOf(["a"]), keysOf(null), keysOf({ k: 1 })], [[], [], [], ["k"]]);
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
        const inList: Record<string, unknown> = { name: "y" };
        inList.list = [inList];
        let m = 0;
        walk(inList, () => m++);
        assert.ok(m > 0 && m < 1000, `${m} visits`);
    });

    // Kafka and Kubernetes configs write numbers as numbers or as numeric strings.
    const NUMBERS: [unknown, number | undefined][] = [
        [3, 3],
        ["3", 3],
        [" 3 ", 3],
        ["-1", -1],
        ["1.5", 1.5],
        ["1.25", 1.25],
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

describe("network: public subnets, load balancer groups, open ingress (policy/network.ts)", () => {
    const stackOf = (rs: PlanResourceLike[]) => stackResources(rs);
    const igw = () => res("aws:ec2/internetGateway:InternetGateway", "igw", {});
    const nat = () => res("aws:ec2/natGateway:NatGateway", "nat", {});
    const subnet = (inputs: Record<string, unknown> = {}) => res("aws:ec2/subnet:Subnet", "s", { cidrBlock: "10.0.0.0/24", ...inputs });
    const table = (name: string, routes: unknown[] = []) => res("aws:ec2/routeTable:RouteTable", name, { routes });
    const assoc = (s: PlanResourceLike, rt: PlanResourceLike) =>
        dep(dep(res("aws:ec2/routeTableAssociation:RouteTableAssociation", `${s.name}-${rt.name}`, {}), "subnetId", s), "routeTableId", rt);
    const route = (rt: PlanResourceLike, inputs: Record<string, unknown>, gw?: PlanResourceLike) => {
        const r = dep(res("aws:ec2/route:Route", `r-${rt.name}`, { destinationCidrBlock: "0.0.0.0/0", ...inputs }), "routeTableId", rt);
        return gw ? dep(r, "gatewayId", gw) : r;
    };

    // A subnet is public when instances get public IPs (mapPublicIpOnLaunch), when AWS LBC may put
    // internet-facing load balancers in it (tag kubernetes.io/role/elb, LBC docs "Subnet auto-discovery"),
    // or when its route table sends traffic to an internet gateway (VPC user guide, "Subnet types").
    const SUBNETS: [string, () => { s: PlanResourceLike; all: PlanResourceLike[] }, boolean][] = [
        ["mapPublicIpOnLaunch", () => ({ s: subnet({ mapPublicIpOnLaunch: true }), all: [] }), true],
        ["the elb role tag", () => ({ s: subnet({ tags: { "kubernetes.io/role/elb": "1" } }), all: [] }), true],
        ["the internal-elb role tag", () => ({ s: subnet({ tags: { "kubernetes.io/role/internal-elb": "1" } }), all: [] }), false],
        ["tier public", () => ({ s: subnet({ tags: { "bdok/tier": "public" } }), all: [] }), true],
        ["tier private", () => ({ s: subnet({ tags: { "bdok/tier": "private" } }), all: [] }), false],
        ["no route table", () => ({ s: subnet(), all: [] }), false],
        ...((): [string, () => { s: PlanResourceLike; all: PlanResourceLike[] }, boolean][] => {
            const mk =
                (routes: (rt: PlanResourceLike) => PlanResourceLike[], inline: unknown[] = [], viaIgw = false) =>
                () => {
                    const s = subnet();
                    const gw = igw();
                    const rt = viaIgw ? dep(table("rt", inline), "routes", gw) : table("rt", inline);
                    return { s, all: [s, gw, nat(), rt, assoc(s, rt), ...routes(rt)] };
                };
            return [
                ["an inline route to igw-", mk(() => [], [{ cidrBlock: "0.0.0.0/0", gatewayId: "igw-0abc" }]), true],
                ["an inline route to a NAT gateway", mk(() => [], [{ cidrBlock: "0.0.0.0/0", natGatewayId: "nat-0abc" }]), false],
                ["an inline gatewayId that only contains igw-", mk(() => [], [{ cidrBlock: "0.0.0.0/0", gatewayId: "vgw-igw-1" }]), false],
                ["inline routes whose input depends on the IGW", mk(() => [], [{ cidrBlock: "0.0.0.0/0" }], true), true],
                ["a Route resource to igw-", mk((rt) => [route(rt, { gatewayId: "igw-0abc" })]), true],
                ["a Route resource depending on the IGW", mk((rt) => [route(rt, {}, igw())]), true],
                ["a Route resource to a NAT gateway", mk((rt) => [route(rt, { natGatewayId: "nat-0abc" })]), false],
                [
                    "a Route to igw- on another table",
                    () => {
                        const s = subnet();
                        const rt = table("rt");
                        const other = table("other");
                        return { s, all: [s, rt, other, assoc(s, rt), route(other, { gatewayId: "igw-0abc" })] };
                    },
                    false,
                ],
                [
                    "another subnet's table routes to igw-",
                    () => {
                        const s = subnet();
                        const s2 = res("aws:ec2/subnet:Subnet", "s2", {});
                        const rt = table("rt", [{ gatewayId: "igw-0abc" }]);
                        return { s, all: [s, s2, rt, assoc(s2, rt)] };
                    },
                    false,
                ],
            ];
        })(),
    ];
    for (const [what, build, pub] of SUBNETS)
        it(`a subnet with ${what} is ${pub ? "public" : "not public"}`, () => {
            const { s, all } = build();
            const resources = stackOf(all.length ? all : [s]);
            const mine = resources.find((r) => r.urn === s.urn)!;
            assert.equal(isPublicSubnet(mine, resources), pub);
        });

    // IPv4 dotted quads of 0-255 (RFC 791), IPv6 groups with one "::" (RFC 4291 2.2); anything else is no CIDR.
    const CIDRS: [string, boolean][] = [
        ["255.255.255.255/32", true],
        ["1.2.3.4.5/8", false],
        ["a1.2.3.4/8", false],
        ["10.0.0.0/8x", false],
        ["1.2::3/64", false],
        ["fe80::1:2/128", true],
    ];
    for (const [cidr, ok] of CIDRS) it(`${cidr} is ${ok ? "" : "not "}a CIDR`, () => assert.equal(cidrRange(cidr) !== undefined, ok));
    it("fe80::1:2 is read group by group", () =>
        assert.deepEqual(cidrRange("fe80::1:2/128"), { v6: true, lo: (0xfe80n << 112n) | (1n << 16n) | 2n, hi: (0xfe80n << 112n) | (1n << 16n) | 2n }));

    // RFC 1122 loopback and RFC 1918 addresses are no public address, down to a single one.
    const ONE: [string[], bigint][] = [
        [["127.0.0.1/32"], 0n],
        [["10.0.0.1/32"], 0n],
        [["8.8.8.8/32"], 1n],
        [["8.0.0.0/8", "8.255.255.255/32"], 1n << 24n],
    ];
    for (const [cidrs, n] of ONE) it(`public IPv4 addresses of ${cidrs.join(", ")}: ${n}`, () => assert.equal(publicAddresses(cidrs).v4, n));

    it("a load balancer's security group: tagged as one, or listed by a load balancer (not by anything else)", () => {
        const sg = res("aws:ec2/securityGroup:SecurityGroup", "sg", {});
        const tagged = res("aws:ec2/securityGroup:SecurityGroup", "tagged", { tags: { "bdok/role": "load-balancer" } });
        const otherTag = res("aws:ec2/securityGroup:SecurityGroup", "other-tag", { tags: { "bdok/role": "nodes" } });
        const lb = dep(res("aws:lb/loadBalancer:LoadBalancer", "lb", {}), "securityGroups", sg);
        const inst = dep(res("aws:ec2/instance:Instance", "vm", {}), "securityGroups", otherTag);
        const all = stackOf([sg, tagged, otherTag, lb, inst]);
        const get = (n: string) => all.find((r) => r.name === n);
        assert.equal(isLoadBalancerSecurityGroup(get("sg"), all), true);
        assert.equal(isLoadBalancerSecurityGroup(get("tagged"), all), true);
        assert.equal(isLoadBalancerSecurityGroup(get("other-tag"), all), false);
        assert.equal(isLoadBalancerSecurityGroup(undefined, all), false);
    });

    // EC2 SecurityGroup ingress blocks, vpc.SecurityGroupIngressRule (cidrIpv4, ipProtocol) and
    // ec2.SecurityGroupRule (type ingress|egress): @pulumi/aws 7.48 ec2/securityGroup.d.ts, vpc/securityGroupIngressRule.d.ts, ec2/securityGroupRule.d.ts.
    it("sg-no-public-ingress says where, what range, which protocol and ports, for each way of writing a rule", async () => {
        const sg = res("aws:ec2/securityGroup:SecurityGroup", "web", {
            ingress: [
                { fromPort: 5432, toPort: 5432, protocol: "tcp", cidrBlocks: ["10.0.0.0/16"] },
                { fromPort: 22, toPort: 22, protocol: "tcp", cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
            ],
        });
        const target = res("aws:ec2/securityGroup:SecurityGroup", "db", {});
        const rule = dep(
            res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ssh", { cidrIpv4: "0.0.0.0/0", fromPort: 22, toPort: 22, ipProtocol: "tcp" }),
            "securityGroupId",
            target,
        );
        const old = dep(
            res("aws:ec2/securityGroupRule:SecurityGroupRule", "all", {
                type: "ingress",
                cidrBlocks: ["0.0.0.0/0"],
                fromPort: 0,
                toPort: 65535,
                protocol: "-1",
            }),
            "securityGroupId",
            target,
        );
        const egress = dep(
            res("aws:ec2/securityGroupRule:SecurityGroupRule", "out", { type: "egress", cidrBlocks: ["0.0.0.0/0"], fromPort: 0, toPort: 0, protocol: "-1" }),
            "securityGroupId",
            target,
        );
        const got = (await findings("sg-no-public-ingress", [sg, target, rule, old, egress])).map((f) => `${f.at}: ${f.message.split(";")[0]}`).sort();
        assert.deepEqual(got, [
            'all: SecurityGroupRule "all": cidrBlocks admits 0.0.0.0/0 on -1 0-65535, and the group\'s ranges together cover the internet',
            'ssh: SecurityGroupIngressRule "ssh": cidrIpv4/cidrIpv6 admits 0.0.0.0/0 on tcp 22-22, and the group\'s ranges together cover the internet',
            'web: SecurityGroup "web": ingress[1] admits 0.0.0.0/0, ::/0 on tcp 22-22, and the group\'s ranges together cover the internet',
        ]);
    });

    it("sg-no-public-ingress: rules with no group count on their own; unset ports and protocol read as ?", async () => {
        const half = (name: string, cidr: string) => res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name, { cidrIpv4: cidr });
        assert.deepEqual(await findings("sg-no-public-ingress", [half("a", "8.0.0.0/8"), half("b", "9.0.0.0/8")]), []);
        const got = await findings("sg-no-public-ingress", [half("c", "0.0.0.0/0")]);
        assert.equal(got.length, 1);
        assert.match(got[0].message, /admits 0\.0\.0\.0\/0 on \? \?-\?, /);
    });
});

describe("KMS rotation and IMDS on node templates (policy/keys-nodes.ts)", () => {
    // AWS KMS developer guide, "Rotate AWS KMS keys": automatic rotation exists for symmetric
    // encryption keys only (not asymmetric, HMAC or signing keys); @pulumi/aws kms/key.d.ts names the
    // spec customerMasterKeySpec (deprecated) or keySpec, and the usage keyUsage.
    const KEYS: [string, Record<string, unknown>, number][] = [
        ["a symmetric key without rotation", {}, 1],
        ["a symmetric key with rotation", { enableKeyRotation: true }, 0],
        ["rotation not known yet", { enableKeyRotation: "[unknown]" }, 0],
        ['rotation "true" as text', { enableKeyRotation: "true" }, 1],
        ["keySpec SYMMETRIC_DEFAULT without rotation", { keySpec: "SYMMETRIC_DEFAULT" }, 1],
        ["keySpec RSA_2048 (asymmetric)", { keySpec: "RSA_2048", keyUsage: "ENCRYPT_DECRYPT" }, 0],
        ["customerMasterKeySpec ECC_NIST_P256 (asymmetric)", { customerMasterKeySpec: "ECC_NIST_P256" }, 0],
        ["an HMAC key", { keySpec: "HMAC_256", keyUsage: "GENERATE_VERIFY_MAC" }, 0],
        ["a symmetric signing usage", { keyUsage: "SIGN_VERIFY" }, 0],
        ["usage ENCRYPT_DECRYPT said out loud", { keyUsage: "ENCRYPT_DECRYPT" }, 1],
    ];
    for (const [what, inputs, n] of KEYS)
        it(`kms-key-rotation: ${what}`, async () => {
            const got = await findings("kms-key-rotation", [res("aws:kms/key:Key", "k", inputs)]);
            assert.equal(got.length, n, JSON.stringify(got));
            for (const f of got) assert.match(f.message, /^Key "k": enableKeyRotation is .+; set enableKeyRotation: true\.$/);
        });

    // Karpenter EC2NodeClass spec.metadataOptions defaults: httpTokens required, hop limit 1 (Karpenter
    // docs, NodeClasses); an EC2 launch template's: httpTokens optional, hop limit 1 (EC2 user guide,
    // "Configure instance metadata options for new instances").
    const nodeClass = (metadataOptions?: Record<string, unknown>) =>
        res("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "nodes", { spec: metadataOptions ? { metadataOptions } : {} });
    const lt = (metadataOptions?: Record<string, unknown>) => res("aws:ec2/launchTemplate:LaunchTemplate", "lt", metadataOptions ? { metadataOptions } : {});
    const IMDS: [string, PlanResourceLike, string | undefined][] = [
        ["an EC2NodeClass on Karpenter's defaults", nodeClass(), undefined],
        ["a launch template on EC2's defaults (IMDSv1 on)", lt(), 'httpTokens is "optional" (IMDSv1 allowed)'],
        ["a launch template requiring tokens, hop limit left at 1", lt({ httpTokens: "required" }), undefined],
        ["tokens not known yet", lt({ httpTokens: "[unknown]", httpPutResponseHopLimit: 1 }), undefined],
        ["hop limit not known yet", nodeClass({ httpPutResponseHopLimit: "[unknown]" }), undefined],
        ["hop limit 2", nodeClass({ httpPutResponseHopLimit: 2 }), "httpPutResponseHopLimit is 2 (pods reach the node's role)"],
        ["hop limit not a number", nodeClass({ httpPutResponseHopLimit: "two" }), 'httpPutResponseHopLimit is "two" (pods reach the node\'s role)'],
        [
            "both wrong",
            nodeClass({ httpTokens: "optional", httpPutResponseHopLimit: 3 }),
            'httpTokens is "optional" (IMDSv1 allowed), httpPutResponseHopLimit is 3 (pods reach the node\'s role)',
        ],
        [
            "a Karpenter NodePool is no node template",
            res("kubernetes:karpenter.sh/v1:NodePool", "pool", { spec: { metadataOptions: { httpTokens: "optional" } } }),
            undefined,
        ],
    ];
    for (const [what, r, problem] of IMDS)
        it(`nodes-imdsv2-one-hop: ${what}`, async () => {
            const got = await findings("nodes-imdsv2-one-hop", [r]);
            assert.deepEqual(
                got.map((f) => f.message),
                problem === undefined ? [] : [`${r.type.split(":").pop()} "${r.name}": ${problem}; set httpTokens: required and httpPutResponseHopLimit: 1.`],
            );
        });
});

describe("the pack's configuration, EKS, Elastic, images, Kafka and RDS over small stacks", () => {
    it("an empty stack name in the pack's configuration falls back to the URN's stack; no URN at all reads as unknown", () => {
        assert.equal(resolveConfig({ stack: "" }, "urn:pulumi:prod::bdok::t::n").stack, "prod");
        assert.equal(resolveConfig({}, undefined).stack, "unknown");
    });

    it("every rule runs over an empty stack without failing", async () => {
        const report = await runPolicies([], prod);
        assert.deepEqual(report.violations, []);
    });

    it("eks-private-nodes: managed node groups (subnetIds) and self-managed ones (nodeSubnetIds) in a public subnet are named with it; a public load balancer is no node group", async () => {
        const pub = res("aws:ec2/subnet:Subnet", "public-a", { mapPublicIpOnLaunch: true });
        const priv = res("aws:ec2/subnet:Subnet", "private-a", {});
        const pubB = res("aws:ec2/subnet:Subnet", "public-b", { tags: { "kubernetes.io/role/elb": "1" } });
        const managed = dep(res("eks:index:ManagedNodeGroup", "managed", {}), "subnetIds", priv, pub, pubB);
        const selfManaged = dep(res("eks:index:NodeGroupV2", "self", {}), "nodeSubnetIds", pub);
        const alb = dep(res("aws:lb/loadBalancer:LoadBalancer", "alb", {}), "subnetIds", pub);
        const got = (await findings("eks-private-nodes", [pub, pubB, priv, managed, selfManaged, alb])).map((f) => `${f.at}: ${f.message}`).sort();
        assert.deepEqual(got, [
            'managed: ManagedNodeGroup "managed": node group in public subnet(s) public-a, public-b; allowed: the private subnets only.',
            'self: NodeGroupV2 "self": node group in public subnet(s) public-a; allowed: the private subnets only.',
        ]);
    });

    it("EKS messages list every missing log type and every broad CIDR", async () => {
        const logs = await findings("eks-control-plane-logging", [
            res("aws:eks/cluster:Cluster", "c", { enabledClusterLogTypes: ["api", "audit", "authenticator"] }),
        ]);
        assert.match(
            logs[0].message,
            /misses controllerManager, scheduler; enabledClusterLogTypes must list api, audit, authenticator, controllerManager, scheduler\.$/,
        );
        const open = await findings("eks-endpoint-restricted-prod", [
            res("aws:eks/cluster:Cluster", "c", { vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0", "10.0.0.0/4"] } }),
        ]);
        assert.match(open[0].message, /publicAccessCidrs admits "0\.0\.0\.0\/0", "10\.0\.0\.0\/4" \(broader than \/8\)/);
        // A boolean the plan holds as text.
        assert.deepEqual(
            await findings("eks-endpoint-restricted-prod", [res("aws:eks/cluster:Cluster", "c", { vpcConfig: { endpointPublicAccess: "false" } })]),
            [],
        );
        assert.deepEqual(await findings("eks-endpoint-restricted-prod", [res("eks:index:Cluster", "c", { endpointPublicAccess: "false" })]), []);
    });

    it("Elastic: a node count not known yet is skipped; TLS off written as text is reported", async () => {
        const unknown = res("kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch", "es", { spec: { nodeSets: [{ count: 1 }, { count: "[unknown]" }] } });
        assert.deepEqual(await findings("elasticsearch-nodes-prod", [unknown]), []);
        for (const disabled of [true, "true"]) {
            const kb = res("kubernetes:kibana.k8s.elastic.co/v1:Kibana", "kb", { spec: { http: { tls: { selfSignedCertificate: { disabled } } } } });
            const got = await findings("elastic-tls", [kb]);
            assert.deepEqual(
                got.map((f) => f.message),
                ['Kibana "kb": spec.http.tls.selfSignedCertificate.disabled is true; TLS must stay on.'],
            );
        }
    });

    it("k8s-images-by-digest: a Helm image map with a tag only (the chart's repository) is by tag; Airflow's tag or digest not known yet is skipped", async () => {
        const rel = (values: Record<string, unknown>) => res("kubernetes:helm.sh/v3:Release", "r", { chart: "x", values });
        const tagOnly = await findings("k8s-images-by-digest", [rel({ image: { tag: "1.2.3" } })]);
        assert.equal(tagOnly.length, 1);
        assert.match(tagOnly[0].message, /\(the chart's repository\):1\.2\.3: by tag only/);
        for (const values of [
            { defaultAirflowRepository: "apache/airflow", defaultAirflowTag: "[unknown]" },
            { defaultAirflowRepository: "apache/airflow", defaultAirflowTag: "2.10.0", defaultAirflowDigest: "[unknown]" },
        ])
            assert.deepEqual(await findings("k8s-images-by-digest", [rel(values)]), [], JSON.stringify(values));
        assert.equal((await findings("k8s-images-by-digest", [rel({ defaultAirflowRepository: "apache/airflow", defaultAirflowTag: "2.10.0" })])).length, 1);
    });

    it("kafka-brokers-prod counts pools of the cluster's namespace only; Kafka authorization not known yet is skipped; allow.everyone as text is reported", async () => {
        const k = kafka(goodKafkaConfig);
        const pool = (ns: string) => {
            const p = nodePool(3);
            (p.inputs as any).metadata.namespace = ns;
            return p;
        };
        assert.deepEqual(await findings("kafka-brokers-prod", [k, pool("kafka")]), []);
        assert.equal((await findings("kafka-brokers-prod", [k, pool("other")])).length, 1);
        const spec = (k.inputs as any).spec;
        const unknownAuthz = res(k.type, "k2", { ...k.inputs, spec: { ...spec, kafka: { ...spec.kafka, authorization: "[unknown]" } } });
        assert.deepEqual(await findings("kafka-tls-authn-authz", [unknownAuthz]), []);
        for (const v of [true, "true"]) {
            const open = kafka({ ...goodKafkaConfig, "allow.everyone.if.no.acl.found": v });
            assert.equal((await findings("kafka-tls-authn-authz", [open])).length, 1, String(v));
        }
    });

    it("rds-force-ssl: a parameter group family not known yet is skipped", async () => {
        const pg = res("aws:rds/parameterGroup:ParameterGroup", "pg", { family: "[unknown]", parameters: [] });
        assert.deepEqual(await findings("rds-force-ssl", [pg]), []);
    });
});
