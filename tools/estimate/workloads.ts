// The pods, persistent volumes and load balancers the plan's Kubernetes resources create: Helm
// releases by what their charts render, custom resources by operator rules or a walk of their spec.
import { CapacityTable } from "./node-capacity";
import { EstResource, getPath } from "../../lib/plan-resource";
import { cpuMillis, memoryMiB, storageGiB } from "../../lib/quantities";
import { isPlainObject } from "../../lib/validate";
import { containersOf } from "../pod-spec";
import {
    LoadBalancerItem,
    RenderedObjects,
    Workloads,
    internetFacing,
    isHelmTestHook,
    configReloaderRequests,
    objectWorkloads,
    prometheusOperatorWorkloads,
    podSpecRequests,
    poolOf,
    spreadOf,
    requestsOf,
    sparkPods,
} from "./objects";

/**
 * Counting rules the generic walk of a custom resource's spec cannot infer: KafkaConnect's
 * `spec.build` runs one build pod (Kaniko/Buildah) to completion, whatever `spec.replicas` says.
 */
interface WalkRule {
    replicas?(path: string[]): number | undefined;
    transient?(path: string[]): boolean;
}

interface WalkCtx {
    pool?: string;
    spread?: boolean;
    source: string;
    out: Workloads;
    multiplierKeys: string[];
    rule?: WalkRule;
}

/**
 * The generic walk over a custom resource's spec. At every object:
 * - a subtree with `enabled: false` (or `enable: false`) is not deployed and is skipped;
 * - the pod count is the nearest `replicas`/`replicaCount` (self or ancestor), else 1;
 * - `resources.requests` is one container's requests; a PodSpec (`containers`) is one pod;
 * - `persistence: {enabled, size}`, `{type: persistent-claim, size}` (Strimzi) and
 *   `volumeClaimTemplates[].spec.resources.requests.storage` are persistent volumes per pod.
 */
function walk(node: unknown, path: string[], pods: number, ctx: WalkCtx): void {
    if (Array.isArray(node)) {
        node.forEach((x) => walk(x, path, pods, ctx));
        return;
    }
    if (!isPlainObject(node)) return;
    if (node.enabled === false || node.enable === false) return;
    let n = pods;
    for (const k of ctx.multiplierKeys) {
        if (typeof node[k] === "number") n = node[k] as number;
    }
    const ruled = ctx.rule?.replicas?.(path);
    if (ruled !== undefined) n = ruled;
    const transient = !!ctx.rule?.transient?.(path);
    const where = path.join(".") || "(top level)";
    // Strimzi: a component's pods are placed by its sibling template.pod.
    const podTemplate = getPath(node, "template.pod");
    if (isPlainObject(podTemplate)) ctx = { ...ctx, pool: poolOf(podTemplate), spread: spreadOf(podTemplate) };
    const pool = { ...(ctx.pool ? { pool: ctx.pool } : {}), ...(ctx.spread && n > 1 ? { spread: true } : {}) };

    if (Array.isArray(node.containers)) {
        const r = podSpecRequests(node);
        if (r.cpuMillis > 0 || r.memoryMiB > 0) {
            ctx.out.pods.push({
                source: ctx.source,
                path: where,
                pods: n,
                cpuMillis: r.cpuMillis,
                memoryMiB: r.memoryMiB,
                transient: transient || undefined,
                ...pool,
            });
        }
    } else {
        const r = requestsOf(node.resources);
        if (r) ctx.out.pods.push({ source: ctx.source, path: `${where}.resources`, pods: n, ...r, transient: transient || undefined, ...pool });
    }
    if (isPlainObject(node.persistence) && node.persistence.enabled !== false && node.persistence.size !== undefined && node.persistence.size !== null) {
        const p = node.persistence;
        ctx.out.volumes.push({
            source: ctx.source,
            path: `${where}.persistence`,
            count: n,
            sizeGiB: storageGiB(p.size),
            storageClass: (p.storageClassName ?? p.storageClass) as string | undefined,
        });
    }
    if (node.type === "persistent-claim" && node.size !== undefined) {
        ctx.out.volumes.push({ source: ctx.source, path: where, count: n, sizeGiB: storageGiB(node.size), storageClass: node.class as string | undefined });
    }
    if (Array.isArray(node.volumeClaimTemplates)) {
        for (const t of node.volumeClaimTemplates) {
            const size = getPath(t, "spec.resources.requests.storage");
            if (size !== undefined)
                ctx.out.volumes.push({
                    source: ctx.source,
                    path: `${where}.volumeClaimTemplates`,
                    count: n,
                    sizeGiB: storageGiB(size),
                    storageClass: getPath(t, "spec.storageClassName") as string | undefined,
                });
        }
    }
    for (const [k, v] of Object.entries(node)) {
        if (["resources", "persistence", "containers", "initContainers", "volumeClaimTemplates"].includes(k)) continue;
        walk(v, [...path, k], n, ctx);
    }
}

