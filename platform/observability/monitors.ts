// What Prometheus scrapes, as pure PodMonitor objects: one per part of the platform, each selecting
// pods by the labels and container port names their chart or operator sets (cited per target).
// Every monitor carries SCRAPE_LABEL, the label Prometheus selects by: a user's own PodMonitor or
// ServiceMonitor with it, in any namespace, is scraped the same way. The kubelet (cAdvisor, volume
// stats) and kube-state-metrics are scraped through the chart's own ServiceMonitors.
import { apiVersions } from "../../versions";
import { type CustomResourceObject, customResourceObject, KUBE_SYSTEM, NAMESPACE } from "../k8s/objects";
import { SCRAPE_LABEL } from "./values";

/** The Elasticsearch exporter this component runs beside the cluster (exporter.ts). */
export const ES_EXPORTER = { name: "elasticsearch-exporter", port: 9114, portName: "metrics" } as const;

export interface ScrapeTarget {
    /** The PodMonitor's name. */
    name: string;
    /** Where the pods run; `any` for pods in every namespace (a user's Spark jobs too). */
    namespace: string | "any";
    selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
    /** The container port's name (what the PodMonitor selects) and number (what a NetworkPolicy opens). */
    port: { name: string; number: number };
    paths: string[];
    /** The namespaces whose NetworkPolicies must let Prometheus in on `port.number`. */
    policyNamespaces: string[];
}

export interface ScrapeTargetArgs {
    /** The namespace of the Karpenter controller. */
    karpenterNamespace: string;
    /** Where the platform's SparkApplications run (drivers' UI port is opened there). */
    sparkJobNamespaces: readonly string[];
}

type Selector = ScrapeTarget["selector"];

/**
 * One row per target: name, the pods' namespace (`any`: every namespace), their selector, the
 * container port's name and number, and where the defaults do not hold, the paths (default
 * /metrics) and the namespaces whose policies open the port (default: the pods' namespace).
 */
type Row = [
    name: string,
    namespace: string,
    selector: Selector,
    port: [name: string, number: number],
    extra?: { paths?: string[]; policyNamespaces?: string[] },
];

/** Every scrape target of the platform. */
export function scrapeTargets(a: ScrapeTargetArgs): ScrapeTarget[] {
    const labels = (matchLabels: Record<string, string>): Selector => ({ matchLabels });
    const rows: Row[] = [
        // Brokers and Connect with metricsConfig, and the Kafka Exporter: Strimzi names their metrics
        // port tcp-prometheus (9404) and labels every pod with strimzi.io/kind (its example
        // packaging/examples/metrics/prometheus-install/strimzi-pod-monitor.yaml selects the same).
        [
            "kafka",
            NAMESPACE.kafka,
            { matchExpressions: [{ key: "strimzi.io/kind", operator: "In", values: ["Kafka", "KafkaConnect"] }] },
            ["tcp-prometheus", 9404],
        ],
        // The cluster operator: strimzi_resource_state of every Kafka custom resource (the chart's
        // templates/060-Deployment-strimzi-cluster-operator.yaml: port http 8080).
        ["strimzi-cluster-operator", NAMESPACE.kafka, labels({ "strimzi.io/kind": "cluster-operator" }), ["http", 8080]],
        // The chart's controller: prometheus.metrics (port name `metrics`, 8080, /metrics).
        [
            "spark-operator",
            NAMESPACE.sparkOperator,
            labels({ "app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/component": "controller" }),
            ["metrics", 8080],
        ],
        // Every Spark driver, in any namespace: the operator labels it spark-role=driver; Spark names
        // its UI port spark-ui (4040). spark.ui.prometheus.enabled serves the executors' figures at
        // /metrics/executors/prometheus, the PrometheusServlet the driver's at /metrics/prometheus/.
        [
            "spark-drivers",
            "any",
            labels({ "spark-role": "driver" }),
            ["spark-ui", 4040],
            { paths: ["/metrics/executors/prometheus", "/metrics/prometheus/"], policyNamespaces: [...a.sparkJobNamespaces] },
        ],
        // The chart's jmx.exporter sidecar on the coordinator and workers (port jmx-exporter, 5556).
        ["trino", NAMESPACE.trino, labels({ "app.kubernetes.io/name": "trino" }), ["jmx-exporter", 5556]],
        // The chart's StatsD exporter (templates/statsd/statsd-deployment.yaml: statsd-scrape, 9102).
        ["airflow-statsd", NAMESPACE.airflow, labels({ component: "statsd", release: "airflow" }), ["statsd-scrape", 9102]],
        ["elasticsearch", NAMESPACE.elastic, labels({ "app.kubernetes.io/name": ES_EXPORTER.name }), [ES_EXPORTER.portName, ES_EXPORTER.port]],
        // templates/deployment.yaml: port http-metrics (controller.metrics.port, 8080).
        ["karpenter", a.karpenterNamespace, labels({ "app.kubernetes.io/name": "karpenter" }), ["http-metrics", 8080]],
        // templates/deployment.yaml: port metrics-server (8080). kube-system has no NetworkPolicy.
        [
            "aws-load-balancer-controller",
            KUBE_SYSTEM,
            labels({ "app.kubernetes.io/name": "aws-load-balancer-controller" }),
            ["metrics-server", 8080],
            { policyNamespaces: [] },
        ],
    ];
    return rows.map(([name, namespace, selector, [portName, number], extra]) => ({
        name,
        namespace,
        selector,
        port: { name: portName, number },
        paths: extra?.paths ?? ["/metrics"],
        policyNamespaces: extra?.policyNamespaces ?? [namespace],
    }));
}

/** The PodMonitor of a target, in the monitoring namespace, selecting its pods' namespace. */
export function podMonitor(t: ScrapeTarget, monitoringNamespace: string): CustomResourceObject {
    return customResourceObject(
        apiVersions.monitoring,
        "PodMonitor",
        { name: t.name, namespace: monitoringNamespace, labels: { ...SCRAPE_LABEL } },
        {
            namespaceSelector: t.namespace === "any" ? { any: true } : { matchNames: [t.namespace] },
            selector: t.selector,
            podMetricsEndpoints: t.paths.map((path) => ({ port: t.port.name, path, interval: "30s" })),
        },
    );
}

/**
 * The ports Prometheus must reach, per namespace (for platform/network-policies): its egress to each,
 * and the ingress policy of those the platform owns (kube-system, not one of them, only the egress).
 */
export function scrapePorts(targets: ScrapeTarget[]): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    const where = (t: ScrapeTarget) => [...new Set([...t.policyNamespaces, ...(t.namespace === "any" ? [] : [t.namespace])])];
    for (const t of targets) for (const ns of where(t)) out[ns] = [...new Set([...(out[ns] ?? []), t.port.number])].sort((x, y) => x - y);
    return out;
}
