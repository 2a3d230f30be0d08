// Reachability: from the plan and the rendered charts, who must talk to whom, and whether the
// NetworkPolicies (the program's, plus those Strimzi generates) let exactly that through, judged by
// the NetworkPolicy model of test/netpol.ts.
import { strict as assert } from "assert";
import type { PlanRun } from "../../tools/harness";
import { renderPlan } from "../../tools/render";
import { worldOf } from "../../tools/references";
import { inputsOf, ofType, planOf, planWith, STACKS, TEST_CLIENT_RANGE, PUBLIC_EXPOSURE_SETTINGS } from "../../test/support";
import { allowed, egressAllowed, matches, podIp, type Pod, type Policy, type Source } from "../../test/netpol";

/**
 * The policies Strimzi generates (strimzi/proposals 006: "the default network policies created by
 * the Strimzi operators restrict incoming REST API calls to only allow access from the operator
 * pod"; listeners without networkPolicyPeers are open to every client).
 */
function strimziPolicies(run: PlanRun): Policy[] {
    const out: Policy[] = [];
    for (const k of ofType(run, "kubernetes:kafka.strimzi.io/v1:Kafka")) {
        const { name, namespace } = inputsOf(k).metadata;
        const ports = (inputsOf(k).spec.kafka.listeners ?? []).map((l: any) => ({ port: l.port }));
        const op = { podSelector: { matchLabels: { "strimzi.io/kind": "cluster-operator" } } };
        out.push({
            namespace,
            name: `${name}-network-policy-kafka`,
            spec: {
                podSelector: { matchLabels: { "strimzi.io/cluster": name, "strimzi.io/kind": "Kafka" } },
                policyTypes: ["Ingress"],
                ingress: [{ from: [op, { podSelector: { matchLabels: { "strimzi.io/cluster": name } } }], ports: [{ port: 9090 }, { port: 9091 }] }, { ports }],
            },
        });
    }
    for (const c of ofType(run, "kubernetes:kafka.strimzi.io/v1:KafkaConnect")) {
        const { name, namespace } = inputsOf(c).metadata;
        out.push({
            namespace,
            name: `${name}-connect`,
            spec: {
                podSelector: { matchLabels: { "strimzi.io/cluster": name, "strimzi.io/kind": "KafkaConnect" } },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [
                            { podSelector: { matchLabels: { "strimzi.io/kind": "cluster-operator" } } },
                            { podSelector: { matchLabels: { "strimzi.io/cluster": name, "strimzi.io/kind": "KafkaConnect" } } },
                        ],
                        ports: [{ port: 8083 }],
                    },
                ],
            },
        });
    }
    return out;
}

const POD_KINDS = ["Deployment", "StatefulSet", "Job", "CronJob", "DaemonSet"];

