// The change matrix (issue 19): each typical change to a stack file, planned before and after on
// one stack per sizing profile, must be safe (no data-holding resource replaced or removed, no
// change an API refuses), or refused by validation naming the key and the way to do it, or a
// migration that docs/operations.md describes. Plans are cached per configuration (support.ts).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../config";
import type { PlanRun } from "../tools/harness";
import { ROOT } from "../tools/harness";
import { diffPlans, holdsData, type PlanDiff } from "../tools/plan-diff";
import { inputsOf, ofType, planOf, planWith, STACKS, stackSetting } from "./support";
import { supportedKubernetesVersions } from "../lib/prices";
import { priceTable } from "../lib/price-table";
import { runPlan } from "../tools/harness";
import { loadStackConfig } from "../tools/stack-files";
import { charts, crdChecksums, crdManifests } from "../versions";
import { sha256 } from "../lib/hash";
import { offlineManifestCache } from "../tools/manifest-cache";
import { ROTATABLE } from "../lib/passwords";
import { configKeys, ON_EXISTING, onExisting } from "../tools/docs-config";

const OPERATIONS = fs.readFileSync(path.join(ROOT, "docs", "operations.md"), "utf8");
const PIPELINES = fs.readFileSync(path.join(ROOT, "docs", "pipelines.md"), "utf8");
const POOL = "kubernetes:kafka.strimzi.io/v1:KafkaNodePool";
const TOPIC = "kubernetes:kafka.strimzi.io/v1:KafkaTopic";
const GENERATION = "random:index/randomId:RandomId";
const PASSWORD = "random:index/randomPassword:RandomPassword";
/** Every password the stack file can rotate, at a new generation. */
const ROTATE_ALL = { "bdok:passwordRotation": Object.fromEntries(Object.keys(ROTATABLE).map((n) => [n, "change-matrix-2"])) };

type Overrides = Record<string, unknown>;
type Outcome =
    | { kind: "safe"; /** data-holding types this change deletes on purpose (a pipeline turned off) */ removes?: string[] }
    | { kind: "validation"; key: string; procedure: RegExp }
    | { kind: "migration"; heading: string };

interface Row {
    change: string;
    before?: (stack: string) => Overrides;
    after: (stack: string) => Overrides;
    /** What must happen, from the stack file's settings (never its name). */
    expect: (stack: string) => Outcome;
}

const setting = (stack: string, key: string) => stackSetting(stack, key) ?? {};
const with_ = (stack: string, key: string, patch: Record<string, unknown>) => ({ [`bdok:${key}`]: { ...setting(stack, key), ...patch } });
const versions = supportedKubernetesVersions(priceTable);
const [olderK8s, newestK8s] = versions.slice(-2);
const A = "arn:aws:iam::123456789012:role/change-matrix-a";
const B = "arn:aws:iam::123456789012:role/change-matrix-b";

