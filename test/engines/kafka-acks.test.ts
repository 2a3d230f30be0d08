// Engines tier: the topics as the plan has the Topic Operator create them (partitions, replicas,
// min.insync.replicas) take the writes of the platform's producers with the acks those producers run
// with, on as many real brokers as the plan's broker pool has: one for a small stack (dev), three for
// an ha stack (prod). The control: a topic left at the small stack's replicas while asking for the ha
// stack's min.insync.replicas (a 1 -> 3 broker change without Cruise Control raising replication,
// the review's defect) still takes acks=all writes on Kafka 4; a topic with fewer in-sync replicas
// than its min.insync.replicas refuses them (NOT_ENOUGH_REPLICAS), the control that these checks fail.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { inputsOf, ofType, planOf } from "../support";
import { Broker, KafkaPlan, OPERATOR_USER, clientProps, kafkaMissing, kafkaPlan, makePki, probe, startCluster } from "./kafka";
import { requireEngine, tempDir } from "./streams";
import type { PlanRun } from "../../tools/harness";

interface Write {
    topic: string;
    acks?: string;
    count: number;
    retries?: number;
    /** Read the records back (default true). */
    readBack?: boolean;
}
interface Cluster {
    dir: string;
    broker: Broker;
    admin: Record<string, string>;
    /** Topics created on it so far. */
    topics: Set<string>;
}
interface Written {
    topic: string;
    acks: string;
    sent: number;
    read: number;
    error?: string;
}

/**
 * The acks each of the plan's producers sets, undefined where it sets none (the Kafka client's
 * default applies, which the probe resolves with the real client's ProducerConfig).
 * - Connect's source tasks: Worker.producerConfigs puts acks=all, then the worker's `producer.*`
 *   and the connector's `producer.override.*` settings over it (apache/kafka
 *   connect/runtime/src/main/java/org/apache/kafka/connect/runtime/Worker.java, producerConfigs).
 * - The streaming job's Kafka sink: Spark passes the `kafka.*` options to the producer and sets no
 *   acks of its own; the job's options are its --kafka-option arguments.
 * - The API producer (pipelines/api/api_producer.py) sets acks=all itself (its unit test checks).
 */
function producersAcks(run: PlanRun): Record<string, string | undefined> {
    const connect = ofType(run, "kubernetes:kafka.strimzi.io/v1:KafkaConnect").map(inputsOf);
    assert.equal(connect.length, 1, "plan: one KafkaConnect");
    const connectors = ofType(run, "kubernetes:kafka.strimzi.io/v1:KafkaConnector").map(inputsOf);
    const out: Record<string, string | undefined> = {};
    for (const c of connectors)
        out[`connector ${c.metadata.name}`] = String(c.spec.config["producer.override.acks"] ?? connect[0].spec.config["producer.acks"] ?? "all");
    const streaming = run.captured.filter((c) => c.type.endsWith(":SparkApplication")).map(inputsOf);
    for (const app of streaming) {
        const args: string[] = app.spec.arguments ?? [];
        if (!args.includes("--target-topic")) continue;
        const acks = args.map((a, i) => (args[i - 1] === "--kafka-option" && a.startsWith("acks=") ? a.slice(5) : undefined)).find((a) => a !== undefined);
        out[`SparkApplication ${app.metadata.name}`] = acks;
    }
    return out;
}

