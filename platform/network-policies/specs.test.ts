// networkPolicies() judged directly (no plan), flow by flow, by the NetworkPolicy model of
// test/netpol.ts: who may reach what (README/docs/security.md: default deny; RDS, the AWS APIs, Kafka
// Connect's REST API and the brokers only for the pods that need them). The pods carry the labels
// their charts and operators set, written here from upstream, not taken from specs.ts.
import { strict as assert } from "assert";
import { allowed, egressAllowed, admits, specIssues, type Pod, type Policy, type Source } from "../../test/netpol";
import { API_POD_LABEL } from "../../pipelines/api/specs";
import { CONNECT_NAME, KAFKA_NAME } from "../kafka/values";
import { networkPolicies, urlPort, type NetworkPolicyConfig } from "./specs";

const VPC = "10.20.0.0/16";
const CLIENTS = "203.0.113.0/24";
const ALL_NS = ["spark-operator", "kafka", "airflow", "trino", "elastic", "db-bootstrap", "superset", "karpenter", "monitoring"];

const pod = (ns: string, what: string, labels: Record<string, string>): Pod => ({ ns, what, labels });
const airflow = (component: string) => pod("airflow", `airflow ${component}`, { tier: "airflow", component, release: "airflow" });
// Airflow chart 1.x templates/*: component <name>, release <release> on each component's pods.
const A = {
    scheduler: airflow("scheduler"),
    apiServer: airflow("api-server"),
    triggerer: airflow("triggerer"),
    dagProcessor: airflow("dag-processor"),
    migrations: airflow("run-airflow-migrations"),
    createUser: airflow("create-user-job"),
    worker: airflow("worker"),
    statsd: airflow("statsd"),
    // The API producer's task pod: the chart's worker labels plus its DAG's pod_override label.
    apiProducer: pod("airflow", "API producer task", { tier: "airflow", component: "worker", release: "airflow", ...API_POD_LABEL }),
};
// Spark on Kubernetes: spark-role driver/executor (Spark's Constants.SPARK_ROLE_LABEL).
const spark = (ns: string, role: string) => pod(ns, `spark ${role} in ${ns}`, { "spark-role": role, "spark-app-selector": "spark-1" });
// Strimzi: strimzi.io/kind and strimzi.io/cluster on every operand pod (Labels.STRIMZI_KIND_LABEL), the operator's kind cluster-operator.
const K = {
    broker: pod("kafka", "kafka broker", { "strimzi.io/cluster": KAFKA_NAME, "strimzi.io/kind": "Kafka", "strimzi.io/name": `${KAFKA_NAME}-kafka` }),
    connect: pod("kafka", "kafka connect", {
        "strimzi.io/cluster": CONNECT_NAME,
        "strimzi.io/kind": "KafkaConnect",
        "strimzi.io/name": `${CONNECT_NAME}-connect`,
    }),
    connectBuild: pod("kafka", "connect build", {
        "strimzi.io/cluster": CONNECT_NAME,
        "strimzi.io/kind": "KafkaConnect",
        "strimzi.io/name": `${CONNECT_NAME}-connect-build`,
    }),
    operator: pod("kafka", "strimzi operator", { "strimzi.io/kind": "cluster-operator", name: "strimzi-cluster-operator" }),
    simulator: pod("kafka", "customers simulator", { "app.kubernetes.io/name": "customers-simulator" }),
};
// Trino chart templates/deployment-*.yaml: app.kubernetes.io/name trino, component coordinator/worker.
const T = {
    coordinator: pod("trino", "trino coordinator", {
        "app.kubernetes.io/name": "trino",
        "app.kubernetes.io/instance": "trino",
        "app.kubernetes.io/component": "coordinator",
    }),
    worker: pod("trino", "trino worker", { "app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": "trino", "app.kubernetes.io/component": "worker" }),
};
// ECK pkg/controller/common/labels: common.k8s.elastic.co/type elasticsearch / kibana.
const E = {
    es: pod("elastic", "elasticsearch", { "common.k8s.elastic.co/type": "elasticsearch", "elasticsearch.k8s.elastic.co/cluster-name": "bdok" }),
    kibana: pod("elastic", "kibana", { "common.k8s.elastic.co/type": "kibana", "kibana.k8s.elastic.co/name": "bdok" }),
    operator: pod("elastic", "eck operator", { "app.kubernetes.io/name": "elastic-operator" }),
};
// Spark operator chart templates/webhook/deployment.yaml and controller/deployment.yaml; the program's history server.
const S = {
    webhook: pod("spark-operator", "spark operator webhook", { "app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/component": "webhook" }),
    controller: pod("spark-operator", "spark operator controller", { "app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/component": "controller" }),
    history: pod("spark-operator", "spark history server", { "app.kubernetes.io/name": "spark-history-server" }),
};
// Superset operator internal/common/names.go ComponentLabels; the program's Kaniko build Job.
const SS = {
    web: pod("superset", "superset web server", { "app.kubernetes.io/name": "superset", "app.kubernetes.io/component": "web-server" }),
    init: pod("superset", "superset init", { "app.kubernetes.io/name": "superset", "app.kubernetes.io/component": "init" }),
    build: pod("superset", "superset image build", { "app.kubernetes.io/name": "superset-image-build" }),
    operator: pod("superset", "superset operator", { "app.kubernetes.io/name": "superset-operator" }),
};
// prometheus-operator statefulset.go: app.kubernetes.io/name prometheus / alertmanager; grafana _helpers.tpl selectorLabels.
const M = {
    prometheus: pod("monitoring", "prometheus", { "app.kubernetes.io/name": "prometheus", prometheus: "monitoring" }),
    alertmanager: pod("monitoring", "alertmanager", { "app.kubernetes.io/name": "alertmanager" }),
    grafana: pod("monitoring", "grafana", { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "monitoring" }),
    ksm: pod("monitoring", "kube-state-metrics", { "app.kubernetes.io/name": "kube-state-metrics" }),
};
const bootstrap = pod("db-bootstrap", "db bootstrap job", { "job-name": "bootstrap-airflow-db" });
const karpenter = pod("karpenter", "karpenter", { "app.kubernetes.io/name": "karpenter" });
// CoreDNS of EKS: k8s-app kube-dns.
const coreDns = pod("kube-system", "coredns", { "k8s-app": "kube-dns" });
const lbc = pod("kube-system", "aws-load-balancer-controller", { "app.kubernetes.io/name": "aws-load-balancer-controller" });

