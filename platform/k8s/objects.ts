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
    superset: "superset",
} as const;
export type NamespaceName = (typeof NAMESPACE)[keyof typeof NAMESPACE];
/** In creation order (the Namespaces component). */
export const NAMESPACES: readonly NamespaceName[] = Object.values(NAMESPACE);

/**
 * Pod Security admission labels of every namespace the platform creates: the baseline standard is
 * enforced (no privileged, host-namespace or hostPath pod, whoever creates it: the Airflow
 * scheduler's and Spark's pod-creating accounts included); restricted is reported (warn, audit),
 * since not every chart's pods meet it.
 */
export const POD_SECURITY_LABELS: Readonly<Record<string, string>> = {
    "pod-security.kubernetes.io/enforce": "baseline",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
};
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

/**
 * What a Helm release takes from versions.ts: chart, version and repository; namespaces are Pulumi's
 * own. An OCI chart is named by its full oci:// reference with no repositoryOpts: the provider sends
 * any repositoryOpts.repo that parses as a URL to Helm's classic-repository lookup (index.yaml),
 * which an OCI registry does not serve (pulumi-kubernetes provider/pkg/provider/helm_release.go,
 * resolveChartName and locateChart; pulumi/pulumi-kubernetes#2158).
 */
export function pinnedChart(name: ChartName): PinnedChart {
    const c: { chart: string; version: string; repo?: string; registry?: string } = charts[name];
    if (c.registry) return { chart: `${c.registry}/${c.chart}`, version: c.version, createNamespace: false };
    if (!c.repo) throw new Error(`versions.ts: chart ${name} has neither repo nor registry`);
    return { chart: c.chart, version: c.version, repositoryOpts: { repo: c.repo }, createNamespace: false };
}

/** The pinned chart a Release installs, from the chart reference and version it passes. */
export function chartKeyOfRelease(chart: string, version: string): ChartName | undefined {
    return (Object.keys(charts) as ChartName[]).find((k) => pinnedChart(k).chart === chart && charts[k].version === version);
}
