// The nodes Karpenter's launches imply, and what they cost: pods bin-packed (first-fit
// decreasing) onto each pool's allowed instance types at the cheapest fit.
// FFD is a heuristic with FFD's anomalies: adding a pod that sorts before others can reshuffle the
// packing into a cheaper one (m7g/c7g/r7g large..2xlarge on spot: 3 x (2392m, 64 MiB), (2067m,
// 11305 MiB), (3452m, 2858 MiB), 2 x (2230m, 14163 MiB) cost 275.30 USD/month; adding (2761m,
// 992 MiB) gives 264.67). Adding a pod that sorts last never lowers it: the others land as before.
// Allowing one more type never raises it: each packing tried is fixed by a pair of allowed types
// (first type, fallback type), and a longer list only adds pairs. A per-pod fallback to the
// cheapest type that fits would depend on the whole list: adding c6g.xlarge to m7g/r7g
// large..xlarge made it the fallback for (1931m, 5750 MiB) and raised 197.32 to 215.93.
import { CapacityTable, nodeAllocatable } from "./node-capacity";
import { PriceTable, ec2HourlyPrice } from "../../lib/prices";

export interface PodRequest {
    name: string;
    cpuMillis: number;
    memoryMiB: number;
    count: number;
    /** The pool the pods select (podPlacement). */
    pool: string;
    /** Runs to completion (a batch run); left out of the idle figure. */
    transient: boolean;
    /** The replicas go on distinct nodes (a hard spread over zones and hosts), as the scheduler places them. */
    spread?: boolean;
}

export interface PoolOffer {
    name: string;
    instanceTypes: string[];
    /** Spot is taken when allowed (Karpenter prefers spot over on-demand). */
    capacityTypes: Array<"spot" | "on-demand">;
}

export interface PackingOptions {
    /** DaemonSet pods every node runs (aws-node, kube-proxy, CSI node...). */
    perNode?: { cpuMillis: number; memoryMiB: number; pods: number };
    /** Karpenter's settings.vmMemoryOverheadPercent (chart default 0.075): memory it assumes the hypervisor keeps. */
    vmMemoryOverheadPercent?: number;
    rootVolumeGiB?: number;
}

export interface LaunchedNode {
    pool: string;
    instanceType: string;
    capacityType: "spot" | "on-demand";
    hourlyUsd: number;
    pods: string[];
    used: { cpuMillis: number; memoryMiB: number; pods: number };
    allocatable: { cpuMillis: number; memoryMiB: number; pods: number };
}

export interface PackingResult {
    nodes: LaunchedNode[];
    monthlyUsd: number;
}

interface Shape {
    type: string;
    hourlyUsd: number;
    capacityType: "spot" | "on-demand";
    alloc: { cpuMillis: number; memoryMiB: number; pods: number };
}
interface Pod {
    name: string;
    cpuMillis: number;
    memoryMiB: number;
    /** Replicas of one spread request: never two on one node. */
    group?: string;
}

function shapes(pool: PoolOffer, capacity: CapacityTable, prices: PriceTable, o: PackingOptions): Shape[] {
    const spot = pool.capacityTypes.includes("spot");
    const per = o.perNode ?? { cpuMillis: 0, memoryMiB: 0, pods: 0 };
    const vm = o.vmMemoryOverheadPercent ?? 0.075;
    return pool.instanceTypes.map((type) => {
        const a = nodeAllocatable(type, capacity);
        const od = ec2HourlyPrice(type, prices);
        const disk = ((o.rootVolumeGiB ?? 0) * (prices.ebs.perGBMonth.gp3 ?? 0)) / prices.hoursPerMonth;
        return {
            type,
            capacityType: spot ? "spot" : "on-demand",
            hourlyUsd: (spot ? od * prices.ec2.spot.factor : od) + disk,
            alloc: {
                cpuMillis: a.allocatable.cpuMillis - per.cpuMillis,
                memoryMiB: a.allocatable.memoryMiB - a.capacity.memoryMiB * vm - per.memoryMiB,
                pods: a.maxPods - per.pods,
            },
        };
    });
}

