// The customers realtime pipeline as pure data: the table Job, the simulator, both connectors,
// the streaming SparkApplication, the copy of ECK's CA for the sink, and the Kibana data view Job.
// components/pipelines/realtime.ts only wires them. No value here is a secret: credentials are
// Secret references (secretKeyRef, or `${secrets:<ns>/<name>:<key>}` for the connectors).
import type { StackConfig } from "../../config";
import { ES_ELASTIC_USER_KEY, ES_ELASTIC_USER_SECRET, ES_HTTP_CA_KEY, ES_HTTP_CA_SECRET, ES_SINK, ES_URL, ELASTIC_NAMESPACE, KIBANA_HTTP_CA_SECRET, KIBANA_URL } from "../../platform/elastic/values";
import { Acl, USER_SECRET_KEYS, groupRead, sinkConnectorGroup, topicRead, topicWrite } from "../../platform/kafka/users";
import { BOOTSTRAP_SERVERS_TLS, CLUSTER_CA_KEY, CLUSTER_CA_SECRET, CONNECT_NAME, KAFKA_NAMESPACE, POSTGRES_CONNECT_KEYS, POSTGRES_CONNECT_SECRET, POSTGRES_DATABASE, POSTGRES_SOURCE_ROLE, TOPICS, jdbcUrl, secretRef } from "../../platform/kafka/values";
import { ConnectSecretMount } from "../../platform/kafka/specs";
import { SparkApplication, sparkApplicationSpec } from "../../platform/spark-operator/specs";
import { apiVersions, sparkPackages } from "../../versions";
import { JobUpload, jobUpload, s3a } from "./files";

export const REALTIME_NAMESPACE = KAFKA_NAMESPACE;
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
/** Where driver and executors see Strimzi's cluster CA (the TLS listener's trust anchor). */
export const KAFKA_CA_MOUNT = "/etc/bdok/kafka-cluster-ca";
/** The streaming job's KafkaUser; its Secret (same name) holds the client keystore. */
export const STREAMING_USER = "customers-streaming";
/** Where driver and executors see the user's PKCS #12 keystore. */
export const KAFKA_USER_MOUNT = "/etc/bdok/kafka-user";
/** The keystore password reaches the driver as this variable only (never in the spec or arguments). */
export const KAFKA_USER_PASSWORD_ENV = "KAFKA_USER_P12_PASSWORD";
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
 * sync in-cluster (ECK rotates its CA) by the copy Job and a daily CronJob.
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

export interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}
const res = (cpuReq: string, memReq: string, cpuLim: string, memory: string): Resources =>
    ({ requests: { cpu: cpuReq, memory: memReq }, limits: { cpu: cpuLim, memory } });

export function realtimeResources(isProd: boolean) {
    return {
        psql: res("50m", "64Mi", "500m", "128Mi"),
        simulator: isProd ? res("100m", "128Mi", "500m", "256Mi") : res("50m", "128Mi", "500m", "256Mi"),
        // Python (stdlib only) talking to one API.
        smallPython: res("50m", "64Mi", "500m", "128Mi"),
    };
}

// ---------------------------------------------------------------------------------------------
// Pod building blocks

const secretEnv = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

const hardened = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

/** The apache/airflow image's user (uid 50000, gid 0): Python 3 and psycopg2, no root. */
const airflowImageUser = { runAsNonRoot: true, runAsUser: 50000, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } };
/** postgres:*-alpine's `postgres` user. */
const postgresImageUser = { runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, seccompProfile: { type: "RuntimeDefault" } };

/** A ConfigMap's keys mounted read-only at `path`. */
function configMapVolume(volume: string, configMap: string) {
    return { name: volume, configMap: { name: configMap, defaultMode: 0o444 } };
}

/**
 * PostgreSQL logins of the pipeline, each in its own Secret (keys username, password) of the kafka
 * namespace: the master user only for the table Job, which creates the two others (roles.sql).
 */
