// Whether the pods' requests fit the node groups at desired size: at peak (a batch run) and at
// idle, packed first-fit decreasing after each node's DaemonSet pods.
import { CapacityTable, SystemPod, nodeAllocatable } from "./node-capacity";
import { EstResource, getPath } from "../../lib/plan-resource";
import { round } from "../../lib/quantities";
import { PodItem, RenderedObjects } from "./objects";
import { workloads } from "./workloads";

export interface NodeGroupCapacity {
    name: string;
    instanceType: string;
    nodes: number;
    maxPodsPerNode: number;
    perNode: { cpuMillis: number; memoryMiB: number };
    reservedPerNode: { cpuMillis: number; memoryMiB: number };
    allocatablePerNode: { cpuMillis: number; memoryMiB: number };
}

export interface CapacityReport {
    fits: boolean;
    nodeGroups: NodeGroupCapacity[];
    allocatable: { cpuMillis: number; memoryMiB: number; pods: number };
    /** At peak: every pod at once, run-to-completion ones and the largest submitted application included. */
    requested: { cpuMillis: number; memoryMiB: number; pods: number };
    /** Of `requested`: the EKS system pods (add-on DaemonSets on every node, CoreDNS, ...). */
    system: { cpuMillis: number; memoryMiB: number; pods: number };
    /** Of `requested`: pods that run to completion (Jobs, batch Spark, Airflow task pods). */
    transient: { cpuMillis: number; memoryMiB: number; pods: number };
    headroom: { cpuMillis: number; memoryMiB: number };
    /** What runs between batch runs: `requested` without the pods that run to completion. */
    idle: { cpuMillis: number; memoryMiB: number; pods: number };
    /**
     * The SparkApplications DAGs submit, each as a whole. A DAG's Spark tasks run one after another,
     * so `requested` (the peak: a batch run) counts the largest of them, `peakRun`.
     */
    submitted: Array<{ file: string; cpuMillis: number; memoryMiB: number; pods: number }>;
    peakRun?: string;
    /** Pods larger than an empty node of every group (after its DaemonSet pods): no node count helps. */
    oversized: Array<{
        source: string;
        path: string;
        submitted?: string;
        cpuMillis: number;
        memoryMiB: number;
        largestNode: { nodeGroup: string; instanceType: string; cpuMillis: number; memoryMiB: number };
    }>;
    items: Array<PodItem & { totalCpuMillis: number; totalMemoryMiB: number }>;
    unschedulable: Array<{ source: string; path: string; cpuMillis: number; memoryMiB: number }>;
    problems: string[];
}

export class CapacityError extends Error {
    constructor(
        message: string,
        readonly report: CapacityReport,
    ) {
        super(message);
        this.name = "CapacityError";
    }
}

/** The node groups a plan creates, at desired size (the smallest listed instance type of each). */
export function nodeGroupsOf(resources: EstResource[], table: CapacityTable): NodeGroupCapacity[] {
    const out: NodeGroupCapacity[] = [];
    for (const r of resources) {
        if (r.type !== "eks:index:ManagedNodeGroup" && r.type !== "aws:eks/nodeGroup:NodeGroup") continue;
        const types = (r.inputs.instanceTypes as string[] | undefined) ?? [];
        if (types.length === 0) throw new Error(`node group ${r.name}: no instanceTypes in the plan`);
        const nodes = Number(getPath(r.inputs, "scalingConfig.desiredSize") ?? 0);
        const shapes = types.map((t) => ({ t, a: nodeAllocatable(t, table) }));
        shapes.sort((x, y) => x.a.allocatable.memoryMiB - y.a.allocatable.memoryMiB || x.a.allocatable.cpuMillis - y.a.allocatable.cpuMillis);
        const { t, a } = shapes[0];
        out.push({
            name: r.name,
            instanceType: t,
            nodes,
            maxPodsPerNode: a.maxPods,
            perNode: a.capacity,
            reservedPerNode: a.reserved,
            allocatablePerNode: a.allocatable,
        });
    }
    return out;
}

