import { JobUpload, jobUpload, s3a } from "../files";
import { BOOTSTRAP_SERVERS_TLS, CLUSTER_CA_KEY, CLUSTER_CA_SECRET, TOPICS } from "../../platform/kafka/values";
import { Acl, USER_SECRET_KEYS, groupRead, sinkConnectorGroup, topicRead, topicWrite } from "../../platform/kafka/users";
import type { StackConfig } from "../../config";
import { SparkApplication, sparkApplicationSpec } from "../../platform/spark-operator/specs";
import { sparkPackages } from "../../versions";
import { ICEBERG_PACKAGES, lakeDeps } from "../lake";
import {
    CHECKPOINT_KEY,
    LAKE_CHECKPOINT_KEY,
    checkpointUnder,
    CONNECTORS,
    FILES,
    KAFKA_CA_MOUNT,
    KAFKA_USER_MOUNT,
    SPARK_GROUP_PREFIX,
    STREAMING_APP,
    STREAMING_PREFIX,
    STREAMING_USER,
} from "./values";
import { NAMESPACE } from "../../platform/k8s/objects";

// ---------------------------------------------------------------------------------------------
// (4) the streaming SparkApplication

export function streamingUpload(read?: (relative: string) => string | Buffer): JobUpload {
    return jobUpload(FILES.streaming, STREAMING_PREFIX, read);
}

export interface StreamingLake {
    bucket: string;
    region: string;
    /** Glue database of the realtime namespace (the customers table). */
    database: string;
    /** Trigger interval of both sinks: one Iceberg commit per interval (bdok:lake.commitInterval). */
    commitInterval: string;
    /** The topics' generation: the checkpoints live under it (checkpointUnder). */
    topicGeneration: string;
    /** Spark's Kafka source option (bdok:lake.failOnDataLoss): stop, or skip, when offsets are gone. */
    failOnDataLoss: boolean;
    /** The API producer's topic and its query's checkpoint key, when that pipeline is on (pipelines/api). */
    api?: { topic: string; checkpointKey: string };
}

/** Arguments of streaming_job.py (pipelines/README.md). */
export function streamingArguments(lake: StreamingLake): string[] {
    return [
        "--bootstrap-servers",
        BOOTSTRAP_SERVERS_TLS,
        "--bucket",
        lake.bucket,
        "--region",
        lake.region,
        "--checkpoint",
        s3a(lake.bucket, checkpointUnder(lake.topicGeneration, CHECKPOINT_KEY)),
        "--lake-database",
        lake.database,
        "--lake-checkpoint",
        s3a(lake.bucket, checkpointUnder(lake.topicGeneration, LAKE_CHECKPOINT_KEY)),
        "--commit-interval",
        lake.commitInterval,
        "--source-topic",
        TOPICS.source,
        "--target-topic",
        TOPICS.transformed,
        "--starting-offsets",
        "earliest",
        "--fail-on-data-loss",
        String(lake.failOnDataLoss),
        "--kafka-option",
        "security.protocol=SSL",
        "--kafka-option",
        "ssl.truststore.type=PEM",
        "--kafka-option",
        `ssl.truststore.location=${KAFKA_CA_MOUNT}/${CLUSTER_CA_KEY}`,
        // Mutual TLS as STREAMING_USER.
        "--kafka-option",
        "ssl.keystore.type=PKCS12",
        "--kafka-option",
        `ssl.keystore.location=${KAFKA_USER_MOUNT}/${USER_SECRET_KEYS.p12}`,
        // The password from the same mounted Secret, read once by the driver: an environment
        // variable would keep the first password while the kubelet updates the keystore beside it.
        "--kafka-option-from-file",
        `ssl.keystore.password=${KAFKA_USER_MOUNT}/${USER_SECRET_KEYS.password}`,
        // Strimzi renews the keystore with a new password (streaming_job.py FileWatch): the driver
        // exits when either file changes, and restartPolicy Always starts it with the new pair
        // (kubeflow/spark-operator v2 pkg/util/sparkapplication.go ShouldRetry: Always retries
        // a succeeding and a failing application alike).
        "--restart-on-change",
        `${KAFKA_USER_MOUNT}/${USER_SECRET_KEYS.p12}`,
        "--restart-on-change",
        `${KAFKA_USER_MOUNT}/${USER_SECRET_KEYS.password}`,
        // A third query: the API producer's topic into the api_users table.
        ...(lake.api
            ? ["--api-topic", lake.api.topic, "--api-checkpoint", s3a(lake.bucket, checkpointUnder(lake.topicGeneration, lake.api.checkpointKey))]
            : []),
    ];
}

