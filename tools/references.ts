// Every name one object uses to reach another must resolve in the cluster `pulumi up` builds:
// the program's own objects, what the charts render, and what controllers create at run time
// (model/runtime-objects.json, one row per controller with its source).
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { isPlainObject } from "../lib/validate";
import type { Captured } from "./harness";
import type { K8sObject } from "./helm";
import type { RenderedRelease } from "./render";
import { POD_KINDS, podSpecOf } from "./pod-spec";

export interface WorldObject {
    kind: string;
    apiVersion: string;
    namespace: string | null;
    /** The name, or for a Pulumi auto-named object the prefix its generated name starts with. */
    name: string;
    autoNamed: boolean;
    /** Secret / ConfigMap keys, where known. */
    keys?: string[];
    origin: string;
    body: Record<string, any>;
    /** For an object of model/runtime-objects.json: its row and object index. */
    runtime?: { row: number; object: number };
}

const CLUSTER_SCOPED = new Set([
    "Namespace",
    "StorageClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "IngressClass",
    "PersistentVolume",
]);

/** Built-in ClusterRoles every cluster has (Kubernetes docs, "Default roles and role bindings"). */
const BUILTIN_CLUSTER_ROLES = /^(cluster-admin|admin|edit|view|system:.+)$/;

interface RuntimeRow {
    forKind?: string;
    forAddon?: string;
    always?: boolean;
    controller: string;
    objects: { kind: string; name: string; keys?: string[]; namespace?: string | null; everyNamespace?: boolean; serviceAccount?: string; when?: string }[];
    source: string;
}

export function runtimeTable(): RuntimeRow[] {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "model", "runtime-objects.json"), "utf8")).rows;
}

function keysOf(kind: string, body: Record<string, any>): string[] | undefined {
    if (kind === "Secret" || kind === "ConfigMap") {
        return [...Object.keys(body.data ?? {}), ...Object.keys(body.stringData ?? {}), ...Object.keys(body.binaryData ?? {})];
    }
    return undefined;
}

