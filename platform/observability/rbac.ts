// The Prometheus operator's and Prometheus's RBAC, made by the program: kube-prometheus-stack 88.5.3
// can only bind the operator with one ClusterRole (templates/prometheus-operator/clusterrole.yaml,
// gated on global.rbac.create with no namespaced mode) granting statefulsets and secrets "*" in every
// namespace, so any namespace's Secret (the RDS master password's in db-bootstrap) was within its
// reach. With global.rbac.create off, the operator's writes are a Role in `monitoring` (the only
// namespace it watches: prometheusOperator.namespaces), and what it must read cluster-wide is a
// read-only ClusterRole. Prometheus keeps a read-only ClusterRole: it discovers targets in every
// namespace (Spark drivers wherever a job runs) and scrapes each node's kubelet.
import { MONITORING_NAMESPACE } from "./values";

/** The chart's service accounts (its fullname `monitoring`: templates/prometheus-operator/serviceaccount.yaml, prometheus/serviceaccount.yaml). */
export const OPERATOR_ACCOUNT = "monitoring-operator";
export const PROMETHEUS_ACCOUNT = "monitoring-prometheus";

export interface RbacRule {
    apiGroups?: string[];
    resources?: string[];
    verbs: string[];
    nonResourceURLs?: string[];
}

export interface RbacObject {
    apiVersion: "rbac.authorization.k8s.io/v1";
    kind: "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding";
    metadata: { name: string; namespace?: string; labels: Record<string, string> };
    rules?: RbacRule[];
    roleRef?: { apiGroup: "rbac.authorization.k8s.io"; kind: "Role" | "ClusterRole"; name: string };
    subjects?: Array<{ kind: "ServiceAccount"; name: string; namespace: string }>;
}

const read = ["get", "list", "watch"];

/**
 * The operator's rules in the namespace it manages (the chart's ClusterRole rules of
 * templates/prometheus-operator/clusterrole.yaml:10-68,84-91,106-118, now namespaced): its custom
 * resources, the StatefulSets and their config Secrets/ConfigMaps, the governing Services and
 * the kubelet Service's endpoints (kubeletService.namespace is `monitoring` too), events.
 */
export const OPERATOR_NAMESPACED_RULES: RbacRule[] = [
    {
        apiGroups: ["monitoring.coreos.com"],
        resources: [
            "alertmanagers",
            "alertmanagers/finalizers",
            "alertmanagers/status",
            "alertmanagerconfigs",
            "prometheuses",
            "prometheuses/finalizers",
            "prometheuses/status",
            "prometheusagents",
            "prometheusagents/finalizers",
            "prometheusagents/status",
            "thanosrulers",
            "thanosrulers/finalizers",
            "thanosrulers/status",
            "scrapeconfigs",
            "scrapeconfigs/status",
            "servicemonitors",
            "servicemonitors/status",
            "podmonitors",
            "podmonitors/status",
            "probes",
            "probes/status",
            "prometheusrules",
            "prometheusrules/status",
        ],
        verbs: ["*"],
    },
    { apiGroups: ["apps"], resources: ["statefulsets"], verbs: ["*"] },
    { apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["*"] },
    { apiGroups: [""], resources: ["pods"], verbs: ["list", "delete"] },
    { apiGroups: [""], resources: ["services", "services/finalizers", "endpoints"], verbs: ["get", "create", "update", "delete"] },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "create", "list", "watch", "update", "delete"] },
    { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["patch", "create"] },
];

/**
 * What the operator reads across the cluster (the same chart file :69-83,92-105): the nodes (their
 * addresses are the kubelet Service's endpoints), namespaces (its namespace selectors), ingresses
 * (Probe targets) and storage classes (volume expansion). Reads only: no write, no Secret.
 */
export const OPERATOR_CLUSTER_RULES: RbacRule[] = [
    { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
    { apiGroups: [""], resources: ["namespaces"], verbs: read },
    { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: read },
    { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get"] },
];

/**
 * Prometheus's (templates/prometheus/clusterrole.yaml:13-40 of the chart, cAdvisor on): service discovery of
 * pods, services and endpoints in every namespace, the nodes, and the kubelet's metrics paths.
 */
export const PROMETHEUS_CLUSTER_RULES: RbacRule[] = [
    { apiGroups: [""], resources: ["nodes", "nodes/metrics", "services", "endpoints", "pods"], verbs: read },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: read },
    { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: read },
    { nonResourceURLs: ["/metrics", "/metrics/cadvisor"], verbs: ["get"] },
];

const labels = { "app.kubernetes.io/part-of": "bdok" };
const api = "rbac.authorization.k8s.io/v1" as const;

/** The Roles, ClusterRoles and their bindings the program creates for the operator and Prometheus. */
export function monitoringRbac(namespace: string = MONITORING_NAMESPACE): RbacObject[] {
    const sa = (name: string) => [{ kind: "ServiceAccount" as const, name, namespace }];
    const ref = (kind: "Role" | "ClusterRole", name: string) => ({ apiGroup: "rbac.authorization.k8s.io" as const, kind, name });
    return [
        { apiVersion: api, kind: "Role", metadata: { name: OPERATOR_ACCOUNT, namespace, labels }, rules: OPERATOR_NAMESPACED_RULES },
        {
            apiVersion: api,
            kind: "RoleBinding",
            metadata: { name: OPERATOR_ACCOUNT, namespace, labels },
            roleRef: ref("Role", OPERATOR_ACCOUNT),
            subjects: sa(OPERATOR_ACCOUNT),
        },
        { apiVersion: api, kind: "ClusterRole", metadata: { name: `bdok-${OPERATOR_ACCOUNT}-read`, labels }, rules: OPERATOR_CLUSTER_RULES },
        {
            apiVersion: api,
            kind: "ClusterRoleBinding",
            metadata: { name: `bdok-${OPERATOR_ACCOUNT}-read`, labels },
            roleRef: ref("ClusterRole", `bdok-${OPERATOR_ACCOUNT}-read`),
            subjects: sa(OPERATOR_ACCOUNT),
        },
        { apiVersion: api, kind: "ClusterRole", metadata: { name: `bdok-${PROMETHEUS_ACCOUNT}`, labels }, rules: PROMETHEUS_CLUSTER_RULES },
        {
            apiVersion: api,
            kind: "ClusterRoleBinding",
            metadata: { name: `bdok-${PROMETHEUS_ACCOUNT}`, labels },
            roleRef: ref("ClusterRole", `bdok-${PROMETHEUS_ACCOUNT}`),
            subjects: sa(PROMETHEUS_ACCOUNT),
        },
    ];
}
