// Every container image the platform makes a node pull, read from the plan and the rendered charts
// (tools/references.ts worldOf), never from a list: pod specs (the program's, the charts', the
// templates in ConfigMaps), the images custom resources name, and those operators choose at run time
// from what the plan gives them (operator settings, CR versions). Read by test/images.test.ts only.
import { isPlainObject } from "../lib/validate";
import { POD_KINDS, containersOf, podSpecOf } from "./pod-spec";
import type { WorldObject } from "./references";

export interface ImageUse {
    image: string;
    /** pull: a node pulls it; build-base: a Dockerfile's FROM (Kaniko pulls it); push: a build's output. */
    use: "pull" | "build-base" | "push";
    where: string;
}

const str = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/** `repo[:tag][@digest]` → its parts (the registry's port is part of the repository). */
export function parseImage(ref: string): { repository: string; tag?: string; digest?: string } {
    const [name, digest] = ref.split("@");
    const slash = name.lastIndexOf("/");
    const colon = name.lastIndexOf(":");
    return colon > slash ? { repository: name.slice(0, colon), tag: name.slice(colon + 1), digest } : { repository: name, digest };
}

/** The container images of a pod spec (init, regular and ephemeral containers). */
export function podSpecImages(ps: Record<string, any> | undefined): string[] {
    return containersOf(ps, ["initContainers", "containers", "ephemeralContainers"])
        .map((c) => c.image)
        .filter(str);
}

/** `version=image` lines of a Strimzi operator map (STRIMZI_KAFKA_IMAGES and its siblings). */
function versionMap(text: unknown): Map<string, string> {
    const m = new Map<string, string>();
    for (const line of str(text) ? text.split("\n") : []) {
        const i = line.indexOf("=");
        if (i > 0) m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
    }
    return m;
}

/** The Strimzi cluster operator's environment, from its rendered Deployment (the chart's 060-Deployment). */
function strimziOperatorEnv(world: WorldObject[]): Map<string, string> | undefined {
    const op = world.find((o) => o.kind === "Deployment" && podSpecImages(podSpecOf(o.kind, o.body.spec)).some((i) => /\/strimzi\/operator[:@]/.test(i)));
    if (!op) return undefined;
    const env = new Map<string, string>();
    for (const c of containersOf(podSpecOf(op.kind, op.body.spec))) for (const e of c.env ?? []) if (str(e.value)) env.set(e.name, e.value);
    return env;
}

/**
 * ECK's default images: `docker.elastic.co/<elasticsearch|kibana>/<name>:<version>` when the resource
 * names none (elastic/cloud-on-k8s pkg/controller/common/container/container.go, DefaultContainerRegistry
 * and ImageRepository).
 */
const ECK_DEFAULT: Record<string, string> = { Elasticsearch: "elasticsearch/elasticsearch", Kibana: "kibana/kibana" };

export function imageUses(world: WorldObject[]): ImageUse[] {
    const out: ImageUse[] = [];
    const add = (image: unknown, use: ImageUse["use"], o: WorldObject, what: string) => {
        if (str(image)) out.push({ image: image.trim(), use, where: `${o.kind} ${o.namespace ?? ""}/${o.name} ${what} (${o.origin})` });
    };
    const strimzi = strimziOperatorEnv(world);
    if (strimzi) {
        const op = { kind: "Deployment", namespace: null, name: "strimzi-cluster-operator", origin: "its environment" } as unknown as WorldObject;
        // Images the operator starts itself: entity operators, init containers, builds, exporters.
        for (const [k, v] of strimzi) if (/^STRIMZI_DEFAULT_.*(IMAGE|BUILDER)$/.test(k)) add(v, "pull", op, k);
    }
    for (const o of world) {
        const spec = o.body.spec ?? {};
        if (POD_KINDS.includes(o.kind)) for (const i of podSpecImages(podSpecOf(o.kind, spec))) add(i, "pull", o, "container");
        switch (o.kind) {
            case "SparkApplication":
                // The driver's and executors' own image fields override spec.image (SparkApplicationSpec).
                for (const role of ["driver", "executor"]) add(spec[role]?.image ?? spec.image, "pull", o, role);
                break;
            case "Kafka":
                add(spec.kafka?.image ?? versionMap(strimzi?.get("STRIMZI_KAFKA_IMAGES")).get(spec.kafka?.version), "pull", o, "brokers");
                break;
            case "KafkaConnect": {
                const base = spec.image ?? versionMap(strimzi?.get("STRIMZI_KAFKA_CONNECT_IMAGES")).get(spec.version);
                add(base, spec.build ? "build-base" : "pull", o, spec.build ? "build base" : "workers");
                if (spec.build) add(spec.build.output?.image, "push", o, "build output");
                break;
            }
            case "Elasticsearch":
            case "Kibana":
                add(spec.image ?? `docker.elastic.co/${ECK_DEFAULT[o.kind]}:${spec.version}`, "pull", o, "nodes");
                break;
            case "Prometheus":
            case "Alertmanager":
                add(spec.image, "pull", o, "server");
                break;
            case "Superset":
                if (isPlainObject(spec.image)) add(`${spec.image.repository}:${spec.image.tag}`, "pull", o, "every component");
                else add(spec.image, "pull", o, "every component");
                break;
            case "ConfigMap":
                // A Dockerfile a Kaniko Job builds: its FROM lines.
                for (const [key, text] of Object.entries(o.body.data ?? {}))
                    if (/(^|\/)Dockerfile$/.test(key) && str(text)) for (const m of text.matchAll(/^FROM\s+(\S+)/gim)) add(m[1], "build-base", o, key);
                break;
        }
        // The Prometheus operator injects its config reloader into every Prometheus and Alertmanager pod.
        if (o.kind === "Deployment")
            for (const c of containersOf(podSpecOf(o.kind, spec)))
                for (const a of c.args ?? []) if (str(a) && a.startsWith("--prometheus-config-reloader=")) add(a.split("=")[1], "pull", o, "config reloader");
    }
    return out;
}
