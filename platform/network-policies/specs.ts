// Network isolation as pure objects: a default-deny ingress policy in every namespace the platform
// owns, then allow rules for exactly the flows the platform needs. The VPC CNI enforces them
// (aws/cluster turns enableNetworkPolicy on); the node's own IP (kubelet probes) is always allowed
// by its agent (aws-network-policy-agent PR #65), so no rule opens probe ports.
//
// Strimzi's pods are left to the policies Strimzi generates (KafkaCluster/KafkaConnectCluster
// generateNetworkPolicy): listeners open to clients, replication and Connect's REST API (8083, no
// authentication) to the cluster operator only. No rule here selects them, so none widens those.
import type { StackConfig } from "../../config";
import { NAMESPACE } from "../k8s/objects";
import { sourceRanges } from "../load-balancer-controller/values";

export interface NetworkPolicyObject {
    apiVersion: "networking.k8s.io/v1";
    kind: "NetworkPolicy";
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: { podSelector: Record<string, unknown>; policyTypes: string[]; ingress?: unknown[] };
}

/** Pod labels the charts and operators set (each cited where the rule uses it). */
export const PODS = {
    // Strimzi labels every pod it runs with strimzi.io/kind (Labels.STRIMZI_KIND_LABEL), the chart's operator too.
    strimzi: "strimzi.io/kind",
    connect: { "strimzi.io/kind": "KafkaConnect" },
    // ECK: common.k8s.elastic.co/type on every Elasticsearch and Kibana pod (pkg/controller/common/labels).
    elasticsearch: { "common.k8s.elastic.co/type": "elasticsearch" },
    kibana: { "common.k8s.elastic.co/type": "kibana" },
    // The charts' own pod labels (templates/*-deployment.yaml).
    sparkWebhook: { "app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/component": "webhook" },
    airflowApiServer: { component: "api-server", release: "airflow" },
    trinoCoordinator: { "app.kubernetes.io/name": "trino", "app.kubernetes.io/component": "coordinator" },
} as const;

/** Ports the allow rules open. */
export const PORTS = {
    elasticsearchHttp: 9200,
    kibana: 5601,
    webhook: 9443,
    airflowApi: 8080,
    trinoHttps: 8443,
} as const;

const nsSelector = (ns: string) => ({ matchLabels: { "kubernetes.io/metadata.name": ns } });
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));

export interface NetworkPolicyConfig {
    config: Pick<StackConfig, "exposure" | "loadBalancerSourceRanges" | "vpcCidr">;
    /** Every namespace the platform owns (the Namespaces component's and Karpenter's). */
    namespaces: string[];
    /** The realtime pipeline's Elasticsearch sink runs in Kafka Connect. */
    connectToElasticsearch: boolean;
    /** Prometheus's namespace and the metrics ports it scrapes in each namespace (platform/observability). */
    prometheus?: { namespace: string; ports: Record<string, number[]> };
}

/** The operator labels every Prometheus pod app.kubernetes.io/name=prometheus (prometheus-operator pkg/prometheus/server/statefulset.go). */
export const PROMETHEUS_POD = { "app.kubernetes.io/name": "prometheus" } as const;

export function networkPolicies(a: NetworkPolicyConfig): NetworkPolicyObject[] {
    const out: NetworkPolicyObject[] = [];
    const policy = (namespace: string, name: string, spec: { podSelector: Record<string, unknown>; ingress?: unknown[] }) =>
        out.push({
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": "bdok" } },
            spec: { policyTypes: ["Ingress"], ...spec },
        });

    for (const ns of a.namespaces) policy(ns, "default-deny-ingress", { podSelector: {} });

    // Within a namespace the components talk freely (Airflow's scheduler, triggerer and task pods to
    // its API server; Trino's workers and coordinator; Elasticsearch nodes, Kibana and the operator;
    // Spark drivers and their executors); Strimzi's pods keep Strimzi's own policies.
    for (const ns of [NAMESPACE.airflow, NAMESPACE.trino, NAMESPACE.elastic]) {
        policy(ns, "allow-same-namespace", { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
    }
    policy(NAMESPACE.kafka, "allow-same-namespace-non-strimzi", {
        podSelector: { matchExpressions: [{ key: PODS.strimzi, operator: "DoesNotExist" }] },
        ingress: [{ from: [{ podSelector: {} }] }],
    });
    if (a.connectToElasticsearch) {
        policy(NAMESPACE.elastic, "allow-kafka-connect-to-elasticsearch", {
            podSelector: { matchLabels: PODS.elasticsearch },
            ingress: [
                { from: [{ namespaceSelector: nsSelector(NAMESPACE.kafka), podSelector: { matchLabels: PODS.connect } }], ports: tcp(PORTS.elasticsearchHttp) },
            ],
        });
    }
    // Prometheus scrapes each namespace's metrics ports (Strimzi's pods included: only those ports).
    // Grafana, Prometheus, Alertmanager and kube-state-metrics talk among themselves.
    if (a.prometheus && a.namespaces.includes(a.prometheus.namespace)) {
        policy(a.prometheus.namespace, "allow-same-namespace", { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
    }
    for (const [ns, ports] of Object.entries(a.prometheus?.ports ?? {})) {
        if (!a.namespaces.includes(ns)) continue;
        policy(ns, "allow-prometheus-scrape", {
            podSelector: {},
            ingress: [
                {
                    from: [{ namespaceSelector: nsSelector(a.prometheus!.namespace), podSelector: { matchLabels: { ...PROMETHEUS_POD } } }],
                    ports: tcp(...ports),
                },
            ],
        });
    }
    // Admission webhooks are called by the API server, whose addresses are EKS's (ECK's is off:
    // the operator runs without cluster-scoped resources, platform/elastic/values.ts).
    policy(NAMESPACE.sparkOperator, "allow-webhook-from-api-server", {
        podSelector: { matchLabels: PODS.sparkWebhook },
        ingress: [{ ports: tcp(PORTS.webhook) }],
    });
    // Behind a load balancer (IP targets): the NLB's health checks and, without client IP
    // preservation, the clients arrive from the VPC; with it, from the allowed client ranges.
    if (a.config.exposure !== "clusterIp") {
        const from = [...new Set([a.config.vpcCidr, ...sourceRanges(a.config)])].map((cidr) => ({ ipBlock: { cidr } }));
        policy(NAMESPACE.airflow, "allow-load-balancer", {
            podSelector: { matchLabels: PODS.airflowApiServer },
            ingress: [{ from, ports: tcp(PORTS.airflowApi) }],
        });
        policy(NAMESPACE.trino, "allow-load-balancer", {
            podSelector: { matchLabels: PODS.trinoCoordinator },
            ingress: [{ from, ports: tcp(PORTS.trinoHttps) }],
        });
        policy(NAMESPACE.elastic, "allow-load-balancer", { podSelector: { matchLabels: PODS.kibana }, ingress: [{ from, ports: tcp(PORTS.kibana) }] });
    }
    return out;
}
