import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { generationsAnnotation, keepersOf, withPodAnnotations } from "../../lib/passwords";
import { releaseTimeout } from "../../lib/await";
import { charts, crdManifests } from "../../versions";
import { exposureDependencies, type PlatformContext } from "../context";
import { customResource } from "../k8s/resources";
import { pinnedChart, podSecurityLabels } from "../k8s/objects";
import { dashboardConfigMap, dashboards } from "./dashboards";
import { RECEIVER_SECRET, RECEIVER_SECRET_KEY } from "./alerting";
import { monitoringRbac } from "./rbac";
import { ES_EXPORTER_USER, elasticsearchExporterDeployment, exporterRoles } from "./exporter";
import { fileRealmSecrets } from "../elastic/file-realm";
import { podMonitor, scrapeTargets, type ScrapeTargetArgs } from "./monitors";
import { prometheusRule, type AlertArgs } from "./rules";
import {
    GRAFANA_ADMIN_SECRET,
    GRAFANA_ADMIN_USER,
    MONITORING_NAMESPACE,
    MONITORING_RELEASE,
    grafanaPortForwardCommand,
    grafanaUrlCommand,
    prometheusStackValues,
} from "./values";
import { pinnedCrds } from "../k8s/crds";

export interface ObservabilityArgs {
    platform: PlatformContext;
    /** The namespace the Elasticsearch exporter runs in, beside the cluster it reads. */
    elasticNamespace: k8s.core.v1.Namespace;
    targets: ScrapeTargetArgs;
    alerts: AlertArgs;
    /** What the Prometheus and Alertmanager volumes wait for (the EBS CSI driver, the storage class). */
    storage: pulumi.Resource[];
    /** The Elasticsearch cluster whose Secrets (the elastic user, the CA) the exporter mounts. */
    elasticsearch: pulumi.Resource;
}

/**
 * kube-prometheus-stack (Prometheus, Alertmanager, Grafana, kube-state-metrics, the operator) with
 * its CRDs owned here, a PodMonitor per part of the platform, the platform's alerts and dashboards,
 * and the Elasticsearch exporter.
 */
