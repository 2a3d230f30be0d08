import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, parseConfig } from "../config";
import { ec2Families, rdsFamilies } from "../lib/instances";
import { durationEntry } from "../lib/durations";
import { maxPodsOf, nodeAllocatable } from "../lib/node-capacity";
import { EstResource } from "../lib/plan-resource";
import { ec2HourlyPrice, eksHourlyRate, rdsHourlyPrice } from "../lib/prices";
import { cpuMillis, jvmMemoryMiB, memoryMiB, parseQuantity, storageGiB } from "../lib/quantities";
import * as YAML from "yaml";
import { toYaml } from "../pipelines/batch/specs";
import { estimate, Estimates, renderedObjects } from "../tools/estimate";
import { CapacityError, capacity, capacityReport } from "../tools/estimate/capacity";
import { monthlyCost } from "../tools/estimate/cost";
import { criticalPath } from "../tools/estimate/graph";
import { PodItem } from "../tools/estimate/objects";
import { loadTables } from "../tools/estimate/tables";
import { workloads, workloads as workloadsOf } from "../tools/estimate/workloads";
import { loadStackConfig, PlanRun } from "../tools/harness";
import { planApiVersions, RenderedRelease, renderPlan, renderRelease } from "../tools/render";
import { chartDefaults } from "../tools/schemas";
import { ChartName, charts } from "../versions";
import { inBackground, inputsOf, ofType, one, planOf, planWith, runProcess } from "./support";

const tables = loadTables();
const H = tables.prices.hoursPerMonth;

// ---- synthetic graphs ----
let seq = 0;
function res(name: string, o: Partial<EstResource> = {}): EstResource {
    const type = o.type ?? "test:index:Thing";
    return {
        urn: `urn:pulumi:t::p::${type}::${name}#${seq++}`,
        type,
        name,
        parent: o.parent ?? null,
        provider: o.provider ?? null,
        dependencies: o.dependencies ?? [],
        custom: o.custom ?? true,
        remote: o.remote ?? false,
        inputs: o.inputs ?? {},
    };
}
const component = (name: string, o: Partial<EstResource> = {}) => res(name, { type: "test:index:Component", custom: false, ...o });
const minutesBy = (m: Record<string, number>) => (r: EstResource) => m[r.name] ?? 0;
const names = (cp: { chain: Array<{ name: string }> }) => cp.chain.map((c) => c.name);

/** The rendered pods that select a Karpenter pool (the capacity report leaves them to the packing). */
function pooledItems(run: PlanRun, _e: Estimates): PodItem[] {
    return workloadsOf(run.plan.resources, loadTables().capacity, renderedObjects(renderPlan(run))).pods.filter((p) => p.pool);
}

// `npm run plan` with a system group too small for the platform, as a child process started with the run.
const tooSmallPlan = inBackground(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-est-"));
    const overrides = path.join(dir, "tiny.yaml");
    fs.writeFileSync(
        overrides,
        "config:\n  bdok:nodeGroups:\n    system:\n      instanceTypes: [m7g.large]\n      capacityType: ON_DEMAND\n      minSize: 1\n      desiredSize: 1\n      maxSize: 1\n",
    );
    // A plan.json from an earlier run must not survive as if it were this one.
    fs.writeFileSync(path.join(dir, "plan.json"), "{}");
    const out = await runProcess(process.execPath, [
        "-r",
        "ts-node/register/transpile-only",
        "tools/plan.ts",
        "--stack",
        "dev",
        "--config",
        overrides,
        "--out",
        dir,
        "--quiet",
    ]);
    return { dir, out };
});

