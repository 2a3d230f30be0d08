// Every alert and every dashboard query parses with Prometheus's own PromQL grammar
// (@prometheus-io/lezer-promql, the parser of Prometheus's web UI) and names only metrics that what
// the platform deploys exposes. The exposure list is model/metrics/exposed.json, taken from upstream
// (each entry cites its source) and read only here; the JMX-based metric names are what the
// exporter makes of the MBeans upstream registers, through the rules the program ships.
import { strict as assert } from "assert";
import { parser } from "@prometheus-io/lezer-promql";
import { alerts } from "./rules";
import { dashboards } from "./dashboards";
import { connectJmxConfig, kafkaJmxConfig, trinoJmxConfig, type JmxExporterConfig } from "./jmx";
import { scrapeTargets } from "./monitors";
import { prometheusStackValues } from "./values";
import { loadExposure, type Exposure } from "../../test/exposed-metrics";

/** Parse errors of a PromQL expression, by position. */
function parseErrors(expr: string): string[] {
    const errors: string[] = [];
    parser.parse(expr).iterate({
        enter: (n) => {
            if (n.type.isError) errors.push(`at ${n.from}: ${JSON.stringify(expr.slice(Math.max(0, n.from - 10), n.to + 10))}`);
        },
    });
    return errors;
}

/** The metric names an expression selects (each VectorSelector's name). */
function metricNames(expr: string): string[] {
    const names = new Set<string>();
    const tree = parser.parse(expr);
    tree.iterate({
        enter: (n) => {
            if (n.name !== "VectorSelector") return;
            const id = n.node.getChild("Identifier");
            if (id) names.add(expr.slice(id.from, id.to));
        },
    });
    return [...names];
}

/**
 * What the JMX exporter exposes for an attribute line: the first rule whose pattern matches,
 * unanchored (the exporter compiles `^.*(?:<pattern>).*$`), its name with the groups substituted,
 * lower-cased with lowercaseOutputName, characters outside [a-zA-Z0-9:_] made `_`.
 */
function jmxExposed(config: JmxExporterConfig, input: string): string | undefined {
    for (const rule of config.rules) {
        const m = new RegExp(`^.*(?:${rule.pattern}).*$`).exec(input);
        if (!m) continue;
        let name = rule.name.replace(/\$(\d+)/g, (_, i) => m[Number(i)] ?? "");
        if (config.lowercaseOutputName) name = name.toLowerCase();
        return name.replace(/[^a-zA-Z0-9:_]/g, "_").replace(/__+/g, "_");
    }
    return undefined;
}

const exposure = loadExposure();

/** Every metric name the deployed targets expose, by where it comes from. */
function exposedMetrics(model: Exposure, jmx = { kafka: kafkaJmxConfig(), connect: connectJmxConfig(), trino: trinoJmxConfig() }): Map<string, string> {
    const targets = new Set(scrapeTargets({ karpenterNamespace: "karpenter", sparkJobNamespaces: ["airflow", "kafka"] }).map((t) => t.name));
    const out = new Map<string, string>();
    for (const e of model.exporters) {
        // The chart's own targets: kubelet and kube-state-metrics are on unless the values turn them off.
        const scraped = e.target.startsWith("chart:") ? chartTargetOn(e.target.slice("chart:".length)) : targets.has(e.target);
        if (!scraped) continue;
        for (const m of e.metrics) out.set(m.name, e.id);
    }
    for (const [key, config] of Object.entries(jmx) as [keyof typeof jmx, JmxExporterConfig][]) {
        for (const line of model.jmx[key]) {
            const name = jmxExposed(config, line.input);
            if (name) out.set(name, `jmx ${key}`);
        }
    }
    return out;
}

function chartTargetOn(target: string): boolean {
    const v = prometheusStackValues({ ha: false, storageClass: "gp3" }) as Record<string, any>;
    const key = target === "kube-state-metrics" ? "kubeStateMetrics" : target;
    return v[key]?.enabled !== false;
}

function missing(expr: string, exposed: Map<string, string>): string[] {
    return metricNames(expr).filter((n) => !exposed.has(n));
}

const everyAlert = alerts({ streaming: { namespace: "kafka", application: "stream" } });
const everyQuery = dashboards().flatMap((d) => d.panels.flatMap((p) => p.queries.map((q) => ({ where: `${d.title} / ${p.title}`, expr: q.expr }))));

