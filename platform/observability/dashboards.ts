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

/** A panel: its title, its queries as [PromQL, legend] pairs, and what differs from a time series of plain numbers. */
function panel(title: string, queries: Array<[expr: string, legend: string]>, opts: Pick<Panel, "kind" | "unit"> = {}): Panel {
    return { title, ...opts, queries: queries.map(([expr, legend]) => ({ expr, legend })) };
}

/** A dashboard of the platform: uid bdok-<key>, title "bdok / <name>". */
function dashboard(key: string, name: string, description: string, panels: Panel[]): Dashboard {
    return { uid: `bdok-${key}`, title: `bdok / ${name}`, description, panels };
}

export function dashboards(): Dashboard[] {
    return [
        dashboard("kafka", "Kafka", "Brokers (controller, partitions, under-replicated), topic throughput, consumer lag, Connect connectors and tasks.", [
            panel("Brokers seen by the exporter", [["max(kafka_brokers)", "brokers"]], { kind: "stat" }),
            panel("Active controllers", [["sum(kafka_controller_activecontrollercount)", "controllers"]], { kind: "stat" }),
            panel("Under-replicated / offline partitions", [
                ["sum(kafka_server_replicamanager_underreplicatedpartitions)", "under-replicated"],
                ["sum(kafka_controller_offlinepartitionscount)", "offline"],
            ]),
            panel("Messages in per topic", [["sum by (topic) (rate(kafka_server_topic_messagesin[5m]))", "{{topic}}"]], { unit: "cps" }),
            panel(
                "Bytes in / out",
                [
                    ["sum(rate(kafka_server_topic_bytesin[5m]))", "in"],
                    ["sum(rate(kafka_server_topic_bytesout[5m]))", "out"],
                ],
                { unit: "Bps" },
            ),
            panel("Consumer lag", [["sum by (consumergroup, topic) (kafka_consumergroup_lag)", "{{consumergroup}} / {{topic}}"]]),
            panel("Connectors by status", [["sum by (connector, status) (kafka_connect_connector_status)", "{{connector}} {{status}}"]]),
            panel("Connect tasks running / failed", [
                ["sum by (connector) (kafka_connect_connector_running_tasks)", "{{connector}} running"],
                ["sum by (connector) (kafka_connect_connector_failed_tasks)", "{{connector}} failed"],
            ]),
            panel("Connect records per task", [["sum by (connector, task) (rate(kafka_connect_task_records[5m]))", "{{connector}}/{{task}}"]], { unit: "cps" }),
        ]),
        dashboard("spark", "Spark", "Applications by state (the operator), and per running application its executors: active and failed tasks, memory, GC.", [
            panel("Applications (operator)", [
                ["sum(spark_application_running_count)", "running"],
                ["sum(increase(spark_application_success_count[1h]))", "succeeded (1h)"],
                ["sum(increase(spark_application_failure_count[1h]))", "failed (1h)"],
            ]),
            panel("Executors running", [["sum(spark_executor_running_count)", "executors"]]),
            panel("Active tasks per application", [["sum by (application_name) (metrics_executor_activeTasks)", "{{application_name}}"]]),
            panel("Failed tasks per application", [["sum by (application_name) (increase(metrics_executor_failedTasks_total[15m]))", "{{application_name}}"]]),
            panel(
                "Executor memory used",
                [["sum by (application_name, executor_id) (metrics_executor_memoryUsed_bytes)", "{{application_name}} {{executor_id}}"]],
                { unit: "bytes" },
            ),
            panel("GC time", [["sum by (application_name) (rate(metrics_executor_totalGCTime_seconds_total[5m]))", "{{application_name}}"]], { unit: "s" }),
        ]),
        dashboard("trino", "Trino", "Running and queued queries, failures, JVM heap of the coordinator and workers.", [
            panel("Queries running / queued", [
                ["sum(trino_querymanager_runningqueries)", "running"],
                ["sum(trino_querymanager_queuedqueries)", "queued"],
            ]),
            panel("Queries failed / completed (rate)", [
                ["sum(rate(trino_querymanager_failedqueries_count[5m]))", "failed"],
                ["sum(rate(trino_querymanager_completedqueries_count[5m]))", "completed"],
            ]),
            panel(
                "JVM heap used / max",
                [
                    ["sum by (pod) (trino_jvm_heap_used_bytes)", "{{pod}} used"],
                    ["sum by (pod) (trino_jvm_heap_max_bytes)", "{{pod}} max"],
                ],
                { unit: "bytes" },
            ),
        ]),
        dashboard("airflow", "Airflow", "DAG runs (succeeded, failed, duration), task failures by operator, scheduler heartbeat.", [
            panel("DAG runs per DAG (1h)", [
                ["sum by (dag_id) (increase(airflow_dagrun_duration_count[1h]))", "{{dag_id}} succeeded"],
                ["sum by (dag_id) (increase(airflow_dagrun_failed_count[1h]))", "{{dag_id}} failed"],
            ]),
            panel("Successful run duration (median)", [['max by (dag_id) (airflow_dagrun_duration{quantile="0.5"})', "{{dag_id}}"]], { unit: "ms" }),
            panel("Task failures by operator", [["sum by (operator) (increase(airflow_operator_failures[1h]))", "{{operator}}"]]),
            panel("Scheduler heartbeats", [["sum(rate(airflow_scheduler_heartbeat[5m]))", "heartbeats/s"]]),
        ]),
        dashboard("elasticsearch", "Elasticsearch", "Cluster health colour, nodes, data disk per node.", [
            panel("Health", [["max by (cluster, color) (elasticsearch_cluster_health_status) == 1", "{{color}}"]], { kind: "stat" }),
            panel("Nodes", [["max(elasticsearch_cluster_health_number_of_nodes)", "nodes"]], { kind: "stat" }),
            panel(
                "Data disk free",
                [["sum by (name) (elasticsearch_filesystem_data_available_bytes) / sum by (name) (elasticsearch_filesystem_data_size_bytes)", "{{name}}"]],
                { unit: "percentunit" },
            ),
        ]),
        dashboard("karpenter", "Karpenter", "Nodes per pool, pool usage against its limits, node launches and disruptions: what drives the EC2 bill.", [
            panel(
                "Pool usage / limit",
                [["karpenter_nodepools_usage / on (nodepool, resource_type) karpenter_nodepools_limit", "{{nodepool}} {{resource_type}}"]],
                { unit: "percentunit" },
            ),
            panel("Allocatable CPU per pool", [['sum by (nodepool) (karpenter_nodes_allocatable{resource_type="cpu"})', "{{nodepool}}"]]),
            panel("Nodes created / terminated (1h)", [
                ["sum by (nodepool) (increase(karpenter_nodes_created_total[1h]))", "{{nodepool}} created"],
                ["sum by (nodepool) (increase(karpenter_nodes_terminated_total[1h]))", "{{nodepool}} terminated"],
            ]),
            panel("Disruptions by reason (1h)", [["sum by (reason) (increase(karpenter_nodeclaims_disrupted_total[1h]))", "{{reason}}"]]),
            panel("Pods waiting to be scheduled", [["sum(karpenter_scheduler_queue_depth)", "pending"]]),
        ]),
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
