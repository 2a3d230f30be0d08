// Kafka on Kubernetes (Strimzi, KRaft): the names other layers rely on, sizing and the operator's
// values. The Kafka cluster, node pool, topics and Connect are in specs.ts, users and ACLs in
// users.ts, Connect's AWS policies in iam.ts.
import { digestOf, images } from "../../versions";
import { bookNames } from "../../lib/naming";
import { RDS_CA_FILE } from "../../lib/rds-ca";
import { Resources, resources, NAMESPACE } from "../k8s/objects";

// ---- Names other components and the pipelines use (Strimzi derives the rest from them) ----
export const KAFKA_NAME = "bdok";
/** profile small: one node that is controller and broker (its quorum of one never changes). */
export const NODE_POOL_NAME = "dual-role";
/** profile ha: a fixed controller quorum in its own pool, and a broker pool that scales with kafka.brokers. */
export const CONTROLLER_POOL_NAME = "controllers";
export const BROKER_POOL_NAME = "brokers";
/**
 * Strimzi 1.2.0 runs static KRaft quorums only: a pool with the controller role cannot be scaled,
 * added or removed (documentation/assemblies/deploying/assembly-kraft-mode.adoc:76-89), so the
 * quorum is sized once, for one node lost per zone-spread trio.
 */
export const CONTROLLER_QUORUM = 3;
/**
 * Broker counts per profile. small: its dual-role pool is the controller quorum, which cannot be
 * scaled, so one broker. ha: from 3 brokers replication is 3 / min.insync 2 (replicationFor), so
 * adding or removing brokers never changes a topic's replicas or min.insync.replicas.
 */
export const BROKERS_ALLOWED = { small: { min: 1, max: 1 }, ha: { min: 3, max: 9 } } as const;

/** Why `kafka.brokers` cannot be this with this profile, naming the way to get it; undefined when it can. */
export function brokersIssue(profile: keyof typeof BROKERS_ALLOWED, brokers: number): string | undefined {
    const { min, max } = BROKERS_ALLOWED[profile];
    if (brokers >= min && brokers <= max) return undefined;
    const why =
        profile === "small"
            ? "the small profile's one node is also Kafka's controller, and Strimzi cannot scale a node pool with the controller role (a static KRaft quorum); " +
              'for more brokers use profile ha, on a new stack (docs/operations.md, "Kafka brokers")'
            : "from 3 brokers on, topics keep replication 3 and min.insync.replicas 2 whatever the count, so brokers can be added or removed without changing a topic";
    return `bdok:kafka.brokers: got ${brokers} with profile ${profile}; allowed: ${min === max ? min : `${min} to ${max}`} (${why})`;
}
export const TLS_LISTENER = { name: "tls", port: 9093 } as const;
/** Strimzi's `<cluster>-kafka-bootstrap` service. */
export const BOOTSTRAP_SERVICE = `${KAFKA_NAME}-kafka-bootstrap`;
/** TLS bootstrap address, valid from any namespace (the broker certificates carry the .svc name). */
export const BOOTSTRAP_SERVERS_TLS = `${BOOTSTRAP_SERVICE}.${NAMESPACE.kafka}.svc:${TLS_LISTENER.port}`;
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
 * The topics' generation (annotation on every KafkaTopic): a random id created and deleted with
 * the topics, so a checkpoint path that includes it is new whenever the topics are new (a pipeline
 * turned off and on, a destroy and up) and never points at offsets of topics that are gone.
 */
export const TOPIC_GENERATION_ANNOTATION = "bdok.io/topic-generation";

export const TOPICS = { source: bookNames.topics.source, transformed: bookNames.topics.transformed } as const;

/** Strimzi's KubernetesSecretConfigProvider, registered under the prefix `secrets`. */
export const SECRET_CONFIG_PROVIDER = { prefix: "secrets", class: "io.strimzi.kafka.KubernetesSecretConfigProvider" } as const;

/** A connector config value resolved from a Kubernetes Secret at runtime: `${secrets:<ns>/<name>:<key>}`. */
export function secretRef(namespace: string, secret: string, key: string): string {
    return `\${${SECRET_CONFIG_PROVIDER.prefix}:${namespace}/${secret}:${key}}`;
}

