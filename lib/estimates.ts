// Offline estimates of a plan: how long `pulumi up` takes (critical path over the dependency
// graph), what the stack costs a month at idle, and whether the pods' requests fit the nodes.
// Everything here is PURE: the plan, the configuration and the data tables (estimates/*.json) come
// in as arguments; tools/estimate.ts loads the tables and composes the three.
import * as YAML from "yaml";
import { DurationTable, durationEntry, durationOf } from "./durations";
import { CapacityTable, SystemPod, nodeAllocatable } from "./node-capacity";
import { EstResource, getPath } from "./plan-resource";
import { PriceTable, ec2HourlyPrice, eksHourlyRate, rdsHourlyPrice, supportedKubernetesVersions } from "./prices";
import { cpuMillis, jvmMemoryMiB, memoryMiB, round, storageGiB } from "./quantities";
import { isPlainObject } from "./validate";

/** Resource types whose instances are the worker nodes pods run on. */
export const NODE_GROUP_TYPES = ["eks:index:ManagedNodeGroup", "aws:eks/nodeGroup:NodeGroup", "eks:index:NodeGroup", "eks:index:NodeGroupV2"];

// ---------------------------------------------------------------------------------------------
// Critical path
// ---------------------------------------------------------------------------------------------

/**
 * URNs of resources passed as inputs ({resource: urn} in the plan). The SDK leaves them out of a
 * remote component's dependencies (e.g. eks.ManagedNodeGroup's `cluster`), yet the component's
 * provider resolves them, so the component waits for them all the same.
 */
export function resourceRefs(inputs: unknown, out: string[] = []): string[] {
    if (Array.isArray(inputs)) inputs.forEach((x) => resourceRefs(x, out));
    else if (isPlainObject(inputs)) {
        if (typeof inputs.resource === "string" && inputs.resource.startsWith("urn:pulumi:") && Object.keys(inputs).length === 1) out.push(inputs.resource);
        else Object.values(inputs).forEach((x) => resourceRefs(x, out));
    }
    return out;
}
// ---------------------------------------------------------------------------------------------

export interface ChainLink {
    urn: string;
    type: string;
    name: string;
    minutes: number;
    start: number;
    finish: number;
}

export interface CriticalPath {
    minutes: number;
    chain: ChainLink[];
    /** When each top-level component (child of the stack) is done. */
    components: Array<{ name: string; type: string; finish: number }>;
    /** Start and finish of every resource (a component starts when it is registered). */
    schedule: Record<string, { start: number; finish: number }>;
}

type Ref = { kind: "finish" | "reg"; urn: string };
interface Timed {
    t: number;
    via: Ref | null;
}

/**
 * The longest chain of `pulumi up` over the plan's graph, with the engine's semantics:
 * - a custom resource starts when its dependencies, its provider and its parent are done (the SDK
 *   awaits the parent's URN, which a custom parent resolves only once created) and takes its
 *   duration from the table;
 * - a component takes no time: it is registered once its own dependencies (and parent) are done,
 *   and finished when all its children are; its children wait for its registration, so a
 *   component's dependsOn holds back everything inside it;
 * - depending on a component means waiting for all its descendants;
 * - a resource that waits for pods to be ready (`needsNodes` in the table, or `needsNodes(r)`)
 *   cannot finish before the plan's node groups are up, dependency or not: it is timed from
 *   the later of its own start and the node groups' finish.
 * A custom resource is always timed by the table (its children wait for it, as they wait for any
 * custom parent). A local component without children is empty (0 min); a remote component without
 * captured children (e.g. eks:index:Cluster under mocks) is timed as a whole from the table.
 */
