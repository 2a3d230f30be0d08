// What a node offers to pods (the EKS AMI's reserve and max-pods formulas) and the capacity table
// (estimates/capacity.json) behind it: Karpenter's packing (tools/estimate/packing.ts) sizes
// its nodes with it, as the capacity model does the node groups (tools/estimate/capacity.ts).
import { instanceShape } from "../../lib/instances";

export interface CapacityTable {
    nodeReserve: {
        cpuPercentByCore: number[];
        cpuPercentBeyond: number;
        memoryMiBPerPod: number;
        memoryMiBBase: number;
        evictionHardMiB: number;
    };
    maxPods: {
        bySize: Record<string, number>;
        burstableBySize: Record<string, number>;
        overrides: Record<string, number>;
        managedNodeGroupCap: { belowVcpu: number; below: number; atOrAbove: number };
    };
    systemPods: {
        always: SystemPod[];
        byAddon: Record<string, SystemPod[]>;
    };
    operatorDefaults: {
        elasticsearch: { cpuMillis: number; memoryMiB: number; storageGiB: number };
        kibana: { cpuMillis: number; memoryMiB: number };
        sparkDriver: { cores: number; memory: string };
        sparkExecutor: { cores: number; memory: string; instances: number };
        sparkMemoryOverhead: { factorJvm: number; factorNonJvm: number; minimumMiB: number };
    };
}

export interface SystemPod {
    name: string;
    perNode: boolean;
    replicas?: number;
    cpuMillis: number;
    memoryMiB: number;
}

/** kube-reserved CPU of a node with `vcpu` cores, in millicores (EKS AMI ladder). */
export function reservedCpuMillis(vcpu: number, reserve: CapacityTable["nodeReserve"]): number {
    let pct = 0;
    for (let core = 0; core < vcpu; core++) pct += reserve.cpuPercentByCore[core] ?? reserve.cpuPercentBeyond;
    return Math.round(pct * 10); // percent of one core = 10 millicores
}

export function maxPodsOf(instanceType: string, table: CapacityTable["maxPods"]): number {
    const [family, size] = instanceType.split(".");
    const eni = table.overrides[instanceType] ?? (family.startsWith("t") ? table.burstableBySize[size] : table.bySize[size]);
    if (eni === undefined) throw new Error(`no max-pods figure for ${instanceType}`);
    const vcpu = instanceShape(instanceType).vcpu;
    const cap = vcpu < table.managedNodeGroupCap.belowVcpu ? table.managedNodeGroupCap.below : table.managedNodeGroupCap.atOrAbove;
    return Math.min(eni, cap);
}

/** What one node of `instanceType` offers to pods, by the EKS AMI's formula. */
export function nodeAllocatable(
    instanceType: string,
    table: CapacityTable,
): {
    maxPods: number;
    capacity: { cpuMillis: number; memoryMiB: number };
    reserved: { cpuMillis: number; memoryMiB: number };
    allocatable: { cpuMillis: number; memoryMiB: number };
} {
    const shape = instanceShape(instanceType);
    const maxPods = maxPodsOf(instanceType, table.maxPods);
    const capacity = { cpuMillis: shape.vcpu * 1000, memoryMiB: shape.memoryGiB * 1024 };
    const r = table.nodeReserve;
    const reserved = { cpuMillis: reservedCpuMillis(shape.vcpu, r), memoryMiB: r.memoryMiBPerPod * maxPods + r.memoryMiBBase + r.evictionHardMiB };
    return {
        maxPods,
        capacity,
        reserved,
        allocatable: { cpuMillis: capacity.cpuMillis - reserved.cpuMillis, memoryMiB: capacity.memoryMiB - reserved.memoryMiB },
    };
}