/** The streaming job reads the source topic and writes the transformed one, in its own groups. */
export function streamingAcls(apiTopic?: string): Acl[] {
    return [
        topicRead(TOPICS.source),
        topicWrite(TOPICS.transformed),
        groupRead(SPARK_GROUP_PREFIX, "prefix"),
        // With the API producer on, it reads that topic too (its API query).
        ...(apiTopic ? [topicRead(apiTopic)] : []),
    ];
}

/** What the connectors add to Connect's user: the JDBC source writes, the sink reads in its group. */
export function connectorAcls(): Acl[] {
    return [topicWrite(TOPICS.source), topicRead(TOPICS.transformed), groupRead(sinkConnectorGroup(CONNECTORS.sink))];
}

/**
 * The streaming query's size: bdok:spark.executors executors; its pods' memory is its own, not the
 * batch jobs' executorMemory: it runs all the time on a trickle of rows (the simulator's rate). One
 * task slot per pod (cores 1), but a fraction of a CPU requested: the pods idle between micro-batches.
 */
export function streamingSizing(ha: boolean, executors: number) {
    return {
        executors,
        executorMemory: "1g",
        driverMemory: "1g",
        driverCoreRequest: "250m",
        executorCoreRequest: ha ? "500m" : "250m",
    };
}

export interface StreamingArgs {
    lakeBucket: string;
    /** Glue database of the realtime namespace. */
    lakeDatabase: string;
    config: Pick<StackConfig, "ha" | "region" | "lake" | "spark">;
    /** The topics' generation (Kafka component's topicGeneration). */
    topicGeneration: string;
    /** The API producer's topic and checkpoint, when it is on (its query runs in this application). */
    api?: StreamingLake["api"];
    /** sha256 of streaming_job.py and of the lake ConfigMap's data: in the spec, so new code makes the operator resubmit. */
    codeHash: string;
    lakeHash?: string;
}

/**
 * Spark Structured Streaming, src-customers → customers-transformed and the Iceberg table
 * realtime.customers, checkpoints in the lake.
 * restartPolicy Always: a streaming query that stops, fails or cannot be submitted is started
 * again, with a linear back-off (the operator multiplies the interval by the attempt count).
 */
export function streamingSparkApplication(a: StreamingArgs): SparkApplication {
    const upload = streamingUpload(() => "");
    const size = streamingSizing(a.config.ha, a.config.spark.executors);
    const lake = lakeDeps();
    const ca = { name: "kafka-cluster-ca", secret: { secretName: CLUSTER_CA_SECRET, items: [{ key: CLUSTER_CA_KEY, path: CLUSTER_CA_KEY }] } };
    const user = {
        name: "kafka-user",
        secret: {
            secretName: STREAMING_USER,
            items: [USER_SECRET_KEYS.p12, USER_SECRET_KEYS.password].map((key) => ({ key, path: key })),
        },
    };
    const app = sparkApplicationSpec({
        name: STREAMING_APP,
        namespace: NAMESPACE.kafka,
        mainApplicationFile: s3a(a.lakeBucket, upload.key),
        lakeBucket: a.lakeBucket,
        arguments: streamingArguments({
            bucket: a.lakeBucket,
            region: a.config.region,
            database: a.lakeDatabase,
            commitInterval: a.config.lake.commitInterval,
            topicGeneration: a.topicGeneration,
            failOnDataLoss: a.config.lake.failOnDataLoss,
            ...(a.api ? { api: a.api } : {}),
        }),
        packages: [sparkPackages.kafka, ...ICEBERG_PACKAGES],
        ...lake,
        sizing: { executors: size.executors, executorMemory: size.executorMemory },
        driverMemory: size.driverMemory,
        region: a.config.region,
        restartPolicy: { type: "Always", onFailureRetryInterval: 30, onSubmissionFailureRetryInterval: 60 },
        labels: { "app.kubernetes.io/component": "customers-realtime" },
        // No pool: the always-on job runs on the fixed system group, which no consolidation touches;
        // the pools' taints keep it off their nodes.
        mounts: [{ volume: ca, mountPath: KAFKA_CA_MOUNT }, { volume: user, mountPath: KAFKA_USER_MOUNT }, ...lake.mounts],
    });
    app.spec.driver = {
        ...app.spec.driver,
        coreRequest: size.driverCoreRequest,
        annotations: { ...app.spec.driver.annotations, "bdok.io/code-sha256": a.codeHash, ...(a.lakeHash ? { "bdok.io/lake-sha256": a.lakeHash } : {}) },
    };
    app.spec.executor = { ...app.spec.executor, coreRequest: size.executorCoreRequest };
    return app;
}