export function criticalPath(
    resources: EstResource[],
    durations: DurationTable | ((r: EstResource) => number),
    opts: { needsNodes?: (r: EstResource) => boolean } = {},
): CriticalPath {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const children = new Map<string, EstResource[]>();
    for (const r of resources) {
        if (r.parent && byUrn.has(r.parent)) {
            const list = children.get(r.parent) ?? [];
            list.push(r);
            children.set(r.parent, list);
        }
    }
    const dur = typeof durations === "function" ? durations : (r: EstResource) => durationOf(r, durations);
    const needsNodes = opts.needsNodes ?? (typeof durations === "function" ? () => false : (r: EstResource) => durationEntry(r, durations).needsNodes);
    const nodeGroups = resources.filter((r) => NODE_GROUP_TYPES.includes(r.type));
    const isComponent = (r: EstResource) => !r.custom && ((children.get(r.urn)?.length ?? 0) > 0 || !r.remote);
    const ancestors = (r: EstResource): Set<string> => {
        const out = new Set<string>();
        for (let p = r.parent; p && byUrn.has(p) && !out.has(p); p = byUrn.get(p)!.parent) out.add(p);
        return out;
    };

    const gates = (r: EstResource): Ref[] => {
        const up = ancestors(r);
        const refs: Ref[] = [];
        for (const d of new Set([...r.dependencies, ...resourceRefs(r.inputs)])) {
            // Waiting on one's own ancestor would deadlock; the SDK never asks for it.
            if (byUrn.has(d) && d !== r.urn && !up.has(d)) refs.push({ kind: "finish", urn: d });
        }
        if (r.provider && byUrn.has(r.provider)) refs.push({ kind: "finish", urn: r.provider });
        if (!isComponent(r) && needsNodes(r)) {
            for (const ng of nodeGroups) if (ng.urn !== r.urn && !up.has(ng.urn)) refs.push({ kind: "finish", urn: ng.urn });
        }
        if (r.parent && byUrn.has(r.parent)) {
            const parent = byUrn.get(r.parent)!;
            refs.push({ kind: isComponent(parent) ? "reg" : "finish", urn: parent.urn });
        }
        return refs;
    };

    const memo = new Map<string, Timed>();
    const visiting = new Set<string>();
    const key = (ref: Ref) => `${ref.kind}:${ref.urn}`;

    const latest = (refs: Ref[]): Timed => {
        let best: Timed = { t: 0, via: null };
        for (const ref of refs) {
            const t = time(ref).t;
            if (best.via === null || t > best.t) best = { t, via: ref };
        }
        return best;
    };

    const time = (ref: Ref): Timed => {
        const k = key(ref);
        const known = memo.get(k);
        if (known) return known;
        if (visiting.has(k)) {
            const cycle = [...visiting].map((v) => v.split("::").pop()).join(" -> ");
            throw new Error(`dependency cycle in the plan at ${ref.urn} (${cycle})`);
        }
        visiting.add(k);
        const r = byUrn.get(ref.urn)!;
        let result: Timed;
        if (!isComponent(r)) {
            const start = latest(gates(r));
            result = { t: start.t + dur(r), via: start.via };
        } else if (ref.kind === "reg") {
            result = latest(gates(r));
        } else {
            const refs: Ref[] = [{ kind: "reg", urn: r.urn }, ...(children.get(r.urn) ?? []).map((c): Ref => ({ kind: "finish", urn: c.urn }))];
            result = latest(refs);
        }
        visiting.delete(k);
        memo.set(k, result);
        return result;
    };

    let end: Timed = { t: 0, via: null };
    for (const r of resources) {
        const f = time({ kind: "finish", urn: r.urn });
        if (end.via === null || f.t > end.t) end = { t: f.t, via: { kind: "finish", urn: r.urn } };
    }

    // Walk back from the last resource to finish, keeping the custom resources on the way.
    const chain: ChainLink[] = [];
    for (let ref: Ref | null = end.via; ref;) {
        const r = byUrn.get(ref.urn)!;
        const timed = time(ref);
        if (!isComponent(r) && ref.kind === "finish") {
            const minutes = dur(r);
            chain.push({ urn: r.urn, type: r.type, name: r.name, minutes, start: timed.t - minutes, finish: timed.t });
        }
        ref = timed.via;
    }
    chain.reverse();

    const roots = resources.filter((r) => !r.parent || !byUrn.has(r.parent));
    const top = roots.length === 1 && isComponent(roots[0]) ? (children.get(roots[0].urn) ?? []) : roots;
    const components = top.filter((r) => isComponent(r)).map((r) => ({ name: r.name, type: r.type, finish: time({ kind: "finish", urn: r.urn }).t }));
    const schedule: CriticalPath["schedule"] = {};
    for (const r of resources) {
        const finish = time({ kind: "finish", urn: r.urn }).t;
        schedule[r.urn] = { start: isComponent(r) ? time({ kind: "reg", urn: r.urn }).t : finish - dur(r), finish };
    }
    return { minutes: end.t, chain, components, schedule };
}

// ---------------------------------------------------------------------------------------------
// What the program asks of the cluster: pods, persistent volumes, load balancers
// ---------------------------------------------------------------------------------------------

export interface PodItem {
    /** The plan resource that creates the pods (name and type). */
    source: string;
    /** Where the requests were read (a path in the inputs or values). */
    path: string;
    pods: number;
    /** One pod per node (DaemonSet). */
    perNode?: boolean;
    /** Runs to completion (Job, Spark batch application, Airflow task pod). */
    transient?: boolean;
    cpuMillis: number;
    memoryMiB: number;
    note?: string;
    /** The file (a ConfigMap key) of a SparkApplication a DAG submits at run time, not the plan itself. */
    submitted?: string;
    /** The Karpenter pool the pods select (bdok.io/pool), with ":on-demand" when they also select that capacity type; absent: the managed node groups. */
    pool?: string;
}

export const POOL_LABEL_KEY = "bdok.io/pool";

/**
 * The pool a pod spec (or Strimzi pod template) selects, by nodeSelector or required node
 * affinity on bdok.io/pool, suffixed ":on-demand" when it also requires on-demand capacity.
 */
export function poolOf(ps: unknown): string | undefined {
    if (!isPlainObject(ps)) return undefined;
    const sel = isPlainObject(ps.nodeSelector) ? ps.nodeSelector : {};
    const terms = getPath(ps, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
    const exprs =
        Array.isArray(terms) && terms.length === 1 && isPlainObject(terms[0]) && Array.isArray(terms[0].matchExpressions) ? terms[0].matchExpressions : [];
    const fromAffinity = (key: string) => {
        const e = exprs.find((x: unknown) => isPlainObject(x) && x.key === key && x.operator === "In" && Array.isArray(x.values) && x.values.length === 1);
        return e ? String((e as { values: unknown[] }).values[0]) : undefined;
    };
    const pool = (sel[POOL_LABEL_KEY] as string | undefined) ?? fromAffinity(POOL_LABEL_KEY);
    if (!pool) return undefined;
    const capacity = (sel["karpenter.sh/capacity-type"] as string | undefined) ?? fromAffinity("karpenter.sh/capacity-type");
    return capacity === "on-demand" ? `${pool}:on-demand` : pool;
}

export interface VolumeItem {
    source: string;
    path: string;
    count: number;
    sizeGiB: number;
    storageClass?: string;
}

export interface LoadBalancerItem {
    source: string;
    path: string;
    internetFacing: boolean;
}

export interface Workloads {
    pods: PodItem[];
    volumes: VolumeItem[];
    loadBalancers: LoadBalancerItem[];
}

/** A Kubernetes object as `helm template` renders it (tools/helm.ts K8sObject fits). */
export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; annotations?: Record<string, string>; [k: string]: unknown };
    [k: string]: unknown;
}

/** What each Helm release of the plan renders, by the release's URN (tools/render.ts). */
export type RenderedObjects = Record<string, readonly KubeObject[]>;

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
    source: string;
    out: Workloads;
    multiplierKeys: string[];
    rule?: WalkRule;
}

function requestsOf(resources: unknown): { cpuMillis: number; memoryMiB: number } | undefined {
    const req = isPlainObject(resources) ? resources.requests : undefined;
    if (!isPlainObject(req)) return undefined;
    const cpu = req.cpu !== undefined && req.cpu !== null ? cpuMillis(req.cpu) : 0;
    const mem = req.memory !== undefined && req.memory !== null ? memoryMiB(req.memory) : 0;
    return cpu === 0 && mem === 0 ? undefined : { cpuMillis: cpu, memoryMiB: mem };
}