const EVERY_POD: Pod[] = [
    ...Object.values(A),
    ...["airflow", "kafka"].flatMap((ns) => [spark(ns, "driver"), spark(ns, "executor")]),
    ...Object.values(K),
    ...Object.values(T),
    ...Object.values(E),
    ...Object.values(S),
    ...Object.values(SS),
    ...Object.values(M),
    bootstrap,
    karpenter,
];

const ip = (address: string, what = address): Source => ({ ip: address, what });
/** An address in the VPC (RDS, a node, the NLB), a public one (an AWS API), link-local ones. */
const RDS = ip("10.20.40.5", "RDS in the VPC");
const NODE = ip("10.20.12.34", "a node");
const PUBLIC = ip("52.95.110.1", "an AWS API (public)");
const IMDS = ip("169.254.169.254", "instance metadata");
const POD_IDENTITY = ip("169.254.170.23", "Pod Identity agent");

interface Variant {
    exposure: NetworkPolicyConfig["config"]["exposure"];
    connect: boolean;
    superset: boolean;
    history: boolean;
    prometheus: boolean;
    receiver?: number;
    api?: string;
    ranges?: string[];
    namespaces?: string[];
}
const args = (v: Variant): NetworkPolicyConfig => ({
    config: { exposure: v.exposure, loadBalancerSourceRanges: v.ranges ?? [], vpcCidr: VPC, sparkHistoryServer: v.history },
    namespaces: v.namespaces ?? ALL_NS,
    connectToElasticsearch: v.connect,
    superset: v.superset,
    prometheus: v.prometheus
        ? { namespace: "monitoring", ports: { kafka: [9404], airflow: [9102], "not-a-platform-ns": [1234] }, alertReceiverPort: v.receiver }
        : undefined,
    apiProducer: v.api ? { url: v.api } : undefined,
});
const build = (v: Variant): Policy[] => networkPolicies(args(v)).map((p) => ({ namespace: p.metadata.namespace, name: p.metadata.name, spec: p.spec }));