/** The pods of the stack: rendered charts and program workloads, plus those operators start (labels from their docs). */
function podsOf(run: PlanRun): Pod[] {
    const pods: Pod[] = [];
    for (const o of worldOf(run.captured, renderPlan(run))) {
        if (!POD_KINDS.includes(o.kind) || !o.namespace) continue;
        const t = o.kind === "CronJob" ? o.body.spec?.jobTemplate?.spec?.template : o.body.spec?.template;
        pods.push({ ns: o.namespace, labels: t?.metadata?.labels ?? {}, what: `${o.kind} ${o.namespace}/${o.name}` });
    }
    for (const k of ofType(run, "kubernetes:kafka.strimzi.io/v1:Kafka")) {
        const { name, namespace } = inputsOf(k).metadata;
        pods.push({
            ns: namespace,
            labels: { "strimzi.io/cluster": name, "strimzi.io/kind": "Kafka", "strimzi.io/name": `${name}-kafka` },
            what: "Kafka broker",
        });
    }
    for (const c of ofType(run, "kubernetes:kafka.strimzi.io/v1:KafkaConnect")) {
        const { name, namespace } = inputsOf(c).metadata;
        pods.push({
            ns: namespace,
            labels: { "strimzi.io/cluster": name, "strimzi.io/kind": "KafkaConnect", "strimzi.io/name": `${name}-connect` },
            what: "Kafka Connect",
        });
        // Strimzi's build of the Connect image (KafkaConnectBuild: <name>-connect-build).
        pods.push({
            ns: namespace,
            labels: { "strimzi.io/cluster": name, "strimzi.io/kind": "KafkaConnect", "strimzi.io/name": `${name}-connect-build` },
            what: "Kafka Connect build",
        });
    }
    for (const e of ofType(run, "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch")) {
        const { name, namespace } = inputsOf(e).metadata;
        pods.push({
            ns: namespace,
            labels: { "common.k8s.elastic.co/type": "elasticsearch", "elasticsearch.k8s.elastic.co/cluster-name": name },
            what: "Elasticsearch",
        });
    }
    for (const k of ofType(run, "kubernetes:kibana.k8s.elastic.co/v1:Kibana")) {
        const { name, namespace } = inputsOf(k).metadata;
        pods.push({ ns: namespace, labels: { "common.k8s.elastic.co/type": "kibana", "kibana.k8s.elastic.co/name": name }, what: "Kibana" });
    }
    // The Superset operator's pods: the web server (internal/common/names.go ComponentLabels) and its
    // lifecycle task pods (internal/controller/lifecycle_job.go lifecycleTaskLabels: component init).
    for (const s of ofType(run, "kubernetes:superset.apache.org/v1alpha1:Superset")) {
        const { name, namespace } = inputsOf(s).metadata;
        const base = { "app.kubernetes.io/name": "superset", "superset.apache.org/parent": name };
        pods.push({
            ns: namespace,
            labels: { ...base, "app.kubernetes.io/component": "web-server", "app.kubernetes.io/instance": name },
            what: "Superset web server",
        });
        pods.push({
            ns: namespace,
            labels: { ...base, "app.kubernetes.io/component": "init", "superset.apache.org/init-task": "init" },
            what: "Superset init task",
        });
    }
    // Spark pods (spark-role, Spark's Kubernetes constants) wherever jobs run, and Airflow's task pods (the chart's pod template: component worker).
    for (const ns of ["airflow", "kafka"]) {
        pods.push({ ns, labels: { "spark-role": "driver", "spark-app-selector": "x" }, what: `Spark driver in ${ns}` });
        pods.push({ ns, labels: { "spark-role": "executor", "spark-app-selector": "x" }, what: `Spark executor in ${ns}` });
    }
    pods.push({ ns: "airflow", labels: { tier: "airflow", component: "worker", release: "airflow" }, what: "Airflow task pod" });
    // The API producer's task pod: the chart's pod template plus the labels of its DAG's pod_override (api_users.json).
    const dagMap = ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => "api_users.json" in (inputsOf(c).data ?? {}));
    if (dagMap) {
        const labels = JSON.parse(inputsOf(dagMap).data["api_users.json"]).pod.labels;
        pods.push({ ns: "airflow", labels: { tier: "airflow", component: "worker", release: "airflow", ...labels }, what: "API producer task pod" });
    }
    // The Superset operator's pods: app.kubernetes.io/name superset and the component (its
    // internal/common/names.go ComponentLabels): the web server and the lifecycle tasks (migrate, init).
    for (const s of ofType(run, "kubernetes:superset.apache.org/v1alpha1:Superset")) {
        const { namespace } = inputsOf(s).metadata;
        for (const c of ["web-server", "init"])
            pods.push({ ns: namespace, labels: { "app.kubernetes.io/name": "superset", "app.kubernetes.io/component": c }, what: `Superset ${c}` });
    }
    // The Prometheus operator labels its pods app.kubernetes.io/name prometheus / alertmanager
    // (prometheus-operator pkg/prometheus/server/statefulset.go, pkg/alertmanager/statefulset.go).
    for (const o of worldOf(run.captured, renderPlan(run)).filter((x) => x.kind === "Prometheus" || x.kind === "Alertmanager")) {
        const name = o.kind.toLowerCase();
        pods.push({ ns: o.namespace!, labels: { "app.kubernetes.io/name": name, [name]: o.name }, what: o.kind });
    }
    return pods;
}