const ROWS: Row[] = [
    {
        change: "Karpenter pool families (workloads)",
        after: (s) => ({
            "bdok:karpenter": {
                ...setting(s, "karpenter"),
                pools: {
                    ...setting(s, "karpenter").pools,
                    workloads: { ...setting(s, "karpenter").pools.workloads, instanceFamilies: ["m7g", "r7g"] },
                },
            },
        }),
        expect: () => ({ kind: "safe" }),
    },
    {
        // 1 -> 3 on small (its dual-role pool is the static controller quorum), 3 -> 5 on ha.
        change: "Kafka brokers + 2",
        after: (s) => with_(s, "kafka", { brokers: setting(s, "kafka").brokers + 2 }),
        expect: (s) =>
            stackSetting(s, "profile") === "ha"
                ? { kind: "safe" }
                : { kind: "validation", key: "bdok:kafka.brokers", procedure: /use profile ha, on a new stack \(docs\/operations\.md, "Kafka brokers"\)/ },
    },
    {
        change: "Kafka broker storage grows",
        after: (s) => with_(s, "kafka", { storageGiB: setting(s, "kafka").storageGiB + 10 }),
        expect: () => ({ kind: "safe" }),
    },
    {
        change: "realtime pipeline off",
        // The API producer rides on the realtime pipeline's streaming job: off with it.
        after: (s) => with_(s, "pipelines", { realtime: false, api: false }),
        // Its topics (and their generation) go on purpose; the lake's Glue database too (prod: protected, docs/pipelines.md).
        expect: () => ({ kind: "safe", removes: [TOPIC, "aws:glue/catalogDatabase:CatalogDatabase", "aws:ecr/repository:Repository"] }),
    },
    {
        change: "realtime pipeline on again",
        before: (s) => with_(s, "pipelines", { realtime: false, api: false }),
        after: (s) => with_(s, "pipelines", { realtime: true, api: setting(s, "pipelines").api }),
        expect: () => ({ kind: "safe" }),
    },
    {
        change: "batch pipeline off",
        after: (s) => with_(s, "pipelines", { batch: false }),
        expect: () => ({ kind: "safe", removes: ["aws:glue/catalogDatabase:CatalogDatabase"] }),
    },
    {
        change: "batch pipeline on again",
        before: (s) => with_(s, "pipelines", { batch: false }),
        after: (s) => with_(s, "pipelines", { batch: true }),
        expect: () => ({ kind: "safe" }),
    },
    {
        change: `kubernetesVersion up one minor (${olderK8s} -> ${newestK8s})`,
        before: () => ({ "bdok:kubernetesVersion": olderK8s }),
        after: () => ({ "bdok:kubernetesVersion": newestK8s }),
        expect: () => ({ kind: "safe" }),
    },
    {
        change: "RDS instance class",
        after: (s) => with_(s, "database", { instanceClass: setting(s, "database").instanceClass === "db.t4g.small" ? "db.t4g.medium" : "db.t4g.small" }),
        expect: () => ({ kind: "safe" }),
    },
    {
        change: "RDS engine major 16 -> 17",
        before: (s) => with_(s, "database", { engineVersion: "16" }),
        after: (s) => with_(s, "database", { engineVersion: "17" }),
        expect: () => ({ kind: "safe" }),
    },
    {
        change: "azCount",
        after: (s) => ({ "bdok:azCount": stackSetting(s, "azCount") === 3 ? 2 : 3 }),
        expect: () => ({ kind: "migration", heading: "### Changing the network: `vpcCidr`, `azCount`" }),
    },
    {
        change: "vpcCidr",
        after: () => ({ "bdok:vpcCidr": "10.77.0.0/16" }),
        expect: () => ({ kind: "migration", heading: "### Changing the network: `vpcCidr`, `azCount`" }),
    },
    {
        change: "admin ARNs added",
        before: () => ({ "bdok:adminRoleArns": [A] }),
        after: () => ({ "bdok:adminRoleArns": [A, B] }),
        expect: () => ({ kind: "safe" }),
    },
    {
        change: "admin ARN removed (the first of two)",
        before: () => ({ "bdok:adminRoleArns": [A, B] }),
        after: () => ({ "bdok:adminRoleArns": [B] }),
        expect: () => ({ kind: "safe" }),
    },
    {
        // instance_types is ForceNew on aws:eks/nodeGroup (terraform-provider-aws
        // internal/service/eks/node_group.go, "instance_types": ForceNew: true): a new node group.
        change: "system node-group instanceTypes",
        after: (s) => ({
            "bdok:nodeGroups": {
                ...setting(s, "nodeGroups"),
                system: { ...setting(s, "nodeGroups").system, instanceTypes: ["c7g.2xlarge"] },
            },
        }),
        expect: () => ({ kind: "safe" }),
    },
    {
        // Consumers restarting is test/password-rotation.test.ts's (rendered charts and pod templates).
        change: "password rotation (every rotatable password)",
        after: () => ROTATE_ALL,
        expect: () => ({ kind: "safe" }),
    },
    {
        change: "Elasticsearch storage grows",
        after: (s) => with_(s, "elasticsearch", { storageGiB: setting(s, "elasticsearch").storageGiB + 10 }),
        expect: () => ({ kind: "safe" }),
    },
    {
        change: "RDS storage grows",
        after: (s) => with_(s, "database", { allocatedStorageGiB: setting(s, "database").allocatedStorageGiB + 10 }),
        expect: () => ({ kind: "safe" }),
    },
    {
        change: "exposure changed",
        after: (s) =>
            stackSetting(s, "exposure") === "clusterIp"
                ? { "bdok:exposure": "internalLoadBalancer" }
                : { "bdok:exposure": "clusterIp", "bdok:loadBalancerSourceRanges": [] },
        expect: () => ({ kind: "safe" }),
    },
];

