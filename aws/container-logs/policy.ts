// Container logs to CloudWatch Logs, as pure data: the log groups (names, retention), the add-on's
// configuration and the Fluent Bit role's permissions.
import { PolicyDocument, doc } from "../../lib/iam";

/**
 * The log groups the add-on's Fluent Bit writes (aws-observability/helm-charts
 * charts/amazon-cloudwatch-observability values.yaml, containerLogs.fluentBit.config: application-log.conf,
 * dataplane-log.conf, host-log.conf: log_group_name /aws/containerinsights/${CLUSTER_NAME}/<kind>).
 * Created by Pulumi with a retention, before the add-on, so Fluent Bit's auto_create_group finds them.
 */
export const LOG_KINDS = ["application", "dataplane", "host"] as const;
export type LogKind = (typeof LOG_KINDS)[number];

export function containerLogGroup(clusterName: string, kind: LogKind): string {
    return `/aws/containerinsights/${clusterName}/${kind}`;
}

/** The retention values CloudWatch Logs accepts (PutRetentionPolicy, retentionInDays). */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** bdok:containerLogs.retentionDays, 0 meaning the profile's: a week in small, a month in ha. */
export function retentionDays(configured: number, ha: boolean): number {
    const days = configured === 0 ? (ha ? 30 : 7) : configured;
    if (!(CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(days))
        throw new Error(`containerLogs.retentionDays: got ${days}; allowed: 0 (by profile) or one of ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`);
    return days;
}

/** The service account of the add-on's agent and of its Fluent Bit DaemonSet (serviceAccountName cloudwatch-agent). */
export const ADDON_NAMESPACE = "amazon-cloudwatch";
export const ADDON_SERVICE_ACCOUNT = "cloudwatch-agent";

/**
 * Fluent Bit's calls (fluent-bit plugins/out_cloudwatch_logs cloudwatch_api.c): CreateLogGroup
 * (auto_create_group; an existing group answers ResourceAlreadyExists, which it accepts),
 * CreateLogStream, PutLogEvents; on these groups only. Nothing for the agent's Container Insights
 * metrics (the /performance group, PutMetricData): the monitoring stack has the metrics, and
 * Container Insights is billed per metric.
 */
export function containerLogsPolicy(logGroupArns: string[]): PolicyDocument {
    const groups = logGroupArns.map((a) => a.replace(/:\*$/, ""));
    return doc({
        Sid: "WriteContainerLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        Resource: [...groups, ...groups.map((g) => `${g}:log-stream:*`)],
    });
}

/**
 * The add-on's configuration (its JSON schema mirrors the chart's values): container logs on; the
 * agent with no Container Insights metrics. Its JSON config replaces the chart's defaultConfig
 * (values.yaml:1362-1377, which collects logs.metrics_collected.kubernetes into the
 * /aws/containerinsights/<cluster>/performance group and application_signals): the monitoring
 * stack has the metrics, this role writes only Fluent Bit's groups, and Container Insights is
 * billed per metric. Not empty: an empty config is Helm-empty and the chart's default would win.
 * Later charts render the same agent, with no metrics input, for containerInsights.enabled false.
 */
export function addonConfiguration(): Record<string, unknown> {
    return {
        containerLogs: { enabled: true },
        agent: { config: { logs: { metrics_collected: {} } } },
    };
}