describe("engines: Kafka topics from the plan take the producers' acks (1 broker small, 3 brokers ha)", function () {
    this.timeout(600_000);
    const dirs: string[] = [];
    /**
     * One cluster per plan, kept for the file: the stale-topics test runs on the ha cluster the prod
     * test started (a 3-node start is about 40 s of CPU), its topics deleted and created anew first.
     */
    const clusters = new Map<KafkaPlan, Cluster>();
    let small: KafkaPlan;
    let ha: KafkaPlan;
    const acks: Record<string, Record<string, string | undefined>> = {};

    before(async function () {
        requireEngine(this, "Kafka", kafkaMissing());
        const [dev, prod] = await Promise.all([planOf("dev"), planOf("prod")]);
        small = kafkaPlan(dev);
        ha = kafkaPlan(prod);
        acks.dev = producersAcks(dev);
        acks.prod = producersAcks(prod);
    });

    after(async () => {
        await Promise.all([...clusters.values()].map((c) => c.broker.stop()));
        clusters.clear();
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    it("the stacks are what this stands for: dev one broker, prod three; producers that set no acks, or all", () => {
        assert.deepEqual([small.brokers, ha.brokers], [1, 3]);
        for (const stack of ["dev", "prod"]) {
            assert.ok(
                Object.keys(acks[stack]).some((p) => p.startsWith("connector ")) && Object.keys(acks[stack]).some((p) => p.startsWith("SparkApplication ")),
            );
            for (const [producer, a] of Object.entries(acks[stack])) assert.ok(a === undefined || a === "all", `${stack} ${producer}: acks=${a}`);
        }
    });

    async function start(plan: KafkaPlan, name: string): Promise<Cluster> {
        const running = clusters.get(plan);
        if (running) return running;
        const dir = tempDir(`kafka-acks-${name}`);
        dirs.push(dir);
        const pki = makePki(path.join(dir, "pki"), []);
        const broker = await startCluster(dir, pki, plan.kafka.config ?? {}, plan.brokers);
        const c: Cluster = { dir, broker, admin: clientProps(pki, OPERATOR_USER, broker.bootstrap), topics: new Set() };
        clusters.set(plan, c);
        return c;
    }

    /** Creates `topics` as the Topic Operator would, deleting first those of the same name an earlier test created. */
    function setup(c: Cluster, topics: KafkaPlan["topics"]) {
        const again = topics.map((t) => t.name).filter((n) => c.topics.has(n));
        if (again.length) probe(c.dir, "delete-topics", { admin: c.admin, topics: again });
        probe(c.dir, "setup", { admin: c.admin, topics, acls: [] });
        for (const t of topics) c.topics.add(t.name);
    }

    /** Each plan topic written with each acks the producers use, and read back. */
    function writesFor(plan: KafkaPlan, stack: string): Write[] {
        const settings = [...new Set(Object.values(acks[stack]))];
        return plan.topics.flatMap((t) => settings.map((a) => ({ topic: t.name, acks: a, count: 20 })));
    }

    for (const [stack, which] of [
        ["dev", () => small],
        ["prod", () => ha],
    ] as const) {
        it(`${stack}: every topic, created with the plan's replicas and config on the plan's brokers, takes the producers' writes and gives them back`, async () => {
            const t0 = Date.now();
            const plan = which();
            const c = await start(plan, plan.brokers > 1 ? "ha" : "small");
            const { dir, admin } = c;
            setup(c, plan.topics);
            const results = probe<Written[]>(dir, "write-read", { client: admin, writes: writesFor(plan, stack) });
            assert.ok(results.length >= plan.topics.length, JSON.stringify(results));
            for (const r of results) {
                assert.equal(r.error, undefined, `${stack} ${r.topic} acks=${r.acks}: ${r.error}`);
                assert.deepEqual([r.sent, r.read], [20, 20], `${stack} ${r.topic} acks=${r.acks}`);
            }
            // Every producer here runs with acks=all, set or the client's default (ProducerConfig
            // normalizes "all" to "-1").
            assert.deepEqual([...new Set(results.map((r) => r.acks))], ["-1"]);
            console.log(`      (${stack}: ${plan.brokers} broker(s), ${results.length} topic/acks writes, ${Math.round((Date.now() - t0) / 1000)} s)`);
        });
    }

    // The review's defect: after 1 -> 3 brokers without Cruise Control the topics kept 1 replica and
    // got min.insync.replicas 2. Kafka 4 caps the required ISR at the replica count (core/src/main/
    // scala/kafka/cluster/Partition.scala, effectiveMinIsr = min(min.insync.replicas, replicas), used
    // by appendRecordsToLeader), so such a topic still takes acks=all writes, with a single copy:
    // the defect loses redundancy silently rather than stopping the pipeline.
    it("a topic left at small's replicas with ha's min.insync.replicas still takes acks=all writes (Kafka caps the ISR it requires)", async () => {
        const t0 = Date.now();
        const c = await start(ha, "ha");
        const { dir, admin } = c;
        const stale = small.topics.map((t) => ({ ...t, config: ha.topics.find((h) => h.name === t.name)!.config }));
        assert.ok(
            stale.every((t) => Number(t.config["min.insync.replicas"]) > t.replicas),
            `the topics require more in-sync replicas than they have: ${JSON.stringify(stale)}`,
        );
        setup(c, stale);
        const results = probe<Written[]>(dir, "write-read", { client: admin, writes: stale.map((t) => ({ topic: t.name, acks: "all", count: 5 })) });
        for (const r of results) assert.deepEqual([r.error, r.sent, r.read], [undefined, 5, 5], r.topic);

        // The control that shows these checks can fail: a topic with ha's min.insync.replicas and as
        // many replicas, one of whose brokers is gone, has fewer in-sync replicas than it requires.
        const topic = ha.topics[0];
        const minInsync = Number(topic.config["min.insync.replicas"]);
        assert.ok(minInsync >= 2 && minInsync < ha.brokers, `ha: min.insync.replicas ${minInsync} of ${ha.brokers} brokers`);
        // Replicas on the last minInsync nodes; node 1 (a controller too) stays, so the quorum holds.
        const holders = Array.from({ length: minInsync }, (_, i) => ha.brokers - i);
        probe(dir, "setup", { admin, topics: [{ name: "isr-control", partitions: 1, assignment: [holders], config: topic.config }], acls: [] });
        const t1 = Date.now();
        // The cluster is not whole after this: this test is the last on it.
        await c.broker.stopNode(holders[0]);
        const t2 = Date.now();
        const [refused, leaderOnly] = probe<Written[]>(dir, "write-read", {
            client: admin,
            writes: [
                { topic: "isr-control", acks: "all", count: 1, retries: 0 },
                // Not read back (the ack is the claim): under min ISR the leader does not advance its
                // high watermark (KIP-966; core/src/main/scala/kafka/cluster/Partition.scala,
                // maybeIncrementLeaderHW: isUnderMinIsr), so the read waited 30 s to get 0 of 1.
                { topic: "isr-control", acks: "1", count: 1, readBack: false },
            ],
        });
        assert.equal(refused.sent, 0, "acks=all acknowledged below min.insync.replicas");
        assert.match(refused.error ?? "", /NotEnoughReplicas/);
        // The same broker takes a leader-only write: it is the acks that refuse, not a dead partition.
        assert.deepEqual([leaderOnly.error, leaderOnly.sent], [undefined, 1]);
        const s = (a: number, b: number) => Math.round((b - a) / 1000);
        console.log(`      (stale topics and control: ${s(t0, Date.now())} s; node stop ${s(t1, t2)} s, control writes ${s(t2, Date.now())} s)`);
    });
});
