// What the program asks of the cluster (pods, persistent volumes, load balancers), and what one
// Kubernetes object asks: a core workload, claim or Service (the program's own or one a chart
// renders), a pod template held in a ConfigMap, a Spark application. workloads.ts walks the plan.
import * as YAML from "yaml";
import { CapacityTable } from "./node-capacity";
import { getPath } from "../../lib/plan-resource";
import { cpuMillis, jvmMemoryMiB, memoryMiB, storageGiB } from "../../lib/quantities";
import { isPlainObject } from "../../lib/validate";
import { CAPACITY_TYPE_LABEL } from "../../platform/karpenter/nodepools";
import { requestedPool, requestedValue } from "../scheduling";
import { POD_KINDS, containerNames, containersOf, podSpecOf } from "../pod-spec";

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
    /** Replicas must run on distinct nodes (a hard zone or host spread, or required host anti-affinity). */
    spread?: boolean;
}

/** The pool a pod spec selects (with ":on-demand" when it also asks for on-demand capacity), if any. */
export function poolOf(ps: unknown): string | undefined {
    if (!isPlainObject(ps)) return undefined;
    const pool = requestedPool(ps);
    if (!pool) return undefined;
    return requestedValue(ps, CAPACITY_TYPE_LABEL) === "on-demand" ? `${pool}:on-demand` : pool;
}

/**
 * Whether a pod spec keeps its replicas on distinct nodes: a `DoNotSchedule` topology spread over
 * zones or hosts (maxSkew 1), or a required pod anti-affinity on the host.
 */
export function spreadOf(ps: unknown): boolean {
    if (!isPlainObject(ps)) return false;
    const hard = (Array.isArray(ps.topologySpreadConstraints) ? ps.topologySpreadConstraints : []).some(
        (t: unknown) =>
            isPlainObject(t) &&
            t.whenUnsatisfiable === "DoNotSchedule" &&
            Number(t.maxSkew ?? 1) === 1 &&
            ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].includes(String(t.topologyKey)),
    );
    const anti = getPath(ps, "affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution");
    return hard || (Array.isArray(anti) && anti.some((a: unknown) => isPlainObject(a) && a.topologyKey === "kubernetes.io/hostname"));
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

export function requestsOf(resources: unknown): { cpuMillis: number; memoryMiB: number } | undefined {
    const req = isPlainObject(resources) ? resources.requests : undefined;
    if (!isPlainObject(req)) return undefined;
    const cpu = req.cpu !== undefined && req.cpu !== null ? cpuMillis(req.cpu) : 0;
    const mem = req.memory !== undefined && req.memory !== null ? memoryMiB(req.memory) : 0;
    return cpu === 0 && mem === 0 ? undefined : { cpuMillis: cpu, memoryMiB: mem };
}

/** A PodSpec's effective requests: max(sum of containers, largest init container). */
export function podSpecRequests(spec: Record<string, unknown>): { cpuMillis: number; memoryMiB: number } {
    const sum = { cpuMillis: 0, memoryMiB: 0 };
    for (const c of containersOf(spec)) {
        const r = requestsOf(c.resources);
        if (r) {
            sum.cpuMillis += r.cpuMillis;
            sum.memoryMiB += r.memoryMiB;
        }
    }
    for (const c of containersOf(spec, ["initContainers"])) {
        const r = requestsOf(c.resources);
        if (r) {
            sum.cpuMillis = Math.max(sum.cpuMillis, r.cpuMillis);
            sum.memoryMiB = Math.max(sum.memoryMiB, r.memoryMiB);
        }
    }
    return sum;
}

/** A DAG settings file's recurring task pod: `{"pod": {"resources": {...}, "recurring": {"everyMinutes", "pool"}}}`. */
export function recurringTaskPod(text: string): { requests: { cpuMillis: number; memoryMiB: number }; pool: string; note: string } | undefined {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch {
        return undefined;
    }
    const pod = isPlainObject(doc) ? doc.pod : undefined;
    if (!isPlainObject(pod) || !isPlainObject(pod.recurring)) return undefined;
    const requests = requestsOf(pod.resources);
    const { everyMinutes, pool } = pod.recurring;
    if (!requests || typeof everyMinutes !== "number" || typeof pool !== "string") return undefined;
    return { requests, pool, note: `recurring task pod, every ${everyMinutes} min: counted at idle` };
}

/** Whether the AWS load balancer controllers make a Service's load balancer internet-facing. */
export function internetFacing(annotations: Record<string, unknown> | undefined): boolean {
    const scheme = annotations?.["service.beta.kubernetes.io/aws-load-balancer-scheme"];
    const internal = annotations?.["service.beta.kubernetes.io/aws-load-balancer-internal"];
    // Without the scheme annotation the AWS controllers create internet-facing load balancers.
    return scheme ? scheme === "internet-facing" : !(internal === "true" || internal === true);
}

/**
 * The most executors a Spark application runs: with dynamic allocation on (spec.dynamicAllocation,
 * or Spark's own spark.dynamicAllocation.* settings) its maximum, else executor.instances, else
 * spark.executor.instances, else the operator's default. Unbounded dynamic allocation is refused.
 */
