// What the configuration accepts as EC2 and RDS instance types, and facts derived from them.

const ec2Families = [
    "t3", "t3a", "t4g",
    "m5", "m5a", "m6i", "m6a", "m6g", "m7i", "m7a", "m7g", "m8g",
    "c5", "c6i", "c6a", "c6g", "c7i", "c7g", "c8g",
    "r5", "r6i", "r6a", "r6g", "r7i", "r7g", "r8g",
] as const;
const ec2Sizes = ["micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"] as const;

export const ec2InstancePattern = new RegExp(`^(${ec2Families.join("|")})\\.(${ec2Sizes.join("|")})$`);
export const ec2InstanceDescribe = `an EC2 instance type <family>.<size>, family one of ${ec2Families.join(", ")}; size one of ${ec2Sizes.join(", ")}`;

const rdsFamilies = ["t3", "t4g", "m5", "m6g", "m6i", "m7g", "r5", "r6g", "r6i", "r7g"] as const;
export const rdsInstancePattern = new RegExp(`^db\\.(${rdsFamilies.join("|")})\\.(${ec2Sizes.slice(0, 10).join("|")})$`);
export const rdsInstanceDescribe = `an RDS class db.<family>.<size>, family one of ${rdsFamilies.join(", ")} (e.g. db.t4g.micro)`;

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
        micro: 2, small: 2, medium: 2, large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64,
    };
    const burstMem: Record<string, number> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 };
    const vcpu = vcpuBySize[size];
    if (vcpu === undefined) throw new RangeError(`unknown instance size in ${instanceType}`);
    if (family.startsWith("t")) return { vcpu, memoryGiB: burstMem[size] ?? vcpu * 4 };
    const perVcpu = family.startsWith("c") ? 2 : family.startsWith("r") ? 8 : 4;
    return { vcpu, memoryGiB: vcpu * perVcpu };
}
