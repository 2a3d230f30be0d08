// Where Alertmanager sends the alerts (bdok:alerting, bdok:alertingUrl) as pure values. The URL is a
// credential (a Slack incoming webhook's URL is its key): it lives in a Secret the component makes
// from the Pulumi secret, mounted into Alertmanager, and the config names only the file.
import type { StackConfig } from "../../config";

/** The Secret holding the receiver's URL, and its key. */
export const RECEIVER_SECRET = "alertmanager-receiver";
export const RECEIVER_SECRET_KEY = "url";
/**
 * Where the operator mounts each Secret of alertmanagerSpec.secrets (kube-prometheus-stack 88.5.3
 * values.yaml:1030-1031: "The Secrets are mounted into /etc/alertmanager/secrets/").
 */
export const RECEIVER_URL_FILE = `/etc/alertmanager/secrets/${RECEIVER_SECRET}/${RECEIVER_SECRET_KEY}`;
/** The platform's receiver; "null" is the chart's receiver that drops (its values.yaml route). */
export const RECEIVER = "bdok";
export const NULL_RECEIVER = "null";

export type AlertingConfig = StackConfig["alerting"];

/** What a notification says: each alert's summary and its first step (rules.ts annotations). */
const SLACK_TEXT =
    "{{ range .Alerts }}*{{ .Labels.alertname }}* ({{ .Labels.severity }}): {{ .Annotations.summary }}\nFirst step: {{ .Annotations.first_step }}\n{{ end }}";

function receiverConfig(a: AlertingConfig): Record<string, unknown> {
    // notifiers.go (v0.34.0) SlackConfig api_url_file, notify/webhook/config.go url_file: the URL read from a file.
    if (a.receiver === "slack")
        return {
            name: RECEIVER,
            slack_configs: [
                {
                    api_url_file: RECEIVER_URL_FILE,
                    ...(a.slackChannel ? { channel: a.slackChannel } : {}),
                    send_resolved: true,
                    title: "[{{ .Status | toUpper }}] {{ .GroupLabels.alertname }} {{ .CommonLabels.namespace }}",
                    text: SLACK_TEXT,
                },
            ],
        };
    return { name: RECEIVER, webhook_configs: [{ url_file: RECEIVER_URL_FILE, send_resolved: true }] };
}

/**
 * The chart's `alertmanager` values for the receiver: with none, nothing (the chart's own config
 * routes every alert to its "null" receiver). Otherwise the root route sends every alert (the
 * platform's and the chart's) to ours, except the chart's always-firing Watchdog, which stays
 * dropped as in the chart's default. Helm merges this map over the chart's config (its
 * inhibit_rules and templates stay); lists (routes, receivers) are replaced.
 */
export function alertmanagerReceiverValues(a: AlertingConfig): Record<string, unknown> {
    if (a.receiver === "none") return {};
    return {
        config: {
            route: {
                receiver: RECEIVER,
                group_by: ["namespace", "alertname"],
                routes: [{ receiver: NULL_RECEIVER, matchers: ['alertname = "Watchdog"'] }],
            },
            receivers: [{ name: NULL_RECEIVER }, receiverConfig(a)],
        },
        alertmanagerSpec: { secrets: [RECEIVER_SECRET] },
    };
}
