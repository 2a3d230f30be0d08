// Values for the karpenter chart (1.14.1): the controller runs on the fixed "system" managed node
// group, never on nodes it launches itself, in namespace karpenter under service account karpenter.
import { KARPENTER_NAMESPACE, KARPENTER_SERVICE_ACCOUNT } from "./iam";

export const KARPENTER_RELEASE = "karpenter";
export { KARPENTER_NAMESPACE, KARPENTER_SERVICE_ACCOUNT };

export interface ChartValuesArgs {
    clusterName: string;
    /** The SQS queue's name (settings.interruptionQueue takes the name, not the ARN or URL). */
    interruptionQueue: string;
    /** 1 (dev) or 2 (prod, leader election with a standby). */
    replicas: 1 | 2;
    /** Nodes of the system group, to check that the chart's one-replica-per-node anti-affinity can be met. */
    systemNodes: number;
    /** The system group's node label, e.g. { "bdok.io/pool": "system" }. */
    systemNodeLabel: Record<string, string>;
    /** The system group's taint, if it has one. */
    systemTaint?: { key: string; value: string; effect: "NoSchedule" | "NoExecute" | "PreferNoSchedule" };
    resources?: { cpu: string; memory: string };
}

export function chartValues(a: ChartValuesArgs): Record<string, unknown> {
    const problems: string[] = [];
    if (a.replicas !== 1 && a.replicas !== 2) problems.push(`replicas: got ${JSON.stringify(a.replicas)}; allowed: 1 or 2`);
    // The chart requires one replica per node (podAntiAffinity on kubernetes.io/hostname).
    if (a.replicas > a.systemNodes)
        problems.push(`replicas: got ${a.replicas} with ${a.systemNodes} system node(s); allowed: at most one replica per system node`);
    if (Object.keys(a.systemNodeLabel).length === 0)
        problems.push("systemNodeLabel: got {}; allowed: the system node group's label (the controller must not run on nodes it manages)");
    if (!a.clusterName) problems.push(`clusterName: got ${JSON.stringify(a.clusterName)}; allowed: the EKS cluster name`);
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(a.interruptionQueue))
        problems.push(`interruptionQueue: got ${JSON.stringify(a.interruptionQueue)}; allowed: an SQS queue name`);
    if (problems.length) throw new Error(`karpenter chart values: ${problems.join("; ")}`);
    // Upstream's getting-started sets requests = limits = 1 CPU / 1Gi.
    const r = a.resources ?? { cpu: "1", memory: "1Gi" };
    return {
        replicas: a.replicas,
        serviceAccount: { create: true, name: KARPENTER_SERVICE_ACCOUNT },
        settings: { clusterName: a.clusterName, interruptionQueue: a.interruptionQueue },
        controller: { resources: { requests: { cpu: r.cpu, memory: r.memory }, limits: { cpu: r.cpu, memory: r.memory } } },
        nodeSelector: { "kubernetes.io/os": "linux", ...a.systemNodeLabel },
        // Values replace the chart's list: keep its CriticalAddonsOnly toleration.
        tolerations: [
            { key: "CriticalAddonsOnly", operator: "Exists" },
            ...(a.systemTaint ? [{ key: a.systemTaint.key, operator: "Equal", value: a.systemTaint.value, effect: a.systemTaint.effect }] : []),
        ],
    };
}