export class Observability extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly release: k8s.helm.v3.Release;
    readonly grafanaPortForward: string;
    /** Behind a load balancer: the command printing Grafana's URL. */
    readonly grafanaUrlCommand: string | undefined;
    readonly grafanaAdminUser: string = GRAFANA_ADMIN_USER;
    readonly grafanaAdminPassword: pulumi.Output<string>;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:Observability", name, {}, opts);
        const p = { parent: this };
        const { config, storageClass } = args.platform;
        this.grafanaPortForward = grafanaPortForwardCommand(config);
        this.grafanaUrlCommand = grafanaUrlCommand(config);

        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: MONITORING_NAMESPACE, labels: { "app.kubernetes.io/part-of": "bdok", ...podSecurityLabels("monitoring") } } },
            p,
        );
        const ns = this.namespace.metadata.name;

        // The CRDs first, as Pulumi resources of the pinned chart version: Helm never upgrades crds/.
        const crds = crdManifests.kubePrometheusStack.map((url, i) => pinnedCrds(`${name}-crds-${i}`, [url], p));

        const admin = new random.RandomPassword(`${name}-grafana-admin`, { length: 24, special: false }, p);
        this.grafanaAdminPassword = pulumi.secret(admin.result);
        const adminSecret = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: { name: GRAFANA_ADMIN_SECRET, namespace: ns },
                stringData: { "admin-user": GRAFANA_ADMIN_USER, "admin-password": this.grafanaAdminPassword },
            },
            p,
        );

        // The receiver's URL (bdok:alertingUrl, a Pulumi secret) only in this Secret; the config names its file.
        const receiver =
            config.alerting.receiver === "none"
                ? []
                : [
                      new k8s.core.v1.Secret(
                          `${name}-alert-receiver`,
                          { metadata: { name: RECEIVER_SECRET, namespace: ns }, stringData: { [RECEIVER_SECRET_KEY]: pulumi.secret(config.alertingUrl) } },
                          p,
                      ),
                  ];

        // The operator's and Prometheus's RBAC (the chart's is off): a Role in this namespace, read-only ClusterRoles.
        const rbac = monitoringRbac(MONITORING_NAMESPACE).map((o) => {
            const meta = o.metadata.namespace ? { ...o.metadata, namespace: ns } : o.metadata;
            const id = `${name}-rbac-${o.kind.toLowerCase()}-${o.metadata.name}`;
            switch (o.kind) {
                case "Role":
                    return new k8s.rbac.v1.Role(id, { metadata: meta, rules: o.rules }, p);
                case "ClusterRole":
                    return new k8s.rbac.v1.ClusterRole(id, { metadata: meta, rules: o.rules }, p);
                case "RoleBinding":
                    return new k8s.rbac.v1.RoleBinding(id, { metadata: meta, roleRef: o.roleRef!, subjects: o.subjects }, p);
                case "ClusterRoleBinding":
                    return new k8s.rbac.v1.ClusterRoleBinding(id, { metadata: meta, roleRef: o.roleRef!, subjects: o.subjects }, p);
            }
        });

        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: MONITORING_RELEASE,
                ...pinnedChart("kubePrometheusStack"),
                namespace: ns,
                values: prometheusStackValues({
                    ha: config.ha,
                    storageClass,
                    protect: config.protectStatefulResources,
                    exposure: config,
                    alerting: config.alerting,
                }),
                timeout: releaseTimeout(charts.kubePrometheusStack.chart),
                skipCrds: true,
            },
            // With a load balancer, Grafana's Service (and its NLB) goes before the controller that owns it on destroy.
            { parent: this, dependsOn: [...crds, adminSecret, ...receiver, ...rbac, ...args.storage, ...exposureDependencies(args.platform)] },
        );

        // Monitors, rules and dashboards need only the CRDs (and the namespace); on destroy they go
        // before the CRDs that define them.
        const onCrds = { parent: this, dependsOn: crds };
        for (const t of scrapeTargets(args.targets)) customResource(`${name}-${t.name}`, podMonitor(t, MONITORING_NAMESPACE), onCrds, { namespace: ns });
        customResource(`${name}-alerts`, prometheusRule(args.alerts, MONITORING_NAMESPACE), onCrds, { namespace: ns });
        for (const d of dashboards()) {
            const cm = dashboardConfigMap(d, MONITORING_NAMESPACE);
            new k8s.core.v1.ConfigMap(`${name}-${d.uid}`, { metadata: { ...cm.metadata, namespace: ns }, data: cm.data }, p);
        }

        // The exporter's own login: ECK loads these two Secrets (program.ts lists them in the Elasticsearch's spec.auth).
        const esNs = args.elasticNamespace.metadata.name;
        const exporterPassword = new random.RandomPassword(
            `${name}-es-exporter`,
            { length: 32, special: false, ...keepersOf(config.passwordRotation, `${name}-es-exporter`) },
            p,
        );
        const exporterLogin = fileRealmSecrets(
            `${name}-es-exporter`,
            ES_EXPORTER_USER,
            { namespace: esNs, password: exporterPassword.result, roles: exporterRoles() },
            p,
        );
        const exporter = elasticsearchExporterDeployment();
        new k8s.apps.v1.Deployment(
            `${name}-elasticsearch-exporter`,
            // It reads the password from env at start: a rotation restarts it.
            {
                metadata: { ...exporter.metadata, namespace: esNs },
                spec: withPodAnnotations(exporter.spec, generationsAnnotation(config.passwordRotation, [`${name}-es-exporter`])),
            },
            { parent: this, dependsOn: [args.elasticsearch, exporterLogin.user, exporterLogin.role] },
        );

        this.registerOutputs({
            release: this.release.status,
            grafanaPortForward: this.grafanaPortForward,
            grafanaUrlCommand: this.grafanaUrlCommand,
            grafanaAdminPassword: this.grafanaAdminPassword,
        });
    }
}
