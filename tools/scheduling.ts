// Where a pod may run: its nodeSelector, required node affinity and tolerations against a node's
// labels and taints, as kube-scheduler filters nodes and as Karpenter picks a NodePool for a
// pending pod. A node that Karpenter may still launch carries, for each label, every value its
// NodePool allows (a requirement `In [spot, on-demand]` can become either).
import { POOL_LABEL, Toleration } from "../platform/karpenter/nodepools";

export interface Taint {
    key: string;
    value?: string;
    effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface NodeShape {
    /** A NodePool's or a managed node group's name. */
    name: string;
    /** The Karpenter pool it belongs to (bdok.io/pool), if any. */
    pool?: string;
    labels: Record<string, string[]>;
    taints: Taint[];
}

export interface PlacementSpec {
    nodeSelector?: Record<string, string>;
    affinity?: unknown;
    tolerations?: Array<Partial<Toleration>>;
}

interface Expression {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
    values?: string[];
}

/** Kubernetes' rule: an empty key with Exists tolerates every taint; an empty effect, every effect. */
export function tolerates(tolerations: PlacementSpec["tolerations"], taint: Taint): boolean {
    return (tolerations ?? []).some((t) => {
        if (t.effect && t.effect !== taint.effect) return false;
        if (t.operator === "Exists") return !t.key || t.key === taint.key;
        return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
    });
}

function matches(e: Expression, labels: Record<string, string[]>): boolean {
    const have = labels[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
        case "In":
            return !!have && have.some((v) => values.includes(v));
        case "NotIn":
            return !have || have.some((v) => !values.includes(v));
        case "Exists":
            return !!have;
        case "DoesNotExist":
            return !have;
        case "Gt":
            return !!have && have.some((v) => Number(v) > Number(values[0]));
        case "Lt":
            return !!have && have.some((v) => Number(v) < Number(values[0]));
        default:
            throw new Error(
                `node affinity: got operator ${JSON.stringify((e as { operator: unknown }).operator)}; allowed: In, NotIn, Exists, DoesNotExist, Gt, Lt`,
            );
    }
}

/** Whether the pod may run on the node: every hard taint tolerated, the selector and one affinity term met. */
export function schedulable(pod: PlacementSpec, node: NodeShape): boolean {
    if (node.taints.some((t) => t.effect !== "PreferNoSchedule" && !tolerates(pod.tolerations, t))) return false;
    if (!Object.entries(pod.nodeSelector ?? {}).every(([k, v]) => node.labels[k]?.includes(v))) return false;
    const required = (pod.affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: unknown[] } } } | undefined)
        ?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!required) return true;
    // Terms are ORed, a term's expressions ANDed; no terms match no node.
    return (required.nodeSelectorTerms ?? []).some((term) =>
        ((term as { matchExpressions?: Expression[] }).matchExpressions ?? []).every((e) => matches(e, node.labels)),
    );
}

interface NodePoolObject {
    metadata: { name: string };
    spec: {
        template: {
            metadata?: { labels?: Record<string, string> };
            spec: { requirements?: Expression[]; taints?: Taint[] };
        };
    };
}

/** The nodes a NodePool may launch: its template's labels and taints, each `In` requirement's values. */
export function nodePoolShape(np: NodePoolObject): NodeShape {
    const labels: Record<string, string[]> = { "karpenter.sh/nodepool": [np.metadata.name] };
    for (const [k, v] of Object.entries(np.spec.template.metadata?.labels ?? {})) labels[k] = [v];
    for (const r of np.spec.template.spec.requirements ?? []) if (r.operator === "In") labels[r.key] = [...(r.values ?? [])];
    const pool = labels[POOL_LABEL]?.[0];
    return { name: np.metadata.name, ...(pool ? { pool } : {}), labels, taints: [...(np.spec.template.spec.taints ?? [])] };
}

/** A managed node group's nodes: its labels and taints, and the well-known labels EKS sets. */
export function nodeGroupShape(name: string, g: { labels?: Record<string, string>; taints?: Taint[]; arch: string; capacityType: string }): NodeShape {
    const labels: Record<string, string[]> = {
        "eks.amazonaws.com/nodegroup": [name],
        "eks.amazonaws.com/capacityType": [g.capacityType],
        "kubernetes.io/arch": [g.arch],
        "kubernetes.io/os": ["linux"],
    };
    for (const [k, v] of Object.entries(g.labels ?? {})) labels[k] = [v];
    return { name, labels, taints: [...(g.taints ?? [])] };
}

/** The one value a pod asks for of a node label, by selector or by an `In` of one value in a required affinity term. */
export function requestedValue(pod: PlacementSpec, key: string): string | undefined {
    const sel = pod.nodeSelector?.[key];
    if (sel) return sel;
    const terms =
        (pod.affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: unknown[] } } } | undefined)?.nodeAffinity
            ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    for (const term of terms) {
        const e = ((term as { matchExpressions?: Expression[] }).matchExpressions ?? []).find((x) => x.key === key && x.operator === "In");
        if (e?.values?.length === 1) return e.values[0];
    }
    return undefined;
}

/** The Karpenter pool a pod asks for, if any. */
export const requestedPool = (pod: PlacementSpec): string | undefined => requestedValue(pod, POOL_LABEL);
