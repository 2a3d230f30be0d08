// A model of what `pulumi up` and `pulumi destroy` do with the plan: the engine's dependency
// graph, Pulumi's awaits and timeouts, Helm's hooks, and what controllers must still be running
// to finish a deletion (model/controllers.json, one sourced row each).
import * as fs from "fs";
import * as path from "path";
import { durationEntry, DurationTable } from "./estimate/durations";
import { EstResource, getPath } from "../lib/plan-resource";
import { isPlainObject } from "../lib/validate";
import { criticalPath, NODE_GROUP_TYPES } from "./estimate/graph";
import { Graph } from "./graph";
import { loadTables } from "./estimate/tables";
import { POD_KINDS, containersOf, podSpecOf } from "./pod-spec";
import type { Captured } from "./harness";
import type { K8sObject } from "./helm";
import { RELEASE_TYPE, RenderedRelease } from "./render";

const ROOT = path.resolve(__dirname, "..");

/** A row of model/controllers.json podRunningResources. */
export interface PodRunningRow {
    kind: string;
    waitFor: string[];
    source: string;
    /** What the operator sets instead when the object runs one node (`count`: "spec.<list>[].<field>", summed). */
    singleNode?: { count: string; waitFor: string; source: string };
}

/** The sum of the counts `path` ("spec.<list>[].<field>") names in an object's spec. */
export function countAt(path: string, spec: unknown): number {
    const m = /^spec\.(\w+)\[\]\.(\w+)$/.exec(path);
    if (!m) throw new Error(`count path ${path}; allowed: spec.<list>[].<field>`);
    const list = (spec as Record<string, unknown> | undefined)?.[m[1]];
    return (Array.isArray(list) ? list : []).reduce((n: number, item) => n + Number((item as Record<string, unknown> | undefined)?.[m[2]] ?? 0), 0);
}

/** The conditions an object of the row may be awaited on: the single-node one alone when it runs one node. */
export function allowedWaitFors(row: PodRunningRow, spec: unknown): string[] {
    return row.singleNode && countAt(row.singleNode.count, spec) === 1 ? [row.singleNode.waitFor] : row.waitFor;
}

/** A row of model/controllers.json destroy: who must still run to finish an object's deletion. */
export interface DestroyRow {
    kind: string;
    finalizer: string | null;
    /** The custom resource whose operator finishes the deletion, found by `match`. */
    removedBy?: string;
    /** How an object names its owner: its label `label` equals the owner's `equalsOwner` field. */
    match?: { label: string; equalsOwner: string; sameNamespace: boolean };
    /** The chart (versions.ts key) whose controller finishes the deletion. */
    removedByChart?: string;
    source: string;
}

export interface ControllerTable {
    pulumiAwait: { releaseDefaultTimeoutSeconds: number; objectDefaultTimeoutSeconds: number };
    awaitedKinds: string[];
    readinessInsideCharts: { chart: string; initContainer: string; waitsForJob: string; source: string }[];
    podRunningResources: PodRunningRow[];
    destroy: DestroyRow[];
    volumes: { csiAddon: string; source: string };
    karpenterNodes: { kinds: string[]; controllerChart: string; outlivedBy: string[]; source: string };
    loadBalancers: {
        controllerChart: string;
        source: string;
        /** Custom resources whose operator creates a LoadBalancer Service when the field at `path` ("a.b[].c") equals `equals`. */
        fromCustomResources: { kind: string; path: string; equals: string; source: string }[];
    };
}

export function controllerTable(): ControllerTable {
    return JSON.parse(fs.readFileSync(path.join(ROOT, "model", "controllers.json"), "utf8"));
}

/** The duration table, from the estimator's one loader. */
export function durationTable(): DurationTable {
    return loadTables().durations;
}

// ---- what is awaited on `up` ----

const annotations = (r: Captured): Record<string, string> => ((r.rawInputs as any)?.metadata?.annotations ?? {}) as Record<string, string>;

