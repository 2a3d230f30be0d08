// Kafka on Kubernetes (Strimzi, KRaft) as pure data: operator values, the Kafka cluster, its node
// pool, topics and the Connect cluster Strimzi builds, plus the names other layers rely on.
import * as crypto from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import { bookNames } from "./naming";
import { PolicyDocument, doc, wildcardOnly } from "./iam";
import type { RbacRule } from "./spark";
import { apiVersions, apps, connectPlugins } from "../versions";

// ---- Names other components and the pipelines use (Strimzi derives the rest from them) ----
export const KAFKA_NAMESPACE = "kafka";
export const KAFKA_NAME = "bdok";
export const NODE_POOL_NAME = "dual-role";
export const TLS_LISTENER = { name: "tls", port: 9093 } as const;
/** Strimzi's `<cluster>-kafka-bootstrap` service. */
export const BOOTSTRAP_SERVICE = `${KAFKA_NAME}-kafka-bootstrap`;
/** TLS bootstrap address, valid from any namespace (the broker certificates carry the .svc name). */
export const BOOTSTRAP_SERVERS_TLS = `${BOOTSTRAP_SERVICE}.${KAFKA_NAMESPACE}.svc:${TLS_LISTENER.port}`;
/** Strimzi's `<cluster>-cluster-ca-cert` Secret (key `ca.crt`): what TLS clients must trust. */
export const CLUSTER_CA_SECRET = `${KAFKA_NAME}-cluster-ca-cert`;
export const CLUSTER_CA_KEY = "ca.crt";

export const CONNECT_NAME = "bdok-connect";
/** Strimzi names the Connect pods' service account `<connect>-connect`... */
export const CONNECT_SERVICE_ACCOUNT = `${CONNECT_NAME}-connect`;
/** ...and the image build pod's `<connect>-connect-build`. */
export const CONNECT_BUILD_SERVICE_ACCOUNT = `${CONNECT_NAME}-connect-build`;

/** The JDBC source's credentials, read by the config provider, never copied into a connector. */
export const POSTGRES_CONNECT_SECRET = "bdok-postgres-connect";
/** Its PostgreSQL login: may only read public.customers (pipelines/realtime/roles.sql creates it). */
export const POSTGRES_SOURCE_ROLE = "bdok_cdc_source";
export const POSTGRES_CONNECT_KEYS = { username: "username", password: "password", url: "url" } as const;
/** The book's database (the `public.customers` table lives there). */
export const POSTGRES_DATABASE = "postgres";

/**
 * ECK's names (cluster `bdok` in namespace `elastic`): `<es>-es-elastic-user` (key `elastic`) and
 * `<es>-es-http-certs-public` (key `ca.crt`). One source of truth: the Elastic layer's own constants.
 */
export {
    ELASTIC_NAMESPACE, ES_NAME as ELASTICSEARCH_NAME, ES_ELASTIC_USER_SECRET, ES_ELASTIC_USER_KEY, ES_HTTP_CA_SECRET, ES_HTTP_CA_KEY,
} from "./elastic";

export const TOPICS = { source: bookNames.topics.source, transformed: bookNames.topics.transformed } as const;

/** Strimzi's KubernetesSecretConfigProvider, registered under the prefix `secrets`. */
export const SECRET_CONFIG_PROVIDER = { prefix: "secrets", class: "io.strimzi.kafka.KubernetesSecretConfigProvider" } as const;

/** A connector config value resolved from a Kubernetes Secret at runtime: `${secrets:<ns>/<name>:<key>}`. */
export function secretRef(namespace: string, secret: string, key: string): string {
    return `\${${SECRET_CONFIG_PROVIDER.prefix}:${namespace}/${secret}:${key}}`;
}

/** RDS enforces TLS (rds.force_ssl=1): the driver must ask for it. */
export function jdbcUrl(host: string, port: number, database = POSTGRES_DATABASE): string {
    return `jdbc:postgresql://${host}:${port}/${database}?sslmode=require`;
}

// ---- Sizing ----

export interface Replication {
    /** default.replication.factor, offsets/transaction-state topics, topic replicas */
    replicas: number;
    /** min.insync.replicas and transaction.state.log.min.isr */
    minInsync: number;
}

/** Replication from the broker count: 1/1 on one broker, 2/1 on two, 3/2 from three brokers up. */
export function replicationFor(brokers: number): Replication {
    if (!Number.isInteger(brokers) || brokers < 1) throw new Error(`brokers: got ${brokers}; allowed: an integer >= 1`);
    const replicas = Math.min(3, brokers);
    return { replicas, minInsync: Math.max(1, replicas - 1) };
}

export interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}
const res = (cpuReq: string, cpuLim: string, memory: string): Resources =>
    ({ requests: { cpu: cpuReq, memory }, limits: { cpu: cpuLim, memory } });

export interface KafkaSizing {
    operator: Resources;
    operatorReplicas: number;
    broker: Resources;
    brokerHeap: string;
    topicOperator: Resources;
    userOperator: Resources;
    connect: Resources;
    connectHeap: string;
    connectReplicas: number;
    build: Resources;
}

/** Requests and limits of every Kafka workload (memory request = limit: no overcommit for JVMs). */
export function kafkaSizing(isProd: boolean): KafkaSizing {
    return isProd
        ? {
            operator: res("200m", "1", "512Mi"),
            operatorReplicas: 2,
            broker: res("1", "2", "8Gi"),
            brokerHeap: "4g",
            topicOperator: res("100m", "500m", "512Mi"),
            userOperator: res("100m", "500m", "512Mi"),
            connect: res("500m", "2", "3Gi"),
            connectHeap: "2g",
            connectReplicas: 2,
            build: res("500m", "1", "2Gi"),
        }
        : {
            operator: res("200m", "1", "384Mi"),
            operatorReplicas: 1,
            broker: res("250m", "1", "2Gi"),
            brokerHeap: "1g",
            topicOperator: res("50m", "500m", "256Mi"),
            userOperator: res("50m", "500m", "256Mi"),
            connect: res("250m", "1", "1536Mi"),
            connectHeap: "1g",
            connectReplicas: 1,
            build: res("250m", "1", "2Gi"),
        };
}

// ---- Operator ----

/**
 * Values for the strimzi-kafka-operator chart (keys checked against its values.yaml by the tests).
 * The operator watches only its own namespace. Connect builds use Kaniko instead of Buildah (the
 * 1.x default): Kaniko authenticates to ECR by itself through the AWS SDK chain, i.e. the build
 * pod's Pod Identity role, so no registry password Secret exists; Buildah would need a pushSecret.
 */
export function strimziValues(isProd: boolean): Record<string, unknown> {
    const size = kafkaSizing(isProd);
    return {
        replicas: size.operatorReplicas,
        watchNamespaces: [],
        watchAnyNamespace: false,
        featureGates: "-UseConnectBuildWithBuildah",
        resources: size.operator,
        podDisruptionBudget: { enabled: size.operatorReplicas > 1 },
    };
}

// ---- Custom resources ----

export type CustomResourceObject = {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: Record<string, any>;
};

const clusterLabel = { "strimzi.io/cluster": KAFKA_NAME };

/** Spread pods over zones where the stack has several (a preference, never blocking scheduling). */
function zoneSpread(matchLabels: Record<string, string>) {
    return [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels } }];
}

export interface KafkaClusterArgs {
    brokers: number;
    storageGiB: number;
    storageClass: string;
    /** Keep broker volumes when the pool or cluster is deleted (prod). */
    protect: boolean;
    isProd: boolean;
}

/** KRaft: every node of the one pool is both controller and broker; the volume also holds metadata. */
export function kafkaNodePool(a: KafkaClusterArgs): CustomResourceObject {
    const size = kafkaSizing(a.isProd);
    return {
        apiVersion: apiVersions.strimzi,
        kind: "KafkaNodePool",
        metadata: { name: NODE_POOL_NAME, namespace: KAFKA_NAMESPACE, labels: { ...clusterLabel } },
        spec: {
            replicas: a.brokers,
            roles: ["controller", "broker"],
            storage: {
                type: "jbod",
                volumes: [{
                    id: 0,
                    type: "persistent-claim",
                    size: `${a.storageGiB}Gi`,
                    class: a.storageClass,
                    deleteClaim: !a.protect,
                    kraftMetadata: "shared",
                }],
            },
            resources: size.broker,
            jvmOptions: { "-Xms": size.brokerHeap, "-Xmx": size.brokerHeap },
            template: { pod: { topologySpreadConstraints: zoneSpread({ ...clusterLabel, "strimzi.io/pool-name": NODE_POOL_NAME }) } },
        },
    };
}

/** Broker settings from the replication rule (the book's single-node 1/1 in dev, 3/2 in prod). */
export function brokerConfig(brokers: number): Record<string, number> {
    const r = replicationFor(brokers);
    return {
        "default.replication.factor": r.replicas,
        "min.insync.replicas": r.minInsync,
        "offsets.topic.replication.factor": r.replicas,
        "transaction.state.log.replication.factor": r.replicas,
        "transaction.state.log.min.isr": r.minInsync,
    };
}

