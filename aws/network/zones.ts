// Which Availability Zones the network uses. Zone names (us-east-1c) map to different physical
// zones in each account; zone IDs (use1-az3) are the same for every account. EKS refuses cluster
// subnets in some zone IDs (EKS User Guide, "View Amazon EKS networking requirements for VPC and
// subnets", Subnet requirements: https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html),
// so the choice is made by ID.

/** Zone IDs EKS does not accept for cluster subnets (the user guide's table, by Region). */
export const EKS_UNSUPPORTED_ZONE_IDS: readonly string[] = ["use1-az3", "usw1-az2", "cac1-az3"];

export interface Zone {
    name: string;
    id: string;
}

/**
 * The first `count` zones, in the order the region lists them, whose ID EKS accepts. `names` and
 * `zoneIds` are the parallel lists of aws.getAvailabilityZones (one account's view).
 */
export function eksZones(names: readonly string[], zoneIds: readonly string[], count: number): Zone[] {
    if (names.length !== zoneIds.length) throw new Error(`the region lists ${names.length} zone names but ${zoneIds.length} zone IDs`);
    const usable = names.map((name, i) => ({ name, id: zoneIds[i] })).filter((z) => !EKS_UNSUPPORTED_ZONE_IDS.includes(z.id));
    if (usable.length < count) {
        const skipped = zoneIds.filter((id) => EKS_UNSUPPORTED_ZONE_IDS.includes(id));
        throw new Error(
            `the region offers ${usable.length} availability zones EKS accepts${skipped.length ? ` (${skipped.join(", ")} excluded: EKS refuses cluster subnets there)` : ""}, azCount is ${count}`,
        );
    }
    return usable.slice(0, count);
}