export const POSTGRES_LOGINS = {
    admin: { secret: "bdok-postgres-admin" },
    source: { secret: POSTGRES_CONNECT_SECRET, role: POSTGRES_SOURCE_ROLE },
    simulator: { secret: "bdok-postgres-simulator", role: "bdok_simulator" },
} as const;

/** libpq settings for RDS: TLS required (rds.force_ssl=1), credentials from the login's Secret. */
export function postgresEnv(host: string, port: number, secret: string) {
    return [
        { name: "PGHOST", value: host },
        { name: "PGPORT", value: String(port) },
        { name: "PGDATABASE", value: POSTGRES_DATABASE },
        { name: "PGSSLMODE", value: "require" },
        { name: "PGCONNECT_TIMEOUT", value: "10" },
        secretEnv("PGUSER", secret, POSTGRES_CONNECT_KEYS.username),
        secretEnv("PGPASSWORD", secret, POSTGRES_CONNECT_KEYS.password),
    ];
}

/** A finished Job is garbage-collected after a day; its successor (new content) has a new name. */
export const JOB_TTL_SECONDS = 86400;

function jobSpec<P extends object>(name: string, podSpec: P, backoffLimit: number, activeDeadlineSeconds: number) {
    return {
        backoffLimit,
        activeDeadlineSeconds,
        ttlSecondsAfterFinished: JOB_TTL_SECONDS,
        template: {
            metadata: { labels: { "app.kubernetes.io/name": name, ...PART_OF } },
            spec: { restartPolicy: "Never", automountServiceAccountToken: false, ...podSpec },
        },
    };
}

// ---------------------------------------------------------------------------------------------
// (1) public.customers

export interface TableJobArgs {
    host: string;
    port: number;
    image: string;
    /** ConfigMap holding customers.sql */
    sqlConfigMap: string;
    isProd: boolean;
}

export const SQL_MOUNT = "/opt/bdok/sql";

/** The psql command of the table Job: the table, then the roles (both idempotent), as the master user. */
export function tableJobCommand(sqlDir: string): string {
    return `psql -X -v ON_ERROR_STOP=1 -v source_role=${POSTGRES_LOGINS.source.role} -v simulator_role=${POSTGRES_LOGINS.simulator.role} ` +
        `-f ${sqlDir}/customers.sql -f ${sqlDir}/roles.sql`;
}

/** Runs customers.sql and roles.sql once RDS answers; fails the pod on any SQL error. */
export function tableJobSpec(a: TableJobArgs) {
    const script = [
        "set -eu",
        `until pg_isready -q; do echo "waiting for $PGHOST:$PGPORT"; sleep 5; done`,
        tableJobCommand(SQL_MOUNT),
        `echo "table public.customers and its roles ready"`,
    ].join("\n");
    return jobSpec("customers-table", {
        securityContext: postgresImageUser,
        volumes: [configMapVolume("sql", a.sqlConfigMap)],
        containers: [{
            name: "psql",
            image: a.image,
            command: ["sh", "-c", script],
            env: [
                ...postgresEnv(a.host, a.port, POSTGRES_LOGINS.admin.secret),
                secretEnv("SOURCE_PASSWORD", POSTGRES_LOGINS.source.secret, POSTGRES_CONNECT_KEYS.password),
                secretEnv("SIMULATOR_PASSWORD", POSTGRES_LOGINS.simulator.secret, POSTGRES_CONNECT_KEYS.password),
            ],
            volumeMounts: [{ name: "sql", mountPath: SQL_MOUNT, readOnly: true }],
            resources: realtimeResources(a.isProd).psql,
            securityContext: hardened,
        }],
    }, 6, 900);
}

// ---------------------------------------------------------------------------------------------
// (2) the simulator

export interface SimulatorArgs {
    host: string;
    port: number;
    image: string;
    scriptConfigMap: string;
    rowsPerSecond: number;
    /** sha256 of simulator.py: a pod annotation, so a new script rolls the pod. */
    scriptHash: string;
    isProd: boolean;
}

