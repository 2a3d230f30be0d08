// The nodes Karpenter launches for the pods that select its pools: the plan's NodePools and pods
// turned into the packing's inputs (tools/estimate/packing.ts does the packing and pricing).
import { getPath, EstResource } from "../../lib/plan-resource";
import { karpenterCost, PackingResult, PodRequest, PoolOffer, poolInstanceTypes } from "./packing";
import { systemPodsOf } from "./capacity";
import { RenderedObjects } from "./objects";
import { Tables } from "./tables";
import { workloads } from "./workloads";

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

/** The packing's inputs: the pools the NodePools offer, the pods that select them (a batch run at its largest), what every node runs besides. */
export function karpenterInputs(resources: EstResource[], tables: Tables, rendered: RenderedObjects) {
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
            ...(p.spread ? { spread: true } : {}),
        }));
    // DaemonSet pods run on Karpenter's nodes too.
    const daemons = [...systemPodsOf(resources, tables.capacity).filter((x) => x.perNode), ...w.pods.filter((x) => x.perNode && !x.pool)];
    const perNode = { cpuMillis: daemons.reduce((a, d) => a + d.cpuMillis, 0), memoryMiB: daemons.reduce((a, d) => a + d.memoryMiB, 0), pods: daemons.length };
    const nodeClass = resources.find((r) => r.type === "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass");
    const bdm = (getPath(nodeClass?.inputs, "spec.blockDeviceMappings") as Array<{ ebs?: { volumeSize?: string } }> | undefined) ?? [];
    const rootVolumeGiB = bdm.reduce((a, b) => a + parseInt(b.ebs?.volumeSize ?? "0", 10), 0);
    return { pools, pods, perNode, rootVolumeGiB };
}