const fits = (p: Pod, free: { cpuMillis: number; memoryMiB: number; pods: number }) =>
    p.cpuMillis <= free.cpuMillis && p.memoryMiB <= free.memoryMiB && free.pods >= 1;

/**
 * First-fit decreasing onto new nodes of `shape`, or of `fallback` for a pod `shape` cannot hold
 * (undefined when neither holds it). Each node then shrinks to the cheapest type holding its pods.
 */
function packOnto(pods: Pod[], shape: Shape, fallback: Shape, all: Shape[]): Array<{ shape: Shape; pods: Pod[] }> | undefined {
    const bins: Array<{ shape: Shape; pods: Pod[]; free: { cpuMillis: number; memoryMiB: number; pods: number } }> = [];
    for (const p of pods) {
        let bin = bins.find((b) => fits(p, b.free) && !(p.group && b.pods.some((q) => q.group === p.group)));
        if (!bin) {
            const open = fits(p, shape.alloc) ? shape : fits(p, fallback.alloc) ? fallback : undefined;
            if (!open) return undefined;
            bin = { shape: open, pods: [], free: { ...open.alloc } };
            bins.push(bin);
        }
        bin.pods.push(p);
        bin.free = { cpuMillis: bin.free.cpuMillis - p.cpuMillis, memoryMiB: bin.free.memoryMiB - p.memoryMiB, pods: bin.free.pods - 1 };
    }
    return bins.map((b) => {
        const need = { cpuMillis: sum(b.pods, "cpuMillis"), memoryMiB: sum(b.pods, "memoryMiB"), pods: b.pods.length };
        return {
            shape: cheapest([
                b.shape,
                ...all.filter((s) => need.cpuMillis <= s.alloc.cpuMillis && need.memoryMiB <= s.alloc.memoryMiB && need.pods <= s.alloc.pods),
            ]),
            pods: b.pods,
        };
    });
}

const cheapest = (ok: Shape[]) => ok.reduce((x, y) => (y.hourlyUsd < x.hourlyUsd ? y : x));

const sum = (pods: Pod[], k: "cpuMillis" | "memoryMiB") => pods.reduce((s, p) => s + p[k], 0);