/** The Kubernetes object a captured Pulumi resource declares, if it is one. */
export function programObject(r: Captured): WorldObject | undefined {
    const m = /^kubernetes:(?:core\/)?([^:]+):(\w+)$/.exec(r.type);
    if (!m || /^kubernetes:(helm\.sh|yaml)\//.test(r.type) || r.type === "pulumi:providers:kubernetes") return undefined;
    const body = r.rawInputs as Record<string, any>;
    const kind = m[2];
    const named = body.metadata?.name;
    return {
        kind,
        apiVersion: body.apiVersion ?? m[1],
        namespace: CLUSTER_SCOPED.has(kind) ? null : (body.metadata?.namespace ?? "default"),
        name: named ?? `${r.name}-`,
        autoNamed: !named,
        keys: keysOf(kind, body),
        origin: `program ${r.name}`,
        body,
    };
}

function renderedObject(o: K8sObject, rel: RenderedRelease): WorldObject {
    return {
        kind: o.kind,
        apiVersion: o.apiVersion,
        namespace: CLUSTER_SCOPED.has(o.kind) ? null : (o.metadata.namespace ?? rel.namespace),
        name: o.metadata.name,
        autoNamed: false,
        keys: keysOf(o.kind, o),
        origin: `chart ${rel.releaseName} ${o.source ?? ""}`.trim(),
        body: o,
    };
}

/** Everything the cluster will hold: program objects, rendered objects (no hooks of kind test), runtime objects. */
export function worldOf(captured: Captured[], rendered: RenderedRelease[]): WorldObject[] {
    const world: WorldObject[] = [];
    for (const r of captured) {
        const o = programObject(r);
        if (o) world.push(o);
    }
    for (const rel of rendered) {
        for (const o of rel.objects) {
            // Pulumi's Release never runs `helm test` pods.
            if (/(^|,)test(-success)?($|,)/.test(o.metadata.annotations?.["helm.sh/hook"] ?? "")) continue;
            world.push(renderedObject(o, rel));
        }
    }
    world.push(...launchedTemplates(world));
    const namespaces = new Set(world.filter((o) => o.kind === "Namespace").map((o) => o.name));
    for (const [rowIndex, row] of runtimeTable().entries()) {
        const owners: { name: string; namespace: string | null; body: Record<string, any> }[] = [];
        if (row.always) owners.push({ name: "", namespace: null, body: {} });
        if (row.forKind) {
            for (const o of world) if (`${o.apiVersion}/${o.kind}` === row.forKind) owners.push({ name: o.name, namespace: o.namespace, body: o.body });
        }
        if (row.forAddon && captured.some((r) => r.type === "aws:eks/addon:Addon" && (r.rawInputs as any).addonName === row.forAddon)) {
            owners.push({ name: row.forAddon, namespace: null, body: {} });
        }
        for (const owner of owners) {
            for (const [objectIndex, t] of row.objects.entries()) {
                if (t.when && t.when.split(".").reduce<any>((v, k) => v?.[k], owner.body) === undefined) continue;
                const nss = t.everyNamespace ? [...namespaces, "default", "kube-system"] : [t.namespace !== undefined ? t.namespace : owner.namespace];
                for (const ns of nss) {
                    world.push({
                        kind: t.kind,
                        apiVersion: t.kind === "Namespace" ? "v1" : "",
                        namespace: t.kind === "Namespace" ? null : (ns ?? null),
                        name: t.name.replace("{name}", owner.name),
                        autoNamed: false,
                        keys: t.keys,
                        origin: `runtime: ${row.controller}`,
                        runtime: { row: rowIndex, object: objectIndex },
                        body: t.serviceAccount ? { spec: { serviceAccountName: t.serviceAccount.replace("{name}", owner.name) } } : {},
                    });
                }
            }
        }
    }
    return world;
}

/**
 * Objects that exist only as templates in a ConfigMap and are created at run time: the
 * KubernetesExecutor's pod template, and the SparkApplications the batch DAG submits.
 */
export function launchedTemplates(world: WorldObject[]): WorldObject[] {
    const out: WorldObject[] = [];
    for (const cm of world.filter((o) => o.kind === "ConfigMap")) {
        for (const [key, text] of Object.entries({ ...(cm.body.data ?? {}) })) {
            if (typeof text !== "string" || !/^(apiVersion|kind):/m.test(text)) continue;
            let doc: any;
            try {
                doc = YAML.parse(text);
            } catch {
                continue;
            }
            if (!isPlainObject(doc) || !["Pod", "SparkApplication"].includes(doc.kind as string)) continue;
            out.push({
                kind: doc.kind as string,
                apiVersion: String(doc.apiVersion),
                namespace: (doc.metadata as any)?.namespace ?? cm.namespace,
                name: (doc.metadata as any)?.name ?? key,
                autoNamed: false,
                origin: `template ${key} in ConfigMap ${cm.namespace}/${cm.name} (${cm.origin})`,
                body: doc,
            });
        }
    }
    return out;
}

export interface Reference {
    from: string;
    kind: string;
    namespace: string | null;
    name: string;
    key?: string;
    optional?: boolean;
}

function named(o: WorldObject, kind: string, namespace: string | null, name: string): boolean {
    return (
        o.kind === kind &&
        (o.namespace === namespace || CLUSTER_SCOPED.has(kind)) &&
        (o.autoNamed ? name.startsWith(o.name) && name.length > o.name.length : o.name === name)
    );
}

function find(world: WorldObject[], kind: string, namespace: string | null, name: string): WorldObject | undefined {
    return world.find((o) => named(o, kind, namespace, name));
}

const refNamespace = (r: Reference) => (r.kind === "Namespace" || r.kind === "StorageClass" || r.kind === "ClusterRole" ? null : r.namespace);

/** Pulumi resources that resolve an auto-name under mocks give `<name>-<hex>`: match it to its prefix. */
function nsOf(o: WorldObject): string {
    return o.namespace ?? "default";
}

// A plain-object test that does not narrow `any` fields (isPlainObject is a type guard).
const isObj = (x: unknown): boolean => isPlainObject(x);

/** Walks any object (pod spec, custom resource spec, chart object) for the references it makes. */
export function referencesOf(o: WorldObject): Reference[] {
    const refs: Reference[] = [];
    const ns = nsOf(o);
    const from = `${o.kind}/${o.name} (${o.origin})`;
    const add = (r: Omit<Reference, "from">) => refs.push({ from, ...r });
    const walk = (node: unknown, key: string | undefined): void => {
        if (Array.isArray(node)) return node.forEach((x) => walk(x, key));
        if (typeof node === "string") {
            // Strimzi's KubernetesSecretConfigProvider: ${secrets:<namespace>/<name>:<key>}
            for (const m of node.matchAll(/\$\{secrets:([^/}]+)\/([^:}]+):([^}]+)\}/g)) add({ kind: "Secret", namespace: m[1], name: m[2], key: m[3] });
            return;
        }
        if (!isPlainObject(node)) return;
        const v = node as Record<string, any>;
        if (isObj(v.secretKeyRef) && v.secretKeyRef.name)
            add({ kind: "Secret", namespace: ns, name: v.secretKeyRef.name, key: v.secretKeyRef.key, optional: !!v.secretKeyRef.optional });
        if (isObj(v.configMapKeyRef) && v.configMapKeyRef.name)
            add({ kind: "ConfigMap", namespace: ns, name: v.configMapKeyRef.name, key: v.configMapKeyRef.key, optional: !!v.configMapKeyRef.optional });
        if (key === "envFrom") {
            if (isObj(v.secretRef)) add({ kind: "Secret", namespace: ns, name: v.secretRef.name, optional: !!v.secretRef.optional });
            if (isObj(v.configMapRef)) add({ kind: "ConfigMap", namespace: ns, name: v.configMapRef.name, optional: !!v.configMapRef.optional });
        }
        // Volumes (pod spec or projected sources).
        if (isObj(v.secret) && typeof v.secret.secretName === "string") {
            for (const item of (v.secret.items ?? []) as { key: string }[])
                add({ kind: "Secret", namespace: ns, name: v.secret.secretName, key: item.key, optional: !!v.secret.optional });
            if (!v.secret.items) add({ kind: "Secret", namespace: ns, name: v.secret.secretName, optional: !!v.secret.optional });
        }
        if (isObj(v.configMap) && typeof v.configMap.name === "string") {
            for (const item of (v.configMap.items ?? []) as { key: string }[])
                add({ kind: "ConfigMap", namespace: ns, name: v.configMap.name, key: item.key, optional: !!v.configMap.optional });
            if (!v.configMap.items) add({ kind: "ConfigMap", namespace: ns, name: v.configMap.name, optional: !!v.configMap.optional });
        }
        if (isObj(v.persistentVolumeClaim) && v.persistentVolumeClaim.claimName)
            add({ kind: "PersistentVolumeClaim", namespace: ns, name: v.persistentVolumeClaim.claimName });
        if (typeof v.serviceAccountName === "string" && v.serviceAccountName) add({ kind: "ServiceAccount", namespace: ns, name: v.serviceAccountName });
        if (typeof v.storageClassName === "string" && v.storageClassName) add({ kind: "StorageClass", namespace: null, name: v.storageClassName });
        if (Array.isArray(v.imagePullSecrets)) for (const s of v.imagePullSecrets) if (s?.name) add({ kind: "Secret", namespace: ns, name: s.name });
        for (const [k, x] of Object.entries(v)) walk(x, k);
    };
    walk(o.body.spec ?? {}, undefined);

    // Fields that name objects without a generic shape.
    const spec = o.body.spec ?? {};
    if (o.kind === "SparkApplication") {
        for (const role of ["driver", "executor"]) {
            const sa = spec[role]?.serviceAccount;
            if (sa) add({ kind: "ServiceAccount", namespace: ns, name: sa });
        }
    }
    if (o.kind === "KafkaNodePool" || o.kind === "Kafka") {
        const storages = [spec.storage, ...((spec.storage?.volumes ?? []) as unknown[])].filter(isPlainObject);
        for (const s of storages) if (typeof s.class === "string") add({ kind: "StorageClass", namespace: null, name: s.class });
    }
    if (o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding") {
        for (const s of (o.body.subjects ?? []) as { kind: string; name: string; namespace?: string }[]) {
            if (s.kind === "ServiceAccount") add({ kind: "ServiceAccount", namespace: s.namespace ?? ns, name: s.name });
        }
        const rr = o.body.roleRef ?? {};
        if (rr.kind === "Role") add({ kind: "Role", namespace: ns, name: rr.name });
        if (rr.kind === "ClusterRole" && !BUILTIN_CLUSTER_ROLES.test(rr.name)) add({ kind: "ClusterRole", namespace: null, name: rr.name });
    }
    if (o.namespace !== null && o.kind !== "Namespace") add({ kind: "Namespace", namespace: null, name: ns });
    return refs;
}

