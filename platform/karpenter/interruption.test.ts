import { strict as assert } from "assert";
import { EVENT_TARGET_ID, INTERRUPTION_RULES, eventRuleArgs, matchesEventPattern, queueArgs, queueName, queuePolicy } from "./interruption";

// Event envelopes as EventBridge delivers them (source and detail-type per the AWS EC2/Health docs).
const events = {
    spot: { source: "aws.ec2", "detail-type": "EC2 Spot Instance Interruption Warning", detail: { "instance-id": "i-1", "instance-action": "terminate" } },
    rebalance: { source: "aws.ec2", "detail-type": "EC2 Instance Rebalance Recommendation", detail: { "instance-id": "i-1" } },
    state: { source: "aws.ec2", "detail-type": "EC2 Instance State-change Notification", detail: { "instance-id": "i-1", state: "stopping" } },
    health: { source: "aws.health", "detail-type": "AWS Health Event", detail: { service: "EC2", eventTypeCategory: "scheduledChange" } },
    capacityReservation: { source: "aws.ec2", "detail-type": "EC2 Capacity Reservation Instance Interruption Warning", detail: {} },
    unrelated: { source: "aws.ec2", "detail-type": "EC2 AMI State Change", detail: {} },
};

describe("karpenter interruption", () => {
    it("the queue keeps messages 300 s, encrypted with SSE-SQS, named after the cluster", () => {
        assert.deepEqual(queueArgs("bdok-dev"), { name: "bdok-dev", messageRetentionSeconds: 300, sqsManagedSseEnabled: true });
        assert.throws(() => queueArgs("a".repeat(81)), /allowed: up to 80 letters/);
    });

    it("the queue policy lets EventBridge and SQS send and denies any call without TLS", () => {
        const p = queuePolicy("arn:aws:sqs:us-east-1:123456789012:bdok-dev");
        const [allow, deny] = p.Statement;
        assert.deepEqual(allow.Principal, { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] });
        assert.equal(allow.Action, "sqs:SendMessage");
        assert.deepEqual([deny.Effect, deny.Principal, deny.Action, deny.Condition], ["Deny", "*", "sqs:*", { Bool: { "aws:SecureTransport": false } }]);
        assert.ok(p.Statement.every((s) => s.Resource === "arn:aws:sqs:us-east-1:123456789012:bdok-dev"));
    });

    it("each interruption event reaches the queue through exactly one rule, and others through none", () => {
        const patterns = INTERRUPTION_RULES.map((r) => r.eventPattern as unknown as Record<string, unknown>);
        for (const [name, e] of Object.entries(events)) {
            const hits = patterns.filter((p) => matchesEventPattern(p, e)).length;
            assert.equal(hits, name === "unrelated" ? 0 : 1, name);
        }
        assert.equal(INTERRUPTION_RULES.length, 5);
    });

    it("rule arguments carry the patterns as JSON and refuse names over EventBridge's 64 characters", () => {
        const rules = eventRuleArgs("bdok-dev");
        assert.deepEqual(
            rules.map((r) => JSON.parse(r.eventPattern)),
            INTERRUPTION_RULES.map((r) => r.eventPattern),
        );
        assert.equal(new Set(rules.map((r) => r.name)).size, 5);
        assert.throws(() => eventRuleArgs("x".repeat(40)), /allowed: up to 64/);
        assert.equal(EVENT_TARGET_ID, "KarpenterInterruptionQueueTarget");
    });

    // The whole document, as Karpenter's getting-started CloudFormation template writes it
    // (KarpenterInterruptionQueuePolicy: Id EC2InterruptionPolicy, Version 2012-10-17, Sid DenyHTTP).
    it("the queue policy is upstream's document, the queue's ARN filled in", () => {
        const arn = "arn:aws:sqs:us-east-1:123456789012:q";
        assert.deepEqual(queuePolicy(arn), {
            Version: "2012-10-17",
            Id: "EC2InterruptionPolicy",
            Statement: [
                { Effect: "Allow", Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] }, Action: "sqs:SendMessage", Resource: arn },
                { Sid: "DenyHTTP", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: arn, Condition: { Bool: { "aws:SecureTransport": false } } },
            ],
        });
    });

    it("a rule's description names the cluster; a bad name is refused with one line naming it", () => {
        for (const r of eventRuleArgs("c1")) assert.match(r.description, /^Karpenter \(c1\): \S/);
        assert.throws(
            () => eventRuleArgs("bad name"),
            /^Error: EventBridge rule name: got "bad name-[\w-]+"; allowed: up to 64 letters, digits, \., - and _ \(shorten the cluster name\)$/,
        );
    });

    for (const [what, pattern, event, want] of [
        ["a listed value", { a: ["x", "y"] }, { a: "y" }, true],
        ["an unlisted value", { a: ["x"] }, { a: "z" }, false],
        ["a missing key", { a: ["x"] }, {}, false],
        ["an array in the event holding a listed value", { a: ["x"] }, { a: ["w", "x"] }, true],
        ["an array in the event without one", { a: ["x"] }, { a: ["w"] }, false],
        ["a nested map that matches", { d: { s: ["EC2"] } }, { d: { s: "EC2", t: 1 } }, true],
        ["a nested map that does not", { d: { s: ["EC2"] } }, { d: { s: "RDS" } }, false],
        ["a nested map against a scalar", { d: { s: ["EC2"] } }, { d: "EC2" }, false],
        ["a nested map against nothing", { d: { s: ["EC2"] } }, {}, false],
        // A string has properties too ("abc".length is 3): a nested map matches objects only.
        ["a nested map against a string whose property it names", { d: { length: [3] } }, { d: "abc" }, false],
        ["a scalar in the pattern (not a value list)", { a: "x" }, { a: "x" }, false],
        ["every key must match", { a: ["x"], b: ["y"] }, { a: "x", b: "z" }, false],
        ["an empty string in the pattern against a map", { a: "" }, { a: {} }, false],
        ["null in the pattern against a map", { a: null }, { a: {} }, false],
        ["a number in the pattern against a map", { a: 5 }, { a: {} }, false],
    ] as const) {
        it(`event pattern: ${what} -> ${want}`, () =>
            assert.equal(matchesEventPattern(pattern as Record<string, unknown>, event as Record<string, unknown>), want));
    }

    // SQS CreateQueue, QueueName: "up to 80 characters; alphanumeric characters, hyphens (-), and
    // underscores (_)"; EventBridge PutRule, Name: "Length Constraints: Minimum length of 1.
    // Maximum length of 64. Pattern: [\.\-_A-Za-z0-9]+". The longest rule suffix is
    // "-CapacityReservationInterruptionRule" (36 characters): a cluster name of 28 fits, 29 does not.
    const NAMES: [string, string, boolean, boolean][] = [
        ["28 characters", "c".repeat(28), true, true],
        ["29 characters", "c".repeat(29), true, false],
        ["80 characters", "q".repeat(80), true, false],
        ["81 characters", "q".repeat(81), false, false],
        ["empty (the rule names are then valid on their own)", "", false, true],
        ["with a dot", "a.b", false, true],
        ["with a space", "a b", false, false],
        ["with an underscore and a hyphen", "a_b-c", true, true],
    ];
    for (const [what, name, queueOk, rulesOk] of NAMES) {
        it(`a cluster name ${what}: queue ${queueOk ? "named" : "refused"}, rules ${rulesOk ? "named" : "refused"}`, () => {
            if (queueOk) assert.equal(queueName(name), name);
            else
                assert.throws(
                    () => queueName(name),
                    /^Error: Karpenter interruption queue name: got .*; allowed: up to 80 letters, digits, - and _ \(SQS queue names\)$/,
                );
            if (rulesOk) assert.ok(eventRuleArgs(name).every((r) => r.name.startsWith(`${name}-`) && r.name.length <= 64));
            else assert.throws(() => eventRuleArgs(name), /^Error: EventBridge rule name: got /);
        });
    }
});
