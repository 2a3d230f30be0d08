// Reachability: from the plan and the rendered charts, who must talk to whom, and whether the
// NetworkPolicies (the program's, plus those Strimzi generates) let exactly that through.
// The evaluator follows the NetworkPolicy API (kubernetes.io/docs/concepts/services-networking/
// network-policies): a pod selected by no Ingress policy accepts everything; a selected pod accepts
// what one of its policies' rules allows. ipBlock matches pod IPs too (the VPC CNI's agent filters
// on addresses; pods get VPC addresses), so every pod is given one inside the VPC.
import { strict as assert } from "assert";
import type { PlanRun } from "../../tools/harness";
import { renderPlan } from "../../tools/render";
import { worldOf } from "../../tools/references";
import { cidrRange } from "../../policy/network";
import { inputsOf, ofType, planOf, planWith, STACKS, TEST_CLIENT_RANGE } from "../../test/support";

interface Pod {
    ns: string;
    labels: Record<string, string>;
    what: string;
}
type Source = Pod | { ip: string; what: string };
interface Policy {
    namespace: string;
    name: string;
    spec: any;
}

const matches = (sel: any, labels: Record<string, string>): boolean => {
    if (!sel) return true;
    for (const [k, v] of Object.entries<string>(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
    for (const e of sel.matchExpressions ?? []) {
        const has = e.key in labels;
        if (e.operator === "Exists" && !has) return false;
        if (e.operator === "DoesNotExist" && has) return false;
        if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
        if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    }
    return true;
};

const inCidr = (ip: string, cidr: string) => {
    const r = cidrRange(cidr)!;
    const a = cidrRange(`${ip}/32`)!;
    return a.lo >= r.lo && a.hi <= r.hi;
};

/** Every pod gets an address in the VPC (VPC CNI): the first /24 of the VPC's range. */
const podIp = (vpcCidr: string) => vpcCidr.replace(/\.\d+\.\d+\/\d+$/, ".0.77");

function allowed(policies: Policy[], vpcCidr: string, src: Source, dst: Pod, port: number): boolean {
    const selecting = policies.filter(
        (p) => p.namespace === dst.ns && (p.spec.policyTypes ?? ["Ingress"]).includes("Ingress") && matches(p.spec.podSelector, dst.labels),
    );
    if (selecting.length === 0) return true;
    const srcIp = "ip" in src ? src.ip : podIp(vpcCidr);
    return selecting.some((p) =>
        (p.spec.ingress ?? []).some((rule: any) => {
            const portOk = !rule.ports?.length || rule.ports.some((x: any) => x.port === undefined || x.port === port);
            const peers: any[] = rule.from ?? [];
            const peerOk =
                peers.length === 0 ||
                peers.some((peer) => {
                    if (peer.ipBlock) return inCidr(srcIp, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((e: string) => inCidr(srcIp, e));
                    if ("ip" in src) return false;
                    const nsOk = peer.namespaceSelector ? matches(peer.namespaceSelector, { "kubernetes.io/metadata.name": src.ns }) : src.ns === p.namespace;
                    return nsOk && matches(peer.podSelector, src.labels);
                });
            return portOk && peerOk;
        }),
    );
}

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
        before(async function () {
            this.timeout(300_000);
            run = variant.public
                ? await planWith(variant.stack, { "bdok:exposure": "publicLoadBalancer", "bdok:loadBalancerSourceRanges": [TEST_CLIENT_RANGE] })
                : await planOf(variant.stack);
            const mine = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => ({
                namespace: inputsOf(r).metadata.namespace,
                name: inputsOf(r).metadata.name,
                spec: inputsOf(r).spec,
            }));
            policies = [...mine, ...strimziPolicies(run)];
            pods = podsOf(run);
            ok = (src, dst, port) => allowed(policies, run.config.vpcCidr, src, dst, port);
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
            // Behind load balancers: the NLB (a VPC address) and, public, the configured clients.
            if (run.config.exposure !== "clusterIp") {
                const sources: Source[] = [{ ip: podIp(run.config.vpcCidr).replace(/\.77$/, ".200"), what: "NLB" }];
                if (variant.public) sources.push({ ip: TEST_CLIENT_RANGE.replace(/0\/24$/, "9"), what: "allowed client" });
                for (const s of sources) {
                    need.push([s, apiServer, 8080, `${s.what} -> airflow`], [s, coord, 8443, `${s.what} -> trino`]);
                    need.push([s, find(pods, "elastic", { "common.k8s.elastic.co/type": "kibana" }), 5601, `${s.what} -> kibana`]);
                    const web = pods.find((p) => p.what === "Superset web server");
                    if (web) need.push([s, web, 8088, `${s.what} -> superset`]);
                }
            }
            const blocked = need.filter(([s, d, port]) => !ok(s, d, port)).map(([, , port, what]) => `${what} (:${port})`);
            assert.deepEqual(blocked, []);
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
            for (const src of [...pods.filter((p) => p.ns !== "trino"), internet]) {
                // With a load balancer the coordinator is open to the VPC, and logs users in over HTTPS (8443); plain 8080 never,
                // but for Superset without one (Trino then asks no password, and 8080 is its only port).
                const superset = "ns" in src && src.ns === "superset" && run.config.exposure === "clusterIp";
                if (!superset && ok(src, coord, 8080)) bad.push(`${src.what} -> trino 8080`);
                if (run.config.exposure === "clusterIp" && ok(src, coord, 8443)) bad.push(`${src.what} -> trino 8443`);
            }
            for (const src of [...pods.filter((p) => p.ns !== "elastic" && p.labels["strimzi.io/kind"] !== "KafkaConnect"), internet]) {
                if (ok(src, es, 9200)) bad.push(`${src.what} -> elasticsearch 9200`);
            }
            for (const src of [...pods.filter((p) => p.ns !== "airflow"), internet]) {
                if (run.config.exposure === "clusterIp" && ok(src, api, 8080)) bad.push(`${src.what} -> airflow api 8080`);
            }
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
});
