// The platform's alerts as one PrometheusRule. Each names the metrics it reads; the tests parse
// every expression with Prometheus's own PromQL grammar and check each metric is exposed by what
// the platform deploys (model/metrics/exposed.json, taken from upstream). docs/observability.md
// says what each one means and the first step to take.
import { apiVersions } from "../../versions";
import { type CustomResourceObject, customResourceObject, NAMESPACE } from "../k8s/objects";
import { SCRAPE_LABEL } from "./values";

export interface Alert {
    alert: string;
    expr: string;
    for: string;
    severity: "warning" | "critical";
    summary: string;
    /** The first thing to do (docs/observability.md has more). */
    firstStep: string;
}

export interface AlertArgs {
    /** The streaming SparkApplication and its namespace, when the realtime pipeline is on. */
    streaming?: { namespace: string; application: string };
}

/** Namespaces whose volumes are the brokers' and the data nodes' (their PVCs). */
const DATA_NAMESPACES = `${NAMESPACE.kafka}|${NAMESPACE.elastic}`;

export function alerts(a: AlertArgs): Alert[] {
    const out: Alert[] = [
        {
            alert: "KafkaConsumerLagGrowing",
            // Behind by more than a few records and still falling further behind over 15 minutes.
            expr: "sum by (namespace, consumergroup, topic) (kafka_consumergroup_lag) > 100 and sum by (namespace, consumergroup, topic) (delta(kafka_consumergroup_lag[15m])) > 0",
            for: "15m",
            severity: "warning",
            summary: "Consumer group {{ $labels.consumergroup }} lags on {{ $labels.topic }} ({{ $value }} records) and the lag grows",
            firstStep: "kubectl -n kafka get kafkaconnector,sparkapplication: is the consumer (the sink connector or the streaming job) running?",
        },
        {
            alert: "KafkaConnectorFailed",
            expr: 'max by (namespace, connector) (kafka_connect_connector_status{status="failed"}) == 1',
            for: "5m",
            severity: "critical",
            summary: "Kafka Connect connector {{ $labels.connector }} is FAILED",
            firstStep: "kubectl -n kafka get kafkaconnector {{ $labels.connector }} -o yaml: status.connectorStatus.connector.trace",
        },
        {
            alert: "KafkaConnectTaskFailed",
            expr: "sum by (namespace, connector) (kafka_connect_connector_failed_tasks) > 0",
            for: "5m",
            severity: "critical",
            summary: "{{ $value }} task(s) of connector {{ $labels.connector }} failed",
            firstStep:
                "read the task's trace in the KafkaConnector's status.connectorStatus.tasks, fix the cause, then annotate it strimzi.io/restart-task=<id>",
        },
        {
            alert: "BatchDagRunFailed",
            // A timer per failed run (airflow.dagrun.duration.failed.<dag_id>), a summary in the exporter.
            expr: "sum by (dag_id) (increase(airflow_dagrun_failed_count[1h])) > 0",
            for: "0m",
            severity: "warning",
            summary: "A run of DAG {{ $labels.dag_id }} failed in the last hour",
            firstStep: "open Airflow (the airflowPortForward output), the DAG's failed run, the red task's log",
        },
        {
            alert: "ElasticsearchNotGreen",
            // Red always; yellow only with more than one node (a single node never holds replicas, so yellow is its normal state).
            expr: 'max by (namespace, cluster) (elasticsearch_cluster_health_status{color="red"}) == 1 or (max by (namespace, cluster) (elasticsearch_cluster_health_status{color="yellow"}) == 1 and on (namespace, cluster) max by (namespace, cluster) (elasticsearch_cluster_health_number_of_nodes) > 1)',
            for: "10m",
            severity: "critical",
            summary: "Elasticsearch cluster {{ $labels.cluster }} is not green",
            firstStep: "GET _cluster/allocation/explain (Kibana Dev Tools) names the unassigned shard and why",
        },
        {
            alert: "KarpenterNodePoolAtLimit",
            expr: "karpenter_nodepools_usage / on (nodepool, resource_type) karpenter_nodepools_limit > 0.9",
            for: "10m",
            severity: "warning",
            summary: "NodePool {{ $labels.nodepool }} uses {{ $value | humanizePercentage }} of its {{ $labels.resource_type }} limit",
            firstStep:
                "kubectl get pods -A --field-selector=status.phase=Pending; raise bdok:karpenter.pools.<pool>.cpuLimit/memoryLimitGiB if the load is expected",
        },
        {
            alert: "DataVolumeFillingUp",
            expr: `kubelet_volume_stats_available_bytes{namespace=~"${DATA_NAMESPACES}"} / kubelet_volume_stats_capacity_bytes{namespace=~"${DATA_NAMESPACES}"} < 0.15`,
            for: "10m",
            severity: "critical",
            summary: "Volume {{ $labels.persistentvolumeclaim }} has {{ $value | humanizePercentage }} left",
            firstStep: "raise bdok:kafka.storageGiB or bdok:elasticsearch.storageGiB (gp3 volumes grow online), or shorten retention",
        },
        {
            alert: "DataVolumeFullInADay",
            expr: `predict_linear(kubelet_volume_stats_available_bytes{namespace=~"${DATA_NAMESPACES}"}[6h], 86400) < 0`,
            for: "1h",
            severity: "warning",
            summary: "Volume {{ $labels.persistentvolumeclaim }} fills up within a day at the current rate",
            firstStep: "find what writes (topic bytes-in, index rate on the dashboards), then grow the volume or cut retention",
        },
    ];
    if (a.streaming) {
        // The operator's driver pod is <application>-driver; the application is RUNNING while it runs.
        const sel = `namespace="${a.streaming.namespace}", pod="${a.streaming.application}-driver", phase="Running"`;
        out.push({
            alert: "StreamingApplicationNotRunning",
            expr: `absent(kube_pod_status_phase{${sel}} == 1)`,
            for: "10m",
            severity: "critical",
            summary: `The streaming SparkApplication ${a.streaming.application} is not RUNNING`,
            firstStep: `kubectl -n ${a.streaming.namespace} describe sparkapplication ${a.streaming.application}; then the driver's log`,
        });
    }
    return out;
}

export const RULE_NAME = "bdok-alerts";

export function prometheusRule(a: AlertArgs, namespace: string): CustomResourceObject {
    return customResourceObject(
        apiVersions.monitoring,
        "PrometheusRule",
        { name: RULE_NAME, namespace, labels: { ...SCRAPE_LABEL } },
        {
            groups: [
                {
                    name: "bdok",
                    rules: alerts(a).map((r) => ({
                        alert: r.alert,
                        expr: r.expr,
                        for: r.for,
                        labels: { severity: r.severity },
                        annotations: { summary: r.summary, first_step: r.firstStep },
                    })),
                },
            ],
        },
    );
}
