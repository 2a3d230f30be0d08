// Prometheus JMX exporter configurations: which MBean attributes become which metrics, for Kafka's
// brokers and Connect (Strimzi's metricsConfig) and Trino (the chart's jmx.exporter sidecar).
// Only what the dashboards and alerts read. Every rule is a GAUGE whose name is final (no
// `_total` suffix a COUNTER would get from the exporter's client library), so the metric names
// here are exactly what Prometheus stores.
//
// The exporter matches each rule's pattern, unanchored, against
// `domain<key=value, ...><compositeKeys>attribute: value` (prometheus/jmx_exporter README,
// "Pattern input"); model/metrics/exposed.json lists the MBeans upstream registers, and the tests
// apply these rules to them.
import * as YAML from "yaml";

export interface JmxRule {
    pattern: string;
    name: string;
    type: "GAUGE";
    labels?: Record<string, string>;
    /** A fixed value (for a string attribute such as a connector's status). */
    value?: number;
}

export interface JmxExporterConfig {
    hostPort?: string;
    lowercaseOutputName: boolean;
    lowercaseOutputLabelNames: boolean;
    rules: JmxRule[];
}

/** The ConfigMap key Strimzi and the Trino chart read the configuration from. */
export const JMX_CONFIG_KEY = "metrics-config.yml";
export const KAFKA_METRICS_CONFIGMAP = "bdok-kafka-metrics";
export const CONNECT_METRICS_CONFIGMAP = "bdok-connect-metrics";

/** Brokers (kafka.server MBeans, Kafka docs "Monitoring"). */
export function kafkaJmxConfig(): JmxExporterConfig {
    return {
        lowercaseOutputName: true,
        lowercaseOutputLabelNames: true,
        rules: [
            // Per-topic byte and message meters (the Count of a Yammer meter only grows).
            {
                pattern: "kafka.server<type=BrokerTopicMetrics, name=(MessagesIn|BytesIn|BytesOut)PerSec, topic=(.+)><>Count",
                name: "kafka_server_topic_$1",
                type: "GAUGE",
                labels: { topic: "$2" },
            },
            {
                pattern: "kafka.server<type=ReplicaManager, name=(UnderReplicatedPartitions|PartitionCount)><>Value",
                name: "kafka_server_replicamanager_$1",
                type: "GAUGE",
            },
            {
                pattern: "kafka.controller<type=KafkaController, name=(ActiveControllerCount|OfflinePartitionsCount)><>Value",
                name: "kafka_controller_$1",
                type: "GAUGE",
            },
        ],
    };
}

/** Connect workers (kafka.connect MBeans, ConnectMetricsRegistry). */
export function connectJmxConfig(): JmxExporterConfig {
    return {
        lowercaseOutputName: true,
        lowercaseOutputLabelNames: true,
        rules: [
            // A string attribute: one series per connector with its current status as a label.
            {
                pattern: "kafka.connect<type=connector-metrics, connector=(.+)><>status: ([a-z-]+)",
                name: "kafka_connect_connector_status",
                type: "GAUGE",
                value: 1,
                labels: { connector: "$1", status: "$2" },
            },
            {
                pattern: "kafka.connect<type=connect-worker-metrics, connector=(.+)><>connector-(running|failed|total)-task-count",
                name: "kafka_connect_connector_$2_tasks",
                type: "GAUGE",
                labels: { connector: "$1" },
            },
            {
                pattern: "kafka.connect<type=(source|sink)-task-metrics, connector=(.+), task=(.+)><>(source-record-poll|sink-record-send)-total",
                name: "kafka_connect_task_records",
                type: "GAUGE",
                labels: { connector: "$2", task: "$3", kind: "$1" },
            },
        ],
    };
}

/** The Trino chart's JMX exporter sidecar reads the JVM's RMI registry on this port (values.yaml jmx.registryPort). */
export const TRINO_JMX_REGISTRY_PORT = 9080;

/** Trino coordinator and workers (trino.execution and JVM MBeans). */
export function trinoJmxConfig(): JmxExporterConfig {
    return {
        hostPort: `localhost:${TRINO_JMX_REGISTRY_PORT}`,
        lowercaseOutputName: true,
        lowercaseOutputLabelNames: true,
        rules: [
            { pattern: "trino.execution<name=QueryManager><>(RunningQueries|QueuedQueries)", name: "trino_querymanager_$1", type: "GAUGE" },
            {
                pattern: "trino.execution<name=QueryManager><>(FailedQueries|CompletedQueries|StartedQueries)\\.TotalCount",
                name: "trino_querymanager_$1_count",
                type: "GAUGE",
            },
            { pattern: "java.lang<type=Memory><HeapMemoryUsage>(used|max)", name: "trino_jvm_heap_$1_bytes", type: "GAUGE" },
        ],
    };
}

export function jmxConfigText(c: JmxExporterConfig): string {
    return YAML.stringify(c);
}