const ALL_ON: Variant = {
    exposure: "internalLoadBalancer",
    connect: true,
    superset: true,
    history: true,
    prometheus: true,
    receiver: 8443,
    api: "https://api.example.com",
};
const ALL_OFF: Variant = { exposure: "clusterIp", connect: false, superset: false, history: false, prometheus: false };
const VARIANTS: [string, Variant][] = [
    ["everything on, internal load balancers", ALL_ON],
    ["everything off, ClusterIP", ALL_OFF],
    ["public load balancers limited to client ranges", { ...ALL_ON, exposure: "publicLoadBalancer", ranges: [CLIENTS] }],
    ["everything on, ClusterIP", { ...ALL_ON, exposure: "clusterIp" }],
    ["everything off, internal load balancers", { ...ALL_OFF, exposure: "internalLoadBalancer" }],
];

const out = (ps: Policy[], src: Pod, dst: Source, port: number, protocol = "TCP") => egressAllowed(ps, VPC, src, dst, port, protocol);
const into = (ps: Policy[], dst: Pod, src: Source, port: number) => admits(ps, VPC, "Ingress", dst, src, port);

/** Asserts a table of [src, dst, port, expected] egress decisions. */
function egressTable(ps: Policy[], rows: [Pod, Source, number, boolean, string?][]) {
    const wrong = rows.filter(([s, d, port, want, proto]) => out(ps, s, d, port, proto) !== want);
    assert.deepEqual(
        wrong.map(([s, d, port, want, proto]) => `${s.what} -> ${d.what}:${port}${proto ? `/${proto}` : ""} should be ${want ? "allowed" : "denied"}`),
        [],
    );
}
function ingressTable(ps: Policy[], rows: [Source, Pod, number, boolean][]) {
    const wrong = rows.filter(([s, d, port, want]) => into(ps, d, s, port) !== want);
    assert.deepEqual(
        wrong.map(([s, d, port, want]) => `${s.what} -> ${d.what}:${port} should be ${want ? "admitted" : "refused"}`),
        [],
    );
}