/** One stack per sizing profile (the first in file order), so both profiles run and the suite stays fast. */
function stacksPerProfile(): string[] {
    const seen = new Map<string, string>();
    for (const s of STACKS) if (!seen.has(String(stackSetting(s, "profile")))) seen.set(String(stackSetting(s, "profile")), s);
    return [...seen.values()];
}

async function planOrError(stack: string, overrides: Overrides | undefined): Promise<PlanRun | ConfigError> {
    try {
        return overrides ? await planWith(stack, overrides) : await planOf(stack);
    } catch (e) {
        if (e instanceof ConfigError) return e;
        throw e;
    }
}

/** Brokers of a plan: the replicas of its node pools with the broker role. */
const brokersOf = (run: PlanRun) =>
    ofType(run, POOL)
        .map(inputsOf)
        .filter((p) => p.spec.roles.includes("broker"))
        .reduce((n, p) => n + p.spec.replicas, 0);

function assertSafe(d: PlanDiff, before: PlanRun, after: PlanRun, removes: string[]): void {
    const refused = d.changed.filter((c) => c.action === "refused").map((c) => `${c.name}: ${c.reasons.join("; ")}`);
    assert.deepEqual(refused, [], "no change an API refuses");
    const replaced = d.changed.filter((c) => c.action === "replace" && c.holds).map((c) => `${c.type} ${c.name}: ${c.reasons.join("; ")}`);
    assert.deepEqual(replaced, [], "no data-holding resource replaced");
    const lost = d.removed.filter((r) => holdsData(r.type) && !removes.includes(r.type)).map((r) => `${r.type} ${r.name}`);
    assert.deepEqual(lost, [], "no data-holding resource removed");
    // Strimzi 1.2.0 runs static KRaft quorums: a pool with the controller role is never scaled or
    // re-roled (documentation/assemblies/deploying/assembly-kraft-mode.adoc:76-89).
    const pools = (run: PlanRun) => new Map<string, any>(ofType(run, POOL).map((p) => [p.urn, inputsOf(p)]));
    const [was, now] = [pools(before), pools(after)];
    for (const [urn, p] of now) {
        const old = was.get(urn);
        if (old?.spec.roles.includes("controller") || p.spec.roles.includes("controller")) {
            assert.ok(old, `${p.metadata.name}: a new pool with the controller role`);
            assert.deepEqual([p.spec.replicas, p.spec.roles], [old.spec.replicas, old.spec.roles], `${p.metadata.name}: controller quorum changed`);
        }
    }
    for (const urn of was.keys()) if (was.get(urn)!.spec.roles.includes("controller")) assert.ok(now.has(urn), "a controller pool removed");
    // The topics stay writable with acks=all: min.insync.replicas <= replicas <= brokers, and an
    // unchanged topic's settings (a changed replication waits for Cruise Control's reassignment).
    const brokers = brokersOf(after);
    const topics = (run: PlanRun) => new Map<string, any>(ofType(run, TOPIC).map((t) => [t.urn, inputsOf(t)]));
    const oldTopics = topics(before);
    for (const [urn, t] of topics(after)) {
        const isr = Number(t.spec.config["min.insync.replicas"]);
        assert.ok(
            isr <= t.spec.replicas && t.spec.replicas <= brokers,
            `${t.metadata.name}: min.insync ${isr}, replicas ${t.spec.replicas}, ${brokers} brokers`,
        );
        const old = oldTopics.get(urn);
        if (old) assert.deepEqual([t.spec.replicas, isr], [old.spec.replicas, Number(old.spec.config["min.insync.replicas"])], `${t.metadata.name}: settings`);
    }
}