/** Every object with `type: LoadBalancer` (a Service spec, ECK `http.service.spec`). */
function findLoadBalancers(node: unknown, path: string[], parent: Record<string, unknown> | undefined, source: string, out: LoadBalancerItem[]): void {
    if (Array.isArray(node)) {
        node.forEach((x) => findLoadBalancers(x, path, parent, source, out));
        return;
    }
    if (!isPlainObject(node) || node.enabled === false) return;
    if (node.type === "LoadBalancer") {
        const annotations = (isPlainObject(node.annotations) ? node.annotations : getPath(parent, "metadata.annotations")) as
            Record<string, unknown> | undefined;
        out.push({ source, path: path.join(".") || "(top level)", internetFacing: internetFacing(annotations) });
    }
    for (const [k, v] of Object.entries(node)) findLoadBalancers(v, [...path, k], node, source, out);
}

function kindOf(type: string): { group: string; kind: string } {
    const m = /^kubernetes:([^:]+):(.+)$/.exec(type);
    if (!m) return { group: "", kind: "" };
    const gv = m[1].split("/");
    return { group: gv.length > 1 ? gv[0] : "core", kind: m[2] };
}

/**
 * The requests ECK gives its main container: the `resources` shorthand (nodeSets[].resources,
 * Kibana spec.resources) overrides CPU and memory of the pod template's container, each on its own.
 */
function eckRequests(shorthand: unknown, container: unknown): { cpuMillis?: number; memoryMiB?: number } | undefined {
    const a = requestsOf(container);
    const b = isPlainObject(shorthand) && isPlainObject(shorthand.requests) ? shorthand.requests : undefined;
    if (!b) return a;
    const cpu = b.cpu !== undefined && b.cpu !== null ? cpuMillis(b.cpu) : a?.cpuMillis;
    const mem = b.memory !== undefined && b.memory !== null ? memoryMiB(b.memory) : a?.memoryMiB;
    return cpu === undefined && mem === undefined ? undefined : { cpuMillis: cpu, memoryMiB: mem };
}

/**
 * Pods (with their CPU/memory requests), persistent volumes and load balancers that the plan's
 * Kubernetes resources create: for a Helm release, what its chart really renders (`rendered`, by
 * the release's URN; `helm test` pods left out); the program's own workloads (Deployment,
 * StatefulSet, DaemonSet, Job, CronJob, Pod), PersistentVolumeClaims, Services and ConfigMap
 * templates; Spark applications, ECK Elasticsearch/Kibana, and any other custom resource through
 * the generic walk of its spec.
 */
