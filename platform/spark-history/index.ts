import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PodRole } from "../../aws/pod-role";
import { contentName } from "../../lib/hash";
import { exposureDependencies, type PlatformContext } from "../context";
import { NAMESPACE } from "../k8s/objects";
import { historyPolicy } from "./iam";
import {
    CONF_FILE,
    HISTORY_LABELS,
    HISTORY_NAME,
    HISTORY_SERVICE_ACCOUNT,
    historyDeploymentSpec,
    historyPortForwardCommand,
    historyProperties,
    historyService,
    propertiesText,
} from "./specs";

export interface SparkHistoryServerArgs {
    platform: PlatformContext;
    /** The spark-operator namespace: the platform's Spark side. */
    namespace: k8s.core.v1.Namespace;
    lakeBucket: pulumi.Input<string>;
    lakeBucketArn: pulumi.Input<string>;
    /** The system node group's name (its bdok/node-group label). */
    systemGroup: string;
}

/** The Spark History Server on the lake's spark-events/ prefix, with a read-only Pod Identity role. */
export class SparkHistoryServer extends pulumi.ComponentResource {
    readonly serviceName: string = HISTORY_NAME;
    readonly portForwardCommand: string;

    constructor(name: string, args: SparkHistoryServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:SparkHistoryServer", name, {}, opts);
        const p = { parent: this };
        const cfg = args.platform.config;
        const ns = args.namespace.metadata.name;
        this.portForwardCommand = historyPortForwardCommand(cfg);

        const account = new k8s.core.v1.ServiceAccount(
            `${name}`,
            { metadata: { name: HISTORY_SERVICE_ACCOUNT, namespace: ns, labels: { ...HISTORY_LABELS } }, automountServiceAccountToken: false },
            p,
        );
        const role = new PodRole(
            `${name}`,
            {
                prefix: args.platform.prefix,
                clusterName: args.platform.clusterName,
                namespace: NAMESPACE.sparkOperator,
                serviceAccount: HISTORY_SERVICE_ACCOUNT,
                policy: pulumi.output(args.lakeBucketArn).apply(historyPolicy),
                dependsOn: [args.platform.podIdentityAgent],
                tags: args.platform.tags,
            },
            p,
        );
        const conf = pulumi.output(args.lakeBucket).apply((bucket) => ({ [CONF_FILE]: propertiesText(historyProperties(bucket, cfg.region)) }));
        const configMap = new k8s.core.v1.ConfigMap(
            `${name}`,
            {
                metadata: { name: conf.apply((d) => contentName(HISTORY_NAME, JSON.stringify(d))), namespace: ns, labels: { ...HISTORY_LABELS } },
                immutable: true,
                data: conf,
            },
            p,
        );
        // Awaited (Pulumi's Deployment await: rolled out and ready); the init container downloads
        // the SDK bundle (558 MB) first, hence a longer wait than the default.
        const deployment = new k8s.apps.v1.Deployment(
            `${name}`,
            {
                metadata: { name: HISTORY_NAME, namespace: ns, labels: { ...HISTORY_LABELS } },
                spec: configMap.metadata.name.apply((cm) => historyDeploymentSpec({ configMap: cm, systemGroup: args.systemGroup, ha: cfg.ha })),
            },
            { parent: this, dependsOn: [account, role], customTimeouts: { create: "15m", update: "15m" } },
        );
        const service = historyService(cfg);
        new k8s.core.v1.Service(
            `${name}`,
            {
                metadata: { name: HISTORY_NAME, namespace: ns, labels: { ...HISTORY_LABELS }, annotations: service.annotations },
                spec: service.spec,
            },
            // With a load balancer, its Service goes before the controller that owns the NLB on destroy.
            { parent: this, dependsOn: [deployment, ...exposureDependencies(args.platform)] },
        );
        this.registerOutputs({ serviceName: this.serviceName, portForwardCommand: this.portForwardCommand });
    }
}