function kindKey(type: string): string | undefined {
    if (/^kubernetes:(helm\.sh|yaml)\//.test(type)) return undefined;
    const m = /^kubernetes:(?:core\/)?([^:]+):(\w+)$/.exec(type);
    return m ? `${m[1]}/${m[2]}` : undefined;
}

export interface Awaited {
    resource: Captured;
    /** Seconds Pulumi waits before it fails the update. */
    timeoutSeconds: number;
    why: string;
}

/** Objects `pulumi up` waits on, with the timeout Pulumi applies to each. */
export function awaitedObjects(captured: Captured[], table = controllerTable()): Awaited[] {
    const out: Awaited[] = [];
    const podKinds = new Set(table.podRunningResources.map((p) => p.kind));
    for (const r of captured) {
        const custom = r.customTimeouts?.create ? parseDuration(r.customTimeouts.create) : undefined;
        if (r.type === RELEASE_TYPE) {
            const inp = r.rawInputs as any;
            if (inp.skipAwait) continue;
            out.push({ resource: r, timeoutSeconds: inp.timeout > 0 ? inp.timeout : table.pulumiAwait.releaseDefaultTimeoutSeconds, why: "helm --wait" });
            continue;
        }
        const k = kindKey(r.type);
        if (!k) continue;
        const a = annotations(r);
        if (a["pulumi.com/skipAwait"] === "true") continue;
        const awaited = table.awaitedKinds.includes(k) || a["pulumi.com/waitFor"] !== undefined;
        if (!awaited) continue;
        // customTimeouts first, then a whole-number annotation (strconv.Atoi), else the default:
        // pulumi-kubernetes provider/pkg/metadata/overrides.go:49-66 TimeoutDuration (the tree cited in model/controllers.json).
        const annotated = /^[+-]?\d+$/.test(a["pulumi.com/timeoutSeconds"] ?? "") ? Number(a["pulumi.com/timeoutSeconds"]) : undefined;
        const timeout = custom || (annotated ?? table.pulumiAwait.objectDefaultTimeoutSeconds);
        out.push({ resource: r, timeoutSeconds: timeout, why: podKinds.has(k) ? `waitFor ${a["pulumi.com/waitFor"]}` : `${k} readiness` });
    }
    return out;
}

export function parseDuration(s: string): number {
    let total = 0;
    for (const m of s.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)) total += Number(m[1]) * { h: 3600, m: 60, s: 1 }[m[2] as "h" | "m" | "s"];
    return total;
}

/** Does the object need a node to become ready (pods), per the duration table? */
export function needsPods(r: Captured, durations = durationTable()): boolean {
    return durationEntry(r as unknown as EstResource, durations).needsNodes;
}

export interface UpTiming {
    resource: Captured;
    /** Minutes after `up` starts when Pulumi starts creating (and awaiting) it. */
    start: number;
    /** When the plan's node groups are ready. */
    nodesReady: number;
    /** Modelled minutes to ready once a node exists (upper end of the table's range). */
    readyMinutes: number;
    /** The wait Pulumi needs: time without nodes plus time to ready. */
    neededSeconds: number;
    timeoutSeconds: number;
}

/** For each awaited object: when its wait starts, and how long it must last. */
export function upTimings(captured: Captured[], durations = durationTable(), table = controllerTable()): UpTiming[] {
    const est = captured as unknown as EstResource[];
    const cp = criticalPath(est, durations);
    const nodeGroups = captured.filter((r) => NODE_GROUP_TYPES.includes(r.type));
    const nodesReady = Math.max(0, ...nodeGroups.map((n) => cp.schedule[n.urn]?.finish ?? 0));
    const g = new Graph(captured);
    const out: UpTiming[] = [];
    for (const a of awaitedObjects(captured, table)) {
        const r = a.resource;
        // The engine starts a create once its direct waits are done (a component parent: once registered).
        let start = 0;
        for (const w of g.waits(r)) {
            const s = cp.schedule[w.urn];
            if (!s) continue;
            start = Math.max(start, w.until === "registered" ? s.start : s.finish);
        }
        const e = durationEntry(r as unknown as EstResource, durations);
        const entry = e.index >= 0 ? durations.entries[e.index] : undefined;
        const readyMinutes = entry?.range ? entry.range[1] : e.minutes;
        // A NodePool is not awaited: its consumer starts once it exists, then waits inside its own
        // await for Karpenter's first node (the table's NodePool row).
        const pool = captured.find((p) => p.type === NODEPOOL_TYPE && g.waitsFor(r.urn).has(p.urn));
        const launch = pool ? (durations.entries[durationEntry(pool as unknown as EstResource, durations).index]?.range?.[1] ?? 0) : 0;
        const idle = (needsPods(r, durations) ? Math.max(0, nodesReady - start) : 0) + launch;
        out.push({ resource: r, start, nodesReady, readyMinutes, neededSeconds: Math.round((idle + readyMinutes) * 60), timeoutSeconds: a.timeoutSeconds });
    }
    return out;
}

