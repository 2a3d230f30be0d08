// The KafkaUser builder and the ACL helpers judged directly (no plan): what each grant lets a client
// do is decided by the Kafka ACL model of test/kafka-acl.ts, and Connect's needs come from the
// KafkaConnect resource the program builds (its topics and group), so the two builders must agree.
import { strict as assert } from "assert";
import { allows, type Op } from "../../test/kafka-acl";
import { validateCustomResource } from "../../tools/schemas";
import { kafkaConnect } from "./specs";
import { KAFKA_NAME } from "./values";
import { connectWorkerAcls, groupRead, kafkaUser, sinkConnectorGroup, topicRead, topicWrite } from "./users";

const ALL_OPS: Op[] = ["Read", "Write", "Create", "Describe", "DescribeConfigs"];
const granted = (acls: unknown[], type: "topic" | "group", name: string) => ALL_OPS.filter((op) => allows(acls, { type, name, op }));

describe("Kafka users and ACLs (platform/kafka/users.ts)", () => {
    it("kafkaUser: a tls user of the cluster's User Operator, valid against the KafkaUser CRD, awaited until Ready", function () {
        this.timeout(600_000); // the CRD schemas load once, minutes on a loaded machine
        const acls = [topicRead("events"), groupRead("g")];
        const u = kafkaUser("reader", acls);
        assert.deepEqual(validateCustomResource(u as never), []);
        // Every helper's ACLs pass the CRD's operation and resource enums (what the User Operator accepts).
        const every = kafkaUser("all", [...connectWorkerAcls(), topicWrite("t"), topicRead("t"), groupRead("p-", "prefix")]);
        assert.deepEqual(validateCustomResource(every as never), []);
        assert.equal(u.kind, "KafkaUser");
        assert.equal(u.metadata.name, "reader");
        // The User Operator only reconciles KafkaUsers labelled with its cluster (Strimzi docs,
        // "Configuring the User Operator": STRIMZI_LABELS strimzi.io/cluster=<cluster>), in its namespace.
        assert.equal(u.metadata.namespace, "kafka");
        assert.deepEqual(u.metadata.labels, { "strimzi.io/cluster": KAFKA_NAME });
        // Pulumi's waitFor annotation (kubernetes provider 4.x): the Ready condition, set once the Secret is written.
        assert.deepEqual(u.metadata.annotations, { "pulumi.com/waitFor": "condition=Ready" });
        assert.deepEqual(u.spec.authentication, { type: "tls" });
        assert.deepEqual(u.spec.authorization, { type: "simple", acls });
    });

    it("kafkaUser: a user without ACLs is refused with its name, not built", () => {
        assert.throws(() => kafkaUser("idle", []), /^Error: KafkaUser idle: no ACL/);
    });

    it("topicRead / topicWrite / groupRead grant what Kafka's authorizer then allows, and no more (table)", () => {
        const cases: [string, unknown, "topic" | "group", string, Op[]][] = [
            ["read a topic", topicRead("t"), "topic", "t", ["Read", "Describe"]],
            ["read: another topic", topicRead("t"), "topic", "t2", []],
            ["read: a group of that name", topicRead("t"), "group", "t", []],
            ["write a topic", topicWrite("t"), "topic", "t", ["Write", "Describe"]],
            ["write: a prefix of it is another topic", topicWrite("topic"), "topic", "topic-x", []],
            ["read a group", groupRead("g"), "group", "g", ["Read", "Describe"]],
            ["read a group: literal by default", groupRead("g"), "group", "g-1", []],
            ["read groups by prefix", groupRead("spark-", "prefix"), "group", "spark-kafka-source-1", ["Read", "Describe"]],
            ["prefix: not a topic", groupRead("spark-", "prefix"), "topic", "spark-x", []],
        ];
        for (const [what, acl, type, name, ops] of cases) assert.deepEqual(granted([acl], type, name), ops, what);
        // Every ACL is for any host (clients reach the brokers from pods whose addresses change).
        for (const a of [topicRead("t"), topicWrite("t"), groupRead("g")]) assert.equal(a.host, "*");
    });

    it("sinkConnectorGroup: Kafka Connect's consumer group of a sink connector is connect-<name> (SinkUtils.consumerGroupId)", () => {
        for (const [connector, group] of [
            ["elasticsearch-sink", "connect-elasticsearch-sink"],
            ["s3", "connect-s3"],
        ])
            assert.equal(sinkConnectorGroup(connector), group);
    });

    it("connectWorkerAcls: exactly what the KafkaConnect resource's workers use, its three topics and its group", () => {
        const acls = connectWorkerAcls();
        const spec = kafkaConnect({ image: "repo:tag", arch: "amd64", ha: false, plugins: [] }).spec;
        // Connect creates its internal topics (Create), checks their cleanup.policy (DescribeConfigs;
        // Kafka's TopicAdmin.verifyTopicCleanupPolicyOnlyCompact) and reads and writes them.
        const topics = [spec.configStorageTopic, spec.offsetStorageTopic, spec.statusStorageTopic];
        assert.equal(new Set(topics).size, 3);
        for (const t of topics) assert.deepEqual(granted(acls, "topic", t), ALL_OPS, t);
        // The workers join group.id (Read on the group).
        assert.deepEqual(granted(acls, "group", spec.groupId), ["Read", "Describe"]);
        // Nothing else: no other topic or group (connectors add their own).
        for (const t of ["events", `${spec.configStorageTopic}-x`, spec.groupId]) assert.deepEqual(granted(acls, "topic", t), [], t);
        for (const g of [`${spec.groupId}-x`, sinkConnectorGroup("x"), spec.configStorageTopic]) assert.deepEqual(granted(acls, "group", g), [], g);
        assert.equal(acls.length, 4);
    });
});
