// Network: no ingress open to the internet except HTTPS to a load balancer.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { T, arr, depsOf, is, read, toNumber } from "./props";
import { common, label, stackConfigOf } from "./config";

export const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];

export function openCidrs(cidrs: unknown[]): string[] {
    return cidrs.filter((c): c is string => typeof c === "string" && OPEN_CIDRS.includes(c.trim()));
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

export const noPublicIngress: StackValidationPolicy = {
    ...common,
    name: "sg-no-public-ingress",
    description: "No security group admits 0.0.0.0/0 or ::/0, except TCP 443 on a load balancer's group when exposure is publicLoadBalancer.",
    enforcementLevel: "mandatory",
    tags: ["aws", "network"],
    validateStack: (args, report) => {
        const cfg = stackConfigOf(args);
        for (const r of args.resources) {
            for (const ing of ingressOf(r)) {
                const open = openCidrs(ing.cidrs);
                if (open.length === 0) continue;
                const allowed =
                    cfg.exposure === "publicLoadBalancer" &&
                    isHttpsOnly(ing.fromPort, ing.toPort, ing.protocol) &&
                    isLoadBalancerSecurityGroup(ing.sg, args.resources);
                if (!allowed) {
                    report(
                        `${label(r)}: ${ing.where} admits ${open.join(", ")} on ${ing.protocol ?? "?"} ${ing.fromPort ?? "?"}-${ing.toPort ?? "?"}; ` +
                            `allowed: a source security group or a private CIDR (only TCP 443 on a load balancer's group, with exposure publicLoadBalancer, may be open).`,
                        r.urn,
                    );
                }
            }
        }
    },
};