/** Awaited objects that need pods but can start before every node group is ready. */
export function awaitedBeforeNodes(captured: Captured[]): { resource: Captured; missing: string[] }[] {
    const g = new Graph(captured);
    const nodeGroups = captured.filter((r) => NODE_GROUP_TYPES.includes(r.type));
    const out: { resource: Captured; missing: string[] }[] = [];
    for (const a of awaitedObjects(captured)) {
        if (!needsPods(a.resource)) continue;
        const waits = g.waitsFor(a.resource.urn);
        const missing = nodeGroups.filter((n) => !waits.has(n.urn)).map((n) => n.name);
        if (missing.length) out.push({ resource: a.resource, missing });
    }
    return out;
}

/** Awaited releases whose workloads wait for a Job that Helm runs only after the wait: a deadlock. */
export function hookDeadlocks(captured: Captured[], rendered: RenderedRelease[], table = controllerTable()): string[] {
    const awaited = new Set(
        awaitedObjects(captured, table)
            .filter((a) => a.resource.type === RELEASE_TYPE)
            .map((a) => a.resource.urn),
    );
    const out: string[] = [];
    for (const rel of rendered) {
        if (!awaited.has(rel.urn)) continue;
        for (const row of table.readinessInsideCharts.filter((x) => x.chart === rel.chart)) {
            const job = rel.objects.find((o) => o.kind === "Job" && containers(o).some((c) => c.name === row.waitsForJob));
            if (!job) continue;
            const hook = job.metadata.annotations?.["helm.sh/hook"] ?? "";
            if (!/post-(install|upgrade)/.test(hook)) continue;
            const waiting = rel.objects.filter(
                (o) => o !== job && !o.metadata.annotations?.["helm.sh/hook"] && initContainers(o).some((c) => c.name === row.initContainer),
            );
            for (const w of waiting) {
                out.push(
                    `${rel.releaseName}: ${w.kind}/${w.metadata.name} waits (init container ${row.initContainer}) for Job ${job.metadata.name}, a "${hook}" hook that Helm runs only after its wait for ${w.kind}/${w.metadata.name}`,
                );
            }
        }
    }
    return out;
}

const containers = (o: K8sObject): { name?: unknown }[] => containersOf(podSpecOf(o.kind, o.spec));
const initContainers = (o: K8sObject): { name: string }[] => podSpecOf(o.kind, o.spec)?.initContainers ?? [];

// ---- what `destroy` needs ----

export interface DestroyProblem {
    resource: string;
    needs: string;
    why: string;
}