export function sparkExecutorPeak(spec: Record<string, unknown>, operatorDefault: number, where: string): number {
    const conf = isPlainObject(spec.sparkConf) ? spec.sparkConf : {};
    const executor = isPlainObject(spec.executor) ? spec.executor : {};
    const dyn = isPlainObject(spec.dynamicAllocation) ? spec.dynamicAllocation : undefined;
    // spec.dynamicAllocation wins over the settings when present (the operator's submission order).
    const enabled = dyn
        ? dyn.enabled === true
        : String(conf["spark.dynamicAllocation.enabled"] ?? "")
              .trim()
              .toLowerCase() === "true";
    if (enabled) {
        const max = dyn ? dyn.maxExecutors : conf["spark.dynamicAllocation.maxExecutors"];
        if (max === undefined || max === null || !Number.isFinite(Number(max)))
            throw new Error(`${where}: dynamic allocation without a maxExecutors: its executors are unbounded, so its capacity cannot be estimated`);
        return Number(max);
    }
    const fixed = executor.instances ?? conf["spark.executor.instances"];
    return fixed === undefined || fixed === "" ? operatorDefault : Number(fixed);
}

export function sparkPods(source: string, spec: Record<string, unknown>, defaults: CapacityTable["operatorDefaults"], out: Workloads, path: string): void {
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
    const instances = sparkExecutorPeak(spec, defaults.sparkExecutor.instances, `${source} ${path}`);
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

/**
 * The pods, volumes and load balancers of one core Kubernetes object (the program's own, or one a
 * chart renders): workloads with their replicas and effective pod requests (sidecars and init
 * containers included), StatefulSet claim templates, PersistentVolumeClaims, LoadBalancer
 * Services, and templates held in ConfigMaps that are launched at run time (a `kind: Pod`, e.g.
 * the KubernetesExecutor's task pod; a SparkApplication a DAG submits). `at(sub)` names a place in it.
 */
/**
 * The config-reloader sidecar the Prometheus operator adds to every Prometheus and Alertmanager pod:
 * its requests are the operator's --config-reloader-cpu-request / --config-reloader-memory-request
 * flags (prometheus-operator cmd/operator/main.go; kube-prometheus-stack renders them from
 * prometheusOperator.prometheusConfigReloader.resources), found among the release's objects.
 */
export function configReloaderRequests(objects: readonly unknown[]): { cpuMillis: number; memoryMiB: number } | undefined {
    for (const o of objects) {
        if (!isPlainObject(o) || o.kind !== "Deployment") continue;
        for (const c of containersOf(podSpecOf(o.kind, o.spec))) {
            const args: string[] = Array.isArray(c.args) ? c.args.map(String) : [];
            const flag = (name: string) => args.find((a) => a.startsWith(`--config-reloader-${name}-request=`))?.split("=")[1];
            const cpu = flag("cpu");
            const mem = flag("memory");
            if (cpu !== undefined || mem !== undefined) return { cpuMillis: cpu ? cpuMillis(cpu) : 0, memoryMiB: mem ? memoryMiB(mem) : 0 };
        }
    }
    return undefined;
}

/**
 * Pods and volumes of the Prometheus operator's kinds (Prometheus, Alertmanager): a StatefulSet of
 * spec.replicas (default 1) pods, each the main container with spec.resources plus the config
 * reloader, and spec.storage.volumeClaimTemplate per replica.
 */
export function prometheusOperatorWorkloads(
    kind: string,
    body: Record<string, unknown>,
    source: string,
    at: (sub: string) => string,
    out: Workloads,
    reloader: { cpuMillis: number; memoryMiB: number } | undefined,
): void {
    if (kind !== "Prometheus" && kind !== "Alertmanager") return;
    const spec = isPlainObject(body.spec) ? body.spec : {};
    const pods = Number(spec.replicas ?? 1);
    const main = requestsOf(spec.resources) ?? { cpuMillis: 0, memoryMiB: 0 };
    out.pods.push({
        source,
        path: at("spec.resources"),
        pods,
        cpuMillis: main.cpuMillis + (reloader?.cpuMillis ?? 0),
        memoryMiB: main.memoryMiB + (reloader?.memoryMiB ?? 0),
        note: `${kind.toLowerCase()} and config-reloader containers (the operator's StatefulSet)`,
    });
    const size = getPath(spec, "storage.volumeClaimTemplate.spec.resources.requests.storage");
    if (size !== undefined)
        out.volumes.push({
            source,
            path: at("spec.storage.volumeClaimTemplate"),
            count: pods,
            sizeGiB: storageGiB(size),
            storageClass: getPath(spec, "storage.volumeClaimTemplate.spec.storageClassName") as string | undefined,
        });
}

export function objectWorkloads(
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
            const spread = spreadOf(ps);
            out.pods.push({
                source,
                path: at("spec"),
                pods,
                ...req,
                perNode: kind === "DaemonSet" || undefined,
                transient: runsOnce || undefined,
                ...(note ? { note } : {}),
                ...(pool ? { pool } : {}),
                ...(spread && pods > 1 ? { spread } : {}),
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
            // A DAG's recurring task pod (its settings' pod.recurring, e.g. pipelines/api's api_users.json):
            // idle demand, since a run every few minutes keeps the pool's node from being consolidated.
            const recurring = typeof text === "string" && key.endsWith(".json") ? recurringTaskPod(text) : undefined;
            if (recurring) {
                out.pods.push({ source, path: at(`data.${key}`), pods: 1, ...recurring.requests, note: recurring.note, pool: recurring.pool });
                continue;
            }
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
