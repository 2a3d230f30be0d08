import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PodRole } from "../pod-role";
import { cloudwatchObservabilityAddon } from "../../versions";
import { ADDON_NAMESPACE, ADDON_SERVICE_ACCOUNT, LOG_KINDS, addonConfiguration, containerLogGroup, containerLogsPolicy } from "./policy";

export interface ContainerLogsArgs {
    prefix: string;
    /** The EKS cluster's name as configured (the log groups' names) and as created (the add-on's cluster). */
    clusterName: string;
    cluster: pulumi.Input<string>;
    retentionDays: number;
    /** The Pod Identity agent: the role's association waits for it. */
    podIdentityAgent: pulumi.Resource;
    tags: Record<string, string>;
}

/**
 * Every container's stdout and stderr in CloudWatch Logs, so a pod's logs outlive it: the EKS
 * add-on amazon-cloudwatch-observability (its Fluent Bit DaemonSet), writing into log groups this
 * component owns (retention, deleted with the stack) through a Pod Identity role limited to them.
 * The add-on, not a Fluent Bit of our own: a log shipper reads the node's /var/log through hostPath
 * volumes, which the platform's Pod Security level and the policy pack (k8s-no-privileged-pods)
 * refuse in any namespace the program manages; the add-on's pods are AWS's, in its own namespace.
 */
export class ContainerLogs extends pulumi.ComponentResource {
    readonly logGroupNames: Record<string, pulumi.Output<string>> = {};

    constructor(name: string, args: ContainerLogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:aws:ContainerLogs", name, {}, opts);
        const p = { parent: this };
        const groups = LOG_KINDS.map(
            (kind) =>
                new aws.cloudwatch.LogGroup(
                    `${name}-${kind}`,
                    { name: containerLogGroup(args.clusterName, kind), retentionInDays: args.retentionDays, tags: args.tags },
                    p,
                ),
        );
        LOG_KINDS.forEach((kind, i) => (this.logGroupNames[kind] = groups[i].name));
        const role = new PodRole(
            `${name}`,
            {
                prefix: args.prefix,
                clusterName: args.cluster,
                namespace: ADDON_NAMESPACE,
                serviceAccount: ADDON_SERVICE_ACCOUNT,
                policy: pulumi.all(groups.map((g) => g.arn)).apply(containerLogsPolicy),
                dependsOn: [args.podIdentityAgent],
                tags: args.tags,
            },
            p,
        );
        // After its groups and its role: on destroy the shipper stops before its groups go, so it never re-creates one without retention.
        new aws.eks.Addon(
            `${name}`,
            {
                clusterName: args.cluster,
                addonName: "amazon-cloudwatch-observability",
                addonVersion: cloudwatchObservabilityAddon,
                configurationValues: JSON.stringify(addonConfiguration()),
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
                tags: args.tags,
            },
            { parent: this, dependsOn: [...groups, role] },
        );
        this.registerOutputs({ logGroupNames: this.logGroupNames });
    }
}