/** Objects that may be deleted after the controller that must finish their deletion. */
export function destroyProblems(captured: Captured[], rendered: RenderedRelease[], table = controllerTable()): DestroyProblem[] {
    const g = new Graph(captured);
    const out: DestroyProblem[] = [];
    const releaseOfChart = (chart: string) =>
        rendered
            .filter((r) => r.chart === chart)
            .map((r) => g.byUrn.get(r.urn)!)
            .filter(Boolean);
    const inputs = (r: Captured) => r.rawInputs as any;

    for (const row of table.destroy) {
        for (const r of captured.filter((c) => kindKey(c.type) === row.kind)) {
            const ns = inputs(r).metadata?.namespace;
            let owners: Captured[] = [];
            if (row.removedBy) {
                if (!row.match) throw new Error(`model/controllers.json destroy row ${row.kind}: removedBy needs a match`);
                const m = row.match;
                const owner = inputs(r).metadata?.labels?.[m.label];
                owners = captured.filter(
                    (c) =>
                        kindKey(c.type) === row.removedBy &&
                        (!m.sameNamespace || inputs(c).metadata?.namespace === ns) &&
                        owner !== undefined &&
                        String(getPath(inputs(c), m.equalsOwner)) === String(owner),
                );
                if (!owners.length)
                    out.push({ resource: r.name, needs: `${row.removedBy} ${ns}/${owner}`, why: `no such resource in the plan; ${row.source}` });
            }
            if (row.removedByChart) {
                owners = releaseOfChart(row.removedByChart);
                if (!owners.length)
                    out.push({ resource: r.name, needs: `the ${row.removedByChart} release`, why: `no such release in the plan; ${row.source}` });
            }
            for (const o of owners) {
                if (!g.outlives(o.urn, r.urn))
                    out.push({ resource: r.name, needs: o.name, why: `${row.finalizer ? `finalizer ${row.finalizer}: ` : ""}${row.source}` });
            }
        }
    }

    // PVC-backed objects: the EBS CSI controller (an add-on on the nodes) deletes their volumes.
    const csi = captured.filter((c) => c.type === "aws:eks/addon:Addon" && inputs(c).addonName === table.volumes.csiAddon);
    const nodeGroups = captured.filter((r) => NODE_GROUP_TYPES.includes(r.type));
    for (const r of captured.filter((c) => makesVolumes(c))) {
        for (const need of [...csi, ...nodeGroups]) {
            if (!g.outlives(need.urn, r.urn))
                out.push({
                    resource: r.name,
                    needs: need.name,
                    why: `its PersistentVolumeClaims' EBS volumes are deleted by the CSI controller: ${table.volumes.source}`,
                });
        }
    }
    for (const rel of rendered) {
        if (!rel.objects.some((o) => o.kind === "PersistentVolumeClaim" || (o.kind === "StatefulSet" && (o.spec?.volumeClaimTemplates ?? []).length))) continue;
        for (const need of [...csi, ...nodeGroups]) {
            if (!g.outlives(need.urn, rel.urn))
                out.push({ resource: rel.resource, needs: need.name, why: `renders PersistentVolumeClaims: ${table.volumes.source}` });
        }
    }

    // Karpenter's NodePools and EC2NodeClass: deleted while the controller runs (it terminates their
    // nodes), before the subnets, NAT, discovery tags and the cluster those nodes live in.
    const k = table.karpenterNodes;
    const kControllers = releaseOfChart(k.controllerChart);
    const kObjects = captured.filter((c) => k.kinds.includes(kindKey(c.type) ?? ""));
    if (kObjects.length && !kControllers.length)
        out.push({ resource: kObjects[0].name, needs: `the ${k.controllerChart} release`, why: `no such release in the plan; ${k.source}` });
    for (const r of kObjects) {
        for (const need of [...kControllers, ...captured.filter((c) => k.outlivedBy.includes(c.type))]) {
            if (!g.outlives(need.urn, r.urn)) out.push({ resource: r.name, needs: need.name, why: k.source });
        }
    }

    // LoadBalancer Services: the controller that deletes the NLB must outlive them.
    const lbControllers = releaseOfChart(table.loadBalancers.controllerChart);
    const services = [...loadBalancerServices(captured, rendered, g), ...loadBalancerResources(captured, table.loadBalancers.fromCustomResources)];
    if (services.length && !lbControllers.length)
        out.push({
            resource: services[0].name,
            needs: `the ${table.loadBalancers.controllerChart} release`,
            why: `no such release in the plan; ${table.loadBalancers.source}`,
        });
    for (const lbc of lbControllers) {
        for (const s of services) {
            if (s.urn !== lbc.urn && !g.outlives(lbc.urn, s.urn)) out.push({ resource: s.name, needs: lbc.name, why: table.loadBalancers.source });
        }
    }
    return out;
}

/** The values at a path such as "spec.kafka.listeners[].type" (`[]`: every element of a list). */
function valuesAt(node: unknown, path: string[]): unknown[] {
    if (!path.length) return [node];
    const [head, ...rest] = path;
    const list = head.endsWith("[]");
    const next = isPlainObject(node) ? node[list ? head.slice(0, -2) : head] : undefined;
    if (list) return Array.isArray(next) ? next.flatMap((x) => valuesAt(x, rest)) : [];
    return next === undefined ? [] : valuesAt(next, rest);
}

/** Custom resources whose operator creates a LoadBalancer Service (model/controllers.json loadBalancers.fromCustomResources). */
export function loadBalancerResources(captured: Captured[], rows: ControllerTable["loadBalancers"]["fromCustomResources"]): Captured[] {
    return captured.filter((c) => rows.some((row) => kindKey(c.type) === row.kind && valuesAt(c.rawInputs, row.path.split(".")).some((v) => v === row.equals)));
}

/** Services (the program's, and releases rendering one) that ask for a load balancer. */
function loadBalancerServices(captured: Captured[], rendered: RenderedRelease[], g: Graph<Captured>): Captured[] {
    return [
        ...captured.filter((c) => c.type === "kubernetes:core/v1:Service" && (c.rawInputs as any).spec?.type === "LoadBalancer"),
        ...rendered.filter((rel) => rel.objects.some((o) => o.kind === "Service" && o.spec?.type === "LoadBalancer")).map((rel) => g.byUrn.get(rel.urn)!),
    ];
}

