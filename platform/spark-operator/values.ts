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

/** Sizing of the operator's controller and webhook pods. */
export function sparkOperatorSizing(ha: boolean): { replicas: number; controller: Resources; webhook: Resources } {
    return {
        // Leader election is on by default: a second replica takes over within the lease time.
        replicas: ha ? 2 : 1,
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
