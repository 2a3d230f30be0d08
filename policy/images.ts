// Supply chain: images by digest. A tag can be moved to other bytes at any time; a digest cannot.
import { label, stackRule } from "./config";
import { podScope } from "./kubernetes";
import { UNKNOWN, isObj, read, walk } from "./props";

/**
 * Images still pulled by tag because no upstream file at a pinned ref gives their digest
 * (`repository:tag` → why). test/images.test.ts keeps this list from growing: an entry no plan
 * pulls by tag any more, or one that has a digest in versions.ts, fails it. docs/security.md
 * names each under "Known gaps".
 */
const DOCKER_HUB = "a Docker Hub tag: no file of the image's project at a pinned ref publishes its digest, and no registry is reachable here";
const CHART_DEFAULT = "the chart's default tag: neither the chart at its tag nor the project's repository records the digest of that tag";
export const TAG_ONLY_EXCEPTIONS: Readonly<Record<string, string>> = {
    "apache/airflow:3.1.7": DOCKER_HUB,
    "apache/spark:4.0.1-scala2.13-java17-python3-ubuntu": DOCKER_HUB,
    "apache/superset:6.1.0": `${DOCKER_HUB} (the base of the Superset image Kaniko builds)`,
    "postgres:17.6-alpine": `${DOCKER_HUB} (docker-library/repo-info records official images' digests, but not this tag)`,
    "trinodb/trino:480": DOCKER_HUB,
    "bitnamilegacy/jmx-exporter:1.4.0": `${DOCKER_HUB} (the Trino chart's JMX exporter default)`,
    "docker.io/grafana/grafana:13.2.0": CHART_DEFAULT,
    "quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0": "quay.io tag: the exporter's repository (Makefile, release workflow) publishes no digest",
    "public.ecr.aws/karpenter/controller:1.14.1":
        "the published chart pins it, but no file of aws/karpenter-provider-aws at v1.14.1 records it (../shared/charts/SOURCES.md); controller.image.digest is ready for it",
    "public.ecr.aws/eks/aws-load-balancer-controller:v3.5.0": CHART_DEFAULT,
    "docker.elastic.co/eck/eck-operator:3.5.0":
        "OperatorHub's community bundle 3.5.0 names the tag only (elastic-cloud-eck.clusterserviceversion.yaml relatedImages); the chart's image.digest is ready for it",
    "docker.elastic.co/elasticsearch/elasticsearch:8.19.7": "ECK's default for the version (the resource names no image); Elastic publishes no digest file",
    "docker.elastic.co/kibana/kibana:8.19.7": "ECK's default for the version (the resource names no image); Elastic publishes no digest file",
    "ghcr.io/kubeflow/spark-operator/controller:2.5.2": CHART_DEFAULT,
    "ghcr.io/apache/superset-kubernetes-operator:0.2.0": CHART_DEFAULT,
    "quay.io/prometheus-operator/prometheus-operator:v0.93.1": CHART_DEFAULT,
    "quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1": CHART_DEFAULT,
    "quay.io/prometheus/prometheus:v3.14.0-distroless": CHART_DEFAULT,
    "quay.io/prometheus/alertmanager:v0.34.0": CHART_DEFAULT,
    "quay.io/prometheus/statsd-exporter:v0.28.0": CHART_DEFAULT,
    "quay.io/kiwigrid/k8s-sidecar:2.10.1": CHART_DEFAULT,
    "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0": CHART_DEFAULT,
};