export const SCRIPT_MOUNT = "/opt/bdok/scripts";
export const SIMULATOR_NAME = "customers-simulator";

export function simulatorDeploymentSpec(a: SimulatorArgs) {
    const labels = { "app.kubernetes.io/name": SIMULATOR_NAME, ...PART_OF };
    return {
        replicas: 1,
        // Never two writers at once (the rate is per pod).
        strategy: { type: "Recreate" },
        selector: { matchLabels: { "app.kubernetes.io/name": SIMULATOR_NAME } },
        template: {
            metadata: { labels, annotations: { "bdok.io/script-sha256": a.scriptHash } },
            spec: {
                automountServiceAccountToken: false,
                securityContext: airflowImageUser,
                // SIGTERM ends the loop after the current insert.
                terminationGracePeriodSeconds: 30,
                volumes: [configMapVolume("scripts", a.scriptConfigMap)],
                containers: [{
                    name: "simulator",
                    image: a.image,
                    // Bypasses the Airflow entrypoint: plain Python with the image's psycopg2.
                    command: ["python", `${SCRIPT_MOUNT}/simulator.py`],
                    env: [
                        ...postgresEnv(a.host, a.port, POSTGRES_LOGINS.simulator.secret),
                        { name: "SIM_ROWS_PER_SECOND", value: String(a.rowsPerSecond) },
                        { name: "SIM_MAX_ROWS", value: "0" },
                        { name: "PYTHONUNBUFFERED", value: "1" },
                        { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
                    ],
                    volumeMounts: [{ name: "scripts", mountPath: SCRIPT_MOUNT, readOnly: true }],
                    resources: realtimeResources(a.isProd).simulator,
                    securityContext: hardened,
                }],
            },
        },
    };
}

// ---------------------------------------------------------------------------------------------
// (3) + (5) connectors

export interface CustomResourceObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string; labels?: Record<string, string> };
    spec: Record<string, any>;
}

const jsonConverters = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": "true",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "true",
};

function connector(name: string, cls: string, config: Record<string, string>): CustomResourceObject {
    return {
        apiVersion: apiVersions.strimzi,
        kind: "KafkaConnector",
        metadata: { name, namespace: KAFKA_NAMESPACE, labels: { "strimzi.io/cluster": CONNECT_NAME, ...PART_OF } },
        spec: {
            class: cls,
            tasksMax: 1,
            // A task failing while a dependency starts (RDS, Elasticsearch) is restarted by Strimzi.
            autoRestart: { enabled: true },
            state: "running",
            config,
        },
    };
}

/**
 * JDBC source on public.customers in timestamp mode (dt_update). Table mode names the topic
 * `topic.prefix + table` ("src-" + "customers"), the book's `src-customers`; the book's `query`
 * mode would not combine with table.whitelist. Credentials come from the Secret at runtime.
 */
export function jdbcSourceConnector(host: string, port: number): CustomResourceObject {
    const table = { schema: "public", name: "customers" };
    const prefix = "src-";
    if (`${prefix}${table.name}` !== TOPICS.source) throw new Error(`topic ${prefix}${table.name} is not ${TOPICS.source}`);
    return connector(CONNECTORS.source, "io.confluent.connect.jdbc.JdbcSourceConnector", {
        ...jsonConverters,
        "connection.url": jdbcUrl(host, port),
        "connection.user": secretRef(KAFKA_NAMESPACE, POSTGRES_CONNECT_SECRET, POSTGRES_CONNECT_KEYS.username),
        "connection.password": secretRef(KAFKA_NAMESPACE, POSTGRES_CONNECT_SECRET, POSTGRES_CONNECT_KEYS.password),
        "connection.attempts": "10",
        "connection.backoff.ms": "10000",
        "dialect.name": "PostgreSqlDatabaseDialect",
        "schema.pattern": table.schema,
        "table.whitelist": `${table.schema}.${table.name}`,
        "mode": "timestamp",
        "timestamp.column.name": DATA_VIEW.timeField,
        // customers.sql keeps dt_update in UTC.
        "db.timezone": "UTC",
        "topic.prefix": prefix,
        "poll.interval.ms": "5000",
    });
}

