import type { StackConfig } from "../../config";
import { apiVersions, apps, images, sparkPackages } from "../../versions";
import { SPARK_SERVICE_ACCOUNT, SparkJobNamespace } from "./values";
import type { CustomResourceObject, RbacRule } from "../k8s/objects";
import { CAPACITY_TYPE_LABEL, DO_NOT_DISRUPT, PoolName, Toleration, podPlacement } from "../karpenter/nodepools";
import { eventLogConf } from "../spark-history/events";

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

/** The driver UI's port (Spark's spark.ui.port default): the metrics endpoints below are served there. */
export const SPARK_UI_PORT = 4040;

/** What the driver serves for Prometheus (the contract with the PodMonitor of the monitoring stack). */
export const SPARK_METRICS_PATHS = {
    /** Spark's metrics system through PrometheusServlet (core metrics/sink/PrometheusServlet.scala). */
    driver: "/metrics/prometheus/",
    /** Executor summaries (status/api/v1/PrometheusResource.scala), on with spark.ui.prometheus.enabled. */
    executors: "/metrics/executors/prometheus",
} as const;

/**
 * Prometheus endpoints on the driver's UI port, for every application (docs/monitoring.md, "Metrics"
 * and "Executor Metrics"). spark.metrics.namespace is fixed: by default Spark prefixes every name
 * with spark.app.id (MetricsSystem.buildRegistryName), a new name on every run that no dashboard
 * could query; the application is told apart by the pod's labels instead. The application-status
 * and streaming-query sources are off by default and carry what alerts ask (failed jobs, input rate).
 */
