// Kafka (Strimzi): replication, min.insync.replicas, topics and brokers in prod.
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { UNKNOWN, isKafka, isKafkaNodePool, isKafkaTopic, list, read, show, toNumber } from "./props";
import { common, forTypes, label, prodOnly, prodOnlyStack } from "./config";

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

export const kafkaReplicationProd: ResourceValidationPolicy = {
    ...common,
    name: "kafka-replication-prod",
    description: "In prod, Kafka replicates every partition three times (default.replication.factor and internal topics >= 3).",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "kafka", "prod-only"],
    validateResource: forTypes(
        isKafka,
        prodOnly((args, report) =>
            kafkaConfigAtLeast(args, report, 3, {
                "default.replication.factor": true,
                "offsets.topic.replication.factor": false,
                "transaction.state.log.replication.factor": false,
            }),
        ),
    ),
};

export const kafkaMinInsyncProd: ResourceValidationPolicy = {
    ...common,
    name: "kafka-min-insync-prod",
    description: "In prod, Kafka acknowledges writes on at least two in-sync replicas (min.insync.replicas >= 2).",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "kafka", "prod-only"],
    validateResource: forTypes(
        isKafka,
        prodOnly((args, report) => kafkaConfigAtLeast(args, report, 2, { "min.insync.replicas": true, "transaction.state.log.min.isr": false })),
    ),
};

export const kafkaTopicsProd: ResourceValidationPolicy = {
    ...common,
    name: "kafka-topic-replication-prod",
    description: "In prod, KafkaTopics do not lower replication below 3 replicas / 2 in-sync.",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "kafka", "prod-only"],
    validateResource: forTypes(
        isKafkaTopic,
        prodOnly((args, report) => {
            const replicas = read(args.props, "spec", "replicas");
            const n = toNumber(replicas);
            if (replicas !== undefined && replicas !== UNKNOWN && (n === undefined || n < 3))
                report(`${label(args)}: spec.replicas is ${show(replicas)} in a prod stack; allowed: 3 or more (or leave it to default.replication.factor).`);
            const isr = read(args.props, "spec", "config", "min.insync.replicas");
            const m = toNumber(isr);
            if (isr !== undefined && isr !== UNKNOWN && (m === undefined || m < 2))
                report(`${label(args)}: spec.config["min.insync.replicas"] is ${show(isr)} in a prod stack; allowed: 2 or more.`);
        }),
    ),
};

export const kafkaBrokersProd: StackValidationPolicy = {
    ...common,
    name: "kafka-brokers-prod",
    description: "In prod, every Kafka cluster has at least three brokers across its KafkaNodePools.",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "kafka", "prod-only"],
    validateStack: prodOnlyStack((args, report) => {
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
    }),
};
