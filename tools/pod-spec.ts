// One answer to "which pod spec does this Kubernetes object declare", for every check that walks
// pods: the estimator (tools/estimate/objects.ts), the lifecycle model (tools/lifecycle.ts), the
// references and placement checks (tools/references.ts, tools/placement.ts), test/pod-security.test.ts.
import { getPath } from "../lib/plan-resource";
import { isPlainObject } from "../lib/validate";

/** The core kinds whose objects make pods. */
export const POD_KINDS: readonly string[] = ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"];

/**
 * The pod spec a core workload declares: a Pod's own spec, a controller's `template.spec`, a
 * CronJob's `jobTemplate.spec.template.spec`. Undefined for other kinds, or when there is none.
 */
export function podSpecOf(kind: string, spec: unknown): Record<string, any> | undefined {
    if (!POD_KINDS.includes(kind)) return undefined;
    const ps = kind === "Pod" ? spec : getPath(spec, kind === "CronJob" ? "jobTemplate.spec.template.spec" : "template.spec");
    return isPlainObject(ps) ? ps : undefined;
}

export type ContainerKey = "initContainers" | "containers" | "ephemeralContainers";

function listOf(ps: unknown, key: ContainerKey): unknown[] {
    return isPlainObject(ps) && Array.isArray(ps[key]) ? ps[key] : [];
}

/** A pod spec's containers under `keys`, in that order; entries that are not objects are skipped. */
export function containersOf(ps: unknown, keys: readonly ContainerKey[] = ["containers"]): Record<string, any>[] {
    return keys.flatMap((k) => listOf(ps, k).filter(isPlainObject));
}

/** The names of a pod spec's containers or init containers ("?" where a name is missing). */
export function containerNames(ps: Record<string, unknown> | undefined, key: "containers" | "initContainers" = "containers"): string[] {
    return listOf(ps, key).map((c) => (isPlainObject(c) ? String(c.name ?? "?") : "?"));
}
