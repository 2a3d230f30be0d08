// Spark on Kubernetes as pure data: the operator's Helm values, the RBAC Airflow needs to submit
// SparkApplications, the AWS policy of Spark pods, and the SparkApplication skeleton every job uses.
import type { StackConfig } from "../config";
import { apiVersions, apps, images, sparkPackages } from "../versions";
import { PolicyDocument, Statement, doc, s3Prefixes } from "./iam";

/** Namespace of the operator itself. */
export const SPARK_OPERATOR_NAMESPACE = "spark-operator";
/** Namespaces where SparkApplications run: the batch jobs (airflow) and the streaming job (kafka). */
export const SPARK_JOB_NAMESPACES = ["airflow", "kafka"] as const;
export type SparkJobNamespace = (typeof SPARK_JOB_NAMESPACES)[number];
/** The service account of driver and executor pods in every job namespace (the book's name). */
export const SPARK_SERVICE_ACCOUNT = "spark";
/**
 * The service account of Airflow's task pods: the apache/airflow chart names it
 * `<release>-worker`, and the Airflow release is `airflow`.
 */
export const AIRFLOW_RELEASE = "airflow";
export const AIRFLOW_WORKER_SERVICE_ACCOUNT = `${AIRFLOW_RELEASE}-worker`;

/** The lake prefixes Spark jobs read and write (the book's layout). */
export const SPARK_LAKE_ACCESS = {
    read: ["landing/", "spark-jobs/"],
    readwrite: ["bronze/", "silver/", "spark-checkpoint/"],
} as const;

export interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

/** Sizing of the operator's controller and webhook pods. */
export function sparkOperatorSizing(isProd: boolean): { replicas: number; controller: Resources; webhook: Resources } {
    return {
        // Leader election is on by default: a second replica takes over within the lease time.
        replicas: isProd ? 2 : 1,
        // Every submission runs spark-submit (a JVM) inside the controller pod.
        controller: { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "512Mi" } },
        webhook: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
    };
}

// The chart reads minAvailable only when the budget is enabled, so a single replica sets neither.
const pdb = (replicas: number) => (replicas > 1 ? { enable: true, minAvailable: 1 } : { enable: false });

/**
 * Values for the kubeflow spark-operator chart. Every key exists in the chart's values.yaml
 * (checked by the tests). The chart itself creates the `spark` service account, Role and
 * RoleBinding in each job namespace (pods, services, configmaps, PVCs: what a driver creates for
 * its executors), replacing the book's `kubectl create serviceaccount` + `edit` ClusterRoleBinding.
 */
export function sparkOperatorValues(isProd: boolean): Record<string, unknown> {
    const size = sparkOperatorSizing(isProd);
    return {
        spark: {
            jobNamespaces: [...SPARK_JOB_NAMESPACES],
            serviceAccount: { create: true, name: SPARK_SERVICE_ACCOUNT },
            rbac: { create: true },
        },
        controller: {
            replicas: size.replicas,
            resources: size.controller,
            podDisruptionBudget: pdb(size.replicas),
        },
        // The webhook mutates driver/executor pods (volumes, secrets, tolerations from the spec).
        webhook: {
            enable: true,
            replicas: size.replicas,
            resources: size.webhook,
            podDisruptionBudget: pdb(size.replicas),
        },
        prometheus: { metrics: { enable: true }, podMonitor: { create: false } },
    };
}

export interface RbacRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
    resourceNames?: string[];
}

/**
 * What Airflow's SparkKubernetesOperator does in the job namespace: create the SparkApplication,
 * follow its status, find the driver pod by labels, stream its log, patch the pod's
 * `already_checked` label on failure, read events when asked to, and delete the application.
 * (The book grants `*` on sparkapplications through a ClusterRole; this is one namespace.)
 */
