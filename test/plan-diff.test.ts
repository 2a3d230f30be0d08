// plan:diff: resources added, removed and changed by URN, changed inputs as paths old → new,
// secrets masked; on synthetic plans, on real plans of two configurations, and through the CLI.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../tools/harness";
import { loadStackConfig } from "../tools/stack-files";
import {
    atRisk,
    changedLines,
    diffPlans,
    diffValues,
    PlanLike,
    renderMarkdown,
    renderText,
    replacementModel,
    ResourceLike,
    SECRET,
    unusedRules,
} from "../tools/plan-diff";
import { runInProcess } from "./in-process";
import { planOf, planWith, STACKS } from "./support";

const r = (name: string, inputs: Record<string, unknown>, extra: Partial<ResourceLike> = {}): ResourceLike => ({
    urn: `urn:pulumi:dev::bdok::aws:s3/bucket:Bucket::${name}`,
    type: "aws:s3/bucket:Bucket",
    name,
    parent: null,
    provider: null,
    dependencies: [],
    protect: false,
    retainOnDelete: false,
    inputs,
    ...extra,
});
const plan = (...resources: ResourceLike[]): PlanLike => ({ stack: "dev", resources });

describe("plan diff", () => {
    it("lists added, removed and changed resources by URN", () => {
        const d = diffPlans(plan(r("a", { x: 1 }), r("b", { x: 1 }), r("c", { x: 1 })), plan(r("a", { x: 1 }), r("c", { x: 2 }), r("d", {})));
        assert.deepEqual(
            d.added.map((x) => x.name),
            ["d"],
        );
        assert.deepEqual(
            d.removed.map((x) => x.name),
            ["b"],
        );
        assert.deepEqual(
            d.changed.map((x) => [x.name, x.changes]),
            [["c", [{ path: "x", kind: "changed", old: 1, new: 2 }]]],
        );
        assert.equal(d.unchanged, 1);
    });

    it("names changed inputs by path, inside objects, arrays and JSON documents", () => {
        const before = { tags: { Name: "a", Old: "x" }, rules: [{ status: "Enabled" }], policy: JSON.stringify({ Statement: [{ Action: "s3:GetObject" }] }) };
        const after = {
            tags: { Name: "b", New: "y" },
            rules: [{ status: "Suspended" }, { status: "Enabled" }],
            policy: JSON.stringify({ Statement: [{ Action: "s3:*" }] }),
        };
        assert.deepEqual(diffValues(before, after), [
            { path: "policy<json>.Statement[0].Action", kind: "changed", old: "s3:GetObject", new: "s3:*" },
            { path: "rules[0].status", kind: "changed", old: "Enabled", new: "Suspended" },
            { path: "rules[1]", kind: "added", new: { status: "Enabled" } },
            { path: "tags.Name", kind: "changed", old: "a", new: "b" },
            { path: "tags.New", kind: "added", new: "y" },
            { path: "tags.Old", kind: "removed", old: "x" },
        ]);
    });

    it("reports option and dependency changes", () => {
        const d = diffPlans(
            plan(r("a", {})),
            plan(r("a", {}, { protect: true, retainOnDelete: true, dependencies: ["urn:pulumi:dev::bdok::aws:kms/key:Key::k"] })),
        );
        assert.deepEqual(
            d.changed[0].changes.map((c) => c.path),
            ["[protect]", "[retainOnDelete]", "[dependsOn]"],
        );
        assert.match(renderText(d), /\[dependsOn\]: aws:kms\/key:Key::k/);
    });

    it("keeps secrets masked: equal secrets are no change, and a secret never shows its value", () => {
        assert.deepEqual(diffValues({ password: SECRET }, { password: SECRET }), []);
        const d = diffPlans(plan(r("a", { password: "plain-old" })), plan(r("a", { password: SECRET })));
        assert.deepEqual(d.changed[0].changes, [{ path: "password", kind: "changed", old: "plain-old", new: SECRET }]);
        assert.match(renderText(d), /password: "plain-old" → \[secret\]/);
    });

    it("renders Markdown for a job summary and a PR comment", () => {
        const d = diffPlans(plan(r("a", { x: 1 }), r("b", {})), plan(r("a", { x: 2 }), r("c|d", {})));
        const md = renderMarkdown(d);
        assert.match(md, /^### Offline plan diff: `dev`/);
        assert.match(md, /\*\*1 to add, 1 to remove, 1 to change \(1 in place, 0 replaced, 0 refused\), 0 unchanged\*\*/);
        assert.match(md, /\| ➕ \| `aws:s3\/bucket:Bucket` \| c\\\|d \|/);
        assert.match(md, /<details><summary>.*a: update \(1 change\)<\/summary>/);
        assert.match(md, /! x: 1 → 2/);
        assert.match(renderMarkdown(diffPlans(plan(), plan())), /No changes\./);
        assert.ok(renderMarkdown(d, 50).includes("(cut: the full diff is in the job log)"));
    });

    describe("update, replace or refused", () => {
        const res = (type: string, name: string, inputs: Record<string, unknown>, extra: Partial<ResourceLike> = {}): ResourceLike => ({
            urn: `urn:pulumi:dev::bdok::${type}::${name}`,
            type,
            name,
            inputs,
            ...extra,
        });
        // Expectations from the upstream sources, written here, not read from the model.
        const table: { what: string; type: string; before: Record<string, unknown>; after: Record<string, unknown>; want: string }[] = [
            // terraform-provider-aws vpc_subnet.go: cidr_block ForceNew; tags update in place.
            {
                what: "a subnet's CIDR",
                type: "aws:ec2/subnet:Subnet",
                before: { cidrBlock: "10.0.0.0/18" },
                after: { cidrBlock: "10.1.0.0/18" },
                want: "replace",
            },
            { what: "a subnet's tags", type: "aws:ec2/subnet:Subnet", before: { tags: { a: "1" } }, after: { tags: { a: "2" } }, want: "update" },
            // RDS modifies class and engine version in place, cannot go down, and engine replaces.
            {
                what: "an RDS class",
                type: "aws:rds/instance:Instance",
                before: { instanceClass: "db.t4g.micro" },
                after: { instanceClass: "db.t4g.small" },
                want: "update",
            },
            { what: "an RDS major up", type: "aws:rds/instance:Instance", before: { engineVersion: "16" }, after: { engineVersion: "17" }, want: "update" },
            { what: "an RDS major down", type: "aws:rds/instance:Instance", before: { engineVersion: "17" }, after: { engineVersion: "16" }, want: "refused" },
            { what: "an RDS engine", type: "aws:rds/instance:Instance", before: { engine: "postgres" }, after: { engine: "mysql" }, want: "replace" },
            // EKS: one minor at a time, never down (update-cluster.adoc L23, L102).
            { what: "Kubernetes up one minor", type: "eks:index:Cluster", before: { version: "1.34" }, after: { version: "1.35" }, want: "update" },
            { what: "Kubernetes up two minors", type: "eks:index:Cluster", before: { version: "1.33" }, after: { version: "1.35" }, want: "refused" },
            { what: "Kubernetes down", type: "eks:index:Cluster", before: { version: "1.35" }, after: { version: "1.34" }, want: "refused" },
            // terraform-provider-aws eks/cluster.go (5f2286d6d836) L744-L763: a second encryption key is never associated; L64-L67: only removal replaces.
            {
                what: "the cluster's secrets key",
                type: "eks:index:Cluster",
                before: { encryptionConfigKeyArn: "arn:aws:kms:us-east-1:1:key/a" },
                after: { encryptionConfigKeyArn: "arn:aws:kms:us-east-1:1:key/b" },
                want: "refused",
            },
            // pulumi-kubernetes diff.go: Job spec.template, ConfigMap data, metadata.name replace; Deployment replicas do not.
            {
                what: "a Job's template",
                type: "kubernetes:batch/v1:Job",
                before: { spec: { template: { spec: { x: 1 } } } },
                after: { spec: { template: { spec: { x: 2 } } } },
                want: "replace",
            },
            { what: "a ConfigMap's data", type: "kubernetes:core/v1:ConfigMap", before: { data: { a: "1" } }, after: { data: { a: "2" } }, want: "replace" },
            {
                what: "a Kafka CR's name",
                type: "kubernetes:kafka.strimzi.io/v1:Kafka",
                before: { metadata: { name: "a" } },
                after: { metadata: { name: "b" } },
                want: "replace",
            },
            {
                what: "a Deployment's replicas",
                type: "kubernetes:apps/v1:Deployment",
                before: { spec: { replicas: 1 } },
                after: { spec: { replicas: 2 } },
                want: "update",
            },
            // Subnets placed by zone name before 61943cc, by zone ID since (docs/operations.md, "Subnets by zone ID").
            {
                what: "a subnet's zone given by ID instead of name",
                type: "aws:ec2/subnet:Subnet",
                before: { availabilityZone: "us-east-1a" },
                after: { availabilityZoneId: "use1-az1" },
                want: "replace",
            },
            {
                what: "an access entry's principal",
                type: "aws:eks/accessEntry:AccessEntry",
                before: { principalArn: "a" },
                after: { principalArn: "b" },
                want: "replace",
            },
        ];
        for (const row of table) {
            it(`${row.what}: ${row.want}`, () => {
                const d = diffPlans(plan(res(row.type, "x", row.before)), plan(res(row.type, "x", row.after)));
                assert.equal(d.changed.length, 1);
                assert.equal(d.changed[0].action, row.want, d.changed[0].reasons.join("; "));
            });
        }

        it("carries a replacement to the inputs that take its outputs, and flags data holders first", () => {
            const vpc = res("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: "10.0.0.0/16" });
            const sub = res(
                "aws:ec2/subnet:Subnet",
                "sub",
                { cidrBlock: "10.0.0.0/18", vpcId: "vpc-1", availabilityZone: "a" },
                { propertyDependencies: { vpcId: [vpc.urn] } },
            );
            const group = res("aws:rds/subnetGroup:SubnetGroup", "db", { subnetIds: ["s-1"] }, { propertyDependencies: { subnetIds: [sub.urn] } });
            const bucket = res("aws:s3/bucket:Bucket", "lake", { bucket: "lake" });
            const d = diffPlans(
                plan(vpc, sub, group, bucket),
                plan({ ...vpc, inputs: { cidrBlock: "10.9.0.0/16" } }, { ...sub, inputs: { ...sub.inputs, cidrBlock: "10.9.0.0/18" } }, group),
            );
            assert.deepEqual(
                d.changed.map((c) => [c.name, c.action]),
                [
                    ["vpc", "replace"],
                    ["sub", "replace"],
                    ["db", "refused"],
                ],
            );
            const risk = atRisk(d);
            assert.match(risk[0], /^REFUSED aws:rds\/subnetGroup:SubnetGroup db: subnetIds: .*InvalidParameterValue/);
            assert.match(risk[1], /^DELETES DATA aws:s3\/bucket:Bucket lake/);
            const text = renderText(d);
            assert.ok(text.indexOf("REFUSED") < text.indexOf("+- aws:ec2/vpc:Vpc vpc (replace)"), text);
        });

        it("prints the changed lines of a long text, wherever they are", () => {
            const lines = Array.from({ length: 200 }, (_, i) => `line ${i}: ${"x".repeat(20)}`);
            const changedText = [...lines.slice(0, 150), "line 150: changed", ...lines.slice(151)].join("\n");
            const d = diffPlans(plan(r("a", { yaml: lines.join("\n") })), plan(r("a", { yaml: changedText })));
            const text = renderText(d);
            assert.match(text, /- {2}151\| line 150: x+/);
            assert.match(text, /\+ {2}151\| line 150: changed/);
            assert.ok(!text.includes("line 10:"), "unchanged lines far from the change are left out");
            assert.deepEqual(changedLines("a\nb\nc", "a\nc"), ["     1| a", "-    2| b", "     2| c"]);
            // One long line: the difference is shown, not a prefix the two sides share.
            const long = "p".repeat(300);
            const one = renderText(diffPlans(plan(r("a", { s: `${long}OLD` })), plan(r("a", { s: `${long}NEW` }))));
            assert.match(one, /OLD.*→.*NEW/);
        });
    });

    describe("on real plans", () => {
        it("every row of model/replacements.json matches a resource type of some stack's plan; one that stops matching is reported", async function () {
            this.timeout(300_000);
            const plans = [];
            for (const stack of STACKS) plans.push((await planOf(stack)).plan);
            assert.deepEqual(unusedRules(plans), []);
            const renamed = structuredClone(replacementModel());
            renamed.replace[0].type = "aws:ec2/vpc:VpcTypo";
            renamed.dataHolders[0].type += "Typo";
            assert.deepEqual(unusedRules(plans, renamed), [`replace[0] aws:ec2/vpc:VpcTypo`, `dataHolders[0] ${renamed.dataHolders[0].type}`]);
        });

        it("shows a vpcCidr change as replacements of the network, refused by EKS and RDS, data holders first", async () => {
            const [base, head] = await Promise.all([planOf("dev"), planWith("dev", { "bdok:vpcCidr": "10.30.0.0/16" })]);
            const d = diffPlans(base.plan, head.plan);
            const action = (type: string) => d.changed.filter((c) => c.type === type).map((c) => c.action);
            assert.deepEqual(action("aws:ec2/vpc:Vpc"), ["replace"]);
            assert.deepEqual(action("aws:ec2/subnet:Subnet"), ["replace", "replace", "replace", "replace"]);
            assert.deepEqual(action("aws:ec2/securityGroup:SecurityGroup"), ["replace"], "the database's security group follows its VPC");
            const risk = atRisk(d);
            for (const [type, name] of [
                ["eks:index:Cluster", "cluster"],
                ["aws:rds/subnetGroup:SubnetGroup", "database-subnets"],
                ["aws:rds/instance:Instance", "database-postgres"],
            ])
                assert.ok(
                    risk.some((l) => l.startsWith(`REFUSED ${type} ${name}:`) && /it holds/.test(l)),
                    `${type} named as a refused data holder:\n${risk.join("\n")}`,
                );
            const text = renderText(d);
            assert.ok(text.indexOf("REFUSED eks:index:Cluster") < text.indexOf("+- aws:ec2/vpc:Vpc"), "data and refusals come first");
            assert.match(renderMarkdown(d), /\*\*Data and refusals\*\*/);
        });

        // The migration docs/operations.md describes: a stack created when subnets were placed by zone
        // name, planned by this code. plan:diff compares inputs, so it cannot tell whether the names
        // map to the same zone IDs; it shows the worst case, which the migration note tells how to check.
        it("shows subnets placed by zone ID on a stack created with zone names: the network and node group replaced, EKS refused", async () => {
            const head = await planOf("dev");
            const base = JSON.parse(JSON.stringify(head.plan)) as typeof head.plan;
            const subnets = base.resources.filter((r) => r.type === "aws:ec2/subnet:Subnet");
            assert.ok(subnets.length >= 2 && subnets.every((r) => typeof r.inputs.availabilityZoneId === "string"), "subnets are placed by zone ID");
            for (const r of subnets) {
                delete r.inputs.availabilityZoneId;
                r.inputs.availabilityZone = "us-east-1a";
            }
            const d = diffPlans(base, head.plan);
            const action = (type: string) => [...new Set(d.changed.filter((c) => c.type === type).map((c) => c.action))];
            assert.deepEqual(action("aws:ec2/subnet:Subnet"), ["replace"]);
            assert.deepEqual(d.changed.filter((c) => c.type === "aws:ec2/subnet:Subnet").length, subnets.length);
            assert.deepEqual(action("aws:ec2/natGateway:NatGateway"), ["replace"]);
            assert.deepEqual(action("eks:index:ManagedNodeGroup"), ["replace"]);
            assert.deepEqual(action("aws:rds/subnetGroup:SubnetGroup"), ["update"], "the subnet group takes new subnets of the same VPC in place");
            assert.ok(
                atRisk(d).some((l) => /^REFUSED eks:index:Cluster cluster: privateSubnetIds: .*same set of AZs/.test(l)),
                atRisk(d).join("\n"),
            );
        });

        it("refuses a Kubernetes downgrade and lets one minor up through", async () => {
            const [v134, v135] = await Promise.all([
                planWith("dev", { "bdok:kubernetesVersion": "1.34" }),
                planWith("dev", { "bdok:kubernetesVersion": "1.35" }),
            ]);
            const cluster = (a: typeof v134, b: typeof v134) => diffPlans(a.plan, b.plan).changed.find((c) => c.type === "eks:index:Cluster");
            assert.equal(cluster(v134, v135)?.action, "update");
            assert.equal(cluster(v135, v134)?.action, "refused");
            assert.match(atRisk(diffPlans(v135.plan, v134.plan))[0], /EKS cannot downgrade/);
        });

        it("shows what a configuration change does to dev, with secrets still masked", async () => {
            const base = await planOf("dev");
            const db = JSON.parse(loadStackConfig("dev")["bdok:database"]);
            const head = await planWith("dev", { "bdok:azCount": 3, "bdok:database": { ...db, instanceClass: "db.t4g.small" } });
            const d = diffPlans(base.plan, head.plan);
            assert.equal(d.removed.length, 0);
            const added = d.added.map((x) => `${x.type} ${x.name}`);
            assert.ok(added.includes("aws:ec2/subnet:Subnet network-private-2"), added.join("\n"));
            assert.ok(added.includes("aws:ec2/subnet:Subnet network-public-2"));
            const rds = d.changed.find((c) => c.type === "aws:rds/instance:Instance");
            assert.ok(rds, "RDS instance unchanged?");
            assert.deepEqual(rds.changes, [{ path: "instanceClass", kind: "changed", old: "db.t4g.micro", new: "db.t4g.small" }]);
            const text = renderText(d) + renderMarkdown(d);
            assert.ok(!/MockSecret/.test(text), "a generated secret leaked into the diff");
            // The same plan against itself is empty.
            assert.equal(diffPlans(base.plan, base.plan).changed.length, 0);
        });
    });

    describe("CLI", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-plan-diff-"));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const cli = (...args: string[]) =>
            new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
                const p = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/plan-diff.ts", ...args], { cwd: ROOT });
                let stdout = "";
                let stderr = "";
                p.stdout.on("data", (x) => (stdout += x));
                p.stderr.on("data", (x) => (stderr += x));
                p.on("close", (status) => resolve({ status, stdout, stderr }));
            });

        it("`npm run plan:diff -- <base> <head> [--markdown]` prints text or Markdown; bad arguments exit 2", async function () {
            this.timeout(60000);
            const base = path.join(dir, "base.json");
            const head = path.join(dir, "head.json");
            fs.writeFileSync(base, JSON.stringify(plan(r("a", { x: 1 }))));
            fs.writeFileSync(head, JSON.stringify(plan(r("a", { x: 2 }), r("b", {}))));
            // The text run as a child process (the command's exit code and stdout); the others in-process.
            const [text, md, missing, usage] = await Promise.all([
                cli(base, head),
                runInProcess("plan-diff", [base, head, "--markdown"]),
                runInProcess("plan-diff", [base, path.join(dir, "nope.json")]),
                runInProcess("plan-diff", [base]),
            ]);
            assert.equal(text.status, 0, text.stderr);
            assert.match(text.stdout, /1 to add, 0 to remove, 1 to change/);
            assert.match(text.stdout, /~ x: 1 → 2/);
            assert.equal(md.status, 0);
            assert.match(md.stdout, /^### Offline plan diff/);
            assert.equal(missing.status, 2);
            assert.match(missing.stderr, /no such plan file/);
            assert.equal(usage.status, 2);
            assert.match(usage.stderr, /usage: npm run plan:diff/);
        });
    });
});