/** Custom resources (and PVCs) whose controllers create EBS-backed PersistentVolumeClaims. */
export function makesVolumes(r: Captured): boolean {
    const k = kindKey(r.type);
    const spec = (r.rawInputs as any)?.spec ?? {};
    if (k === "v1/PersistentVolumeClaim") return true;
    if (k === "kafka.strimzi.io/v1/KafkaNodePool" || k === "kafka.strimzi.io/v1/Kafka") {
        const s = spec.storage;
        return !!s && (s.type === "persistent-claim" || (s.type === "jbod" && (s.volumes ?? []).some((v: any) => v.type === "persistent-claim")));
    }
    if (k === "elasticsearch.k8s.elastic.co/v1/Elasticsearch") {
        // ECK gives every node set a 1 Gi data claim unless an emptyDir replaces it.
        return (spec.nodeSets ?? []).some((n: any) => !(n.podTemplate?.spec?.volumes ?? []).some((v: any) => v.name === "elasticsearch-data" && v.emptyDir));
    }
    if (k === "apps/v1/StatefulSet") return (spec.volumeClaimTemplates ?? []).length > 0;
    return false;
}

/** Custom resources that run pods but are not awaited on a condition their operator sets. */
export function unawaitedPodResources(captured: Captured[], table = controllerTable()): string[] {
    const out: string[] = [];
    for (const row of table.podRunningResources) {
        for (const r of captured.filter((c) => kindKey(c.type) === row.kind)) {
            const w = annotations(r)["pulumi.com/waitFor"];
            const allowed = allowedWaitFors(row, (r.rawInputs as any)?.spec);
            const source = allowed === row.waitFor ? row.source : row.singleNode!.source;
            if (!w || !allowed.includes(w))
                out.push(
                    `${r.name} (${row.kind}): pulumi.com/waitFor is ${w === undefined ? "unset" : JSON.stringify(w)}; the operator sets ${allowed.join(" or ")} (${source})`,
                );
        }
    }
    return out;
}

// ---- what runs on Karpenter's pools ----

const NODEPOOL_TYPE = "kubernetes:karpenter.sh/v1:NodePool";
/** Whether a resource makes pods: a Helm release, a workload, or a custom resource (operators run them). */
function makesPods(type: string): boolean {
    const core = /^kubernetes:(?:apps|batch|core)\/v1:(\w+)$/.exec(type);
    return type === RELEASE_TYPE || (!!core && POD_KINDS.includes(core[1])) || /^kubernetes:[^:/]+\.[^:/]+\/[^:]+:\w+$/.test(type);
}

/**
 * What selects a Karpenter pool (the pool label in its inputs, a Helm values string included) but
 * does not wait for every NodePool: on `up` its pods would stay pending behind a pool that does not
 * exist yet; on `destroy` the pools could go first, and Karpenter with them, leaving its nodes behind.
 */
export function poolConsumersNotWaiting(captured: Captured[], poolLabel: string): string[] {
    const pools = captured.filter((c) => c.type === NODEPOOL_TYPE);
    if (!pools.length) return [];
    const g = new Graph(captured);
    const karpenter = new Set(captured.filter((c) => c.type === "bdok:platform:Karpenter").flatMap((k) => [k.urn, ...g.descendants(k.urn).map((d) => d.urn)]));
    const out: string[] = [];
    for (const r of captured) {
        if (karpenter.has(r.urn) || !makesPods(r.type) || !JSON.stringify(r.rawInputs ?? {}).includes(poolLabel)) continue;
        const waits = g.waitsFor(r.urn);
        const missing = pools.filter((p) => !waits.has(p.urn)).map((p) => p.name);
        if (missing.length) out.push(`${r.name} (${r.type}) selects a Karpenter pool but does not wait for ${missing.join(", ")}`);
    }
    return out;
}

// ---- the program's choices against the model's facts ----

/**
 * The margin a timeout needs over the modelled wait. The wait is the slow end of a recalled range
 * (estimates/durations.json); a cold image pull or a spot replacement runs past it, and a timeout
 * at the slow end would fail `up` on any slower rollout: a quarter more, and at least two minutes.
 */
export const TIMEOUT_MARGIN = { fraction: 0.25, minSeconds: 120 };

/** The timeout an object needs for a modelled wait of `neededSeconds`. */
export function requiredTimeout(neededSeconds: number): number {
    return neededSeconds + Math.max(TIMEOUT_MARGIN.minSeconds, Math.ceil(neededSeconds * TIMEOUT_MARGIN.fraction));
}

