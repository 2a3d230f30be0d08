// EKS: secrets encryption, control-plane logs, private nodes, a restricted public endpoint in prod.
import { T, UNKNOWN, arr, depsOf, is, list, read, show } from "./props";
import { isPublicSubnet, prefixLength } from "./network";
import { label, resourceRule, stackRule } from "./config";

/** An API endpoint allow-list entry no broader than this is "restricted" (0.0.0.0/1 halves count as open). */
export const MIN_ENDPOINT_PREFIX = 8;

/**
 * Why a public EKS API endpoint is open to the world, or undefined when it is off or restricted.
 * EKS opens a public endpoint to 0.0.0.0/0 when publicAccessCidrs is left out or empty.
 */
export function publicEndpointProblem(publicAccess: unknown, cidrs: unknown): string | undefined {
    if (publicAccess === false || publicAccess === "false" || publicAccess === UNKNOWN || cidrs === UNKNOWN) return undefined;
    const list = arr(cidrs);
    if (list.length === 0) return "the public endpoint is on with no publicAccessCidrs, which EKS opens to 0.0.0.0/0";
    if (list.some((c) => c === UNKNOWN)) return undefined;
    const broad = list.filter((c) => typeof c !== "string" || (prefixLength(c) ?? 0) < MIN_ENDPOINT_PREFIX);
    return broad.length ? `publicAccessCidrs admits ${broad.map((c) => show(c)).join(", ")} (broader than /${MIN_ENDPOINT_PREFIX})` : undefined;
}

export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

export function missingLogTypes(types: unknown): string[] {
    const have = list(types);
    return CONTROL_PLANE_LOG_TYPES.filter((t) => !have.includes(t));
}

export const eksSecretsEncryption = resourceRule({
    name: "eks-secrets-encryption",
    description: "EKS encrypts Kubernetes secrets with a KMS key (envelope encryption).",
    tags: ["aws", "eks"],
    types: [...T.eksCluster, ...T.awsEksCluster],
    check: (args, report) => {
        if (is(T.eksCluster, args.type)) {
            const key = read(args.props, "encryptionConfigKeyArn");
            if (key === UNKNOWN || (typeof key === "string" && key !== "")) return;
            report(`${label(args)}: encryptionConfigKeyArn is not set; pass a KMS key ARN so Kubernetes secrets are envelope-encrypted.`);
            return;
        }
        const cfg = read(args.props, "encryptionConfig");
        if (cfg === UNKNOWN) return;
        const resources = list(read(cfg, "resources"));
        const key = read(cfg, "provider", "keyArn");
        if (!resources.includes("secrets") || !key)
            report(`${label(args)}: encryptionConfig must cover resources ["secrets"] with a KMS provider.keyArn; got ${show(cfg)}.`);
    },
});

export const eksLogging = resourceRule({
    name: "eks-control-plane-logging",
    description: "EKS sends all five control-plane log types to CloudWatch.",
    tags: ["aws", "eks"],
    types: [...T.eksCluster, ...T.awsEksCluster],
    check: (args, report) => {
        const types = read(args.props, "enabledClusterLogTypes");
        if (types === UNKNOWN) return;
        const missing = missingLogTypes(types);
        if (missing.length)
            report(
                `${label(args)}: control-plane logging misses ${missing.join(", ")}; enabledClusterLogTypes must list ${CONTROL_PLANE_LOG_TYPES.join(", ")}.`,
            );
    },
});

export const eksPrivateNodes = stackRule({
    name: "eks-private-nodes",
    description: "EKS nodes get no public IP and node groups run in private subnets.",
    tags: ["aws", "eks", "network"],
    check: (args, report) => {
        for (const r of args.resources) {
            if (is(T.eksCluster, r.type)) {
                const v = read(r.props, "nodeAssociatePublicIpAddress");
                if (v !== false && v !== UNKNOWN)
                    report(`${label(r)}: nodeAssociatePublicIpAddress is ${show(v)}; set it to false so nodes have no public IP.`, r.urn);
            }
            if (is(T.nodeGroup, r.type)) {
                const subnets = depsOf(r, "subnetIds", "nodeSubnetIds").filter((s) => is(T.subnet, s.type));
                const pub = subnets.filter((s) => isPublicSubnet(s, args.resources));
                if (pub.length)
                    report(`${label(r)}: node group in public subnet(s) ${pub.map((s) => s.name).join(", ")}; allowed: the private subnets only.`, r.urn);
            }
        }
    },
});

export const eksEndpointRestrictedProd = resourceRule({
    name: "eks-endpoint-restricted-prod",
    description: "In prod, the EKS API endpoint is private, or public only to a restricted list of CIDRs (never 0.0.0.0/0).",
    tags: ["aws", "eks", "network", "prod-only"],
    types: [...T.eksCluster, ...T.awsEksCluster],
    check: (args, report) => {
        // pulumi-eks and EKS both default endpointPublicAccess to true.
        const problem = is(T.eksCluster, args.type)
            ? publicEndpointProblem(read(args.props, "endpointPublicAccess") ?? true, read(args.props, "publicAccessCidrs"))
            : publicEndpointProblem(read(args.props, "vpcConfig", "endpointPublicAccess") ?? true, read(args.props, "vpcConfig", "publicAccessCidrs"));
        if (problem) {
            report(
                `${label(args)}: ${problem}; in prod set bdok:endpointPublicAccessCidrs to [] (private endpoint, CI on a runner that reaches the VPC) or to the CI runners' and operators' fixed egress CIDRs.`,
            );
        }
    },
});
