// Grafana dashboards built here (no dashboard file is copied from elsewhere): one per part, each
// panel one or more PromQL queries. The Grafana sidecar loads every ConfigMap labelled
// DASHBOARD_LABEL; the tests check each query parses and names only exposed metrics.
import { DASHBOARD_LABEL, PROMETHEUS_DATASOURCE_UID } from "./values";

export interface Panel {
    title: string;
    /** PromQL, with the legend Grafana shows per series. */
    queries: { expr: string; legend: string }[];
    unit?: string;
    kind?: "timeseries" | "stat";
}

export interface Dashboard {
    uid: string;
    title: string;
    /** What a user reads it for (docs/observability.md repeats it). */
    description: string;
    panels: Panel[];
}

export function dashboards(): Dashboard[] {
    return [
        {
            uid: "bdok-kafka",
            title: "bdok / Kafka",
            description: "Brokers (controller, partitions, under-replicated), topic throughput, consumer lag, Connect connectors and tasks.",
            panels: [
                { title: "Brokers seen by the exporter", kind: "stat", queries: [{ expr: "max(kafka_brokers)", legend: "brokers" }] },
                { title: "Active controllers", kind: "stat", queries: [{ expr: "sum(kafka_controller_activecontrollercount)", legend: "controllers" }] },
                {
                    title: "Under-replicated / offline partitions",
                    queries: [
                        { expr: "sum(kafka_server_replicamanager_underreplicatedpartitions)", legend: "under-replicated" },
                        { expr: "sum(kafka_controller_offlinepartitionscount)", legend: "offline" },
                    ],
                },
                {
                    title: "Messages in per topic",
                    unit: "cps",
                    queries: [{ expr: "sum by (topic) (rate(kafka_server_topic_messagesin[5m]))", legend: "{{topic}}" }],
                },
                {
                    title: "Bytes in / out",
                    unit: "Bps",
                    queries: [
                        { expr: "sum(rate(kafka_server_topic_bytesin[5m]))", legend: "in" },
                        { expr: "sum(rate(kafka_server_topic_bytesout[5m]))", legend: "out" },
                    ],
                },
                {
                    title: "Consumer lag",
                    queries: [{ expr: "sum by (consumergroup, topic) (kafka_consumergroup_lag)", legend: "{{consumergroup}} / {{topic}}" }],
                },
                {
                    title: "Connectors by status",
                    queries: [{ expr: "sum by (connector, status) (kafka_connect_connector_status)", legend: "{{connector}} {{status}}" }],
                },
                {
                    title: "Connect tasks running / failed",
                    queries: [
                        { expr: "sum by (connector) (kafka_connect_connector_running_tasks)", legend: "{{connector}} running" },
                        { expr: "sum by (connector) (kafka_connect_connector_failed_tasks)", legend: "{{connector}} failed" },
                    ],
                },
                {
                    title: "Connect records per task",
                    unit: "cps",
                    queries: [{ expr: "sum by (connector, task) (rate(kafka_connect_task_records[5m]))", legend: "{{connector}}/{{task}}" }],
                },
            ],
        },
        {
            uid: "bdok-spark",
            title: "bdok / Spark",
            description: "Applications by state (the operator), and per running application its executors: active and failed tasks, memory, GC.",
            panels: [
                {
                    title: "Applications (operator)",
                    queries: [
                        { expr: "sum(spark_application_running_count)", legend: "running" },
                        { expr: "sum(increase(spark_application_success_count[1h]))", legend: "succeeded (1h)" },
                        { expr: "sum(increase(spark_application_failure_count[1h]))", legend: "failed (1h)" },
                    ],
                },
                { title: "Executors running", queries: [{ expr: "sum(spark_executor_running_count)", legend: "executors" }] },
                {
                    title: "Active tasks per application",
                    queries: [{ expr: "sum by (application_name) (metrics_executor_activeTasks)", legend: "{{application_name}}" }],
                },
                {
                    title: "Failed tasks per application",
                    queries: [{ expr: "sum by (application_name) (increase(metrics_executor_failedTasks_total[15m]))", legend: "{{application_name}}" }],
                },
                {
                    title: "Executor memory used",
                    unit: "bytes",
                    queries: [
                        { expr: "sum by (application_name, executor_id) (metrics_executor_memoryUsed_bytes)", legend: "{{application_name}} {{executor_id}}" },
                    ],
                },
                {
                    title: "GC time",
                    unit: "s",
                    queries: [{ expr: "sum by (application_name) (rate(metrics_executor_totalGCTime_seconds_total[5m]))", legend: "{{application_name}}" }],
                },
            ],
        },
        {
            uid: "bdok-trino",
            title: "bdok / Trino",
            description: "Running and queued queries, failures, JVM heap of the coordinator and workers.",
            panels: [
                {
                    title: "Queries running / queued",
                    queries: [
                        { expr: "sum(trino_querymanager_runningqueries)", legend: "running" },
                        { expr: "sum(trino_querymanager_queuedqueries)", legend: "queued" },
                    ],
                },
                {
                    title: "Queries failed / completed (rate)",
                    queries: [
                        { expr: "sum(rate(trino_querymanager_failedqueries_count[5m]))", legend: "failed" },
                        { expr: "sum(rate(trino_querymanager_completedqueries_count[5m]))", legend: "completed" },
                    ],
                },
                {
                    title: "JVM heap used / max",
                    unit: "bytes",
                    queries: [
                        { expr: "sum by (pod) (trino_jvm_heap_used_bytes)", legend: "{{pod}} used" },
                        { expr: "sum by (pod) (trino_jvm_heap_max_bytes)", legend: "{{pod}} max" },
                    ],
                },
            ],
        },
        {
            uid: "bdok-airflow",
            title: "bdok / Airflow",
            description: "DAG runs (succeeded, failed, duration), task failures by operator, scheduler heartbeat.",
            panels: [
                {
                    title: "DAG runs per DAG (1h)",
                    queries: [
                        { expr: "sum by (dag_id) (increase(airflow_dagrun_duration_count[1h]))", legend: "{{dag_id}} succeeded" },
                        { expr: "sum by (dag_id) (increase(airflow_dagrun_failed_count[1h]))", legend: "{{dag_id}} failed" },
                    ],
                },
                {
                    title: "Successful run duration (median)",
                    unit: "ms",
                    queries: [{ expr: 'max by (dag_id) (airflow_dagrun_duration{quantile="0.5"})', legend: "{{dag_id}}" }],
                },
                {
                    title: "Task failures by operator",
                    queries: [{ expr: "sum by (operator) (increase(airflow_operator_failures[1h]))", legend: "{{operator}}" }],
                },
                { title: "Scheduler heartbeats", queries: [{ expr: "sum(rate(airflow_scheduler_heartbeat[5m]))", legend: "heartbeats/s" }] },
            ],
        },
        {
            uid: "bdok-elasticsearch",
            title: "bdok / Elasticsearch",
            description: "Cluster health colour, nodes, data disk per node.",
            panels: [
                {
                    title: "Health",
                    kind: "stat",
                    queries: [{ expr: "max by (cluster, color) (elasticsearch_cluster_health_status) == 1", legend: "{{color}}" }],
                },
                { title: "Nodes", kind: "stat", queries: [{ expr: "max(elasticsearch_cluster_health_number_of_nodes)", legend: "nodes" }] },
                {
                    title: "Data disk free",
                    unit: "percentunit",
                    queries: [
                        {
                            expr: "sum by (name) (elasticsearch_filesystem_data_available_bytes) / sum by (name) (elasticsearch_filesystem_data_size_bytes)",
                            legend: "{{name}}",
                        },
                    ],
                },
            ],
        },
        {
            uid: "bdok-karpenter",
            title: "bdok / Karpenter",
            description: "Nodes per pool, pool usage against its limits, node launches and disruptions: what drives the EC2 bill.",
            panels: [
                {
                    title: "Pool usage / limit",
                    unit: "percentunit",
                    queries: [
                        {
                            expr: "karpenter_nodepools_usage / on (nodepool, resource_type) karpenter_nodepools_limit",
                            legend: "{{nodepool}} {{resource_type}}",
                        },
                    ],
                },
                {
                    title: "Allocatable CPU per pool",
                    queries: [{ expr: 'sum by (nodepool) (karpenter_nodes_allocatable{resource_type="cpu"})', legend: "{{nodepool}}" }],
                },
                {
                    title: "Nodes created / terminated (1h)",
                    queries: [
                        { expr: "sum by (nodepool) (increase(karpenter_nodes_created_total[1h]))", legend: "{{nodepool}} created" },
                        { expr: "sum by (nodepool) (increase(karpenter_nodes_terminated_total[1h]))", legend: "{{nodepool}} terminated" },
                    ],
                },
                {
                    title: "Disruptions by reason (1h)",
                    queries: [{ expr: "sum by (reason) (increase(karpenter_nodeclaims_disrupted_total[1h]))", legend: "{{reason}}" }],
                },
                { title: "Pods waiting to be scheduled", queries: [{ expr: "sum(karpenter_scheduler_queue_depth)", legend: "pending" }] },
            ],
        },
    ];
}

/** Grafana's dashboard JSON (schemaVersion 39): panels two to a row. */
export function dashboardJson(d: Dashboard): Record<string, unknown> {
    const datasource = { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID };
    return {
        uid: d.uid,
        title: d.title,
        description: d.description,
        tags: ["bdok"],
        schemaVersion: 39,
        editable: false,
        time: { from: "now-6h", to: "now" },
        refresh: "1m",
        panels: d.panels.map((p, i) => ({
            id: i + 1,
            type: p.kind ?? "timeseries",
            title: p.title,
            datasource,
            gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
            fieldConfig: { defaults: { unit: p.unit ?? "short" }, overrides: [] },
            targets: p.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: q.expr, legendFormat: q.legend })),
        })),
    };
}

/** The ConfigMap the Grafana sidecar loads a dashboard from. */
export function dashboardConfigMap(d: Dashboard, namespace: string) {
    return {
        metadata: { name: `dashboard-${d.uid}`, namespace, labels: { ...DASHBOARD_LABEL } },
        data: { [`${d.uid}.json`]: JSON.stringify(dashboardJson(d)) },
    };
}