describe("network policies (networkPolicies, flow by flow)", () => {
    it("urlPort: an explicit port, else the scheme's (WHATWG URL: default ports are dropped)", () => {
        const cases: [string, number][] = [
            ["https://api.example.com/v1", 443],
            ["http://api.example.com/v1", 80],
            ["https://api.example.com:8443/v1", 8443],
            ["http://api.example.com:8080", 8080],
            ["https://api.example.com:443", 443],
            ["http://api.example.com:80", 80],
        ];
        for (const [url, port] of cases) assert.equal(urlPort(url), port, url);
    });

    for (const [title, v] of VARIANTS) {
        describe(title, () => {
            // Built in each test, not at load: Stryker's per-test coverage then sees which test covers which code.
            let ps: Policy[];
            beforeEach(() => {
                ps = build(v);
            });
            const namespaces = v.namespaces ?? ALL_NS;

            it("every object is a unique, valid NetworkPolicy of bdok in a platform namespace", () => {
                const keys = ps.map((p) => `${p.namespace}/${p.name}`);
                assert.equal(new Set(keys).size, keys.length, "a (namespace, name) pair twice: one would replace the other");
                // RFC 1123 subdomain names (Kubernetes object names).
                for (const k of keys) assert.match(k.split("/")[1], /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, k);
                for (const p of ps) assert.ok(namespaces.includes(p.namespace), `${p.namespace}/${p.name}: not a platform namespace`);
                for (const o of networkPolicies(args(v))) {
                    assert.equal(`${o.apiVersion} ${o.kind}`, "networking.k8s.io/v1 NetworkPolicy");
                    assert.deepEqual(o.metadata.labels, { "app.kubernetes.io/part-of": "bdok" });
                    assert.deepEqual(specIssues(o.spec), [], `${o.metadata.namespace}/${o.metadata.name}`);
                }
            });

            it("denies by default: a pod no rule names neither sends to nor receives from another namespace", () => {
                for (const ns of namespaces) {
                    const stranger = pod(ns, `unlabelled pod in ${ns}`, { app: "stranger" });
                    const elsewhere = pod(ns === "trino" ? "airflow" : "trino", "a pod elsewhere", { app: "stranger" });
                    assert.equal(out(ps, stranger, elsewhere, 8080), false, `${ns}: egress to another namespace`);
                    assert.equal(out(ps, stranger, PUBLIC, 22), false, `${ns}: egress to the internet`);
                    // Only Karpenter's namespace is all Pod Identity clients: elsewhere a pod no rule names has no HTTPS out.
                    assert.equal(out(ps, stranger, PUBLIC, 443), ns === "karpenter", `${ns}: HTTPS to the internet`);
                    assert.equal(into(ps, stranger, elsewhere, 8080), false, `${ns}: ingress from another namespace`);
                    assert.equal(into(ps, stranger, NODE, 22), false, `${ns}: ingress from a VPC address`);
                    // Every pod is selected by an Ingress and an Egress policy: none open by omission.
                    for (const type of ["Ingress", "Egress"])
                        assert.ok(
                            ps.some((p) => p.namespace === ns && p.spec.policyTypes.includes(type) && Object.keys(p.spec.podSelector).length === 0),
                            `${ns}: no ${type} policy selecting every pod`,
                        );
                }
            });

            it("every pod resolves names: CoreDNS on 53 UDP and TCP (pod and Service addresses of both EKS Service ranges), nothing else there", () => {
                const rows: [Pod, Source, number, boolean, string?][] = [];
                for (const p of EVERY_POD.filter((x) => namespaces.includes(x.ns))) {
                    for (const dns of [coreDns, ip("10.100.0.10", "kube-dns 10.100"), ip("172.20.0.10", "kube-dns 172.20")]) {
                        rows.push([p, dns, 53, true, "UDP"], [p, dns, 53, true, "TCP"], [p, dns, 54, false, "UDP"], [p, dns, 54, false, "TCP"]);
                    }
                    rows.push([p, ip("10.100.0.11"), 53, false, "UDP"], [p, lbc, 53, false, "UDP"], [p, lbc, 53, false, "TCP"]);
                }
                egressTable(ps, rows);
            });

            it("the API server on 443 (both EKS Service ranges' .1 and its ENIs in the VPC) for every namespace but db-bootstrap", () => {
                const rows: [Pod, Source, number, boolean, string?][] = [];
                for (const p of EVERY_POD.filter((x) => namespaces.includes(x.ns))) {
                    const want = p.ns !== "db-bootstrap";
                    for (const a of [ip("10.100.0.1"), ip("172.20.0.1"), NODE]) rows.push([p, a, 443, want], [p, a, 80, false]);
                }
                egressTable(ps, rows);
            });

            it("RDS (5432 in the VPC): the bootstrap Jobs, Airflow's DB clients, Connect and the simulator (realtime on), Superset; no other pod", () => {
                const may = new Set<Pod>([bootstrap, A.scheduler, A.apiServer, A.triggerer, A.dagProcessor, A.migrations, A.createUser]);
                if (v.connect) [K.connect, K.simulator].forEach((p) => may.add(p));
                if (v.superset) [SS.web, SS.init].forEach((p) => may.add(p));
                egressTable(
                    ps,
                    EVERY_POD.filter((p) => namespaces.includes(p.ns)).map((p) => [p, RDS, 5432, may.has(p)] as [Pod, Source, number, boolean]),
                );
                // The bootstrap Jobs reach nothing else (no API server, no internet).
                egressTable(ps, [
                    [bootstrap, RDS, 5433, false],
                    [bootstrap, PUBLIC, 443, false],
                    [bootstrap, A.apiServer, 8080, false],
                ]);
            });

            it("the AWS APIs (443 anywhere) and the Pod Identity agent: only the pods with a Pod Identity role; never the instance metadata", () => {
                const may = new Set<Pod>([A.worker, A.apiProducer, A.triggerer, A.apiServer, K.connectBuild, T.coordinator, T.worker, karpenter]);
                for (const ns of ["airflow", "kafka"]) EVERY_POD.filter((p) => p.ns === ns && p.labels["spark-role"]).forEach((p) => may.add(p));
                if (v.history) may.add(S.history);
                if (v.superset) may.add(SS.build);
                const rows: [Pod, Source, number, boolean, string?][] = [];
                for (const p of EVERY_POD.filter((x) => namespaces.includes(x.ns))) {
                    rows.push([p, PUBLIC, 443, may.has(p)], [p, POD_IDENTITY, 80, may.has(p)]);
                    rows.push([p, PUBLIC, 80, false], [p, IMDS, 80, false]);
                }
                egressTable(ps, rows);
            });

            it("Kafka: no rule of the program opens Connect's REST API, the brokers or the operator to anyone (Strimzi's own policies decide)", () => {
                const strimzi = [K.broker, K.connect, K.connectBuild, K.operator];
                const senders = EVERY_POD.filter((p) => namespaces.includes(p.ns) && !strimzi.includes(p));
                const rows: [Source, Pod, number, boolean][] = [];
                for (const s of senders) {
                    rows.push([s, K.connect, 8083, false], [s, K.broker, 9093, false], [s, K.broker, 9091, false], [s, K.operator, 8080, false]);
                }
                rows.push([NODE, K.connect, 8083, false], [NODE, K.broker, 9093, false]);
                ingressTable(ps, rows);
            });

            it("Connect's image build pod (Strimzi labels it strimzi.io/kind KafkaConnect too) reaches neither RDS nor Elasticsearch", () => {
                // Strimzi KafkaConnectBuildTest: the build pod's labels are strimzi.io/cluster, strimzi.io/kind KafkaConnect and
                // strimzi.io/name KafkaConnectResources.buildPodName(cluster) = <cluster>-connect-build.
                egressTable(ps, [
                    [K.connectBuild, RDS, 5432, false],
                    [K.connectBuild, E.es, 9200, false],
                    [K.connect, RDS, 5432, v.connect],
                ]);
                ingressTable(ps, [[K.connectBuild, E.es, 9200, false]]);
            });

            it("Connect's sink reaches Elasticsearch's HTTP port only with the realtime pipeline, and nothing else in elastic", () => {
                egressTable(ps, [
                    [K.connect, E.es, 9200, v.connect],
                    [K.connect, E.es, 9300, false],
                    [K.connect, E.kibana, 5601, false],
                    [K.connect, E.kibana, 9200, false],
                    [K.connect, PUBLIC, 9200, false],
                    [K.broker, E.es, 9200, false],
                    [K.simulator, E.es, 9200, false],
                    [K.connect, T.coordinator, 8080, false],
                ]);
                ingressTable(ps, [
                    [K.connect, E.es, 9200, v.connect],
                    [K.connect, E.es, 9300, false],
                    [K.connect, E.kibana, 9200, false],
                    // Behind a load balancer Kibana admits the VPC's addresses (pods' too) on 5601.
                    [K.connect, E.kibana, 5601, v.exposure !== "clusterIp"],
                    [K.broker, E.es, 9200, false],
                    [K.simulator, E.es, 9200, false],
                    [spark("kafka", "driver"), E.es, 9200, false],
                ]);
            });

            it("within a namespace components talk freely (Strimzi's pods excepted); across namespaces they do not", () => {
                const same: [Pod, Pod][] = [
                    [A.scheduler, A.apiServer],
                    [A.worker, A.apiServer],
                    [spark("airflow", "executor"), spark("airflow", "driver")],
                    [T.worker, T.coordinator],
                    [T.coordinator, T.worker],
                    [E.kibana, E.es],
                    [E.operator, E.es],
                    [spark("kafka", "executor"), spark("kafka", "driver")],
                    [K.simulator, spark("kafka", "driver")],
                    [K.broker, K.simulator],
                ];
                if (v.superset) same.push([SS.operator, SS.web]);
                if (v.prometheus) same.push([M.grafana, M.prometheus], [M.prometheus, M.alertmanager], [M.prometheus, M.ksm]);
                for (const [s, d] of same) assert.equal(allowed(ps, VPC, s, d, 7078), true, `${s.what} -> ${d.what}`);
                // db-bootstrap's Jobs talk to RDS only; the other namespaces' egress reaches the same namespace only.
                assert.equal(out(ps, bootstrap, pod("db-bootstrap", "another job", { "job-name": "x" }), 7078), false);
                const across: [Pod, Pod, number][] = [
                    [A.worker, T.coordinator, 8080],
                    [T.coordinator, A.apiServer, 8080],
                    [E.kibana, A.apiServer, 8080],
                    [spark("kafka", "driver"), spark("airflow", "driver"), 7078],
                    [A.scheduler, E.es, 9200],
                    [S.controller, K.simulator, 8080],
                    [karpenter, T.coordinator, 8080],
                ];
                for (const [s, d, port] of across) assert.equal(allowed(ps, VPC, s, d, port), false, `${s.what} -> ${d.what}`);
            });

            it("the API server calls the Spark operator's webhook on 9443 (chart default webhook.port), and nothing else there", () => {
                const controlPlane = ip("10.20.1.10", "EKS control plane ENI");
                ingressTable(ps, [
                    [controlPlane, S.webhook, 9443, true],
                    [PUBLIC, S.webhook, 9443, true],
                    [controlPlane, S.webhook, 8080, false],
                    [controlPlane, S.controller, 9443, false],
                    [controlPlane, S.history, 9443, false],
                ]);
            });

            it("Superset's web server and init task query Trino's coordinator on the port the exposure gives it (8080 plain, 8443 HTTPS)", () => {
                const port = v.exposure === "clusterIp" ? 8080 : 8443;
                const other = v.exposure === "clusterIp" ? 8443 : 8080;
                for (const s of [SS.web, SS.init]) {
                    assert.equal(allowed(ps, VPC, s, T.coordinator, port), v.superset, `${s.what} -> coordinator:${port}`);
                    assert.equal(allowed(ps, VPC, s, T.coordinator, other), false, `${s.what} -> coordinator:${other}`);
                    assert.equal(out(ps, s, T.worker, port), false, `${s.what} -> worker`);
                    assert.equal(out(ps, s, PUBLIC, port), false, `${s.what} -> the internet`);
                    // Trino's side admits them on that port, to the coordinator only.
                    assert.equal(into(ps, T.coordinator, s, other), false, `coordinator admits ${s.what} on ${other}`);
                    if (v.exposure === "clusterIp") assert.equal(into(ps, T.worker, s, port), false, `worker admits ${s.what}`);
                }
                assert.equal(allowed(ps, VPC, SS.build, T.coordinator, port), false, "the image build");
                // Behind a load balancer the coordinator's port admits the VPC's addresses (pods' too): the ingress rule alone matters without one.
                if (v.exposure === "clusterIp") {
                    assert.equal(into(ps, T.coordinator, pod("superset", "other pod", { "app.kubernetes.io/name": "x" }), port), false);
                    assert.equal(
                        into(ps, T.coordinator, pod("airflow", "superset-named pod elsewhere", { "app.kubernetes.io/name": "superset" }), port),
                        false,
                    );
                    assert.equal(into(ps, T.coordinator, SS.web, port), v.superset);
                }
            });

            it("Prometheus scrapes each platform namespace's metrics ports and the kubelets (10250 in the VPC); only Prometheus", () => {
                const p = v.prometheus;
                egressTable(ps, [
                    [M.prometheus, K.broker, 9404, p],
                    [M.prometheus, A.scheduler, 9102, p],
                    [M.prometheus, K.broker, 9102, false],
                    [M.prometheus, T.coordinator, 9404, false],
                    [M.prometheus, NODE, 10250, p],
                    [M.prometheus, PUBLIC, 10250, false],
                    [M.grafana, K.broker, 9404, false],
                    [M.grafana, NODE, 10250, false],
                    [M.ksm, A.scheduler, 9102, false],
                ]);
                ingressTable(ps, [
                    [M.prometheus, K.broker, 9404, p],
                    [M.prometheus, K.connect, 9404, p],
                    [M.prometheus, A.worker, 9102, p],
                    [M.prometheus, K.broker, 9093, false],
                    [M.prometheus, T.coordinator, 9404, false],
                    [M.grafana, K.broker, 9404, false],
                    [pod("airflow", "a pod named prometheus elsewhere", { "app.kubernetes.io/name": "prometheus" }), K.broker, 9404, false],
                ]);
            });

            it("Alertmanager sends to its receiver's port outside the VPC only (never the VPC, never link-local)", () => {
                const r = v.prometheus && !!v.receiver;
                const port = v.receiver ?? 8443;
                egressTable(ps, [
                    [M.alertmanager, PUBLIC, port, r],
                    [M.alertmanager, PUBLIC, port + 1, false],
                    [M.alertmanager, NODE, port, false],
                    [M.alertmanager, IMDS, port, false],
                    [M.prometheus, PUBLIC, port, false],
                    [M.grafana, PUBLIC, port, false],
                ]);
            });

            it("the API producer's task pod: DNS, Airflow's execution API and statsd, the brokers' TLS listener, the agent, HTTPS outside the VPC", () => {
                const a = !!v.api;
                egressTable(ps, [
                    [A.apiProducer, coreDns, 53, true, "UDP"],
                    [A.apiProducer, coreDns, 54, false, "TCP"],
                    [A.apiProducer, lbc, 53, false, "UDP"],
                    [A.apiProducer, PUBLIC, 9125, false, "UDP"],
                    [A.apiProducer, A.apiServer, 8080, true],
                    [A.apiProducer, A.statsd, 9125, true, "UDP"],
                    // Strimzi's TLS listener as the program configures it (port 9093).
                    [A.apiProducer, K.broker, 9093, a],
                    [A.apiProducer, K.broker, 9092, false],
                    [A.apiProducer, K.connect, 9093, false],
                    [A.apiProducer, K.simulator, 9093, false],
                    [A.apiProducer, POD_IDENTITY, 80, true],
                    [A.apiProducer, PUBLIC, 443, true],
                    [A.apiProducer, PUBLIC, 22, false],
                    [A.apiProducer, IMDS, 80, false],
                    [A.apiProducer, RDS, 5432, false],
                    // A plain task pod has none of these.
                    [A.worker, K.broker, 9093, false],
                ]);
            });

            it("behind load balancers: the VPC (NLB health checks) and the client ranges reach each UI's port; no one else", () => {
                const lb = v.exposure !== "clusterIp";
                const client = ip("203.0.113.9", "allowed client");
                const sources: [Source, boolean][] = [
                    [ip("10.20.7.200", "NLB"), lb],
                    [client, lb && (v.ranges ?? []).includes(CLIENTS)],
                    [ip("198.51.100.7", "someone else"), false],
                ];
                const rows: [Source, Pod, number, boolean][] = [];
                for (const [s, want] of sources) {
                    rows.push(
                        [s, A.apiServer, 8080, want],
                        [s, T.coordinator, 8443, want],
                        [s, E.kibana, 5601, want],
                        [s, S.history, 18080, want && v.history],
                        [s, M.grafana, 3000, want && v.prometheus],
                        [s, SS.web, 8088, want && v.superset],
                        [s, T.coordinator, 8080, false],
                        [s, A.apiServer, 8793, false],
                        [s, A.scheduler, 8080, false],
                        [s, E.es, 9200, false],
                        [s, M.prometheus, 9090, false],
                        [s, SS.init, 8088, false],
                        // Each UI's port opens on its own pods only.
                        [s, T.worker, 8443, false],
                        [s, E.es, 5601, false],
                        [s, S.controller, 18080, false],
                        [s, M.prometheus, 3000, false],
                    );
                }
                ingressTable(ps, rows);
            });
        });
    }

    it("without Karpenter's or Prometheus's namespace among the platform's, no policy goes there", () => {
        const namespaces = ALL_NS.filter((n) => n !== "karpenter" && n !== "monitoring");
        const ps = build({ ...ALL_ON, namespaces });
        assert.deepEqual([...new Set(ps.map((p) => p.namespace))].sort(), [...namespaces].sort());
    });

    it("public load balancers without client ranges admit the VPC only (sourceRanges' default)", () => {
        const ps = build({ ...ALL_ON, exposure: "publicLoadBalancer", ranges: [] });
        ingressTable(ps, [
            [ip("10.20.7.200", "NLB"), A.apiServer, 8080, true],
            [ip("203.0.113.9", "internet client"), A.apiServer, 8080, false],
        ]);
    });

    it("the API producer's policy opens the API URL's own port when it is not 443", () => {
        const ps = build({ ...ALL_ON, api: "http://api.example.com:8080/users" });
        egressTable(ps, [
            [A.apiProducer, PUBLIC, 8080, true],
            [A.apiProducer, PUBLIC, 443, true],
            [A.apiProducer, NODE, 8080, false],
        ]);
    });
});