/**
 * The Kafka cluster: Strimzi 1.x (kafka.strimzi.io/v1) is KRaft with node pools only, so no
 * `strimzi.io/kraft` / `strimzi.io/node-pools` annotations exist any more. One TLS listener: every
 * client (Connect, Spark) trusts the cluster CA and authenticates as a KafkaUser (kafkaUser).
 */
export function kafkaCluster(a: KafkaClusterArgs): CustomResourceObject {
    const size = kafkaSizing(a.isProd);
    return {
        apiVersion: apiVersions.strimzi,
        kind: "Kafka",
        metadata: { name: KAFKA_NAME, namespace: KAFKA_NAMESPACE },
        spec: {
            kafka: {
                version: apps.kafka,
                // Every client proves who it is with a certificate of its KafkaUser (mutual TLS)...
                listeners: [{ name: TLS_LISTENER.name, port: TLS_LISTENER.port, type: "internal", tls: true, authentication: { type: "tls" } }],
                // ...and may do only what its ACLs list (Strimzi's own components are super users).
                authorization: { type: "simple" },
                config: brokerConfig(a.brokers),
                // Strimzi creates the PDB; prod states it explicitly: one broker down at a time.
                ...(a.isProd ? { template: { podDisruptionBudget: { maxUnavailable: 1 } } } : {}),
            },
            entityOperator: {
                topicOperator: { resources: size.topicOperator },
                userOperator: { resources: size.userOperator },
            },
        },
    };
}

export function kafkaTopic(topic: string, brokers: number, partitions = 3): CustomResourceObject {
    const r = replicationFor(brokers);
    return {
        apiVersion: apiVersions.strimzi,
        kind: "KafkaTopic",
        metadata: { name: topic, namespace: KAFKA_NAMESPACE, labels: { ...clusterLabel } },
        spec: {
            topicName: topic,
            partitions,
            replicas: r.replicas,
            config: { "min.insync.replicas": r.minInsync },
        },
    };
}

// ---- Kafka Connect ----

interface MavenCoordinates { group: string; artifact: string; version: string }
const maven = (c: MavenCoordinates, repository?: string) => ({
    type: "maven",
    ...(repository ? { repository } : {}),
    group: c.group,
    artifact: c.artifact,
    version: c.version,
    // Runtime dependencies only: connect-api / kafka-clients are `provided` by the Connect image.
    includeScope: "runtime",
});

/** The connector plugins of the book's realtime pipeline (the JDBC driver sits beside the JDBC connector). */
export function connectBuildPlugins() {
    return [
        {
            name: "kafka-connect-jdbc",
            artifacts: [maven(connectPlugins.jdbc, connectPlugins.confluentRepository), maven(connectPlugins.postgresDriver)],
        },
        {
            name: "kafka-connect-elasticsearch",
            artifacts: [maven(connectPlugins.elasticsearch, connectPlugins.confluentRepository)],
        },
    ];
}

/** An image tag that changes whenever the plugin set or the Kafka version does. */
export function connectImageTag(plugins = connectBuildPlugins()): string {
    const digest = crypto.createHash("sha256").update(JSON.stringify({ kafka: apps.kafka, plugins })).digest("hex");
    return `kafka-${apps.kafka}-${digest.slice(0, 12)}`;
}

/** A Secret mounted read-only into the Connect pods, for connectors that need a file (e.g. a CA). */
export interface ConnectSecretMount {
    volume: string;
    secretName: string;
    /** Strimzi accepts additional mounts under /mnt/ only. */
    mountPath: string;
}

export interface KafkaConnectArgs {
    /** `<repositoryUrl>:<tag>` Strimzi pushes the built image to. */
    image: pulumi.Input<string>;
    isProd: boolean;
    /** Optional volumes: a missing Secret never blocks the Connect pods. */
    secretMounts?: ConnectSecretMount[];
}

/** The pod volumes and container mounts of `secretMounts` (nothing when there are none). */
export function connectSecretMountTemplate(mounts: ConnectSecretMount[] = []) {
    const bad = mounts.filter((m) => !m.mountPath.startsWith("/mnt/"));
    if (bad.length) throw new Error(`secretMounts: ${bad.map((m) => m.mountPath).join(", ")}; allowed: paths under /mnt/ (Strimzi's rule for additional volumes)`);
    if (!mounts.length) return { pod: {}, container: {} };
    return {
        pod: { volumes: mounts.map((m) => ({ name: m.volume, secret: { secretName: m.secretName, optional: true } })) },
        container: { connectContainer: { volumeMounts: mounts.map((m) => ({ name: m.volume, mountPath: m.mountPath, readOnly: true })) } },
    };
}