export interface Unresolved extends Reference {
    problem: string;
}

/** References that do not resolve: a missing object, or a missing key of a Secret/ConfigMap. */
export function unresolved(world: WorldObject[]): Unresolved[] {
    const out: Unresolved[] = [];
    for (const o of world) {
        if (o.origin.startsWith("runtime:")) continue;
        for (const r of referencesOf(o)) {
            if (r.optional) continue;
            const target = find(world, r.kind, refNamespace(r), r.name);
            if (!target) {
                out.push({ ...r, problem: `no ${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}` });
                continue;
            }
            if (r.key !== undefined && target.keys && !target.keys.includes(r.key)) {
                out.push({ ...r, problem: `${r.kind} ${r.namespace}/${r.name} (${target.origin}) has no key ${r.key}; it has ${target.keys.join(", ")}` });
            }
        }
    }
    return out;
}

/** The pod spec a core workload declares (tools/pod-spec.ts); an empty one for a workload without it. */
export function workloadPodSpec(o: WorldObject): Record<string, any> | undefined {
    return POD_KINDS.includes(o.kind) ? (podSpecOf(o.kind, o.body.spec) ?? {}) : undefined;
}

/** The service account each pod-running object's pods use (default: "default"). */
export function podServiceAccounts(world: WorldObject[]): { namespace: string; serviceAccount: string; from: string }[] {
    const out: { namespace: string; serviceAccount: string; from: string }[] = [];
    for (const o of world) {
        const spec = o.body.spec ?? {};
        const ps = workloadPodSpec(o);
        if (ps) out.push({ namespace: nsOf(o), serviceAccount: ps.serviceAccountName ?? "default", from: `${o.kind}/${o.name} (${o.origin})` });
        if (o.kind === "SparkApplication") {
            for (const role of ["driver", "executor"])
                out.push({ namespace: nsOf(o), serviceAccount: spec[role]?.serviceAccount ?? "default", from: `SparkApplication/${o.name} ${role}` });
        }
    }
    return out;
}

/**
 * Rows of model/runtime-objects.json that match nothing in any of the worlds (one per plan): a
 * row whose owner (kind, add-on) no plan has would otherwise silently declare nothing. Object by
 * object, "used" is not decidable from references alone (a Service reached by a URL string, the
 * default service account), so the check is per row.
 */
export function unusedRuntimeRows(plans: { captured: Captured[]; world: WorldObject[] }[], table = runtimeTable()): string[] {
    const owned = (row: RuntimeRow) =>
        row.always === true ||
        plans.some(
            (p) =>
                (row.forKind !== undefined && p.world.some((o) => !o.runtime && `${o.apiVersion}/${o.kind}` === row.forKind)) ||
                (row.forAddon !== undefined && p.captured.some((r) => r.type === "aws:eks/addon:Addon" && (r.rawInputs as any).addonName === row.forAddon)),
        );
    return table.flatMap((row, i) =>
        owned(row) ? [] : [`row ${i} (${row.forKind ?? row.forAddon ?? "always"}, ${row.controller}): no plan has what it is for`],
    );
}
