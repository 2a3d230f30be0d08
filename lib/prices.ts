// The price table (estimates/prices.json): EC2, RDS and EKS hourly rates, and the EKS support
// calendar. Here rather than with the cost model (tools/estimate/cost.ts) because the program reads
// it too: config.ts accepts Kubernetes versions by the calendar, Karpenter's packing prices nodes.
import { ec2TypeProblem, rdsClassProblem } from "./instances";
import { round } from "./quantities";

export interface PriceTable {
    region: string;
    date: string;
    hoursPerMonth: number;
    eks: { standardPerHour: number; extendedPerHour: number; versionCalendar: Record<string, { standardUntil: string; extendedUntil: string }> };
    natGateway: { perHour: number; perGBProcessed: number };
    publicIpv4: { perHour: number };
    vpcInterfaceEndpoint: { perHourPerAz: number };
    loadBalancer: { nlbPerHour: number; albPerHour: number };
    ebs: { perGBMonth: Record<string, number>; nodeRootVolumeType: string };
    rds: {
        storagePerGBMonth: Record<string, number>;
        multiAzFactor: number;
        instancePerHour: Record<string, number>;
        familyLargePerHour: Record<string, number>;
    };
    ec2: {
        familyLargePerHour: Record<string, number>;
        sizeFactor: Record<string, number>;
        sizes: Record<string, string[]>;
        spot: { factor: number };
    };
    kms: { perKeyMonth: number };
    /** storedGB: the stored image size of a repository, by its resource name (the others are usage-based). */
    ecr: { perGBMonth: number; storedGB: Record<string, number> };
    /** url: the pricing page shown to users; source: the upstream lines the price is checked against. */
    usageBased: Array<{ item: string; price: string; url: string; note?: string; source?: { url: string; note?: string } }>;
}

/** On-demand $/h of an EC2 instance type: the family's .large price x the size's factor. */
export function ec2HourlyPrice(instanceType: string, prices: PriceTable): number {
    // The configuration validates against the same check (lib/instances.ts), so this only throws for a hand-made plan.
    const problem = ec2TypeProblem(instanceType, prices);
    if (problem) throw new Error(`${instanceType} does not exist; allowed: ${problem}`);
    return prices.ec2.familyLargePerHour[instanceType.split(".")[0]] * prices.ec2.sizeFactor[instanceType.split(".")[1]];
}

/** Single-AZ on-demand $/h of an RDS class. */
export function rdsHourlyPrice(instanceClass: string, prices: PriceTable): number {
    const problem = rdsClassProblem(instanceClass, prices);
    if (problem) throw new Error(`${instanceClass} does not exist; allowed: ${problem}`);
    const explicit = prices.rds.instancePerHour[instanceClass];
    if (explicit !== undefined) return explicit;
    const [, family, size] = instanceClass.split(".");
    return prices.rds.familyLargePerHour[family] * prices.ec2.sizeFactor[size];
}

/** The EKS control-plane rate of a Kubernetes version on a date (standard or extended support). */
export function eksHourlyRate(version: string, asOf: string, prices: PriceTable): { perHour: number; support: "standard" | "extended" | "unknown" } {
    const cal = prices.eks.versionCalendar[version];
    if (!cal) return { perHour: prices.eks.standardPerHour, support: "unknown" };
    return asOf > cal.standardUntil
        ? { perHour: prices.eks.extendedPerHour, support: "extended" }
        : { perHour: prices.eks.standardPerHour, support: "standard" };
}

type EksCalendar = Pick<PriceTable, "date" | "eks" | "hoursPerMonth">;

/**
 * The EKS versions in standard support on `asOf` (default: the price table's date), oldest first.
 * The configuration accepts exactly these: one table says both what a version costs and whether
 * the stack may use it.
 */
export function supportedKubernetesVersions(prices: EksCalendar, asOf = prices.date): string[] {
    return Object.entries(prices.eks.versionCalendar)
        .filter(([, c]) => asOf <= c.standardUntil)
        .map(([v]) => v)
        .sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));
}

/** Why `version` may not be used (what is allowed instead), or undefined when it is in standard support. */
export function kubernetesVersionProblem(version: string, prices: EksCalendar, asOf = prices.date): string | undefined {
    const ok = supportedKubernetesVersions(prices, asOf);
    if (ok.includes(version)) return undefined;
    const allowed = `one of ${ok.map((v) => JSON.stringify(v)).join(", ")} (the EKS versions in standard support on ${asOf}, estimates/prices.json)`;
    const cal = prices.eks.versionCalendar[version];
    if (cal && asOf <= cal.extendedUntil) {
        const e = prices.eks;
        return `${allowed}; ${version} left standard support on ${cal.standardUntil}: EKS bills it as extended support at $${e.extendedPerHour}/h per cluster ($${round(e.extendedPerHour * prices.hoursPerMonth)}/month), ${round(e.extendedPerHour / e.standardPerHour, 1)}x the standard $${e.standardPerHour}/h`;
    }
    if (cal) return `${allowed}; ${version} is past the end of extended support (${cal.extendedUntil})`;
    return /^\d+\.\d$/.test(version) ? `${allowed} (YAML reads an unquoted 1.30 as the number 1.3: write versions in quotes)` : allowed;
}