/**
 * Elasticsearch sink over TLS, as its own file-realm user (ES_SINK, esSinkRoles) by reference, ECK's CA as a PEM file
 * (ES_CA_COPY), hostname verification on (ECK's certificate names the service). key.ignore=false:
 * the streaming job keys each message with the customer id, so re-deliveries overwrite.
 */
/**
 * The sink's Elasticsearch role (roles.yml): the version check at start (cluster monitor), then on
 * its one index: create it, read its mapping, write documents (write covers the mapping update).
 */
export function esSinkRoles(): Record<string, unknown> {
    return {
        [ES_SINK.role]: {
            cluster: ["monitor"],
            indices: [{ names: [DATA_VIEW.id], privileges: ["create_index", "view_index_metadata", "write"] }],
        },
    };
}

export function elasticsearchSinkConnector(): CustomResourceObject {
    return connector(CONNECTORS.sink, "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector", {
        ...jsonConverters,
        "topics": TOPICS.transformed,
        "connection.url": ES_URL,
        "connection.username": secretRef(ELASTIC_NAMESPACE, ES_SINK.userSecret, "username"),
        "connection.password": secretRef(ELASTIC_NAMESPACE, ES_SINK.userSecret, "password"),
        "elastic.security.protocol": "SSL",
        "elastic.https.ssl.truststore.type": "PEM",
        "elastic.https.ssl.truststore.location": ES_CA_FILE_IN_CONNECT,
        "key.ignore": "false",
        "schema.ignore": "false",
        "behavior.on.null.values": "ignore",
        "max.retries": "10",
        "retry.backoff.ms": "1000",
    });
}

// ---------------------------------------------------------------------------------------------
// (4) the streaming SparkApplication

export function streamingUpload(read?: (relative: string) => string | Buffer): JobUpload {
    return jobUpload(FILES.streaming, STREAMING_PREFIX, read);
}

/** Arguments of streaming_job.py (pipelines/README.md). */
export function streamingArguments(lakeBucket: string): string[] {
    return [
        "--bootstrap-servers", BOOTSTRAP_SERVERS_TLS,
        "--checkpoint", s3a(lakeBucket, CHECKPOINT_KEY),
        "--source-topic", TOPICS.source,
        "--target-topic", TOPICS.transformed,
        "--starting-offsets", "earliest",
        "--kafka-option", "security.protocol=SSL",
        "--kafka-option", "ssl.truststore.type=PEM",
        "--kafka-option", `ssl.truststore.location=${KAFKA_CA_MOUNT}/${CLUSTER_CA_KEY}`,
        // Mutual TLS as STREAMING_USER.
        "--kafka-option", "ssl.keystore.type=PKCS12",
        "--kafka-option", `ssl.keystore.location=${KAFKA_USER_MOUNT}/${USER_SECRET_KEYS.p12}`,
        "--kafka-option-from-env", `ssl.keystore.password=${KAFKA_USER_PASSWORD_ENV}`,
    ];
}

/** The streaming job reads the source topic and writes the transformed one, in its own groups. */
export function streamingAcls(): Acl[] {
    return [topicRead(TOPICS.source), topicWrite(TOPICS.transformed), groupRead(SPARK_GROUP_PREFIX, "prefix")];
}

/** What the connectors add to Connect's user: the JDBC source writes, the sink reads in its group. */
export function connectorAcls(): Acl[] {
    return [topicWrite(TOPICS.source), topicRead(TOPICS.transformed), groupRead(sinkConnectorGroup(CONNECTORS.sink))];
}

/**
 * The streaming query's own size: it runs all the time on a trickle of rows (the simulator's rate),
 * so it does not take the batch jobs' executors (config.spark). One task slot per pod (cores 1),
 * but a fraction of a CPU requested: the pods idle between micro-batches.
 */
