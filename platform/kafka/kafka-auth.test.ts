// Kafka clients authenticate (mutual TLS as KafkaUsers) and may do exactly what they need: the
// ACLs are checked against what each client is configured to use, with Kafka's own matching rules.
import { strict as assert } from "assert";
import { CONNECT_USER, USER_SECRET_KEYS } from "./users";
import { KAFKA_USER_MOUNT, SPARK_GROUP_PREFIX, STREAMING_USER } from "../../pipelines/realtime/values";
import { API_TOPIC, API_USER } from "../../pipelines/api/specs";
import type { Captured, PlanRun } from "../../tools/harness";
import { validateCustomResource } from "../../tools/schemas";
import { inputsOf, ofType, planWith, transitiveDeps, describeEachStack } from "../../test/support";
import { allows, type Need, type Op } from "../../test/kafka-acl";

const KIND = (k: string) => `kubernetes:kafka.strimzi.io/v1:${k}`;
const one = (run: PlanRun, kind: string, name?: string): Captured => {
    const found = ofType(run, KIND(kind)).filter((r) => name === undefined || inputsOf(r).metadata.name === name);
    assert.equal(found.length, 1, `${kind} ${name ?? ""}: ${found.length}`);
    return found[0];
};

/** Every (type, name, operation) the ACLs grant, spelled out. */
function grants(acls: any[]): string[] {
    return acls.flatMap((a) => a.operations.map((o: string) => `${a.resource.type}:${a.resource.patternType}:${a.resource.name}:${o}`)).sort();
}

