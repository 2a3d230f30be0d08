// IPv4 CIDR arithmetic for the VPC layout, kept pure so it is tested without Pulumi.

export interface Cidr {
    base: number; // network address as an unsigned 32-bit integer
    prefix: number;
}

export function parseCidr(s: string): Cidr | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s.trim());
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const base = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) return undefined; // host bits set: 10.20.1.0/16 is not a network address
    return { base, prefix };
}

export function formatCidr(c: Cidr): string {
    const o = [24, 16, 8, 0].map((shift) => Math.floor(c.base / 2 ** shift) % 256);
    return `${o.join(".")}/${c.prefix}`;
}

/** The `index`-th subnet of `parent` with `newBits` more prefix bits (like Terraform's cidrsubnet). */
export function subnet(parent: Cidr, newBits: number, index: number): Cidr {
    const prefix = parent.prefix + newBits;
    if (prefix > 32) throw new RangeError(`cannot add ${newBits} bits to /${parent.prefix}`);
    if (index < 0 || index >= 2 ** newBits) throw new RangeError(`subnet index ${index} out of range for ${newBits} new bits`);
    return { base: parent.base + index * 2 ** (32 - prefix), prefix };
}

export function isPrivateRange(c: Cidr): boolean {
    const inside = (net: string) => {
        const n = parseCidr(net)!;
        const size = 2 ** (32 - n.prefix);
        return c.base >= n.base && c.base + 2 ** (32 - c.prefix) <= n.base + size;
    };
    return inside("10.0.0.0/8") || inside("172.16.0.0/12") || inside("192.168.0.0/16");
}

export interface SubnetLayout {
    private: string[];
    public: string[];
}

/**
 * Splits the VPC into per-AZ subnets: the first three quarters are the private subnets (large,
 * because the VPC CNI gives every pod a VPC address), the last quarter is cut into sixteenths for
 * the public subnets, which hold only NAT gateways and load balancers.
 */
export function subnetLayout(vpcCidr: string, azCount: number): SubnetLayout {
    const vpc = parseCidr(vpcCidr);
    if (!vpc) throw new RangeError(`not a CIDR network: ${vpcCidr}`);
    if (azCount < 1 || azCount > 3) throw new RangeError(`azCount must be 1 to 3, got ${azCount}`);
    const publicQuarter = subnet(vpc, 2, 3);
    return {
        private: Array.from({ length: azCount }, (_, i) => formatCidr(subnet(vpc, 2, i))),
        public: Array.from({ length: azCount }, (_, i) => formatCidr(subnet(publicQuarter, 2, i))),
    };
}

export function addressCount(cidr: string): number {
    const c = parseCidr(cidr);
    if (!c) throw new RangeError(`not a CIDR network: ${cidr}`);
    return 2 ** (32 - c.prefix);
}
