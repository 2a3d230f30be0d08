// Karpenter in the whole plan: where each workload lands, as the charts render it and as the
// custom resources ask, and what the NodePools let Karpenter launch.
import { strict as assert } from "assert";
import * as YAML from "yaml";

import { archOf } from "../lib/instances";
import { nodeGroupShape, nodePoolShape, requestedPool, schedulable, Taint } from "../tools/scheduling";
import { podPlacements } from "../tools/placement";
import { worldOf } from "../tools/references";
import { podPlacement } from "../platform/karpenter/nodepools";
import { renderPlan } from "../tools/render";
import { Captured, PlanRun } from "../tools/harness";
import { inputsOf, ofType, planOf, STACKS, describeEachStack } from "./support";

const STATEFUL = { nodeSelectorTerms: [{ matchExpressions: [{ key: "bdok.io/pool", operator: "In", values: ["stateful"] }] }] };
const TOLERATE_STATEFUL = [{ key: "bdok.io/pool", operator: "Equal", value: "stateful", effect: "NoSchedule" }];
const TOLERATE_WORKLOADS = [{ key: "bdok.io/pool", operator: "Equal", value: "workloads", effect: "NoSchedule" }];

describe("Karpenter placement", () => {
    describeEachStack(
        (stack) => `${stack} stack`,
        (plan) => {
            const cr = (kind: string) => ofType(plan(), `kubernetes:${kind}`).map(inputsOf);
            const rendered = (chart: string) => renderPlan(plan()).find((r) => r.chart === chart)!.objects;

            it("the controller runs on the system managed node group, never on nodes it launches", () => {
                const dep = rendered("karpenter").find((o) => o.kind === "Deployment")!;
                assert.equal(dep.spec.template.spec.nodeSelector["bdok/node-group"], "system");
                const groups = ofType(plan(), "eks:index:ManagedNodeGroup").map(inputsOf);
                assert.ok(
                    groups.some((g) => g.labels["bdok/node-group"] === "system"),
                    "a group carries the label",
                );
                assert.ok(
                    groups.every((g) => g.ignoreScalingChanges === undefined),
                    "no autoscaler owns the groups",
                );
                assert.ok(
                    groups.every((g) => g.scalingConfig.minSize === g.scalingConfig.maxSize),
                    "the system group is fixed",
                );
            });

            it("a pod runs on a Karpenter pool only if it asks for that pool; every other pod stays on the fixed node groups", () => {
                // EKS's taint effects (NO_SCHEDULE) in Kubernetes' spelling.
                const effect = (e: string) => e.toLowerCase().replace(/(^|_)(\w)/g, (_m, _s, c: string) => c.toUpperCase()) as Taint["effect"];
                const groups = ofType(plan(), "eks:index:ManagedNodeGroup").map((r) => {
                    const g = inputsOf(r);
                    const taints = (g.taints ?? []).map((t: any) => ({ key: t.key, value: t.value, effect: effect(t.effect) }));
                    const arch = archOf(g.instanceTypes[0]) === "arm64" ? "arm64" : "amd64";
                    return nodeGroupShape(r.name, { labels: g.labels, taints, arch, capacityType: g.capacityType });
                });
                const pools = cr("karpenter.sh/v1:NodePool").map(nodePoolShape);
                const nodes = [...groups, ...pools];
                const placements = podPlacements(worldOf(plan().captured, renderPlan(plan())));
                assert.ok(placements.length >= 20, `${placements.length} pods`);
                const wrong: string[] = [];
                for (const p of placements) {
                    const on = nodes.filter((n) => schedulable(p.spec, n));
                    const asked = requestedPool(p.spec);
                    const ok = p.daemon
                        ? on.length === nodes.length
                        : on.length > 0 && (asked ? on.every((n) => n.pool === asked) : on.every((n) => n.pool === undefined));
                    if (!ok) wrong.push(`${p.from} (asks for ${asked ?? "no pool"}) may run on: ${on.map((n) => n.name).join(", ") || "nothing"}`);
                }
                assert.deepEqual(wrong, []);
            });

            it("Kafka brokers and Elasticsearch nodes require the tainted stateful pool, spread over zones in ha", () => {
                const pools = cr("kafka.strimzi.io/v1:KafkaNodePool");
                assert.ok(pools.length > 0);
                for (const pool of pools.slice(1)) {
                    assert.deepEqual(pool.spec.template.pod.affinity, pools[0].spec.template.pod.affinity, pool.metadata.name);
                    assert.deepEqual(pool.spec.template.pod.tolerations, pools[0].spec.template.pod.tolerations, pool.metadata.name);
                }
                const pool = pools.find((p: any) => p.spec.roles.includes("broker"));
                assert.deepEqual(pool.spec.template.pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution, STATEFUL);
                assert.deepEqual(pool.spec.template.pod.tolerations, TOLERATE_STATEFUL);
                const [es] = cr("elasticsearch.k8s.elastic.co/v1:Elasticsearch");
                const podSpec = es.spec.nodeSets[0].podTemplate.spec;
                assert.deepEqual(podSpec.nodeSelector, { "bdok.io/pool": "stateful" });
                assert.deepEqual(podSpec.tolerations, TOLERATE_STATEFUL);
                const zone = (tsc: any[]) => tsc.find((t) => t.topologyKey === "topology.kubernetes.io/zone");
                if (plan().config.ha) {
                    assert.equal(zone(pool.spec.template.pod.topologySpreadConstraints).whenUnsatisfiable, "DoNotSchedule");
                    assert.equal(zone(podSpec.topologySpreadConstraints).whenUnsatisfiable, "DoNotSchedule");
                    assert.ok(pool.spec.replicas >= 3 && es.spec.nodeSets[0].count >= 3);
                    assert.ok(
                        ofType(plan(), "kubernetes:kafka.strimzi.io/v1:Kafka")
                            .map(inputsOf)
                            .every((k) => k.spec.kafka.template?.podDisruptionBudget),
                        "PDBs kept",
                    );
                } else {
                    // A lone broker or data node has no replica: Karpenter must not disrupt it.
                    assert.equal(pool.spec.template.pod.metadata.annotations["karpenter.sh/do-not-disrupt"], "true");
                    assert.equal(es.spec.nodeSets[0].podTemplate.metadata.annotations["karpenter.sh/do-not-disrupt"], "true");
                }
            });

            it("Trino workers and Airflow task pods select the workloads pool in the rendered charts; the coordinator does not", () => {
                const trino = rendered("trino").filter((o) => o.kind === "Deployment");
                const worker = trino.find((o) => o.metadata.name.endsWith("-worker"));
                if (plan().config.trino.workers > 0) assert.deepEqual(worker!.spec.template.spec.nodeSelector, { "bdok.io/pool": "workloads" });
                else assert.equal(worker, undefined, "no workers: the coordinator runs the splits");
                assert.equal(trino.find((o) => o.metadata.name.endsWith("-coordinator"))!.spec.template.spec.nodeSelector?.["bdok.io/pool"], undefined);
                if (worker) assert.deepEqual(worker.spec.template.spec.tolerations, TOLERATE_WORKLOADS);
                const cm = rendered("airflow").find((o) => o.kind === "ConfigMap" && o.data?.["pod_template_file.yaml"])!;
                const pod = YAML.parse(cm.data["pod_template_file.yaml"]);
                assert.deepEqual(pod.spec.nodeSelector, { "bdok.io/pool": "workloads" });
                assert.deepEqual(pod.spec.tolerations, TOLERATE_WORKLOADS);
                // Consolidation would kill the task and, through on_kill, the SparkApplication it runs.
                assert.equal(pod.metadata.annotations["karpenter.sh/do-not-disrupt"], "true");
            });

            it("Kibana, a stateless UI, selects the workloads pool, so the fixed system group keeps to the operators", () => {
                const [kb] = cr("kibana.k8s.elastic.co/v1:Kibana");
                assert.deepEqual(kb.spec.podTemplate.spec.nodeSelector, { "bdok.io/pool": "workloads" });
                assert.ok(!kb.spec.podTemplate.spec.tolerations.some((t: any) => t.value === "stateful"), "not on the tainted stateful pool");
            });

            it("Kafka Connect and its image build require the workloads pool and tolerate what it is tainted with", () => {
                const [connect] = cr("kafka.strimzi.io/v1:KafkaConnect");
                for (const pod of [connect.spec.template.pod, connect.spec.template.buildPod]) {
                    // The pool, and one arch of it (platform/kafka/connect-build.test.ts).
                    assert.equal(requestedPool(pod), "workloads");
                    assert.deepEqual(pod.tolerations, podPlacement("workloads").tolerations);
                }
            });

            it("the NodePools offer every private subnet's zone (no zone requirement), arm64 only, with limits and expiry; the stateful pool is on-demand", () => {
                const pools = cr("karpenter.sh/v1:NodePool");
                assert.ok(pools.length >= 2);
                for (const p of pools) {
                    const reqs = p.spec.template.spec.requirements;
                    assert.ok(!reqs.some((r: any) => r.key === "topology.kubernetes.io/zone"), `${p.metadata.name} restricts zones`);
                    // Every image is multi-arch, but the pools are Graviton-only: no x86 node is ever launched.
                    assert.deepEqual(reqs.find((r: any) => r.key === "kubernetes.io/arch").values, ["arm64"]);
                    assert.ok(p.spec.limits.cpu && p.spec.limits.memory && p.spec.template.spec.expireAfter);
                }
                const stateful = pools.find((p) => p.metadata.name === "stateful")!;
                assert.deepEqual(stateful.spec.template.spec.requirements.find((r: any) => r.key === "karpenter.sh/capacity-type").values, ["on-demand"]);
                const subnets = ofType(plan(), "aws:ec2/subnet:Subnet")
                    .map(inputsOf)
                    .filter((s) => s.tags["bdok/tier"] === "private");
                assert.equal(subnets.length, plan().config.azCount);
                // The node class finds a subnet in every zone only if every private subnet carries its tag.
                const clusterName = inputsOf(ofType(plan(), "eks:index:Cluster")[0]).name;
                const [nodeClass] = cr("karpenter.k8s.aws/v1:EC2NodeClass");
                assert.deepEqual(nodeClass.spec.subnetSelectorTerms, [{ tags: { "karpenter.sh/discovery": clusterName } }]);
                for (const s of subnets) assert.equal(s.tags["karpenter.sh/discovery"], clusterName, `${s.cidrBlock} is not discovered`);
                assert.match(nodeClass.spec.amiSelectorTerms[0].alias, /^al2023@v\d{8}$/);
                const sgTag = ofType(plan(), "aws:ec2/tag:Tag")
                    .map(inputsOf)
                    .find((t) => t.key === "karpenter.sh/discovery")!;
                assert.equal(sgTag.value, subnets[0].tags["karpenter.sh/discovery"]);
            });

            it("the interruption queue is encrypted and fed by the five EventBridge rules; the controller's identity is Pod Identity", () => {
                const [q] = ofType(plan(), "aws:sqs/queue:Queue").map(inputsOf);
                assert.equal(q.sqsManagedSseEnabled, true);
                const queue = ofType(plan(), "aws:sqs/queue:Queue")[0];
                const rules = ofType(plan(), "aws:cloudwatch/eventRule:EventRule");
                const targets = ofType(plan(), "aws:cloudwatch/eventTarget:EventTarget");
                assert.equal(rules.length, 5);
                assert.equal(targets.length, 5);
                // Each rule feeds the queue through its own target.
                for (const t of targets) assert.deepEqual(t.propertyDependencies.arn, [queue.urn], `${t.name} does not target the queue`);
                const fed = targets.map((t) => t.propertyDependencies.rule?.[0]);
                assert.deepEqual([...new Set(fed)].sort(), rules.map((r) => r.urn).sort());
                const assoc = ofType(plan(), "aws:eks/podIdentityAssociation:PodIdentityAssociation")
                    .map(inputsOf)
                    .find((a) => a.namespace === "karpenter")!;
                assert.equal(assoc.serviceAccount, "karpenter");
                const entry = ofType(plan(), "aws:eks/accessEntry:AccessEntry")
                    .map(inputsOf)
                    .find((e) => e.type === "EC2_LINUX");
                assert.ok(entry, "the nodes' access entry");
                assert.equal(ofType(plan(), "aws:iam/policy:Policy").filter((p) => String(inputsOf(p).namePrefix).includes("-karpenter-")).length, 6);
            });
        },
    );
});

