// A model of the NetworkPolicy API, apart from the program (read only by checks): which flows a set of
// policies lets through. It follows kubernetes.io/docs/concepts/services-networking/network-policies:
// a pod selected by no policy of a type allows everything of that type; a selected pod allows what one
// of its policies' rules allows. ipBlock matches pod IPs too (the VPC CNI's agent filters on
// addresses; pods get VPC addresses), so every pod is given one inside the VPC.
import { cidrRange } from "../policy/network";

export interface Pod {
    ns: string;
    labels: Record<string, string>;
    what: string;
}
export type Source = Pod | { ip: string; what: string };
export interface Policy {
    namespace: string;
    name: string;
    spec: any;
}

export const matches = (sel: any, labels: Record<string, string>): boolean => {
    if (!sel) return true;
    for (const [k, v] of Object.entries<string>(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
    for (const e of sel.matchExpressions ?? []) {
        const has = e.key in labels;
        if (e.operator === "Exists" && !has) return false;
        if (e.operator === "DoesNotExist" && has) return false;
        if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
        if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    }
    return true;
};

const inCidr = (ip: string, cidr: string) => {
    const r = cidrRange(cidr)!;
    const a = cidrRange(`${ip}/32`)!;
    return a.lo >= r.lo && a.hi <= r.hi;
};

/** Every pod gets an address in the VPC (VPC CNI): the first /24 of the VPC's range. */
export const podIp = (vpcCidr: string) => vpcCidr.replace(/\.\d+\.\d+\/\d+$/, ".0.77");

export type Direction = "Ingress" | "Egress";

/**
 * Whether the policies of `self`'s namespace let `self` exchange traffic with `peer` in `direction`
 * (Ingress: `peer` sends to `self`; Egress: `self` sends to `peer`). Per the NetworkPolicy API: a
 * pod selected by no policy of that type allows everything; policyTypes defaults to Ingress, plus
 * Egress when the policy has egress rules; a port entry without a protocol means TCP.
 */
export function admits(policies: Policy[], vpcCidr: string, direction: Direction, self: Pod, peer: Source, port: number, protocol = "TCP"): boolean {
    const types = (p: Policy): string[] => p.spec.policyTypes ?? ["Ingress", ...(p.spec.egress ? ["Egress"] : [])];
    const selecting = policies.filter((p) => p.namespace === self.ns && types(p).includes(direction) && matches(p.spec.podSelector, self.labels));
    if (selecting.length === 0) return true;
    const peerIp = "ip" in peer ? peer.ip : podIp(vpcCidr);
    return selecting.some((p) =>
        ((direction === "Ingress" ? p.spec.ingress : p.spec.egress) ?? []).some((rule: any) => {
            const portOk = !rule.ports?.length || rule.ports.some((x: any) => (x.protocol ?? "TCP") === protocol && (x.port === undefined || x.port === port));
            const peers: any[] = (direction === "Ingress" ? rule.from : rule.to) ?? [];
            const peerOk =
                peers.length === 0 ||
                peers.some((q) => {
                    if (q.ipBlock) return inCidr(peerIp, q.ipBlock.cidr) && !(q.ipBlock.except ?? []).some((e: string) => inCidr(peerIp, e));
                    if ("ip" in peer) return false;
                    const nsOk = q.namespaceSelector ? matches(q.namespaceSelector, { "kubernetes.io/metadata.name": peer.ns }) : peer.ns === p.namespace;
                    return nsOk && matches(q.podSelector, peer.labels);
                });
            return portOk && peerOk;
        }),
    );
}

/** `src` may send to `dst` (its own namespace's egress policies). */
export function egressAllowed(policies: Policy[], vpcCidr: string, src: Pod, dst: Source, port: number, protocol = "TCP"): boolean {
    return admits(policies, vpcCidr, "Egress", src, dst, port, protocol);
}

/** A connection from `src` to `dst` gets through: the sender's egress (for a pod) and the receiver's ingress. */
export function allowed(policies: Policy[], vpcCidr: string, src: Source, dst: Pod, port: number): boolean {
    if (!("ip" in src) && !egressAllowed(policies, vpcCidr, src, dst, port)) return false;
    return admits(policies, vpcCidr, "Ingress", dst, src, port);
}

/**
 * What the API server refuses in a NetworkPolicy spec (Kubernetes API reference, NetworkPolicyPeer:
 * "Only certain combinations of fields are allowed"; ipBlock: "If this field is set then neither of
 * the other fields can be"; pkg/apis/networking/validation ValidateNetworkPolicyPeer: "must specify
 * a peer"; NetworkPolicyPort.protocol: TCP, UDP or SCTP).
 */
export function specIssues(spec: any): string[] {
    const out: string[] = [];
    const rules = [...(spec.ingress ?? []).map((r: any) => ["ingress", r.from] as const), ...(spec.egress ?? []).map((r: any) => ["egress", r.to] as const)];
    for (const [dir, peers] of rules) {
        for (const p of peers ?? []) {
            const n = ["podSelector", "namespaceSelector", "ipBlock"].filter((k) => p[k] !== undefined).length;
            if (n === 0) out.push(`${dir}: must specify a peer`);
            if (p.ipBlock && n > 1) out.push(`${dir}: ipBlock with a selector`);
        }
    }
    for (const r of [...(spec.ingress ?? []), ...(spec.egress ?? [])])
        for (const port of r.ports ?? [])
            if (port.protocol !== undefined && !["TCP", "UDP", "SCTP"].includes(port.protocol)) out.push(`protocol ${JSON.stringify(port.protocol)}`);
    return out;
}
