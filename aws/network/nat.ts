/** natGateways "single": every private route table uses NAT 0; "perAz": each AZ its own. */
export function natIndexFor(azIndex: number, strategy: "single" | "perAz"): number {
    return strategy === "single" ? 0 : azIndex;
}