describe("estimates: critical path (synthetic graphs)", () => {
    it("adds durations along a chain of dependencies", () => {
        const a = res("a"),
            b = res("b", { dependencies: [a.urn] }),
            c = res("c", { dependencies: [b.urn] });
        const cp = criticalPath([a, b, c], minutesBy({ a: 2, b: 3, c: 1 }));
        assert.equal(cp.minutes, 6);
        assert.deepEqual(names(cp), ["a", "b", "c"]);
        assert.deepEqual(cp.schedule[c.urn], { start: 5, finish: 6 });
    });

    it("takes the longest of parallel branches, and only that branch is on the path", () => {
        const a = res("a"),
            b = res("b"),
            c = res("c", { dependencies: [a.urn, b.urn] }),
            d = res("d");
        const cp = criticalPath([a, b, c, d], minutesBy({ a: 2, b: 5, c: 1, d: 4 }));
        assert.equal(cp.minutes, 6);
        assert.deepEqual(names(cp), ["b", "c"]);
    });

    it("adding a dependsOn edge between parallel resources lengthens the path", () => {
        const a = res("a"),
            b = res("b");
        const before = criticalPath([a, b], minutesBy({ a: 5, b: 3 }));
        const after = criticalPath([a, { ...b, dependencies: [a.urn] }], minutesBy({ a: 5, b: 3 }));
        assert.equal(before.minutes, 5);
        assert.equal(after.minutes, 8);
        assert.deepEqual(names(after), ["a", "b"]);
    });

    it("a component takes no time, finishes with its last child, and its dependents wait for all its descendants", () => {
        const k = component("k");
        const inner = component("inner", { parent: k.urn });
        const x = res("x", { parent: inner.urn }),
            y = res("y", { parent: k.urn });
        const z = res("z", { dependencies: [k.urn] });
        const cp = criticalPath([k, inner, x, y, z], minutesBy({ x: 4, y: 1, z: 2 }));
        assert.equal(cp.minutes, 6);
        assert.deepEqual(names(cp), ["x", "z"]);
        assert.equal(cp.schedule[k.urn].finish, 4);
        assert.equal(cp.schedule[k.urn].start, 0);
    });

    it("children wait for their component's registration, i.e. for the component's own dependencies", () => {
        const a = res("a");
        const k = component("k", { dependencies: [a.urn] });
        const w = res("w", { parent: k.urn });
        const free = res("free");
        const cp = criticalPath([a, k, w, free], minutesBy({ a: 3, w: 1, free: 2 }));
        assert.equal(cp.schedule[w.urn].start, 3);
        assert.equal(cp.minutes, 4);
        assert.deepEqual(names(cp), ["a", "w"]);
    });

    it("a child of a custom resource waits for its parent; a resource waits for its provider", () => {
        const cluster = res("cluster");
        const provider = res("provider", { type: "pulumi:providers:kubernetes", dependencies: [cluster.urn] });
        const ns = res("ns", { provider: provider.urn });
        const bucket = res("bucket"),
            policy = res("policy", { parent: bucket.urn });
        const cp = criticalPath([cluster, provider, ns, bucket, policy], minutesBy({ cluster: 10, ns: 0.5, bucket: 1, policy: 0.5 }));
        assert.equal(cp.schedule[ns.urn].start, 10);
        assert.equal(cp.schedule[policy.urn].start, 1);
        assert.deepEqual(names(cp), ["cluster", "provider", "ns"]);
    });

    it("a resource passed as an input is waited for even when the SDK leaves it out of the dependencies", () => {
        const cluster = res("cluster");
        const group = res("group", { custom: false, remote: true, inputs: { cluster: { resource: cluster.urn } } });
        const cp = criticalPath([cluster, group], minutesBy({ cluster: 10, group: 4 }));
        assert.equal(cp.minutes, 14);
    });

    it("a resource that waits for pods also waits for the node groups, dependency or not", () => {
        const eks = res("eks");
        const ng = res("ng", { type: "eks:index:ManagedNodeGroup", custom: false, remote: true, dependencies: [eks.urn] });
        const provider = res("k8s", { type: "pulumi:providers:kubernetes", dependencies: [eks.urn] });
        const chart = res("chart", { type: "kubernetes:helm.sh/v3:Release", provider: provider.urn, inputs: { chart: "x" } });
        const ns = res("ns", { type: "kubernetes:core/v1:Namespace", provider: provider.urn });
        const cp = criticalPath([eks, ng, provider, chart, ns], tables.durations);
        const m = (r: EstResource) => durationEntry(r, tables.durations).minutes;
        assert.ok(Math.abs(cp.schedule[chart.urn].start - (m(eks) + m(ng))) < 1e-9, "the release starts once the nodes are up");
        assert.ok(Math.abs(cp.schedule[ns.urn].start - m(eks)) < 1e-9, "a namespace needs no node");
        assert.deepEqual(names(cp), ["eks", "ng", "chart"]);
    });

    it("rejects a dependency cycle", () => {
        const a = res("a"),
            b = res("b", { dependencies: [a.urn] });
        a.dependencies = [b.urn];
        assert.throws(() => criticalPath([a, b], minutesBy({ a: 1, b: 1 })), /dependency cycle/);
    });
});

describe("estimates: data tables", () => {
    it("every duration figure has a source URL, and its range contains it", () => {
        for (const e of [...tables.durations.entries, { match: "default", ...tables.durations.default }]) {
            assert.match(e.source.url, /^https:\/\//, `${e.match}`);
            assert.ok(e.minutes >= 0, e.match);
            const range = (e as { range?: [number, number] }).range;
            if (range) assert.ok(range[0] <= e.minutes && e.minutes <= range[1], `${e.match}: ${e.minutes} in ${range}`);
        }
    });

    it("picks a duration by type and inputs (first matching entry)", () => {
        const m = (type: string, inputs: Record<string, unknown> = {}) => durationEntry({ type, inputs }, tables.durations).minutes;
        assert.ok(m("aws:rds/instance:Instance", { multiAz: true }) > m("aws:rds/instance:Instance", { multiAz: false }));
        assert.ok(m("kubernetes:helm.sh/v3:Release", { chart: "airflow" }) > m("kubernetes:helm.sh/v3:Release", { chart: "airflow", skipAwait: true }));
        const cr = "kubernetes:kafka.strimzi.io/v1:Kafka";
        assert.ok(
            m(cr, { metadata: { annotations: { "pulumi.com/waitFor": "condition=Ready" } } }) > m(cr, {}),
            "a Kafka CR is awaited only with pulumi.com/waitFor",
        );
        assert.ok(m("eks:index:Cluster") >= 8);
        assert.equal(durationEntry({ type: "aws:unknown/thing:Thing", inputs: {} }, tables.durations).index, -1);
    });

    // Every type the configuration accepts is one the estimator can price and size (and no other).
    const accepts = (overrides: Record<string, unknown>) => {
        try {
            parseConfig({ ...loadStackConfig("dev"), ...Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k, JSON.stringify(v)])) }, "dev");
            return true;
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            return false;
        }
    };
    const sizes = Object.keys(tables.prices.ec2.sizeFactor);

    it("the configuration accepts exactly the EC2 types the price table prices, and capacity can size each", () => {
        let accepted = 0;
        for (const f of ec2Families()) {
            for (const s of sizes) {
                const type = `${f}.${s}`;
                const ok = accepts({ "bdok:nodeGroups": { general: { instanceTypes: [type], minSize: 1, desiredSize: 1, maxSize: 1 } } });
                let price: number | undefined;
                try {
                    price = ec2HourlyPrice(type, tables.prices);
                } catch (e) {
                    assert.match((e as Error).message, /does not exist/, type);
                }
                assert.equal(ok, price !== undefined, `${type}: accepted ${ok}, priced ${price}`);
                if (ok) {
                    accepted++;
                    assert.ok(price! > 0 && nodeAllocatable(type, tables.capacity).allocatable.memoryMiB > 0, type);
                }
            }
        }
        assert.ok(accepted > ec2Families().length * 5, `${accepted} types accepted`);
        for (const t of ["m7g.micro", "t3.4xlarge", "m5.medium"]) assert.throws(() => ec2HourlyPrice(t, tables.prices), /does not exist/, t);
        assert.ok(Math.abs(ec2HourlyPrice("m7g.xlarge", tables.prices) - 2 * ec2HourlyPrice("m7g.large", tables.prices)) < 1e-9);
    });

    it("the configuration accepts exactly the RDS classes the price table prices", () => {
        let accepted = 0;
        for (const f of rdsFamilies()) {
            for (const s of sizes) {
                const cls = `db.${f}.${s}`;
                const ok = accepts({ "bdok:database": { instanceClass: cls } });
                let price: number | undefined;
                try {
                    price = rdsHourlyPrice(cls, tables.prices);
                } catch (e) {
                    assert.match((e as Error).message, /does not exist/, cls);
                }
                assert.equal(ok, price !== undefined, `${cls}: accepted ${ok}, priced ${price}`);
                if (ok) accepted++;
            }
        }
        assert.ok(accepted >= 2 * 6 + 8 * 7, `${accepted} classes accepted`);
        assert.throws(() => rdsHourlyPrice("db.t4g.16xlarge", tables.prices), /does not exist/);
    });

    it("bills an EKS version at the extended rate after its standard support ends", () => {
        const cal = tables.prices.eks.versionCalendar["1.33"];
        assert.equal(eksHourlyRate("1.33", cal.standardUntil, tables.prices).support, "standard");
        const later = eksHourlyRate("1.33", `${cal.extendedUntil.slice(0, 4)}-01-01`, tables.prices);
        assert.equal(later.support, "extended");
        assert.ok(later.perHour > tables.prices.eks.standardPerHour);
    });
});

