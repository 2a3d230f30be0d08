// Whole-plan suites: the stacks' estimates and how they move with the configuration. Unit tests
// of each model sit beside it (tools/estimate/*.test.ts, lib/{durations,prices,quantities,node-capacity}.test.ts).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { nodeAllocatable } from "../tools/estimate/node-capacity";
import { cpuMillis, memoryMiB, storageGiB } from "../lib/quantities";
import { estimate, Estimates, renderedObjects } from "../tools/estimate";
import { CapacityError, capacity } from "../tools/estimate/capacity";
import { criticalPath } from "../tools/estimate/graph";
import { PodItem } from "../tools/estimate/objects";
import { loadTables } from "../tools/estimate/tables";
import { workloads as workloadsOf } from "../tools/estimate/workloads";
import { PlanRun } from "../tools/harness";
import { planApiVersions, RenderedRelease, renderPlan, renderRelease } from "../tools/render";
import { chartDefaults } from "../tools/schemas";
import { ChartName, charts } from "../versions";
import { runInProcess } from "./in-process";
import { inputsOf, ofType, one, planOf, planWith, ProcessResult, STACKS, stackSetting } from "./support";

const tables = loadTables();
const H = tables.prices.hoursPerMonth;

/** The rendered pods that select a Karpenter pool (the capacity report leaves them to the packing). */
function pooledItems(run: PlanRun, _e: Estimates): PodItem[] {
    return workloadsOf(run.plan.resources, loadTables().capacity, renderedObjects(renderPlan(run))).pods.filter((p) => p.pool);
}

// `npm run plan` with a system group too small for the platform, its main in-process (test/in-process.ts).
async function tooSmallPlan(): Promise<{ dir: string; out: ProcessResult }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-est-"));
    const overrides = path.join(dir, "tiny.yaml");
    fs.writeFileSync(
        overrides,
        "config:\n  bdok:nodeGroups:\n    system:\n      instanceTypes: [m7g.large]\n      capacityType: ON_DEMAND\n      minSize: 1\n      desiredSize: 1\n      maxSize: 1\n",
    );
    // A plan.json from an earlier run must not survive as if it were this one.
    fs.writeFileSync(path.join(dir, "plan.json"), "{}");
    const out = await runInProcess("plan", ["--stack", "dev", "--config", overrides, "--out", dir, "--quiet"]);
    return { dir, out };
}

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
    // The Prometheus operator runs each Prometheus and Alertmanager as a StatefulSet whose pods add
    // its config-reloader, requesting what the operator's --config-reloader-*-request flags say.
    const args: string[] = objects
        .filter((o) => o.kind === "Deployment")
        .flatMap((o) => (o.spec.template.spec.containers ?? []).flatMap((c: any) => c.args ?? []));
    const reloader = (r: string) => args.find((a) => a.startsWith(`--config-reloader-${r}-request=`))?.split("=")[1] ?? 0;
    for (const o of objects) {
        if (o.kind === "Prometheus" || o.kind === "Alertmanager") {
            const main = q(o.spec);
            out.push({
                path: `${o.kind}/${o.metadata.name} spec.resources`,
                pods: o.spec.replicas ?? 1,
                cpuMillis: main.cpu + cpuMillis(reloader("cpu")),
                memoryMiB: main.mem + memoryMiB(reloader("memory")),
                transient: false,
                perNode: false,
            });
        }
    }
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

for (const stack of STACKS) {
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
            for (const t of ["aws:rds/instance:Instance", "aws:s3/bucket:Bucket", "aws:glue/catalogDatabase:CatalogDatabase"]) {
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

        it("Superset is its own line: its image's storage in its ECR repository", () => {
            const repo = ofType(run, "aws:ecr/repository:Repository").filter((r) => r.name === "superset");
            assert.equal(repo.length, run.config.superset.enabled ? 1 : 0);
            for (const r of repo) {
                const line = e.costItems.find((i) => i.item === "ECR image storage" && i.resource === r.name);
                assert.ok(line && line.monthlyUsd > 0 && line.monthlyUsd < 1, JSON.stringify(line));
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
                const pooled = (e.karpenter ? [...(e.karpenter.batch ?? e.karpenter.idle).nodes.flatMap((n) => n.pods)] : []).filter((n) =>
                    n.startsWith(`${src} `),
                );
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
                // The Prometheus operator's claims (spec.storage of Prometheus and Alertmanager), on the observability line.
                const operatorClaims = rel.objects
                    .filter((o) => (o.kind === "Prometheus" || o.kind === "Alertmanager") && o.spec.storage?.volumeClaimTemplate)
                    .map((o) => (o.spec.replicas ?? 1) * storageGiB(o.spec.storage.volumeClaimTemplate.spec.resources.requests.storage));
                const observability = e.costItems
                    .filter((i) => i.item === "observability" && i.resource.startsWith(`${src} `) && i.unit.startsWith("GiB"))
                    .reduce((s, i) => s + i.quantity, 0);
                assert.equal(
                    observability,
                    operatorClaims.reduce((s, n) => s + n, 0),
                    `${rel.releaseName}: the operator's claims`,
                );
            }
            if (stackSetting(stack, "exposure") === "internalLoadBalancer")
                assert.ok(
                    e.costItems.some((i) => i.item === "network load balancer" && /\(helm trino\) Service\/trino$/.test(i.resource)),
                    "an internal load balancer exposure prices Trino's Service as a load balancer",
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
    // at 22.9 min with none of them awaited. The target moved with what it measures: 30.5 min with
    // fixed node groups, which Karpenter must not lengthen; then 35 min once Connect waits for its
    // KafkaUser (Strimzi reads the user's Secret only after the image build and discards a build that
    // ends before the Secret exists, issue 18 item 11): Kafka, the user and the build are now in series.
    it("dev: critical path to a working platform within 35 minutes (30.5 before Karpenter, plus Kafka ahead of the Connect build)", () => {
        assert.ok(dev.deployMinutes <= 35, `dev deploys in ${dev.deployMinutes} min: ${dev.criticalPath.map((c) => c.name).join(" -> ")}`);
    });

    // Issues 23/24: 235 USD with Superset and observability on, or the setting that brings it back
    // under. On one m7g.2xlarge system node (one xlarge is short at a Spark run) dev is above it;
    // docs/cost.md names the way back under, tested below.
    it("dev: within 270 USD a month at idle with every add-on on", () => {
        assert.ok(
            dev.monthlyCostUsd <= 270,
            `dev costs ${dev.monthlyCostUsd} USD a month at idle: ${dev.costItems.map((i) => `${i.item} ${i.monthlyUsd}`).join(", ")}`,
        );
    });

    it("dev: under 235 USD with Superset and observability off on one m7g.xlarge system node (docs/cost.md), and it fits", async () => {
        const groups = { ...devRun.config.nodeGroups, system: { ...devRun.config.nodeGroups.system, instanceTypes: ["m7g.xlarge", "m6g.xlarge"] } };
        const lean = estimatesOf(
            await planWith("dev", { "bdok:nodeGroups": groups, "bdok:superset": { enabled: false }, "bdok:observability": { enabled: false } }),
        );
        assert.ok(lean.capacity.fits, lean.capacity.problems.join("; "));
        assert.ok(lean.monthlyCostUsd <= 235, `${lean.monthlyCostUsd}`);
        assert.ok(lean.monthlyCostUsd < dev.monthlyCostUsd);
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
