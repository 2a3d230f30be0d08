import type { StackConfig } from "../../config";
import { apiVersions, apps, images, sparkPackages } from "../../versions";
import { SPARK_SERVICE_ACCOUNT, SparkJobNamespace } from "./values";
import type { CustomResourceObject, RbacRule } from "../k8s/objects";

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
    | {
          type: "OnFailure" | "Always";
          onFailureRetries?: number;
          onFailureRetryInterval?: number;
          onSubmissionFailureRetries?: number;
          onSubmissionFailureRetryInterval?: number;
      };

export interface SparkApplicationArgs {
    name: string;
    namespace: SparkJobNamespace;
    /** s3a://<lake>/spark-jobs/<file>.py */
    mainApplicationFile: string;
    arguments?: string[];
    /** Maven coordinates; hadoop-aws is always included. */
    packages?: string[];
    /** Python modules (--py-files) and plain files (--files) the job needs beside its main file. */
    pyFiles?: string[];
    files?: string[];
    /** The stack's Spark sizing (executors, executorMemory). */
    sizing: StackConfig["spark"];
    region: string;
    restartPolicy?: SparkRestartPolicy;
    labels?: Record<string, string>;
    sparkConf?: Record<string, string>;
    executorCores?: number;
    driverCores?: number;
    driverMemory?: string;
    /** Batch: executors come and go with the work, from zero to maxExecutors (shuffle tracking, no shuffle service). */
    dynamicAllocation?: { maxExecutors: number };
    /** Where the pods run (Karpenter pool selectors) and their annotations. */
    driverPlacement?: { nodeSelector: Record<string, string>; annotations?: Record<string, string> };
    executorPlacement?: { nodeSelector: Record<string, string> };
}

export type SparkApplication = CustomResourceObject & {
    kind: "SparkApplication";
    metadata: { labels: Record<string, string> };
};

/**
 * Dynamic allocation from zero executors, as Spark settings only. Not spec.dynamicAllocation:
 * Airflow's SparkKubernetesOperator refuses a spec whose dynamicAllocation has a falsy (0)
 * minExecutors (cncf.kubernetes operators/custom_object_launcher.py SparkJobSpec.validate).
 * spark.executor.instances "0": the operator (api/v1beta2/defaults.go) reads only the lower-cased
 * `spark.dynamicallocation.enabled`, so without it it would default executor.instances to 1;
 * Spark accepts 0 executors when dynamic allocation is on (SPARK-24241).
 */
export function dynamicAllocationConf(maxExecutors: number): Record<string, string> {
    if (!Number.isInteger(maxExecutors) || maxExecutors < 1)
        throw new Error(`dynamicAllocation.maxExecutors: got ${maxExecutors}: expected an integer of at least 1`);
    return {
        "spark.dynamicAllocation.enabled": "true",
        // Kubernetes has no external shuffle service: executors holding shuffle data are kept.
        "spark.dynamicAllocation.shuffleTracking.enabled": "true",
        "spark.dynamicAllocation.minExecutors": "0",
        "spark.dynamicAllocation.initialExecutors": "0",
        "spark.dynamicAllocation.maxExecutors": String(maxExecutors),
        "spark.executor.instances": "0",
    };
}

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
            deps: { packages, ...(args.pyFiles?.length ? { pyFiles: args.pyFiles } : {}), ...(args.files?.length ? { files: args.files } : {}) },
            sparkConf: {
                ...s3aConf(args.region),
                ...(args.dynamicAllocation ? dynamicAllocationConf(args.dynamicAllocation.maxExecutors) : {}),
                ...(args.sparkConf ?? {}),
            },
            restartPolicy: args.restartPolicy ?? { type: "Never" },
            driver: {
                ...podSize(args.driverCores ?? 1, args.driverMemory ?? "1g"),
                serviceAccount: SPARK_SERVICE_ACCOUNT,
                labels,
                ...(args.driverPlacement ?? {}),
            },
            executor: {
                ...podSize(args.executorCores ?? 1, args.sizing.executorMemory),
                ...(args.dynamicAllocation ? {} : { instances: args.sizing.executors }),
                serviceAccount: SPARK_SERVICE_ACCOUNT,
                labels,
                ...(args.executorPlacement ?? {}),
            },
        },
    };
}