export function workloads(resources: EstResource[], table: CapacityTable, rendered: RenderedObjects = {}): Workloads {
    const out: Workloads = { pods: [], volumes: [], loadBalancers: [] };
    const defaults = table.operatorDefaults;
    for (const r of resources) {
        if (!r.type.startsWith("kubernetes:")) continue;
        const source = `${r.name} (${r.type.split(":").pop()})`;
        const inputs = r.inputs ?? {};
        if (r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart") {
            const objects = rendered[r.urn];
            // The chart's name, also for an OCI reference (oci://<registry>/<path>/<chart>).
            const chartName = String(inputs.chart).split("/").pop();
            // Counting a release from its values would be guessing at the chart: refuse instead.
            if (!objects)
                throw new Error(
                    `${r.name} (helm ${chartName}): no rendered objects for this release; its pods are what the chart renders (tools/render.ts renderPlan)`,
                );
            const src = `${r.name} (helm ${chartName})`;
            const reloader = configReloaderRequests(objects);
            for (const o of objects) {
                if (!isPlainObject(o) || isHelmTestHook(o)) continue;
                const [group, version] = String(o.apiVersion ?? "").includes("/") ? String(o.apiVersion).split("/") : ["core", o.apiVersion];
                if (!version) continue;
                const id = `${o.kind}/${o.metadata?.name}`;
                const at = (sub: string) => (sub === "spec" ? id : `${id} ${sub}`);
                // The operator's own kinds, rendered by its chart: their StatefulSets are the operator's.
                if (group === "monitoring.coreos.com") prometheusOperatorWorkloads(String(o.kind), o, src, at, out, reloader);
                else objectWorkloads(String(o.kind), group, o, src, at, out, defaults);
            }
            continue;
        }
        const { group, kind } = kindOf(r.type);
        const spec = isPlainObject(inputs.spec) ? inputs.spec : {};
        if (group === "apps" || group === "batch" || group === "core") {
            objectWorkloads(kind, group, inputs, source, (sub) => sub, out, defaults);
            continue;
        }
        if (group === "sparkoperator.k8s.io" && (kind === "SparkApplication" || kind === "ScheduledSparkApplication")) {
            const s = kind === "ScheduledSparkApplication" ? getPath(spec, "template") : spec;
            if (isPlainObject(s)) sparkPods(source, s, defaults, out, kind === "ScheduledSparkApplication" ? "spec.template" : "spec");
            continue;
        }
        if (group === "elasticsearch.k8s.elastic.co" && kind === "Elasticsearch") {
            (Array.isArray(spec.nodeSets) ? spec.nodeSets : []).forEach((ns: unknown, i: number) => {
                if (!isPlainObject(ns)) return;
                const count = Number(ns.count ?? 1);
                const es = containersOf(getPath(ns, "podTemplate.spec")).find((c) => c.name === "elasticsearch");
                const req = eckRequests(ns.resources, es?.resources);
                const pool = poolOf(getPath(ns, "podTemplate.spec"));
                const spread = count > 1 && spreadOf(getPath(ns, "podTemplate.spec"));
                out.pods.push({
                    ...(pool ? { pool } : {}),
                    ...(spread ? { spread } : {}),
                    source,
                    path: `spec.nodeSets[${i}]`,
                    pods: count,
                    cpuMillis: req?.cpuMillis ?? defaults.elasticsearch.cpuMillis,
                    memoryMiB: req?.memoryMiB ?? defaults.elasticsearch.memoryMiB,
                    note: req ? undefined : "ECK default requests",
                });
                const claims = Array.isArray(ns.volumeClaimTemplates) ? ns.volumeClaimTemplates : [];
                if (claims.length === 0)
                    out.volumes.push({ source, path: `spec.nodeSets[${i}] (ECK default claim)`, count, sizeGiB: defaults.elasticsearch.storageGiB });
                for (const t of claims) {
                    const size = getPath(t, "spec.resources.requests.storage");
                    if (size !== undefined)
                        out.volumes.push({
                            source,
                            path: `spec.nodeSets[${i}].volumeClaimTemplates`,
                            count,
                            sizeGiB: storageGiB(size),
                            storageClass: getPath(t, "spec.storageClassName") as string | undefined,
                        });
                }
            });
            findLoadBalancers(spec.http, ["spec", "http"], undefined, source, out.loadBalancers);
            continue;
        }
        if (group === "kibana.k8s.elastic.co" && kind === "Kibana") {
            const kb = containersOf(getPath(spec, "podTemplate.spec")).find((c) => c.name === "kibana");
            const req = eckRequests(spec.resources, kb?.resources);
            const kbPool = poolOf(getPath(spec, "podTemplate.spec"));
            out.pods.push({
                ...(kbPool ? { pool: kbPool } : {}),
                source,
                path: "spec",
                pods: Number(spec.count ?? 1),
                cpuMillis: req?.cpuMillis ?? defaults.kibana.cpuMillis,
                memoryMiB: req?.memoryMiB ?? defaults.kibana.memoryMiB,
                note: req ? undefined : "ECK default requests",
            });
            findLoadBalancers(spec.http, ["spec", "http"], undefined, source, out.loadBalancers);
            continue;
        }
        if (group.includes(".")) {
            // Any other custom resource (Strimzi Kafka, KafkaNodePool, KafkaConnect, ...): generic walk.
            // The Superset operator runs spec.lifecycle's tasks as Jobs, one after the other
            // (superset-kubernetes-operator docs/user-guide/lifecycle.md "Overview").
            const rule: WalkRule | undefined =
                kind === "KafkaConnect"
                    ? { replicas: (p) => (p.length === 2 && p[1] === "build" ? 1 : undefined), transient: (p) => p[1] === "build" }
                    : kind === "Superset"
                      ? { transient: (p) => p[1] === "lifecycle" }
                      : undefined;
            walk(spec, ["spec"], 1, { source, out, multiplierKeys: ["replicas", "replicaCount"], rule });
            findLoadBalancers(spec, ["spec"], inputs, source, out.loadBalancers);
        }
    }
    return out;
}