describeEachStack(
    (stack) => `Kafka authentication and ACLs on stack ${stack}`,
    (plan) => {
        it("the TLS listener requires client certificates and the cluster enforces ACLs", () => {
            const kafka = inputsOf(one(plan(), "Kafka")).spec.kafka;
            assert.equal(kafka.listeners.length, 1);
            assert.deepEqual(kafka.listeners[0].authentication, { type: "tls" });
            assert.equal(kafka.listeners[0].tls, true);
            assert.deepEqual(kafka.authorization, { type: "simple" });
        });

        it("every client is a tls KafkaUser, valid against the v1 CRD, deleted before the Kafka CR that runs its operator", () => {
            const users = ofType(plan(), KIND("KafkaUser"));
            // The API producer's user with that pipeline on (pipelines/api).
            const expected = [CONNECT_USER, STREAMING_USER, ...(plan().config.pipelines.api ? [API_USER] : [])];
            assert.deepEqual(users.map((u) => inputsOf(u).metadata.name).sort(), expected.sort());
            const kafka = one(plan(), "Kafka");
            for (const u of users) {
                const i = inputsOf(u);
                assert.deepEqual(validateCustomResource(i), [], i.metadata.name);
                assert.deepEqual(i.spec.authentication, { type: "tls" });
                assert.equal(i.spec.authorization.type, "simple");
                assert.equal(i.metadata.labels["strimzi.io/cluster"], inputsOf(kafka).metadata.name);
                assert.ok(transitiveDeps(plan(), u.urn).has(kafka.urn), `${i.metadata.name} waits for (so is deleted before) the Kafka CR`);
            }
        });

        it("Connect authenticates with its user's certificate and may do exactly what its workers and connectors do", () => {
            const connect = inputsOf(one(plan(), "KafkaConnect")).spec;
            assert.deepEqual(connect.authentication, {
                type: "tls",
                certificateAndKey: { secretName: CONNECT_USER, certificate: USER_SECRET_KEYS.certificate, key: USER_SECRET_KEYS.key },
            });
            const acls = inputsOf(one(plan(), "KafkaUser", CONNECT_USER)).spec.authorization.acls;
            // What the workers do with their own topics (created on first start) and group.
            const needs: Need[] = [connect.configStorageTopic, connect.offsetStorageTopic, connect.statusStorageTopic].flatMap((t: string) =>
                (["Read", "Write", "Create", "Describe", "DescribeConfigs"] as Op[]).map((op) => ({ type: "topic" as const, name: t, op })),
            );
            needs.push({ type: "group", name: connect.groupId, op: "Read" });
            // What the connectors in the plan do: the JDBC source writes <prefix><table>, the sink reads its topics in connect-<name>.
            for (const c of ofType(plan(), KIND("KafkaConnector")).map(inputsOf)) {
                const cfg = c.spec.config;
                if (/JdbcSourceConnector$/.test(c.spec.class)) {
                    const topic = `${cfg["topic.prefix"]}${String(cfg["table.whitelist"]).split(".").pop()}`;
                    needs.push({ type: "topic", name: topic, op: "Write" }, { type: "topic", name: topic, op: "Describe" });
                } else {
                    for (const t of String(cfg.topics).split(","))
                        needs.push({ type: "topic", name: t, op: "Read" }, { type: "topic", name: t, op: "Describe" });
                    needs.push({ type: "group", name: `connect-${c.metadata.name}`, op: "Read" });
                }
            }
            for (const n of needs) assert.ok(allows(acls, n), `Connect needs ${JSON.stringify(n)}`);
            // Nothing more: every grant is one of the needs.
            const needed = new Set(needs.map((n) => `${n.type}:literal:${n.name}:${n.op}`));
            assert.deepEqual(
                grants(acls).filter((g) => !needed.has(g)),
                [],
            );
            // The source topic is only written, the sink's topic only read.
            assert.ok(!allows(acls, { type: "topic", name: "src-customers", op: "Read" }));
            assert.ok(!allows(acls, { type: "topic", name: "customers-transformed", op: "Write" }));
        });

        it("the streaming job authenticates with its keystore and may only read its source and write its target", () => {
            const app = inputsOf(
                ofType(plan(), "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication").find((a) => inputsOf(a).metadata.name === "customers-streaming")!,
            );
            const args: string[] = app.spec.arguments;
            const arg = (flag: string) => args[args.indexOf(flag) + 1];
            const options = Object.fromEntries(args.filter((_, i) => args[i - 1] === "--kafka-option").map((o) => o.split("=", 2)));
            assert.equal(options["security.protocol"], "SSL");
            assert.equal(options["ssl.keystore.type"], "PKCS12");
            // The keystore is the user's Secret, mounted where the option points, on the driver and the executors.
            const volume = app.spec.volumes.find((v: any) => v.secret?.secretName === STREAMING_USER);
            assert.deepEqual(
                volume.secret.items.map((i: any) => i.key),
                [USER_SECRET_KEYS.p12, USER_SECRET_KEYS.password],
            );
            assert.ok(
                volume.secret.items.every((i: any) => i.path === i.key),
                "mounted under their own names",
            );
            for (const role of ["driver", "executor"]) {
                const m = app.spec[role].volumeMounts.find((x: any) => x.name === volume.name);
                assert.equal(`${m.mountPath}/${USER_SECRET_KEYS.p12}`, options["ssl.keystore.location"], role);
                assert.equal(m.subPath, undefined, `${role}: no subPath (the kubelet never updates a subPath mount)`);
            }
            assert.equal(options["ssl.keystore.location"], `${KAFKA_USER_MOUNT}/${USER_SECRET_KEYS.p12}`);
            // Its password only by reference, from the same volume as the keystore: Strimzi writes a new
            // password with every renewed keystore (Strimzi 1.2.0 InternalCa.java:345-347, reused only
            // with the certificate, KafkaUserModel.java:266-272), the kubelet updates a mounted Secret's
            // files together, and an environment variable keeps its first value (Kubernetes docs,
            // "Secrets": environment variables are not updated after the container starts).
            const fromFile = args.filter((_, i) => args[i - 1] === "--kafka-option-from-file");
            assert.deepEqual(fromFile, [`ssl.keystore.password=${KAFKA_USER_MOUNT}/${USER_SECRET_KEYS.password}`]);
            for (const role of ["driver", "executor"])
                assert.ok(
                    !JSON.stringify(app.spec[role].env ?? []).includes(STREAMING_USER),
                    `${role}: nothing of the user's Secret in an environment variable`,
                );
            // A renewal restarts the driver, which then reads the new pair: both files are watched,
            // and the operator starts the application again whatever its exit (restartPolicy Always).
            const watched = args.filter((_, i) => args[i - 1] === "--restart-on-change");
            assert.deepEqual([...watched].sort(), [options["ssl.keystore.location"], fromFile[0].split("=")[1]].sort());
            assert.equal(app.spec.restartPolicy.type, "Always");

            const acls = inputsOf(one(plan(), "KafkaUser", STREAMING_USER)).spec.authorization.acls;
            const source = arg("--source-topic");
            const target = arg("--target-topic");
            for (const n of [
                { type: "topic", name: source, op: "Read" },
                { type: "topic", name: source, op: "Describe" },
                { type: "topic", name: target, op: "Write" },
                { type: "topic", name: target, op: "Describe" },
                // Spark names each query's consumer group spark-kafka-source-<uuid>-...
                { type: "group", name: `${SPARK_GROUP_PREFIX}-0f1e2d3c-driver-0`, op: "Read" },
                // Its API query, with the API producer on.
                ...(args.includes("--api-topic") ? [{ type: "topic", name: arg("--api-topic"), op: "Read" }] : []),
            ] as Need[])
                assert.ok(allows(acls, n), `the streaming job needs ${JSON.stringify(n)}`);
            for (const n of [
                { type: "topic", name: source, op: "Write" },
                { type: "topic", name: target, op: "Read" },
                { type: "topic", name: "bdok-connect-offsets", op: "Read" },
                { type: "group", name: "bdok-connect", op: "Read" },
                { type: "topic", name: source, op: "Create" },
                { type: "topic", name: API_TOPIC, op: "Write" },
            ] as Need[])
                assert.ok(!allows(acls, n), `the streaming job may not ${JSON.stringify(n)}`);
            const app2 = ofType(plan(), "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication").find(
                (a) => inputsOf(a).metadata.name === "customers-streaming",
            )!;
            assert.ok(transitiveDeps(plan(), app2.urn).has(one(plan(), "KafkaUser", STREAMING_USER).urn), "submitted after its user exists");
        });

        it("the API producer's user may write its topic and nothing else", function () {
            if (!plan().config.pipelines.api) return this.skip();
            const acls = inputsOf(one(plan(), "KafkaUser", API_USER)).spec.authorization.acls;
            assert.ok(allows(acls, { type: "topic", name: API_TOPIC, op: "Write" }));
            for (const n of [
                { type: "topic", name: API_TOPIC, op: "Read" },
                { type: "topic", name: "customers-transformed", op: "Write" },
                { type: "topic", name: "src-customers", op: "Write" },
                { type: "topic", name: API_TOPIC, op: "Create" },
                { type: "group", name: `${SPARK_GROUP_PREFIX}-x`, op: "Read" },
            ] as Need[])
                assert.ok(!allows(acls, n), `the producer may not ${JSON.stringify(n)}`);
        });
    },
);

describe("Kafka without the realtime pipeline", () => {
    it("builds no Connect, no Kafka user and no topic: no pipeline asks for them", async () => {
        const run = await planWith("dev", { "bdok:pipelines": { batch: true, realtime: false } });
        for (const kind of ["KafkaUser", "KafkaConnect", "KafkaConnector", "KafkaTopic"])
            assert.deepEqual(
                ofType(run, KIND(kind)).map((u) => u.name),
                [],
                kind,
            );
        assert.deepEqual(
            ofType(run, "aws:ecr/repository:Repository")
                .map((r) => r.name)
                .filter((n) => n !== "superset"),
            [],
        );
        assert.deepEqual(
            ofType(run, "kubernetes:core/v1:Secret")
                .map(inputsOf)
                .filter((s) => /postgres/.test(s.metadata?.name ?? ""))
                .map((s) => s.metadata.name),
            [],
        );
        assert.ok(ofType(run, KIND("Kafka")).length === 1, "the Kafka cluster itself stays");
    });
});
