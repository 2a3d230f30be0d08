// What the configuration accepts as EC2 and RDS instance types, and facts derived from them.
// The accepted families and sizes are those the price table (estimates/prices.json) prices, so a
// type the configuration accepts is one the cost model can price and EC2/RDS offers.
import { priceTable } from "./price-table";

/** The part of the price table (lib/prices.ts PriceTable) that says which types exist. */
export interface InstanceTable {
    ec2: { familyLargePerHour: Record<string, number>; sizeFactor: Record<string, number>; sizes: Record<string, string[]> };
    rds: { instancePerHour: Record<string, number>; familyLargePerHour: Record<string, number> };
}

const defaultTable: InstanceTable = priceTable;

export function ec2Families(table: InstanceTable = defaultTable): string[] {
    return Object.keys(table.ec2.familyLargePerHour);
}

/** The sizes an EC2 family comes in: its own list, else the Graviton or the Intel/AMD list. */
export function ec2SizesOf(family: string, table: InstanceTable = defaultTable): string[] {
    if (table.ec2.sizes[family]) return table.ec2.sizes[family];
    return /^[a-z]\d+g$/.test(family) ? table.ec2.sizes.graviton : table.ec2.sizes.other;
}

/** Why `type` is not an EC2 instance type the table knows (what is allowed), or undefined if it is. */
export function ec2TypeProblem(type: string, table: InstanceTable = defaultTable): string | undefined {
    const families = ec2Families(table);
    const m = /^([a-z][a-z0-9-]*)\.([a-z0-9]+)$/.exec(type);
    if (!m || !families.includes(m[1])) return `an EC2 instance type <family>.<size>, family one of ${families.join(", ")}`;
    const sizes = ec2SizesOf(m[1], table);
    if (!sizes.includes(m[2])) return `an EC2 instance type ${m[1]}.<size>: ${m[1]} comes in ${sizes.join(", ")} (there is no ${type})`;
    return undefined;
}

export function rdsFamilies(table: InstanceTable = defaultTable): string[] {
    const explicit = Object.keys(table.rds.instancePerHour).map((c) => c.split(".")[1]);
    return [...new Set([...explicit, ...Object.keys(table.rds.familyLargePerHour)])];
}

/** Sizes of an RDS family: the listed classes, or .large and up for families priced by their .large. */
export function rdsSizesOf(family: string, table: InstanceTable = defaultTable): string[] {
    const listed = Object.keys(table.rds.instancePerHour)
        .filter((c) => c.split(".")[1] === family)
        .map((c) => c.split(".")[2]);
    if (listed.length) return listed;
    if (table.rds.familyLargePerHour[family] === undefined) return [];
    return Object.entries(table.ec2.sizeFactor)
        .filter(([, f]) => f >= 1)
        .map(([s]) => s);
}

/** Why `cls` is not an RDS class the table knows (what is allowed), or undefined if it is. */
export function rdsClassProblem(cls: string, table: InstanceTable = defaultTable): string | undefined {
    const families = rdsFamilies(table);
    const m = /^db\.([a-z0-9]+)\.([a-z0-9]+)$/.exec(cls);
    if (!m || !families.includes(m[1])) return `an RDS class db.<family>.<size>, family one of ${families.join(", ")} (e.g. db.t4g.micro)`;
    const sizes = rdsSizesOf(m[1], table);
    if (!sizes.includes(m[2])) return `an RDS class db.${m[1]}.<size>: db.${m[1]} comes in ${sizes.join(", ")} (there is no ${cls})`;
    return undefined;
}

export type Arch = "arm64" | "x86_64";

/** Graviton families carry a "g" after the generation digit (t4g, m7g, c8g). */
export function archOf(instanceType: string): Arch {
    const family = instanceType.split(".")[0];
    return /^[a-z]\d+g/.test(family) ? "arm64" : "x86_64";
}

/** vCPU and memory (GiB) by size for the general-purpose ratio; families scale memory. */
export function instanceShape(instanceType: string): { vcpu: number; memoryGiB: number } {
    const [family, size] = instanceType.split(".");
    const vcpuBySize: Record<string, number> = {
        micro: 2,
        small: 2,
        medium: 2,
        large: 2,
        xlarge: 4,
        "2xlarge": 8,
        "4xlarge": 16,
        "8xlarge": 32,
        "12xlarge": 48,
        "16xlarge": 64,
    };
    const burstMem: Record<string, number> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 };
    // Graviton .medium has one vCPU (m7g.medium: 1 vCPU, 4 GiB).
    const vcpu = size === "medium" && !family.startsWith("t") ? 1 : vcpuBySize[size];
    if (vcpu === undefined) throw new RangeError(`unknown instance size in ${instanceType}`);
    if (family.startsWith("t")) return { vcpu, memoryGiB: burstMem[size] ?? vcpu * 4 };
    const perVcpu = family.startsWith("c") ? 2 : family.startsWith("r") ? 8 : 4;
    return { vcpu, memoryGiB: vcpu * perVcpu };
}