/** The nodes one pool launches for `pods`: the packing of least cost over the pool's types. */
export function packPool(pool: PoolOffer, pods: PodRequest[], capacity: CapacityTable, prices: PriceTable, o: PackingOptions = {}): LaunchedNode[] {
    if (pool.instanceTypes.length === 0) throw new Error(`pool ${pool.name}: no instance types allowed`);
    const all = shapes(pool, capacity, prices, o);
    const list: Pod[] = pods.flatMap((r) =>
        Array.from({ length: r.count }, (_, i) => ({
            name: r.count > 1 ? `${r.name}-${i}` : r.name,
            cpuMillis: r.cpuMillis,
            memoryMiB: r.memoryMiB,
            ...(r.spread && r.count > 1 ? { group: r.name } : {}),
        })),
    );
    // Largest first by the larger of CPU and memory in general-purpose units (1 core : 4 GiB), so
    // the order depends on the pods alone, never on the allowed types.
    const key = (p: Pod) => Math.max(p.cpuMillis / 1000, p.memoryMiB / 4096);
    list.sort((a, b) => key(b) - key(a) || b.memoryMiB - a.memoryMiB || b.cpuMillis - a.cpuMillis || a.name.localeCompare(b.name));
    const big = all.reduce((x, y) => (y.alloc.memoryMiB > x.alloc.memoryMiB ? y : x));
    for (const p of list) {
        if (!all.some((s) => fits(p, s.alloc))) {
            throw new Error(
                `pool ${pool.name}: pod ${p.name} (${p.cpuMillis}m CPU, ${Math.round(p.memoryMiB)} MiB) fits none of ${pool.instanceTypes.join(", ")}; allowed: requests within the largest type's allocatable (${big.type}: ${big.alloc.cpuMillis}m, ${Math.round(big.alloc.memoryMiB)} MiB)`,
            );
        }
    }
    if (list.length === 0) return [];
    let best: Array<{ shape: Shape; pods: Pod[] }> | undefined;
    let bestCost = Infinity;
    const consider = (packed: Array<{ shape: Shape; pods: Pod[] }> | undefined) => {
        const cost = packed?.reduce((c, b) => c + b.shape.hourlyUsd, 0) ?? Infinity;
        if (cost < bestCost - 1e-12) {
            best = packed;
            bestCost = cost;
        }
    };
    for (const s of all) {
        // The fallback matters only for pods `s` cannot hold.
        for (const f of list.every((p) => fits(p, s.alloc)) ? [s] : all) consider(packOnto(list, s, f, all));
    }
    // Not with instanceShape's types: at most two of a list are undominated, and every pod fits one.
    if (!best)
        throw new Error(
            `pool ${pool.name}: no two of ${pool.instanceTypes.join(", ")} hold every pod between them; allowed: a list with a type that holds each pod beside one that holds the rest`,
        );
    return best!.map((b) => ({
        pool: pool.name,
        instanceType: b.shape.type,
        capacityType: b.shape.capacityType,
        hourlyUsd: b.shape.hourlyUsd,
        pods: b.pods.map((p) => p.name),
        used: { cpuMillis: sum(b.pods, "cpuMillis"), memoryMiB: sum(b.pods, "memoryMiB"), pods: b.pods.length },
        allocatable: { ...b.shape.alloc },
    }));
}

export function pack(pods: PodRequest[], pools: PoolOffer[], capacity: CapacityTable, prices: PriceTable, o: PackingOptions = {}): PackingResult {
    const names = pools.map((p) => p.name);
    for (const p of pods) {
        if (!names.includes(p.pool)) throw new Error(`pods ${p.name}: got pool ${JSON.stringify(p.pool)}; allowed: ${names.join(", ")}`);
        if (!(p.cpuMillis >= 0 && p.memoryMiB >= 0 && Number.isInteger(p.count) && p.count >= 0))
            throw new Error(`pods ${p.name}: got ${p.cpuMillis}m CPU, ${p.memoryMiB} MiB x ${p.count}; allowed: non-negative requests and an integer count`);
    }
    const nodes = pools.flatMap((pool) =>
        packPool(
            pool,
            pods.filter((p) => p.pool === pool.name),
            capacity,
            prices,
            o,
        ),
    );
    const monthlyUsd = Math.round(nodes.reduce((c, n) => c + n.hourlyUsd, 0) * prices.hoursPerMonth * 100) / 100;
    return { nodes, monthlyUsd };
}

/** What Karpenter keeps running at idle (non-transient pods only) and during a batch run (all pods). */
export function karpenterCost(
    pods: PodRequest[],
    pools: PoolOffer[],
    capacity: CapacityTable,
    prices: PriceTable,
    o: PackingOptions = {},
): { idle: PackingResult; batch: PackingResult } {
    return {
        idle: pack(
            pods.filter((p) => !p.transient),
            pools,
            capacity,
            prices,
            o,
        ),
        batch: pack(pods, pools, capacity, prices, o),
    };
}

/** A pool's instance types: every family x size the price table knows. */
export function poolInstanceTypes(families: string[], sizes: string[], prices: Pick<PriceTable, "ec2">): string[] {
    const sizesOf = (f: string) => prices.ec2.sizes[f] ?? (/^[a-z]\d+g$/.test(f) ? prices.ec2.sizes.graviton : prices.ec2.sizes.other);
    return families.flatMap((f) => sizes.filter((s) => sizesOf(f).includes(s)).map((s) => `${f}.${s}`));
}
