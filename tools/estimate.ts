// Composes the offline estimates of a plan (lib/estimates.ts) with the data tables in estimates/:
// deploy time (critical path), monthly cost at idle, and capacity. tools/plan.ts calls estimate()
// and writes the result into plan.json under `estimates`.
import * as fs from "fs";
import * as path from "path";
import type { StackConfig } from "../config";
import { DurationTable } from "../lib/durations";
import { CapacityError, CapacityReport, CostItem, RenderedObjects, capacityReport, criticalPath, monthlyCost, systemPodsOf, workloads } from "../lib/estimates";
import { CapacityTable, nodeAllocatable } from "../lib/node-capacity";
import { EstResource, getPath } from "../lib/plan-resource";
import { PriceTable } from "../lib/prices";
import { jvmMemoryMiB } from "../lib/quantities";
import { karpenterCost, PackingResult, PodRequest, PoolOffer, poolInstanceTypes } from "../platform/karpenter/packing";
import type { PlanRun } from "./harness";
import { instanceShape } from "../lib/instances";
import { renderPlan, RenderedRelease } from "./render";

const ROOT = path.resolve(__dirname, "..");

export interface Tables {
    durations: DurationTable;
    prices: PriceTable;
    capacity: CapacityTable;
}

let cached: Tables | undefined;

/** The data tables in estimates/ (read once). */
export function loadTables(): Tables {
    if (!cached) {
        const read = (f: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "estimates", f), "utf8"));
        cached = { durations: read("durations.json"), prices: read("prices.json"), capacity: read("capacity.json") };
    }
    return cached;
}

/** What each release of the plan renders, by its URN: the objects capacity and cost count. */
export function renderedObjects(rendered: RenderedRelease[]): RenderedObjects {
    return Object.fromEntries(rendered.map((r) => [r.urn, r.objects]));
}

export interface Estimates {
    deployMinutes: number;
    criticalPath: Array<{ name: string; type: string; minutes: number; startMinute: number; finishMinute: number }>;
    components: Array<{ name: string; type: string; finishMinute: number }>;
    /** At idle: the platform only, Karpenter's nodes for it included. */
    monthlyCostUsd: number;
    /** The same rate while a batch run is on (the largest SparkApplication a DAG submits, at its maximum executors). */
    batchMonthlyCostUsd: number;
    /** The nodes Karpenter launches for the pods that select its pools, at idle and during a batch run. */
    karpenter?: { pools: PoolOffer[]; idle: PackingResult; batch: PackingResult };
    costItems: CostItem[];
    capacity: CapacityReport;
    /** When the pods do not fit: the one-line shortfall and the configuration key that fixes it. */
    capacityAdvice?: { key: string; message: string };
    warnings: string[];
    usageBased: PriceTable["usageBased"];
    basis: {
        durations: string;
        prices: string;
        capacity: string;
        pricesRegion: string;
        pricesDate: string;
        asOf: string;
        /** How Helm releases are counted. */
        helmReleases: string;
    };
}

const r1 = (n: number) => Math.round(n * 10) / 10;

export interface EstimateOptions {
    tables?: Tables;
    /** The plan's releases as rendered (default: renderPlan(run), which needs run.captured). */
    rendered?: RenderedRelease[];
    /** The date the EKS support status is evaluated on (default: the price table's date). */
    asOf?: string;
}

