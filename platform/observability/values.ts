// kube-prometheus-stack as pure values: names, sizing by profile and the chart's values. The
// monitors are in monitors.ts, the alerts in rules.ts, the dashboards in dashboards.ts.
import type { StackConfig } from "../../config";
import { resources, type Resources } from "../k8s/objects";
import { serviceAnnotations, serviceType, tlsAnnotations } from "../load-balancer-controller/values";
import { alertmanagerReceiverValues, type AlertingConfig } from "./alerting";

/** The namespace of Prometheus, Alertmanager and Grafana (the component creates it). */
export const MONITORING_NAMESPACE = "monitoring";
export const MONITORING_RELEASE = "monitoring";
/** Short object names (the chart's fullname), so Services read `monitoring-grafana`, `monitoring-prometheus`. */
export const FULLNAME = "monitoring";
export const GRAFANA_SERVICE = `${FULLNAME}-grafana`;
/** Grafana's Service port: plain HTTP, or 443 when the load balancer terminates TLS on it. */
export const GRAFANA_PORT = 80;
export const GRAFANA_TLS_PORT = 443;
/** The port Grafana's container listens on (the subchart's service.targetPort), which the load balancer's IP targets reach. */
export const GRAFANA_CONTAINER_PORT = 3000;
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
export const GRAFANA_ADMIN_USER = "admin";
/** The datasource uid the chart's sidecar provisions for Prometheus (values.yaml grafana.sidecar.datasources.uid). */
export const PROMETHEUS_DATASOURCE_UID = "prometheus";
/** The label the Grafana sidecar looks for on dashboard ConfigMaps (values.yaml grafana.sidecar.dashboards.label). */
export const DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

/**
 * The label Prometheus selects ServiceMonitors, PodMonitors and PrometheusRules by, in `monitoring`
 * (the namespace the operator watches): a user's own monitor or rule there carrying it is picked up
 * like the platform's. The chart labels its own monitors (kubelet, kube-state-metrics, the operator)
 * `release: <release name>`.
 */
export const SCRAPE_LABEL = { release: MONITORING_RELEASE } as const;

export interface ObservabilitySizing {
    prometheusReplicas: number;
    /** Prometheus's `retention` (time) and `retentionSize` (bytes on disk, kept under the volume). */
    retention: string;
    retentionSize: string;
    /** A gp3 volume per Prometheus replica; none in small (the TSDB lives in an emptyDir). */
    prometheusVolumeGiB?: number;
    alertmanagerReplicas: number;
    alertmanagerVolumeGiB?: number;
    prometheus: Resources;
    alertmanager: Resources;
    grafana: Resources;
    grafanaSidecar: Resources;
    operator: Resources;
    configReloader: Resources;
    kubeStateMetrics: Resources;
}

/**
 * small: one Prometheus with two days of data in an emptyDir (lost when its pod moves: a dev cluster
 * is torn down anyway), tiny requests on the system group. ha: two Prometheus and two Alertmanager
 * replicas (the operator spreads them), each with its own gp3 volume and two weeks of data.
 */
export function observabilitySizing(ha: boolean): ObservabilitySizing {
    if (!ha) {
        return {
            prometheusReplicas: 1,
            retention: "2d",
            retentionSize: "3GB",
            alertmanagerReplicas: 1,
            // Tiny CPU requests (the system node's CPU is nearly all requested); limits allow bursts.
            prometheus: resources("25m", "512Mi", "1", "1Gi"),
            alertmanager: resources("5m", "32Mi", "100m", "64Mi"),
            grafana: resources("20m", "160Mi", "500m", "256Mi"),
            grafanaSidecar: resources("5m", "48Mi", "100m", "96Mi"),
            operator: resources("10m", "64Mi", "200m", "128Mi"),
            configReloader: resources("5m", "24Mi", "100m", "48Mi"),
            kubeStateMetrics: resources("5m", "48Mi", "100m", "128Mi"),
        };
    }
    return {
        prometheusReplicas: 2,
        retention: "15d",
        retentionSize: "40GB",
        prometheusVolumeGiB: 50,
        alertmanagerReplicas: 2,
        alertmanagerVolumeGiB: 2,
        prometheus: resources("500m", "2Gi", "2", "4Gi"),
        alertmanager: resources("20m", "64Mi", "200m", "128Mi"),
        grafana: resources("100m", "256Mi", "1", "512Mi"),
        grafanaSidecar: resources("20m", "64Mi", "200m", "128Mi"),
        operator: resources("50m", "128Mi", "500m", "256Mi"),
        configReloader: resources("10m", "32Mi", "100m", "64Mi"),
        kubeStateMetrics: resources("50m", "128Mi", "500m", "256Mi"),
    };
}