describe("Karpenter cost model over the plan", () => {
    it("a pool's instance types decide the nodes and the price; the batch run costs more than idle", async () => {
        const { estimate } = await import("../tools/estimate");
        const { planWith } = await import("./support");
        const base = estimate(await planOf("dev"));
        assert.ok(base.karpenter && (base.batchMonthlyCostUsd ?? 0) > base.monthlyCostUsd);
        const pools = (families: string[], sizes: string[]) => ({
            "bdok:karpenter": {
                controllerReplicas: 1,
                pools: {
                    stateful: { cpuLimit: 8, memoryLimitGiB: 32 },
                    workloads: { instanceFamilies: families, instanceSizes: sizes, cpuLimit: 32, memoryLimitGiB: 128 },
                },
            },
        });
        const r7g = estimate(await planWith("dev", pools(["r7g"], ["2xlarge"])));
        const wl = (e: typeof base) => e.karpenter!.idle.nodes.filter((n) => n.pool.startsWith("workloads"));
        assert.ok(
            wl(r7g).every((n) => n.instanceType === "r7g.2xlarge"),
            wl(r7g)
                .map((n) => n.instanceType)
                .join(),
        );
        const sum = (e: typeof base) => wl(e).reduce((a, n) => a + n.hourlyUsd, 0);
        assert.ok(sum(r7g) > sum(base), `${sum(r7g)} > ${sum(base)}`);
        assert.ok(r7g.monthlyCostUsd > base.monthlyCostUsd);
    });

    for (const stack of STACKS) {
        it(`${stack}: spread brokers and data nodes get a stateful node each, as the scheduler would place them`, async () => {
            const { estimate } = await import("../tools/estimate");
            const run = await planOf(stack);
            const stateful = estimate(run).karpenter!.idle.nodes.filter((n) => n.pool === "stateful");
            const pools = ofType(run, "kubernetes:kafka.strimzi.io/v1:KafkaNodePool");
            const perNode = (prefix: string) => stateful.map((n) => n.pods.filter((p) => p.startsWith(prefix)).length);
            if (run.config.ha) {
                // Each pool spreads its own pods (a controller may share a node with a broker).
                for (const p of pools) {
                    const replicas = inputsOf(p).spec.replicas;
                    assert.ok(stateful.length >= replicas, `${stateful.length} stateful nodes for ${replicas} spread ${p.name}`);
                    assert.ok(
                        perNode(`${p.name} `).every((c) => c <= 1),
                        `${p.name}: ${JSON.stringify(stateful)}`,
                    );
                }
                assert.ok(
                    perNode("elastic-elasticsearch").every((c) => c <= 1),
                    JSON.stringify(stateful),
                );
            } else assert.equal(stateful.length, 1, "one broker and one data node share a node");
        });
    }
});

