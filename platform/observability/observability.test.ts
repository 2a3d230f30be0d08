import { strict as assert } from "assert";
import { Graph } from "../../tools/graph";
import { chartDefaults, deepMerge, unknownValuesKeys, validateCustomResource } from "../../tools/schemas";
import { helmTemplate, parseManifest } from "../../tools/helm";
import { charts, crdManifests } from "../../versions";
import { describeEachStack, descendants, inputsOf, one, ofType, planWith, stackSetting } from "../../test/support";
import { networkPolicies } from "../network-policies/specs";
import { dashboardConfigMap, dashboards } from "./dashboards";
import { podMonitor, scrapePorts, scrapeTargets } from "./monitors";
import { prometheusRule } from "./rules";
import { MONITORING_NAMESPACE, SCRAPE_LABEL, observabilitySizing, prometheusStackValues } from "./values";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const targetArgs = { karpenterNamespace: "karpenter", sparkJobNamespaces: ["airflow", "kafka"] };

/** The chart's values.yaml, with each subchart's own defaults under its key (helm merges them so). */
function defaultsWithSubcharts(): Record<string, unknown> {
    const d = chartDefaults("kube-prometheus-stack") as Record<string, any>;
    for (const sub of ["grafana", "kube-state-metrics"]) d[sub] = deepMerge(chartDefaults(`kube-prometheus-stack/subcharts/${sub}`), d[sub] ?? {});
    return d;
}

