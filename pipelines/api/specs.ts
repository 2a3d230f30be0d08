// The API producer (issue 23, the Kafka/Spark/Airflow/S3 tutorial's source) as pure data: its names,
// the DAG folder files, its KafkaUser's ACLs, what it asks of Kafka, and the Job that copies the
// user's certificate into the airflow namespace. index.ts only wires them.
import { BOOTSTRAP_SERVERS_TLS, CLUSTER_CA_KEY, CLUSTER_CA_SECRET } from "../../platform/kafka/values";
import { Acl, USER_SECRET_KEYS, topicWrite } from "../../platform/kafka/users";
import type { KafkaNeeds } from "../../platform/kafka/needs";
import { type RbacRule, resources, secretRules, NAMESPACE } from "../../platform/k8s/objects";
import { readPipelineFile } from "../files";
import { podPlacement } from "../../platform/karpenter/nodepools";

export const API_DAG_ID = "api_users";
/** Its own topic, written by its own KafkaUser only; the streaming job reads it. */
export const API_TOPIC = "api-users";
export const API_USER = "api-producer";
/** The Iceberg table the streaming job writes (pipelines/tables.json), and its Trino query. */
export const API_TABLE = "realtime.api_users";
export const API_QUERY = "api_users_by_country_last_hour";
/** Checkpoint of the streaming job's API query (beside the customers sinks'). */
export const API_CHECKPOINT_KEY = "spark-checkpoint/api-users-lake/";

/**
 * The user's certificate and the cluster CA, copied into a Secret of the airflow namespace: the
 * KubernetesExecutor starts task pods there, and a pod mounts only Secrets of its own namespace
 * (the same reason as ES_CA_COPY). The copy Job keeps it current; Strimzi renews a user's
 * certificate 30 days before it expires (KafkaUser defaults: validity 365, renewal 30 days), so an
 * hourly copy lands long before the old one stops working.
 */
export const API_KAFKA_COPY = {
    secret: "bdok-api-producer-kafka",
    serviceAccount: "bdok-api-producer-copy",
    mount: "/opt/bdok/kafka",
} as const;
/** The label the task pod carries (pod_override) and the egress policy selects. */
export const API_POD_LABEL = { "bdok.io/egress": "api-producer" } as const;
/** How often the DAG polls (api_users.py schedule). */
export const API_SCHEDULE_MINUTES = 10;
/**
 * The task pod's requests (pod_override of container "base"): one Python process, a pip install and
 * librdkafka; smaller than the chart's default task pod.
 */
export const API_TASK_RESOURCES = resources("50m", "256Mi", "500m", "512Mi");

/** The producer writes its topic; nothing else (KIP-679: Write also covers the idempotent producer). */
export function apiAcls(): Acl[] {
    return [topicWrite(API_TOPIC)];
}

export function apiKafkaNeeds(): KafkaNeeds {
    return { topics: { api: API_TOPIC } };
}

/** The DAG folder's files: the DAG, its module, its settings and the client's pinned requirements. */
export const API_DAG_SOURCES: Record<string, string> = {
    "api_users.py": "api/dags/api_users.py",
    "api_producer.py": "api/api_producer.py",
    "api_requirements.txt": "api/requirements.txt",
};
export const API_SETTINGS_FILE = "api_users.json";

/** api_users.json: what api_producer.load_settings reads ("producer") and the DAG's pod ("pod"). */
export function apiSettings(url: string) {
    const file = (key: string) => `${API_KAFKA_COPY.mount}/${key}`;
    return {
        producer: {
            url,
            topic: API_TOPIC,
            bootstrap_servers: BOOTSTRAP_SERVERS_TLS,
            ca_file: file(CLUSTER_CA_KEY),
            cert_file: file(USER_SECRET_KEYS.certificate),
            key_file: file(USER_SECRET_KEYS.key),
            timeout_seconds: 30,
            max_records: 5000,
        },
        pod: {
            secret: API_KAFKA_COPY.secret,
            mount: API_KAFKA_COPY.mount,
            labels: { ...API_POD_LABEL },
            resources: API_TASK_RESOURCES,
            // Read by the estimate (tools/estimate/objects.ts): a task pod this often is idle demand,
            // since the pool's node cannot be consolidated away between runs.
            recurring: { everyMinutes: API_SCHEDULE_MINUTES, pool: "workloads" },
        },
    };
}

