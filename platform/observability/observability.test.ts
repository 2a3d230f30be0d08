import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { parseConfig } from "../../config";
import { loadStackConfig } from "../../tools/stack-files";
import { Graph } from "../../tools/graph";
import { chartDefaults, deepMerge, unknownValuesKeys, validateCustomResource } from "../../tools/schemas";
import { helmTemplate, parseManifest } from "../../tools/helm";
import { charts, crdManifests } from "../../versions";
import {
    CRD_GROUP,
    crdGroupUrls,
    describeEachStack,
    descendants,
    exposedService,
    inputsOf,
    one,
    ofType,
    planWith,
    plansOfEachExposure,
    runProcess,
    stackSetting,
    transitiveDeps,
} from "../../test/support";
import { networkPolicies } from "../network-policies/specs";
import { dashboardConfigMap, dashboards } from "./dashboards";
import { podMonitor, scrapePorts, scrapeTargets } from "./monitors";
import { alerts, prometheusRule } from "./rules";
import { RECEIVER, RECEIVER_SECRET, RECEIVER_SECRET_KEY } from "./alerting";
import { ES_EXPORTER_USER, EXPORTER_FLAGS, elasticsearchExporterDeployment, exporterRoles } from "./exporter";
import { ES_ELASTIC_USER_SECRET } from "../elastic/values";
import { renderPlan } from "../../tools/render";
import { worldOf } from "../../tools/references";
import { MONITORING_NAMESPACE, SCRAPE_LABEL, observabilitySizing, prometheusStackValues, type GrafanaExposure, type StackValuesArgs } from "./values";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const targetArgs = { karpenterNamespace: "karpenter", sparkJobNamespaces: ["airflow", "kafka"] };

/** The chart's values.yaml, with each subchart's own defaults under its key (helm merges them so). */
function defaultsWithSubcharts(): Record<string, unknown> {
    const d = chartDefaults("kube-prometheus-stack") as Record<string, any>;
    for (const sub of ["grafana", "kube-state-metrics"]) d[sub] = deepMerge(chartDefaults(`kube-prometheus-stack/subcharts/${sub}`), d[sub] ?? {});
    return d;
}

/** The real chart rendered with the program's values (small profile unless told). */
function renderStack(extra: Partial<StackValuesArgs> = {}) {
    return parseManifest(
        helmTemplate("kubePrometheusStack", {
            releaseName: "monitoring",
            namespace: MONITORING_NAMESPACE,
            values: prometheusStackValues({ ha: false, storageClass: "gp3", ...extra }),
            kubeVersion: "1.35.0",
            skipCrds: true,
        }),
    );
}