describe("Platform: Observability (pure)", () => {
    it("every values key exists in the chart's (or its subchart's) values.yaml, in both profiles", () => {
        for (const ha of [false, true])
            assert.deepEqual(unknownValuesKeys(prometheusStackValues({ ha, storageClass: "gp3" }), defaultsWithSubcharts()), [], `ha=${ha}`);
    });

    it("small: one Prometheus, short retention, no volume; ha: replicas, each with a volume larger than its retention size", () => {
        const small = observabilitySizing(false);
        assert.equal(small.prometheusReplicas, 1);
        assert.equal(small.prometheusVolumeGiB, undefined);
        assert.ok(parseInt(small.retention, 10) <= 3 && small.retention.endsWith("d"));
        const ha = observabilitySizing(true);
        assert.ok(ha.prometheusReplicas >= 2 && ha.alertmanagerReplicas >= 2);
        // retentionSize below the volume, so Prometheus deletes blocks before the disk is full.
        assert.ok(parseInt(ha.retentionSize, 10) < ha.prometheusVolumeGiB!, `${ha.retentionSize} on ${ha.prometheusVolumeGiB}Gi`);
    });

    it("every PodMonitor, the PrometheusRule and no other object carries the label Prometheus selects by, and is valid against the pinned CRDs", () => {
        const objs = [
            ...scrapeTargets(targetArgs).map((t) => podMonitor(t, MONITORING_NAMESPACE)),
            prometheusRule({ streaming: { namespace: "kafka", application: "s" } }, MONITORING_NAMESPACE),
        ];
        for (const o of objs) {
            assert.deepEqual(validateCustomResource(o), [], `${o.kind}/${o.metadata.name}`);
            assert.deepEqual(o.metadata.labels, SCRAPE_LABEL);
        }
        const v = prometheusStackValues({ ha: false, storageClass: "gp3" }) as any;
        for (const sel of ["serviceMonitorSelector", "podMonitorSelector", "ruleSelector"])
            assert.deepEqual(v.prometheus.prometheusSpec[sel], { matchLabels: SCRAPE_LABEL });
        // A typo in a PodMonitor field is refused by the schema (strict).
        const bad = podMonitor(scrapeTargets(targetArgs)[0], MONITORING_NAMESPACE);
        (bad.spec as any).podMetricEndpoints = bad.spec.podMetricsEndpoints;
        assert.ok(validateCustomResource(bad).join("\n").includes("podMetricEndpoints"));
    });

    it("Spark drivers are scraped in every namespace (users' jobs too) on both Prometheus endpoints", () => {
        const spark = scrapeTargets(targetArgs).find((t) => t.name === "spark-drivers")!;
        const pm = podMonitor(spark, MONITORING_NAMESPACE);
        assert.deepEqual(pm.spec.namespaceSelector, { any: true });
        assert.deepEqual(pm.spec.selector, { matchLabels: { "spark-role": "driver" } });
        assert.deepEqual(
            pm.spec.podMetricsEndpoints.map((e: any) => `${e.port} ${e.path}`),
            ["spark-ui /metrics/executors/prometheus", "spark-ui /metrics/prometheus/"],
        );
    });

    it("network policies let Prometheus, and only Prometheus, in on each namespace's metrics ports", () => {
        const ports = scrapePorts(scrapeTargets(targetArgs));
        const nps = networkPolicies({
            config: { exposure: "clusterIp", loadBalancerSourceRanges: [], vpcCidr: "10.0.0.0/16" },
            namespaces: ["kafka", "airflow", "trino", "elastic", "spark-operator", "karpenter", MONITORING_NAMESPACE],
            connectToElasticsearch: true,
            prometheus: { namespace: MONITORING_NAMESPACE, ports },
        });
        const scrape = nps.filter((p) => p.metadata.name === "allow-prometheus-scrape");
        assert.deepEqual(scrape.map((p) => p.metadata.namespace).sort(), ["airflow", "elastic", "kafka", "karpenter", "spark-operator", "trino"]);
        const kafka = scrape.find((p) => p.metadata.namespace === "kafka")!;
        const rule = kafka.spec.ingress![0] as any;
        assert.deepEqual(
            rule.ports.map((p: any) => p.port),
            [4040, 8080, 9404],
        );
        assert.deepEqual(rule.from, [
            {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": MONITORING_NAMESPACE } },
                podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
            },
        ]);
        // Without observability no such policy exists.
        const off = networkPolicies({
            config: { exposure: "clusterIp", loadBalancerSourceRanges: [], vpcCidr: "10.0.0.0/16" },
            namespaces: ["kafka"],
            connectToElasticsearch: false,
        });
        assert.ok(!off.some((p) => p.metadata.name === "allow-prometheus-scrape"));
    });

    it("dashboards are ConfigMaps the Grafana sidecar loads (its label from the chart's values), one JSON each with a unique uid", () => {
        const label = (defaultsWithSubcharts() as any).grafana.sidecar.dashboards;
        const cms = dashboards().map((d) => dashboardConfigMap(d, MONITORING_NAMESPACE));
        for (const cm of cms) {
            assert.equal(cm.metadata.labels[label.label as "grafana_dashboard"], label.labelValue);
            const [file, json] = Object.entries(cm.data)[0];
            const d = JSON.parse(json);
            assert.equal(file, `${d.uid}.json`);
            assert.ok(d.panels.length > 0);
        }
        assert.equal(new Set(cms.map((c) => c.metadata.name)).size, cms.length);
    });

    it("the real chart renders Grafana with the admin Secret, no node exporter, and Prometheus selecting by the label", function () {
        this.timeout(300_000);
        const objects = parseManifest(
            helmTemplate("kubePrometheusStack", {
                releaseName: "monitoring",
                namespace: MONITORING_NAMESPACE,
                values: prometheusStackValues({ ha: true, storageClass: "gp3" }),
                kubeVersion: "1.35.0",
                skipCrds: true,
            }),
        );
        const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`);
        assert.ok(!kinds.some((k) => k.startsWith("DaemonSet/")), `no DaemonSet (node exporter off): ${kinds.filter((k) => k.startsWith("DaemonSet"))}`);
        assert.ok(!objects.some((o) => o.kind === "CustomResourceDefinition"));
        const prom = objects.find((o) => o.kind === "Prometheus")!;
        assert.equal(prom.spec.replicas, 2);
        assert.deepEqual(prom.spec.podMonitorSelector, { matchLabels: SCRAPE_LABEL });
        assert.equal(prom.spec.storage.volumeClaimTemplate.spec.resources.requests.storage, "50Gi");
        const grafana = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "monitoring-grafana")!;
        const env = grafana.spec.template.spec.containers.flatMap((c: any) => c.env ?? []);
        assert.ok(
            env.some((e: any) => e.name === "GF_SECURITY_ADMIN_PASSWORD" && e.valueFrom?.secretKeyRef?.name === "grafana-admin"),
            JSON.stringify(env),
        );
        // The chart's own ServiceMonitors (kubelet, kube-state-metrics) carry the label Prometheus selects by.
        const sms = objects.filter((o) => o.kind === "ServiceMonitor");
        for (const name of ["monitoring-kubelet", "monitoring-kube-state-metrics"]) {
            const sm = sms.find((o) => o.metadata.name === name);
            assert.ok(sm, `${name} among ${sms.map((o) => o.metadata.name)}`);
            assert.equal(sm.metadata.labels?.release, SCRAPE_LABEL.release, name);
        }
    });
});

describeEachStack(
    (stack) => `Platform: Observability on the ${stack} stack`,
    (plan, stack) => {
        it("the Release pins the chart, skips crds/ and waits for every pinned CRD manifest; monitors and rules wait for them too", () => {
            const run = plan();
            const comp = one(run, "bdok:platform:Observability");
            const rel = descendants(run, comp.urn).find((r) => r.type === RELEASE)!;
            const inp = inputsOf(rel);
            assert.equal(inp.chart, charts.kubePrometheusStack.chart);
            assert.equal(inp.version, charts.kubePrometheusStack.version);
            assert.equal(inp.skipCrds, true);
            const g = new Graph(run.captured);
            const files = ofType(run, "kubernetes:yaml/v2:ConfigFile").filter((f) =>
                (crdManifests.kubePrometheusStack as readonly string[]).includes(inputsOf(f).file),
            );
            assert.equal(files.length, crdManifests.kubePrometheusStack.length);
            const crs = run.captured.filter((r) => r.type.startsWith("kubernetes:monitoring.coreos.com/"));
            assert.ok(crs.length >= scrapeTargets(targetArgs).length + 1, `${crs.length} monitoring CRs`);
            for (const f of files) {
                assert.ok(g.outlives(f.urn, rel.urn), `the release does not wait for ${f.name}`);
                for (const cr of crs) assert.ok(g.outlives(f.urn, cr.urn), `${cr.name} does not wait for ${f.name}`);
            }
            assert.equal(inp.values.prometheus.prometheusSpec.replicas, stackSetting(stack, "profile") === "ha" ? 2 : 1);
        });

        it("Grafana's admin password is a Pulumi secret, in a Secret the chart reads, and an output", () => {
            const run = plan();
            const secret = ofType(run, "kubernetes:core/v1:Secret").find((s) => inputsOf(s).metadata?.name === "grafana-admin")!;
            assert.ok(secret, "the grafana-admin Secret");
            assert.equal(secret.inputs.stringData, "[secret]", "a Pulumi secret");
            assert.equal(run.plan.outputs.grafanaAdminPassword, "[secret]");
            assert.match(String(run.plan.outputs.grafanaPortForward), /port-forward svc\/monitoring-grafana/);
        });

        it("Kafka and Connect expose JMX metrics from the ConfigMaps, and the Kafka Exporter runs", () => {
            const run = plan();
            const kafka = run.captured.find((r) => r.type === "kubernetes:kafka.strimzi.io/v1:Kafka")!;
            const spec = inputsOf(kafka).spec;
            assert.equal(spec.kafka.metricsConfig.type, "jmxPrometheusExporter");
            assert.ok(spec.kafkaExporter);
            const maps = ofType(run, "kubernetes:core/v1:ConfigMap").map((c) => inputsOf(c).metadata?.name);
            assert.ok(maps.includes(spec.kafka.metricsConfig.valueFrom.configMapKeyRef.name));
        });
    },
);

describe("Platform: Observability off (bdok:observability.enabled false)", () => {
    it("no release, no monitoring namespace, no metrics config on Kafka, no JMX sidecar on Trino", async function () {
        this.timeout(300_000);
        const run = await planWith("dev", { "bdok:observability": JSON.stringify({ enabled: false }) });
        assert.ok(!run.captured.some((r) => r.type === "bdok:platform:Observability"));
        assert.ok(!run.captured.some((r) => r.type.startsWith("kubernetes:monitoring.coreos.com/")));
        const kafka = run.captured.find((r) => r.type === "kubernetes:kafka.strimzi.io/v1:Kafka")!;
        assert.equal(inputsOf(kafka).spec.kafka.metricsConfig, undefined);
        assert.equal(inputsOf(kafka).spec.kafkaExporter, undefined);
        const trino = ofType(run, RELEASE).find((r) => inputsOf(r).chart === charts.trino.chart)!;
        assert.equal(inputsOf(trino).values.jmx, undefined);
        assert.ok(!("grafanaAdminPassword" in run.plan.outputs));
    });
});
