// Network isolation as pure objects: default-deny ingress and egress policies in every namespace the
// platform owns, then allow rules for exactly the flows the platform needs. The VPC CNI enforces them
// (aws/cluster turns enableNetworkPolicy on); the node's own IP (kubelet probes) is always allowed
// by its agent (aws-network-policy-agent PR #65), so no rule opens probe ports.
//
// Strimzi's pods are left to the policies Strimzi generates (KafkaCluster/KafkaConnectCluster
// generateNetworkPolicy): listeners open to clients, replication and Connect's REST API (8083, no
// authentication) to the cluster operator only. No rule here selects them, so none widens those.
import type { StackConfig } from "../../config";
import { NAMESPACE } from "../k8s/objects";
import { CONNECT_NAME, KAFKA_NAME, TLS_LISTENER } from "../kafka/values";
import { sourceRanges } from "../load-balancer-controller/values";
import { GRAFANA_CONTAINER_PORT, MONITORING_RELEASE } from "../observability/values";

export interface NetworkPolicyObject {
    apiVersion: "networking.k8s.io/v1";
    kind: "NetworkPolicy";
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: { podSelector: Record<string, unknown>; policyTypes: string[]; ingress?: unknown[]; egress?: unknown[] };
}

/** Pod labels the charts and operators set (each cited where the rule uses it). */
export const PODS = {
    // Strimzi labels every pod it runs with strimzi.io/kind (Labels.STRIMZI_KIND_LABEL), the chart's operator too.
    strimzi: "strimzi.io/kind",
    // Connect's workers: strimzi.io/name <cluster>-connect (KafkaConnectResources.componentName); the kind alone
    // also selects the image build pod (strimzi.io/name <cluster>-connect-build, KafkaConnectBuildTest).
    connect: { "strimzi.io/kind": "KafkaConnect", "strimzi.io/name": `${CONNECT_NAME}-connect` },
    // ECK: common.k8s.elastic.co/type on every Elasticsearch and Kibana pod (pkg/controller/common/labels).
    elasticsearch: { "common.k8s.elastic.co/type": "elasticsearch" },
    kibana: { "common.k8s.elastic.co/type": "kibana" },
    // The charts' own pod labels (templates/*-deployment.yaml).
    sparkWebhook: { "app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/component": "webhook" },
    airflowApiServer: { component: "api-server", release: "airflow" },
    trinoCoordinator: { "app.kubernetes.io/name": "trino", "app.kubernetes.io/component": "coordinator" },
    // CoreDNS of EKS (k8s-app: kube-dns, the add-on's Deployment).
    dns: { "k8s-app": "kube-dns" },
    // Spark's pods carry spark-role driver/executor (Spark's Kubernetes Constants.SPARK_ROLE_LABEL).
    spark: "spark-role",
    // Airflow's chart labels each component (templates/*: component: <name>); task pods are "worker".
    airflowComponent: "component",
    // Strimzi names the Connect image build pod <cluster>-connect-build (KafkaConnectBuild, strimzi.io/name).
    connectBuild: { "strimzi.io/name": `${CONNECT_NAME}-connect-build` },
    // The program's own Deployment (platform/spark-history/specs.ts).
    sparkHistory: { "app.kubernetes.io/name": "spark-history-server" },
    // The Superset operator's component labels (superset-kubernetes-operator internal/common/names.go ComponentLabels).
    supersetWebServer: { "app.kubernetes.io/name": "superset", "app.kubernetes.io/component": "web-server" },
    airflowStatsd: { component: "statsd", release: "airflow" },
    // Strimzi's broker pods (strimzi.io/kind Kafka, strimzi.io/cluster <name>).
    kafkaBroker: { "strimzi.io/cluster": KAFKA_NAME, "strimzi.io/kind": "Kafka" },
    // The API producer's task pod (its DAG's pod_override, pipelines/api/specs.ts API_POD_LABEL).
    apiProducer: { "bdok.io/egress": "api-producer" },
    // The Grafana subchart's selector labels (grafana 12.11.1 templates/_helpers.tpl:81-84 grafana.selectorLabels: name and instance).
    grafana: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": MONITORING_RELEASE },
    // The program's Kaniko Job building Superset's image (platform/superset/specs.ts buildJobSpec).
    supersetBuild: { "app.kubernetes.io/name": "superset-image-build" },
} as const;