export function streamingSizing(isProd: boolean) {
    return {
        executors: isProd ? 2 : 1,
        executorMemory: "1g",
        driverMemory: "1g",
        driverCoreRequest: "250m",
        executorCoreRequest: isProd ? "500m" : "250m",
    };
}

export interface StreamingArgs {
    lakeBucket: string;
    config: StackConfig;
    /** sha256 of streaming_job.py: in the spec, so new code makes the operator resubmit. */
    codeHash: string;
}

/**
 * Spark Structured Streaming, src-customers → customers-transformed, checkpoints in the lake.
 * restartPolicy Always: a streaming query that stops, fails or cannot be submitted is started
 * again, with a linear back-off (the operator multiplies the interval by the attempt count).
 */
export function streamingSparkApplication(a: StreamingArgs): SparkApplication {
    const upload = streamingUpload(() => "");
    const size = streamingSizing(a.config.isProd);
    const app = sparkApplicationSpec({
        name: STREAMING_APP,
        namespace: "kafka",
        mainApplicationFile: s3a(a.lakeBucket, upload.key),
        arguments: streamingArguments(a.lakeBucket),
        packages: [sparkPackages.kafka],
        sizing: { executors: size.executors, executorMemory: size.executorMemory },
        driverMemory: size.driverMemory,
        region: a.config.region,
        restartPolicy: { type: "Always", onFailureRetryInterval: 30, onSubmissionFailureRetryInterval: 60 },
        labels: { "app.kubernetes.io/component": "customers-realtime" },
    });
    const mount = { name: "kafka-cluster-ca", mountPath: KAFKA_CA_MOUNT, readOnly: true };
    const user = { name: "kafka-user", mountPath: KAFKA_USER_MOUNT, readOnly: true };
    app.spec.volumes = [
        { name: mount.name, secret: { secretName: CLUSTER_CA_SECRET, items: [{ key: CLUSTER_CA_KEY, path: CLUSTER_CA_KEY }] } },
        { name: user.name, secret: { secretName: STREAMING_USER, items: [{ key: USER_SECRET_KEYS.p12, path: USER_SECRET_KEYS.p12 }] } },
    ];
    app.spec.driver = {
        ...app.spec.driver,
        coreRequest: size.driverCoreRequest,
        volumeMounts: [mount, user],
        env: [secretEnv(KAFKA_USER_PASSWORD_ENV, STREAMING_USER, USER_SECRET_KEYS.password)],
        annotations: { "bdok.io/code-sha256": a.codeHash },
    };
    app.spec.executor = { ...app.spec.executor, coreRequest: size.executorCoreRequest, volumeMounts: [mount, user] };
    return app;
}

// ---------------------------------------------------------------------------------------------
// ECK's CA for the sink (see ES_CA_COPY)

export interface RbacRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
    resourceNames?: string[];
}

/** Read ECK's public CA Secret, nothing else (a Role in the elastic namespace). */
export function caSourceRules(): RbacRule[] {
    return [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: [ES_HTTP_CA_SECRET] }];
}

/** Update the copy, nothing else (a Role in the kafka namespace; the copy is created by Pulumi). */
export function caTargetRules(): RbacRule[] {
    return [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "patch"], resourceNames: [ES_CA_COPY.secret] }];
}

export interface CopyPodArgs {
    image: string;
    scriptConfigMap: string;
    isProd: boolean;
}