export interface ImageRef {
    path: string;
    /** `repository[:tag][@digest]`, or UNKNOWN while the engine does not know it. */
    image: string | typeof UNKNOWN;
    /** A build's output (KafkaConnect spec.build.output.image): pushed, never pulled by tag. */
    push?: boolean;
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;
const ECR = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/([^:@]+)/;
const str = (v: unknown): v is string => typeof v === "string" && v !== "";

/** `{registry?, repository | name, tag?, digest? | sha?}`, Helm charts' image maps (Trino, Karpenter, Superset CRs). */
function imageMap(v: Record<string, unknown>): string | typeof UNKNOWN | undefined {
    const parts = ["registry", "repository", "name", "tag", "digest", "sha"].map((k) => read(v, k));
    if (parts.includes(UNKNOWN)) return UNKNOWN;
    const [registry, repository, name, tag, digest, sha] = parts as (string | undefined)[];
    const d = str(digest) ? digest : str(sha) ? (sha.startsWith("sha256:") ? sha : `sha256:${sha}`) : undefined;
    const repo = [registry, repository, name].filter(str).join("/");
    if (!repo && !d && !str(tag)) return undefined;
    return `${repo || "(the chart's repository)"}${str(tag) ? `:${tag}` : ""}${d ? `@${d}` : ""}`;
}

/**
 * Every image reference under `root` the pack can see: `image` fields (strings or Helm-style maps),
 * `initContainers`/`containers` included, Airflow's defaultAirflowRepository/Tag/Digest.
 */
export function imageReferences(root: unknown): ImageRef[] {
    const out: ImageRef[] = [];
    walk(root, (holder, key, value, path) => {
        if (key === "image") {
            if (value === UNKNOWN || value === "[unknown]") out.push({ path, image: UNKNOWN });
            else if (str(value)) out.push({ path, image: value.trim(), push: /\.build\.output\.image$/.test(path) });
            else if (isObj(value)) {
                const ref = imageMap(value);
                if (ref !== undefined) out.push({ path, image: ref });
            }
        }
        if (key === "defaultAirflowRepository") {
            const tag = read(holder, "defaultAirflowTag");
            const digest = read(holder, "defaultAirflowDigest");
            if (value === UNKNOWN || tag === UNKNOWN || digest === UNKNOWN) out.push({ path, image: UNKNOWN });
            else if (str(value)) out.push({ path, image: `${value}${str(tag) ? `:${tag}` : ""}${str(digest) ? `@${digest}` : ""}` });
        }
    });
    return out;
}

/** Why an image reference is refused, given the stack's ECR repositories (name → tag mutability). */
export function imageProblem(ref: ImageRef, ecr: ReadonlyMap<string, string>): string | undefined {
    if (ref.image === UNKNOWN) return undefined;
    const repo = ECR.exec(ref.image)?.[1];
    if (repo !== undefined) {
        const mutability = ecr.get(repo);
        if (mutability === undefined) return `${ref.image}: an ECR repository this stack does not create`;
        return mutability === "IMMUTABLE" ? undefined : `${ref.image}: ECR repository ${repo} lets its tags move (imageTagMutability ${mutability})`;
    }
    if (ref.push) return `${ref.image}: a build pushes outside this stack's ECR repositories`;
    if (DIGEST.test(ref.image)) return undefined;
    if (TAG_ONLY_EXCEPTIONS[ref.image]) return undefined;
    return `${ref.image}: by tag only (a tag can be moved to other bytes); name it as <repository>:<tag>@sha256:<digest>`;
}

export const k8sImagesByDigest = stackRule({
    name: "k8s-images-by-digest",
    description:
        "Every container image in pod specs, custom resources and Helm values is named by digest, or is an image built into an ECR repository of the stack whose tags are immutable, or is a listed exception.",
    tags: ["kubernetes", "supply-chain"],
    check: (args, report) => {
        const ecr = new Map<string, string>();
        for (const r of args.resources)
            if (r.type === "aws:ecr/repository:Repository") {
                const name = read(r.props, "name");
                if (str(name)) ecr.set(name, String(read(r.props, "imageTagMutability") ?? "MUTABLE"));
            }
        for (const r of args.resources) {
            // Where images live is where pod settings live: workloads, custom resources, Helm values.
            const scope = podScope(r);
            if (scope === undefined) continue;
            for (const ref of imageReferences(scope)) {
                const why = imageProblem(ref, ecr);
                if (why) report(`${label(r)}: ${ref.path}: ${why}.`, r.urn);
            }
        }
    },
});
