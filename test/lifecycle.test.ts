// The lifecycle model on every stack: what `pulumi up` waits for and how long, and what
// `pulumi destroy` deletes while the controllers it needs still run.
import { strict as assert } from "assert";
import type { Captured, PlanRun } from "../tools/harness";
import {
    awaitedBeforeNodes,
    ControllerTable,
    controllerTable,
    countAt,
    destroyProblems,
    durationTable,
    hookDeadlocks,
    loadBalancerResources,
    poolConsumersNotWaiting,
    requiredTimeout,
    shortTimeouts,
    unawaitedPodResources,
    unmodelledAwaits,
    unusedRows,
    upTimings,
} from "../tools/lifecycle";
import { Graph } from "../tools/graph";
import { POOL_LABEL } from "../platform/karpenter/nodepools";
import { renderPlan, type RenderedRelease } from "../tools/render";
import { chartKeyOfRelease } from "../platform/k8s/objects";
import { planOf, STACKS } from "./support";

describe("lifecycle model", () => {
    for (const stack of STACKS) {
        describe(`${stack} stack: pulumi up`, () => {
            let run: PlanRun;
            before(async () => {
                run = await planOf(stack);
            });

            it("nothing awaited that needs pods can start before every node group is ready", () => {
                const early = awaitedBeforeNodes(run.captured).map((a) => `${a.resource.name} does not wait for ${a.missing.join(", ")}`);
                assert.deepEqual(early, []);
            });

            it("every awaited object's timeout (the program's) exceeds its modelled wait (the table's) by the margin, counted from when it starts", () => {
                assert.deepEqual(shortTimeouts(upTimings(run.captured)), []);
            });

            // The NodePool is created in seconds; the first node comes inside the consumer's own await.
            it("a pool consumer's modelled wait includes Karpenter's first-node launch", () => {
                const t = upTimings(run.captured).find((x) => x.resource.type === "kubernetes:kafka.strimzi.io/v1:KafkaConnect")!;
                const launch = durationTable().entries.find((e) => e.match === "kubernetes:karpenter.sh/*:NodePool")!.range![1];
                assert.ok(launch > 0);
                assert.ok(t.neededSeconds >= Math.round((t.readyMinutes + launch) * 60), JSON.stringify({ ...t, resource: t.resource.name }));
            });

            it("no awaited Helm release waits for a Job that Helm runs only after the wait", () => {
                assert.deepEqual(hookDeadlocks(run.captured, renderPlan(run)), []);
            });

            it("every custom resource that runs pods is awaited on a condition its operator sets", () => {
                assert.deepEqual(unawaitedPodResources(run.captured), []);
            });

            it("every condition the program awaits has a fact in the model to be checked against", () => {
                assert.deepEqual(unmodelledAwaits(run.captured), []);
            });

            it("whatever selects a Karpenter pool waits for every NodePool (and is deleted before them)", () => {
                const consumers = run.captured.filter(
                    (c) => JSON.stringify(c.rawInputs ?? {}).includes(POOL_LABEL) && !c.type.startsWith("kubernetes:karpenter"),
                );
                assert.ok(consumers.length >= 4, "brokers, data nodes, Trino and Airflow select pools");
                assert.deepEqual(poolConsumersNotWaiting(run.captured, POOL_LABEL), []);
            });
        });

        describe(`${stack} stack: pulumi destroy`, () => {
            it("deletes the NodePools and EC2NodeClass while Karpenter runs, before the subnets, NAT, tags and cluster (and fails without those waits)", async () => {
                const run = await planOf(stack);
                const kinds = ["kubernetes:karpenter.sh/v1:NodePool", "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"];
                const pools = run.captured.filter((r) => kinds.includes(r.type));
                assert.ok(pools.length >= 3, "NodePools and the EC2NodeClass are in the plan");
                const g = new Graph(run.captured);
                const controller = run.captured.find(
                    (r) =>
                        r.type === "kubernetes:helm.sh/v3:Release" &&
                        chartKeyOfRelease((r.rawInputs as any).chart, (r.rawInputs as any).version) === "karpenter",
                )!;
                const subnets = run.captured.filter((r) => r.type === "aws:ec2/subnet:Subnet");
                for (const p of pools) {
                    assert.ok(g.outlives(controller.urn, p.urn), `${p.name} outlived by the controller`);
                    for (const s of subnets) assert.ok(g.outlives(s.urn, p.urn), `${p.name} before ${s.name}`);
                }
                // Without their dependencies (only the provider and parent left) the model flags them.
                const cut = run.captured.map((r) =>
                    kinds.includes(r.type) ? { ...r, dependencies: [], propertyDependencies: {}, inputs: {}, parent: null } : r,
                );
                const flagged = destroyProblems(cut, renderPlan(run))
                    .filter((x) => pools.some((p) => p.name === x.resource))
                    .map((x) => x.needs);
                // The subnets stay ordered through the provider (its cluster is in them); the controller, the
                // NAT (the nodes' egress while they drain) and the security group's discovery tag need the waits.
                const nats = run.captured.filter((r) => r.type === "aws:ec2/natGateway:NatGateway");
                const tag = run.captured.find((r) => r.type === "aws:ec2/tag:Tag")!;
                for (const need of [controller, tag, ...nats]) assert.ok(flagged.includes(need.name), `${need.name} not flagged: ${flagged.join(", ")}`);
            });

            it("deletes every object while the controllers that finish its deletion still run", async () => {
                const run = await planOf(stack);
                const problems = destroyProblems(run.captured, renderPlan(run)).map((p) => `${p.resource} may outlive ${p.needs}`);
                assert.deepEqual(problems, []);
            });

            it("stops every Iceberg writer before the Glue databases and the lake it commits into", async () => {
                // The streaming driver commits to realtime.customers every interval; the batch and
                // maintenance jobs are submitted by Airflow. Deleting a database first would leave a
                // writer failing (and restarting) against a catalog it may not recreate.
                const run = await planOf(stack);
                const g = new Graph(run.captured);
                const by = (type: string, name: string) => run.captured.find((c) => c.type === type && c.name === name)!;
                const db = (ns: string) => by("aws:glue/catalogDatabase:CatalogDatabase", `datalake-iceberg-${ns}`);
                const lake = by("aws:s3/bucket:Bucket", "datalake-lake");
                const streaming = run.captured.find((c) => c.type.endsWith(":SparkApplication"))!;
                const airflow = run.captured.find((c) => c.type === "kubernetes:helm.sh/v3:Release" && (c.inputs as any).chart === "airflow")!;
                for (const [writer, namespaces] of [
                    [streaming, ["realtime"]],
                    [airflow, ["imdb", "realtime"]],
                ] as const) {
                    for (const ns of namespaces) assert.ok(g.outlives(db(ns).urn, writer.urn), `${writer.name} is deleted before the ${ns} database`);
                    assert.ok(g.outlives(lake.urn, writer.urn), `${writer.name} is deleted before the lake`);
                }
            });
        });
    }

    describe("the controller table against every stack's plan", () => {
        let plans: { run: PlanRun; captured: Captured[]; rendered: ReturnType<typeof renderPlan> }[];
        before(async () => {
            plans = [];
            for (const stack of STACKS) {
                const run = await planOf(stack);
                plans.push({ run, captured: run.captured, rendered: renderPlan(run) });
            }
        });
        const edited = (edit: (t: ControllerTable) => void): ControllerTable => {
            const t = structuredClone(controllerTable());
            edit(t);
            return t;
        };

        it("every row is used: each kind, chart and variant it names is in some plan", () => {
            assert.deepEqual(unusedRows(plans), []);
        });

        // Each edit is a realistic slip in one row; the checks must notice it on the real plans.
        const slips: [string, (t: ControllerTable) => void, RegExp][] = [
            [
                "a single-node condition typo (=Ready -> =ready)",
                (t) => (t.podRunningResources.find((r) => r.singleNode)!.singleNode!.waitFor = "jsonpath={.status.phase}=ready"),
                /unawaited: .*elasticsearch.*=Ready.*operator sets jsonpath=\{\.status\.phase\}=ready/,
            ],
            [
                "a condition typo (Ready -> Readdy)",
                (t) => (t.podRunningResources.find((r) => r.kind.endsWith("/Kafka"))!.waitFor = ["condition=Readdy"]),
                /unawaited: kafka-cluster/,
            ],
            [
                "a row naming the ECK operator by its chart name, not its versions.ts key",
                (t) => (t.destroy.find((r) => r.kind.endsWith("/Elasticsearch"))!.removedByChart = "eck-operator"),
                /unused: destroy elasticsearch\.k8s\.elastic\.co\/v1\/Elasticsearch: removedByChart eck-operator/,
            ],
            [
                "a misspelt kind",
                (t) => (t.destroy.find((r) => r.kind.endsWith("/KafkaTopic"))!.kind = "kafka.strimzi.io/v1/Kafkatopic"),
                /unused: destroy kafka\.strimzi\.io\/v1\/Kafkatopic/,
            ],
            [
                "a match on the wrong label",
                (t) => (t.destroy.find((r) => r.kind.endsWith("/KafkaTopic"))!.match!.label = "strimzi.io/kind"),
                /destroy: .*needs kafka\.strimzi\.io\/v1\/Kafka/,
            ],
            [
                "a row without its pod-running kind",
                (t) => (t.podRunningResources = t.podRunningResources.filter((r) => !r.kind.endsWith("/Kibana"))),
                /unmodelled: .*Kibana/,
            ],
        ];
        for (const [what, edit, expected] of slips) {
            it(`fails on ${what}`, () => {
                const t = edited(edit);
                const found = plans.flatMap((p) => [
                    ...unawaitedPodResources(p.captured, t).map((x) => `unawaited: ${x}`),
                    ...unmodelledAwaits(p.captured, t).map((x) => `unmodelled: ${x}`),
                    ...destroyProblems(p.captured, p.rendered, t).map((x) => `destroy: ${x.resource} needs ${x.needs}`),
                ]);
                found.push(...unusedRows(plans, t).map((x) => `unused: ${x}`));
                assert.match(found.join("\n"), expected);
            });
        }

        it("fails when the program's own condition has a typo (the model unchanged)", () => {
            for (const p of plans) {
                const typo = p.captured.map((c) => {
                    const a = (c.rawInputs as any)?.metadata?.annotations?.["pulumi.com/waitFor"];
                    if (!a || !c.type.endsWith(":Elasticsearch")) return c;
                    const raw = structuredClone(c.rawInputs as any);
                    raw.metadata.annotations["pulumi.com/waitFor"] = a.replace(/=(Ready|green)$/, (_m: string, v: string) => `=${v.toLowerCase()}x`);
                    return { ...c, rawInputs: raw };
                });
                assert.match(unawaitedPodResources(typo).join("\n"), /elastic-elasticsearch .*pulumi\.com\/waitFor is "jsonpath=.*x"/);
            }
        });

        it("fails when Elasticsearch no longer depends on the ECK operator that deletes its volumes", () => {
            const p = plans[0];
            const operator = p.captured.find((c) => c.type === "kubernetes:helm.sh/v3:Release" && (c.rawInputs as any).chart === "eck-operator")!;
            const g = new Graph(p.captured);
            // Cut every path from the Elasticsearch to the operator's release (direct edges only).
            const cut = p.captured.map((c) =>
                c.type.endsWith(":Elasticsearch")
                    ? {
                          ...c,
                          dependencies: c.dependencies.filter((d) => !g.outlives(operator.urn, d) && d !== operator.urn),
                          parent: null,
                          propertyDependencies: {},
                      }
                    : c,
            );
            assert.match(
                destroyProblems(cut, p.rendered)
                    .map((x) => `${x.resource} needs ${x.needs}`)
                    .join("\n"),
                /elasticsearch needs elastic-operator/,
            );
        });
    });

    describe("the model itself", () => {
        it("wants a timeout a quarter, and at least two minutes, over the modelled wait (boundaries)", () => {
            const rows: [number, number][] = [
                [0, 120],
                [300, 420],
                [480, 600],
                [481, 602],
                [600, 750],
                [840, 1050],
            ];
            for (const [needed, wanted] of rows) assert.equal(requiredTimeout(needed), wanted, `needs ${needed} s`);
        });

        it("sums a count path over a list in the spec", () => {
            assert.equal(countAt("spec.nodeSets[].count", { nodeSets: [{ count: 2 }, { count: 1 }] }), 3);
            assert.equal(countAt("spec.nodeSets[].count", {}), 0);
            assert.throws(() => countAt("nodeSets.count", {}), /allowed: spec.<list>\[\].<field>/);
        });

        const res = (name: string, extra: Partial<Captured> = {}): Captured => ({
            urn: `urn:pulumi:t::p::${extra.type ?? "test:index:Thing"}::${name}`,
            type: "test:index:Thing",
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
            inputs: {},
            rawInputs: {},
            ...extra,
        });

        it("sees the load balancers operators create from custom resources (model/controllers.json), and wants the controller to outlive them", () => {
            const rows = controllerTable().loadBalancers.fromCustomResources;
            const cr = (name: string, type: string, spec: unknown) => res(name, { type, rawInputs: { spec }, inputs: { spec } });
            const KB = "kubernetes:kibana.k8s.elastic.co/v1:Kibana";
            const ES = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";
            const KAFKA = "kubernetes:kafka.strimzi.io/v1:Kafka";
            const cases: [Captured, boolean][] = [
                [cr("kb-lb", KB, { http: { service: { spec: { type: "LoadBalancer" } } } }), true],
                [cr("kb-ip", KB, { http: { service: { spec: { type: "ClusterIP" } } } }), false],
                [cr("kb-none", KB, {}), false],
                [cr("es-lb", ES, { http: { service: { spec: { type: "LoadBalancer" } } } }), true],
                [cr("kafka-lb", KAFKA, { kafka: { listeners: [{ type: "internal" }, { type: "loadbalancer" }] } }), true],
                [cr("kafka-internal", KAFKA, { kafka: { listeners: [{ type: "internal" }] } }), false],
                // The path is the CR's: a Service-shaped field elsewhere is not one the operator reads.
                [cr("kafka-other", KAFKA, { kafka: { listeners: [] }, http: { service: { spec: { type: "LoadBalancer" } } } }), false],
            ];
            for (const [r, lb] of cases) assert.equal(loadBalancerResources([r], rows).length, lb ? 1 : 0, r.name);

            // destroyProblems: a Kibana with a LoadBalancer that does not wait for the controller is named.
            const lbc = res("lbc", { type: "kubernetes:helm.sh/v3:Release" });
            const rendered: RenderedRelease[] = [
                {
                    resource: "lbc",
                    urn: lbc.urn,
                    chart: "awsLoadBalancerController",
                    releaseName: "lbc",
                    namespace: "kube-system",
                    values: {},
                    skipCrds: false,
                    objects: [],
                    manifest: "",
                },
            ];
            const [kb] = cases[0];
            const lbProblems = (k: Captured) => destroyProblems([lbc, k], rendered).filter((p) => p.resource === k.name && p.needs === "lbc");
            assert.equal(lbProblems(kb).length, 1, "the Kibana's load balancer outlives its controller");
            assert.deepEqual(lbProblems(res(kb.name, { ...kb, dependencies: [lbc.urn] })), []);
            assert.deepEqual(lbProblems(cases[1][0]), [], "no load balancer, no need");
        });

        it("waiting for a component is waiting for its children; a child waits only for its parent's registration", () => {
            const comp = res("comp", { type: "bdok:t:Comp", custom: false });
            const child = res("child", { parent: comp.urn });
            const sibling = res("sibling", { parent: comp.urn });
            const user = res("user", { dependencies: [comp.urn] });
            const g = new Graph([comp, child, sibling, user]);
            assert.ok(g.waitsFor(user.urn).has(child.urn));
            assert.ok(g.waitsFor(user.urn).has(sibling.urn));
            assert.ok(!g.waitsFor(child.urn).has(sibling.urn));
            assert.ok(g.outlives(child.urn, user.urn));
        });

        it("a release without a timeout is awaited 300 s, and flagged when it starts before the nodes", () => {
            const ng = res("ng", { type: "eks:index:ManagedNodeGroup", remote: true, custom: false });
            const rel = res("rel", {
                type: "kubernetes:helm.sh/v3:Release",
                inputs: { chart: "strimzi-kafka-operator" },
                rawInputs: { chart: "strimzi-kafka-operator" },
            });
            const [t] = upTimings([ng, rel]);
            assert.equal(t.timeoutSeconds, controllerTable().pulumiAwait.releaseDefaultTimeoutSeconds);
            assert.ok(t.neededSeconds > t.timeoutSeconds, JSON.stringify(t));
            assert.deepEqual(
                awaitedBeforeNodes([ng, rel]).map((a) => a.missing),
                [["ng"]],
            );
            const waiting = res("rel", { ...rel, dependencies: [ng.urn] });
            assert.deepEqual(awaitedBeforeNodes([ng, waiting]), []);
        });

        // Issue 18 item 8. kubeflow/spark-operator v2.5.2 defines SparkApplicationFinalizerName
        // (pkg/common/constants.go:24) but nothing at the tag adds or removes it (`git grep` finds no other
        // reference); on deletion the controller only deletes the driver pod, UI service and ingress
        // (internal/controller/sparkapplication/controller.go:195-198, :1138-1152), which the garbage
        // collector also does through the driver's owner reference (submission.go:1129-1134).
        it("SparkApplications carry no finalizer, so nothing orders the Spark operator after them on destroy", () => {
            const row = controllerTable().destroy.find((r) => r.kind === "sparkoperator.k8s.io/v1beta2/SparkApplication");
            assert.ok(row, "the table says what deleting a SparkApplication needs");
            assert.equal(row.finalizer, null);
            assert.equal(row.removedBy ?? row.removedByChart, undefined, "no controller must outlive it");
            const app = res("app", { type: "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication" });
            const operator = res("spark-operator", { type: "kubernetes:helm.sh/v3:Release" });
            const rendered = [{ urn: operator.urn, resource: operator.name, chart: "spark-operator", objects: [] }] as any;
            assert.deepEqual(destroyProblems([app, operator], rendered), []);
        });

        it("where a row of the destroy, pod-running or chart-readiness tables cites a source file, it cites the lines that do the thing", () => {
            const t = controllerTable();
            const singleNode = t.podRunningResources.flatMap((r) => (r.singleNode ? [{ kind: r.kind, ...r.singleNode }] : []));
            const rows = [...t.destroy, ...t.podRunningResources, ...singleNode, ...t.readinessInsideCharts.map((r) => ({ kind: r.chart, source: r.source }))];
            for (const row of rows) {
                const files = [...row.source.matchAll(/[\w/.-]+\.(?:go|java|scala|py|ts|ya?ml|adoc)\b(:\d+|#L\d+)?/g)];
                for (const f of files) assert.ok(f[1] || /^\s*:\d+/.test(row.source.slice(f.index! + f[0].length)), `${row.kind}: ${f[0]} without lines`);
            }
        });
    });
});