describe("change matrix (issue 19): typical changes are safe, refused by validation, or documented migrations", function () {
    this.timeout(600_000);
    for (const stack of stacksPerProfile()) {
        describe(`stack ${stack} (profile ${stackSetting(stack, "profile")})`, () => {
            for (const row of ROWS) {
                const outcome = row.expect(stack);
                it(`${row.change}: ${outcome.kind}`, async () => {
                    const before = await planOrError(stack, row.before?.(stack));
                    assert.ok(!(before instanceof ConfigError), `the starting point is valid: ${(before as Error).message}`);
                    const after = await planOrError(stack, row.after(stack));
                    if (outcome.kind === "validation") {
                        assert.ok(after instanceof ConfigError, "refused before anything changes");
                        assert.match(after.message, new RegExp(`${outcome.key.replace(/\./g, "\\.")}: got .*; allowed: `));
                        assert.match(after.message, outcome.procedure);
                        return;
                    }
                    assert.ok(!(after instanceof ConfigError), `the change is valid: ${(after as Error).message}`);
                    const d = diffPlans(before.plan, after.plan);
                    assert.ok(d.added.length + d.removed.length + d.changed.length > 0, "the change changes the plan");
                    if (outcome.kind === "migration") {
                        assert.ok(
                            d.changed.some((c) => c.action === "refused"),
                            "plan:diff marks it refused",
                        );
                        assert.ok(OPERATIONS.includes(outcome.heading), `docs/operations.md has the migration: ${outcome.heading}`);
                        return;
                    }
                    assertSafe(d, before, after, outcome.removes ?? []);
                    if (/node-group instanceTypes/.test(row.change))
                        assert.deepEqual(
                            d.changed.filter((c) => c.type === "eks:index:ManagedNodeGroup").map((c) => c.action),
                            ["replace"],
                            "the managed node group is replaced (docs/operations.md)",
                        );
                    if (/password rotation/.test(row.change)) {
                        const passwords = ofType(before, PASSWORD).map((r) => r.name);
                        assert.deepEqual(
                            d.changed
                                .filter((c) => c.type === PASSWORD)
                                .map((c) => `${c.name} ${c.action}`)
                                .sort(),
                            passwords
                                .filter((n) => n in ROTATABLE)
                                .map((n) => `${n} replace`)
                                .sort(),
                            "exactly the rotatable passwords are replaced (new values), the others stay",
                        );
                        const rds = d.changed.filter((c) => c.type === "aws:rds/instance:Instance");
                        assert.deepEqual(
                            rds.map((c) => [c.action, c.changes.map((k) => k.path)]),
                            [["update", ["password"]]],
                            "RDS changes the master password in place, and nothing else",
                        );
                        assert.deepEqual(d.added.concat(d.removed), [], "nothing added or removed");
                    }
                    // A pipeline back on gets new topics and with them a new generation: the streaming
                    // job starts from new checkpoints (docs/pipelines.md).
                    if (/realtime pipeline on again/.test(row.change)) {
                        assert.ok(
                            d.added.some((r) => r.type === GENERATION),
                            "a new topic generation is created",
                        );
                        assert.ok(d.added.some((r) => r.type === TOPIC));
                    }
                    if (/realtime pipeline off/.test(row.change))
                        assert.ok(
                            d.removed.some((r) => r.type === GENERATION),
                            "the generation goes with the topics",
                        );
                    // A protected resource the change would delete stops `up` (Pulumi refuses): documented with its procedure.
                    if (d.removed.some((r) => r.protect)) assert.match(PIPELINES, /turning a pipeline off is refused by Pulumi[\s\S]*pulumi state unprotect/);
                });
            }
        });
    }
});

/**
 * The plan of `stack` with one chart at another version, through the seam the program reads versions
 * from: versions.ts's `charts` and `crdManifests` objects, changed in memory for this one run (the
 * CRD URLs carry the version at its pinned places) and restored after; not cached with the others.
 */
