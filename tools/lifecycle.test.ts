// The lifecycle check (tools/lifecycle.ts) on small synthetic plans, each a plan the check must
// refuse (or pass), with the upstream fact it stands for. test/lifecycle.test.ts runs the same check
// on the stacks' real plans, where it must find nothing; these fixtures make it find something.
// [PK] pulumi-kubernetes at 94977969d64112b04e19945818a7d5d5f38f631d (the tree model/controllers.json
//      cites): provider/pkg/metadata/overrides.go:49-66 TimeoutDuration (customTimeouts first, then
//      a whole-number pulumi.com/timeoutSeconds, else the default), await.go:306-311 (default 10 min);
//      helm_release.go:608-612 (a Release waits unless skipAwait), :1766-1770 (timeout 0 means 300 s).
// [H]  Helm v3.20.2 pkg/action/install.go:469-484: --wait first, the post-install hooks after it.
// [AF] apache/airflow chart 1.19.0 templates/jobs/migrate-database-job.yaml:44-49: with useHelmHooks
//      (the default) the migration Job is a "post-install,post-upgrade" hook.
// [ST] Strimzi 1.2.0: the topic operator's finalizer strimzi.io/topic-operator on every KafkaTopic
//      (BatchingTopicController.java:335-341), the topic operator running in the Kafka CR named by
//      the topic's strimzi.io/cluster label, in the topic's namespace.
// Each table row names the fact it rests on; the table itself is model/controllers.json.
import { strict as assert } from "assert";
import type { Captured } from "./harness";
import type { K8sObject } from "./helm";
import type { RenderedRelease } from "./render";
import type { DurationTable } from "./estimate/durations";
import {
    awaitedBeforeNodes,
    awaitedObjects,
    ControllerTable,
    controllerTable,
    countAt,
    destroyProblems,
    hookDeadlocks,
    makesVolumes,
    parseDuration,
    poolConsumersNotWaiting,
    shortTimeouts,
    unawaitedPodResources,
    unmodelledAwaits,
    UpTiming,
    unusedRows,
    upTimings,
} from "./lifecycle";

let seq = 0;
/** A planned resource; `spec`/`metadata` go to both inputs and rawInputs, as the harness captures them. */
function res(name: string, type: string, o: Partial<Captured> & { body?: Record<string, unknown> } = {}): Captured {
    const { body, ...rest } = o;
    return {
        urn: `urn:pulumi:t::p::${type}::${name}#${seq++}`,
        type,
        name,
        parent: null,
        provider: null,
        dependencies: [],
        propertyDependencies: {},
        protect: false,
        retainOnDelete: false,
        deleteBeforeReplace: false,
        ignoreChanges: [],
        custom: true,
        remote: false,
        inputs: { ...(body ?? {}) },
        rawInputs: { ...(body ?? {}) },
        ...rest,
    };
}
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const KAFKA = "kubernetes:kafka.strimzi.io/v1:Kafka";
const TOPIC = "kubernetes:kafka.strimzi.io/v1:KafkaTopic";
const ES = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";
const NODEPOOL = "kubernetes:karpenter.sh/v1:NodePool";
const annotated = (annotations: Record<string, string>) => ({ metadata: { annotations } });
const after = (r: Captured, ...deps: Captured[]): Captured => ({ ...r, dependencies: [...r.dependencies, ...deps.map((d) => d.urn)] });

/** A rendered release of `chart` for the Release resource `rel`. */
function rendered(rel: Captured, chart: string, objects: K8sObject[]): RenderedRelease {
    return {
        resource: rel.name,
        urn: rel.urn,
        chart: chart as RenderedRelease["chart"],
        releaseName: rel.name,
        namespace: "ns",
        values: {},
        skipCrds: false,
        objects,
        manifest: "",
    };
}
const obj = (kind: string, name: string, spec: unknown, annotations?: Record<string, string>): K8sObject => ({
    apiVersion: kind === "Job" ? "batch/v1" : "apps/v1",
    kind,
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec,
});

