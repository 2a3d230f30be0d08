// Kafka (Strimzi): replication, min.insync.replicas, topics and brokers in prod.
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { UNKNOWN, arr, isKafka, isKafkaNodePool, isKafkaTopic, list, read, show, toNumber } from "./props";
import { label, resourceRule, stackRule } from "./config";

export function kafkaSetting(spec: unknown, key: string): unknown {
    return read(spec, "kafka", "config", key);
}

/** Each Kafka config key (required, or checked only when set) must be at least `min`. */
function kafkaConfigAtLeast(args: ResourceValidationArgs, report: ReportViolation, min: number, keys: Record<string, boolean>): void {
    const spec = read(args.props, "spec");
    for (const [key, required] of Object.entries(keys)) {
        const v = kafkaSetting(spec, key);
        if (v === UNKNOWN || (v === undefined && !required)) continue;
        const n = toNumber(v);
        if (n === undefined || n < min) report(`${label(args)}: spec.kafka.config["${key}"] is ${show(v)} in a prod stack; allowed: ${min} or more.`);
    }
}

export const kafkaReplicationProd = resourceRule({
    name: "kafka-replication-prod",
    description: "In prod, Kafka replicates every partition three times (default.replication.factor and internal topics >= 3).",
    tags: ["kubernetes", "kafka", "prod-only"],
    types: isKafka,
    check: (args, report) =>
        kafkaConfigAtLeast(args, report, 3, {
            "default.replication.factor": true,
            "offsets.topic.replication.factor": false,
            "transaction.state.log.replication.factor": false,
        }),
});

export const kafkaMinInsyncProd = resourceRule({
    name: "kafka-min-insync-prod",
    description: "In prod, Kafka acknowledges writes on at least two in-sync replicas (min.insync.replicas >= 2).",
    tags: ["kubernetes", "kafka", "prod-only"],
    types: isKafka,
    check: (args, report) => kafkaConfigAtLeast(args, report, 2, { "min.insync.replicas": true, "transaction.state.log.min.isr": false }),
});

export const kafkaTopicsProd = resourceRule({
    name: "kafka-topic-replication-prod",
    description: "In prod, KafkaTopics do not lower replication below 3 replicas / 2 in-sync.",
    tags: ["kubernetes", "kafka", "prod-only"],
    types: isKafkaTopic,
    check: (args, report) => {
        const replicas = read(args.props, "spec", "replicas");
        const n = toNumber(replicas);
        if (replicas !== undefined && replicas !== UNKNOWN && (n === undefined || n < 3))
            report(`${label(args)}: spec.replicas is ${show(replicas)} in a prod stack; allowed: 3 or more (or leave it to default.replication.factor).`);
        const isr = read(args.props, "spec", "config", "min.insync.replicas");
        const m = toNumber(isr);
        if (isr !== undefined && isr !== UNKNOWN && (m === undefined || m < 2))
            report(`${label(args)}: spec.config["min.insync.replicas"] is ${show(isr)} in a prod stack; allowed: 2 or more.`);
    },
});

export const kafkaBrokersProd = stackRule({
    name: "kafka-brokers-prod",
    description: "In prod, every Kafka cluster has at least three brokers across its KafkaNodePools.",
    tags: ["kubernetes", "kafka", "prod-only"],
    check: (args, report) => {
        const pools = args.resources.filter((r) => isKafkaNodePool(r.type));
        for (const k of args.resources.filter((r) => isKafka(r.type))) {
            const name = read(k.props, "metadata", "name");
            if (name === UNKNOWN) continue;
            const ns = read(k.props, "metadata", "namespace");
            let brokers = 0;
            for (const p of pools) {
                if (read(p.props, "metadata", "labels", "strimzi.io/cluster") !== name) continue;
                const pns = read(p.props, "metadata", "namespace");
                if (typeof ns === "string" && typeof pns === "string" && ns !== pns) continue;
                if (!list(read(p.props, "spec", "roles")).includes("broker")) continue;
                brokers += toNumber(read(p.props, "spec", "replicas")) ?? 0;
            }
            if (brokers < 3)
                report(`${label(k)}: ${brokers} broker(s) across its KafkaNodePools in a prod stack; allowed: 3 or more (set bdok:kafka.brokers).`, k.urn);
        }
    },
});

/** Why a Kafka listener lets clients in without TLS or without proving who they are; undefined when it does not. */
export function listenerProblem(listener: unknown): string | undefined {
    const tls = read(listener, "tls");
    const auth = read(listener, "authentication", "type");
    if (tls === UNKNOWN || auth === UNKNOWN) return undefined;
    if (tls !== true && tls !== "true") return `tls is ${show(tls)} (plaintext: credentials and records in clear)`;
    if (typeof auth !== "string" || auth === "") return "it has no authentication (any pod may connect as ANONYMOUS)";
    return undefined;
}

export const kafkaTlsAuth = resourceRule({
    name: "kafka-tls-authn-authz",
    description: "Every Kafka listener uses TLS and authenticates clients, and the cluster enforces authorization (Strimzi spec.kafka.authorization).",
    tags: ["kubernetes", "kafka"],
    types: isKafka,
    check: (args, report) => {
        const spec = read(args.props, "spec");
        arr(read(spec, "kafka", "listeners")).forEach((l, i) => {
            const problem = listenerProblem(l);
            if (problem)
                report(
                    `${label(args)}: spec.kafka.listeners[${i}] (${show(read(l, "name"))}): ${problem}; set tls: true and authentication (tls or scram-sha-512).`,
                );
        });
        const authz = read(spec, "kafka", "authorization");
        if (authz !== UNKNOWN && (typeof read(authz, "type") !== "string" || read(authz, "type") === ""))
            report(
                `${label(args)}: spec.kafka.authorization is ${show(authz)}; without it every authenticated client may read and write every topic (set authorization.type: simple and KafkaUser ACLs).`,
            );
        const everyone = read(spec, "kafka", "config", "allow.everyone.if.no.acl.found");
        if (everyone === true || everyone === "true")
            report(`${label(args)}: allow.everyone.if.no.acl.found is true, which turns authorization off for every topic without ACLs.`);
    },
});