export function kafkaConnect(a: KafkaConnectArgs): CustomResourceObject {
    const size = kafkaSizing(a.isProd);
    const extra = connectSecretMountTemplate(a.secretMounts);
    return {
        apiVersion: apiVersions.strimzi,
        kind: "KafkaConnect",
        metadata: {
            name: CONNECT_NAME,
            namespace: KAFKA_NAMESPACE,
            // Connectors are KafkaConnector resources, not REST calls.
            annotations: { "strimzi.io/use-connector-resources": "true" },
        },
        spec: {
            version: apps.kafka,
            replicas: size.connectReplicas,
            bootstrapServers: `${BOOTSTRAP_SERVICE}:${TLS_LISTENER.port}`,
            tls: { trustedCertificates: [{ secretName: CLUSTER_CA_SECRET, pattern: "*.crt" }] },
            // The User Operator's Secret of CONNECT_USER (named after the KafkaUser).
            authentication: { type: "tls", certificateAndKey: { secretName: CONNECT_USER, certificate: USER_SECRET_KEYS.certificate, key: USER_SECRET_KEYS.key } },
            groupId: CONNECT_NAME,
            configStorageTopic: CONNECT_TOPICS.configs,
            offsetStorageTopic: CONNECT_TOPICS.offsets,
            statusStorageTopic: CONNECT_TOPICS.status,
            config: {
                // -1: the broker's default.replication.factor (replicationFor).
                "config.storage.replication.factor": -1,
                "offset.storage.replication.factor": -1,
                "status.storage.replication.factor": -1,
                "config.providers": SECRET_CONFIG_PROVIDER.prefix,
                [`config.providers.${SECRET_CONFIG_PROVIDER.prefix}.class`]: SECRET_CONFIG_PROVIDER.class,
            },
            resources: size.connect,
            jvmOptions: { "-Xms": size.connectHeap, "-Xmx": size.connectHeap },
            build: {
                // No pushSecret: the build pod's Pod Identity role may push to this repository only.
                output: { type: "docker", image: a.image },
                plugins: connectBuildPlugins(),
                resources: size.build,
            },
            template: {
                pod: { topologySpreadConstraints: zoneSpread({ "strimzi.io/cluster": CONNECT_NAME, "strimzi.io/kind": "KafkaConnect" }), ...extra.pod },
                ...extra.container,
            },
        },
    };
}

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
const acl = (type: Acl["resource"]["type"], name: string, operations: AclOperation[], patternType: Acl["resource"]["patternType"] = "literal"): Acl =>
    ({ resource: { type, name, patternType }, operations, host: "*" });

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
    return [
        ...Object.values(CONNECT_TOPICS).map((t) => acl("topic", t, ["Read", "Write", "Create", "Describe", "DescribeConfigs"])),
        groupRead(CONNECT_NAME),
    ];
}

/** A KafkaUser authenticated by a certificate of the clients CA, allowed exactly `acls`. */
export function kafkaUser(name: string, acls: Acl[]): CustomResourceObject {
    if (!acls.length) throw new Error(`KafkaUser ${name}: no ACL; a user that may do nothing is not needed`);
    return {
        apiVersion: apiVersions.strimzi,
        kind: "KafkaUser",
        metadata: { name, namespace: KAFKA_NAMESPACE, labels: { ...clusterLabel } },
        spec: {
            authentication: { type: "tls" },
            authorization: { type: "simple", acls },
        },
    };
}

// ---- AWS and RBAC for Connect ----

export const ECR_PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
];

/** The build pod may push to the Connect repository and nothing else (the token call has no resource). */
export function connectBuildPolicy(repositoryArn: string): PolicyDocument {
    return doc(
        wildcardOnly("EcrLogin", "ecr:GetAuthorizationToken"),
        { Sid: "PushConnectImage", Effect: "Allow", Action: ECR_PUSH_ACTIONS, Resource: repositoryArn },
    );
}

/**
 * Strimzi rebuilds push the same tag again (tags are MUTABLE); the superseded images become
 * untagged and expire, and at most 10 images are kept.
 */
export function ecrLifecyclePolicy(): Record<string, unknown> {
    return {
        rules: [
            {
                rulePriority: 1,
                description: "Expire untagged images (superseded Connect builds) after 7 days",
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: "Keep the 10 newest images",
                selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 },
                action: { type: "expire" },
            },
        ],
    };
}

/** `get` on the named Secrets only: what KubernetesSecretConfigProvider needs. */
export function secretReaderRules(secretNames: string[]): RbacRule[] {
    return [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: [...secretNames] }];
}