// Independent of the tags' intent: a subnet is public when its route table sends 0.0.0.0/0 to the
// internet gateway (aws/network). Karpenter launches into every subnet its selector's tags match
// (karpenter-provider-aws pkg/providers/subnet/subnet.go List: DescribeSubnets with a tag filter
// per selector term), so a public subnet carrying the tag would get nodes with a route to the internet.
describeEachStack(
    (stack) => `Karpenter's subnets on stack ${stack}`,
    (plan) => {
        it("the EC2NodeClass selects every private subnet and no public subnet", () => {
            const run = plan();
            const byUrn = new Map(run.captured.map((r) => [r.urn, r]));
            const routeTables = ofType(run, "aws:ec2/routeTable:RouteTable");
            const viaIgw = new Set(
                routeTables.filter((rt) => (inputsOf(rt).routes ?? []).some((r: any) => r.cidrBlock === "0.0.0.0/0" && r.gatewayId)).map((rt) => rt.urn),
            );
            const viaNat = new Set(
                routeTables.filter((rt) => (inputsOf(rt).routes ?? []).some((r: any) => r.cidrBlock === "0.0.0.0/0" && r.natGatewayId)).map((rt) => rt.urn),
            );
            const tier = new Map<string, "public" | "private">();
            for (const a of ofType(run, "aws:ec2/routeTableAssociation:RouteTableAssociation")) {
                const subnet = a.propertyDependencies.subnetId?.[0];
                const rt = a.propertyDependencies.routeTableId?.[0];
                assert.ok(subnet && rt && byUrn.has(subnet) && byUrn.has(rt), `${a.name}: its subnet and route table are in the plan`);
                tier.set(subnet, viaIgw.has(rt) ? "public" : viaNat.has(rt) ? "private" : (assert.fail(`${a.name}: no default route`) as never));
            }
            const subnets = ofType(run, "aws:ec2/subnet:Subnet");
            assert.equal(tier.size, subnets.length, "every subnet has a route table");
            const nodeClass = inputsOf(ofType(run, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")[0]);
            const terms: Record<string, string>[] = nodeClass.spec.subnetSelectorTerms.map((t: any) => t.tags);
            assert.ok(terms.length > 0 && terms.every((t) => Object.keys(t).length > 0), "selection by tags");
            const selected = (s: Captured) => terms.some((t) => Object.entries(t).every(([k, v]) => inputsOf(s).tags?.[k] === v));
            const publicSelected = subnets.filter((s) => tier.get(s.urn) === "public" && selected(s)).map((s) => s.name);
            const privateMissed = subnets.filter((s) => tier.get(s.urn) === "private" && !selected(s)).map((s) => s.name);
            assert.ok([...tier.values()].includes("public") && [...tier.values()].includes("private"));
            assert.deepEqual(publicSelected, [], "public subnets Karpenter would launch into");
            assert.deepEqual(privateMissed, [], "private subnets Karpenter would not use");
        });
    },
);

describe("Karpenter node cost: the root volume", () => {
    // README (estimates): a Karpenter node is priced as its instance plus its EBS volumes. The
    // expectation is read from the plan's EC2NodeClass and the price table, not from the estimator.
    it("a larger bdok:karpenter.rootVolumeGiB raises each launched node's price by the volumes' GiB-month price", async () => {
        const { estimate } = await import("../tools/estimate");
        const { planWith } = await import("./support");
        const { loadStackConfig } = await import("../tools/stack-files");
        const { prices } = (await import("../tools/estimate/tables")).loadTables();
        const volumes = (run: PlanRun) =>
            inputsOf(ofType(run, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")[0]).spec.blockDeviceMappings.map((b: any) => b.ebs);
        const monthlyDiskUsd = (run: PlanRun) =>
            volumes(run).reduce((s: number, v: any) => s + parseInt(v.volumeSize, 10) * prices.ebs.perGBMonth[v.volumeType], 0);
        for (const stack of STACKS) {
            const karpenter = JSON.parse(loadStackConfig(stack)["bdok:karpenter"]);
            const base = await planOf(stack);
            const grown = await planWith(stack, { "bdok:karpenter": { ...karpenter, rootVolumeGiB: (karpenter.rootVolumeGiB ?? 20) + 100 } });
            const extraMonthly = monthlyDiskUsd(grown) - monthlyDiskUsd(base);
            assert.ok(extraMonthly >= 100 * prices.ebs.perGBMonth.gp3 - 1e-9, `${stack}: ${extraMonthly} USD a month more per node`);
            const [a, b] = [estimate(base).karpenter!.idle, estimate(grown).karpenter!.idle];
            assert.deepEqual(
                b.nodes.map((n) => n.instanceType),
                a.nodes.map((n) => n.instanceType),
                `${stack}: the same nodes`,
            );
            assert.ok(a.nodes.length > 0);
            a.nodes.forEach((n, i) => {
                const delta = (b.nodes[i].hourlyUsd - n.hourlyUsd) * prices.hoursPerMonth;
                assert.ok(Math.abs(delta - extraMonthly) < 0.01, `${stack} ${n.instanceType}: +${delta} USD a month, want +${extraMonthly}`);
            });
            // At the cost model's rounding: the idle month grows by the nodes' extra volumes.
            assert.ok(Math.abs(b.monthlyUsd - a.monthlyUsd - a.nodes.length * extraMonthly) < 1, `${stack}: ${a.monthlyUsd} -> ${b.monthlyUsd}`);
        }
    });
});
