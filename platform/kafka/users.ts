import { apiVersions } from "../../versions";
import { CONNECT_NAME, clusterLabel } from "./values";
import { type CustomResourceObject, customResourceObject, NAMESPACE } from "../k8s/objects";

// ---- Kafka users (mutual TLS) and their ACLs ----

/** Connect's KafkaUser; the User Operator writes its certificate to a Secret of the same name. */
export const CONNECT_USER = CONNECT_NAME;
/** Keys of a KafkaUser's Secret (tls authentication): PEM pair, PKCS #12 keystore and its password. */
export const USER_SECRET_KEYS = { certificate: "user.crt", key: "user.key", p12: "user.p12", password: "user.password" } as const;
/** Connect's own topics (created by Connect itself) and its group id. */
export const CONNECT_TOPICS = {
    configs: `${CONNECT_NAME}-configs`,
    offsets: `${CONNECT_NAME}-offsets`,
    status: `${CONNECT_NAME}-status`,
} as const;

export type AclOperation = "Read" | "Write" | "Create" | "Describe" | "DescribeConfigs";
export interface Acl {
    resource: { type: "topic" | "group"; name: string; patternType: "literal" | "prefix" };
    operations: AclOperation[];
    host: "*";
}
const acl = (type: Acl["resource"]["type"], name: string, operations: AclOperation[], patternType: Acl["resource"]["patternType"] = "literal"): Acl => ({
    resource: { type, name, patternType },
    operations,
    host: "*",
});

export const topicRead = (topic: string) => acl("topic", topic, ["Read", "Describe"]);
export const topicWrite = (topic: string) => acl("topic", topic, ["Write", "Describe"]);
export const groupRead = (group: string, patternType: Acl["resource"]["patternType"] = "literal") => acl("group", group, ["Read"], patternType);

/** Kafka Connect's default consumer group of a sink connector: `connect-<connector name>`. */
export function sinkConnectorGroup(connector: string): string {
    return `connect-${connector}`;
}

/**
 * What the Connect workers need whatever runs in them: their three topics (created on first start,
 * DescribeConfigs for the cleanup-policy check) and the workers' group. Connectors add their own.
 */
export function connectWorkerAcls(): Acl[] {
    return [...Object.values(CONNECT_TOPICS).map((t) => acl("topic", t, ["Read", "Write", "Create", "Describe", "DescribeConfigs"])), groupRead(CONNECT_NAME)];
}

/**
 * What Pulumi waits for on a KafkaUser: Ready, which the User Operator sets only once the user's
 * Secret is written (Strimzi 1.2.0 KafkaUserOperator.java:255-262: credentials, ACLs and the Secret
 * are reconciled, then setStatusConditionAndObservedGeneration with no error, i.e. Ready=True).
 * Whatever reads the Secret (Connect, the streaming job) depends on the user and so finds it.
 */
export const KAFKA_USER_READY = "condition=Ready";

/** A KafkaUser authenticated by a certificate of the clients CA, allowed exactly `acls`. */
export function kafkaUser(name: string, acls: Acl[]): CustomResourceObject {
    if (!acls.length) throw new Error(`KafkaUser ${name}: no ACL; a user that may do nothing is not needed`);
    return customResourceObject(
        apiVersions.strimzi,
        "KafkaUser",
        { name, namespace: NAMESPACE.kafka, labels: { ...clusterLabel }, annotations: { "pulumi.com/waitFor": KAFKA_USER_READY } },
        {
            authentication: { type: "tls" },
            authorization: { type: "simple", acls },
        },
    );
}