async function planWithChartVersion(stack: string, chart: "sparkOperator", version: string): Promise<PlanRun> {
    const pinned = charts[chart].version;
    const urls = [...crdManifests[chart]];
    assert.ok(
        urls.every((u) => u.includes(`v${pinned}/`)),
        `every ${chart} CRD URL names v${pinned}`,
    );
    const c = charts[chart] as { version: string };
    const m = crdManifests[chart] as unknown as string[];
    const pins = crdChecksums as Record<string, string>;
    // A bump pins the new version's manifests beside their URLs (the program refuses unpinned
    // bytes): here the pinned text plus a line, so the CRDs' content changes as a new release's does.
    const cache = offlineManifestCache();
    const bumpedUrls = urls.map((u) => u.split(`v${pinned}/`).join(`v${version}/`));
    try {
        c.version = version;
        urls.forEach((u, i) => {
            const body = fs.readFileSync(path.join(cache, `${pins[u]}.yaml`), "utf8") + `# ${chart} v${version}\n`;
            pins[bumpedUrls[i]] = sha256(body);
            fs.writeFileSync(path.join(cache, `${pins[bumpedUrls[i]]}.yaml`), body);
            m[i] = bumpedUrls[i];
        });
        return await runPlan(stack, loadStackConfig(stack));
    } finally {
        c.version = pinned;
        urls.forEach((u, i) => (m[i] = u));
        bumpedUrls.forEach((u) => delete pins[u]);
    }
}

describe("change matrix: a chart version bump (the Spark operator's chart, whose CRDs Pulumi applies)", function () {
    this.timeout(600_000);
    for (const stack of stacksPerProfile()) {
        it(`stack ${stack}: the Release updates in place, Pulumi updates the CRDs Helm does not upgrade, nothing data-holding replaced`, async () => {
            const before = await planOf(stack);
            const bumped = charts.sparkOperator.version.replace(/\.(\d+)$/, (_, patch) => `.${Number(patch) + 1}`);
            const after = await planWithChartVersion(stack, "sparkOperator", bumped);
            assert.equal(charts.sparkOperator.version === bumped, false, "versions.ts's objects are restored");
            const d = diffPlans(before.plan, after.plan);
            assertSafe(d, before, after, []);
            assert.deepEqual([d.added.length, d.removed.length], [0, 0], "a version bump adds and removes nothing");
            const release = d.changed.filter((c) => c.type === "kubernetes:helm.sh/v3:Release");
            assert.ok(release.length >= 1, "the operator's Release changes");
            for (const r of release) {
                assert.equal(r.action, "update", `${r.name}: ${r.reasons.join("; ")}`);
                assert.ok(
                    r.changes.some((k) => k.path === "version" && k.new === bumped),
                    `${r.name} changes its version: ${r.changes.map((k) => k.path)}`,
                );
            }
            // Helm installs crds/ once and never upgrades them (skipCrds): the CRDs are Pulumi's
            // ConfigGroup of the verified manifests, which follows the new version's text, in place.
            const crds = d.changed.filter((c) => c.type === "kubernetes:yaml/v2:ConfigGroup");
            assert.equal(crds.length, crdManifests.sparkOperator.length, "each CRD manifest's group follows the version");
            for (const c of crds) assert.equal(c.action, "update", `${c.name}: ${c.reasons.join("; ")}`);
            assert.deepEqual(
                d.changed.filter((c) => c.action !== "update").map((c) => `${c.type} ${c.name} ${c.action}`),
                [],
                "everything else updates in place",
            );
        });
    }
});

/**
 * Changeable keys (docs/configuration.md, "on an existing stack") without a row yet, each with why.
 * A key leaves this list when a row covers it (the test below fails while it is in both).
 */