export function apiDagFiles(url: string, read: (relative: string) => string = readPipelineFile): Record<string, string> {
    const files: Record<string, string> = {};
    for (const [target, source] of Object.entries(API_DAG_SOURCES)) files[target] = read(source);
    files[API_SETTINGS_FILE] = JSON.stringify(apiSettings(url), null, 2) + "\n";
    return files;
}

// ---------------------------------------------------------------------------------------------
// The copy of the user's certificate (copy_secret_key.py, one patch per source Secret)

/** Read the user's Secret and the cluster CA, nothing else (a Role in the kafka namespace). */
export function apiCopySourceRules(): RbacRule[] {
    return secretRules([API_USER, CLUSTER_CA_SECRET]);
}

/** Update the copy, nothing else (a Role in the airflow namespace; Pulumi creates it empty). */
export function apiCopyTargetRules(): RbacRule[] {
    return secretRules([API_KAFKA_COPY.secret], ["get", "patch"]);
}

export const COPY_SCRIPT_MOUNT = "/opt/bdok/scripts";
export const API_COPY_SCHEDULE = "47 * * * *";
const JOB_TTL_SECONDS = 86400;

export interface ApiCopyArgs {
    image: string;
    scriptConfigMap: string;
}

function copyContainer(a: ApiCopyArgs, name: string, sourceSecret: string, keys: string[]) {
    return {
        name,
        image: a.image,
        command: ["python", `${COPY_SCRIPT_MOUNT}/copy_secret_key.py`],
        env: [
            { name: "SOURCE_NAMESPACE", value: NAMESPACE.kafka },
            { name: "SOURCE_SECRET", value: sourceSecret },
            // Several keys: one patch, so the certificate and its key change together.
            { name: "SOURCE_KEY", value: keys.join(",") },
            { name: "TARGET_NAMESPACE", value: NAMESPACE.airflow },
            { name: "TARGET_SECRET", value: API_KAFKA_COPY.secret },
            // The User Operator writes the Secret once the user is reconciled: wait up to 20 minutes.
            { name: "COPY_ATTEMPTS", value: "120" },
            { name: "COPY_RETRY_SECONDS", value: "10" },
            { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
        ],
        volumeMounts: [{ name: "scripts", mountPath: COPY_SCRIPT_MOUNT, readOnly: true }],
        resources: resources("50m", "64Mi", "500m", "128Mi"),
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    };
}

function copyJob(a: ApiCopyArgs) {
    return {
        backoffLimit: 3,
        activeDeadlineSeconds: 1800,
        ttlSecondsAfterFinished: JOB_TTL_SECONDS,
        template: {
            metadata: { labels: { "app.kubernetes.io/name": "api-producer-copy", "app.kubernetes.io/part-of": "bdok" } },
            spec: {
                restartPolicy: "Never",
                serviceAccountName: API_KAFKA_COPY.serviceAccount,
                // The script calls the Kubernetes API with this account's token.
                automountServiceAccountToken: true,
                // The apache/airflow image's user: Python 3, no root.
                securityContext: { runAsNonRoot: true, runAsUser: 50000, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } },
                volumes: [{ name: "scripts", configMap: { name: a.scriptConfigMap, defaultMode: 0o444 } }],
                // One after the other (an init container first): one container's request, not two.
                initContainers: [copyContainer(a, "user", API_USER, [USER_SECRET_KEYS.certificate, USER_SECRET_KEYS.key])],
                containers: [copyContainer(a, "cluster-ca", CLUSTER_CA_SECRET, [CLUSTER_CA_KEY])],
                // Beside Airflow's task pods on the workloads pool: the fixed system group has no room to spare.
                ...podPlacement("workloads"),
            },
        },
    };
}

/** The first copy: `pulumi up` waits for it, so the DAG's first run finds the certificate. */
export function apiCopyJobSpec(a: ApiCopyArgs) {
    return copyJob(a);
}

/** Hourly re-copy (renewed user certificates, a renewed cluster CA). */
export function apiCopyCronJobSpec(a: ApiCopyArgs) {
    return {
        schedule: API_COPY_SCHEDULE,
        concurrencyPolicy: "Forbid",
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: { spec: copyJob(a) },
    };
}