/** The estimates of a plan run; a chart that fails to render throws its RenderError (tools/helm.ts). */
export function estimate(run: PlanRun, opts: EstimateOptions = {}): Estimates {
    const tables = opts.tables ?? loadTables();
    const rendered = renderedObjects(opts.rendered ?? renderPlan(run));
    const resources = run.plan.resources;

    const cp = criticalPath(resources, tables.durations);
    const cost = monthlyCost(resources, run.config, tables.prices, { asOf: opts.asOf, capacityTable: tables.capacity, rendered });
    const cap = capacityReport(resources, tables.capacity, rendered);
    const kp = karpenterProblems(resources, run.config, tables, rendered);
    const k = kp.length ? undefined : karpenterNodes(resources, tables, rendered);
    if (k) kp.push(...limitProblems(resources, k));
    if (kp.length) {
        cap.fits = false;
        cap.problems.push(...kp.map((x) => x.message));
    }
    const items = [...cost.items];
    if (k && k.idle.monthlyUsd > 0) {
        items.push({
            item: "EC2 instances (Karpenter, idle)",
            resource: k.idle.nodes.map((n) => `${n.pool}: ${n.instanceType} ${n.capacityType}`).join(", "),
            quantity: k.idle.nodes.length,
            unit: "node",
            unitUsd: Math.round((k.idle.monthlyUsd / Math.max(1, k.idle.nodes.length)) * 100) / 100,
            monthlyUsd: k.idle.monthlyUsd,
            note: "bin-packed pod requests (platform/karpenter/packing.ts), root volumes included",
        });
    }
    const idleUsd = Math.round((cost.totalUsd + (k?.idle.monthlyUsd ?? 0)) * 100) / 100;
    const batchUsd = Math.round((cost.totalUsd + (k?.batch.monthlyUsd ?? 0)) * 100) / 100;
    const advice = cap.fits ? undefined : kp.length ? { key: kp[0].key, message: kp[0].message } : capacityAdvice(resources, run.config, cap, tables, rendered);
    return {
        deployMinutes: r1(cp.minutes),
        criticalPath: cp.chain.map((c) => ({ name: c.name, type: c.type, minutes: c.minutes, startMinute: r1(c.start), finishMinute: r1(c.finish) })),
        components: cp.components.map((c) => ({ name: c.name, type: c.type, finishMinute: r1(c.finish) })),
        monthlyCostUsd: idleUsd,
        batchMonthlyCostUsd: batchUsd,
        ...(k ? { karpenter: k } : {}),
        costItems: items,
        capacity: cap,
        ...(advice ? { capacityAdvice: advice } : {}),
        warnings: cost.warnings,
        usageBased: cost.usageBased,
        basis: {
            durations: "estimates/durations.json",
            prices: "estimates/prices.json",
            capacity: "estimates/capacity.json",
            pricesRegion: tables.prices.region,
            pricesDate: tables.prices.date,
            asOf: opts.asOf ?? tables.prices.date,
            helmReleases: "the workloads each chart renders (helm template, tools/render.ts)",
        },
    };
}

/**
 * The nodes Karpenter would launch: the pool-selecting pods (as rendered) bin-packed onto the
 * instance types each NodePool of the plan allows (its families x sizes that the price table
 * knows), at idle and during the largest batch run. Undefined when the plan has no NodePool.
 */
export function karpenterNodes(
    resources: EstResource[],
    tables: Tables,
    rendered: RenderedObjects = {},
): { pools: PoolOffer[]; idle: PackingResult; batch: PackingResult } | undefined {
    const pre = karpenterInputs(resources, tables, rendered);
    if (!pre) return undefined;
    return {
        pools: pre.pools,
        ...karpenterCost(pre.pods, pre.pools, tables.capacity, tables.prices, { perNode: pre.perNode, rootVolumeGiB: pre.rootVolumeGiB }),
    };
}