const NO_ROW_YET: Record<string, string> = {
    "bdok:natGateways": "replaces the NAT gateways and private routes (a short egress outage); no data in its path",
    "bdok:endpointPublicAccessCidrs": "the EKS cluster's public access CIDRs, updated in place (UpdateClusterConfig)",
    "bdok:viewerRoleArns": "access entries keyed by ARN, as adminRoleArns, whose rows add and remove one",
    "bdok:nodeGroups.<name>.capacityType": "replaces the node group, as instanceTypes, whose row asserts the replacement",
    "bdok:nodeGroups.<name>.diskSizeGiB": "replaces the node group, as instanceTypes, whose row asserts the replacement",
    "bdok:nodeGroups.<name>.minSize": "the node group's scaling config, updated in place (UpdateNodegroupConfig)",
    "bdok:nodeGroups.<name>.desiredSize": "the node group's scaling config, updated in place (UpdateNodegroupConfig)",
    "bdok:nodeGroups.<name>.maxSize": "the node group's scaling config, updated in place (UpdateNodegroupConfig)",
    "bdok:nodeGroups.<name>.labels": "the node group's labels, updated in place (UpdateNodegroupConfig)",
    "bdok:database.maxAllocatedStorageGiB": "RDS storage autoscaling's ceiling, modified in place",
    "bdok:database.multiAz": "modified in place (with protectStatefulResources in the maintenance window)",
    "bdok:database.backupRetentionDays": "modified in place",
    "bdok:protectStatefulResources": "Pulumi's protect and retain options only; no cloud change",
    "bdok:loadBalancerCertificateArn": "a Service annotation the load balancer controller applies to the listener",
    "bdok:elasticsearch.nodes": "ECK adds or removes Elasticsearch nodes and moves shards (no row yet: pending)",
    "bdok:trino.workers": "the Trino chart's worker replicas: stateless pods",
    "bdok:superset.enabled": "adds or deletes Superset whole; its metadata database on RDS stays (no row yet: pending)",
    "bdok:airflow.schedulerReplicas": "the Airflow chart's scheduler replicas: stateless pods",
    "bdok:airflow.userDags": "which folder's DAG files the DAG ConfigMap holds",
    "bdok:airflow.userJobs": "which folder's job files are uploaded to the lake",
    "bdok:airflow.dagBundles": "Airflow's DAG bundle configuration (chart values)",
    "bdok:spark.executors": "SparkApplication and DAG sizing; a new driver per run",
    "bdok:spark.executorMemory": "SparkApplication and DAG sizing; a new driver per run",
    "bdok:spark.maxExecutors": "SparkApplication and DAG sizing; a new driver per run",
    "bdok:lake.commitInterval": "the streaming job's trigger; its checkpoint stays valid",
    "bdok:lake.failOnDataLoss": "the streaming job's Kafka source option; its checkpoint stays valid",
    "bdok:karpenter.controllerReplicas": "the Karpenter chart's replicas: stateless pods",
    "bdok:karpenter.rootVolumeGiB": "the EC2NodeClass's block device: Karpenter drifts nodes to it",
    "bdok:containerLogs.enabled": "adds or deletes the CloudWatch agent add-on; the log groups stay (no row yet: pending)",
    "bdok:containerLogs.retentionDays": "the log groups' retention, updated in place",
    "bdok:sparkHistoryServer": "adds or deletes a stateless server reading the lake's event logs",
    "bdok:observability.enabled": "adds or deletes the metrics stack and its Prometheus volume (no row yet: pending)",
    "bdok:alerting.receiver": "Alertmanager's configuration Secret",
    "bdok:alerting.slackChannel": "Alertmanager's configuration Secret",
    "bdok:alertingUrl": "Alertmanager's configuration Secret",
    "bdok:pipelines.simulatorRowsPerSecond": "the simulator Deployment's env",
    "bdok:pipelines.apiUrl": "the API producer DAG's setting",
    // Karpenter NodePools update in place and drift their nodes (the workloads-families row is the pattern).
    ...Object.fromEntries(
        ["stateful", "workloads"].flatMap((pool) =>
            [
                "instanceFamilies",
                "instanceSizes",
                "capacityTypes",
                "arch",
                "cpuLimit",
                "memoryLimitGiB",
                "expireAfter",
                "terminationGracePeriod",
                "consolidateAfter",
            ]
                .filter((k) => !(pool === "workloads" && k === "instanceFamilies"))
                .map((k) => [`bdok:karpenter.pools.${pool}.${k}`, "a Karpenter NodePool requirement or limit, updated in place; Karpenter drifts nodes to it"]),
        ),
    ),
};