export function sparkMetricsConf(): Record<string, string> {
    return {
        "spark.ui.prometheus.enabled": "true",
        "spark.metrics.conf.*.sink.prometheusServlet.class": "org.apache.spark.metrics.sink.PrometheusServlet",
        "spark.metrics.conf.*.sink.prometheusServlet.path": SPARK_METRICS_PATHS.driver,
        "spark.metrics.namespace": "bdok",
        "spark.metrics.appStatusSource.enabled": "true",
        "spark.sql.streaming.metricsEnabled": "true",
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
    /** The lake bucket: the event log goes to its spark-events/ prefix (the History Server's input). */
    lakeBucket: string;
    arguments?: string[];
    /** Maven coordinates; hadoop-aws is always included. */
    packages?: string[];
    /** Python modules (--py-files) the job needs beside its main file: local://, http:// or https:// only (depsSchemeProblems). */
    pyFiles?: string[];
    /** Volumes mounted read-only at the same path on driver and executors (the operator's webhook adds them). */
    mounts?: SparkMount[];
    /** Environment of driver and executors, as Spark settings (no webhook needed). */
    env?: Record<string, string>;
    /** The stack's Spark sizing (executors, executorMemory). */
    sizing: StackConfig["spark"];
    region: string;
    restartPolicy?: SparkRestartPolicy;
    labels?: Record<string, string>;
    sparkConf?: Record<string, string>;
    executorCores?: number;
    driverCores?: number;
    driverMemory?: string;
    /**
     * Batch: executors come and go with the work, between zero and maxExecutors (shuffle tracking,
     * no shuffle service), starting with `initialExecutors` (default 0).
     */
    dynamicAllocation?: { maxExecutors: number; initialExecutors?: number };
    /** Where the pods run (Karpenter pool selectors and tolerations) and their annotations. */
    driverPlacement?: SparkPlacement & { annotations?: Record<string, string> };
    executorPlacement?: SparkPlacement;
}

export interface SparkPlacement {
    nodeSelector: Record<string, string>;
    tolerations: Toleration[];
}

/**
 * Executors on a Karpenter pool (spot first where it offers spot), the driver (the run's state) on
 * on-demand capacity of the same pool and never disrupted by consolidation. Both carry the pool's
 * whole podPlacement: a tainted pool needs its toleration as much as its selector.
 */
export function poolPlacement(pool: PoolName): Pick<SparkApplicationArgs, "driverPlacement" | "executorPlacement"> {
    const p = podPlacement(pool);
    return {
        driverPlacement: {
            nodeSelector: { ...p.nodeSelector, [CAPACITY_TYPE_LABEL]: "on-demand" },
            tolerations: p.tolerations,
            annotations: { ...DO_NOT_DISRUPT },
        },
        executorPlacement: { nodeSelector: { ...p.nodeSelector }, tolerations: p.tolerations },
    };
}

export interface SparkMount {
    /** A core Volume (configMap, secret, ...); its name names the mount. */
    volume: { name: string } & Record<string, unknown>;
    mountPath: string;
}

/** Schemes spark-submit does not hand to Hadoop's FileSystem on the submitting side. */
export const CLIENT_SAFE_DEP_SCHEMES = ["local", "http", "https"] as const;

/**
 * What is wrong with deps URIs for submission from the operator's controller. SparkSubmit
 * (prepareSubmitEnvironment) resolves --jars/--files/--py-files/--archives with resolveGlobPaths
 * in every deploy mode, which opens any scheme but local/http/https/ftp through Hadoop's
 * FileSystem; the controller image has no S3AFileSystem and no AWS credentials
 * (kubeflow/spark-operator issues #404, #1328). ftp is left out: nothing here serves it.
 */
export function depsSchemeProblems(uris: string[], where: string): string[] {
    return uris
        .map((u) => [u, /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(u)?.[1]?.toLowerCase()] as const)
        .filter(([, scheme]) => !CLIENT_SAFE_DEP_SCHEMES.includes(scheme as (typeof CLIENT_SAFE_DEP_SCHEMES)[number]))
        .map(([u]) => `${where}: ${JSON.stringify(u)}: expected a ${CLIENT_SAFE_DEP_SCHEMES.join(", ")} URI (the controller cannot read other schemes)`);
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Spark's own settings for an environment variable on driver and executors. */
function envConf(env: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
        if (!ENV_NAME.test(k)) throw new Error(`env ${JSON.stringify(k)}: not an environment variable name`);
        out[`spark.kubernetes.driverEnv.${k}`] = v;
        out[`spark.executorEnv.${k}`] = v;
    }
    return out;
}

function mountsSpec(mounts: SparkMount[]): { volumes: SparkMount["volume"][]; volumeMounts: { name: string; mountPath: string; readOnly: true }[] } {
    const names = mounts.map((m) => m.volume.name);
    const twice = names.filter((n, i) => names.indexOf(n) !== i);
    if (twice.length) throw new Error(`mounts: volume ${JSON.stringify(twice[0])} given twice`);
    return { volumes: mounts.map((m) => m.volume), volumeMounts: mounts.map((m) => ({ name: m.volume.name, mountPath: m.mountPath, readOnly: true })) };
}

export type SparkApplication = CustomResourceObject & {
    kind: "SparkApplication";
    metadata: { labels: Record<string, string> };
};

/**
 * Dynamic allocation down to zero executors, as Spark settings only. Not spec.dynamicAllocation:
 * Airflow's SparkKubernetesOperator refuses a spec whose dynamicAllocation has a falsy (0)
 * minExecutors (cncf.kubernetes operators/custom_object_launcher.py SparkJobSpec.validate).
 * spark.executor.instances "0": the operator (api/v1beta2/defaults.go) reads only the lower-cased
 * `spark.dynamicallocation.enabled`, so without it it would default executor.instances to 1;
 * Spark accepts 0 executors when dynamic allocation is on (SPARK-24241). Spark starts
 * max(minExecutors, initialExecutors, spark.executor.instances) (core Utils.getDynamicAllocationInitialExecutors).
 */
export function dynamicAllocationConf(maxExecutors: number, initialExecutors = 0): Record<string, string> {
    if (!Number.isInteger(maxExecutors) || maxExecutors < 1)
        throw new Error(`dynamicAllocation.maxExecutors: got ${maxExecutors}: expected an integer of at least 1`);
    if (!Number.isInteger(initialExecutors) || initialExecutors < 0 || initialExecutors > maxExecutors)
        throw new Error(`dynamicAllocation.initialExecutors: got ${initialExecutors}: expected an integer from 0 to maxExecutors (${maxExecutors})`);
    return {
        "spark.dynamicAllocation.enabled": "true",
        // Kubernetes has no external shuffle service: executors holding shuffle data are kept.
        "spark.dynamicAllocation.shuffleTracking.enabled": "true",
        "spark.dynamicAllocation.minExecutors": "0",
        "spark.dynamicAllocation.initialExecutors": String(initialExecutors),
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
    const problems = depsSchemeProblems(args.pyFiles ?? [], `${args.name} pyFiles`);
    if (problems.length) throw new Error(problems.join("; "));
    const mounts = args.mounts?.length ? mountsSpec(args.mounts) : undefined;
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
            deps: { packages, ...(args.pyFiles?.length ? { pyFiles: args.pyFiles } : {}) },
            sparkConf: {
                ...s3aConf(args.region),
                ...eventLogConf(args.lakeBucket),
                ...sparkMetricsConf(),
                ...(args.dynamicAllocation ? dynamicAllocationConf(args.dynamicAllocation.maxExecutors, args.dynamicAllocation.initialExecutors) : {}),
                ...envConf(args.env ?? {}),
                ...(args.sparkConf ?? {}),
            },
            ...(mounts ? { volumes: mounts.volumes } : {}),
            restartPolicy: args.restartPolicy ?? { type: "Never" },
            driver: {
                ...podSize(args.driverCores ?? 1, args.driverMemory ?? "1g"),
                serviceAccount: SPARK_SERVICE_ACCOUNT,
                labels,
                ...(mounts ? { volumeMounts: mounts.volumeMounts } : {}),
                ...(args.driverPlacement ?? {}),
            },
            executor: {
                ...podSize(args.executorCores ?? 1, args.sizing.executorMemory),
                ...(args.dynamicAllocation ? {} : { instances: args.sizing.executors }),
                serviceAccount: SPARK_SERVICE_ACCOUNT,
                labels,
                ...(mounts ? { volumeMounts: mounts.volumeMounts } : {}),
                ...(args.executorPlacement ?? {}),
            },
        },
    };
}
