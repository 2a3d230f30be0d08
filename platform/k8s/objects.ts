// Kubernetes objects as pure data, shared by every add-on and pipeline: namespace names, container
// resources, custom-resource objects and Role rules. platform/k8s/resources.ts turns them into
// Pulumi resources.
import { ChartName, charts } from "../../versions";

/** Every namespace the platform creates: the one place their names are spelled. */
export const NAMESPACE = {
    sparkOperator: "spark-operator",
    kafka: "kafka",
    airflow: "airflow",
    trino: "trino",
    elastic: "elastic",
    // The RDS master password lives only here, read by the bootstrap Jobs (Airflow's metadata DB,
    // the realtime table and roles). No chart or Role of ours lets any account create pods here, so
    // no workload can mount it (test/secret-isolation.test.ts).
    dbBootstrap: "db-bootstrap",
    superset: "superset",
} as const;
export type NamespaceName = (typeof NAMESPACE)[keyof typeof NAMESPACE];
/** In creation order (the Namespaces component). */
export const NAMESPACES: readonly NamespaceName[] = Object.values(NAMESPACE);

export type PodSecurityLevel = "baseline" | "restricted";

/**
 * The Pod Security standard each namespace the platform creates enforces, and why (Kubernetes
 * docs, "Pod Security Admission"). restricted where every pod the charts, the operators and the
 * program start there meets it; baseline elsewhere (no privileged, host-namespace or hostPath
 * pod, whoever creates it), with restricted still reported (warn, audit).
 * test/pod-security.test.ts checks both directions over the rendered pods.
 */
export const POD_SECURITY: Readonly<Record<NamespaceName | "karpenter" | "monitoring", { enforce: PodSecurityLevel; why: string }>> = {
    "spark-operator": { enforce: "restricted", why: "the chart's controller and webhook set runAsNonRoot, seccomp RuntimeDefault and drop ALL" },
    karpenter: { enforce: "restricted", why: "the chart's controller meets it" },
    "db-bootstrap": { enforce: "restricted", why: "only the program's psql Jobs, hardened" },
    airflow: {
        enforce: "baseline",
        why: "the chart's components and the KubernetesExecutor's task pods set neither runAsNonRoot nor a seccomp profile",
    },
    kafka: {
        enforce: "baseline",
        why:
            "Strimzi's restricted pod security provider refuses Kafka Connect builds with Kaniko, which runs as root " +
            "(strimzi-kafka-operator RestrictedPodSecurityProvider), and the connector image is built in-cluster",
    },
    trino: { enforce: "baseline", why: "the chart's coordinator and workers set neither runAsNonRoot nor a seccomp profile" },
    elastic: { enforce: "baseline", why: "the ECK operator's chart sets no seccomp profile" },
    superset: { enforce: "baseline", why: "the image build runs Kaniko as root (as Strimzi's Connect build does)" },
    monitoring: {
        enforce: "restricted",
        why:
            "every rendered pod meets it (test/pod-security.test.ts), and the chart's prometheusSpec/alertmanagerSpec " +
            "securityContext (runAsNonRoot, seccomp RuntimeDefault; values.yaml) covers the pods the operator starts",
    },
};

/** Pod Security admission labels of one namespace: its level enforced, restricted reported. */
export function podSecurityLabels(ns: keyof typeof POD_SECURITY): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": POD_SECURITY[ns].enforce,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    };
}
/** The cluster's own namespace (EKS add-ons, the load balancer controller). */
export const KUBE_SYSTEM = "kube-system";

/** Requests and limits of one container. */
export interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

export function resources(cpuRequest: string, memoryRequest: string, cpuLimit: string, memoryLimit: string): Resources {
    return { requests: { cpu: cpuRequest, memory: memoryRequest }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}

export type ObjectMetadata = {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
};

/** A custom resource (Strimzi, ECK, Spark operator) before it becomes a Pulumi resource. */
export type CustomResourceObject = {
    apiVersion: string;
    kind: string;
    metadata: ObjectMetadata;
    spec: Record<string, any>;
};

export function customResourceObject(apiVersion: string, kind: string, metadata: ObjectMetadata, spec: Record<string, any>): CustomResourceObject {
    return { apiVersion, kind, metadata, spec };
}

/** One rule of a Role. */
export interface RbacRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
    resourceNames?: string[];
}

/** `verbs` on the named Secrets only (a Role's rules: the namespace is the Role's). */
export function secretRules(secretNames: string[], verbs: string[] = ["get"]): RbacRule[] {
    return [{ apiGroups: [""], resources: ["secrets"], verbs: [...verbs], resourceNames: [...secretNames] }];
}

export type PinnedChart = { chart: string; version: string; repositoryOpts?: { repo: string }; createNamespace: false };

type ChartPin = { chart: string; version: string; repo?: string; registry?: string };

/**
 * Where a chart is pulled from: its OCI registry (`oci://...`) or its classic Helm repository. The
 * one place this is decided: the Releases (pinnedChart), the lock and the fetch (tools/) all use it.
 */
export function chartSource(name: ChartName, table: Record<string, ChartPin> = charts): string {
    const c = table[name];
    const source = c?.registry ?? c?.repo;
    if (!source) throw new Error(`versions.ts: chart ${name} has neither repo nor registry`);
    return source;
}

/** An OCI registry serves no index.yaml: its charts are pulled by reference. */
export const isOciSource = (source: string) => source.startsWith("oci://");

/**
 * What a Helm release takes from versions.ts: chart, version and repository; namespaces are Pulumi's
 * own. An OCI chart is named by its full oci:// reference with no repositoryOpts: the provider sends
 * any repositoryOpts.repo that parses as a URL to Helm's classic-repository lookup (index.yaml),
 * which an OCI registry does not serve (pulumi-kubernetes provider/pkg/provider/helm_release.go,
 * resolveChartName and locateChart; pulumi/pulumi-kubernetes#2158).
 */
export function pinnedChart(name: ChartName, table: Record<string, ChartPin> = charts): PinnedChart {
    const { chart, version } = table[name];
    const source = chartSource(name, table);
    if (isOciSource(source)) return { chart: `${source}/${chart}`, version, createNamespace: false };
    return { chart, version, repositoryOpts: { repo: source }, createNamespace: false };
}

/** The pinned chart a Release installs, from the chart reference and version it passes. */
export function chartKeyOfRelease(chart: string, version: string): ChartName | undefined {
    return (Object.keys(charts) as ChartName[]).find((k) => pinnedChart(k).chart === chart && charts[k].version === version);
}