function find(pods: Pod[], ns: string, labels: Record<string, string>): Pod {
    const p = pods.find((x) => x.ns === ns && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
    assert.ok(p, `no pod in ${ns} with ${JSON.stringify(labels)}`);
    return p;
}

for (const variant of [...STACKS.map((s) => ({ stack: s, public: false })), { stack: "prod", public: true }]) {
    const title = `${variant.stack}${variant.public ? " with publicLoadBalancer" : ""}`;
    describe(`network reachability on ${title}`, () => {
        let run: PlanRun;
        let policies: Policy[];
        let pods: Pod[];
        let ok: (src: Source, dst: Pod, port: number) => boolean;
        let out: (src: Pod, dst: Source, port: number, protocol?: string) => boolean;
        before(async function () {
            this.timeout(300_000);
            run = variant.public
                ? await planWith(variant.stack, { "bdok:exposure": "publicLoadBalancer", ...PUBLIC_EXPOSURE_SETTINGS })
                : await planOf(variant.stack);
            const mine = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => ({
                namespace: inputsOf(r).metadata.namespace,
                name: inputsOf(r).metadata.name,
                spec: inputsOf(r).spec,
            }));
            policies = [...mine, ...strimziPolicies(run)];
            pods = podsOf(run);
            ok = (src, dst, port) => allowed(policies, run.config.vpcCidr, src, dst, port);
            out = (src, dst, port, protocol) => egressAllowed(policies, run.config.vpcCidr, src, dst, port, protocol);
        });

        it("the VPC CNI enforces NetworkPolicies (enableNetworkPolicy on the cluster's vpc-cni)", () => {
            const [cluster] = ofType(run, "eks:index:Cluster");
            assert.equal(inputsOf(cluster).vpcCniOptions?.enableNetworkPolicy, true);
        });

        it("every namespace the platform owns denies ingress by default", () => {
            const owned = ofType(run, "kubernetes:core/v1:Namespace").map((r) => inputsOf(r).metadata.name as string);
            assert.ok(owned.length >= 6);
            for (const ns of owned) {
                assert.ok(
                    policies.some((p) => p.namespace === ns && Object.keys(p.spec.podSelector ?? {}).length === 0 && (p.spec.ingress ?? []).length === 0),
                    `${ns}: no default-deny ingress policy`,
                );
                // Every pod there is selected by some policy, so none is open by omission.
                for (const pod of pods.filter((x) => x.ns === ns))
                    assert.ok(
                        policies.some((p) => p.namespace === ns && matches(p.spec.podSelector, pod.labels)),
                        pod.what,
                    );
            }
        });

        it("allows every flow the platform needs", () => {
            const need: Array<[Source, Pod, number, string]> = [];
            const apiServer = find(pods, "airflow", { component: "api-server" });
            // Airflow 3: the scheduler, triggerer, DAG processor and task pods use the API server's execution API.
            for (const c of ["scheduler", "triggerer", "dag-processor", "worker"])
                need.push([find(pods, "airflow", { component: c }), apiServer, 8080, `airflow ${c} -> api-server`]);
            // Spark executors reach their driver (driver port and block manager), in every job namespace.
            for (const ns of ["airflow", "kafka"]) {
                for (const port of [7078, 7079])
                    need.push([
                        find(pods, ns, { "spark-role": "executor" }),
                        find(pods, ns, { "spark-role": "driver" }),
                        port,
                        `spark executor -> driver in ${ns}`,
                    ]);
            }
            const coord = find(pods, "trino", { "app.kubernetes.io/component": "coordinator" });
            // Trino's workers and coordinator, both ways (dev runs none: the coordinator schedules on itself).
            const worker = pods.find((p) => p.ns === "trino" && p.labels["app.kubernetes.io/component"] === "worker");
            if (worker) need.push([worker, coord, 8080, "trino worker -> coordinator"], [coord, worker, 8080, "trino coordinator -> worker"]);
            // Kibana and the operator reach Elasticsearch (Kibana's elasticsearchRef; ECK's reconciler).
            const es = find(pods, "elastic", { "common.k8s.elastic.co/type": "elasticsearch" });
            need.push([find(pods, "elastic", { "common.k8s.elastic.co/type": "kibana" }), es, 9200, "kibana -> elasticsearch"]);
            need.push([find(pods, "elastic", { "app.kubernetes.io/name": "elastic-operator" }), es, 9200, "eck operator -> elasticsearch"]);
            need.push([es, es, 9300, "elasticsearch transport"]);
            // The Strimzi operator drives Connect's REST API and the brokers.
            const operator = find(pods, "kafka", { "strimzi.io/kind": "cluster-operator" });
            const broker = find(pods, "kafka", { "strimzi.io/kind": "Kafka" });
            need.push([operator, broker, 9091, "strimzi operator -> broker replication/admin"]);
            for (const c of ofType(run, "kubernetes:kafka.strimzi.io/v1:KafkaConnect")) {
                const connect = find(pods, "kafka", { "strimzi.io/kind": "KafkaConnect", "strimzi.io/cluster": inputsOf(c).metadata.name });
                need.push([operator, connect, 8083, "strimzi operator -> connect REST"]);
                // Connect's bootstrap servers, from its spec.
                const port = Number(String(inputsOf(c).spec.bootstrapServers).split(":").pop());
                need.push([connect, broker, port, "connect -> kafka"]);
                // Connectors' hosts, from their configuration: an in-cluster https://<svc>.<ns>.svc:<port>.
                for (const k of ofType(run, "kubernetes:kafka.strimzi.io/v1:KafkaConnector")) {
                    const m = /^https?:\/\/[^.]+\.([^.]+)\.svc(?:\.cluster\.local)?:(\d+)/.exec(inputsOf(k).spec.config["connection.url"] ?? "");
                    if (m)
                        need.push([
                            connect,
                            find(pods, m[1], { "common.k8s.elastic.co/type": "elasticsearch" }),
                            Number(m[2]),
                            `connector ${inputsOf(k).metadata.name}`,
                        ]);
                }
            }
            // Spark jobs reading the stream reach the brokers on the bootstrap port of their arguments.
            for (const app of ofType(run, "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication")) {
                const args: string[] = inputsOf(app).spec.arguments ?? [];
                const i = args.indexOf("--bootstrap-servers");
                if (i >= 0)
                    need.push([
                        find(pods, inputsOf(app).metadata.namespace, { "spark-role": "executor" }),
                        broker,
                        Number(args[i + 1].split(":").pop()),
                        "spark stream -> kafka",
                    ]);
            }
            // The API server calls the admission webhooks the charts register (from an EKS-owned VPC address).
            const controlPlane = { ip: podIp(run.config.vpcCidr).replace(/\.77$/, ".10"), what: "EKS control plane" };
            // Every webhook the charts register: its Service's selected pods, on the Service's target port.
            const world = worldOf(run.captured, renderPlan(run));
            for (const w of world.filter((o) => /WebhookConfiguration$/.test(o.kind))) {
                for (const h of w.body.webhooks ?? []) {
                    const ref = h.clientConfig?.service;
                    if (!ref || ref.namespace === "kube-system") continue; // the LBC's, outside the platform's namespaces
                    const svc = world.find((o) => o.kind === "Service" && o.namespace === ref.namespace && o.name === ref.name);
                    assert.ok(svc, `${ref.namespace}/${ref.name}`);
                    const port = (svc.body.spec.ports ?? []).find((x: any) => x.port === (ref.port ?? 443));
                    const target = pods.find((p) => p.ns === ref.namespace && matches({ matchLabels: svc.body.spec.selector }, p.labels));
                    // A named targetPort is the selected workload's container port of that name.
                    const workload = world.find(
                        (o) =>
                            o.namespace === ref.namespace &&
                            POD_KINDS.includes(o.kind) &&
                            matches({ matchLabels: svc.body.spec.selector }, o.body.spec?.template?.metadata?.labels ?? {}),
                    );
                    const named = (workload?.body.spec.template.spec.containers ?? [])
                        .flatMap((c: any) => c.ports ?? [])
                        .find((x: any) => x.name === port?.targetPort)?.containerPort;
                    const targetPort = typeof port?.targetPort === "number" ? port.targetPort : named;
                    assert.ok(target && typeof targetPort === "number", `${ref.name}: pod and target port`);
                    need.push([controlPlane, target, targetPort, `api server -> ${ref.name}`]);
                }
            }
            // Superset's web server and init task (the dashboard import) query Trino's coordinator, on the
            // port Trino serves clients on (HTTPS once it asks for a password).
            const trinoPort = run.config.exposure === "clusterIp" ? 8080 : 8443;
            for (const p of pods.filter((p) => p.labels["app.kubernetes.io/name"] === "superset")) need.push([p, coord, trinoPort, `${p.what} -> trino`]);
            if (run.config.superset.enabled)
                assert.ok(
                    pods.some((p) => p.what === "Superset web server"),
                    "the model has Superset's pods",
                );
            // Superset's web server and its init task (the dashboard import) query Trino's coordinator on
            // the port the exposure gives it (HTTPS once Trino asks for a password).
            for (const p of pods.filter((x) => x.labels["app.kubernetes.io/name"] === "superset" && x.labels["app.kubernetes.io/component"]))
                need.push([p, coord, run.config.exposure === "clusterIp" ? 8080 : 8443, `${p.what} -> trino`]);
            // Prometheus scrapes every PodMonitor's pods on the named port: the workload's container port
            // of that name, or for pods an operator starts (no workload in the plan) the port it names.
            const OPERATOR_PORTS: Record<string, (l: Record<string, string>) => number | undefined> = {
                // Spark's UI, spark.ui.port default 4040 (Spark docs/configuration.md).
                "spark-ui": (l) => (l["spark-role"] ? 4040 : undefined),
                // Strimzi's MetricsModel: METRICS_PORT 9404, METRICS_PORT_NAME "tcp-prometheus".
                "tcp-prometheus": (l) => (l["strimzi.io/kind"] ? 9404 : undefined),
            };
            const prometheus = pods.find((p) => p.labels["app.kubernetes.io/name"] === "prometheus" && p.labels.prometheus);
            const monitors = ofType(run, "kubernetes:monitoring.coreos.com/v1:PodMonitor");
            assert.equal(!!prometheus, monitors.length > 0, "Prometheus runs when there are PodMonitors");
            for (const m of monitors) {
                const spec = inputsOf(m).spec;
                const inNs = (ns: string) => spec.namespaceSelector?.any === true || (spec.namespaceSelector?.matchNames ?? []).includes(ns);
                for (const e of spec.podMetricsEndpoints) {
                    const targets = pods.filter((p) => inNs(p.ns) && matches(spec.selector, p.labels));
                    assert.ok(targets.length > 0, `PodMonitor ${inputsOf(m).metadata.name}: no pod`);
                    for (const t of targets) {
                        const workload = world.find(
                            (o) => o.namespace === t.ns && POD_KINDS.includes(o.kind) && matches(spec.selector, o.body.spec?.template?.metadata?.labels ?? {}),
                        );
                        const port =
                            (workload?.body.spec.template.spec.containers ?? []).flatMap((c: any) => c.ports ?? []).find((x: any) => x.name === e.port)
                                ?.containerPort ?? OPERATOR_PORTS[e.port]?.(t.labels);
                        assert.ok(typeof port === "number", `PodMonitor ${inputsOf(m).metadata.name}: ${t.what} has no port ${e.port}`);
                        need.push([prometheus!, t, port, `prometheus -> ${t.what} (${e.port})`]);
                    }
                }
            }
            if (prometheus) {
                // Grafana's datasource is Prometheus's Service (web, 9090); the Elasticsearch exporter reads the cluster's stats.
                need.push([find(pods, prometheus.ns, { "app.kubernetes.io/name": "grafana" }), prometheus, 9090, "grafana -> prometheus"]);
                need.push([find(pods, "elastic", { "app.kubernetes.io/name": "elasticsearch-exporter" }), es, 9200, "elasticsearch exporter -> elasticsearch"]);
            }
            // Behind load balancers: the NLB (a VPC address) and, public, the configured clients.
            if (run.config.exposure !== "clusterIp") {
                const sources: Source[] = [{ ip: podIp(run.config.vpcCidr).replace(/\.77$/, ".200"), what: "NLB" }];
                if (variant.public) sources.push({ ip: TEST_CLIENT_RANGE.replace(/0\/24$/, "9"), what: "allowed client" });
                for (const s of sources) {
                    need.push([s, apiServer, 8080, `${s.what} -> airflow`], [s, coord, 8443, `${s.what} -> trino`]);
                    need.push([s, find(pods, "elastic", { "common.k8s.elastic.co/type": "kibana" }), 5601, `${s.what} -> kibana`]);
                    need.push([s, find(pods, "spark-operator", { "app.kubernetes.io/name": "spark-history-server" }), 18080, `${s.what} -> spark history`]);
                    const web = pods.find((p) => p.what === "Superset web server");
                    if (web) need.push([s, web, 8088, `${s.what} -> superset`]);
                    // Grafana's container port (the subchart's targetPort): the NLB's IP targets reach it directly.
                    if (prometheus) need.push([s, find(pods, prometheus.ns, { "app.kubernetes.io/name": "grafana" }), 3000, `${s.what} -> grafana`]);
                }
            }
            const blocked = need.filter(([s, d, port]) => !ok(s, d, port)).map(([, , port, what]) => `${what} (:${port})`);
            assert.deepEqual(blocked, []);
        });

        it("every namespace the platform owns denies egress by default, and every pod there is selected", () => {
            const owned = ofType(run, "kubernetes:core/v1:Namespace").map((r) => inputsOf(r).metadata.name as string);
            for (const ns of owned) {
                assert.ok(
                    policies.some(
                        (p) =>
                            p.namespace === ns &&
                            (p.spec.policyTypes ?? []).includes("Egress") &&
                            Object.keys(p.spec.podSelector ?? {}).length === 0 &&
                            (p.spec.egress ?? []).length === 0,
                    ),
                    `${ns}: no default-deny egress policy`,
                );
            }
        });

        // Addresses outside the pods: the API server (its Service address before translation, an ENI
        // in the VPC after), RDS (a VPC address), AWS APIs (a public S3 address), the Pod Identity agent.
        const vpcAddress = (host: string) => podIp(run.config.vpcCidr).replace(/\.77$/, `.${host}`);
        const at = (ip: string, what: string) => ({ ip, what });

        it("egress: every needed flow out of a pod is allowed", () => {
            const need: Array<[Pod, Source, number, string, string?]> = [];
            const dns = { ns: "kube-system", labels: { "k8s-app": "kube-dns" }, what: "CoreDNS" };
            const owned = new Set(ofType(run, "kubernetes:core/v1:Namespace").map((r) => inputsOf(r).metadata.name as string));
            const ours = pods.filter((p) => owned.has(p.ns));
            assert.ok(
                ours.some((p) => p.ns === "db-bootstrap"),
                "the bootstrap Jobs are among the pods",
            );
            for (const p of ours) {
                need.push([p, dns, 53, `${p.what} -> DNS`, "UDP"], [p, dns, 53, `${p.what} -> DNS (TCP)`]);
                if (p.ns === "db-bootstrap") continue;
                // The API server: the EKS default Service addresses and a control-plane ENI.
                for (const ip of ["172.20.0.1", "10.100.0.1", vpcAddress("10")]) need.push([p, at(ip, "API server"), 443, `${p.what} -> API server ${ip}`]);
            }
            const rds = at(vpcAddress("150"), "RDS");
            for (const p of ours.filter((x) => x.ns === "db-bootstrap")) need.push([p, rds, 5432, `${p.what} -> RDS`]);
            for (const c of ["scheduler", "api-server", "triggerer", "dag-processor", "run-airflow-migrations", "create-user-job"])
                need.push([find(pods, "airflow", { component: c }), rds, 5432, `airflow ${c} -> RDS`]);
            if (run.config.pipelines.realtime) {
                need.push([find(pods, "kafka", { "strimzi.io/kind": "KafkaConnect" }), rds, 5432, "connect (JDBC source) -> RDS"]);
                need.push([find(pods, "kafka", { "app.kubernetes.io/name": "customers-simulator" }), rds, 5432, "simulator -> RDS"]);
            }
            // AWS callers: the service accounts with a Pod Identity role (Airflow's worker = task pods,
            // triggerer, API server; Spark's pods; Trino; Karpenter) and the Connect image build (ECR).
            const s3 = at("52.216.8.1", "S3");
            const agent = at("169.254.170.23", "Pod Identity agent");
            const awsCallers = [
                ...["worker", "triggerer", "api-server"].map((c) => find(pods, "airflow", { component: c })),
                ...["airflow", "kafka"].flatMap((ns) => [find(pods, ns, { "spark-role": "driver" }), find(pods, ns, { "spark-role": "executor" })]),
                ...pods.filter((p) => p.ns === "trino" && p.labels["app.kubernetes.io/name"] === "trino"),
                ...pods.filter((p) => p.ns === "karpenter"),
            ];
            for (const p of awsCallers) need.push([p, s3, 443, `${p.what} -> S3`], [p, agent, 80, `${p.what} -> Pod Identity agent`]);
            const build = pods.find((p) => p.labels["strimzi.io/name"]?.endsWith("-connect-build"));
            if (build) need.push([build, s3, 443, "connect build -> registry/ECR"]);
            // Superset's pods (web server, migrate and init tasks) use their metadata database on RDS;
            // its Kaniko build pulls the base image and pushes to ECR with its Pod Identity role.
            for (const p of pods.filter((x) => x.labels["app.kubernetes.io/name"] === "superset")) need.push([p, rds, 5432, `${p.what} -> RDS`]);
            for (const p of pods.filter((x) => x.labels["app.kubernetes.io/name"] === "superset-image-build"))
                need.push([p, s3, 443, "superset image build -> registry/ECR"], [p, agent, 80, "superset image build -> Pod Identity agent"]);
            // The Spark History Server reads the event logs on S3 with its Pod Identity role.
            for (const p of pods.filter((x) => x.labels["app.kubernetes.io/name"] === "spark-history-server"))
                need.push([p, s3, 443, "spark history -> S3"], [p, agent, 80, "spark history -> Pod Identity agent"]);
            // Prometheus: the kubelet (resource metrics and cAdvisor, the chart's kubelet ServiceMonitor,
            // https on 10250 at each node's VPC address) and the API server (the general rule above).
            for (const p of pods.filter((x) => x.labels["app.kubernetes.io/name"] === "prometheus"))
                need.push([p, at(vpcAddress("30"), "a node's kubelet"), 10250, "prometheus -> kubelet"]);
            const blocked = need.filter(([s, d, port, , proto]) => !out(s, d, port, proto)).map(([, , port, what]) => `${what} (:${port})`);
            assert.deepEqual(blocked, []);
        });

        it("egress: task pods cannot reach RDS, Connect and the brokers reach no arbitrary host, nobody reaches IMDS", () => {
            const bad: string[] = [];
            const rds = at(vpcAddress("150"), "RDS");
            const task = find(pods, "airflow", { component: "worker" });
            if (out(task, rds, 5432)) bad.push("airflow task pod -> RDS 5432");
            for (const ns of ["airflow", "kafka"])
                for (const role of ["driver", "executor"])
                    if (out(find(pods, ns, { "spark-role": role }), rds, 5432)) bad.push(`spark ${role} in ${ns} -> RDS`);
            for (const p of pods.filter((x) => x.ns === "trino" || x.ns === "elastic" || x.ns === "spark-operator"))
                if (out(p, rds, 5432)) bad.push(`${p.what} -> RDS`);
            const anywhere = [at("198.51.100.20", "an internet host"), at("52.216.8.1", "a public AWS address")];
            const connect = pods.filter((p) => p.labels["strimzi.io/kind"] === "KafkaConnect" && !p.labels["strimzi.io/name"]?.endsWith("-build"));
            const brokers = pods.filter((p) => p.labels["strimzi.io/kind"] === "Kafka");
            const bootstrap = pods.filter((p) => p.ns === "db-bootstrap");
            for (const p of [...connect, ...brokers, ...bootstrap, find(pods, "kafka", { "strimzi.io/kind": "cluster-operator" })])
                for (const dst of anywhere) for (const port of [80, 443, 8080, 5432, 9092]) if (out(p, dst, port)) bad.push(`${p.what} -> ${dst.what}:${port}`);
            const owned = new Set(ofType(run, "kubernetes:core/v1:Namespace").map((r) => inputsOf(r).metadata.name as string));
            for (const p of pods.filter((x) => owned.has(x.ns))) if (out(p, at("169.254.169.254", "IMDS"), 80)) bad.push(`${p.what} -> IMDS`);
            assert.ok(connect.length > 0 || !run.config.pipelines.realtime);
            assert.deepEqual(bad, []);
        });

        it("the API producer's task pod reaches DNS, Airflow, the brokers and HTTPS outside the VPC, and nothing else", function () {
            const task = pods.find((p) => p.what === "API producer task pod");
            if (!run.config.pipelines.api) {
                assert.equal(task, undefined);
                return this.skip();
            }
            assert.ok(task, "the plan's DAG folder labels the task pod");
            const dns: Pod = { ns: "kube-system", labels: { "k8s-app": "kube-dns" }, what: "CoreDNS" };
            const broker = find(pods, "kafka", { "strimzi.io/kind": "Kafka" });
            const api = find(pods, "airflow", { component: "api-server" });
            const internet = { ip: "198.51.100.20", what: "the API (an internet address)" };
            // Both ends: the task's egress and the destination's ingress.
            const both = (dst: Source, port: number, protocol = "TCP") =>
                egressAllowed(policies, run.config.vpcCidr, task, dst, port, protocol) && ("ip" in dst || ok(task, dst, port));
            const url = new URL(run.config.pipelines.apiUrl);
            const need: Array<[Source, number, string]> = [
                [dns, 53, "UDP"],
                [dns, 53, "TCP"],
                [api, 8080, "TCP"],
                [find(pods, "airflow", { component: "statsd" }), 9125, "UDP"],
                [broker, Number(String(run.plan.outputs.kafkaBootstrapServers).split(":").pop()), "TCP"],
                [internet, url.port ? Number(url.port) : 443, "TCP"],
                [{ ip: "169.254.170.23", what: "the Pod Identity agent" }, 80, "TCP"],
            ];
            assert.deepEqual(
                need.filter(([d, port, proto]) => !both(d, port, proto)).map(([d, port, proto]) => `${d.what} ${proto}/${port}`),
                [],
            );
            const coord = find(pods, "trino", { "app.kubernetes.io/component": "coordinator" });
            const es = find(pods, "elastic", { "common.k8s.elastic.co/type": "elasticsearch" });
            const deny: Array<[Source, number]> = [
                [internet, 22],
                [internet, 80],
                [{ ip: "169.254.169.254", what: "the instance metadata service" }, 80],
                [{ ip: podIp(run.config.vpcCidr).replace(/\.77$/, ".5"), what: "RDS (a VPC address)" }, 5432],
                [coord, 8443],
                [es, 9200],
                [broker, 9091],
                ...pods.filter((p) => p.labels["strimzi.io/kind"] === "KafkaConnect").map((c): [Source, number] => [c, 8083]),
            ];
            assert.deepEqual(
                deny.filter(([d, port]) => egressAllowed(policies, run.config.vpcCidr, task, d, port)).map(([d, port]) => `${d.what}:${port}`),
                [],
            );
            // The other task pods stay under the namespace's default deny.
            const plain = find(pods, "airflow", { component: "worker" });
            assert.ok(plain.labels["bdok.io/egress"] === undefined && !egressAllowed(policies, run.config.vpcCidr, plain, internet, 22));
        });

        it("denies the dangerous flows: any other pod to Connect's REST API, other namespaces to Trino, Elasticsearch and Airflow", () => {
            const bad: string[] = [];
            const others = pods.filter((p) => p.labels["strimzi.io/kind"] !== "cluster-operator" && p.labels["strimzi.io/kind"] !== "KafkaConnect");
            assert.ok(others.length > 10);
            for (const c of pods.filter((p) => p.labels["strimzi.io/kind"] === "KafkaConnect")) {
                for (const src of others) if (ok(src, c, 8083)) bad.push(`${src.what} -> Connect REST 8083`);
            }
            const coord = find(pods, "trino", { "app.kubernetes.io/component": "coordinator" });
            const es = find(pods, "elastic", { "common.k8s.elastic.co/type": "elasticsearch" });
            const api = find(pods, "airflow", { component: "api-server" });
            const internet = { ip: "198.51.100.20", what: "an internet address" };
            // Superset's pods are Trino's one client elsewhere: on 8080 when Trino asks for no password.
            const supersetClient = (p: Source) => run.config.exposure === "clusterIp" && "ns" in p && p.labels["app.kubernetes.io/name"] === "superset";
            for (const src of [...pods.filter((p) => p.ns !== "trino"), internet]) {
                // With a load balancer the coordinator is open to the VPC, and logs users in over HTTPS (8443); plain 8080 never.
                if (ok(src, coord, 8080) && !supersetClient(src)) bad.push(`${src.what} -> trino 8080`);
                if (run.config.exposure === "clusterIp" && ok(src, coord, 8443)) bad.push(`${src.what} -> trino 8443`);
            }
            for (const src of [...pods.filter((p) => p.ns !== "elastic" && p.labels["strimzi.io/kind"] !== "KafkaConnect"), internet]) {
                if (ok(src, es, 9200)) bad.push(`${src.what} -> elasticsearch 9200`);
            }
            for (const src of [...pods.filter((p) => p.ns !== "airflow"), internet]) {
                if (run.config.exposure === "clusterIp" && ok(src, api, 8080)) bad.push(`${src.what} -> airflow api 8080`);
            }
            // The History Server (no login of its own): only through its load balancer, never from other pods.
            const history = find(pods, "spark-operator", { "app.kubernetes.io/name": "spark-history-server" });
            for (const src of [...pods.filter((p) => p !== history), internet]) {
                if (run.config.exposure === "clusterIp" && ok(src, history, 18080)) bad.push(`${src.what} -> spark history 18080`);
            }
            if (ok(internet, history, 18080)) bad.push("internet -> spark history");
            // Grafana: from its own namespace, and through its load balancer only when exposed.
            const grafana = pods.find((p) => p.ns === "monitoring" && p.labels["app.kubernetes.io/name"] === "grafana");
            if (grafana) {
                for (const src of pods.filter((p) => p.ns !== "monitoring"))
                    if (run.config.exposure === "clusterIp" && ok(src, grafana, 3000)) bad.push(`${src.what} -> grafana 3000`);
                if (ok(internet, grafana, 3000)) bad.push("internet -> grafana");
            }
            // Prometheus reaches the metrics ports only: not the UIs, APIs and data ports of what it scrapes.
            const prometheus = pods.find((p) => p.labels["app.kubernetes.io/name"] === "prometheus" && p.labels.prometheus);
            if (prometheus) {
                const broker = find(pods, "kafka", { "strimzi.io/kind": "Kafka" });
                const flows: Array<[Pod, number]> = [
                    [coord, 8080],
                    [coord, 8443],
                    [es, 9200],
                    [api, 8080],
                    [history, 18080],
                    [broker, 9092],
                    [broker, 9091],
                ];
                for (const [dst, port] of flows) if (ok(prometheus, dst, port)) bad.push(`prometheus -> ${dst.what}:${port}`);
                for (const dst of [internet, { ip: "52.216.8.1", what: "a public AWS address" }])
                    if (out(prometheus, dst, 443)) bad.push(`prometheus -> ${dst.what}`);
            }
            // Monitoring's pods, Superset's operator and image build never reach RDS (Superset's own
            // pods do, as their app role: the master password stays in db-bootstrap).
            const rds = { ip: podIp(run.config.vpcCidr).replace(/\.77$/, ".150"), what: "RDS" };
            for (const p of pods.filter((x) => x.ns === "monitoring" || (x.ns === "superset" && x.labels["app.kubernetes.io/name"] !== "superset")))
                if (out(p, rds, 5432)) bad.push(`${p.what} -> RDS`);
            // Grafana and Alertmanager (no receivers) send nothing outside the cluster.
            for (const p of pods.filter((x) => x.ns === "monitoring" && ["grafana", "alertmanager"].includes(x.labels["app.kubernetes.io/name"])))
                for (const port of [80, 443]) if (out(p, internet, port)) bad.push(`${p.what} -> internet:${port}`);
            if (ok(internet, api, 8080) || ok(internet, coord, 8443)) bad.push("internet -> UIs");
            assert.deepEqual(bad, []);
        });
    });
}

