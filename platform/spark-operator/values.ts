// The Spark operator's names and Helm values. The RBAC Airflow needs to submit SparkApplications and
// the SparkApplication skeleton every job uses are in specs.ts, the AWS policy of Spark pods in iam.ts.
import { NAMESPACE, Resources } from "../k8s/objects";

/** Namespaces where SparkApplications run: the batch jobs (airflow) and the streaming job (kafka). */
export const SPARK_JOB_NAMESPACES = [NAMESPACE.airflow, NAMESPACE.kafka] as const;
export type SparkJobNamespace = (typeof SPARK_JOB_NAMESPACES)[number];
/** The service account of driver and executor pods in every job namespace (the book's name). */
export const SPARK_SERVICE_ACCOUNT = "spark";
/**
 * The service account of Airflow's task pods: the apache/airflow chart names it
 * `<release>-worker`, and the Airflow release is `airflow`.
 */
export const AIRFLOW_RELEASE = "airflow";
export const AIRFLOW_WORKER_SERVICE_ACCOUNT = `${AIRFLOW_RELEASE}-worker`;

/**
 * Reconciles the controller runs at once (the chart's controller.workers, default 10), so at most
 * this many spark-submit JVMs: the platform submits the streaming job, one batch task at a time and
 * the maintenance job, so three at once and one worker for status updates.
 */
export const CONTROLLER_WORKERS = 4;

/**
 * Each submission runs spark-submit in the controller pod (internal/controller/sparkapplication/
 * submission.go runSparkSubmit: exec of $SPARK_HOME/bin/spark-submit), and in cluster mode Spark's
 * launcher passes it no -Xmx, so its heap would follow the pod's limit (the JVM takes a quarter):
 * pinned, so each JVM stays the size measured for the limit below (tools/measure-spark-submit.sh).
 */
export const SPARK_SUBMIT_OPTS = "-Xmx256m";

/** Sizing of the operator's controller and webhook pods. */
export function sparkOperatorSizing(ha: boolean): { replicas: number; controller: Resources; webhook: Resources } {
    return {
        // Leader election is on by default: a second replica takes over within the lease time.
        replicas: ha ? 2 : 1,
        // The controller itself plus CONTROLLER_WORKERS spark-submit JVMs at their peak (about 300 MiB each).
        controller: { requests: { cpu: "100m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } },
        webhook: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
    };
}

/**
 * The controller's /tmp (the chart's `tmp` emptyDir, 1Gi by default): spark-submit resolves the
 * jobs' packages there on every submission (spark.jars.ivy=/tmp/.ivy2, specs.ts s3aConf), Ivy's
 * cache plus the retrieved copy, and hadoop-aws 3.4 pulls the ~500 MB AWS SDK v2 bundle: two
 * copies with the Iceberg jars and margin. Past the limit the kubelet evicts the pod.
 */
export const CONTROLLER_TMP_SIZE = "4Gi";

/**
 * The chart's controller.volumes with the larger tmp. Helm replaces lists whole, so this is the
 * chart's whole default list (charts/spark-operator-chart/values.yaml, a single `tmp` emptyDir
 * that controller.volumeMounts mounts at /tmp); the mounts keep the chart's default.
 */
function controllerVolumes(): Record<string, unknown>[] {
    return [{ name: "tmp", emptyDir: { sizeLimit: CONTROLLER_TMP_SIZE } }];
}

// The chart reads minAvailable only when the budget is enabled, so a single replica sets neither.
const pdb = (replicas: number) => (replicas > 1 ? { enable: true, minAvailable: 1 } : { enable: false });

/**
 * Values for the kubeflow spark-operator chart. Every key exists in the chart's values.yaml
 * (checked by the tests). The chart itself creates the `spark` service account, Role and
 * RoleBinding in each job namespace (pods, services, configmaps, PVCs: what a driver creates for
 * its executors), replacing the book's `kubectl create serviceaccount` + `edit` ClusterRoleBinding.
 */
export function sparkOperatorValues(ha: boolean): Record<string, unknown> {
    const size = sparkOperatorSizing(ha);
    return {
        spark: {
            jobNamespaces: [...SPARK_JOB_NAMESPACES],
            serviceAccount: { create: true, name: SPARK_SERVICE_ACCOUNT },
            rbac: { create: true },
        },
        controller: {
            replicas: size.replicas,
            workers: CONTROLLER_WORKERS,
            env: [{ name: "SPARK_SUBMIT_OPTS", value: SPARK_SUBMIT_OPTS }],
            resources: size.controller,
            volumes: controllerVolumes(),
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