/** Airflow's components that use the metadata DB; task pods (worker) do not (Airflow 3's execution API). */
export const AIRFLOW_DB_CLIENTS = ["scheduler", "api-server", "triggerer", "dag-processor", "run-airflow-migrations", "create-user-job"];
/** Airflow's pods with a Pod Identity role (platform/airflow/iam.ts): task pods, triggerer, API server. */
export const AIRFLOW_AWS_CLIENTS = ["worker", "triggerer", "api-server"];

/**
 * EKS picks the Service range 10.100.0.0/16 or 172.20.0.0/16 when none is given (EKS user guide,
 * "Create a cluster": "Kubernetes assigns addresses from either the 10.100.0.0/16 or 172.20.0.0/16
 * CIDR blocks"); the API server is .0.1 and CoreDNS .0.10 of it. The VPC CNI's agent matches egress
 * on the Service address before translation (aws-network-policy-agent issue #549), and the API
 * server's ENIs sit in the VPC after it, so both are allowed.
 */
export const CLUSTER_SERVICE_IPS = { apiServer: ["10.100.0.1/32", "172.20.0.1/32"], dns: ["10.100.0.10/32", "172.20.0.10/32"] } as const;
/** The EKS Pod Identity agent (host network, link-local; EKS user guide "Pod Identity agent"). */
export const POD_IDENTITY_AGENT = { cidr: "169.254.170.23/32", port: 80 } as const;

/** Ports the allow rules open. */
export const PORTS = {
    elasticsearchHttp: 9200,
    kibana: 5601,
    webhook: 9443,
    airflowApi: 8080,
    trinoHttp: 8080,
    trinoHttps: 8443,
    dns: 53,
    https: 443,
    postgres: 5432,
    sparkHistory: 18080,
    supersetWeb: 8088,
    statsd: 9125,
    kubelet: 10250,
    grafana: GRAFANA_CONTAINER_PORT,
} as const;

/** Link-local addresses (the instance metadata service among them): never the internet. */
export const LINK_LOCAL = "169.254.0.0/16";

const nsSelector = (ns: string) => ({ matchLabels: { "kubernetes.io/metadata.name": ns } });
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));
const ips = (...cidrs: string[]) => cidrs.map((cidr) => ({ ipBlock: { cidr } }));

export interface NetworkPolicyConfig {
    config: Pick<StackConfig, "exposure" | "loadBalancerSourceRanges" | "vpcCidr"> & Partial<Pick<StackConfig, "sparkHistoryServer">>;
    /** Every namespace the platform owns (the Namespaces component's and Karpenter's). */
    namespaces: string[];
    /** The realtime pipeline's Elasticsearch sink runs in Kafka Connect. */
    connectToElasticsearch: boolean;
    /**
     * Prometheus's namespace and the metrics ports it scrapes in each namespace (platform/observability);
     * with an alert receiver (bdok:alerting), the port of its URL, which Alertmanager sends to.
     */
    prometheus?: { namespace: string; ports: Record<string, number[]>; alertReceiverPort?: number };
    /** Superset runs (bdok:superset.enabled): it queries Trino's coordinator. */
    superset?: boolean;
    /** The API producer's task pod, when that pipeline is on: the URL it polls. */
    apiProducer?: { url: string };
}

/** The port of an http(s) URL (explicit, else the scheme's). */
export function urlPort(url: string): number {
    const u = new URL(url);
    return u.port ? Number(u.port) : u.protocol === "http:" ? 80 : 443;
}

/** The operator labels every Prometheus pod app.kubernetes.io/name=prometheus (prometheus-operator pkg/prometheus/server/statefulset.go). */
export const PROMETHEUS_POD = { "app.kubernetes.io/name": "prometheus" } as const;