describe("the reachability evaluator can fail", () => {
    it("an open namespace lets everything in; a default deny stops it; a rule reopens one port from one peer", () => {
        const dst: Pod = { ns: "kafka", labels: { app: "connect" }, what: "connect" };
        const src: Pod = { ns: "airflow", labels: { component: "worker" }, what: "task" };
        assert.equal(allowed([], "10.20.0.0/16", src, dst, 8083), true);
        const deny: Policy = { namespace: "kafka", name: "deny", spec: { podSelector: {}, policyTypes: ["Ingress"] } };
        assert.equal(allowed([deny], "10.20.0.0/16", src, dst, 8083), false);
        const allow: Policy = {
            namespace: "kafka",
            name: "allow",
            spec: {
                podSelector: { matchLabels: { app: "connect" } },
                ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "airflow" } } }], ports: [{ port: 8083 }] }],
            },
        };
        assert.equal(allowed([deny, allow], "10.20.0.0/16", src, dst, 8083), true);
        assert.equal(allowed([deny, allow], "10.20.0.0/16", src, dst, 9092), false);
        assert.equal(allowed([deny, allow], "10.20.0.0/16", { ...src, ns: "trino" }, dst, 8083), false);
    });

    it("egress: an unselected pod sends anywhere; a selected one only to its rules' peers, ports and protocols", () => {
        const src: Pod = { ns: "airflow", labels: { role: "x" }, what: "task" };
        const dns: Pod = { ns: "kube-system", labels: { "k8s-app": "kube-dns" }, what: "dns" };
        const out: Policy = {
            namespace: "airflow",
            name: "egress",
            spec: {
                podSelector: { matchLabels: { role: "x" } },
                policyTypes: ["Egress"],
                egress: [
                    { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }], ports: [{ protocol: "UDP", port: 53 }] },
                    { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.20.0.0/16"] } }], ports: [{ protocol: "TCP", port: 443 }] },
                ],
            },
        };
        assert.equal(egressAllowed([], "10.20.0.0/16", src, { ip: "198.51.100.1", what: "x" }, 22), true);
        assert.equal(egressAllowed([out], "10.20.0.0/16", src, dns, 53, "UDP"), true);
        assert.equal(egressAllowed([out], "10.20.0.0/16", src, dns, 53, "TCP"), false);
        assert.equal(egressAllowed([out], "10.20.0.0/16", src, { ip: "198.51.100.1", what: "x" }, 443), true);
        assert.equal(egressAllowed([out], "10.20.0.0/16", src, { ip: "10.20.3.4", what: "vpc" }, 443), false);
        assert.equal(egressAllowed([out], "10.20.0.0/16", { ...src, labels: {} }, { ip: "10.20.3.4", what: "vpc" }, 22), true);
    });
});
