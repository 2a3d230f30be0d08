// Engines tier: the KafkaUsers' ACLs from the plan, on a real broker at versions.ts's Kafka version
// (KRaft, mutual TLS, StandardAuthorizer). Each user connects with what its Secret would hold and
// tries every operation on every resource the ACLs name (and on names they do not); it must succeed
// exactly where its own ACLs allow.
import { strict as assert } from "assert";
import * as fs from "fs";
import { planOf } from "../support";
import { Acl, Broker, OPERATOR_USER, clientProps, kafkaMissing, kafkaPlan, probe, startPlanKafka } from "./kafka";
import { requireEngine, tempDir } from "./streams";

interface Probe {
    user: string;
    op: string;
    resource: "topic" | "group";
    name: string;
    topic?: string;
    result?: string;
}

// Kafka's StandardAuthorizer (apache/kafka metadata/src/main/java/org/apache/kafka/metadata/
// authorizer/StandardAuthorizerData.java): an ALLOW of READ, WRITE, DELETE or ALTER also allows
// DESCRIBE (IMPLIES_DESCRIBE), ALTER_CONFIGS allows DESCRIBE_CONFIGS; PREFIXED patterns match names
// starting with the pattern, LITERAL the exact name.
const IMPLIES: Record<string, string[]> = { Describe: ["Read", "Write", "Delete", "Alter"], DescribeConfigs: ["AlterConfigs"] };
function expected(acls: Acl[], p: Probe): boolean {
    return acls.some((a) => {
        if (a.resource.type !== p.resource) return false;
        const match = a.resource.patternType === "prefix" ? p.name.startsWith(a.resource.name) : a.resource.name === p.name;
        return match && (a.operations.includes(p.op) || (IMPLIES[p.op] ?? []).some((o) => a.operations.includes(o)));
    });
}

describe("engines: Kafka KafkaUsers' ACLs on a real broker (mTLS, simple authorization)", function () {
    this.timeout(300_000);
    let broker: Broker | undefined;
    let dir = "";
    let users: Map<string, Acl[]>;
    let topics: string[];

    before(async function () {
        requireEngine(this, "Kafka", kafkaMissing());
        const plan = kafkaPlan(await planOf("dev"));
        // What this broker stands for: the CR's one listener (tls, client certificates) and authorization.
        assert.deepEqual(
            plan.kafka.listeners.map((l) => [l.tls, l.authentication?.type]),
            [[true, "tls"]],
        );
        assert.equal(plan.kafka.authorization.type, "simple");
        users = plan.users;
        topics = plan.topics.map((t) => t.name);
        dir = tempDir("kafka");
        // Every literal topic an ACL names exists (Connect creates its own topics; here the operator
        // does, so that Read and Write probes meet a topic), and one that no ACL names.
        const named = [...users.values()].flatMap((l) =>
            l.filter((a) => a.resource.type === "topic" && a.resource.patternType === "literal").map((a) => a.resource.name),
        );
        broker = await startPlanKafka(dir, plan, [...named, "not-granted"], true);
    });

    after(async () => {
        await broker?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("the plan's topics and users are there to test (two KafkaTopics, two KafkaUsers)", () => {
        assert.ok(topics.length >= 2, `topics: ${topics}`);
        assert.ok(users.size >= 2, `users: ${[...users.keys()]}`);
    });

    it("each KafkaUser can do exactly what its ACLs allow, and nothing on other names", () => {
        const b = broker!;
        const allAcls = [...users.values()].flat();
        // Every topic any ACL names, a topic none does, every group named, a name under each group
        // prefix and one beside it.
        const topicNames = [...new Set([...allAcls.filter((a) => a.resource.type === "topic").map((a) => a.resource.name), "not-granted"])];
        const groupNames = [
            ...new Set([
                ...allAcls
                    .filter((a) => a.resource.type === "group")
                    .flatMap((a) => (a.resource.patternType === "prefix" ? [`${a.resource.name}-4f1c-driver-0`, `x${a.resource.name}`] : [a.resource.name])),
                "not-granted-group",
            ]),
        ];
        const probes: Probe[] = [];
        for (const [user, acls] of users) {
            for (const name of topicNames)
                for (const op of ["Read", "Write", "Describe", "DescribeConfigs", "Create"]) probes.push({ user, op, resource: "topic", name });
            // A group's Read is tried on a topic the user may read (committing an offset needs both).
            const readable = topicNames.find((t) => expected(acls, { user, op: "Read", resource: "topic", name: t }));
            const groups = acls.filter((a) => a.resource.type === "group");
            if (!readable) {
                // A producer only (the API producer): it reads no topic and must hold no group ACL.
                assert.deepEqual(groups, [], `${user} reads no topic but holds group ACLs`);
                continue;
            }
            for (const name of groupNames) probes.push({ user, op: "Read", resource: "group", name, topic: readable });
        }
        const users_ = Object.fromEntries([...users.keys()].map((u) => [u, clientProps(b.pki, u, b.bootstrap)]));
        const results = probe<Probe[]>(dir, "probe", { users: users_, probes });
        const errors = results.filter((r) => r.result!.startsWith("error"));
        assert.deepEqual(errors, [], "probes that neither succeeded nor were refused for authorization");
        const wrong = results
            .filter((r) => (r.result === "allowed") !== expected(users.get(r.user)!, r))
            .map(
                (r) =>
                    `${r.user} ${r.op} ${r.resource}:${r.name}${r.topic ? ` (on ${r.topic})` : ""}: broker ${r.result}, ACLs ${expected(users.get(r.user)!, r) ? "allow" : "deny"}`,
            );
        assert.deepEqual(wrong, []);
        // And the check is not vacuous: each user was both allowed and refused something.
        for (const user of users.keys()) {
            const mine = results.filter((r) => r.user === user);
            assert.ok(mine.some((r) => r.result === "allowed") && mine.some((r) => r.result === "denied"), `${user}: ${mine.map((r) => r.result)}`);
        }
    });

    it("a client without a certificate is refused by the TLS listener", () => {
        const b = broker!;
        const anonymous = { ...clientProps(b.pki, OPERATOR_USER, b.bootstrap) };
        delete (anonymous as Record<string, string>)["ssl.keystore.location"];
        delete (anonymous as Record<string, string>)["ssl.keystore.password"];
        delete (anonymous as Record<string, string>)["ssl.keystore.type"];
        const [r] = probe<Probe[]>(dir, "probe", {
            users: { anonymous: { ...anonymous, "request.timeout.ms": "5000", "default.api.timeout.ms": "8000" } },
            probes: [{ user: "anonymous", op: "Describe", resource: "topic", name: topics[0] }],
        });
        assert.notEqual(r.result, "allowed");
        assert.match(r.result!, /SSL|handshake|Timeout|Authentication/i);
    });
});