/** A PodSpec's effective requests: max(sum of containers, largest init container). */
export function podSpecRequests(spec: Record<string, unknown>): { cpuMillis: number; memoryMiB: number } {
    const sum = { cpuMillis: 0, memoryMiB: 0 };
    for (const c of Array.isArray(spec.containers) ? spec.containers : []) {
        const r = isPlainObject(c) ? requestsOf(c.resources) : undefined;
        if (r) {
            sum.cpuMillis += r.cpuMillis;
            sum.memoryMiB += r.memoryMiB;
        }
    }
    for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) {
        const r = isPlainObject(c) ? requestsOf(c.resources) : undefined;
        if (r) {
            sum.cpuMillis = Math.max(sum.cpuMillis, r.cpuMillis);
            sum.memoryMiB = Math.max(sum.memoryMiB, r.memoryMiB);
        }
    }
    return sum;
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
    if (isPlainObject(podTemplate)) ctx = { ...ctx, pool: poolOf(podTemplate) };
    const pool = ctx.pool ? { pool: ctx.pool } : {};

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

/** Whether the AWS load balancer controllers make a Service's load balancer internet-facing. */
function internetFacing(annotations: Record<string, unknown> | undefined): boolean {
    const scheme = annotations?.["service.beta.kubernetes.io/aws-load-balancer-scheme"];
    const internal = annotations?.["service.beta.kubernetes.io/aws-load-balancer-internal"];
    // Without the scheme annotation the AWS controllers create internet-facing load balancers.
    return scheme ? scheme === "internet-facing" : !(internal === "true" || internal === true);
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

function sparkPods(source: string, spec: Record<string, unknown>, defaults: CapacityTable["operatorDefaults"], out: Workloads, path: string): void {
    const nonJvm = ["Python", "R"].includes(String(spec.type ?? ""));
    const factorSetting = spec.memoryOverheadFactor !== undefined ? Number(spec.memoryOverheadFactor) : undefined;
    const o = defaults.sparkMemoryOverhead;
    const podMemory = (role: Record<string, unknown>, fallback: string) => {
        const mem = jvmMemoryMiB(role.memory ?? fallback);
        const overhead =
            role.memoryOverhead !== undefined
                ? jvmMemoryMiB(role.memoryOverhead)
                : Math.max(o.minimumMiB, (factorSetting ?? (nonJvm ? o.factorNonJvm : o.factorJvm)) * mem);
        return mem + overhead;
    };
    const podCpu = (role: Record<string, unknown>, fallbackCores: number) =>
        role.coreRequest !== undefined ? cpuMillis(role.coreRequest) : Math.round(Number(role.cores ?? fallbackCores) * 1000);
    const driver = isPlainObject(spec.driver) ? spec.driver : {};
    const executor = isPlainObject(spec.executor) ? spec.executor : {};
    const dyn = isPlainObject(spec.dynamicAllocation) && spec.dynamicAllocation.enabled === true ? spec.dynamicAllocation : undefined;
    const instances = Number(executor.instances ?? dyn?.maxExecutors ?? dyn?.initialExecutors ?? defaults.sparkExecutor.instances);
    const batch = spec.mode !== "streaming" && !/streaming/i.test(source);
    // The operator merges spec.nodeSelector into each role's.
    const placed = (role: Record<string, unknown>) => {
        const p = poolOf({
            ...role,
            nodeSelector: { ...(isPlainObject(spec.nodeSelector) ? spec.nodeSelector : {}), ...(isPlainObject(role.nodeSelector) ? role.nodeSelector : {}) },
        });
        return p ? { pool: p } : {};
    };
    out.pods.push({
        source,
        path: `${path}.driver`,
        pods: 1,
        cpuMillis: podCpu(driver, defaults.sparkDriver.cores),
        memoryMiB: podMemory(driver, defaults.sparkDriver.memory),
        transient: batch || undefined,
        note: "memory + overhead",
        ...placed(driver),
    });
    out.pods.push({
        source,
        path: `${path}.executor`,
        pods: instances,
        cpuMillis: podCpu(executor, defaults.sparkExecutor.cores),
        memoryMiB: podMemory(executor, defaults.sparkExecutor.memory),
        transient: batch || undefined,
        note: "memory + overhead",
        ...placed(executor),
    });
}

/** `helm.sh/hook: test` objects run only under `helm test`, which Pulumi never runs. */
export function isHelmTestHook(o: { metadata?: { annotations?: Record<string, unknown> } }): boolean {
    return String(o.metadata?.annotations?.["helm.sh/hook"] ?? "")
        .split(",")
        .some((h) => /^\s*test(-success)?\s*$/.test(h));
}

const POD_KINDS = ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"];

/** The pod template of a workload object, if it is one. */
function podSpecOf(kind: string, spec: Record<string, unknown>): Record<string, unknown> | undefined {
    const ps = kind === "Pod" ? spec : kind === "CronJob" ? getPath(spec, "jobTemplate.spec.template.spec") : getPath(spec, "template.spec");
    return isPlainObject(ps) ? ps : undefined;
}

const containerNames = (ps: Record<string, unknown>, key: "containers" | "initContainers") =>
    (Array.isArray(ps[key]) ? (ps[key] as unknown[]) : []).map((c) => (isPlainObject(c) ? String(c.name ?? "?") : "?"));

/**
 * The pods, volumes and load balancers of one core Kubernetes object (the program's own, or one a
 * chart renders): workloads with their replicas and effective pod requests (sidecars and init
 * containers included), StatefulSet claim templates, PersistentVolumeClaims, LoadBalancer
 * Services, and templates held in ConfigMaps that are launched at run time (a `kind: Pod`, e.g.
 * the KubernetesExecutor's task pod; a SparkApplication a DAG submits). `at(sub)` names a place in it.
 */
function objectWorkloads(
    kind: string,
    group: string,
    body: Record<string, unknown>,
    source: string,
    at: (sub: string) => string,
    out: Workloads,
    defaults: CapacityTable["operatorDefaults"],
): void {
    const spec = isPlainObject(body.spec) ? body.spec : {};
    const annotations = getPath(body, "metadata.annotations") as Record<string, unknown> | undefined;
    if ((group === "apps" || group === "batch" || group === "core") && POD_KINDS.includes(kind)) {
        const ps = podSpecOf(kind, spec);
        if (ps) {
            const req = podSpecRequests(ps);
            const pods = kind === "Job" ? Number(spec.parallelism ?? 1) : kind === "CronJob" || kind === "Pod" ? 1 : Number(spec.replicas ?? 1);
            // A Pod that is a Helm hook, or never restarts, runs to completion.
            const runsOnce =
                kind === "Job" ||
                kind === "CronJob" ||
                (kind === "Pod" && (annotations?.["helm.sh/hook"] !== undefined || ["Never", "OnFailure"].includes(String(ps.restartPolicy))));
            const containers = containerNames(ps, "containers");
            const inits = containerNames(ps, "initContainers");
            const note =
                containers.length > 1 || inits.length > 0
                    ? [`containers ${containers.join(", ")}`, ...(inits.length ? [`init ${inits.join(", ")}`] : [])].join("; ")
                    : undefined;
            const pool = poolOf(ps);
            out.pods.push({
                source,
                path: at("spec"),
                pods,
                ...req,
                perNode: kind === "DaemonSet" || undefined,
                transient: runsOnce || undefined,
                ...(note ? { note } : {}),
                ...(pool ? { pool } : {}),
            });
        }
        if (kind === "StatefulSet" && Array.isArray(spec.volumeClaimTemplates)) {
            for (const t of spec.volumeClaimTemplates) {
                const size = getPath(t, "spec.resources.requests.storage");
                if (size !== undefined)
                    out.volumes.push({
                        source,
                        path: at("spec.volumeClaimTemplates"),
                        count: Number(spec.replicas ?? 1),
                        sizeGiB: storageGiB(size),
                        storageClass: getPath(t, "spec.storageClassName") as string | undefined,
                    });
            }
        }
        return;
    }
    if (group !== "core") return;
    if (kind === "PersistentVolumeClaim") {
        const size = getPath(spec, "resources.requests.storage");
        if (size !== undefined)
            out.volumes.push({
                source,
                path: at("spec.resources.requests.storage"),
                count: 1,
                sizeGiB: storageGiB(size),
                storageClass: spec.storageClassName as string | undefined,
            });
    } else if (kind === "Service") {
        if (spec.type === "LoadBalancer") out.loadBalancers.push({ source, path: at("spec"), internetFacing: internetFacing(annotations) });
    } else if (kind === "ConfigMap") {
        // Pods that exist only while a task or a batch run is on: transient demand the plan never shows.
        for (const [key, text] of Object.entries(isPlainObject(body.data) ? body.data : {})) {
            if (typeof text !== "string" || !/\.(ya?ml|json)$/.test(key) || !/^kind:\s*(Pod|SparkApplication)\s*$/m.test(text)) continue;
            let doc: unknown;
            try {
                doc = YAML.parse(text);
            } catch {
                continue;
            }
            if (!isPlainObject(doc) || !isPlainObject(doc.spec)) continue;
            if (doc.kind === "SparkApplication") {
                const first = out.pods.length;
                sparkPods(`${source} ${key}`, doc.spec, defaults, out, "spec");
                for (const p of out.pods.slice(first)) Object.assign(p, { transient: true, submitted: key });
            } else if (doc.kind === "Pod") {
                const pool = poolOf(doc.spec);
                out.pods.push({
                    source,
                    path: at(`data.${key}`),
                    pods: 1,
                    ...podSpecRequests(doc.spec),
                    transient: true,
                    note: "pod template: one task pod at a time",
                    ...(pool ? { pool } : {}),
                });
            }
        }
    }
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
            // Counting a release from its values would be guessing at the chart: refuse instead.
            if (!objects)
                throw new Error(
                    `${r.name} (helm ${inputs.chart}): no rendered objects for this release; its pods are what the chart renders (tools/render.ts renderPlan)`,
                );
            const src = `${r.name} (helm ${inputs.chart})`;
            for (const o of objects) {
                if (!isPlainObject(o) || isHelmTestHook(o)) continue;
                const [group, version] = String(o.apiVersion ?? "").includes("/") ? String(o.apiVersion).split("/") : ["core", o.apiVersion];
                if (!version) continue;
                const id = `${o.kind}/${o.metadata?.name}`;
                objectWorkloads(String(o.kind), group, o, src, (sub) => (sub === "spec" ? id : `${id} ${sub}`), out, defaults);
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
                const containers = getPath(ns, "podTemplate.spec.containers");
                const es = Array.isArray(containers) ? containers.find((c) => isPlainObject(c) && c.name === "elasticsearch") : undefined;
                const req = isPlainObject(es) ? requestsOf(es.resources) : undefined;
                const pool = poolOf(getPath(ns, "podTemplate.spec"));
                out.pods.push({
                    ...(pool ? { pool } : {}),
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
            const containers = getPath(spec, "podTemplate.spec.containers");
            const kb = Array.isArray(containers) ? containers.find((c) => isPlainObject(c) && c.name === "kibana") : undefined;
            const req = isPlainObject(kb) ? requestsOf(kb.resources) : undefined;
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
            const rule: WalkRule | undefined =
                kind === "KafkaConnect"
                    ? { replicas: (p) => (p.length === 2 && p[1] === "build" ? 1 : undefined), transient: (p) => p[1] === "build" }
                    : undefined;
            walk(spec, ["spec"], 1, { source, out, multiplierKeys: ["replicas", "replicaCount"], rule });
            findLoadBalancers(spec, ["spec"], inputs, source, out.loadBalancers);
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Capacity
// ---------------------------------------------------------------------------------------------

export interface NodeGroupCapacity {
    name: string;
    instanceType: string;
    nodes: number;
    maxPodsPerNode: number;
    perNode: { cpuMillis: number; memoryMiB: number };
    reservedPerNode: { cpuMillis: number; memoryMiB: number };
    allocatablePerNode: { cpuMillis: number; memoryMiB: number };
}

export interface CapacityReport {
    fits: boolean;
    nodeGroups: NodeGroupCapacity[];
    allocatable: { cpuMillis: number; memoryMiB: number; pods: number };
    /** At peak: every pod at once, run-to-completion ones and the largest submitted application included. */
    requested: { cpuMillis: number; memoryMiB: number; pods: number };
    /** Of `requested`: the EKS system pods (add-on DaemonSets on every node, CoreDNS, ...). */
    system: { cpuMillis: number; memoryMiB: number; pods: number };
    /** Of `requested`: pods that run to completion (Jobs, batch Spark, Airflow task pods). */
    transient: { cpuMillis: number; memoryMiB: number; pods: number };
    headroom: { cpuMillis: number; memoryMiB: number };
    /** What runs between batch runs: `requested` without the pods that run to completion. */
    idle: { cpuMillis: number; memoryMiB: number; pods: number };
    /**
     * The SparkApplications DAGs submit, each as a whole. A DAG's Spark tasks run one after another,
     * so `requested` (the peak: a batch run) counts the largest of them, `peakRun`.
     */
    submitted: Array<{ file: string; cpuMillis: number; memoryMiB: number; pods: number }>;
    peakRun?: string;
    /** Pods larger than an empty node of every group (after its DaemonSet pods): no node count helps. */
    oversized: Array<{
        source: string;
        path: string;
        submitted?: string;
        cpuMillis: number;
        memoryMiB: number;
        largestNode: { nodeGroup: string; instanceType: string; cpuMillis: number; memoryMiB: number };
    }>;
    items: Array<PodItem & { totalCpuMillis: number; totalMemoryMiB: number }>;
    unschedulable: Array<{ source: string; path: string; cpuMillis: number; memoryMiB: number }>;
    problems: string[];
}

export class CapacityError extends Error {
    constructor(
        message: string,
        readonly report: CapacityReport,
    ) {
        super(message);
        this.name = "CapacityError";
    }
}

/** The node groups a plan creates, at desired size (the smallest listed instance type of each). */
export function nodeGroupsOf(resources: EstResource[], table: CapacityTable): NodeGroupCapacity[] {
    const out: NodeGroupCapacity[] = [];
    for (const r of resources) {
        if (r.type !== "eks:index:ManagedNodeGroup" && r.type !== "aws:eks/nodeGroup:NodeGroup") continue;
        const types = (r.inputs.instanceTypes as string[] | undefined) ?? [];
        if (types.length === 0) throw new Error(`node group ${r.name}: no instanceTypes in the plan`);
        const nodes = Number(getPath(r.inputs, "scalingConfig.desiredSize") ?? 0);
        const shapes = types.map((t) => ({ t, a: nodeAllocatable(t, table) }));
        shapes.sort((x, y) => x.a.allocatable.memoryMiB - y.a.allocatable.memoryMiB || x.a.allocatable.cpuMillis - y.a.allocatable.cpuMillis);
        const { t, a } = shapes[0];
        out.push({
            name: r.name,
            instanceType: t,
            nodes,
            maxPodsPerNode: a.maxPods,
            perNode: a.capacity,
            reservedPerNode: a.reserved,
            allocatablePerNode: a.allocatable,
        });
    }
    return out;
}

export function systemPodsOf(resources: EstResource[], table: CapacityTable): Array<SystemPod & { source: string }> {
    const pods: Array<SystemPod & { source: string }> = [];
    if (!resources.some((r) => r.type === "eks:index:Cluster" || r.type === "aws:eks/cluster:Cluster")) return pods;
    for (const p of table.systemPods.always) pods.push({ ...p, source: "EKS default add-ons" });
    for (const r of resources) {
        if (r.type !== "aws:eks/addon:Addon") continue;
        for (const p of table.systemPods.byAddon[String(r.inputs.addonName)] ?? []) pods.push({ ...p, source: `add-on ${r.inputs.addonName}` });
    }
    return pods;
}

const fmtCpu = (m: number) => `${round(m / 1000, 2)} vCPU`;
const fmtMem = (m: number) => `${round(m / 1024, 2)} GiB`;

/**
 * The CPU and memory the program's pods request against what the node groups allocate at desired
 * size, at peak: everything at once, run-to-completion pods included, with the largest
 * SparkApplication a DAG submits (a batch run). Helm releases count what their charts render
 * (`rendered`, as in workloads()). Node selectors are ignored, and pods are packed
 * first-fit-decreasing onto the nodes after each node's DaemonSet pods.
 */
export function capacityReport(resources: EstResource[], table: CapacityTable, rendered: RenderedObjects = {}): CapacityReport {
    const groups = nodeGroupsOf(resources, table);
    const nodeCount = groups.reduce((s, g) => s + g.nodes, 0);
    const all = workloads(resources, table, rendered);
    // Pods that select a Karpenter pool run on the nodes Karpenter launches for them (tools/estimate.ts packs them).
    const w = { ...all, pods: all.pods.filter((p) => !p.pool) };
    const system = systemPodsOf(resources, table);

    const items: CapacityReport["items"] = [];
    const add = (p: PodItem) => {
        const pods = p.perNode ? nodeCount : p.pods;
        items.push({ ...p, pods, totalCpuMillis: pods * p.cpuMillis, totalMemoryMiB: pods * p.memoryMiB });
    };
    for (const s of system)
        add({ source: s.source, path: s.name, pods: s.replicas ?? 1, perNode: s.perNode || undefined, cpuMillis: s.cpuMillis, memoryMiB: s.memoryMiB });
    const systemCount = items.length;
    const runs = new Map<string, { file: string; cpuMillis: number; memoryMiB: number; pods: number }>();
    for (const p of w.pods.filter((x) => x.submitted)) {
        const run = runs.get(p.submitted!) ?? { file: p.submitted!, cpuMillis: 0, memoryMiB: 0, pods: 0 };
        run.cpuMillis += p.pods * p.cpuMillis;
        run.memoryMiB = round(run.memoryMiB + p.pods * p.memoryMiB, 1);
        run.pods += p.pods;
        runs.set(p.submitted!, run);
    }
    const submitted = [...runs.values()];
    const peakRun = [...submitted].sort((a, b) => b.memoryMiB - a.memoryMiB || b.cpuMillis - a.cpuMillis)[0]?.file;
    for (const p of w.pods) if (!p.submitted || p.submitted === peakRun) add(p);

    const sum = (list: typeof items) => ({
        cpuMillis: Math.round(list.reduce((s, i) => s + i.totalCpuMillis, 0)),
        memoryMiB: Math.round(list.reduce((s, i) => s + i.totalMemoryMiB, 0)),
        pods: list.reduce((s, i) => s + i.pods, 0),
    });
    const requested = sum(items);
    const systemSum = sum(items.slice(0, systemCount));
    const transient = sum(items.filter((i) => i.transient));
    const allocatable = {
        cpuMillis: groups.reduce((s, g) => s + g.nodes * g.allocatablePerNode.cpuMillis, 0),
        memoryMiB: Math.round(groups.reduce((s, g) => s + g.nodes * g.allocatablePerNode.memoryMiB, 0)),
        pods: groups.reduce((s, g) => s + g.nodes * g.maxPodsPerNode, 0),
    };

    // First-fit decreasing onto the nodes, after the per-node pods.
    const perNode = items.filter((i) => i.perNode);
    const dsCpu = perNode.reduce((s, i) => s + i.cpuMillis, 0);
    const dsMem = perNode.reduce((s, i) => s + i.memoryMiB, 0);
    const nodes = groups.flatMap((g) =>
        Array.from({ length: g.nodes }, () => ({
            cpu: g.allocatablePerNode.cpuMillis - dsCpu,
            mem: g.allocatablePerNode.memoryMiB - dsMem,
            pods: g.maxPodsPerNode - perNode.length,
        })),
    );
    // A pod that no empty node of any group can hold (every submitted application's pods included).
    const freeOf = (g: NodeGroupCapacity) => ({ cpuMillis: g.allocatablePerNode.cpuMillis - dsCpu, memoryMiB: g.allocatablePerNode.memoryMiB - dsMem });
    const roomiest = [...groups].sort((a, b) => freeOf(b).memoryMiB - freeOf(a).memoryMiB || freeOf(b).cpuMillis - freeOf(a).cpuMillis)[0];
    const tooBig = (p: PodItem) => groups.length > 0 && groups.every((g) => p.cpuMillis > freeOf(g).cpuMillis || p.memoryMiB > freeOf(g).memoryMiB);
    const oversized: CapacityReport["oversized"] = w.pods
        .filter((p) => !p.perNode && tooBig(p))
        .map((p) => ({
            source: p.source,
            path: p.path,
            submitted: p.submitted,
            cpuMillis: p.cpuMillis,
            memoryMiB: round(p.memoryMiB, 1),
            largestNode: {
                nodeGroup: roomiest.name,
                instanceType: roomiest.instanceType,
                cpuMillis: freeOf(roomiest).cpuMillis,
                memoryMiB: round(freeOf(roomiest).memoryMiB, 1),
            },
        }));
    const single = items.filter((i) => !i.perNode && !tooBig(i)).flatMap((i) => Array.from({ length: Math.ceil(i.pods) }, () => i));
    // Decreasing first-fit by memory, by CPU and by the larger share of a node: a placement exists
    // when one of them finds it (near full, one order alone leaves CPU or memory in fragments).
    const maxCpu = Math.max(1, ...nodes.map((n) => n.cpu));
    const maxMem = Math.max(1, ...nodes.map((n) => n.mem));
    const orders: Array<(a: PodItem, b: PodItem) => number> = [
        (a, b) => b.memoryMiB - a.memoryMiB || b.cpuMillis - a.cpuMillis,
        (a, b) => b.cpuMillis - a.cpuMillis || b.memoryMiB - a.memoryMiB,
        (a, b) => Math.max(b.cpuMillis / maxCpu, b.memoryMiB / maxMem) - Math.max(a.cpuMillis / maxCpu, a.memoryMiB / maxMem),
    ];
    let unschedulable: CapacityReport["unschedulable"] = [];
    const empty = nodes.map((n) => ({ ...n }));
    for (const [k, order] of orders.entries()) {
        const free = empty.map((n) => ({ ...n }));
        const left: CapacityReport["unschedulable"] = [];
        for (const p of [...single].sort(order)) {
            const node = free.find((n) => n.cpu >= p.cpuMillis && n.mem >= p.memoryMiB && n.pods >= 1);
            if (node) {
                node.cpu -= p.cpuMillis;
                node.mem -= p.memoryMiB;
                node.pods -= 1;
            } else left.push({ source: p.source, path: p.path, cpuMillis: p.cpuMillis, memoryMiB: p.memoryMiB });
        }
        if (k === 0 || left.length < unschedulable.length) {
            unschedulable = left;
            nodes.splice(0, nodes.length, ...free);
        }
        if (left.length === 0) break;
    }

    const problems: string[] = [];
    for (const o of oversized) {
        problems.push(
            `${o.source} ${o.path}: one pod requests ${fmtCpu(o.cpuMillis)} and ${fmtMem(o.memoryMiB)}, more than any node offers (${o.largestNode.instanceType}: ${fmtCpu(o.largestNode.cpuMillis)} and ${fmtMem(o.largestNode.memoryMiB)} after its DaemonSet pods)`,
        );
    }
    if (groups.length === 0 && requested.pods > 0) problems.push("the plan has no node group");
    if (requested.cpuMillis > allocatable.cpuMillis)
        problems.push(
            `CPU: requested ${fmtCpu(requested.cpuMillis)} > allocatable ${fmtCpu(allocatable.cpuMillis)} (short by ${fmtCpu(requested.cpuMillis - allocatable.cpuMillis)})`,
        );
    if (requested.memoryMiB > allocatable.memoryMiB)
        problems.push(
            `memory: requested ${fmtMem(requested.memoryMiB)} > allocatable ${fmtMem(allocatable.memoryMiB)} (short by ${fmtMem(requested.memoryMiB - allocatable.memoryMiB)})`,
        );
    if (requested.pods > allocatable.pods)
        problems.push(`pods: ${requested.pods} > max pods ${allocatable.pods} (short by ${requested.pods - allocatable.pods})`);
    if (perNode.length > 0 && nodes.some((n) => n.cpu < 0 || n.mem < 0))
        problems.push(`the per-node pods (${fmtCpu(dsCpu)}, ${fmtMem(dsMem)}) exceed a node's allocatable`);
    if (unschedulable.length > 0) {
        const grouped = new Map<string, { n: number; cpu: number; mem: number }>();
        for (const u of unschedulable) {
            const k = `${u.source} ${u.path}`;
            const g = grouped.get(k) ?? { n: 0, cpu: u.cpuMillis, mem: u.memoryMiB };
            g.n++;
            grouped.set(k, g);
        }
        const largest = nodes.reduce((b, n) => (n.mem > b.mem ? n : b), { cpu: 0, mem: 0, pods: 0 });
        problems.push(
            `${unschedulable.length} pod(s) fit on no node: ${[...grouped.entries()].map(([k, g]) => `${k} (${g.n} x ${g.cpu}m CPU, ${Math.round(g.mem)}Mi)`).join("; ")}; most free memory left on a node: ${Math.max(0, Math.round(largest.mem))}Mi with ${Math.max(0, largest.cpu)}m CPU`,
        );
    }
    return {
        fits: problems.length === 0,
        nodeGroups: groups,
        allocatable,
        requested,
        system: systemSum,
        transient,
        headroom: { cpuMillis: allocatable.cpuMillis - requested.cpuMillis, memoryMiB: allocatable.memoryMiB - requested.memoryMiB },
        idle: sum(items.filter((i) => !i.transient)),
        submitted,
        peakRun,
        oversized,
        items,
        unschedulable,
        problems,
    };
}

/** capacityReport, throwing a CapacityError that names the shortfall when the requests do not fit. */
export function capacity(resources: EstResource[], config: { stack: string }, table: CapacityTable, rendered: RenderedObjects = {}): CapacityReport {
    const report = capacityReport(resources, table, rendered);
    if (!report.fits) {
        const groups = report.nodeGroups.map((g) => `${g.name}: ${g.nodes} x ${g.instanceType}`).join(", ") || "none";
        throw new CapacityError(
            `capacity of stack "${config.stack}": the pods' requests do not fit the node groups at desired size (${groups}):\n` +
                report.problems.map((p) => `  - ${p}`).join("\n"),
            report,
        );
    }
    return report;
}

// ---------------------------------------------------------------------------------------------
// Monthly cost at idle
// ---------------------------------------------------------------------------------------------

export interface CostItem {
    item: string;
    resource: string;
    quantity: number;
    unit: string;
    unitUsd: number;
    monthlyUsd: number;
    note?: string;
}

export interface MonthlyCost {
    totalUsd: number;
    items: CostItem[];
    warnings: string[];
    usageBased: PriceTable["usageBased"];
}

/**
 * What the plan costs a month with no traffic: every resource with a time-based price (EKS control
 * plane, NAT gateways, public IPv4 addresses, node group instances and their root volumes, RDS
 * instance and storage, KMS keys, interface endpoints, load balancers, persistent volumes the
 * program and its charts request, with `rendered` as in workloads()). Usage-based charges (data processing, S3 storage, logs) are listed, not added.
 */
export function monthlyCost(
    resources: EstResource[],
    config: { region: string; azCount: number },
    prices: PriceTable,
    opts: { asOf?: string; capacityTable?: CapacityTable; rendered?: RenderedObjects } = {},
): MonthlyCost {
    const H = prices.hoursPerMonth;
    const asOf = opts.asOf ?? prices.date;
    const items: CostItem[] = [];
    const warnings: string[] = [];
    if (config.region !== prices.region) warnings.push(`prices are for ${prices.region}; the stack deploys to ${config.region}`);
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const hasAncestorOfType = (r: EstResource, type: string) => {
        for (let p = r.parent; p && byUrn.has(p); p = byUrn.get(p)!.parent) if (byUrn.get(p)!.type === type) return true;
        return false;
    };
    const hourly = (item: string, resource: string, quantity: number, unit: string, perHour: number, note?: string) =>
        items.push({ item, resource, quantity, unit, unitUsd: perHour * H, monthlyUsd: quantity * perHour * H, note });
    const monthly = (item: string, resource: string, quantity: number, unit: string, perMonth: number, note?: string) =>
        items.push({ item, resource, quantity, unit, unitUsd: perMonth, monthlyUsd: quantity * perMonth, note });

    for (const r of resources) {
        const i = r.inputs ?? {};
        switch (r.type) {
            case "eks:index:Cluster":
            case "aws:eks/cluster:Cluster": {
                if (r.type === "aws:eks/cluster:Cluster" && hasAncestorOfType(r, "eks:index:Cluster")) break;
                const version = String(i.version ?? "");
                const rate = eksHourlyRate(version, asOf, prices);
                if (rate.support === "unknown")
                    warnings.push(`EKS version ${version || "(unset)"} is not in the price table's calendar; priced at the standard rate`);
                hourly("EKS control plane", r.name, 1, "cluster", rate.perHour, `Kubernetes ${version}, ${rate.support} support on ${asOf}`);
                const until = prices.eks.versionCalendar[version]?.standardUntil;
                const days = until ? (Date.parse(until) - Date.parse(asOf)) / 86400000 : Infinity;
                if (rate.support === "standard" && days <= 90) {
                    const newer = supportedKubernetesVersions(prices, asOf).filter((v) => Number(v.split(".")[1]) > Number(version.split(".")[1]));
                    warnings.push(
                        `EKS ${version} leaves standard support on ${until}; from then the control plane bills $${prices.eks.extendedPerHour}/h ($${round(prices.eks.extendedPerHour * H)}/month) instead of $${prices.eks.standardPerHour}/h${newer.length ? `: upgrade bdok:kubernetesVersion to ${newer[newer.length - 1]}` : ""}`,
                    );
                }
                break;
            }
            case "aws:ec2/natGateway:NatGateway":
                hourly("NAT gateway", r.name, 1, "gateway", prices.natGateway.perHour, `+ $${prices.natGateway.perGBProcessed}/GB processed (usage)`);
                break;
            case "aws:ec2/eip:Eip":
                hourly("public IPv4 address", r.name, 1, "address", prices.publicIpv4.perHour, "Elastic IP");
                break;
            case "eks:index:ManagedNodeGroup":
            case "aws:eks/nodeGroup:NodeGroup": {
                const types = (i.instanceTypes as string[] | undefined) ?? [];
                const n = Number(getPath(i, "scalingConfig.desiredSize") ?? 0);
                const spot = i.capacityType === "SPOT";
                // On-demand groups launch the first listed type (prioritized); spot may pick any: price the dearest.
                const priced = spot ? types.reduce((a, b) => (ec2HourlyPrice(b, prices) > ec2HourlyPrice(a, prices) ? b : a), types[0]) : types[0];
                const od = ec2HourlyPrice(priced, prices);
                hourly(
                    "EC2 instances",
                    r.name,
                    n,
                    `${priced} ${spot ? "spot" : "on-demand"}`,
                    spot ? od * prices.ec2.spot.factor : od,
                    spot ? `spot at ${prices.ec2.spot.factor} x on-demand $${od}/h` : undefined,
                );
                const disk = Number(i.diskSize ?? 20);
                const vt = prices.ebs.nodeRootVolumeType;
                monthly("EBS node root volumes", r.name, n * disk, `GiB ${vt}`, prices.ebs.perGBMonth[vt]);
                break;
            }
            case "aws:rds/instance:Instance": {
                const multi = i.multiAz === true;
                const f = multi ? prices.rds.multiAzFactor : 1;
                hourly(
                    "RDS instance",
                    r.name,
                    f,
                    `${i.instanceClass}${multi ? " (Multi-AZ: primary + standby)" : ""}`,
                    rdsHourlyPrice(String(i.instanceClass), prices),
                );
                const st = String(i.storageType ?? "gp2");
                const per = prices.rds.storagePerGBMonth[st];
                if (per === undefined) warnings.push(`no RDS storage price for ${st}`);
                else monthly("RDS storage", r.name, Number(i.allocatedStorage ?? 0) * f, `GiB ${st}${multi ? " (x2 Multi-AZ)" : ""}`, per);
                break;
            }
            case "aws:kms/key:Key":
                monthly("KMS key", r.name, 1, "key", prices.kms.perKeyMonth);
                break;
            case "aws:ec2/vpcEndpoint:VpcEndpoint":
                if (i.vpcEndpointType === "Interface") {
                    const azs = Array.isArray(i.subnetIds) ? i.subnetIds.length : config.azCount;
                    hourly("VPC interface endpoint", r.name, azs, "AZ", prices.vpcInterfaceEndpoint.perHourPerAz);
                }
                break;
            case "aws:lb/loadBalancer:LoadBalancer":
            case "aws:alb/loadBalancer:LoadBalancer": {
                const app = (i.loadBalancerType ?? "application") === "application";
                hourly(
                    app ? "application load balancer" : "network load balancer",
                    r.name,
                    1,
                    "load balancer",
                    app ? prices.loadBalancer.albPerHour : prices.loadBalancer.nlbPerHour,
                );
                if (i.internal !== true) {
                    const azs = Array.isArray(i.subnets) ? i.subnets.length : config.azCount;
                    hourly("public IPv4 address", r.name, azs, "address", prices.publicIpv4.perHour, "internet-facing load balancer, one per AZ");
                }
                break;
            }
            case "aws:ebs/volume:Volume": {
                const t = String(i.type ?? "gp3");
                monthly("EBS volume", r.name, Number(i.size ?? 0), `GiB ${t}`, prices.ebs.perGBMonth[t] ?? prices.ebs.perGBMonth.gp3);
                break;
            }
        }
    }

    if (opts.capacityTable) {
        const w = workloads(resources, opts.capacityTable, opts.rendered);
        for (const v of w.volumes) {
            monthly(
                "EBS persistent volumes",
                `${v.source} ${v.path}`,
                v.count * v.sizeGiB,
                "GiB gp3",
                prices.ebs.perGBMonth.gp3,
                v.count > 1 ? `${v.count} x ${round(v.sizeGiB)} GiB` : undefined,
            );
        }
        for (const lb of w.loadBalancers) {
            hourly(
                "network load balancer",
                `${lb.source} ${lb.path}`,
                1,
                "load balancer",
                prices.loadBalancer.nlbPerHour,
                lb.internetFacing ? "internet-facing" : "internal",
            );
            if (lb.internetFacing)
                hourly(
                    "public IPv4 address",
                    `${lb.source} ${lb.path}`,
                    config.azCount,
                    "address",
                    prices.publicIpv4.perHour,
                    "internet-facing load balancer, one per AZ",
                );
        }
    }

    for (const it of items) {
        it.unitUsd = round(it.unitUsd, 4);
        it.monthlyUsd = round(it.monthlyUsd, 2);
    }
    const totalUsd = round(
        items.reduce((s, it) => s + it.monthlyUsd, 0),
        2,
    );
    return { totalUsd, items, warnings, usageBased: prices.usageBased };
}
