// Network: no ingress open to the internet except HTTPS to a load balancer.
import type { PolicyResource } from "@pulumi/policy";
import { T, arr, depsOf, is, read, toNumber } from "./props";
import { label, stackRule } from "./config";

// ---------------------------------------------------------------------------------------------
// Address ranges: is a set of CIDRs "the internet"?
// ---------------------------------------------------------------------------------------------

interface Range {
    v6: boolean;
    lo: bigint;
    hi: bigint;
}

function ipToBigInt(ip: string): { v6: boolean; n: bigint } | undefined {
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
        const parts = ip.split(".").map(Number);
        if (parts.some((p) => p > 255)) return undefined;
        return { v6: false, n: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
    }
    if (!/^[0-9a-fA-F:]+$/.test(ip) || !ip.includes(":")) return undefined;
    const [head, tail, extra] = ip.split("::");
    if (extra !== undefined) return undefined;
    const h = head ? head.split(":") : [];
    const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
    if (groups.length !== 8 || groups.some((g) => g.length > 4 || g === "")) return undefined;
    return { v6: true, n: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** An IPv4/IPv6 CIDR as an address range; undefined when it is not one. */
export function cidrRange(cidr: string): Range | undefined {
    const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(cidr.trim());
    const ip = m && ipToBigInt(m[1]);
    if (!m || !ip) return undefined;
    const bits = ip.v6 ? 128 : 32;
    const len = Number(m[2]);
    if (len > bits) return undefined;
    const size = 1n << BigInt(bits - len);
    const lo = (ip.n / size) * size;
    return { v6: ip.v6, lo, hi: lo + size - 1n };
}

/** Ranges that are not the internet: RFC 1918, shared (RFC 6598, VPCs may use it), loopback, link-local, IPv6 ULA and link-local. */
const NON_PUBLIC = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "fc00::/7", "fe80::/10"].map((c) =>
    cidrRange(c)!,
);

/** How many internet (public) addresses a set of CIDRs admits together, per family; overlaps count once. */
export function publicAddresses(cidrs: unknown[]): { v4: bigint; v6: bigint } {
    const out = { v4: 0n, v6: 0n };
    for (const v6 of [false, true]) {
        const ranges = cidrs
            .filter((c): c is string => typeof c === "string")
            .map(cidrRange)
            .filter((r): r is Range => !!r && r.v6 === v6)
            .sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
        // Merge overlaps, then take out the non-public ranges (which never overlap each other).
        const merged: Range[] = [];
        for (const r of ranges) {
            const last = merged[merged.length - 1];
            if (last && r.lo <= last.hi + 1n) last.hi = r.hi > last.hi ? r.hi : last.hi;
            else merged.push({ ...r });
        }
        let total = 0n;
        for (const r of merged) {
            let n = r.hi - r.lo + 1n;
            for (const p of NON_PUBLIC.filter((x) => x.v6 === v6)) {
                const lo = r.lo > p.lo ? r.lo : p.lo;
                const hi = r.hi < p.hi ? r.hi : p.hi;
                if (lo <= hi) n -= hi - lo + 1n;
            }
            total += n;
        }
        out[v6 ? "v6" : "v4"] = total;
    }
    return out;
}

/** The most public addresses one allow-list may admit before it counts as open to the internet: a /8's worth. */
export const OPEN_THRESHOLD = { v4: 1n << 24n, v6: 1n << 120n };

/** Whether CIDRs together admit more of the internet than OPEN_THRESHOLD (0.0.0.0/0, or its halves, or 200 /8s...). */
export function coversInternet(cidrs: unknown[]): boolean {
    const n = publicAddresses(cidrs);
    return n.v4 > OPEN_THRESHOLD.v4 || n.v6 > OPEN_THRESHOLD.v6;
}

/** The CIDRs among `cidrs` that admit any public address. */
export function publicCidrs(cidrs: unknown[]): string[] {
    return cidrs.filter((c): c is string => typeof c === "string" && (publicAddresses([c]).v4 > 0n || publicAddresses([c]).v6 > 0n));
}

/** Exactly TCP 443. */
/** The prefix length of an IPv4/IPv6 CIDR, or undefined when it is not one. */
export function prefixLength(cidr: string): number | undefined {
    const m = /^[0-9a-fA-F:.]+\/(\d{1,3})$/.exec(cidr.trim());
    return m ? Number(m[1]) : undefined;
}

export function isHttpsOnly(fromPort: unknown, toPort: unknown, protocol: unknown): boolean {
    return toNumber(fromPort) === 443 && toNumber(toPort) === 443 && (protocol === "tcp" || protocol === "6" || protocol === 6);
}

/** A subnet is public when it maps public IPs, is tagged for internet-facing ELBs, or routes to an IGW. */
export function isPublicSubnet(subnet: PolicyResource, resources: PolicyResource[]): boolean {
    if (read(subnet.props, "mapPublicIpOnLaunch") === true) return true;
    const tags = read(subnet.props, "tags");
    if (read(tags, "kubernetes.io/role/elb") !== undefined || read(tags, "bdok/tier") === "public") return true;
    const igw = (r: PolicyResource) => is(T.internetGateway, r.type);
    const tables = resources
        .filter((r) => is(T.routeTableAssociation, r.type) && depsOf(r, "subnetId").some((d) => d.urn === subnet.urn))
        .flatMap((a) => depsOf(a, "routeTableId"));
    return tables.some(
        (rt) =>
            depsOf(rt, "routes").some(igw) ||
            arr(read(rt.props, "routes")).some((x) => /^igw-/.test(String(read(x, "gatewayId") ?? ""))) ||
            resources.some(
                (r) =>
                    is(T.route, r.type) &&
                    depsOf(r, "routeTableId").some((d) => d.urn === rt.urn) &&
                    (depsOf(r, "gatewayId").some(igw) || /^igw-/.test(String(read(r.props, "gatewayId") ?? ""))),
            ),
    );
}

/** The SG belongs to a load balancer: an LB lists it, or it is tagged bdok/role=load-balancer. */
export function isLoadBalancerSecurityGroup(sg: PolicyResource | undefined, resources: PolicyResource[]): boolean {
    if (!sg) return false;
    if (read(sg.props, "tags", "bdok/role") === "load-balancer") return true;
    return resources.some((r) => is(T.loadBalancer, r.type) && depsOf(r, "securityGroups").some((d) => d.urn === sg.urn));
}

interface Ingress {
    cidrs: unknown[];
    fromPort: unknown;
    toPort: unknown;
    protocol: unknown;
    sg: PolicyResource | undefined;
    where: string;
}

function ingressOf(r: PolicyResource): Ingress[] {
    if (is(T.securityGroup, r.type)) {
        return arr(read(r.props, "ingress")).map((x, i) => ({
            cidrs: [...arr(read(x, "cidrBlocks")), ...arr(read(x, "ipv6CidrBlocks"))],
            fromPort: read(x, "fromPort"),
            toPort: read(x, "toPort"),
            protocol: read(x, "protocol"),
            sg: r,
            where: `ingress[${i}]`,
        }));
    }
    if (is(T.ingressRule, r.type)) {
        return [
            {
                cidrs: [read(r.props, "cidrIpv4"), read(r.props, "cidrIpv6")],
                fromPort: read(r.props, "fromPort"),
                toPort: read(r.props, "toPort"),
                protocol: read(r.props, "ipProtocol"),
                sg: depsOf(r, "securityGroupId")[0],
                where: "cidrIpv4/cidrIpv6",
            },
        ];
    }
    if (is(T.sgRule, r.type) && read(r.props, "type") === "ingress") {
        return [
            {
                cidrs: [...arr(read(r.props, "cidrBlocks")), ...arr(read(r.props, "ipv6CidrBlocks"))],
                fromPort: read(r.props, "fromPort"),
                toPort: read(r.props, "toPort"),
                protocol: read(r.props, "protocol"),
                sg: depsOf(r, "securityGroupId")[0],
                where: "cidrBlocks",
            },
        ];
    }
    return [];
}

export const noPublicIngress = stackRule({
    name: "sg-no-public-ingress",
    description:
        "No security group admits the internet (0.0.0.0/0, ::/0, or CIDRs that together cover more than a /8 of public addresses), except TCP 443 on a load balancer's group when exposure is publicLoadBalancer.",
    tags: ["aws", "network"],
    check: (args, report, cfg) => {
        // All rules of one group count together: two /1 halves on two rules are one open door.
        const groups = new Map<string, Array<{ r: PolicyResource; ing: Ingress }>>();
        for (const r of args.resources) {
            for (const ing of ingressOf(r)) {
                const allowed =
                    cfg.exposure === "publicLoadBalancer" &&
                    isHttpsOnly(ing.fromPort, ing.toPort, ing.protocol) &&
                    isLoadBalancerSecurityGroup(ing.sg, args.resources);
                if (allowed) continue;
                const key = ing.sg?.urn ?? `${r.urn}#${ing.where}`;
                groups.set(key, [...(groups.get(key) ?? []), { r, ing }]);
            }
        }
        for (const entries of groups.values()) {
            if (!coversInternet(entries.flatMap((e) => e.ing.cidrs))) continue;
            for (const { r, ing } of entries) {
                const open = publicCidrs(ing.cidrs);
                if (open.length === 0) continue;
                report(
                    `${label(r)}: ${ing.where} admits ${open.join(", ")} on ${ing.protocol ?? "?"} ${ing.fromPort ?? "?"}-${ing.toPort ?? "?"}, and the group's ranges together cover the internet; ` +
                        `allowed: a source security group or a private CIDR (only TCP 443 on a load balancer's group, with exposure publicLoadBalancer, may be open).`,
                    r.urn,
                );
            }
        }
    },
});
