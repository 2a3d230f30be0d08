// The customers realtime pipeline's names and sizes. Its pure builders: jobs.ts (the table Job, the
// simulator, the copy of ECK's CA for the sink, the Kibana data view Job), connectors.ts and
// streaming.ts (the SparkApplication); index.ts only wires them. No value here is a secret: credentials are
// Secret references (secretKeyRef, or `${secrets:<ns>/<name>:<key>}` for the connectors).
import { TOPICS } from "../../platform/kafka/values";
import { ES_HTTP_CA_KEY } from "../../platform/elastic/values";
import { ConnectSecretMount } from "../../platform/kafka/specs";
import { SIMULATOR_NAME } from "./jobs";
import { resources, NAMESPACE } from "../../platform/k8s/objects";

export const PART_OF = { "app.kubernetes.io/part-of": "bdok" } as const;

export const FILES = {
    sql: "realtime/customers.sql",
    roles: "realtime/roles.sql",
    simulator: "realtime/simulator.py",
    streaming: "realtime/streaming_job.py",
    kibana: "realtime/kibana_data_view.py",
    copySecretKey: "realtime/copy_secret_key.py",
} as const;

export const STREAMING_PREFIX = "spark-jobs/realtime";
export const STREAMING_APP = "customers-streaming";
export const CHECKPOINT_KEY = `spark-checkpoint/${TOPICS.transformed}/`;
/** The Iceberg sink's own checkpoint (its commits are keyed by this query's id). */
export const LAKE_CHECKPOINT_KEY = "spark-checkpoint/customers-lake/";
const CHECKPOINT_ROOT = "spark-checkpoint/";

/**
 * Where a checkpoint key lives for one generation of the topics (Kafka's TOPIC_GENERATION_ANNOTATION):
 * `spark-checkpoint/<generation>/<query>/`. Re-created topics start at offset 0 and come with a new
 * generation, so the queries start from empty checkpoints instead of failing on offsets that are
 * gone; the old generation's checkpoints stay in the lake, unused.
 */
export function checkpointUnder(generation: string, key: string): string {
    if (!key.startsWith(CHECKPOINT_ROOT)) throw new Error(`checkpoint key ${key}: allowed: a key under ${CHECKPOINT_ROOT}`);
    if (!/^[0-9a-f]+$/.test(generation)) throw new Error(`topic generation ${JSON.stringify(generation)}: allowed: a hex id`);
    return `${CHECKPOINT_ROOT}${generation}/${key.slice(CHECKPOINT_ROOT.length)}`;
}
/** Where driver and executors see Strimzi's cluster CA (the TLS listener's trust anchor). */
export const KAFKA_CA_MOUNT = "/etc/bdok/kafka-cluster-ca";
/** The streaming job's KafkaUser; its Secret (same name) holds the client keystore. */
export const STREAMING_USER = "customers-streaming";
/** Where driver and executors see the user's PKCS #12 keystore and its password (one Secret volume). */
export const KAFKA_USER_MOUNT = "/etc/bdok/kafka-user";
/** Spark's default prefix of the consumer groups it generates per query (option groupIdPrefix). */
export const SPARK_GROUP_PREFIX = "spark-kafka-source";

export const CONNECTORS = { source: "postgres-source", sink: "elasticsearch-sink" } as const;

/** The sink's index is named after its topic; the data view's pattern and time field follow. */
export const DATA_VIEW = { id: TOPICS.transformed, timeField: "dt_update" } as const;

/**
 * ECK's HTTP CA, copied into the kafka namespace for the Connect pods. The sink connector
 * (kafka-connect-elasticsearch 15.1.x) drops `elastic.https.ssl.truststore.type` whenever no
 * truststore *location* is set (ElasticsearchSinkConnectorConfig.sslConfigs), so an inline PEM
 * (`ssl.truststore.certificates` from the config provider) would be parsed as JKS and rejected:
 * it needs a PEM file. A pod cannot mount a Secret of another namespace, hence the copy, kept in
 * sync in-cluster (ECK rotates its CA) by the copy Job and an hourly CronJob (jobs.ts CA_COPY_SCHEDULE).
 */
export const ES_CA_COPY = {
    secret: "bdok-es-http-ca",
    key: ES_HTTP_CA_KEY,
    /** Strimzi mounts additional volumes under /mnt only. */
    connectVolume: "es-http-ca",
    connectMountPath: "/mnt/es-http-ca",
    serviceAccount: "bdok-es-ca-copy",
} as const;
export const ES_CA_FILE_IN_CONNECT = `${ES_CA_COPY.connectMountPath}/${ES_CA_COPY.key}`;

/** What the Kafka layer mounts into the Connect pods for the sink (KafkaArgs.connectSecretMounts). */
export function esCaConnectMount(): ConnectSecretMount {
    return { volume: ES_CA_COPY.connectVolume, secretName: ES_CA_COPY.secret, mountPath: ES_CA_COPY.connectMountPath };
}

export function realtimeResources(ha: boolean) {
    return {
        psql: resources("50m", "64Mi", "500m", "128Mi"),
        simulator: ha ? resources("100m", "128Mi", "500m", "256Mi") : resources("50m", "128Mi", "500m", "256Mi"),
        // Python (stdlib only) talking to one API.
        smallPython: resources("50m", "64Mi", "500m", "128Mi"),
    };
}

// ---------------------------------------------------------------------------------------------
// How to look at it

export function realtimeChecks(): Record<string, string> {
    const k = `kubectl -n ${NAMESPACE.kafka}`;
    return {
        connectors: `${k} get kafkaconnector ${CONNECTORS.source} ${CONNECTORS.sink}`,
        topics: `${k} get kafkatopic ${TOPICS.source} ${TOPICS.transformed}`,
        streaming: `${k} get sparkapplication ${STREAMING_APP}`,
        simulatorLogs: `${k} logs deploy/${SIMULATOR_NAME} --tail=20`,
    };
}