/**
 * RDS enforces TLS (rds.force_ssl=1); pgjdbc's verify-full checks RDS's certificate and host name
 * against `sslrootcert`, the RDS CA bundle mounted in Connect (a PEM file; pgjdbc's LibPQFactory).
 */
export function jdbcUrl(host: string, port: number, database = POSTGRES_DATABASE): string {
    return `jdbc:postgresql://${host}:${port}/${database}?sslmode=verify-full&sslrootcert=${RDS_CA_FILE}`;
}

/** The label that puts a Strimzi resource in this cluster. */
export const clusterLabel = { "strimzi.io/cluster": KAFKA_NAME };

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

/** Memory request = limit: the JVMs size their heap from it. */
const res = (cpuReq: string, cpuLim: string, memory: string): Resources => resources(cpuReq, memory, cpuLim, memory);

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
    /** ha only: the dedicated controllers and Cruise Control. */
    controller?: Resources;
    controllerHeap?: string;
    controllerStorageGiB?: number;
    cruiseControl?: Resources;
    /** The Kafka Exporter (consumer lag), with observability on. */
    kafkaExporter: Resources;
}

/** Requests and limits of every Kafka workload (memory request = limit: no overcommit for JVMs). */
export function kafkaSizing(ha: boolean): KafkaSizing {
    return ha
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
              // Controllers hold the metadata log only: small heap, small volume.
              controller: res("250m", "1", "2Gi"),
              controllerHeap: "1g",
              controllerStorageGiB: 20,
              cruiseControl: res("250m", "1", "1Gi"),
              kafkaExporter: res("50m", "500m", "128Mi"),
          }
        : {
              operator: res("200m", "1", "384Mi"),
              operatorReplicas: 1,
              // One dev broker with a trickle of change events: half the container is heap, the rest page cache.
              broker: res("250m", "1", "1536Mi"),
              brokerHeap: "768m",
              topicOperator: res("50m", "500m", "256Mi"),
              userOperator: res("50m", "500m", "256Mi"),
              connect: res("250m", "1", "1536Mi"),
              connectHeap: "1g",
              connectReplicas: 1,
              build: res("250m", "1", "2Gi"),
              kafkaExporter: res("5m", "200m", "64Mi"),
          };
}

// ---- Operator ----

/**
 * Values for the strimzi-kafka-operator chart (keys checked against its values.yaml by the tests).
 * The operator watches only its own namespace. Connect builds use Kaniko instead of Buildah (the
 * 1.x default): Kaniko authenticates to ECR by itself through the AWS SDK chain, i.e. the build
 * pod's Pod Identity role, so no registry password Secret exists; Buildah would need a pushSecret.
 */
export function strimziValues(ha: boolean): Record<string, unknown> {
    const size = kafkaSizing(ha);
    return {
        replicas: size.operatorReplicas,
        watchNamespaces: [],
        watchAnyNamespace: false,
        featureGates: "-UseConnectBuildWithBuildah",
        resources: size.operator,
        podDisruptionBudget: { enabled: size.operatorReplicas > 1 },
        ...strimziImageDigests(),
    };
}

/**
 * Every image the operator runs or hands out, by digest: the chart's `strimzi.image` helper
 * (templates/_helpers.tpl) writes `<repo>@<digest>` when `<key>.image.digest` is set. The per-version
 * Kafka maps (kafka, kafkaConnect, kafkaMirrorMaker2) would give every version one digest, so the
 * Kafka and KafkaConnect resources name their image themselves (kafkaCluster, kafkaConnect); Kafka
 * Exporter and Cruise Control run the Kafka image of apps.kafka, as the chart's tag suffix says.
 */
function strimziImageDigests(): Record<string, { digest: string } | { image: { digest: string } }> {
    const s = images.strimzi;
    const keys: Record<string, string> = {
        topicOperator: s.operator,
        userOperator: s.operator,
        kafkaInit: s.operator,
        kafkaExporter: s.kafka,
        cruiseControl: s.kafka,
        kanikoExecutor: s.kanikoExecutor,
        mavenBuilder: s.mavenBuilder,
        buildah: s.buildah,
        kafkaBridge: s.kafkaBridge,
    };
    return {
        // The operator's own image is `image`, the others `<key>.image`.
        image: { digest: digestOf(s.operator) },
        ...Object.fromEntries(Object.entries(keys).map(([k, image]) => [k, { image: { digest: digestOf(image) } }])),
    };
}