describe("lifecycle check on synthetic plans (tools/lifecycle.ts)", () => {
    describe("the timeout Pulumi applies to an awaited object [PK]", () => {
        const table = controllerTable();
        const rows: [string, Captured, number][] = [
            ["no annotation, no customTimeouts: the default", res("d", DEPLOYMENT), 600],
            ["pulumi.com/timeoutSeconds", res("d", DEPLOYMENT, { body: annotated({ "pulumi.com/timeoutSeconds": "1200" }) }), 1200],
            ["customTimeouts.create", res("d", DEPLOYMENT, { customTimeouts: { create: "15m" } }), 900],
            [
                "customTimeouts.create wins over the annotation (overrides.go:54-57)",
                res("d", DEPLOYMENT, { customTimeouts: { create: "15m" }, body: annotated({ "pulumi.com/timeoutSeconds": "300" }) }),
                900,
            ],
            [
                "an annotation strconv.Atoi refuses is ignored (overrides.go:58-62)",
                res("d", DEPLOYMENT, { body: annotated({ "pulumi.com/timeoutSeconds": "15m" }) }),
                600,
            ],
            ["1e3, a number to JavaScript, is refused by strconv.Atoi", res("d", DEPLOYMENT, { body: annotated({ "pulumi.com/timeoutSeconds": "1e3" }) }), 600],
            ["a signed whole number strconv.Atoi reads", res("d", DEPLOYMENT, { body: annotated({ "pulumi.com/timeoutSeconds": "+900" }) }), 900],
        ];
        for (const [what, r, want] of rows)
            it(`${what}: ${want} s`, () => {
                assert.deepEqual(
                    awaitedObjects([r], table).map((a) => a.timeoutSeconds),
                    [want],
                );
            });

        it("a count path is spec.<list>[].<field>, summed over the list; anything else is refused", () => {
            const spec = { nodeSets: [{ count: 2 }, { count: 1 }, {}] };
            for (const [path, want] of [
                ["spec.nodeSets[].count", 3],
                ["spec.other[].count", 0],
                ["metadata.spec.nodeSets[].count", /allowed: spec.<list>\[\].<field>/],
                ["spec.nodeSets[].count.x", /allowed: spec.<list>\[\].<field>/],
            ] as const) {
                if (typeof want === "number") assert.equal(countAt(path, spec), want, path);
                else assert.throws(() => countAt(path, spec), want, path);
            }
            assert.equal(countAt("spec.nodeSets[].count", undefined), 0);
            assert.equal(countAt("spec.nodeSets[].count", { nodeSets: [null, { count: 1 }] }), 1);
        });

        it("parses customTimeouts durations (the SDK's strings, e.g. 5m, 40s)", () => {
            for (const [s, want] of [
                ["15m", 900],
                ["40s", 40],
                ["1h30m", 5400],
                ["2.5m", 150],
                ["2.25m", 135],
                ["", 0],
            ] as const)
                assert.equal(parseDuration(s), want, s);
        });
    });

    describe("which objects `up` awaits [PK]", () => {
        const table = controllerTable();
        const rows: [string, Captured, number | undefined, RegExp?][] = [
            ["a Release (helm --wait)", res("r", RELEASE, { body: { chart: "x", timeout: 900 } }), 900, /^helm --wait$/],
            ["a Release with timeout 0: 300 s", res("r", RELEASE, { body: { chart: "x", timeout: 0 } }), 300],
            ["a Release without a timeout: 300 s", res("r", RELEASE, { body: { chart: "x" } }), 300],
            ["a Release with skipAwait", res("r", RELEASE, { body: { chart: "x", skipAwait: true } }), undefined],
            ["a Deployment (awaited kind)", res("d", DEPLOYMENT), 600, /^apps\/v1\/Deployment readiness$/],
            ["a core Pod", res("p", "kubernetes:core/v1:Pod"), 600, /^v1\/Pod readiness$/],
            ["a Deployment with pulumi.com/skipAwait", res("d", DEPLOYMENT, { body: annotated({ "pulumi.com/skipAwait": "true" }) }), undefined],
            ["a ConfigMap (not awaited)", res("c", "kubernetes:core/v1:ConfigMap"), undefined],
            [
                "a ConfigMap with pulumi.com/waitFor",
                res("c", "kubernetes:core/v1:ConfigMap", { body: annotated({ "pulumi.com/waitFor": "jsonpath={.data.x}" }) }),
                600,
            ],
            [
                "a pod-running custom resource with pulumi.com/waitFor",
                res("k", KAFKA, { body: annotated({ "pulumi.com/waitFor": "condition=Ready" }) }),
                600,
                /^waitFor condition=Ready$/,
            ],
            ["a custom resource without pulumi.com/waitFor", res("k", KAFKA), undefined],
            [
                "a yaml/v2 ConfigGroup (its objects are awaited, not it)",
                res("y", "kubernetes:yaml/v2:ConfigGroup", { body: annotated({ "pulumi.com/waitFor": "x" }) }),
                undefined,
            ],
            ["a non-Kubernetes resource", res("b", "aws:s3/bucket:Bucket", { body: annotated({ "pulumi.com/waitFor": "x" }) }), undefined],
        ];
        for (const [what, r, want, why] of rows)
            it(`${what}: ${want === undefined ? "not awaited" : `${want} s`}`, () => {
                const got = awaitedObjects([r], table);
                assert.deepEqual(
                    got.map((a) => a.timeoutSeconds),
                    want === undefined ? [] : [want],
                );
                if (why) assert.match(got[0].why, why);
            });
    });

    describe("an awaited release waiting for a Job Helm runs after the wait deadlocks [H][AF]", () => {
        const job = (hook: string | undefined, container = "run-airflow-migrations") =>
            obj(
                "Job",
                "airflow-run-airflow-migrations",
                { template: { spec: { containers: [{ name: container }, { name: "sidecar" }] } } },
                hook === undefined ? undefined : { "helm.sh/hook": hook },
            );
        const scheduler = (annotations?: Record<string, string>) =>
            obj(
                "Deployment",
                "airflow-scheduler",
                { template: { spec: { initContainers: [{ name: "wait-for-airflow-migrations" }, { name: "other" }], containers: [{ name: "scheduler" }] } } },
                annotations,
            );
        const cases: [string, { skipAwait?: boolean; chart?: string; objects: K8sObject[] }, RegExp | null][] = [
            [
                "the chart's default hook Job",
                { objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" } }, job("post-install,post-upgrade"), scheduler()] },
                /^airflow: Deployment\/airflow-scheduler waits \(init container wait-for-airflow-migrations\) for Job airflow-run-airflow-migrations, a "post-install,post-upgrade" hook/,
            ],
            ["a post-upgrade hook alone", { objects: [job("post-upgrade"), scheduler()] }, /Deployment\/airflow-scheduler/],
            ["the Job as a plain object (useHelmHooks false)", { objects: [job(undefined), scheduler()] }, null],
            ["a pre-install hook (Helm runs it before the wait)", { objects: [job("pre-install"), scheduler()] }, null],
            ["a release Pulumi does not await (skipAwait)", { skipAwait: true, objects: [job("post-install"), scheduler()] }, null],
            ["the waiting object itself a hook", { objects: [job("post-install"), scheduler({ "helm.sh/hook": "post-install" })] }, null],
            ["no Job with the migrations container", { objects: [job("post-install", "other"), scheduler()] }, null],
            ["another chart with the same names", { chart: "trino", objects: [job("post-install"), scheduler()] }, null],
            [
                "a Deployment running the migrations container ahead of the hook Job",
                {
                    objects: [
                        obj("Deployment", "migrator", { template: { spec: { containers: [{ name: "run-airflow-migrations" }] } } }),
                        job("post-install"),
                        scheduler(),
                    ],
                },
                /Job airflow-run-airflow-migrations/,
            ],
            [
                "a Deployment with another init container only",
                { objects: [job("post-install"), obj("Deployment", "web", { template: { spec: { initContainers: [{ name: "other" }] } } })] },
                null,
            ],
        ];
        for (const [what, c, want] of cases)
            it(`${what}: ${want ? "refused" : "passes"}`, () => {
                const rel = res("airflow", RELEASE, { body: { chart: "airflow", ...(c.skipAwait ? { skipAwait: true } : {}) } });
                const found = hookDeadlocks([rel], [rendered(rel, c.chart ?? "airflow", c.objects)]);
                if (want) assert.match(found.join("\n"), want);
                else assert.deepEqual(found, []);
            });
    });

    describe("destroy: the controller finishing a deletion must outlive the object", () => {
        const ns = (name: string, namespace: string, labels?: Record<string, string>) => ({ metadata: { name, namespace, ...(labels ? { labels } : {}) } });
        const kafka = res("kafka-main", KAFKA, { body: ns("main", "kafka") });
        const unnamed = res("kafka-auto", KAFKA, { body: { metadata: { namespace: "kafka" } } });
        const topic = (labels: Record<string, string> | undefined, namespace = "kafka") => res("topic", TOPIC, { body: ns("t", namespace, labels) });
        const problems = (captured: Captured[], rels: RenderedRelease[] = []) =>
            destroyProblems(captured, rels)
                .filter((p) => p.resource === "topic")
                .map((p) => `${p.needs}: ${p.why}`);
        // [ST] the topic operator of the Kafka the label names, in the same namespace.
        const cases: [string, Captured[], RegExp | null][] = [
            [
                "a topic not ordered after its Kafka",
                [kafka, topic({ "strimzi.io/cluster": "main" })],
                /^kafka-main: finalizer strimzi\.io\/topic-operator: Strimzi/,
            ],
            ["a topic ordered after its Kafka", [kafka, after(topic({ "strimzi.io/cluster": "main" }), kafka)], null],
            [
                "a topic whose Kafka is in another namespace",
                [kafka, after(topic({ "strimzi.io/cluster": "main" }, "other"), kafka)],
                /^kafka\.strimzi\.io\/v1\/Kafka other\/main: no such resource/,
            ],
            [
                "a topic naming another cluster",
                [kafka, after(topic({ "strimzi.io/cluster": "side" }), kafka)],
                /^kafka\.strimzi\.io\/v1\/Kafka kafka\/side: no such resource/,
            ],
            ["a topic without the cluster label", [kafka, after(topic(undefined), kafka)], /no such resource in the plan/],
            // Pulumi auto-names a Kafka without metadata.name: no label matches it.
            ["a topic without the label, its Kafka auto-named", [unnamed, after(topic(undefined), unnamed)], /no such resource in the plan/],
            [
                "a ConfigMap named like the cluster is no Kafka",
                [res("cm", "kubernetes:core/v1:ConfigMap", { body: ns("main", "kafka") }), topic({ "strimzi.io/cluster": "main" })],
                /no such resource/,
            ],
        ];
        for (const [what, captured, want] of cases)
            it(`${what}: ${want ? "refused" : "passes"}`, () => {
                const found = problems(captured);
                if (want) assert.match(found.join("\n"), want);
                else assert.deepEqual(found, []);
            });

        it("a KafkaUser (no finalizer) names the fact without one", () => {
            const user = res("topic", "kubernetes:kafka.strimzi.io/v1:KafkaUser", { body: ns("u", "kafka", { "strimzi.io/cluster": "main" }) });
            assert.match(problems([kafka, user]).join("\n"), /^kafka-main: Strimzi 1\.2\.0 User Operator/);
        });

        // ECK deletes an Elasticsearch's data claims (model row removedByChart eck).
        it("an Elasticsearch needs the ECK operator's release, and to be deleted before it", () => {
            const es = res("topic", ES, { body: { ...ns("es", "elastic"), spec: { nodeSets: [] } } });
            const eck = res("eck", RELEASE, { body: { chart: "eck-operator" } });
            assert.match(problems([es]).join("\n"), /^the eck release: no such release in the plan; ECK/);
            const trino = res("trino", RELEASE, { body: { chart: "trino" } });
            assert.match(
                problems([es, trino], [rendered(trino, "trino", [])]).join("\n"),
                /^the eck release: no such release/,
                "another chart's release is not ECK",
            );
            assert.match(problems([es, eck], [rendered(eck, "eck", [])]).join("\n"), /^eck: ECK 3\.5\.0 sets no finalizer/);
            assert.deepEqual(destroyProblems([after(es, eck), eck], [rendered(eck, "eck", [])]), []);
        });

        it("a destroy row naming an owner kind without a match is a clear error", () => {
            const t: ControllerTable = structuredClone(controllerTable());
            delete t.destroy.find((r) => r.removedBy)!.match;
            assert.throws(
                () => destroyProblems([topic({ "strimzi.io/cluster": "main" })], [], t),
                /^Error: model\/controllers\.json destroy row kafka\.strimzi\.io\/v1\/KafkaTopic: removedBy needs a match$/,
            );
        });
    });

    describe("destroy: EBS volumes need the CSI controller and its nodes", () => {
        const csi = res("ebs-csi", "aws:eks/addon:Addon", { body: { addonName: "aws-ebs-csi-driver" } });
        const cni = res("vpc-cni", "aws:eks/addon:Addon", { body: { addonName: "vpc-cni" } });
        const ng = res("ng", "eks:index:ManagedNodeGroup", { custom: false, remote: true });
        const needs = (captured: Captured[], rels: RenderedRelease[], who: string) =>
            destroyProblems(captured, rels)
                .filter((p) => p.resource === who)
                .map((p) => p.needs)
                .sort();
        const whys = (captured: Captured[], rels: RenderedRelease[]) => destroyProblems(captured, rels).map((p) => `${p.resource}: ${p.why}`);
        const pvcKafka = res("k", KAFKA, { body: { spec: { kafka: {}, storage: { type: "persistent-claim", size: "1Gi" } } } });
        it("a Kafka with persistent-claim storage not ordered after the CSI add-on and the nodes", () => {
            assert.deepEqual(needs([csi, cni, ng, pvcKafka], [], "k"), ["ebs-csi", "ng"]);
            assert.match(
                whys([csi, ng, pvcKafka], []).join("\n"),
                /^k: its PersistentVolumeClaims' EBS volumes are deleted by the CSI controller: Kubernetes docs/,
            );
            assert.deepEqual(needs([csi, cni, ng, after(pvcKafka, csi, ng)], [], "k"), []);
        });
        it("a release rendering a PersistentVolumeClaim or a StatefulSet with claim templates", () => {
            const rel = res("rel", RELEASE, { body: { chart: "x" } });
            const withPvc = rendered(rel, "trino", [
                { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" } },
                { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "c" }, spec: {} },
            ]);
            const sts = (templates: unknown[]) => rendered(rel, "trino", [obj("StatefulSet", "s", { volumeClaimTemplates: templates })]);
            assert.deepEqual(needs([csi, ng, rel], [withPvc], "rel"), ["ebs-csi", "ng"]);
            assert.deepEqual(needs([csi, ng, rel], [sts([{ metadata: { name: "data" } }])], "rel"), ["ebs-csi", "ng"]);
            assert.deepEqual(needs([csi, ng, rel], [sts([])], "rel"), []);
            assert.deepEqual(needs([csi, ng, rel], [rendered(rel, "trino", [obj("StatefulSet", "s", {})])], "rel"), []);
            assert.match(whys([csi, ng, rel], [withPvc]).join("\n"), /^rel: renders PersistentVolumeClaims: Kubernetes docs/);
            assert.deepEqual(needs([csi, ng, after(rel, csi, ng)], [withPvc], "rel"), []);
        });
    });

    // Strimzi: storage types ephemeral, persistent-claim and jbod (volumes of either); ECK: each node
    // set gets an elasticsearch-data claim unless the pod template replaces the volume (emptyDir).
    describe("what makes EBS volumes", () => {
        const cr = (type: string, spec: unknown) => res("x", type, { body: { spec } });
        const rows: [string, Captured, boolean][] = [
            ["a PersistentVolumeClaim", res("x", "kubernetes:core/v1:PersistentVolumeClaim"), true],
            ["Kafka persistent-claim", cr(KAFKA, { storage: { type: "persistent-claim" } }), true],
            ["Kafka ephemeral", cr(KAFKA, { storage: { type: "ephemeral" } }), false],
            ["Kafka without storage (KRaft: on its node pools)", cr(KAFKA, {}), false],
            [
                "KafkaNodePool jbod with a persistent-claim volume",
                cr("kubernetes:kafka.strimzi.io/v1:KafkaNodePool", {
                    storage: { type: "jbod", volumes: [{ type: "ephemeral" }, { type: "persistent-claim" }] },
                }),
                true,
            ],
            [
                "KafkaNodePool jbod of ephemeral volumes",
                cr("kubernetes:kafka.strimzi.io/v1:KafkaNodePool", { storage: { type: "jbod", volumes: [{ type: "ephemeral" }] } }),
                false,
            ],
            ["KafkaNodePool jbod without volumes", cr("kubernetes:kafka.strimzi.io/v1:KafkaNodePool", { storage: { type: "jbod" } }), false],
            ["Elasticsearch, default data volume", cr(ES, { nodeSets: [{ name: "a", count: 1 }] }), true],
            [
                "Elasticsearch, data volume an emptyDir",
                cr(ES, { nodeSets: [{ name: "a", podTemplate: { spec: { volumes: [{ name: "elasticsearch-data", emptyDir: {} }] } } }] }),
                false,
            ],
            [
                "Elasticsearch, another volume an emptyDir",
                cr(ES, { nodeSets: [{ name: "a", podTemplate: { spec: { volumes: [{ name: "tmp", emptyDir: {} }] } } }] }),
                true,
            ],
            ["Elasticsearch without node sets", cr(ES, {}), false],
            ["Elasticsearch, a pod template with labels only", cr(ES, { nodeSets: [{ name: "a", podTemplate: { metadata: { labels: { a: "b" } } } }] }), true],
            ["a StatefulSet with claim templates", cr("kubernetes:apps/v1:StatefulSet", { volumeClaimTemplates: [{}] }), true],
            ["a StatefulSet without", cr("kubernetes:apps/v1:StatefulSet", {}), false],
            ["a Deployment", cr(DEPLOYMENT, { volumeClaimTemplates: [{}], storage: { type: "persistent-claim" } }), false],
        ];
        for (const [what, r, want] of rows) it(`${what}: ${want}`, () => assert.equal(makesVolumes(r), want));
    });

    describe("destroy: Karpenter's NodePools and load balancers", () => {
        const pool = res("pool", NODEPOOL);
        const karpenter = res("karpenter", RELEASE, { body: { chart: "karpenter" } });
        const subnet = res("subnet", "aws:ec2/subnet:Subnet");
        const needs = (captured: Captured[], rels: RenderedRelease[], who: string) =>
            destroyProblems(captured, rels)
                .filter((p) => p.resource === who)
                .map((p) => p.needs)
                .sort();
        it("a NodePool needs the Karpenter release, and it and the subnets must outlive it", () => {
            assert.deepEqual(needs([pool, subnet], [], "pool"), ["subnet", "the karpenter release"]);
            assert.match(
                destroyProblems([pool], [])
                    .map((p) => p.why)
                    .join("\n"),
                /^no such release in the plan; Karpenter 1\.14\.1/,
            );
            assert.deepEqual(needs([pool, subnet, karpenter], [rendered(karpenter, "karpenter", [])], "pool"), ["karpenter", "subnet"]);
            assert.deepEqual(needs([after(pool, karpenter, subnet), subnet, karpenter], [rendered(karpenter, "karpenter", [])], "pool"), []);
        });
        it("a LoadBalancer Service (the program's or a chart's) needs the load balancer controller to outlive it", () => {
            const lbc = res("lbc", RELEASE, { body: { chart: "aws-load-balancer-controller" } });
            const lbcRel = rendered(lbc, "awsLoadBalancerController", [
                { apiVersion: "v1", kind: "Service", metadata: { name: "webhook" }, spec: { type: "LoadBalancer" } },
            ]);
            const svc = (type: string) => res("svc", "kubernetes:core/v1:Service", { body: { spec: { type } } });
            assert.deepEqual(needs([svc("LoadBalancer")], [], "svc"), ["the awsLoadBalancerController release"]);
            assert.match(
                destroyProblems([svc("LoadBalancer")], [])
                    .map((p) => p.why)
                    .join("\n"),
                /^no such release in the plan; aws-load-balancer-controller/,
            );
            assert.deepEqual(needs([svc("LoadBalancer"), lbc], [lbcRel], "svc"), ["lbc"]);
            assert.deepEqual(needs([after(svc("LoadBalancer"), lbc), lbc], [lbcRel], "svc"), []);
            assert.deepEqual(needs([svc("ClusterIP"), lbc], [lbcRel], "svc"), []);
            // A chart's Service: its release must be deleted first; the controller's own is exempt.
            const trino = res("trino", RELEASE, { body: { chart: "trino" } });
            const trinoRel = rendered(trino, "trino", [
                obj("Deployment", "coordinator", {}),
                { apiVersion: "v1", kind: "Service", metadata: { name: "t" }, spec: { type: "LoadBalancer" } },
            ]);
            const internal = rendered(trino, "trino", [{ apiVersion: "v1", kind: "Service", metadata: { name: "t" }, spec: { type: "ClusterIP" } }]);
            assert.deepEqual(needs([trino, lbc], [internal, lbcRel], "trino"), [], "a ClusterIP Service needs no controller");
            assert.deepEqual(needs([trino, lbc], [trinoRel, lbcRel], "trino"), ["lbc"]);
            assert.deepEqual(needs([trino, lbc], [trinoRel, lbcRel], "lbc"), []);
        });
    });

    describe("pod-running custom resources are awaited on a condition their operator sets", () => {
        const kafka = (waitFor?: string) => res("k", KAFKA, { body: waitFor ? annotated({ "pulumi.com/waitFor": waitFor }) : {} });
        // ECK: health green needs every replica allocated, which one node never has: phase Ready then.
        const es = (counts: number[], waitFor: string) =>
            res("es", ES, { body: { ...annotated({ "pulumi.com/waitFor": waitFor }), spec: { nodeSets: counts.map((count) => ({ count })) } } });
        const cases: [string, Captured, RegExp | null][] = [
            [
                "Kafka without waitFor",
                kafka(),
                /^k \(kafka\.strimzi\.io\/v1\/Kafka\): pulumi\.com\/waitFor is unset; the operator sets condition=Ready \(Strimzi/,
            ],
            ["Kafka on a misspelt condition", kafka("condition=Readdy"), /waitFor is "condition=Readdy"/],
            ["Kafka on Ready", kafka("condition=Ready"), null],
            [
                "one Elasticsearch node on health green",
                es([1], "jsonpath={.status.health}=green"),
                /operator sets jsonpath=\{\.status\.phase\}=Ready \(ECK 3\.5\.0 https:\/\/\S+status\.go#L44-L45/,
            ],
            ["one Elasticsearch node on phase Ready", es([1], "jsonpath={.status.phase}=Ready"), null],
            [
                "three Elasticsearch nodes on phase Ready",
                es([3], "jsonpath={.status.phase}=Ready"),
                /operator sets jsonpath=\{\.status\.health\}=green \(ECK 3\.5\.0: status\.health/,
            ],
            ["two node sets of one node each on health green", es([1, 1], "jsonpath={.status.health}=green"), null],
        ];
        for (const [what, r, want] of cases)
            it(`${what}: ${want ? "refused" : "passes"}`, () => {
                const found = unawaitedPodResources([r]);
                if (want) assert.match(found.join("\n"), want);
                else assert.deepEqual(found, []);
            });

        it("several conditions an operator sets are named as alternatives", () => {
            const t: ControllerTable = structuredClone(controllerTable());
            t.podRunningResources.find((r) => r.kind === "kafka.strimzi.io/v1/Kafka")!.waitFor = ["condition=Ready", "condition=Warning"];
            assert.match(unawaitedPodResources([kafka()], t).join("\n"), /the operator sets condition=Ready or condition=Warning \(/);
            assert.deepEqual(unawaitedPodResources([kafka("condition=Warning")], t), []);
        });

        it("a condition on a kind the model has no row for is named", () => {
            const cm = res("cm", "kubernetes:core/v1:ConfigMap", { body: annotated({ "pulumi.com/waitFor": "jsonpath={.data.x}" }) });
            const odd = res("odd", "custom:index:Thing", { body: annotated({ "pulumi.com/waitFor": "condition=Ready" }) });
            const plain = res("plain", "kubernetes:core/v1:ConfigMap");
            assert.deepEqual(unmodelledAwaits([cm, odd, plain, kafka("condition=Ready"), kafka()]), [
                "cm (v1/ConfigMap) is awaited on jsonpath={.data.x}, but model/controllers.json has no podRunningResources row for its kind",
                "odd (custom:index:Thing) is awaited on condition=Ready, but model/controllers.json has no podRunningResources row for its kind",
            ]);
        });
    });

    // Karpenter launches nodes only for pods a NodePool can take: a pod selecting a pool that does
    // not exist yet stays pending, and a pool deleted first takes the controller's nodes with it.
    describe("what selects a Karpenter pool waits for every NodePool", () => {
        const LABEL = "bdok.io/pool";
        const pools = [res("pool-a", NODEPOOL), res("pool-b", NODEPOOL)];
        const selecting = (name: string, type: string, extra: Partial<Captured> = {}) =>
            res(name, type, { body: { spec: { template: { spec: { nodeSelector: { [LABEL]: "a" } } } } }, ...extra });
        const cases: [string, Captured[], string[]][] = [
            [
                "a Deployment waiting for neither",
                [selecting("d", DEPLOYMENT)],
                ["d (kubernetes:apps/v1:Deployment) selects a Karpenter pool but does not wait for pool-a, pool-b"],
            ],
            [
                "a Deployment waiting for one",
                [after(selecting("d", DEPLOYMENT), pools[0])],
                ["d (kubernetes:apps/v1:Deployment) selects a Karpenter pool but does not wait for pool-b"],
            ],
            ["a Deployment waiting for both", [after(selecting("d", DEPLOYMENT), ...pools)], []],
            [
                "a Job, a CronJob and a core Pod",
                [selecting("j", "kubernetes:batch/v1:Job"), selecting("c", "kubernetes:batch/v1:CronJob"), selecting("p", "kubernetes:core/v1:Pod")],
                ["j", "c", "p"],
            ],
            [
                "a Release whose values string names the label",
                [res("r", RELEASE, { body: { chart: "x", values: { yaml: `nodeSelector:\n  ${LABEL}: a` } } })],
                ["r"],
            ],
            ["an operator's custom resource", [selecting("k", "kubernetes:kafka.strimzi.io/v1:KafkaNodePool")], ["k"]],
            ["a ConfigMap naming the label (no pods)", [res("cm", "kubernetes:core/v1:ConfigMap", { body: { data: { x: LABEL } } })], []],
            ["a Deployment not selecting a pool", [res("d", DEPLOYMENT, { body: { spec: {} } })], []],
        ];
        for (const [what, rs, want] of cases)
            it(`${what}: ${want.length ? "refused" : "passes"}`, () => {
                const found = poolConsumersNotWaiting([...pools, ...rs], LABEL);
                // A row lists whole messages, or only the names of those refused.
                const full = want.some((w) => w.includes(" "));
                assert.deepEqual(
                    found.map((f) => (full ? f : f.split(" ")[0])),
                    want,
                );
            });

        it("Karpenter's own objects (inside its component) and a plan without pools are left alone", () => {
            const comp = res("karpenter", "bdok:platform:Karpenter", { custom: false });
            const inside = selecting("ctl", DEPLOYMENT, { parent: comp.urn });
            const deeper = selecting("deep", DEPLOYMENT, { parent: inside.urn });
            assert.deepEqual(poolConsumersNotWaiting([...pools, comp, inside, deeper], LABEL), []);
            assert.deepEqual(poolConsumersNotWaiting([selecting("d", DEPLOYMENT)], LABEL), []);
        });
    });

    describe("a timeout needs the margin over the modelled wait", () => {
        const timing = (neededSeconds: number, timeoutSeconds: number): UpTiming => ({
            resource: res("x", DEPLOYMENT),
            start: 1.25,
            nodesReady: 4,
            readyMinutes: 3,
            neededSeconds,
            timeoutSeconds,
        });
        it("exactly the required timeout passes, a second less is refused with the figures", () => {
            assert.deepEqual(shortTimeouts([timing(480, 600)]), []);
            assert.deepEqual(shortTimeouts([timing(480, 599)]), [
                "x: starts at 1.3 min, nodes at 4.0, needs 480 s, times out after 599 s; wants at least 600 s",
            ]);
        });
    });

    // The engine starts a create once its direct waits are done, a component parent once registered
    // ([R] in tools/graph.test.ts); a pod waits for nodes; a pool's first node comes inside its
    // consumer's await. The durations are this test's own table, so the figures follow from it.
    describe("when an awaited object's wait starts, and how long it must last", () => {
        const src = { url: "test" };
        const durations: DurationTable = {
            default: { minutes: 0, source: src },
            entries: [
                { match: "eks:index:ManagedNodeGroup", minutes: 4, range: [3, 6], source: src },
                { match: "test:index:Db", minutes: 10, source: src },
                { match: "kubernetes:karpenter.sh/*:NodePool", minutes: 1, range: [0.5, 2], source: src },
                { match: "kubernetes:apps/v1:Deployment", minutes: 1, range: [0.5, 3], needsNodes: true, source: src },
                { match: "kubernetes:apps/v1:DaemonSet", minutes: 2, needsNodes: true, source: src },
                { match: "kubernetes:kafka.strimzi.io/*:KafkaUser", minutes: 0.25, range: [0.05, 2], source: src },
            ],
        };
        const ng = res("ng", "eks:index:ManagedNodeGroup", { custom: false, remote: true });
        const db = res("db", "test:index:Db");
        const pool = res("pool", NODEPOOL);
        const comp = res("comp", "bdok:test:Comp", { custom: false });
        const dbInComp = res("db-in-comp", "test:index:Db", { parent: comp.urn });
        const user = res("user", "kubernetes:kafka.strimzi.io/v1:KafkaUser", { body: annotated({ "pulumi.com/waitFor": "condition=Ready" }) });
        // [name, resource, start (min), seconds needed]
        const cases: [string, Captured, number, number][] = [
            ["a Deployment waiting for nothing: the nodes, then its rollout", res("free", DEPLOYMENT), 0, (4 + 3) * 60],
            ["a Deployment after the node group: its rollout alone", after(res("after-ng", DEPLOYMENT), ng), 4, 3 * 60],
            ["a Deployment after something slower than the nodes", after(res("after-db", DEPLOYMENT), db), 10, 3 * 60],
            ["a DaemonSet (no range: its minutes)", res("ds", "kubernetes:apps/v1:DaemonSet"), 0, (4 + 2) * 60],
            ["a KafkaUser (no pods): no wait for the nodes", user, 0, 2 * 60],
            ["a child of a component starts at its registration", res("in-comp", DEPLOYMENT, { parent: comp.urn }), 0, (4 + 3) * 60],
            ["a pool consumer: the nodes, the pool's first node, its rollout", after(res("on-pool", DEPLOYMENT), pool), 1, (4 - 1 + 2 + 3) * 60],
        ];
        const plan = [ng, db, pool, comp, dbInComp, ...cases.map((c) => c[1])];
        // Computed inside each test, so that Stryker's per-test coverage sees the code under test.
        for (const [what, r, start, needed] of cases)
            it(`${what}: starts at ${start} min, needs ${needed} s`, () => {
                const t = upTimings(plan, durations).find((x) => x.resource.urn === r.urn)!;
                assert.deepEqual([t.start, t.nodesReady, t.neededSeconds], [start, 4, needed]);
            });

        it("without node groups nothing waits for nodes", () => {
            const [t] = upTimings([res("alone", DEPLOYMENT)], durations);
            assert.deepEqual([t.start, t.nodesReady, t.neededSeconds], [0, 0, 3 * 60]);
        });
    });

    describe("what needs pods waits for every node group (expanded through components)", () => {
        const ng = res("ng", "eks:index:ManagedNodeGroup", { custom: false, remote: true });
        const ng2 = res("ng2", "eks:index:ManagedNodeGroup", { custom: false, remote: true });
        const nodes = res("nodes", "bdok:test:Nodes", { custom: false });
        const inside = { ...ng2, parent: nodes.urn };
        const cases: [string, Captured, string[][]][] = [
            ["a Deployment waiting for none", res("d", DEPLOYMENT), [["ng", "ng2"]]],
            ["a Deployment waiting for one", after(res("d", DEPLOYMENT), ng), [["ng2"]]],
            ["a Deployment waiting for one and the component holding the other", after(res("d", DEPLOYMENT), ng, nodes), []],
            [
                "a KafkaUser (no pods)",
                res("u", "kubernetes:kafka.strimzi.io/v1:KafkaUser", { body: annotated({ "pulumi.com/waitFor": "condition=Ready" }) }),
                [],
            ],
        ];
        for (const [what, r, missing] of cases)
            it(`${what}: ${missing.length ? "refused" : "passes"}`, () =>
                assert.deepEqual(
                    awaitedBeforeNodes([ng, nodes, inside, r]).map((a) => a.missing),
                    missing,
                ));
    });

    // A row that matches nothing checks nothing: every kind, chart and variant a row names must be
    // in some plan, so a renamed or misspelt row is reported instead of passing silently.
    describe("rows of the controller table no plan exercises", () => {
        const table = controllerTable();
        const none = () => unusedRows([], table);
        const plan = (captured: Captured[], rels: RenderedRelease[] = []) => unusedRows([{ captured, rendered: rels }], table);
        const has = (found: string[], text: string) => found.includes(text);

        it("with no plan, every row is reported", () => {
            const expected = [
                ...table.podRunningResources.map((r) => `podRunningResources ${r.kind}: no plan declares one`),
                ...table.destroy.map((r) => `destroy ${r.kind}: no plan declares one`),
                ...table.destroy.filter((r) => r.removedBy).map((r) => `destroy ${r.kind}: removedBy ${r.removedBy}, which no plan declares`),
                ...table.destroy.filter((r) => r.removedByChart).map((r) => `destroy ${r.kind}: removedByChart ${r.removedByChart}, which no plan installs`),
                ...table.karpenterNodes.kinds.map((k) => `karpenterNodes ${k}: no plan declares one`),
                `karpenterNodes controllerChart ${table.karpenterNodes.controllerChart}: no plan installs it`,
                ...table.karpenterNodes.outlivedBy.map((t) => `karpenterNodes outlivedBy ${t}: no plan declares one`),
                `volumes csiAddon ${table.volumes.csiAddon}: no plan installs the add-on`,
                `loadBalancers controllerChart ${table.loadBalancers.controllerChart}: no plan installs it`,
                ...table.readinessInsideCharts.map(
                    (r) => `readinessInsideCharts ${r.chart}: no rendered release of the chart has init container ${r.initContainer} and Job ${r.waitsForJob}`,
                ),
            ];
            const found = none();
            for (const e of expected) assert.ok(has(found, e), e);
        });

        it("a kind, a chart, a type and the add-on are used once a plan has them", () => {
            const rel = res("karpenter", RELEASE, { body: { chart: "karpenter" } });
            const found = plan(
                [
                    res("t", TOPIC),
                    res("p", NODEPOOL),
                    res("s", "aws:ec2/subnet:Subnet"),
                    res("csi", "aws:eks/addon:Addon", { body: { addonName: table.volumes.csiAddon } }),
                    res("other", "aws:eks/addon:Addon", { body: { addonName: "vpc-cni" } }),
                ],
                [rendered(rel, table.karpenterNodes.controllerChart, []), rendered(rel, "eck", [])],
            );
            for (const gone of [
                "destroy kafka.strimzi.io/v1/KafkaTopic: no plan declares one",
                "karpenterNodes karpenter.sh/v1/NodePool: no plan declares one",
                "karpenterNodes outlivedBy aws:ec2/subnet:Subnet: no plan declares one",
                `karpenterNodes controllerChart ${table.karpenterNodes.controllerChart}: no plan installs it`,
                `volumes csiAddon ${table.volumes.csiAddon}: no plan installs the add-on`,
                "destroy elasticsearch.k8s.elastic.co/v1/Elasticsearch: removedByChart eck, which no plan installs",
            ])
                assert.ok(has(none(), gone) && !has(found, gone), gone);
            // The pod-running kinds are still missing, and the owner kind of the topic.
            assert.ok(has(found, "podRunningResources kafka.strimzi.io/v1/Kafka: no plan declares one"));
            assert.ok(has(found, "destroy kafka.strimzi.io/v1/KafkaTopic: removedBy kafka.strimzi.io/v1/Kafka, which no plan declares"));
            assert.ok(
                !has(
                    plan([res("t", TOPIC), res("k", KAFKA)]),
                    "destroy kafka.strimzi.io/v1/KafkaTopic: removedBy kafka.strimzi.io/v1/Kafka, which no plan declares",
                ),
            );
        });

        it("the CSI add-on is used only by an add-on of that name, in any of the plans", () => {
            const msg = `volumes csiAddon ${table.volumes.csiAddon}: no plan installs the add-on`;
            const cni = res("cni", "aws:eks/addon:Addon", { body: { addonName: "vpc-cni" } });
            const csi = res("csi", "aws:eks/addon:Addon", { body: { addonName: table.volumes.csiAddon } });
            assert.ok(has(plan([cni]), msg));
            const two = unusedRows(
                [
                    { captured: [cni], rendered: [] },
                    { captured: [csi], rendered: [] },
                ],
                table,
            );
            assert.ok(!has(two, msg));
        });

        // ECK's single-node variant (phase Ready) and its several-node one (health green) each need a plan.
        it("a single-node variant is used by a one-node object, its default by a several-node one", () => {
            const es = (count: number) => res("es", ES, { body: { spec: { nodeSets: [{ count }] } } });
            const single = "podRunningResources elasticsearch.k8s.elastic.co/v1/Elasticsearch singleNode: no plan runs a single node";
            const several = "podRunningResources elasticsearch.k8s.elastic.co/v1/Elasticsearch waitFor: no plan runs several nodes";
            const rows: [Captured[], boolean, boolean][] = [
                [[], true, true],
                [[es(1)], false, true],
                [[es(3)], true, false],
                [[es(1), es(2)], false, false],
            ];
            for (const [captured, wantSingle, wantSeveral] of rows) {
                const found = plan(captured);
                assert.deepEqual(
                    [has(found, single), has(found, several)],
                    [wantSingle, wantSeveral],
                    JSON.stringify(captured.map((c) => (c.rawInputs as any).spec)),
                );
            }
        });

        it("the Airflow readiness row is used only by a release with both the init container and the Job [AF]", () => {
            const rel = res("airflow", RELEASE, { body: { chart: "airflow" } });
            const msg = `readinessInsideCharts airflow: no rendered release of the chart has init container wait-for-airflow-migrations and Job run-airflow-migrations`;
            const job = obj("Job", "migrate", { template: { spec: { containers: [{ name: "run-airflow-migrations" }] } } });
            const waiting = obj("Deployment", "scheduler", { template: { spec: { initContainers: [{ name: "wait-for-airflow-migrations" }] } } });
            assert.ok(!has(plan([rel], [rendered(rel, "airflow", [job, waiting])]), msg));
            assert.ok(has(plan([rel], [rendered(rel, "airflow", [job])]), msg));
            assert.ok(has(plan([rel], [rendered(rel, "airflow", [waiting])]), msg));
            assert.ok(has(plan([rel], [rendered(rel, "trino", [job, waiting])]), msg));
            const otherInit = obj("Deployment", "web", { template: { spec: { initContainers: [{ name: "other" }] } } });
            const otherJob = obj("Job", "other", { template: { spec: { containers: [{ name: "other" }] } } });
            const notJob = obj("Deployment", "migrate", { template: { spec: { containers: [{ name: "run-airflow-migrations" }] } } });
            const twoContainers = obj("Job", "migrate", { template: { spec: { containers: [{ name: "run-airflow-migrations" }, { name: "sidecar" }] } } });
            assert.ok(has(plan([rel], [rendered(rel, "airflow", [job, otherInit])]), msg));
            assert.ok(has(plan([rel], [rendered(rel, "airflow", [otherJob, waiting])]), msg));
            assert.ok(has(plan([rel], [rendered(rel, "airflow", [notJob, waiting])]), msg));
            assert.ok(!has(plan([rel], [rendered(rel, "airflow", [twoContainers, waiting])]), msg));
            // One plan of several is enough.
            const two = unusedRows(
                [
                    { captured: [rel], rendered: [rendered(rel, "airflow", [job])] },
                    { captured: [rel], rendered: [rendered(rel, "airflow", [job, waiting])] },
                ],
                table,
            );
            assert.ok(!has(two, msg));
        });
    });
});