describe("observability: alerts and dashboards read only exposed metrics", () => {
    const exposed = exposedMetrics(exposure);

    it("the parser finds errors and metric names (a broken expression is not silently accepted)", () => {
        assert.deepEqual(parseErrors("sum by (a) (rate(foo_total[5m])) > 0"), []);
        assert.notDeepEqual(parseErrors("sum by (a (rate(foo_total[5m])"), []);
        assert.notDeepEqual(parseErrors("rate(foo_total[5m]"), []);
        assert.deepEqual(metricNames('a_metric / on (x) b_metric{l="v"} > 0.9 and absent(c_metric == 1)').sort(), ["a_metric", "b_metric", "c_metric"]);
    });

    for (const a of everyAlert) {
        it(`alert ${a.alert}: parses and names exposed metrics only`, () => {
            assert.deepEqual(parseErrors(a.expr), [], a.expr);
            assert.ok(metricNames(a.expr).length > 0, `${a.alert} names no metric`);
            assert.deepEqual(missing(a.expr, exposed), [], a.expr);
        });
    }

    it("every dashboard query parses and names exposed metrics only", () => {
        assert.ok(everyQuery.length >= 20, `${everyQuery.length} queries`);
        const problems = everyQuery.flatMap((q) => [
            ...parseErrors(q.expr).map((e) => `${q.where}: parse ${e}`),
            ...missing(q.expr, exposed).map((m) => `${q.where}: ${m} not exposed`),
        ]);
        assert.deepEqual(problems, []);
    });

    it("each of Kafka, Spark, Trino, Airflow, Elasticsearch and Karpenter has a dashboard with queries", () => {
        for (const part of ["Kafka", "Spark", "Trino", "Airflow", "Elasticsearch", "Karpenter"]) {
            const d = dashboards().find((x) => x.title.endsWith(part));
            assert.ok(d && d.panels.every((p) => p.queries.length > 0), part);
        }
    });

    it("a metric is exposed only while its target is scraped: dropping an exporter's target or a JMX rule fails the alerts that read it", () => {
        // Without the Kafka Exporter's entry, the lag alert's metric is not exposed.
        const noLag = structuredClone(exposure);
        noLag.exporters = noLag.exporters.filter((e) => e.id !== "kafka-exporter");
        const lag = everyAlert.find((a) => a.alert === "KafkaConsumerLagGrowing")!;
        assert.deepEqual(missing(lag.expr, exposedMetrics(noLag)), ["kafka_consumergroup_lag"]);
        // A target name no PodMonitor has: its metrics are not exposed.
        const unscraped = structuredClone(exposure);
        unscraped.exporters.find((e) => e.id === "karpenter")!.target = "no-such-monitor";
        const pool = everyAlert.find((a) => a.alert === "KarpenterNodePoolAtLimit")!;
        assert.deepEqual(missing(pool.expr, exposedMetrics(unscraped)).sort(), ["karpenter_nodepools_limit", "karpenter_nodepools_usage"]);
        // Connect without the status rule: the connector-failed alert reads an unexposed metric.
        const connect = connectJmxConfig();
        connect.rules = connect.rules.filter((r) => !r.pattern.includes("status"));
        const failed = everyAlert.find((a) => a.alert === "KafkaConnectorFailed")!;
        assert.deepEqual(missing(failed.expr, exposedMetrics(exposure, { kafka: kafkaJmxConfig(), connect, trino: trinoJmxConfig() })), [
            "kafka_connect_connector_status",
        ]);
    });

    it("the JMX rules turn upstream MBeans into the names the queries use (table)", () => {
        const cases: [JmxExporterConfig, string, string | undefined][] = [
            [kafkaJmxConfig(), "kafka.server<type=BrokerTopicMetrics, name=MessagesInPerSec, topic=t><>Count: 1", "kafka_server_topic_messagesin"],
            [
                kafkaJmxConfig(),
                "kafka.server<type=ReplicaManager, name=UnderReplicatedPartitions><>Value: 0",
                "kafka_server_replicamanager_underreplicatedpartitions",
            ],
            // A meter's rate attribute is not the count: no rule takes it.
            [kafkaJmxConfig(), "kafka.server<type=BrokerTopicMetrics, name=MessagesInPerSec, topic=t><>OneMinuteRate: 1", undefined],
            [connectJmxConfig(), "kafka.connect<type=connector-metrics, connector=c><>status: running", "kafka_connect_connector_status"],
            [
                connectJmxConfig(),
                "kafka.connect<type=connect-worker-metrics, connector=c><>connector-failed-task-count: 0",
                "kafka_connect_connector_failed_tasks",
            ],
            [trinoJmxConfig(), "trino.execution<name=QueryManager><>FailedQueries.TotalCount: 2", "trino_querymanager_failedqueries_count"],
            [trinoJmxConfig(), "trino.execution<name=QueryManager><>FailedQueries.OneMinute.Count: 2", undefined],
        ];
        for (const [config, input, name] of cases) assert.equal(jmxExposed(config, input), name, input);
    });

    it("every alert says what to do first, and the streaming alert exists only with the realtime pipeline", () => {
        for (const a of everyAlert) assert.ok(a.firstStep.length > 20 && a.summary.length > 10, a.alert);
        assert.ok(everyAlert.some((a) => a.alert === "StreamingApplicationNotRunning"));
        assert.ok(!alerts({}).some((a) => a.alert === "StreamingApplicationNotRunning"));
        const names = everyAlert.map((a) => a.alert);
        assert.equal(new Set(names).size, names.length, "alert names are unique");
    });
});