/** The stack file's raw configuration with `o`, objects parsed (loadStackConfig gives JSON text). */
function rawConfig(stack: string, o: Overrides | undefined): Record<string, unknown> {
    return Object.fromEntries(
        Object.entries(loadStackConfig(stack, o)).map(([k, v]) => {
            try {
                return [k, typeof v === "string" && /^[[{]/.test(v) ? JSON.parse(v) : v];
            } catch {
                return [k, v];
            }
        }),
    );
}

/** Paths (bdok:a.b.c, bdok:list[0]) where two raw configurations differ. */
function changedPaths(a: unknown, b: unknown, at: string, out: string[] = []): string[] {
    if (JSON.stringify(a) === JSON.stringify(b)) return out;
    const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === "object" && !Array.isArray(x);
    if (isObj(a) && isObj(b)) for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) changedPaths(a[k], b[k], at ? `${at}.${k}` : k, out);
    else out.push(at);
    return out;
}

/** The documented key a changed path falls under: the longest, `<name>` standing for a map key. */
function documentedKey(p: string, keys: string[]): string | undefined {
    const hits = keys.filter((k) => new RegExp(`^${k.replace(/[.[\]]/g, "\\$&").replace(/<name>/g, "[^.]+")}($|[.[])`).test(p));
    return hits.sort((x, y) => y.length - x.length)[0];
}

describe("docs/configuration.md's column 'on an existing stack' is backed by the change matrix", () => {
    const rows = configKeys();
    // A parent whose fields have rows of their own is described by them.
    const leaves = rows.filter((r) => !rows.some((x) => x.key.startsWith(`${r.key}.`)));
    const changeable = leaves.filter((r) => !onExisting(r).startsWith("**no**"));
    const fixed = leaves.filter((r) => onExisting(r).startsWith("**no**"));
    /** Documented key -> the rows that change it, on any stack. */
    const covered = new Map<string, string[]>();
    for (const stack of stacksPerProfile())
        for (const row of ROWS) {
            const before = rawConfig(stack, row.before?.(stack));
            const after = rawConfig(stack, { ...row.before?.(stack), ...row.after(stack) });
            for (const p of changedPaths(before, after, "")) {
                const k = documentedKey(
                    p,
                    rows.map((r) => r.key),
                );
                if (k) covered.set(k, [...new Set([...(covered.get(k) ?? []), row.change])]);
            }
        }

    it("every key it marks changeable has a change-matrix row, or a reason here why not yet", () => {
        assert.deepEqual(
            changeable.filter((r) => !covered.has(r.key) && !(r.key in NO_ROW_YET)).map((r) => r.key),
            [],
            "changeable keys without a row (add one to ROWS, or a reason to NO_ROW_YET)",
        );
        assert.deepEqual(
            Object.keys(NO_ROW_YET).filter((k) => covered.has(k) || !changeable.some((r) => r.key === k)),
            [],
            "NO_ROW_YET names only changeable keys without a row",
        );
        assert.ok(covered.size >= 15, `keys the rows change: ${[...covered.keys()]}`);
    });

    it("every key it marks not changeable is refused by validation (a row) or a migration docs/operations.md describes", () => {
        assert.ok(fixed.length >= 3, fixed.map((r) => r.key).join(", "));
        for (const r of fixed) {
            const text = onExisting(r);
            const section = /\(docs\/operations\.md, ([^)]+)\)/.exec(text)?.[1];
            const name = r.key.replace(/^bdok:/, "");
            const refused = (covered.get(r.key) ?? []).some((c) => ROWS.find((x) => x.change === c)!.expect(stacksPerProfile()[0]).kind !== "safe");
            if (refused) continue;
            assert.ok(section, `${r.key}: "${text}" names no section of docs/operations.md`);
            const start = OPERATIONS.search(new RegExp(`^###? ${section.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "m"));
            assert.ok(start >= 0, `${r.key}: docs/operations.md has no section "${section}"`);
            const body = OPERATIONS.slice(start, OPERATIONS.indexOf("\n## ", start + 1) === -1 ? undefined : OPERATIONS.indexOf("\n## ", start + 1));
            assert.match(body, new RegExp(`\\b${name}\\b`), `${r.key}: its migration section names it`);
        }
    });

    it("says something of its own for every key without fields", () => {
        assert.deepEqual(
            leaves.filter((r) => onExisting(r) === "see its fields").map((r) => r.key),
            [],
        );
    });

    it("ON_EXISTING names only keys of the schema", () => {
        assert.deepEqual(
            Object.keys(ON_EXISTING).filter((k) => !rows.some((r) => r.key === k)),
            [],
        );
    });
});