describe("estimates: quantities and node capacity", () => {
    it("parses Kubernetes quantities and JVM sizes", () => {
        assert.equal(parseQuantity("500m"), 0.5);
        assert.equal(parseQuantity("512Mi"), 512 * 2 ** 20);
        assert.equal(parseQuantity("1G"), 1e9);
        assert.equal(parseQuantity(2), 2);
        assert.equal(jvmMemoryMiB("2g"), 2048);
        assert.equal(jvmMemoryMiB("512m"), 512);
        assert.throws(() => parseQuantity("lots"), /quantity/);
    });

    it("computes a node's allocatable with the EKS AMI formula", () => {
        const r = tables.capacity.nodeReserve;
        const a = nodeAllocatable("m7g.xlarge", tables.capacity);
        assert.equal(a.maxPods, maxPodsOf("m7g.xlarge", tables.capacity.maxPods));
        assert.equal(a.reserved.memoryMiB, r.memoryMiBPerPod * a.maxPods + r.memoryMiBBase + r.evictionHardMiB);
        // 4 cores: 6% + 1% + 0.5% + 0.5% of a core.
        assert.equal(a.reserved.cpuMillis, Math.round((r.cpuPercentByCore[0] + r.cpuPercentByCore[1] + r.cpuPercentByCore[2] + r.cpuPercentByCore[3]) * 10));
        assert.equal(a.allocatable.memoryMiB, 16 * 1024 - a.reserved.memoryMiB);
        assert.ok(nodeAllocatable("m7g.2xlarge", tables.capacity).allocatable.cpuMillis > a.allocatable.cpuMillis);
        // Managed node groups cap max pods at 110 below 30 vCPUs.
        assert.equal(maxPodsOf("m7g.4xlarge", tables.capacity.maxPods), 110);
    });
});

// ---- synthetic Kubernetes resources ----
const cluster = () => res("eks", { type: "eks:index:Cluster", custom: false, remote: true, inputs: { version: "1.34" } });
const nodeGroup = (instanceTypes: string[], desiredSize: number, capacityType = "ON_DEMAND") =>
    res("ng", {
        type: "eks:index:ManagedNodeGroup",
        custom: false,
        remote: true,
        inputs: { instanceTypes, capacityType, diskSize: 20, scalingConfig: { minSize: 0, desiredSize, maxSize: 10 } },
    });
const deployment = (name: string, replicas: number, cpu: string, memory: string) =>
    res(name, {
        type: "kubernetes:apps/v1:Deployment",
        inputs: { spec: { replicas, template: { spec: { containers: [{ name, resources: { requests: { cpu, memory } } }] } } } },
    });
const release = (name: string, chart: string, values: Record<string, unknown>) =>
    res(name, { type: "kubernetes:helm.sh/v3:Release", inputs: { chart, values } });