function karpenterInputs(resources: EstResource[], tables: Tables, rendered: RenderedObjects) {
    const nodePools = resources.filter((r) => r.type === "kubernetes:karpenter.sh/v1:NodePool");
    if (nodePools.length === 0) return undefined;
    const byPool = new Map<string, { families: Set<string>; sizes: Set<string>; capacity: Set<string> }>();
    for (const np of nodePools) {
        const label = getPath(np.inputs, ["spec", "template", "metadata", "labels", "bdok.io/pool"]) as string | undefined;
        const reqs = (getPath(np.inputs, "spec.template.spec.requirements") as Array<{ key: string; values: string[] }> | undefined) ?? [];
        if (!label) continue;
        const e = byPool.get(label) ?? { families: new Set(), sizes: new Set(), capacity: new Set() };
        const vals = (key: string) => reqs.find((r) => r.key === key)?.values ?? [];
        vals("karpenter.k8s.aws/instance-family").forEach((f) => e.families.add(f));
        vals("karpenter.k8s.aws/instance-size").forEach((x) => e.sizes.add(x));
        vals("karpenter.sh/capacity-type").forEach((c) => e.capacity.add(c));
        byPool.set(label, e);
    }
    const pools: PoolOffer[] = [];
    for (const [name, e] of byPool) {
        const types = poolInstanceTypes([...e.families], [...e.sizes], tables.prices);
        pools.push({ name, instanceTypes: types, capacityTypes: [...e.capacity] as PoolOffer["capacityTypes"] });
        // Pods that also select on-demand capacity get on-demand nodes of the same pool.
        if (e.capacity.has("on-demand")) pools.push({ name: `${name}:on-demand`, instanceTypes: types, capacityTypes: ["on-demand"] });
    }
    const w = workloads(resources, tables.capacity, rendered);
    const pooled = w.pods.filter((p) => p.pool);
    // As capacityReport: a DAG's Spark tasks run one after another, so a batch run is the largest application.
    const runs = new Map<string, number>();
    for (const p of pooled.filter((x) => x.submitted)) runs.set(p.submitted!, (runs.get(p.submitted!) ?? 0) + p.pods * p.memoryMiB);
    const peak = [...runs.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const pods: PodRequest[] = pooled
        .filter((p) => !p.submitted || p.submitted === peak)
        .map((p) => ({
            name: `${p.source} ${p.path}`,
            cpuMillis: p.cpuMillis,
            memoryMiB: p.memoryMiB,
            count: p.pods,
            pool: p.pool!,
            transient: !!p.transient,
        }));
    // DaemonSet pods run on Karpenter's nodes too.
    const daemons = [...systemPodsOf(resources, tables.capacity).filter((x) => x.perNode), ...w.pods.filter((x) => x.perNode && !x.pool)];
    const perNode = { cpuMillis: daemons.reduce((a, d) => a + d.cpuMillis, 0), memoryMiB: daemons.reduce((a, d) => a + d.memoryMiB, 0), pods: daemons.length };
    const nodeClass = resources.find((r) => r.type === "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass");
    const bdm = (getPath(nodeClass?.inputs, "spec.blockDeviceMappings") as Array<{ ebs?: { volumeSize?: string } }> | undefined) ?? [];
    const rootVolumeGiB = bdm.reduce((a, b) => a + parseInt(b.ebs?.volumeSize ?? "0", 10), 0);
    return { pools, pods, perNode, rootVolumeGiB };
}

/** Pods that select a pool no NodePool offers, or that no allowed instance type can hold. */
export function karpenterProblems(
    resources: EstResource[],
    config: StackConfig,
    tables: Tables,
    rendered: RenderedObjects = {},
): Array<{ key: string; message: string }> {
    const out: Array<{ key: string; message: string }> = [];
    const pre = karpenterInputs(resources, tables, rendered);
    if (!pre) return out;
    for (const p of pre.pods) {
        const offer = pre.pools.find((o) => o.name === p.pool);
        const base = p.pool.split(":")[0];
        if (!offer) {
            out.push({
                key: `bdok:karpenter.pools`,
                message: `bdok:karpenter.pools: ${p.name} selects pool ${JSON.stringify(base)}, which no NodePool offers: its pods would stay Pending; allowed: ${pre.pools.map((o) => o.name).join(", ")}`,
            });
            continue;
        }
        const free = offer.instanceTypes.map((t) => {
            const a = nodeAllocatable(t, tables.capacity);
            return {
                t,
                cpu: a.allocatable.cpuMillis - pre.perNode.cpuMillis,
                mem: a.allocatable.memoryMiB - a.capacity.memoryMiB * 0.075 - pre.perNode.memoryMiB,
            };
        });
        if (free.some((f) => p.cpuMillis <= f.cpu && p.memoryMiB <= f.mem)) continue;
        const big = free.reduce((x, y) => (y.mem > x.mem ? y : x));
        const sizesKey = `bdok:karpenter.pools.${base}.instanceSizes`;
        const room = `${gib(big.mem)} and ${vcpu(big.cpu)} on an empty ${big.t}`;
        if (/\.executor$/.test(p.name)) {
            const mem = jvmMemoryMiB(config.spark.executorMemory);
            const ratio = p.memoryMiB / mem;
            const max = Math.floor(Math.min(big.mem / ratio, big.mem - tables.capacity.operatorDefaults.sparkMemoryOverhead.minimumMiB));
            const at = max >= 1024 ? `${Math.floor(max / 1024)}g` : `${Math.max(0, max)}m`;
            out.push({
                key: "bdok:spark.executorMemory",
                message: `bdok:spark.executorMemory: got "${config.spark.executorMemory}": an executor pod (${p.name}) requests ${gib(p.memoryMiB)} (memory + overhead), more than any instance type of Karpenter's ${base} pool offers (${room}); allowed: at most ${at}, or larger sizes in ${sizesKey}`,
            });
        } else {
            out.push({
                key: sizesKey,
                message: `${sizesKey}: ${p.name}: one pod requests ${gib(p.memoryMiB)} and ${vcpu(p.cpuMillis)}, more than any allowed instance type offers (${room}); allowed: larger sizes`,
            });
        }
    }
    return out;
}

/** NodePool spec.limits (per pool label) against the nodes a batch run needs: Karpenter launches no node past them. */
export function limitProblems(resources: EstResource[], k: { batch: PackingResult }): Array<{ key: string; message: string }> {
    const out: Array<{ key: string; message: string }> = [];
    const limits = new Map<string, { cpu: number; memGiB: number }>();
    for (const np of resources.filter((r) => r.type === "kubernetes:karpenter.sh/v1:NodePool")) {
        const label = getPath(np.inputs, ["spec", "template", "metadata", "labels", "bdok.io/pool"]) as string | undefined;
        if (!label || limits.has(label)) continue;
        limits.set(label, { cpu: Number(getPath(np.inputs, "spec.limits.cpu")), memGiB: parseInt(String(getPath(np.inputs, "spec.limits.memory")), 10) });
    }
    for (const [pool, l] of limits) {
        const nodes = k.batch.nodes.filter((n) => n.pool.split(":")[0] === pool);
        const cpu = nodes.reduce((a, n) => a + instanceShape(n.instanceType).vcpu, 0);
        const mem = nodes.reduce((a, n) => a + instanceShape(n.instanceType).memoryGiB, 0);
        if (cpu > l.cpu)
            out.push({
                key: `bdok:karpenter.pools.${pool}.cpuLimit`,
                message: `bdok:karpenter.pools.${pool}.cpuLimit: got ${l.cpu}: a batch run needs ${nodes.length} node(s) with ${cpu} cores in the ${pool} pool, and Karpenter launches none past the limit (pods stay Pending); allowed: ${cpu} or more, or smaller requests`,
            });
        if (mem > l.memGiB)
            out.push({
                key: `bdok:karpenter.pools.${pool}.memoryLimitGiB`,
                message: `bdok:karpenter.pools.${pool}.memoryLimitGiB: got ${l.memGiB}: a batch run needs ${nodes.length} node(s) with ${mem} GiB in the ${pool} pool, and Karpenter launches none past the limit (pods stay Pending); allowed: ${mem} or more, or smaller requests`,
            });
    }
    return out;
}

const vcpu = (m: number) => `${(m / 1000).toFixed(2)} vCPU`;
const gib = (m: number) => `${(m / 1024).toFixed(1)} GiB`;

/** The plan's node group of a configured group (the program names it `<cluster>-<group>`). */
function planGroupOf(resources: EstResource[], group: string): EstResource | undefined {
    return resources.find(
        (r) => (r.type === "eks:index:ManagedNodeGroup" || r.type === "aws:eks/nodeGroup:NodeGroup") && (r.name === group || r.name.endsWith(`-${group}`)),
    );
}

/**
 * What to change when the pods do not fit, leading with the shortfall: the executor memory for a
 * Spark pod no node can hold, else the smallest desiredSize that fits (found by re-running the
 * capacity model), else a larger instance type.
 */
export function capacityAdvice(
    resources: EstResource[],
    config: StackConfig,
    cap: CapacityReport,
    tables: Tables,
    rendered: RenderedObjects = {},
): { key: string; message: string } {
    const groups = Object.keys(config.nodeGroups);
    const typesKey = `bdok:nodeGroups.${groups[0]}.instanceTypes`;
    const o = cap.oversized[0];
    if (o) {
        const room = `${gib(o.largestNode.memoryMiB)} and ${vcpu(o.largestNode.cpuMillis)} on an empty ${o.largestNode.instanceType}`;
        if (o.submitted && /\.executor$/.test(o.path) && o.memoryMiB > o.largestNode.memoryMiB) {
            const mem = jvmMemoryMiB(config.spark.executorMemory);
            const ratio = o.memoryMiB / mem;
            const max = Math.floor(
                Math.min(o.largestNode.memoryMiB / ratio, o.largestNode.memoryMiB - tables.capacity.operatorDefaults.sparkMemoryOverhead.minimumMiB),
            );
            const at = max >= 1024 ? `${Math.floor(max / 1024)}g` : `${Math.max(0, max)}m`;
            return {
                key: "bdok:spark.executorMemory",
                message: `bdok:spark.executorMemory: got "${config.spark.executorMemory}": an executor pod of the batch SparkApplication ${o.submitted} requests ${gib(o.memoryMiB)} (memory + overhead), more than any node offers (${room}); allowed: at most ${at}, or a larger instance type in ${typesKey}`,
            };
        }
        return {
            key: typesKey,
            message: `${typesKey}: ${o.source} ${o.path}: one pod requests ${gib(o.memoryMiB)} and ${vcpu(o.cpuMillis)}, more than any node offers (${room}); allowed: a larger instance type`,
        };
    }
    const short: string[] = [];
    if (cap.requested.memoryMiB > cap.allocatable.memoryMiB) short.push(`${gib(cap.requested.memoryMiB - cap.allocatable.memoryMiB)} memory`);
    if (cap.requested.cpuMillis > cap.allocatable.cpuMillis) short.push(vcpu(cap.requested.cpuMillis - cap.allocatable.cpuMillis));
    if (cap.requested.pods > cap.allocatable.pods) short.push(`${cap.requested.pods - cap.allocatable.pods} pod slots`);
    const shortfall = short.length ? `short by ${short.join(" and ")}` : `${cap.unschedulable.length} pod(s) fit on no node`;
    const when = cap.idle.memoryMiB > cap.allocatable.memoryMiB || cap.idle.cpuMillis > cap.allocatable.cpuMillis ? "even at idle" : "at peak (a batch run)";
    for (const g of groups) {
        const ng = planGroupOf(resources, g);
        if (!ng) continue;
        const desired = config.nodeGroups[g].desiredSize;
        for (let n = desired + 1; n <= Math.max(desired + 20, 1); n++) {
            const bigger = resources.map((r) =>
                r === ng ? { ...r, inputs: { ...r.inputs, scalingConfig: { ...(r.inputs.scalingConfig as object), desiredSize: n } } } : r,
            );
            if (!capacityReport(bigger, tables.capacity, rendered).fits) continue;
            const key = `bdok:nodeGroups.${g}.desiredSize`;
            const max = config.nodeGroups[g].maxSize < n ? `, and maxSize to at least ${n}` : "";
            return {
                key,
                message: `${key}: got ${desired}: the pods do not fit ${when}, ${shortfall}; allowed: ${n} or more (set desiredSize to ${n}${max}), or a larger instance type in bdok:nodeGroups.${g}.instanceTypes`,
            };
        }
    }
    return {
        key: typesKey,
        message: `${typesKey}: the pods do not fit ${when}, ${shortfall}, and 20 more nodes would not help; allowed: a larger instance type`,
    };
}

/** Throws a CapacityError that leads with the shortfall and the key to change when the stack's requests do not fit. */
export function assertCapacity(e: Estimates, stack: string): void {
    if (e.capacity.fits) return;
    const c = e.capacity;
    const groups = c.nodeGroups.map((g) => `${g.nodes} x ${g.instanceType}`).join(" + ") || "no node group";
    const lead = e.capacityAdvice?.message ?? "the pods' requests do not fit the node groups at desired size";
    throw new CapacityError(
        [
            `capacity of stack "${stack}": ${lead}`,
            `  peak (a batch run) ${vcpu(c.requested.cpuMillis)} / ${gib(c.requested.memoryMiB)}, idle ${vcpu(c.idle.cpuMillis)} / ${gib(c.idle.memoryMiB)}, allocatable ${vcpu(c.allocatable.cpuMillis)} / ${gib(c.allocatable.memoryMiB)} on ${groups}`,
            ...c.problems.slice(0, 4).map((p) => `  - ${p.length > 220 ? `${p.slice(0, 217)}...` : p}`),
            "  no plan written",
        ].join("\n"),
        e.capacity,
    );
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** A short human summary for `npm run plan`. */
export function renderEstimates(e: Estimates): string {
    const lines: string[] = [];
    lines.push(`Estimates (offline model: ${e.basis.durations}, ${e.basis.prices} [${e.basis.pricesRegion}, ${e.basis.pricesDate}], ${e.basis.capacity})`);
    const chain = e.criticalPath
        .filter((c) => c.minutes >= 0.5)
        .map((c) => `${c.name} ${c.minutes}`)
        .join(" -> ");
    lines.push(`  deploy time (critical path): ${e.deployMinutes} min: ${chain || "(no step over 0.5 min)"}`);
    const byItem = new Map<string, number>();
    for (const it of e.costItems) byItem.set(it.item, (byItem.get(it.item) ?? 0) + it.monthlyUsd);
    const parts = [...byItem.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${usd(v)}`);
    lines.push(`  monthly cost at idle: ${usd(e.monthlyCostUsd)} (${parts.join(", ")}); usage-based charges not included`);
    if (e.karpenter) {
        const nodes = (r: PackingResult) => r.nodes.map((n) => `${n.pool} ${n.instanceType} ${n.capacityType}`).join(", ") || "none";
        lines.push(
            `  Karpenter nodes: idle ${usd(e.karpenter.idle.monthlyUsd)} (${nodes(e.karpenter.idle)}); during a batch run ${usd(e.karpenter.batch.monthlyUsd)} (${nodes(e.karpenter.batch)}): the stack at ${usd(e.batchMonthlyCostUsd)}/month while a batch run is on`,
        );
    }
    const c = e.capacity;
    const groups = c.nodeGroups.map((g) => `${g.nodes} x ${g.instanceType}`).join(" + ") || "no node group";
    lines.push(
        `  capacity: peak (a batch run${c.peakRun ? `: ${c.peakRun}` : ""}) ${vcpu(c.requested.cpuMillis)} / ${gib(c.requested.memoryMiB)} / ${c.requested.pods} pods, idle ${vcpu(c.idle.cpuMillis)} / ${gib(c.idle.memoryMiB)} / ${c.idle.pods} pods (system ${vcpu(c.system.cpuMillis)} / ${gib(c.system.memoryMiB)}) of allocatable ${vcpu(c.allocatable.cpuMillis)} / ${gib(c.allocatable.memoryMiB)} / ${c.allocatable.pods} pods on ${groups}: ${c.fits ? "fits" : "DOES NOT FIT"}`,
    );
    for (const w of e.warnings) lines.push(`  warning: ${w}`);
    return lines.join("\n");
}

export { CapacityError };