describe("Platform: Observability (pure)", () => {
    it("every values key exists in the chart's (or its subchart's) values.yaml, in both profiles", () => {
        const lb: GrafanaExposure = {
            exposure: "publicLoadBalancer",
            loadBalancerSourceRanges: ["203.0.113.0/24"],
            vpcCidr: "10.0.0.0/16",
            loadBalancerCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x",
        };
        for (const ha of [false, true])
            for (const exposure of [undefined, lb])
                assert.deepEqual(unknownValuesKeys(prometheusStackValues({ ha, storageClass: "gp3", exposure }), defaultsWithSubcharts()), [], `ha=${ha}`);
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
        const objects = renderStack({ ha: true });
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

describe("Platform: Observability: Grafana behind a load balancer (real chart)", () => {
    it("renders Grafana's Service with the controller's annotations, TLS on 443 with a certificate, and the pod port the NLB reaches", function () {
        this.timeout(300_000);
        const base = { loadBalancerSourceRanges: ["203.0.113.0/24"], vpcCidr: "10.0.0.0/16", loadBalancerCertificateArn: "" };
        const cert = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012";
        const cases: Array<[GrafanaExposure, string, number, boolean]> = [
            [{ ...base, exposure: "clusterIp" }, "ClusterIP", 80, false],
            [{ ...base, exposure: "internalLoadBalancer" }, "LoadBalancer", 80, false],
            [{ ...base, exposure: "internalLoadBalancer", loadBalancerCertificateArn: cert }, "LoadBalancer", 443, true],
            [{ ...base, exposure: "publicLoadBalancer", loadBalancerCertificateArn: cert }, "LoadBalancer", 443, true],
        ];
        for (const [exposure, type, port, tls] of cases) {
            const what = `${exposure.exposure}${exposure.loadBalancerCertificateArn ? " with a certificate" : ""}`;
            const objects = renderStack({ exposure });
            const svc = objects.find((o) => o.kind === "Service" && o.metadata.name === "monitoring-grafana")!;
            assert.equal(svc.spec.type, type, what);
            assert.deepEqual(svc.metadata.annotations ?? {}, exposedService(exposure.exposure, exposure, tls ? [port] : []).annotations, what);
            assert.deepEqual(
                svc.spec.ports.map((p: any) => p.port),
                [port],
                what,
            );
            // The target port is the container port the network policy opens to the load balancer (3000).
            const grafana = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "monitoring-grafana")!;
            const container = grafana.spec.template.spec.containers.find((c: any) => c.name === "grafana");
            const target = container.ports.find((p: any) => p.name === svc.spec.ports[0].targetPort || p.containerPort === svc.spec.ports[0].targetPort);
            assert.equal(target?.containerPort, 3000, what);
            const lb = networkPolicies({
                config: exposure,
                namespaces: [MONITORING_NAMESPACE],
                connectToElasticsearch: false,
                prometheus: { namespace: MONITORING_NAMESPACE, ports: {} },
            }).find((p) => p.metadata.name === "allow-load-balancer-grafana");
            assert.equal(!!lb, type === "LoadBalancer", what);
            if (lb) {
                assert.deepEqual(lb.spec.podSelector, { matchLabels: grafana.spec.selector.matchLabels }, what);
                assert.deepEqual((lb.spec.ingress![0] as any).ports, [{ protocol: "TCP", port: 3000 }], what);
            }
        }
    });
});

describeEachStack(
    (stack) => `Platform: Observability on the ${stack} stack`,
    (plan, stack) => {
        it("exposes Grafana as the exposure setting says, waits for the load balancer controller then, and outputs how to open it", async function () {
            this.timeout(300_000);
            for (const run of await plansOfEachExposure(stack, plan())) {
                const what = run.config.exposure;
                const rel = ofType(run, RELEASE).find((r) => inputsOf(r).chart === charts.kubePrometheusStack.chart)!;
                const svc = inputsOf(rel).values.grafana.service;
                const tls = what !== "clusterIp" && !!run.config.loadBalancerCertificateArn;
                const want = exposedService(what, run.config, tls ? [443] : []);
                assert.equal(svc.type, want.type, what);
                assert.deepEqual(svc.annotations, want.annotations, what);
                assert.equal(svc.port, tls ? 443 : 80, what);
                const lbc = ofType(run, RELEASE).find((r) => inputsOf(r).chart === charts.awsLoadBalancerController.chart)!;
                assert.equal(transitiveDeps(run, rel.urn).has(lbc.urn), what !== "clusterIp", `${what}: waits for the load balancer controller`);
                const out = run.plan.outputs;
                assert.equal(out.grafanaPortForward, `kubectl -n monitoring port-forward svc/monitoring-grafana 3000:${tls ? 443 : 80}`, what);
                if (what === "clusterIp") assert.ok(!("grafanaUrlCommand" in out), what);
                else
                    assert.equal(
                        out.grafanaUrlCommand,
                        `kubectl -n monitoring get svc monitoring-grafana -o jsonpath='${tls ? "https" : "http"}://{.status.loadBalancer.ingress[0].hostname}/'`,
                        what,
                    );
            }
        });

        it("the Release pins the chart, skips crds/ and waits for every pinned CRD manifest; monitors and rules wait for them too", () => {
            const run = plan();
            const comp = one(run, "bdok:platform:Observability");
            const rel = descendants(run, comp.urn).find((r) => r.type === RELEASE)!;
            const inp = inputsOf(rel);
            assert.equal(inp.chart, charts.kubePrometheusStack.chart);
            assert.equal(inp.version, charts.kubePrometheusStack.version);
            assert.equal(inp.skipCrds, true);
            const g = new Graph(run.captured);
            const files = ofType(run, CRD_GROUP).filter((f) =>
                crdGroupUrls(f).some((u) => (crdManifests.kubePrometheusStack as readonly string[]).includes(u)),
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

// ---- Alerting: where Alertmanager sends the alerts ----

/** A matcher of Alertmanager's route (pkg/labels/parse.go: name, one of = != =~ !~, a quoted or bare value). */
function matcherOf(text: string): (labels: Record<string, string>) => boolean {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/.exec(text);
    assert.ok(m, `matcher ${text}`);
    const [, name, op, value] = m;
    // Regex matchers are anchored (pkg/labels/matcher.go NewMatcher: "^(?:" + value + ")$").
    const re = new RegExp(`^(?:${value})$`);
    const v = (l: Record<string, string>) => l[name] ?? "";
    return { "=": (l: any) => v(l) === value, "!=": (l: any) => v(l) !== value, "=~": (l: any) => re.test(v(l)), "!~": (l: any) => !re.test(v(l)) }[op]!;
}

/**
 * The receivers an alert goes to: Alertmanager v0.34.0 dispatch/route.go:171-194 (Route.Match): a
 * route matches when all its matchers do; its children are tried in order, the first match ends the
 * search unless it says `continue`; with no matching child the route itself is the match. A route
 * without a receiver inherits its parent's (dispatch/route.go NewRoute).
 */
function receiversOf(route: any, labels: Record<string, string>, inherited = ""): string[] {
    const receiver = route.receiver || inherited;
    if (!(route.matchers ?? []).every((m: string) => matcherOf(m)(labels))) return [];
    const all: string[] = [];
    for (const child of route.routes ?? []) {
        const got = receiversOf(child, labels, receiver);
        all.push(...got);
        if (got.length && !child.continue) break;
    }
    return all.length ? all : [receiver];
}

/**
 * What Alertmanager v0.34.0 refuses in a config (config/config.go Config.UnmarshalYAML): a root
 * route without a receiver or with matchers (:657-667), a route naming an undefined receiver
 * (checkReceiver :701-716); a Slack config without its URL or with both api_url and api_url_file
 * (:435-440, notifiers.go:366-374); a webhook config with neither or both of url, url_file
 * (notify/webhook/config.go:60-65).
 */
function alertmanagerConfigProblems(c: any): string[] {
    const out: string[] = [];
    const names = new Set((c.receivers ?? []).map((r: any) => r.name));
    if (!c.route?.receiver) out.push("root route must specify a default receiver");
    if (c.route?.matchers?.length || c.route?.match || c.route?.match_re) out.push("root route must not have any matchers");
    const walk = (r: any) => {
        for (const s of r.routes ?? []) walk(s);
        if (r.receiver && !names.has(r.receiver)) out.push(`undefined receiver "${r.receiver}" used in route`);
    };
    if (c.route) walk(c.route);
    for (const r of c.receivers ?? []) {
        for (const s of r.slack_configs ?? []) {
            if (s.api_url && s.api_url_file) out.push(`${r.name}: at most one of api_url & api_url_file`);
            if (!s.api_url && !s.api_url_file && !c.global?.slack_api_url && !c.global?.slack_api_url_file) out.push(`${r.name}: no Slack API URL`);
        }
        for (const w of r.webhook_configs ?? []) {
            if (!w.url && !w.url_file) out.push(`${r.name}: one of url or url_file must be configured`);
            if (w.url && w.url_file) out.push(`${r.name}: at most one of url & url_file`);
        }
    }
    return out;
}

function renderedAlertmanager(alerting: { receiver: "none" | "slack" | "webhook"; slackChannel: string }) {
    const objects = renderStack({ alerting });
    const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === "alertmanager-monitoring-alertmanager")!;
    const config = YAML.parse(Buffer.from(secret.data["alertmanager.yaml"], "base64").toString("utf8"));
    const am = objects.find((o) => o.kind === "Alertmanager")!;
    return { config, am };
}

describe("Platform: Observability: the alert receiver (bdok:alerting)", () => {
    const every = [...alerts({ streaming: { namespace: "kafka", application: "s" } })];

    it("the rendered config routes every alert of rules.ts to the receiver, reading its URL from the mounted Secret; Watchdog stays dropped", function () {
        this.timeout(300_000);
        for (const receiver of ["slack", "webhook"] as const) {
            const { config, am } = renderedAlertmanager({ receiver, slackChannel: receiver === "slack" ? "#alerts" : "" });
            assert.deepEqual(alertmanagerConfigProblems(config), [], receiver);
            for (const a of every) {
                const labels = { alertname: a.alert, severity: a.severity, namespace: "kafka" };
                assert.deepEqual(receiversOf(config.route, labels), [RECEIVER], `${receiver}: ${a.alert}`);
            }
            assert.deepEqual(receiversOf(config.route, { alertname: "Watchdog", severity: "none" }), ["null"]);
            // The chart's own alerts (e.g. a crash-looping pod) go there too.
            assert.deepEqual(receiversOf(config.route, { alertname: "KubePodCrashLooping", severity: "warning" }), [RECEIVER]);
            const ours = config.receivers.find((r: any) => r.name === RECEIVER);
            const file = receiver === "slack" ? ours.slack_configs[0].api_url_file : ours.webhook_configs[0].url_file;
            // The file is the Secret the Alertmanager mounts (values.yaml:1030-1031: under /etc/alertmanager/secrets/<name>/).
            assert.deepEqual(am.spec.secrets, [RECEIVER_SECRET]);
            assert.equal(file, `/etc/alertmanager/secrets/${RECEIVER_SECRET}/${RECEIVER_SECRET_KEY}`);
            if (receiver === "slack") assert.equal(ours.slack_configs[0].channel, "#alerts");
            // No URL in the config itself.
            assert.ok(!/https?:\/\//.test(JSON.stringify(ours)), JSON.stringify(ours));
        }
    });

    // Alertmanager's own checker, when one is at hand (BDOK_AMTOOL: `go install
    // github.com/prometheus/alertmanager/cmd/amtool@v0.34.0`, the chart's Alertmanager version).
    (process.env.BDOK_AMTOOL ? it : it.skip)("amtool check-config accepts the rendered config and routes every alert to the receiver", async function () {
        this.timeout(300_000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-am-"));
        for (const receiver of ["slack", "webhook"] as const) {
            const { config } = renderedAlertmanager({ receiver, slackChannel: "" });
            const file = path.join(dir, `${receiver}.yaml`);
            fs.writeFileSync(file, YAML.stringify(config));
            const check = await runProcess(process.env.BDOK_AMTOOL!, ["check-config", file]);
            assert.equal(check.status, 0, check.stdout + check.stderr);
            for (const a of every) {
                const r = await runProcess(process.env.BDOK_AMTOOL!, [
                    "config",
                    "routes",
                    "test",
                    `--config.file=${file}`,
                    `alertname=${a.alert}`,
                    `severity=${a.severity}`,
                ]);
                assert.equal(r.stdout.trim(), RECEIVER, `${receiver}: ${a.alert} ${r.stderr}`);
            }
        }
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("with receiver none (the default), the chart's config drops every alert, and nothing is mounted", function () {
        this.timeout(300_000);
        const { config, am } = renderedAlertmanager({ receiver: "none", slackChannel: "" });
        assert.deepEqual(alertmanagerConfigProblems(config), []);
        for (const a of every) assert.deepEqual(receiversOf(config.route, { alertname: a.alert, severity: a.severity }), ["null"], a.alert);
        assert.equal(am.spec.secrets, undefined);
    });

    it("the route checker can fail: a route to an undefined receiver, a webhook with both url and url_file, a matcher that routes an alert away", () => {
        const bad = {
            route: { receiver: "bdok", routes: [{ receiver: "pager", matchers: ['severity = "critical"'] }] },
            receivers: [{ name: "bdok", webhook_configs: [{ url: "https://x.example/", url_file: "/f" }] }],
        };
        assert.deepEqual(alertmanagerConfigProblems(bad), ["bdok: at most one of url & url_file", 'undefined receiver "pager" used in route'].reverse());
        assert.deepEqual(receiversOf(bad.route, { alertname: "KafkaConnectorFailed", severity: "critical" }), ["pager"]);
        assert.deepEqual(receiversOf(bad.route, { alertname: "BatchDagRunFailed", severity: "warning" }), ["bdok"]);
        assert.deepEqual(
            receiversOf(
                { receiver: "a", routes: [{ receiver: "b", matchers: ["alertname =~ Kafka.*"], continue: true }, { receiver: "c" }] },
                { alertname: "KafkaX" },
            ),
            ["b", "c"],
        );
    });

    it("refuses half settings, naming the key, and never echoes the URL", () => {
        const url = "https://hooks.slack.com/services/T000/B000/SECRETSECRET";
        const cases: Array<[Record<string, unknown>, string | undefined]> = [
            [{ "bdok:alerting": JSON.stringify({ receiver: "slack" }) }, "bdok:alertingUrl"],
            [{ "bdok:alerting": JSON.stringify({ receiver: "webhook" }) }, "bdok:alertingUrl"],
            [{ "bdok:alertingUrl": url }, "bdok:alerting.receiver"],
            [{ "bdok:alerting": JSON.stringify({ receiver: "webhook", slackChannel: "#a" }), "bdok:alertingUrl": url }, "bdok:alerting.slackChannel"],
            [{ "bdok:alerting": JSON.stringify({ receiver: "slack" }), "bdok:alertingUrl": "http://hooks.slack.com/x" }, "bdok:alertingUrl"],
            [
                { "bdok:alerting": JSON.stringify({ receiver: "slack" }), "bdok:alertingUrl": url, "bdok:observability": JSON.stringify({ enabled: false }) },
                "bdok:alerting.receiver",
            ],
            [{ "bdok:alerting": JSON.stringify({ receiver: "slack", slackChannel: "#alerts" }), "bdok:alertingUrl": url }, undefined],
            [{ "bdok:alerting": JSON.stringify({ receiver: "webhook" }), "bdok:alertingUrl": "https://alerts.example.com:8443/hook" }, undefined],
            [{}, undefined],
        ];
        for (const [overrides, key] of cases) {
            const raw = { ...loadStackConfig("dev"), ...(overrides as Record<string, string>) };
            let message = "";
            try {
                parseConfig(raw, "dev");
            } catch (e) {
                message = String((e as Error).message);
            }
            if (key === undefined) assert.equal(message, "", JSON.stringify(overrides));
            else assert.ok(message.includes(`${key}:`), `${JSON.stringify(Object.keys(overrides))}: ${message}`);
            assert.ok(!message.includes("SECRETSECRET") && !message.includes("hooks.slack.com/x"), message);
        }
    });

    it("in the plan: the URL only in a Secret (a Pulumi secret) the release waits for, and Alertmanager's egress to its port outside the VPC", async function () {
        this.timeout(300_000);
        const url = "https://alerts.example.com:8443/hook/SECRETSECRET";
        const run = await planWith("dev", { "bdok:alerting": JSON.stringify({ receiver: "webhook" }), "bdok:alertingUrl": url });
        const secret = ofType(run, "kubernetes:core/v1:Secret").find((s) => inputsOf(s).metadata?.name === RECEIVER_SECRET)!;
        assert.ok(secret, "the receiver Secret");
        assert.equal(secret.inputs.stringData, "[secret]");
        const holders = run.captured.filter((r) => JSON.stringify(r.rawInputs ?? {}).includes("SECRETSECRET")).map((r) => r.name);
        assert.deepEqual(holders, [secret.name], "no other resource holds the URL");
        assert.ok(!JSON.stringify(run.plan.outputs).includes("SECRETSECRET"));
        const rel = ofType(run, RELEASE).find((r) => inputsOf(r).chart === charts.kubePrometheusStack.chart)!;
        assert.ok(transitiveDeps(run, rel.urn).has(secret.urn), "the release waits for the Secret");
        assert.equal(inputsOf(rel).values.alertmanager.config.route.receiver, RECEIVER);
        const egress = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find(
            (p) => inputsOf(p).metadata.name === "allow-alertmanager-receiver-egress",
        )!;
        assert.ok(egress, "Alertmanager's egress policy");
        const spec = inputsOf(egress).spec;
        assert.deepEqual(spec.podSelector, { matchLabels: { "app.kubernetes.io/name": "alertmanager" } });
        assert.deepEqual(spec.egress[0].ports, [{ protocol: "TCP", port: 8443 }]);
        assert.deepEqual(spec.egress[0].to[0].ipBlock.except, [run.config.vpcCidr, "169.254.0.0/16"]);
        // The default (receiver none): no Secret, no egress.
        const plain = await planWith("dev", {});
        assert.ok(!ofType(plain, "kubernetes:core/v1:Secret").some((s) => inputsOf(s).metadata?.name === RECEIVER_SECRET));
        assert.ok(
            !ofType(plain, "kubernetes:networking.k8s.io/v1:NetworkPolicy").some((p) => inputsOf(p).metadata.name === "allow-alertmanager-receiver-egress"),
        );
    });
});

// ---- The Elasticsearch exporter's own login ----

/**
 * What each exporter setting needs (prometheus-community/elasticsearch_exporter README, "Elasticsearch
 * 7.x security privileges"): the defaults (cluster health, node stats) cluster `monitor`; es.indices
 * and es.indices_settings `monitor` on the indices; es.shards both; es.snapshots the snapshot and
 * repository reads. Flags absent from the table (es.all, es.ca, es.uri, web.*) need nothing more.
 */
const EXPORTER_PRIVILEGES: Record<string, { cluster: string[]; indices: string[] }> = {
    defaults: { cluster: ["monitor"], indices: [] },
    "--es.cluster_settings": { cluster: ["monitor"], indices: [] },
    "--es.indices": { cluster: [], indices: ["monitor"] },
    "--es.indices_settings": { cluster: [], indices: ["monitor"] },
    "--es.shards": { cluster: ["monitor"], indices: ["monitor"] },
    "--es.snapshots": { cluster: ["cluster:admin/snapshot/status", "cluster:admin/repository/get"], indices: [] },
};

function neededPrivileges(flags: string[]) {
    const need = { cluster: new Set<string>(), indices: new Set<string>() };
    for (const key of ["defaults", ...flags.map((f) => f.split("=")[0])]) {
        for (const c of EXPORTER_PRIVILEGES[key]?.cluster ?? []) need.cluster.add(c);
        for (const i of EXPORTER_PRIVILEGES[key]?.indices ?? []) need.indices.add(i);
    }
    return { cluster: [...need.cluster].sort(), indices: [...need.indices].sort() };
}

function granted(roles: Record<string, any>) {
    const r = roles[ES_EXPORTER_USER.role];
    return { cluster: [...r.cluster].sort(), indices: [...new Set<string>(r.indices.flatMap((i: any) => i.privileges))].sort() };
}

describe("Platform: Observability: the Elasticsearch exporter's login", () => {
    it("logs in as its own user from its own Secret, never as elastic", () => {
        const d = elasticsearchExporterDeployment();
        const env = d.spec.template.spec.containers[0].env;
        assert.deepEqual(
            env.map((e: any) => [e.name, e.valueFrom?.secretKeyRef?.name, e.valueFrom?.secretKeyRef?.key, e.value]),
            [
                ["ES_USERNAME", ES_EXPORTER_USER.userSecret, "username", undefined],
                ["ES_PASSWORD", ES_EXPORTER_USER.userSecret, "password", undefined],
            ],
        );
        assert.ok(!JSON.stringify(d).includes(ES_ELASTIC_USER_SECRET));
    });

    it("its role grants exactly what its flags need (the exporter's README), and the check fails when a flag needs more", () => {
        assert.deepEqual(granted(exporterRoles()), neededPrivileges(EXPORTER_FLAGS));
        assert.deepEqual(granted(exporterRoles()), { cluster: ["monitor"], indices: [] });
        // With index statistics on, the role would fall short.
        assert.notDeepEqual(granted(exporterRoles()), neededPrivileges([...EXPORTER_FLAGS, "--es.indices"]));
    });
});

describeEachStack(
    (stack) => `Platform: Observability: the exporter's user on the ${stack} stack`,
    (plan) => {
        it("ECK loads its basic-auth Secret (a Pulumi secret) and its role; the exporter waits for both; nothing of observability reads the elastic user", () => {
            const run = plan();
            const es = inputsOf(one(run, "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch"));
            assert.ok(es.spec.auth.fileRealm.some((r: any) => r.secretName === ES_EXPORTER_USER.userSecret));
            assert.ok(es.spec.auth.roles.some((r: any) => r.secretName === ES_EXPORTER_USER.rolesSecret));
            const secrets = ofType(run, "kubernetes:core/v1:Secret");
            const user = secrets.find((s) => inputsOf(s).metadata?.name === ES_EXPORTER_USER.userSecret)!;
            assert.equal(inputsOf(user).metadata.namespace, "elastic");
            // ECK's file realm reads a kubernetes.io/basic-auth Secret's username, password and roles.
            assert.equal(inputsOf(user).type, "kubernetes.io/basic-auth");
            assert.equal(user.inputs.stringData, "[secret]");
            const raw = (user.rawInputs as any).stringData;
            assert.deepEqual([raw.username, raw.roles], [ES_EXPORTER_USER.user, ES_EXPORTER_USER.role]);
            assert.ok(raw.password.length >= 24);
            const role = secrets.find((s) => inputsOf(s).metadata?.name === ES_EXPORTER_USER.rolesSecret)!;
            assert.deepEqual(YAML.parse(inputsOf(role).stringData["roles.yml"]), exporterRoles());
            const exporter = ofType(run, "kubernetes:apps/v1:Deployment").find((d) => inputsOf(d).metadata.name === "elasticsearch-exporter")!;
            for (const s of [user, role]) assert.ok(transitiveDeps(run, exporter.urn).has(s.urn), `waits for ${s.name}`);
            const mine = descendants(run, one(run, "bdok:platform:Observability").urn);
            const readers = mine.filter((r) => JSON.stringify(r.inputs).includes(`"${ES_ELASTIC_USER_SECRET}"`));
            assert.deepEqual(
                readers.map((r) => r.name),
                [],
                "nothing of observability reads the elastic user's Secret",
            );
        });
    },
);

// ---- The monitoring accounts' RBAC ----

const READ_VERBS = new Set(["get", "list", "watch"]);

describeEachStack(
    (stack) => `Platform: Observability RBAC on the ${stack} stack`,
    (plan) => {
        it("monitoring's accounts write only in monitoring; cluster-wide they only read, never Secrets, each read named", () => {
            const run = plan();
            const world = worldOf(run.captured, renderPlan(run));
            const bindings = world.filter(
                (o) =>
                    (o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding") &&
                    (o.body.subjects ?? []).some((x: any) => x.kind === "ServiceAccount" && (x.namespace ?? o.namespace) === MONITORING_NAMESPACE),
            );
            const cluster: Record<string, string[]> = {};
            for (const b of bindings) {
                const ref = b.body.roleRef;
                const role = world.find((o) => o.kind === ref.kind && o.name === ref.name && (ref.kind === "ClusterRole" || o.namespace === b.namespace));
                assert.ok(role, `${b.kind} ${b.name}: no ${ref.kind} ${ref.name}`);
                const who = b.body.subjects.map((x: any) => x.name).join(",");
                if (b.kind === "RoleBinding") {
                    assert.equal(b.namespace, MONITORING_NAMESPACE, `${who} is bound in ${b.namespace}`);
                    continue;
                }
                for (const r of role.body.rules ?? []) {
                    assert.ok(
                        r.verbs.every((v: string) => READ_VERBS.has(v)),
                        `${who}: cluster-wide ${r.verbs} on ${r.resources ?? r.nonResourceURLs}`,
                    );
                    assert.ok(!(r.resources ?? []).some((x: string) => x === "secrets" || x === "*"), `${who} reads Secrets cluster-wide`);
                    (cluster[who] ??= []).push(...(r.resources ?? r.nonResourceURLs));
                }
            }
            // What each needs across the cluster (docs/security.md says why).
            assert.deepEqual(cluster["monitoring-operator"]?.sort(), ["ingresses", "namespaces", "nodes", "storageclasses"]);
            assert.deepEqual(cluster["monitoring-prometheus"]?.sort(), [
                "/metrics",
                "/metrics/cadvisor",
                "endpoints",
                "endpointslices",
                "ingresses",
                "nodes",
                "nodes/metrics",
                "pods",
                "services",
            ]);
            assert.ok(cluster["monitoring-kube-state-metrics"]?.includes("pods"), "kube-state-metrics reads pods (StreamingApplicationNotRunning)");
            assert.ok(!("monitoring-grafana" in cluster), "Grafana: a Role in monitoring only");
            // The operator watches (and the kubelet Service lives in) monitoring only.
            const op = world.find((o) => o.kind === "Deployment" && o.name === "monitoring-operator")!;
            const args: string[] = op.body.spec.template.spec.containers[0].args;
            assert.ok(args.includes(`--namespaces=${MONITORING_NAMESPACE}`), args.join(" "));
            assert.ok(args.includes(`--kubelet-service=${MONITORING_NAMESPACE}/monitoring-kubelet`), args.join(" "));
        });
    },
);
