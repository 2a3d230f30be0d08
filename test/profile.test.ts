// Sizing and availability follow `bdok:profile` in the stack file, never the stack's name.
import { strict as assert } from "assert";
import type { PlanRun } from "../tools/harness";
import { loadStackConfig } from "../tools/stack-files";
import { sha256 } from "../lib/hash";
import { planAs, planOf } from "./support";

/**
 * Every resource of a plan (AWS, EKS, Kubernetes, random, components and the providers), its inputs
 * and options, with the stack's name written as STACK where it stands as a name part ("bdok-dev-eks",
 * "urn:pulumi:dev::", a tag value "dev"), but not inside another word or a path ("/dev/xvda").
 */
function resourcesOf(run: PlanRun): Map<string, string> {
    const stackName = new RegExp(`(?<![A-Za-z0-9/])${run.config.stack}(?![A-Za-z0-9/])`, "g");
    const mask = (s: string) =>
        s
            .replace(stackName, "STACK")
            // Content-named objects and mock ids hash text that holds the stack's name (RDS host, bucket, API endpoint).
            .replace(/[0-9a-f]{10,64}/gi, "HASH");
    const out = new Map<string, string>();
    for (const r of run.captured) {
        const key = mask(`${r.type}::${r.name}`);
        assert.ok(!out.has(key), `two resources masked to ${key}`);
        const { parent, provider, dependencies, protect, retainOnDelete, deleteBeforeReplace, ignoreChanges, customTimeouts } = r;
        const options = { parent, provider, dependencies, protect, retainOnDelete, deleteBeforeReplace, ignoreChanges, customTimeouts };
        // Upstream manifests (the CRDs' verified text) are compared as they are: their prose uses
        // "dev" and "prod" as words, which the mask would rewrite on one side only.
        const { yaml, ...inputs } = (r.rawInputs ?? {}) as Record<string, unknown>;
        const manifest = r.type === "kubernetes:yaml/v2:ConfigGroup" && typeof yaml === "string" ? ` yaml sha256 ${sha256(yaml)}` : "";
        out.set(key, mask(JSON.stringify({ inputs: manifest ? inputs : r.rawInputs, options })) + manifest);
    }
    return out;
}

/** The resources that differ (or exist in only one plan), with both sides, for a readable failure. */
function differences(a: Map<string, string>, b: Map<string, string>): string[] {
    const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
    return keys.filter((k) => a.get(k) !== b.get(k)).map((k) => `${k}\n  ${a.get(k) ?? "(absent)"}\n  ${b.get(k) ?? "(absent)"}`);
}

/** The comparison covers the AWS side, not only Kubernetes: these types must be in it. */
const COVERED = [
    "aws:rds/instance:Instance",
    "aws:ec2/natGateway:NatGateway",
    "eks:index:ManagedNodeGroup",
    "eks:index:Cluster",
    "aws:s3/bucket:Bucket",
    "aws:iam/role:Role",
    "kubernetes:helm.sh/v3:Release",
];

function assertCovers(plan: Map<string, string>): void {
    const types = new Set([...plan.keys()].map((k) => k.split("::")[0]));
    for (const t of COVERED) assert.ok(types.has(t), `the compared plan has no ${t}`);
}

describe("sizing profiles", () => {
    it("a stack named staging with prod's stack file plans prod's sizes, replicas and budgets", async function () {
        this.timeout(120_000);
        const prod = resourcesOf(await planOf("prod"));
        const staging = resourcesOf(await planAs("staging", loadStackConfig("prod")));
        assertCovers(prod);
        assert.deepEqual(differences(prod, staging), []);
    });

    // docs/stacks.md: the suite's staging stack is prod's file under another name; a setting added
    // to prod alone (the API producer was) leaves the suite checking a stack nobody runs.
    it("Pulumi.staging.yaml holds exactly prod's settings", () => {
        assert.deepEqual(loadStackConfig("staging"), loadStackConfig("prod"));
    });

    it("a stack named prod with profile small gets the small sizes, whatever its name", async function () {
        this.timeout(120_000);
        const run = await planAs("prod", loadStackConfig("prod", { "bdok:profile": "small", "bdok:kafka": { brokers: 1, storageGiB: 100 } }));
        assert.equal(run.config.ha, false);
        const kafka = run.captured.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.rawInputs as any).chart === "strimzi-kafka-operator")!;
        const dev = (await planOf("dev")).captured.find(
            (r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.rawInputs as any).chart === "strimzi-kafka-operator",
        )!;
        assert.deepEqual((kafka.rawInputs as any).values, (dev.rawInputs as any).values);
        const airflow = run.captured.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.rawInputs as any).chart === "airflow")!;
        assert.equal((airflow.rawInputs as any).values.scheduler.podDisruptionBudget.enabled, false);

        // With dev's whole stack file (profile small), a stack named prod plans exactly dev's resources:
        // the database class and Multi-AZ, node groups, NAT gateways, protection, everything.
        const devPlan = resourcesOf(await planOf("dev"));
        const prodNamed = resourcesOf(await planAs("prod", loadStackConfig("dev")));
        assertCovers(devPlan);
        assert.deepEqual(differences(devPlan, prodNamed), []);
    });
});