export function systemPodsOf(resources: EstResource[], table: CapacityTable): Array<SystemPod & { source: string }> {
    const pods: Array<SystemPod & { source: string }> = [];
    if (!resources.some((r) => r.type === "eks:index:Cluster" || r.type === "aws:eks/cluster:Cluster")) return pods;
    for (const p of table.systemPods.always) pods.push({ ...p, source: "EKS default add-ons" });
    for (const r of resources) {
        if (r.type !== "aws:eks/addon:Addon") continue;
        for (const p of table.systemPods.byAddon[String(r.inputs.addonName)] ?? []) pods.push({ ...p, source: `add-on ${r.inputs.addonName}` });
    }
    return pods;
}

const fmtCpu = (m: number) => `${round(m / 1000, 2)} vCPU`;
const fmtMem = (m: number) => `${round(m / 1024, 2)} GiB`;

/**
 * The CPU and memory the program's pods request against what the node groups allocate at desired
 * size, at peak: everything at once, run-to-completion pods included, with the largest
 * SparkApplication a DAG submits (a batch run). Helm releases count what their charts render
 * (`rendered`, as in workloads()). Node selectors are ignored, and pods are packed
 * first-fit-decreasing onto the nodes after each node's DaemonSet pods.
 */
export function capacityReport(resources: EstResource[], table: CapacityTable, rendered: RenderedObjects = {}): CapacityReport {
    const groups = nodeGroupsOf(resources, table);
    const nodeCount = groups.reduce((s, g) => s + g.nodes, 0);
    const all = workloads(resources, table, rendered);
    // Pods that select a Karpenter pool run on the nodes Karpenter launches for them (karpenter.ts packs them).
    const w = { ...all, pods: all.pods.filter((p) => !p.pool) };
    const system = systemPodsOf(resources, table);

    const items: CapacityReport["items"] = [];
    const add = (p: PodItem) => {
        const pods = p.perNode ? nodeCount : p.pods;
        items.push({ ...p, pods, totalCpuMillis: pods * p.cpuMillis, totalMemoryMiB: pods * p.memoryMiB });
    };
    for (const s of system)
        add({ source: s.source, path: s.name, pods: s.replicas ?? 1, perNode: s.perNode || undefined, cpuMillis: s.cpuMillis, memoryMiB: s.memoryMiB });
    const systemCount = items.length;
    const runs = new Map<string, { file: string; cpuMillis: number; memoryMiB: number; pods: number }>();
    for (const p of w.pods.filter((x) => x.submitted)) {
        const run = runs.get(p.submitted!) ?? { file: p.submitted!, cpuMillis: 0, memoryMiB: 0, pods: 0 };
        run.cpuMillis += p.pods * p.cpuMillis;
        run.memoryMiB = round(run.memoryMiB + p.pods * p.memoryMiB, 1);
        run.pods += p.pods;
        runs.set(p.submitted!, run);
    }
    const submitted = [...runs.values()];
    const peakRun = [...submitted].sort((a, b) => b.memoryMiB - a.memoryMiB || b.cpuMillis - a.cpuMillis)[0]?.file;
    for (const p of w.pods) if (!p.submitted || p.submitted === peakRun) add(p);

    const sum = (list: typeof items) => ({
        cpuMillis: Math.round(list.reduce((s, i) => s + i.totalCpuMillis, 0)),
        memoryMiB: Math.round(list.reduce((s, i) => s + i.totalMemoryMiB, 0)),
        pods: list.reduce((s, i) => s + i.pods, 0),
    });
    const requested = sum(items);
    const systemSum = sum(items.slice(0, systemCount));
    const transient = sum(items.filter((i) => i.transient));
    const allocatable = {
        cpuMillis: groups.reduce((s, g) => s + g.nodes * g.allocatablePerNode.cpuMillis, 0),
        memoryMiB: Math.round(groups.reduce((s, g) => s + g.nodes * g.allocatablePerNode.memoryMiB, 0)),
        pods: groups.reduce((s, g) => s + g.nodes * g.maxPodsPerNode, 0),
    };

    // First-fit decreasing onto the nodes, after the per-node pods.
    const perNode = items.filter((i) => i.perNode);
    const dsCpu = perNode.reduce((s, i) => s + i.cpuMillis, 0);
    const dsMem = perNode.reduce((s, i) => s + i.memoryMiB, 0);
    const nodes = groups.flatMap((g) =>
        Array.from({ length: g.nodes }, () => ({
            cpu: g.allocatablePerNode.cpuMillis - dsCpu,
            mem: g.allocatablePerNode.memoryMiB - dsMem,
            pods: g.maxPodsPerNode - perNode.length,
        })),
    );
    // A pod that no empty node of any group can hold (every submitted application's pods included).
    const freeOf = (g: NodeGroupCapacity) => ({ cpuMillis: g.allocatablePerNode.cpuMillis - dsCpu, memoryMiB: g.allocatablePerNode.memoryMiB - dsMem });
    const roomiest = [...groups].sort((a, b) => freeOf(b).memoryMiB - freeOf(a).memoryMiB || freeOf(b).cpuMillis - freeOf(a).cpuMillis)[0];
    const tooBig = (p: PodItem) => groups.length > 0 && groups.every((g) => p.cpuMillis > freeOf(g).cpuMillis || p.memoryMiB > freeOf(g).memoryMiB);
    const oversized: CapacityReport["oversized"] = w.pods
        .filter((p) => !p.perNode && tooBig(p))
        .map((p) => ({
            source: p.source,
            path: p.path,
            submitted: p.submitted,
            cpuMillis: p.cpuMillis,
            memoryMiB: round(p.memoryMiB, 1),
            largestNode: {
                nodeGroup: roomiest.name,
                instanceType: roomiest.instanceType,
                cpuMillis: freeOf(roomiest).cpuMillis,
                memoryMiB: round(freeOf(roomiest).memoryMiB, 1),
            },
        }));
    const single = items.filter((i) => !i.perNode && !tooBig(i)).flatMap((i) => Array.from({ length: Math.ceil(i.pods) }, () => i));
    // Decreasing first-fit by memory, by CPU and by the larger share of a node: a placement exists
    // when one of them finds it (near full, one order alone leaves CPU or memory in fragments).
    const maxCpu = Math.max(1, ...nodes.map((n) => n.cpu));
    const maxMem = Math.max(1, ...nodes.map((n) => n.mem));
    const orders: Array<(a: PodItem, b: PodItem) => number> = [
        (a, b) => b.memoryMiB - a.memoryMiB || b.cpuMillis - a.cpuMillis,
        (a, b) => b.cpuMillis - a.cpuMillis || b.memoryMiB - a.memoryMiB,
        (a, b) => Math.max(b.cpuMillis / maxCpu, b.memoryMiB / maxMem) - Math.max(a.cpuMillis / maxCpu, a.memoryMiB / maxMem),
    ];
    let unschedulable: CapacityReport["unschedulable"] = [];
    const empty = nodes.map((n) => ({ ...n }));
    for (const [k, order] of orders.entries()) {
        const free = empty.map((n) => ({ ...n }));
        const left: CapacityReport["unschedulable"] = [];
        for (const p of [...single].sort(order)) {
            const node = free.find((n) => n.cpu >= p.cpuMillis && n.mem >= p.memoryMiB && n.pods >= 1);
            if (node) {
                node.cpu -= p.cpuMillis;
                node.mem -= p.memoryMiB;
                node.pods -= 1;
            } else left.push({ source: p.source, path: p.path, cpuMillis: p.cpuMillis, memoryMiB: p.memoryMiB });
        }
        if (k === 0 || left.length < unschedulable.length) {
            unschedulable = left;
            nodes.splice(0, nodes.length, ...free);
        }
        if (left.length === 0) break;
    }

    const problems: string[] = [];
    for (const o of oversized) {
        problems.push(
            `${o.source} ${o.path}: one pod requests ${fmtCpu(o.cpuMillis)} and ${fmtMem(o.memoryMiB)}, more than any node offers (${o.largestNode.instanceType}: ${fmtCpu(o.largestNode.cpuMillis)} and ${fmtMem(o.largestNode.memoryMiB)} after its DaemonSet pods)`,
        );
    }
    if (groups.length === 0 && requested.pods > 0) problems.push("the plan has no node group");
    if (requested.cpuMillis > allocatable.cpuMillis)
        problems.push(
            `CPU: requested ${fmtCpu(requested.cpuMillis)} > allocatable ${fmtCpu(allocatable.cpuMillis)} (short by ${fmtCpu(requested.cpuMillis - allocatable.cpuMillis)})`,
        );
    if (requested.memoryMiB > allocatable.memoryMiB)
        problems.push(
            `memory: requested ${fmtMem(requested.memoryMiB)} > allocatable ${fmtMem(allocatable.memoryMiB)} (short by ${fmtMem(requested.memoryMiB - allocatable.memoryMiB)})`,
        );
    if (requested.pods > allocatable.pods)
        problems.push(`pods: ${requested.pods} > max pods ${allocatable.pods} (short by ${requested.pods - allocatable.pods})`);
    if (perNode.length > 0 && nodes.some((n) => n.cpu < 0 || n.mem < 0))
        problems.push(`the per-node pods (${fmtCpu(dsCpu)}, ${fmtMem(dsMem)}) exceed a node's allocatable`);
    if (unschedulable.length > 0) {
        const grouped = new Map<string, { n: number; cpu: number; mem: number }>();
        for (const u of unschedulable) {
            const k = `${u.source} ${u.path}`;
            const g = grouped.get(k) ?? { n: 0, cpu: u.cpuMillis, mem: u.memoryMiB };
            g.n++;
            grouped.set(k, g);
        }
        const largest = nodes.reduce((b, n) => (n.mem > b.mem ? n : b), { cpu: 0, mem: 0, pods: 0 });
        problems.push(
            `${unschedulable.length} pod(s) fit on no node: ${[...grouped.entries()].map(([k, g]) => `${k} (${g.n} x ${g.cpu}m CPU, ${Math.round(g.mem)}Mi)`).join("; ")}; most free memory left on a node: ${Math.max(0, Math.round(largest.mem))}Mi with ${Math.max(0, largest.cpu)}m CPU`,
        );
    }
    return {
        fits: problems.length === 0,
        nodeGroups: groups,
        allocatable,
        requested,
        system: systemSum,
        transient,
        headroom: { cpuMillis: allocatable.cpuMillis - requested.cpuMillis, memoryMiB: allocatable.memoryMiB - requested.memoryMiB },
        idle: sum(items.filter((i) => !i.transient)),
        submitted,
        peakRun,
        oversized,
        items,
        unschedulable,
        problems,
    };
}

/** capacityReport, throwing a CapacityError that names the shortfall when the requests do not fit. */
export function capacity(resources: EstResource[], config: { stack: string }, table: CapacityTable, rendered: RenderedObjects = {}): CapacityReport {
    const report = capacityReport(resources, table, rendered);
    if (!report.fits) {
        const groups = report.nodeGroups.map((g) => `${g.name}: ${g.nodes} x ${g.instanceType}`).join(", ") || "none";
        throw new CapacityError(
            `capacity of stack "${config.stack}": the pods' requests do not fit the node groups at desired size (${groups}):\n` +
                report.problems.map((p) => `  - ${p}`).join("\n"),
            report,
        );
    }
    return report;
}