const volume = (gib: number, storageClass: string) => ({
    volumeClaimTemplate: { spec: { storageClassName: storageClass, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${gib}Gi` } } } },
});

/** Selects the platform's and users' monitors and rules by SCRAPE_LABEL, in every namespace. */
const byScrapeLabel = { matchLabels: { ...SCRAPE_LABEL } };

/** What decides how Grafana is reached: the same settings as every other UI. */
export type GrafanaExposure = Pick<StackConfig, "exposure" | "loadBalancerSourceRanges" | "vpcCidr" | "loadBalancerCertificateArn">;

const CLUSTER_IP: GrafanaExposure = { exposure: "clusterIp", loadBalancerSourceRanges: [], vpcCidr: "", loadBalancerCertificateArn: "" };

/** Grafana's Service port: 443 when the load balancer serves TLS (a certificate and a load balancer), else 80. */
export function grafanaServicePort(e: GrafanaExposure): number {
    return Object.keys(tlsAnnotations(e, [GRAFANA_TLS_PORT])).length ? GRAFANA_TLS_PORT : GRAFANA_PORT;
}

/**
 * Grafana's Service, as Airflow's, Trino's and Kibana's: ClusterIP, or an NLB the load balancer
 * controller owns with the configured client ranges, TLS at the load balancer when a certificate
 * is given (Grafana itself speaks plain HTTP, and its login form carries the admin password).
 */
export function grafanaService(e: GrafanaExposure): Record<string, unknown> {
    const port = grafanaServicePort(e);
    return {
        type: serviceType(e.exposure),
        port,
        annotations: { ...serviceAnnotations(e), ...tlsAnnotations(e, [port]) },
    };
}

export interface StackValuesArgs {
    ha: boolean;
    /** How Grafana is reached (bdok:exposure and the load balancer settings); ClusterIP when not given. */
    exposure?: GrafanaExposure;
    /** Where Alertmanager sends the alerts (bdok:alerting); the chart's drop-everything config when not given. */
    alerting?: AlertingConfig;
    storageClass: string;
    /** bdok:protectStatefulResources: keep the volumes' claims when Prometheus or Alertmanager is deleted. */
    protect?: boolean;
}

/**
 * Values for kube-prometheus-stack 88.5.3. Every key exists in the chart's values.yaml (tested).
 * Off: the node exporter (hostNetwork, hostPID and hostPath, which the namespaces' baseline Pod
 * Security forbids: node and pod figures come from the kubelet's cAdvisor and resource endpoints
 * instead) and the control-plane scrapes EKS does not expose (controller manager, scheduler, etcd;
 * kube-proxy binds its metrics to 127.0.0.1; CoreDNS is not a part this platform watches). The
 * CRDs are Pulumi's (versions.ts crdManifests): the Release sets skipCrds.
 */
export function prometheusStackValues(a: StackValuesArgs): Record<string, unknown> {
    const s = observabilitySizing(a.ha);
    // The StatefulSets' claims go with them (no orphaned EBS volume after a destroy) unless the stack keeps its data.
    const claims = { persistentVolumeClaimRetentionPolicy: { whenDeleted: a.protect ? "Retain" : "Delete", whenScaled: "Retain" } };
    const receiver = alertmanagerReceiverValues(a.alerting ?? { receiver: "none", slackChannel: "" }) as {
        config?: unknown;
        alertmanagerSpec?: Record<string, unknown>;
    };
    const pdb = (replicas: number) => (replicas > 1 ? { enabled: true, minAvailable: 1 } : { enabled: false });
    return {
        fullnameOverride: FULLNAME,
        nodeExporter: { enabled: false },
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        kubeProxy: { enabled: false },
        coreDns: { enabled: false },
        windowsMonitoring: { enabled: false },
        // The chart's node-exporter rules would read series nothing exposes (its other rules for what
        // is off are already gated on the component).
        defaultRules: { rules: { node: false, nodeExporterAlerting: false, nodeExporterRecording: false } },
        // The operator's and Prometheus's RBAC are the program's (rbac.ts): the chart's would bind the
        // operator cluster-wide to statefulsets and secrets "*".
        global: { rbac: { create: false } },
        prometheusOperator: {
            // It watches (and writes in) `monitoring` only: every PodMonitor, rule and instance lives there.
            namespaces: { releaseNamespace: true, additional: [] },
            // The kubelet Service it maintains sits in `monitoring` too (not kube-system), so its Role there suffices.
            kubeletService: { namespace: MONITORING_NAMESPACE },
            // No admission webhook: its certificate Jobs are Helm hooks, and the API server would have
            // to reach the operator; the rules' PromQL is checked by the tests before any deploy.
            admissionWebhooks: { enabled: false },
            tls: { enabled: false },
            resources: s.operator,
            prometheusConfigReloader: { resources: s.configReloader },
        },
        prometheus: {
            prometheusSpec: {
                replicas: s.prometheusReplicas,
                retention: s.retention,
                retentionSize: s.retentionSize,
                resources: s.prometheus,
                ...(s.prometheusVolumeGiB ? { storageSpec: volume(s.prometheusVolumeGiB, a.storageClass), ...claims } : {}),
                serviceMonitorSelector: byScrapeLabel,
                podMonitorSelector: byScrapeLabel,
                ruleSelector: byScrapeLabel,
                // {}: every namespace the operator watches, which is `monitoring` only (its RBAC, rbac.ts);
                // each monitor's own namespaceSelector reaches its targets' namespaces.
                serviceMonitorNamespaceSelector: {},
                podMonitorNamespaceSelector: {},
                ruleNamespaceSelector: {},
            },
            podDisruptionBudget: pdb(s.prometheusReplicas),
        },
        alertmanager: {
            ...(receiver.config ? { config: receiver.config } : {}),
            alertmanagerSpec: {
                replicas: s.alertmanagerReplicas,
                resources: s.alertmanager,
                ...(s.alertmanagerVolumeGiB ? { storage: volume(s.alertmanagerVolumeGiB, a.storageClass), ...claims } : {}),
                ...(receiver.alertmanagerSpec ?? {}),
            },
            podDisruptionBudget: pdb(s.alertmanagerReplicas),
        },
        grafana: {
            // The password is a Pulumi secret in a Secret the component creates.
            admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
            resources: s.grafana,
            // Dashboards and the datasource are provisioned from ConfigMaps: nothing to keep on a volume.
            persistence: { enabled: false },
            // A Role in `monitoring` (the chart's default: a ClusterRole reading every namespace's
            // ConfigMaps and Secrets); the dashboards' ConfigMaps are there.
            rbac: { namespaced: true },
            sidecar: { resources: s.grafanaSidecar, dashboards: { searchNamespace: MONITORING_NAMESPACE } },
            service: grafanaService(a.exposure ?? CLUSTER_IP),
        },
        // No Secret collector: its list/watch of Secrets everywhere would read every Secret's data.
        "kube-state-metrics": { resources: s.kubeStateMetrics, collectorsExclude: ["secrets"] },
        // The kubelet ServiceMonitor looks for the kubelet Service where the operator keeps it.
        kubelet: { namespace: MONITORING_NAMESPACE },
    };
}

/** How to open Grafana: a port-forward to its Service, then http://localhost:3000 (the admin password: the stack output). */
export function grafanaPortForwardCommand(e: GrafanaExposure = CLUSTER_IP): string {
    return `kubectl -n ${MONITORING_NAMESPACE} port-forward svc/${GRAFANA_SERVICE} 3000:${grafanaServicePort(e)}`;
}

/**
 * Behind a load balancer: the command printing Grafana's URL (the NLB's DNS name, known once the
 * controller has made it; with a certificate, point the certificate's host name at it). None with ClusterIP.
 */
export function grafanaUrlCommand(e: GrafanaExposure): string | undefined {
    if (e.exposure === "clusterIp") return undefined;
    const scheme = grafanaServicePort(e) === GRAFANA_TLS_PORT ? "https" : "http";
    return `kubectl -n ${MONITORING_NAMESPACE} get svc ${GRAFANA_SERVICE} -o jsonpath='${scheme}://{.status.loadBalancer.ingress[0].hostname}/'`;
}