/** Awaited objects whose timeout (the program's) leaves less than the margin over the modelled wait. */
export function shortTimeouts(timings: UpTiming[]): string[] {
    return timings
        .filter((t) => t.timeoutSeconds < requiredTimeout(t.neededSeconds))
        .map(
            (t) =>
                `${t.resource.name}: starts at ${t.start.toFixed(1)} min, nodes at ${t.nodesReady.toFixed(1)}, needs ${t.neededSeconds} s, times out after ${t.timeoutSeconds} s; wants at least ${requiredTimeout(t.neededSeconds)} s`,
        );
}

/** Objects the program awaits on a condition for which the model holds no fact to check it against. */
export function unmodelledAwaits(captured: Captured[], table = controllerTable()): string[] {
    const kinds = new Set(table.podRunningResources.map((r) => r.kind));
    return captured
        .filter((r) => annotations(r)["pulumi.com/waitFor"] !== undefined && !kinds.has(kindKey(r.type) ?? r.type))
        .map(
            (r) =>
                `${r.name} (${kindKey(r.type) ?? r.type}) is awaited on ${annotations(r)["pulumi.com/waitFor"]}, but model/controllers.json has no podRunningResources row for its kind`,
        );
}

/**
 * Rows of the controller table that check nothing in any of the plans: a kind no plan declares, a
 * chart no plan installs, a variant (singleNode) no plan exercises. A row that silently stops
 * matching (renamed, misspelt) would otherwise report nothing.
 */
export function unusedRows(plans: { captured: Captured[]; rendered: RenderedRelease[] }[], table = controllerTable()): string[] {
    const kinds = new Set(plans.flatMap((p) => p.captured.map((c) => kindKey(c.type)).filter((k): k is string => !!k)));
    const charts = new Set(plans.flatMap((p) => p.rendered.map((r) => r.chart as string)));
    const types = new Set(plans.flatMap((p) => p.captured.map((c) => c.type)));
    const out: string[] = [];
    const need = (ok: boolean, what: string) => ok || out.push(what);
    for (const row of table.podRunningResources) {
        const objects = plans.flatMap((p) => p.captured.filter((c) => kindKey(c.type) === row.kind));
        need(objects.length > 0, `podRunningResources ${row.kind}: no plan declares one`);
        if (row.singleNode) {
            const counts = objects.map((o) => countAt(row.singleNode!.count, (o.rawInputs as any)?.spec));
            need(counts.includes(1), `podRunningResources ${row.kind} singleNode: no plan runs a single node`);
            need(
                counts.some((c) => c > 1),
                `podRunningResources ${row.kind} waitFor: no plan runs several nodes`,
            );
        }
    }
    for (const row of table.readinessInsideCharts) {
        const used = plans.some((p) =>
            p.rendered.some(
                (rel) =>
                    rel.chart === row.chart &&
                    rel.objects.some((o) => initContainers(o).some((c) => c.name === row.initContainer)) &&
                    rel.objects.some((o) => o.kind === "Job" && containers(o).some((c) => c.name === row.waitsForJob)),
            ),
        );
        need(used, `readinessInsideCharts ${row.chart}: no rendered release of the chart has init container ${row.initContainer} and Job ${row.waitsForJob}`);
    }
    for (const row of table.destroy) {
        need(kinds.has(row.kind), `destroy ${row.kind}: no plan declares one`);
        if (row.removedBy) need(kinds.has(row.removedBy), `destroy ${row.kind}: removedBy ${row.removedBy}, which no plan declares`);
        if (row.removedByChart) need(charts.has(row.removedByChart), `destroy ${row.kind}: removedByChart ${row.removedByChart}, which no plan installs`);
    }
    const k = table.karpenterNodes;
    for (const kind of k.kinds) need(kinds.has(kind), `karpenterNodes ${kind}: no plan declares one`);
    need(charts.has(k.controllerChart), `karpenterNodes controllerChart ${k.controllerChart}: no plan installs it`);
    for (const t of k.outlivedBy) need(types.has(t), `karpenterNodes outlivedBy ${t}: no plan declares one`);
    need(
        plans.some((p) => p.captured.some((c) => c.type === "aws:eks/addon:Addon" && (c.rawInputs as any).addonName === table.volumes.csiAddon)),
        `volumes csiAddon ${table.volumes.csiAddon}: no plan installs the add-on`,
    );
    need(charts.has(table.loadBalancers.controllerChart), `loadBalancers controllerChart ${table.loadBalancers.controllerChart}: no plan installs it`);
    return out;
}