function caCopyPod(a: CopyPodArgs) {
    return {
        serviceAccountName: ES_CA_COPY.serviceAccount,
        // The script calls the Kubernetes API with this account's token.
        automountServiceAccountToken: true,
        securityContext: airflowImageUser,
        volumes: [configMapVolume("scripts", a.scriptConfigMap)],
        containers: [{
            name: "copy",
            image: a.image,
            command: ["python", `${SCRIPT_MOUNT}/copy_secret_key.py`],
            env: [
                { name: "SOURCE_NAMESPACE", value: ELASTIC_NAMESPACE },
                { name: "SOURCE_SECRET", value: ES_HTTP_CA_SECRET },
                { name: "SOURCE_KEY", value: ES_HTTP_CA_KEY },
                { name: "TARGET_NAMESPACE", value: KAFKA_NAMESPACE },
                { name: "TARGET_SECRET", value: ES_CA_COPY.secret },
                { name: "TARGET_KEY", value: ES_CA_COPY.key },
                // ECK creates the CA once Elasticsearch is reconciled: wait up to 20 minutes.
                { name: "COPY_ATTEMPTS", value: "120" },
                { name: "COPY_RETRY_SECONDS", value: "10" },
                { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
            ],
            volumeMounts: [{ name: "scripts", mountPath: SCRIPT_MOUNT, readOnly: true }],
            resources: realtimeResources(a.isProd).smallPython,
            securityContext: hardened,
        }],
    };
}

/** The first copy: `pulumi up` waits for it before it creates the sink connector. */
export function caCopyJobSpec(a: CopyPodArgs) {
    const spec = jobSpec("es-ca-copy", caCopyPod(a), 3, 1800);
    return spec;
}

/** Daily re-copy: ECK renews its CA before expiry; a failing sink task is restarted by Strimzi. */
export function caCopyCronJobSpec(a: CopyPodArgs) {
    return {
        schedule: "17 3 * * *",
        concurrencyPolicy: "Forbid",
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: { spec: jobSpec("es-ca-copy", caCopyPod(a), 3, 1800) },
    };
}

// ---------------------------------------------------------------------------------------------
// (6) the Kibana data view

export const KIBANA_CA_MOUNT = "/etc/bdok/kibana-ca";

export interface KibanaJobArgs {
    image: string;
    scriptConfigMap: string;
    isProd: boolean;
}

/** Runs in the elastic namespace: the Kibana CA and the elastic user's Secret live there. */
export function kibanaDataViewJobSpec(a: KibanaJobArgs) {
    return jobSpec("kibana-data-view", {
        securityContext: airflowImageUser,
        volumes: [
            configMapVolume("scripts", a.scriptConfigMap),
            { name: "kibana-ca", secret: { secretName: KIBANA_HTTP_CA_SECRET, items: [{ key: ES_HTTP_CA_KEY, path: ES_HTTP_CA_KEY }] } },
        ],
        containers: [{
            name: "data-view",
            image: a.image,
            command: ["python", `${SCRIPT_MOUNT}/kibana_data_view.py`],
            env: [
                { name: "KIBANA_URL", value: KIBANA_URL },
                { name: "KIBANA_CA_FILE", value: `${KIBANA_CA_MOUNT}/${ES_HTTP_CA_KEY}` },
                { name: "ES_USERNAME", value: "elastic" },
                secretEnv("ES_PASSWORD", ES_ELASTIC_USER_SECRET, ES_ELASTIC_USER_KEY),
                { name: "KIBANA_ATTEMPTS", value: "90" },
                { name: "KIBANA_RETRY_SECONDS", value: "10" },
                { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
            ],
            volumeMounts: [
                { name: "scripts", mountPath: SCRIPT_MOUNT, readOnly: true },
                { name: "kibana-ca", mountPath: KIBANA_CA_MOUNT, readOnly: true },
            ],
            resources: realtimeResources(a.isProd).smallPython,
            securityContext: hardened,
        }],
    }, 3, 1800);
}

// ---------------------------------------------------------------------------------------------
// How to look at it

export function realtimeChecks(): Record<string, string> {
    const k = `kubectl -n ${KAFKA_NAMESPACE}`;
    return {
        connectors: `${k} get kafkaconnector ${CONNECTORS.source} ${CONNECTORS.sink}`,
        topics: `${k} get kafkatopic ${TOPICS.source} ${TOPICS.transformed}`,
        streaming: `${k} get sparkapplication ${STREAMING_APP}`,
        simulatorLogs: `${k} logs deploy/${SIMULATOR_NAME} --tail=20`,
    };
}
