// What `pulumi up` waits for, and how long: the program's own choices, written here. The facts
// they rest on (the condition each operator sets, how long rollouts take) live in model/ and
// estimates/ with their sources and are read only by the checks: tools/lifecycle.ts fails when a
// choice here and a fact there disagree, so a wrong choice and a wrong fact cannot cancel out.
import { apiVersions, charts } from "../versions";

/** Helm's --wait per chart (seconds): the slow end of each rollout, with room for node launches. */
const RELEASE_TIMEOUTS: Record<string, number> = {
    [charts.strimzi.chart]: 360,
    [charts.sparkOperator.chart]: 360,
    [charts.eck.chart]: 360,
    // The migration Job, then the scheduler, API server, DAG processor and triggerer.
    [charts.airflow.chart]: 1200,
    [charts.trino.chart]: 600,
    [charts.awsLoadBalancerController.chart]: 600,
    // The operator, kube-state-metrics and Grafana; Prometheus and Alertmanager are the operator's.
    [charts.kubePrometheusStack.chart]: 600,
    [charts.supersetOperator.chart]: 600,
};

/** The Release timeout for a chart (Helm's --wait). */
export function releaseTimeout(chart: string): number {
    const seconds = RELEASE_TIMEOUTS[chart];
    if (seconds === undefined)
        throw new Error(`no await timeout chosen for chart ${chart}; allowed: ${Object.keys(RELEASE_TIMEOUTS).join(", ")} (lib/await.ts)`);
    return seconds;
}

interface PodRunningAwait {
    /** `pulumi.com/waitFor`: the condition its operator sets once its pods run. */
    waitFor: string;
    /** What to wait for instead when the object runs a single node. */
    singleNode?: { nodes: (spec: unknown) => number; waitFor: string };
    timeoutSeconds: number;
}

const list = (spec: unknown, key: string): Record<string, unknown>[] => {
    const v = (spec as Record<string, unknown> | undefined)?.[key];
    return Array.isArray(v) ? v : [];
};

/** The custom resources that run pods, by `<apiVersion>/<kind>`. */
const POD_RUNNING: Record<string, PodRunningAwait> = {
    [`${apiVersions.strimzi}/Kafka`]: { waitFor: "condition=Ready", timeoutSeconds: 960 },
    // The Connect image build (Kaniko) comes before the rollout.
    [`${apiVersions.strimzi}/KafkaConnect`]: { waitFor: "condition=Ready", timeoutSeconds: 1440 },
    [`${apiVersions.strimzi}/KafkaConnector`]: { waitFor: "condition=Ready", timeoutSeconds: 600 },
    // One data node never turns green once an index keeps a replica: ECK's Ready phase then.
    [`${apiVersions.elasticsearch}/Elasticsearch`]: {
        waitFor: "jsonpath={.status.health}=green",
        singleNode: { nodes: (spec) => list(spec, "nodeSets").reduce((n, s) => n + Number(s.count ?? 0), 0), waitFor: "jsonpath={.status.phase}=Ready" },
        timeoutSeconds: 960,
    },
    [`${apiVersions.kibana}/Kibana`]: { waitFor: "jsonpath={.status.health}=green", timeoutSeconds: 600 },
    // A streaming job never completes: running is ready.
    [`${apiVersions.sparkApplication}/SparkApplication`]: { waitFor: "jsonpath={.status.applicationState.state}=RUNNING", timeoutSeconds: 600 },
    // Available once the lifecycle tasks (migrate, init with the dashboard import) ran and the web server is ready.
    [`${apiVersions.superset}/Superset`]: { waitFor: "condition=Available", timeoutSeconds: 1500 },
};

/** `pulumi.com/waitFor` for a pod-running custom resource. */
export function waitForOf(apiVersion: string, kind: string, spec?: unknown): string {
    const a = POD_RUNNING[`${apiVersion}/${kind}`];
    if (!a) throw new Error(`no readiness condition chosen for ${apiVersion}/${kind}; allowed: ${Object.keys(POD_RUNNING).join(", ")} (lib/await.ts)`);
    return a.singleNode && a.singleNode.nodes(spec) === 1 ? a.singleNode.waitFor : a.waitFor;
}

/** Annotations that make Pulumi await a pod-running custom resource, with its timeout. */
export function awaitAnnotations(apiVersion: string, kind: string, spec?: unknown): Record<string, string> {
    const waitFor = waitForOf(apiVersion, kind, spec);
    return { "pulumi.com/waitFor": waitFor, "pulumi.com/timeoutSeconds": String(POD_RUNNING[`${apiVersion}/${kind}`].timeoutSeconds) };
}

/** A custom resource's metadata with the await annotations added when its kind runs pods. */
export function awaitedMetadata<M extends object>(apiVersion: string, kind: string, metadata: M, spec?: unknown): M & { annotations?: Record<string, string> } {
    if (!runsPods(apiVersion, kind)) return metadata;
    const existing = (metadata as { annotations?: Record<string, string> }).annotations ?? {};
    return { ...metadata, annotations: { ...existing, ...awaitAnnotations(apiVersion, kind, spec) } };
}

/** Whether the kind runs pods (and so is awaited). */
export function runsPods(apiVersion: string, kind: string): boolean {
    return `${apiVersion}/${kind}` in POD_RUNNING;
}
