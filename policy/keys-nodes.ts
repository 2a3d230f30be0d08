// KMS key rotation; instance metadata (IMDS) locked to IMDSv2 with one hop on every node template.
import { UNKNOWN, k8sTypeOf, read, show, toNumber } from "./props";
import { label, resourceRule } from "./config";

export const kmsRotation = resourceRule({
    name: "kms-key-rotation",
    description: "Symmetric KMS keys rotate their key material yearly (enableKeyRotation: true; AWS's default is off).",
    tags: ["aws", "kms"],
    types: ["aws:kms/key:Key"],
    check: (args, report) => {
        const spec = read(args.props, "customerMasterKeySpec") ?? read(args.props, "keySpec") ?? "SYMMETRIC_DEFAULT";
        const usage = read(args.props, "keyUsage") ?? "ENCRYPT_DECRYPT";
        // Automatic rotation exists for symmetric encryption keys only (KMS developer guide, "Rotating keys").
        if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT") return;
        const v = read(args.props, "enableKeyRotation");
        if (v !== true && v !== UNKNOWN) report(`${label(args)}: enableKeyRotation is ${show(v)}; set enableKeyRotation: true.`);
    },
});

/**
 * Why metadata options let a pod reach the node's credentials, or undefined. A hop limit above 1 lets
 * packets from a pod's network namespace reach IMDS; optional tokens allow IMDSv1 (SSRF-readable).
 * `defaults` are what the owner applies when a field is unset.
 */
export function imdsProblem(options: unknown, defaults: { httpTokens: string; hopLimit: number }): string | undefined {
    const tokens = read(options, "httpTokens") ?? defaults.httpTokens;
    const hops = read(options, "httpPutResponseHopLimit") ?? defaults.hopLimit;
    const problems: string[] = [];
    if (tokens !== UNKNOWN && tokens !== "required") problems.push(`httpTokens is ${show(tokens)} (IMDSv1 allowed)`);
    const n = toNumber(hops);
    if (hops !== UNKNOWN && (n === undefined || n > 1)) problems.push(`httpPutResponseHopLimit is ${show(hops)} (pods reach the node's role)`);
    return problems.length ? problems.join(", ") : undefined;
}

const isNodeClass = (t: string) => {
    const k = k8sTypeOf(t);
    return !!k && k.group === "karpenter.k8s.aws" && k.kind === "EC2NodeClass";
};

export const imdsLocked = resourceRule({
    name: "nodes-imdsv2-one-hop",
    description: "Node templates (Karpenter EC2NodeClass, EC2 launch templates) require IMDSv2 tokens with a hop limit of 1.",
    tags: ["aws", "eks", "karpenter"],
    types: (t) => isNodeClass(t) || t === "aws:ec2/launchTemplate:LaunchTemplate",
    check: (args, report) => {
        // Karpenter's defaults are required / 1 (EC2NodeClass docs, spec.metadataOptions); EC2's are optional / 1.
        const problem = isNodeClass(args.type)
            ? imdsProblem(read(args.props, "spec", "metadataOptions"), { httpTokens: "required", hopLimit: 1 })
            : imdsProblem(read(args.props, "metadataOptions"), { httpTokens: "optional", hopLimit: 1 });
        if (problem) report(`${label(args)}: ${problem}; set httpTokens: required and httpPutResponseHopLimit: 1.`);
    },
});