describe("estimates: capacity (synthetic)", () => {
    it("fails with the shortfall when requests exceed the allocatable", () => {
        const plan = [cluster(), nodeGroup(["t4g.small"], 1), deployment("big", 2, "2", "4Gi")];
        assert.throws(
            () => capacity(plan, { stack: "synthetic" }, tables.capacity),
            (e: unknown) => {
                assert.ok(e instanceof CapacityError);
                assert.match(e.message, /capacity of stack "synthetic"/);
                assert.match(e.message, /CPU: requested [\d.]+ vCPU > allocatable [\d.]+ vCPU \(short by [\d.]+ vCPU\)/);
                assert.match(e.message, /memory: requested [\d.]+ GiB > allocatable [\d.]+ GiB \(short by/);
                assert.match(e.message, /ng: 1 x t4g.small/);
                return true;
            },
        );
    });

    it("fails when a pod is larger than any node even though the total fits", () => {
        const plan = [cluster(), nodeGroup(["m7g.large"], 3), deployment("fat", 1, "500m", "10Gi")];
        const report = capacityReport(plan, tables.capacity);
        assert.ok(report.requested.memoryMiB < report.allocatable.memoryMiB);
        assert.equal(report.fits, false);
        assert.match(report.problems[0], /^fat \(Deployment\) spec: one pod requests 0\.5 vCPU and 10 GiB, more than any node offers \(m7g\.large: /);
        assert.deepEqual(
            report.oversized.map((o) => o.source),
            ["fat (Deployment)"],
        );
    });

    // A DAG folder ConfigMap holding SparkApplication templates, as lib/pipelines/batch.ts writes it.
    const sparkTemplate = (name: string, executors: number, memory: string) =>
        toYaml({
            apiVersion: "sparkoperator.k8s.io/v1beta2",
            kind: "SparkApplication",
            metadata: { name },
            spec: { type: "Python", mode: "cluster", driver: { cores: 1, memory: "1g" }, executor: { cores: 1, instances: executors, memory } },
        });
    const dagFolder = (files: Record<string, string>) =>
        res("dags", { type: "kubernetes:core/v1:ConfigMap", inputs: { data: { "dag.py": "print('no SparkApplication here')", ...files } } });

    it("counts the SparkApplications a DAG submits as transient demand: peak is idle plus the largest run", () => {
        const base = [cluster(), nodeGroup(["m7g.xlarge"], 3), deployment("app", 1, "1", "2Gi")];
        const without = capacityReport(base, tables.capacity);
        const withDag = capacityReport(
            [...base, dagFolder({ "spark__small.yaml": sparkTemplate("small", 1, "1g"), "spark__big.yaml": sparkTemplate("big", 2, "2g") })],
            tables.capacity,
        );
        assert.deepEqual(withDag.submitted.map((x) => x.file).sort(), ["spark__big.yaml", "spark__small.yaml"]);
        assert.equal(withDag.peakRun, "spark__big.yaml");
        const big = withDag.submitted.find((x) => x.file === "spark__big.yaml")!;
        // Python pods: memory + max(384 MiB, 40 %) of it: a 1g driver and two 2g executors.
        assert.equal(big.memoryMiB, 1.4 * 1024 + 2 * 1.4 * 2048);
        assert.equal(withDag.requested.memoryMiB - without.requested.memoryMiB, Math.round(big.memoryMiB));
        assert.equal(withDag.requested.cpuMillis - without.requested.cpuMillis, 3000);
        assert.deepEqual(withDag.idle, without.idle, "the templates are not running between batch runs");
        assert.ok(withDag.fits, withDag.problems.join("; "));
    });

    it("rejects a submitted executor larger than every node, and a batch run that does not fit beside the idle pods", () => {
        const huge = capacityReport(
            [cluster(), nodeGroup(["m7g.xlarge"], 3), dagFolder({ "spark__job.yaml": sparkTemplate("job", 1, "512g") })],
            tables.capacity,
        );
        assert.equal(huge.fits, false);
        assert.equal(huge.oversized[0].submitted, "spark__job.yaml");
        assert.match(
            huge.problems[0],
            /^dags \(ConfigMap\) spark__job\.yaml spec\.executor: one pod requests 1 vCPU and 716\.8 GiB, more than any node offers/,
        );
        const idle = [cluster(), nodeGroup(["m7g.xlarge"], 1), deployment("app", 1, "2", "8Gi")];
        assert.ok(capacityReport(idle, tables.capacity).fits);
        const peak = capacityReport([...idle, dagFolder({ "spark__job.yaml": sparkTemplate("job", 2, "2g") })], tables.capacity);
        assert.equal(peak.fits, false, "the batch run does not fit beside the idle pods");
        assert.equal(peak.oversized.length, 0);
    });

    it("more nodes give more allocatable; system pods count per node", () => {
        const small = capacityReport([cluster(), nodeGroup(["m7g.xlarge"], 2)], tables.capacity);
        const large = capacityReport([cluster(), nodeGroup(["m7g.xlarge"], 3)], tables.capacity);
        const one = nodeAllocatable("m7g.xlarge", tables.capacity).allocatable;
        assert.equal(large.allocatable.cpuMillis - small.allocatable.cpuMillis, one.cpuMillis);
        assert.ok(large.system.cpuMillis > small.system.cpuMillis, "DaemonSet pods on the extra node");
    });

    // What `helm template` gives for a release: the objects its chart renders.
    const container = (name: string, cpu?: string, memory?: string) => ({ name, image: "x", ...(cpu ? { resources: { requests: { cpu, memory } } } : {}) });
    const k8s = (
        kind: string,
        name: string,
        spec: Record<string, unknown>,
        annotations?: Record<string, string>,
        apiVersion = ["Deployment", "StatefulSet", "DaemonSet"].includes(kind) ? "apps/v1" : ["Job", "CronJob"].includes(kind) ? "batch/v1" : "v1",
    ) => ({ apiVersion, kind, metadata: { name, ...(annotations ? { annotations } : {}) }, spec });
    const chartObjects = () => [
        k8s("Deployment", "api", {
            replicas: 3,
            template: {
                spec: {
                    containers: [container("api", "500m", "1Gi"), container("groomer", "10m", "32Mi")],
                    initContainers: [container("wait", "800m", "256Mi")],
                },
            },
        }),
        k8s("StatefulSet", "db", {
            replicas: 2,
            template: { spec: { containers: [container("db", "1", "2Gi")] } },
            volumeClaimTemplates: [{ spec: { resources: { requests: { storage: "8Gi" } } } }],
        }),
        k8s("DaemonSet", "agent", { template: { spec: { containers: [container("agent", "20m", "64Mi")] } } }),
        k8s("Job", "migrate", { template: { spec: { containers: [container("migrate", "200m", "512Mi")] } } }, { "helm.sh/hook": "post-install,post-upgrade" }),
        k8s("Pod", "smoke", { containers: [container("cli", "4", "8Gi")] }, { "helm.sh/hook": "test" }),
        k8s("Service", "web", { type: "LoadBalancer" }, { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" }),
        {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "cfg" },
            data: {
                "pod_template_file.yaml": toYaml({
                    apiVersion: "v1",
                    kind: "Pod",
                    metadata: { name: "task" },
                    spec: { containers: [container("base", "100m", "512Mi")] },
                }),
                "other.yaml": "kind: Other\n",
            },
        },
    ];

    it("counts a Helm release by what its chart renders: replicas, sidecars and init containers, claims, hooks, pod templates", () => {
        const rel = release("app", "some-chart", { anything: "the values themselves are not read" });
        const w = workloads([rel], tables.capacity, { [rel.urn]: chartObjects() });
        const pods = Object.fromEntries(w.pods.map((p) => [p.path, [p.pods, p.cpuMillis, Math.round(p.memoryMiB), !!p.transient, !!p.perNode]]));
        assert.deepEqual(
            pods,
            {
                // max(sum of containers, largest init container), per resource.
                "Deployment/api": [3, 800, 1056, false, false],
                "StatefulSet/db": [2, 1000, 2048, false, false],
                "DaemonSet/agent": [1, 20, 64, false, true],
                "Job/migrate": [1, 200, 512, true, false],
                "ConfigMap/cfg data.pod_template_file.yaml": [1, 100, 512, true, false],
            },
            "the helm test pod is never run by Pulumi",
        );
        assert.deepEqual(
            w.volumes.map((v) => [v.path, v.count, v.sizeGiB]),
            [["StatefulSet/db spec.volumeClaimTemplates", 2, 8]],
        );
        assert.deepEqual(
            w.loadBalancers.map((l) => [l.path, l.internetFacing]),
            [["Service/web", false]],
        );
        assert.ok(w.pods.every((p) => p.source === "app (helm some-chart)"));
        // Priced: the claims as EBS, the internal NLB without public addresses.
        const cost = monthlyCost([rel], { region: "us-east-1", azCount: 2 }, tables.prices, {
            capacityTable: tables.capacity,
            rendered: { [rel.urn]: chartObjects() },
        });
        assert.deepEqual(
            cost.items.map((i) => [i.item, i.quantity]),
            [
                ["EBS persistent volumes", 16],
                ["network load balancer", 1],
            ],
        );
    });

    it("refuses to size a Helm release it has no rendering for", () => {
        const rel = release("app", "some-chart", { replicas: 3 });
        assert.throws(
            () => capacityReport([cluster(), nodeGroup(["m7g.xlarge"], 1), rel], tables.capacity),
            /app \(helm some-chart\): no rendered objects for this release/,
        );
    });

    it("sizes Spark pods as memory + overhead, ECK pods by their defaults, and finds load balancers", () => {
        const spark = res("job", {
            type: "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication",
            inputs: { spec: { type: "Python", driver: { cores: 1, memory: "1g" }, executor: { instances: 3, cores: 2, memory: "2g" } } },
        });
        const es = res("es", {
            type: "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
            inputs: { spec: { nodeSets: [{ name: "default", count: 2 }] } },
        });
        const svc = res("svc", {
            type: "kubernetes:core/v1:Service",
            inputs: { metadata: { annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" } }, spec: { type: "LoadBalancer" } },
        });
        const w = workloads([spark, es, svc], tables.capacity);
        const driver = w.pods.find((p) => p.path === "spec.driver")!;
        assert.equal(driver.memoryMiB, 1024 + Math.max(384, 0.4 * 1024));
        const exec = w.pods.find((p) => p.path === "spec.executor")!;
        assert.deepEqual([exec.pods, exec.cpuMillis, exec.memoryMiB], [3, 2000, 2048 + 0.4 * 2048]);
        const node = w.pods.find((p) => p.source.startsWith("es "))!;
        assert.deepEqual([node.pods, node.memoryMiB], [2, tables.capacity.operatorDefaults.elasticsearch.memoryMiB]);
        assert.deepEqual(
            w.volumes.map((v) => v.count),
            [2],
        );
        assert.deepEqual(
            w.loadBalancers.map((l) => l.internetFacing),
            [false],
        );
    });
});

describe("estimates: monthly cost (synthetic)", () => {
    it("prices spot node groups below on-demand and Multi-AZ RDS at twice single-AZ", () => {
        const cfg = { region: "us-east-1", azCount: 2 };
        const od = monthlyCost([nodeGroup(["m7g.xlarge"], 2)], cfg, tables.prices).totalUsd;
        const spot = monthlyCost([nodeGroup(["m7g.xlarge"], 2, "SPOT")], cfg, tables.prices).totalUsd;
        assert.ok(spot < od);
        const rds = (multiAz: boolean) =>
            monthlyCost(
                [
                    res("db", {
                        type: "aws:rds/instance:Instance",
                        inputs: { instanceClass: "db.t4g.micro", allocatedStorage: 20, storageType: "gp3", multiAz },
                    }),
                ],
                cfg,
                tables.prices,
            ).totalUsd;
        assert.ok(Math.abs(rds(true) - 2 * rds(false)) < 0.02);
        const lb = monthlyCost([res("svc", { type: "kubernetes:core/v1:Service", inputs: { spec: { type: "LoadBalancer" } } })], cfg, tables.prices, {
            capacityTable: tables.capacity,
        });
        assert.equal(lb.items.filter((i) => i.item === "public IPv4 address")[0].quantity, 2, "an internet-facing NLB has a public IPv4 per AZ");
    });
});

// ---- the stacks' plans ----
function estimatesOf(run: PlanRun) {
    return estimate(run);
}

/**
 * The pods the rendered objects will run, read straight from them: replicas (parallelism for a
 * Job) times each pod's effective requests, max(sum of containers, largest init container); the
 * KubernetesExecutor's pod template (a Pod in a ConfigMap) is one task pod; `helm test` pods never run.
 */
function expectedPods(objects: Array<{ kind: string; metadata: any; spec?: any; data?: any }>) {
    const q = (c: any) => ({ cpu: cpuMillis(c.resources?.requests?.cpu ?? 0), mem: memoryMiB(c.resources?.requests?.memory ?? 0) });
    const effective = (ps: any) => {
        const main = (ps.containers ?? []).map(q).reduce((a: any, b: any) => ({ cpu: a.cpu + b.cpu, mem: a.mem + b.mem }), { cpu: 0, mem: 0 });
        for (const i of (ps.initContainers ?? []).map(q)) {
            main.cpu = Math.max(main.cpu, i.cpu);
            main.mem = Math.max(main.mem, i.mem);
        }
        return { cpuMillis: main.cpu, memoryMiB: main.mem };
    };
    const out: Array<{ path: string; pods: number; cpuMillis: number; memoryMiB: number; transient: boolean; perNode: boolean }> = [];
    for (const o of objects) {
        if (/(^|,)test(-success)?($|,)/.test(o.metadata.annotations?.["helm.sh/hook"] ?? "")) continue;
        const id = `${o.kind}/${o.metadata.name}`;
        if (["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind))
            out.push({ path: id, pods: o.spec.replicas ?? 1, ...effective(o.spec.template.spec), transient: false, perNode: o.kind === "DaemonSet" });
        if (o.kind === "Job") out.push({ path: id, pods: o.spec.parallelism ?? 1, ...effective(o.spec.template.spec), transient: true, perNode: false });
        if (o.kind === "CronJob") out.push({ path: id, pods: 1, ...effective(o.spec.jobTemplate.spec.template.spec), transient: true, perNode: false });
        if (o.kind === "Pod")
            out.push({
                path: id,
                pods: 1,
                ...effective(o.spec),
                transient: ["Never", "OnFailure"].includes(o.spec.restartPolicy) || !!o.metadata.annotations?.["helm.sh/hook"],
                perNode: false,
            });
        if (o.kind === "ConfigMap") {
            for (const [key, text] of Object.entries<string>(o.data ?? {})) {
                const doc = /\.ya?ml$/.test(key) && /^kind: Pod$/m.test(text) ? YAML.parse(text) : undefined;
                if (doc?.kind === "Pod") out.push({ path: `${id} data.${key}`, pods: 1, ...effective(doc.spec), transient: true, perNode: false });
            }
        }
    }
    return out;
}

for (const stack of ["dev", "prod"]) {
    describe(`estimates of stack ${stack}`, () => {
        let run: PlanRun;
        let e: ReturnType<typeof estimate>;
        before(async () => {
            run = await planOf(stack);
            e = estimatesOf(run);
        });

        it("has a contiguous critical path ending at the deploy time", () => {
            assert.ok(e.deployMinutes > 10, `${e.deployMinutes}`);
            assert.ok(e.criticalPath.length >= 3);
            for (let i = 1; i < e.criticalPath.length; i++) {
                assert.ok(
                    Math.abs(e.criticalPath[i].startMinute - e.criticalPath[i - 1].finishMinute) <= 0.11,
                    `${e.criticalPath[i - 1].name} -> ${e.criticalPath[i].name}`,
                );
            }
            assert.ok(Math.abs(e.criticalPath[e.criticalPath.length - 1].finishMinute - e.deployMinutes) <= 0.11);
            const urns = new Set(run.plan.resources.map((r) => r.name));
            for (const link of e.criticalPath) assert.ok(urns.has(link.name), link.name);
        });

        it("does not serialise RDS, S3 and Glue behind EKS", () => {
            const cp = criticalPath(run.plan.resources, tables.durations);
            const eks = one(run, "eks:index:Cluster");
            for (const t of ["aws:rds/instance:Instance", "aws:s3/bucket:Bucket", "aws:glue/catalogDatabase:CatalogDatabase", "aws:glue/crawler:Crawler"]) {
                for (const r of ofType(run, t)) {
                    assert.ok(cp.schedule[r.urn].start < cp.schedule[eks.urn].finish, `${r.name} starts before the cluster is ready`);
                }
            }
        });

        it("deploys the operators side by side, not one after the other", () => {
            const cp = criticalPath(run.plan.resources, tables.durations);
            const operators = ofType(run, "kubernetes:helm.sh/v3:Release").filter((r) => /operator/.test(String((r.rawInputs as any)?.chart)));
            assert.ok(operators.length >= 2, `operator releases: ${operators.map((o) => o.name).join(", ")}`);
            for (const a of operators) {
                for (const b of operators) {
                    if (a === b) continue;
                    assert.ok(cp.schedule[a.urn].start < cp.schedule[b.urn].finish, `${a.name} does not wait for ${b.name}`);
                }
            }
        });

        it("prices every billable resource of the plan and sums the items", () => {
            for (const [type, item] of [
                ["eks:index:Cluster", "EKS control plane"],
                ["aws:ec2/natGateway:NatGateway", "NAT gateway"],
                ["aws:ec2/eip:Eip", "public IPv4 address"],
                ["eks:index:ManagedNodeGroup", "EC2 instances"],
                ["aws:rds/instance:Instance", "RDS instance"],
            ]) {
                for (const r of ofType(run, type))
                    assert.ok(
                        e.costItems.some((i) => i.item === item && i.resource === r.name),
                        `${item} for ${r.name}`,
                    );
            }
            const sum = e.costItems.reduce((s, i) => s + i.monthlyUsd, 0);
            assert.ok(Math.abs(sum - e.monthlyCostUsd) < 0.01);
            const nodes = e.costItems.filter((i) => i.item === "EC2 instances").reduce((s, i) => s + i.quantity, 0);
            assert.equal(
                nodes,
                Object.values(run.config.nodeGroups).reduce((s, g) => s + g.desiredSize, 0),
            );
        });

        it("counts each Helm release's pods as its chart renders them: every workload, its replicas and effective requests", () => {
            const nodes = e.capacity.nodeGroups.reduce((s, g) => s + g.nodes, 0);
            for (const rel of renderPlan(run)) {
                const src = `${rel.resource} (helm ${charts[rel.chart].chart})`;
                const show = (path: string, pods: number, cpu: number, mem: number, transient: boolean) =>
                    `${path}: ${pods} x ${cpu}m / ${Math.round(mem)}Mi${transient ? " (runs to completion)" : ""}`;
                const want = expectedPods(rel.objects).map((p) => show(p.path, p.perNode ? nodes : p.pods, p.cpuMillis, p.memoryMiB, p.transient));
                // Pods selecting a Karpenter pool are packed onto its nodes, the others onto the node groups.
                const pooled = (e.karpenter ? [...e.karpenter.batch.nodes.flatMap((n) => n.pods)] : []).filter((n) => n.startsWith(`${src} `));
                const got = [
                    ...e.capacity.items.filter((i) => i.source === src).map((i) => show(i.path, i.pods, i.cpuMillis, i.memoryMiB, !!i.transient)),
                    ...pooledItems(run, e)
                        .filter((i) => i.source === src)
                        .map((i) => show(i.path, i.pods, i.cpuMillis, i.memoryMiB, !!i.transient)),
                ];
                assert.ok(
                    pooledItems(run, e)
                        .filter((i) => i.source === src)
                        .every((i) => pooled.some((n) => n.startsWith(`${src} ${i.path}`))),
                    `${rel.releaseName}: every pooled pod is on a Karpenter node`,
                );
                if (rel.objects.every((o) => o.kind === "CustomResourceDefinition")) {
                    assert.deepEqual(got, [], `${rel.releaseName} renders CRDs only`);
                    continue;
                }
                assert.ok(want.length > 0, `${rel.releaseName} renders no workload`);
                assert.deepEqual(got.sort(), want.sort(), rel.releaseName);
            }
        });

        it("prices the load balancers and volumes the charts render", () => {
            for (const rel of renderPlan(run)) {
                const src = `${rel.resource} (helm ${charts[rel.chart].chart})`;
                const lbs = rel.objects.filter((o) => o.kind === "Service" && o.spec?.type === "LoadBalancer").map((o) => `${src} Service/${o.metadata.name}`);
                assert.deepEqual(
                    e.costItems.filter((i) => i.item === "network load balancer" && i.resource.startsWith(`${src} `)).map((i) => i.resource),
                    lbs,
                    rel.releaseName,
                );
                const claims = rel.objects
                    .filter((o) => o.kind === "StatefulSet")
                    .flatMap((o) =>
                        (o.spec.volumeClaimTemplates ?? []).map((t: any) => (o.spec.replicas ?? 1) * storageGiB(t.spec.resources.requests.storage)),
                    );
                const priced = e.costItems
                    .filter((i) => i.item === "EBS persistent volumes" && i.resource.startsWith(`${src} `))
                    .reduce((s, i) => s + i.quantity, 0);
                assert.equal(
                    priced,
                    claims.reduce((s, n) => s + n, 0),
                    rel.releaseName,
                );
            }
            if (stack === "prod")
                assert.ok(
                    e.costItems.some((i) => i.item === "network load balancer" && /\(helm trino\) Service\/trino$/.test(i.resource)),
                    "prod's Trino Service is a load balancer",
                );
        });

        it("fits the pods' requests into the node groups", () => {
            assert.ok(e.capacity.fits, e.capacity.problems.join("; "));
            assert.ok(e.capacity.requested.cpuMillis > e.capacity.system.cpuMillis, "the platform's requests are counted");
        });
    });
}

describe("estimates: targets and changes", () => {
    let dev: ReturnType<typeof estimate>;
    let prod: ReturnType<typeof estimate>;
    let devRun: PlanRun;
    before(async () => {
        devRun = await planOf("dev");
        dev = estimatesOf(devRun);
        prod = estimatesOf(await planOf("prod"));
    });

    // `up` returns only once Kafka, Connect, the connectors, Elasticsearch, Kibana and the
    // streaming job report ready (pulumi.com/waitFor), behind the node barrier; before, it returned
    // at 22.9 min with none of them awaited. The target moved with what it measures.
    it("dev: critical path to a working platform within 32 minutes", () => {
        assert.ok(dev.deployMinutes <= 32, `dev deploys in ${dev.deployMinutes} min: ${dev.criticalPath.map((c) => c.name).join(" -> ")}`);
    });

    it("dev: within 300 USD a month at idle", () => {
        assert.ok(
            dev.monthlyCostUsd <= 300,
            `dev costs ${dev.monthlyCostUsd} USD a month at idle: ${dev.costItems.map((i) => `${i.item} ${i.monthlyUsd}`).join(", ")}`,
        );
    });

    it("both stacks run a Kubernetes version in EKS standard support on the price table's date (extended support costs 6x)", () => {
        for (const e of [dev, prod]) {
            const cp = e.costItems.find((i) => i.item === "EKS control plane")!;
            assert.match(cp.note ?? "", /standard support/, cp.note);
            assert.equal(cp.unitUsd, tables.prices.eks.standardPerHour * H);
        }
    });

    it("prod keeps its redundancy and costs more than dev", () => {
        assert.ok(prod.monthlyCostUsd > dev.monthlyCostUsd);
        assert.ok(prod.costItems.filter((i) => i.item === "NAT gateway").length > 1, "a NAT gateway per AZ");
        assert.match(prod.costItems.find((i) => i.item === "RDS instance")!.unit, /Multi-AZ/);
    });

    // The same plan with one release rendered from other values.
    const rerendered = (run: PlanRun, chart: ChartName, change: (values: any) => void): RenderedRelease[] =>
        renderPlan(run).map((rel) => {
            if (rel.chart !== chart) return rel;
            const values = structuredClone(rel.values) as any;
            change(values);
            return renderRelease(rel, run.config.kubernetesVersion, planApiVersions(run.captured), values);
        });
    const demandOf = (rendered: RenderedRelease[], chart: ChartName) => {
        const pods = expectedPods(rendered.find((r) => r.chart === chart)!.objects);
        return { cpuMillis: pods.reduce((s, p) => s + p.pods * p.cpuMillis, 0), memoryMiB: pods.reduce((s, p) => s + p.pods * p.memoryMiB, 0) };
    };

    it("changing the Airflow scheduler's requests changes the estimate by exactly what the chart renders from them", () => {
        const before = renderPlan(devRun);
        const after = rerendered(devRun, "airflow", (v) => {
            v.scheduler.resources.requests = { cpu: "750m", memory: "1280Mi" };
        });
        const changed = estimate(devRun, { rendered: after });
        const replicas = devRun.config.airflow.schedulerReplicas;
        const sched = inputsOf(one(devRun, "kubernetes:helm.sh/v3:Release", "airflow")).values.scheduler.resources.requests;
        const delta = { cpuMillis: replicas * (750 - cpuMillis(sched.cpu)), memoryMiB: replicas * (1280 - memoryMiB(sched.memory)) };
        assert.ok(delta.cpuMillis > 0 && delta.memoryMiB > 0);
        const rendered = {
            cpuMillis: demandOf(after, "airflow").cpuMillis - demandOf(before, "airflow").cpuMillis,
            memoryMiB: demandOf(after, "airflow").memoryMiB - demandOf(before, "airflow").memoryMiB,
        };
        assert.deepEqual(rendered, delta, "the chart puts the requests on the scheduler container");
        for (const k of ["requested", "idle"] as const) {
            assert.equal(changed.capacity[k].cpuMillis - dev.capacity[k].cpuMillis, delta.cpuMillis, k);
            assert.equal(changed.capacity[k].memoryMiB - dev.capacity[k].memoryMiB, delta.memoryMiB, k);
        }
    });

    it("one more Trino worker (bdok:trino.workers -> server.workers) adds exactly one rendered worker pod", async () => {
        const more = await planWith("dev", { "bdok:trino": { ...devRun.config.trino, workers: devRun.config.trino.workers + 1 } });
        const bigger = estimatesOf(more);
        const worker = renderPlan(more)
            .find((r) => r.chart === "trino")!
            .objects.find((o) => o.kind === "Deployment" && o.metadata.name.endsWith("-worker"))!;
        assert.equal(worker.spec.replicas, devRun.config.trino.workers + 1);
        const [pod] = expectedPods([{ ...worker, spec: { ...worker.spec, replicas: 1 } }]);
        assert.ok(pod.cpuMillis > 0 && pod.memoryMiB > 0);
        // Workers select the workloads pool: the pod lands on Karpenter's nodes, not on the node groups.
        assert.deepEqual(bigger.capacity.requested, dev.capacity.requested);
        const onPool = (x: typeof dev) =>
            x
                .karpenter!.idle.nodes.filter((n) => n.pool === "workloads")
                .reduce((a, n) => ({ cpu: a.cpu + n.used.cpuMillis, mem: a.mem + n.used.memoryMiB, pods: a.pods + n.used.pods }), { cpu: 0, mem: 0, pods: 0 });
        assert.equal(onPool(bigger).cpu - onPool(dev).cpu, pod.cpuMillis);
        assert.equal(Math.round(onPool(bigger).mem - onPool(dev).mem), Math.round(pod.memoryMiB));
        assert.equal(onPool(bigger).pods - onPool(dev).pods, 1);
        assert.ok(bigger.karpenter!.idle.monthlyUsd >= dev.karpenter!.idle.monthlyUsd);
    });

    it("a request the chart sets by default, that the program does not set, is counted (the ECK operator's)", () => {
        const after = rerendered(devRun, "eck", (v) => {
            delete v.resources;
        });
        const chartDefault = (chartDefaults("eck").resources as any).requests;
        const item = estimate(devRun, { rendered: after }).capacity.items.find(
            (i) => i.source.endsWith("(helm eck-operator)") && i.path === "StatefulSet/elastic-operator",
        )!;
        assert.deepEqual([item.cpuMillis, item.memoryMiB], [cpuMillis(chartDefault.cpu), memoryMiB(chartDefault.memory)]);
        assert.ok(item.memoryMiB > 0);
    });

    it("a NAT gateway per AZ costs one gateway and one public IPv4 more per extra AZ", async () => {
        const perAz = estimatesOf(await planWith("dev", { "bdok:natGateways": "perAz" }));
        const extra = devRun.config.azCount - 1;
        const expected = extra * (tables.prices.natGateway.perHour + tables.prices.publicIpv4.perHour) * H;
        assert.ok(Math.abs(perAz.monthlyCostUsd - dev.monthlyCostUsd - expected) < 0.05, `${perAz.monthlyCostUsd} - ${dev.monthlyCostUsd} vs ${expected}`);
    });

    it("a larger node group costs more and offers more capacity", async () => {
        const groups = structuredClone(devRun.config.nodeGroups);
        const [name, g] = Object.entries(groups)[0];
        g.desiredSize += 1;
        g.maxSize = Math.max(g.maxSize, g.desiredSize);
        const bigger = estimatesOf(await planWith("dev", { "bdok:nodeGroups": groups }));
        assert.ok(bigger.monthlyCostUsd > dev.monthlyCostUsd);
        const one = nodeAllocatable(bigger.capacity.nodeGroups.find((n) => n.name.endsWith(name))!.instanceType, tables.capacity).allocatable;
        assert.equal(bigger.capacity.allocatable.cpuMillis - dev.capacity.allocatable.cpuMillis, one.cpuMillis);
        assert.equal(bigger.capacity.allocatable.memoryMiB - dev.capacity.allocatable.memoryMiB, one.memoryMiB);
    });

    it("a tiny node group fails the capacity check with the shortfall", async () => {
        const tiny = { general: { instanceTypes: ["t4g.small"], capacityType: "ON_DEMAND", minSize: 1, desiredSize: 1, maxSize: 1 } };
        const run = await planWith("dev", { "bdok:nodeGroups": tiny });
        assert.throws(
            () => capacity(run.plan.resources, run.config, tables.capacity, renderedObjects(renderPlan(run))),
            (err: unknown) => {
                assert.ok(err instanceof CapacityError);
                assert.match(
                    err.message,
                    /capacity of stack "dev": the pods' requests do not fit the node groups at desired size \(cluster-general: 1 x t4g.small\)/,
                );
                assert.match(err.message, /CPU: requested [\d.]+ vCPU > allocatable 1.93 vCPU \(short by [\d.]+ vCPU\)/);
                assert.match(err.message, /memory: requested [\d.]+ GiB > allocatable 1.54 GiB/);
                return true;
            },
        );
    });

    it("npm run plan leads with the shortfall and the key to change, exits 3 and leaves no plan.json", async function () {
        this.timeout(120000);
        const { dir, out } = await tooSmallPlan();
        assert.equal(out.status, 3, out.stderr);
        const lines = out.stderr.trim().split("\n");
        assert.match(
            lines[0],
            /^capacity of stack "dev": bdok:nodeGroups\.system\.desiredSize: got 1: the pods do not fit even at idle, short by [\d.]+ GiB memory and [\d.]+ vCPU( and \d+ pod slots)?; allowed: (\d+) or more \(set desiredSize to \2, and maxSize to at least \2\)/,
        );
        assert.ok(lines.length <= 8, `${lines.length} lines:\n${out.stderr}`);
        assert.doesNotMatch(out.stderr + out.stdout, /^\s+at /m);
        assert.equal(out.stdout.trim(), "", "nothing on stdout before the failure");
        assert.ok(!fs.existsSync(path.join(dir, "plan.json")) && !fs.existsSync(path.join(dir, "plan.txt")), "a plan was left behind");
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