/** The operator labels every Alertmanager pod app.kubernetes.io/name=alertmanager (prometheus-operator pkg/alertmanager/statefulset.go). */
export const ALERTMANAGER_POD = { "app.kubernetes.io/name": "alertmanager" } as const;

export function networkPolicies(a: NetworkPolicyConfig): NetworkPolicyObject[] {
    const out: NetworkPolicyObject[] = [];
    const policy = (namespace: string, name: string, spec: { podSelector: Record<string, unknown>; ingress?: unknown[] }) =>
        out.push({
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": "bdok" } },
            spec: { policyTypes: ["Ingress"], ...spec },
        });
    const egress = (namespace: string, name: string, spec: { podSelector: Record<string, unknown>; egress?: unknown[] }) =>
        out.push({
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": "bdok" } },
            spec: { policyTypes: ["Egress"], ...spec },
        });

    for (const ns of a.namespaces) policy(ns, "default-deny-ingress", { podSelector: {} });

    // ---- egress: denied by default; DNS everywhere; then per flow ----
    for (const ns of a.namespaces) {
        egress(ns, "default-deny-egress", { podSelector: {} });
        egress(ns, "allow-dns-egress", {
            podSelector: {},
            egress: [
                {
                    to: [{ namespaceSelector: nsSelector("kube-system"), podSelector: { matchLabels: PODS.dns } }, ...ips(...CLUSTER_SERVICE_IPS.dns)],
                    ports: [
                        { protocol: "UDP", port: PORTS.dns },
                        { protocol: "TCP", port: PORTS.dns },
                    ],
                },
            ],
        });
        if (ns === NAMESPACE.dbBootstrap) continue;
        // Every other namespace holds API clients (operators, Airflow, Spark drivers, Connect's secrets
        // provider, the CA-copy and TLS Jobs); the API server authenticates and authorizes them.
        egress(ns, "allow-api-server-egress", {
            podSelector: {},
            egress: [{ to: ips(...CLUSTER_SERVICE_IPS.apiServer, a.config.vpcCidr), ports: tcp(PORTS.https) }],
        });
        // Mirrors the same-namespace ingress rules (Strimzi's pods: its own ingress policies decide).
        egress(ns, "allow-same-namespace-egress", { podSelector: {}, egress: [{ to: [{ podSelector: {} }] }] });
    }
    // RDS (in the VPC's database subnets) on 5432: the bootstrap Jobs, Airflow's components but not
    // its task pods, Connect's JDBC source and the simulator. No other pod reaches it.
    const rds = [{ to: ips(a.config.vpcCidr), ports: tcp(PORTS.postgres) }];
    egress(NAMESPACE.dbBootstrap, "allow-rds-egress", { podSelector: {}, egress: rds });
    egress(NAMESPACE.airflow, "allow-rds-egress", {
        podSelector: { matchExpressions: [{ key: PODS.airflowComponent, operator: "In", values: [...AIRFLOW_DB_CLIENTS] }] },
        egress: rds,
    });
    if (a.connectToElasticsearch) {
        egress(NAMESPACE.kafka, "allow-rds-egress-connect", { podSelector: { matchLabels: PODS.connect }, egress: rds });
        egress(NAMESPACE.kafka, "allow-rds-egress-simulator", {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "customers-simulator" } },
            egress: rds,
        });
        egress(NAMESPACE.kafka, "allow-connect-to-elasticsearch-egress", {
            podSelector: { matchLabels: PODS.connect },
            egress: [
                {
                    to: [{ namespaceSelector: nsSelector(NAMESPACE.elastic), podSelector: { matchLabels: PODS.elasticsearch } }],
                    ports: tcp(PORTS.elasticsearchHttp),
                },
            ],
        });
    }
    // AWS APIs (S3 through the gateway endpoint, Glue, STS, EC2, SQS, ECR) answer on public addresses
    // that no CIDR a NetworkPolicy can hold names (the S3 endpoint is a prefix list): 0.0.0.0/0 on 443,
    // only for the pods with a Pod Identity role, plus the Pod Identity agent. Not Connect, not the
    // brokers, not the operators. The Kaniko build of the Connect image pulls its base image and
    // pushes to ECR.
    const aws = [
        { to: ips("0.0.0.0/0"), ports: tcp(PORTS.https) },
        { to: ips(POD_IDENTITY_AGENT.cidr), ports: tcp(POD_IDENTITY_AGENT.port) },
    ];
    const sparkPods = { matchExpressions: [{ key: PODS.spark, operator: "Exists" }] };
    egress(NAMESPACE.airflow, "allow-aws-egress", {
        podSelector: { matchExpressions: [{ key: PODS.airflowComponent, operator: "In", values: [...AIRFLOW_AWS_CLIENTS] }] },
        egress: aws,
    });
    for (const ns of [NAMESPACE.airflow, NAMESPACE.kafka]) egress(ns, "allow-aws-egress-spark", { podSelector: sparkPods, egress: aws });
    egress(NAMESPACE.kafka, "allow-aws-egress-connect-build", { podSelector: { matchLabels: PODS.connectBuild }, egress: aws });
    egress(NAMESPACE.trino, "allow-aws-egress", { podSelector: { matchLabels: { "app.kubernetes.io/name": "trino" } }, egress: aws });
    if (a.namespaces.includes("karpenter")) egress("karpenter", "allow-aws-egress", { podSelector: {}, egress: aws });

    // Superset (its operator's pods: web server, migrate and init tasks) uses its metadata database on
    // RDS and queries Trino's coordinator on the port the exposure gives it; its Kaniko build pulls the
    // base image and pushes to ECR with a Pod Identity role. The operator itself: the API server only.
    if (a.superset) {
        const supersetPods = { matchLabels: { "app.kubernetes.io/name": PODS.supersetWebServer["app.kubernetes.io/name"] } };
        egress(NAMESPACE.superset, "allow-rds-egress", { podSelector: supersetPods, egress: rds });
        egress(NAMESPACE.superset, "allow-trino-egress", {
            podSelector: supersetPods,
            egress: [
                {
                    to: [{ namespaceSelector: nsSelector(NAMESPACE.trino), podSelector: { matchLabels: PODS.trinoCoordinator } }],
                    ports: tcp(a.config.exposure === "clusterIp" ? PORTS.trinoHttp : PORTS.trinoHttps),
                },
            ],
        });
        egress(NAMESPACE.superset, "allow-aws-egress-image-build", { podSelector: { matchLabels: PODS.supersetBuild }, egress: aws });
    }
    // The Spark History Server reads the lake's event logs on S3 with its Pod Identity role.
    if (a.config.sparkHistoryServer)
        egress(NAMESPACE.sparkOperator, "allow-aws-egress-spark-history", { podSelector: { matchLabels: PODS.sparkHistory }, egress: aws });
    // Prometheus: each namespace's metrics ports (platform/observability/monitors.ts), and the kubelet
    // (resource metrics and cAdvisor: the chart's kubelet ServiceMonitor, https on 10250 at each node's
    // VPC address). The API server: the general rule. Grafana, Alertmanager (no receivers) and
    // kube-state-metrics: their own namespace and the API server only.
    if (a.prometheus && a.namespaces.includes(a.prometheus.namespace)) {
        egress(a.prometheus.namespace, "allow-prometheus-scrape-egress", {
            podSelector: { matchLabels: { ...PROMETHEUS_POD } },
            egress: [
                ...Object.entries(a.prometheus.ports).map(([ns, ports]) => ({ to: [{ namespaceSelector: nsSelector(ns) }], ports: tcp(...ports) })),
                { to: ips(a.config.vpcCidr), ports: tcp(PORTS.kubelet) },
            ],
        });
    }

    // Alertmanager with a receiver: HTTPS to the receiver's port outside the VPC (Slack or the
    // webhook's host, whose addresses no policy can name), never the VPC nor link-local.
    if (a.prometheus?.alertReceiverPort && a.namespaces.includes(a.prometheus.namespace)) {
        egress(a.prometheus.namespace, "allow-alertmanager-receiver-egress", {
            podSelector: { matchLabels: { ...ALERTMANAGER_POD } },
            egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [a.config.vpcCidr, LINK_LOCAL] } }], ports: tcp(a.prometheus.alertReceiverPort) }],
        });
    }

    // Within a namespace the components talk freely (Airflow's scheduler, triggerer and task pods to
    // its API server; Trino's workers and coordinator; Elasticsearch nodes, Kibana and the operator;
    // Spark drivers and their executors); Strimzi's pods keep Strimzi's own policies.
    for (const ns of [NAMESPACE.airflow, NAMESPACE.trino, NAMESPACE.elastic, ...(a.superset ? [NAMESPACE.superset] : [])]) {
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
    // Superset's web server and its init task (the dashboard import) query Trino's coordinator, on the
    // port the exposure gives it (HTTPS once Trino asks for a password). RDS is outside the cluster:
    // its security group admits the cluster's nodes (aws/database), no policy here concerns it.
    if (a.superset) {
        policy(NAMESPACE.trino, "allow-superset", {
            podSelector: { matchLabels: PODS.trinoCoordinator },
            ingress: [
                {
                    from: [{ namespaceSelector: nsSelector(NAMESPACE.superset), podSelector: { matchLabels: { "app.kubernetes.io/name": "superset" } } }],
                    ports: tcp(a.config.exposure === "clusterIp" ? PORTS.trinoHttp : PORTS.trinoHttps),
                },
            ],
        });
    }
    // The API producer's task pod holds a Kafka certificate and reaches the internet: its egress is
    // only what it uses. DNS; Airflow's execution API (the task's supervisor) and statsd; the brokers'
    // TLS listener; the Pod Identity agent (the task's S3 log upload); HTTPS outside the VPC (the
    // API, PyPI for its pinned client, S3), never the VPC itself (RDS, the other pods) nor link-local.
    if (a.apiProducer) {
        const udpTcp = (port: number) => [
            { protocol: "UDP", port },
            { protocol: "TCP", port },
        ];
        const https = [...new Set([PORTS.https, urlPort(a.apiProducer.url)])];
        out.push({
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "api-producer-egress", namespace: NAMESPACE.airflow, labels: { "app.kubernetes.io/part-of": "bdok" } },
            spec: {
                podSelector: { matchLabels: { ...PODS.apiProducer } },
                policyTypes: ["Egress"],
                egress: [
                    { to: [{ namespaceSelector: nsSelector("kube-system"), podSelector: { matchLabels: PODS.dns } }], ports: udpTcp(PORTS.dns) },
                    { to: [{ podSelector: { matchLabels: PODS.airflowApiServer } }], ports: tcp(PORTS.airflowApi) },
                    { to: [{ podSelector: { matchLabels: PODS.airflowStatsd } }], ports: [{ protocol: "UDP", port: PORTS.statsd }] },
                    { to: [{ namespaceSelector: nsSelector(NAMESPACE.kafka), podSelector: { matchLabels: PODS.kafkaBroker } }], ports: tcp(TLS_LISTENER.port) },
                    { to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }], ports: tcp(POD_IDENTITY_AGENT.port) },
                    { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [a.config.vpcCidr, LINK_LOCAL] } }], ports: tcp(...https) },
                ],
            },
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
        if (a.config.sparkHistoryServer) {
            policy(NAMESPACE.sparkOperator, "allow-load-balancer-spark-history", {
                podSelector: { matchLabels: PODS.sparkHistory },
                ingress: [{ from, ports: tcp(PORTS.sparkHistory) }],
            });
        }
        // Grafana, when observability is on: its container port (the NLB's IP targets skip the Service port).
        if (a.prometheus && a.namespaces.includes(a.prometheus.namespace)) {
            policy(a.prometheus.namespace, "allow-load-balancer-grafana", {
                podSelector: { matchLabels: PODS.grafana },
                ingress: [{ from, ports: tcp(PORTS.grafana) }],
            });
        }
        if (a.superset) {
            policy(NAMESPACE.superset, "allow-load-balancer", {
                podSelector: { matchLabels: PODS.supersetWebServer },
                ingress: [{ from, ports: tcp(PORTS.supersetWeb) }],
            });
        }
    }
    return out;
}
