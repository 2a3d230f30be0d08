// What to change when the pods do not fit: the configuration key and a message that leads with
// the shortfall, for the node groups (capacityAdvice) and for Karpenter's pools.
import type { StackConfig } from "../../config";
import { instanceShape } from "../../lib/instances";
import { nodeAllocatable } from "./node-capacity";
import { EstResource, getPath } from "../../lib/plan-resource";
import { jvmMemoryMiB } from "../../lib/quantities";
import { PackingResult } from "./packing";
import { CapacityReport, capacityReport } from "./capacity";
import { karpenterInputs } from "./karpenter";
import { RenderedObjects } from "./objects";
import { Tables } from "./tables";

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

export const vcpu = (m: number) => `${(m / 1000).toFixed(2)} vCPU`;
export const gib = (m: number) => `${(m / 1024).toFixed(1)} GiB`;

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
    const when =
        cap.idle.memoryMiB > cap.allocatable.memoryMiB || cap.idle.cpuMillis > cap.allocatable.cpuMillis ? "even at idle" : "at peak (a DAG's Spark run)";
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