export function airflowSparkSubmitterRules(): RbacRule[] {
    return [
        {
            apiGroups: ["sparkoperator.k8s.io"],
            resources: ["sparkapplications"],
            verbs: ["create", "get", "list", "watch", "delete"],
        },
        { apiGroups: ["sparkoperator.k8s.io"], resources: ["sparkapplications/status"], verbs: ["get"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "patch"] },
        { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
        { apiGroups: [""], resources: ["events"], verbs: ["list"] },
    ];
}

/** IAM statements may not share a Sid within one policy: prefix each with its purpose. */
function withSid(prefix: string, statements: Statement[]): Statement[] {
    return statements.map((s) => ({ ...s, Sid: `${prefix}${s.Sid ?? ""}` }));
}

/**
 * S3 access of Spark pods: read the inputs and the job code, read-write the layers and checkpoints.
 * S3A probes paths with HEAD before it lists or writes them (getFileStatus, create, checkpoint
 * commits), so it may list the lake's key names: a missing key is then a 404, not a 403.
 */
export function sparkPodPolicy(lakeArn: string): PolicyDocument {
    const [list, ...read] = s3Prefixes(lakeArn, [...SPARK_LAKE_ACCESS.read], "read", { list: "bucket" });
    const [, ...readwrite] = s3Prefixes(lakeArn, [...SPARK_LAKE_ACCESS.readwrite], "readwrite", { list: "bucket" });
    return doc(list, ...withSid("Read", read), ...withSid("ReadWrite", readwrite));
}

/**
 * Hadoop S3A settings for hadoop-aws 3.4 (AWS SDK v2, bundle 2.24.6): the SDK's default chain
 * includes the container credentials provider, which serves EKS Pod Identity (SDK v2 >= 2.21.30),
 * so no keys appear anywhere.
 */
export function s3aConf(region: string): Record<string, string> {
    return {
        "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.aws.credentials.provider": "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider",
        "spark.hadoop.fs.s3a.endpoint.region": region,
        // The image's user (185) has no writable home: resolve --packages under /tmp.
        "spark.jars.ivy": "/tmp/.ivy2",
    };
}

export type SparkRestartPolicy =
    | { type: "Never" }
    | { type: "OnFailure" | "Always"; onFailureRetries?: number; onFailureRetryInterval?: number; onSubmissionFailureRetries?: number; onSubmissionFailureRetryInterval?: number };

export interface SparkApplicationArgs {
    name: string;
    namespace: SparkJobNamespace;
    /** s3a://<lake>/spark-jobs/<file>.py */
    mainApplicationFile: string;
    arguments?: string[];
    /** Maven coordinates; hadoop-aws is always included. */
    packages?: string[];
    /** The stack's Spark sizing (executors, executorMemory). */
    sizing: StackConfig["spark"];
    region: string;
    restartPolicy?: SparkRestartPolicy;
    labels?: Record<string, string>;
    sparkConf?: Record<string, string>;
    executorCores?: number;
    driverCores?: number;
    driverMemory?: string;
}

export type SparkApplication = {
    apiVersion: string;
    kind: "SparkApplication";
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: Record<string, any>;
};

/** One core per pod: cores is the request, coreLimit caps it (Spark sets memory request = limit). */
function podSize(cores: number, memory: string) {
    return { cores, coreLimit: `${cores * 1000}m`, memory };
}

/**
 * The SparkApplication every job of this platform uses: the official Spark image, PySpark in
 * cluster mode, hadoop-aws for s3a:// paths with Pod Identity credentials, the `spark` service
 * account, sizes from the stack configuration.
 */
export function sparkApplicationSpec(args: SparkApplicationArgs): SparkApplication {
    const labels = { "app.kubernetes.io/part-of": "bdok", "app.kubernetes.io/name": args.name, ...(args.labels ?? {}) };
    const packages = [sparkPackages.hadoopAws, ...(args.packages ?? []).filter((p) => p !== sparkPackages.hadoopAws)];
    return {
        apiVersion: apiVersions.sparkApplication,
        kind: "SparkApplication",
        metadata: { name: args.name, namespace: args.namespace, labels },
        spec: {
            type: "Python",
            pythonVersion: "3",
            mode: "cluster",
            image: images.spark,
            imagePullPolicy: "IfNotPresent",
            sparkVersion: apps.spark,
            mainApplicationFile: args.mainApplicationFile,
            arguments: args.arguments ?? [],
            deps: { packages },
            sparkConf: { ...s3aConf(args.region), ...(args.sparkConf ?? {}) },
            restartPolicy: args.restartPolicy ?? { type: "Never" },
            driver: {
                ...podSize(args.driverCores ?? 1, args.driverMemory ?? "1g"),
                serviceAccount: SPARK_SERVICE_ACCOUNT,
                labels,
            },
            executor: {
                ...podSize(args.executorCores ?? 1, args.sizing.executorMemory),
                instances: args.sizing.executors,
                serviceAccount: SPARK_SERVICE_ACCOUNT,
                labels,
            },
        },
    };
}
