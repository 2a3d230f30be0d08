// Karpenter on the cluster: its AWS side (node role and access entry, interruption queue and
// rules, controller role through Pod Identity, discovery tags), the CRDs, the controller on the
// fixed "system" managed node group, and the EC2NodeClass and NodePools it launches nodes from.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { chartValues, KARPENTER_NAMESPACE, KARPENTER_RELEASE } from "./chart";
import {
    CONTROLLER_POLICY_NAMES,
    Partition,
    controllerPolicies,
    controllerTrust,
    nodeAccessEntry,
    nodeManagedPolicyArns,
    nodeRoleTrust,
    podIdentityAssociation,
} from "./iam";
import { EVENT_TARGET_ID, eventRuleArgs, queueArgs, queuePolicy } from "./interruption";
import { AmiFamily, DISCOVERY_TAG, PoolsConfig, allNodePools, ec2NodeClass } from "./nodepools";
import { podSecurityLabels, pinnedChart } from "../k8s/objects";

export interface KarpenterArgs {
    prefix: string;
    /** Known before deploy: it scopes the policies and names the queue and rules. */
    clusterName: string;
    /** The cluster's name as an output, so the AWS objects wait for the cluster. */
    cluster: pulumi.Output<string>;
    region: string;
    /** The EKS cluster security group: every managed node has it, so Karpenter's nodes get it too. */
    nodeSecurityGroupId: pulumi.Input<string>;
    /** Pod Identity associations wait for the agent add-on. */
    podIdentityAgent: pulumi.Resource;
    /** The managed node groups the controller runs on (its release waits for them, not for the other add-ons). */
    systemNodeGroups: pulumi.Resource[];
    /**
     * What the nodes Karpenter launches live in (subnets, routes, NAT): the node pools wait for it,
     * so on destroy they, and the nodes behind them, go first.
     */
    network: pulumi.Resource;
    /**
     * The add-ons the pools' pods need (EBS CSI): the pools wait for them, so on destroy the pools'
     * nodes drain and terminate first, giving the CSI controller those minutes to delete the volumes
     * of claims just deleted (it does that after the claim is gone, and nothing else waits for it).
     */
    nodeAddons: pulumi.Resource[];
    pools: PoolsConfig;
    replicas: 1 | 2;
    /** The controller's requests (= limits); upstream's 1 CPU / 1Gi when absent. */
    resources?: { cpu: string; memory: string };
    /** Nodes of the system group (the controller's anti-affinity needs one per replica). */
    systemNodes: number;
    systemNodeLabel: Record<string, string>;
    ami: { family: AmiFamily; version: string };
    rootVolumeGiB: number;
    tags: Record<string, string>;
}

/** The AWS partition of a region (the policies' ARNs and the EC2 service principal). */
export function partitionOf(region: string): Partition {
    return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

export class Karpenter extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    /** Its namespace (the platform's network policies isolate it too). */
    readonly namespace: k8s.core.v1.Namespace;
    readonly nodeClass: k8s.apiextensions.CustomResource;
    readonly nodePools: k8s.apiextensions.CustomResource[];
    /** What a workload that needs Karpenter's capacity waits for: the controller and its pools. */
    readonly ready: pulumi.Resource[];
    readonly nodeRoleName: pulumi.Output<string>;
    readonly queueName: string;

    constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:Karpenter", name, {}, opts);
        const p = { parent: this };
        const partition = partitionOf(args.region);
        const identity = aws.getCallerIdentityOutput({}, p);

        // ---- the nodes' identity ----
        const nodeRole = new aws.iam.Role(
            `${name}-node`,
            {
                namePrefix: `${args.prefix}-karpenter-node-`.slice(0, 38),
                description: `Nodes Karpenter launches for ${args.clusterName}`,
                assumeRolePolicy: JSON.stringify(nodeRoleTrust(partition)),
                tags: args.tags,
            },
            p,
        );
        const nodeAttachments = nodeManagedPolicyArns(partition).map(
            (arn) => new aws.iam.RolePolicyAttachment(`${name}-node-${arn.split("/").pop()}`, { role: nodeRole.name, policyArn: arn }, p),
        );
        const accessEntry = new aws.eks.AccessEntry(
            `${name}-node`,
            {
                ...nodeAccessEntry(args.clusterName, ""),
                clusterName: args.cluster,
                principalArn: nodeRole.arn,
                tags: args.tags,
            },
            p,
        );

        // ---- interruption queue and its rules ----
        const qa = queueArgs(args.clusterName);
        this.queueName = qa.name;
        const queue = new aws.sqs.Queue(`${name}-interruption`, { ...qa, tags: args.tags }, p);
        const queuePolicyRes = new aws.sqs.QueuePolicy(
            `${name}-interruption`,
            {
                queueUrl: queue.url,
                policy: queue.arn.apply((arn) => JSON.stringify(queuePolicy(arn))),
            },
            p,
        );
        const targets = eventRuleArgs(args.clusterName).map((r) => {
            const rule = new aws.cloudwatch.EventRule(`${name}-${r.name.slice(args.clusterName.length + 1)}`, { ...r, tags: args.tags }, p);
            return new aws.cloudwatch.EventTarget(
                `${name}-${r.name.slice(args.clusterName.length + 1)}`,
                { rule: rule.name, targetId: EVENT_TARGET_ID, arn: queue.arn },
                p,
            );
        });

        // ---- the controller's identity ----
        const controllerRole = new aws.iam.Role(
            `${name}-controller`,
            {
                namePrefix: `${args.prefix}-karpenter-`.slice(0, 38),
                description: `Pod Identity role for ${KARPENTER_NAMESPACE}/karpenter`,
                assumeRolePolicy: JSON.stringify(controllerTrust()),
                tags: args.tags,
            },
            p,
        );
        const docs = pulumi
            .all([identity.accountId, nodeRole.arn, queue.arn])
            .apply(([accountId, nodeRoleArn, queueArn]) =>
                controllerPolicies({ clusterName: args.clusterName, region: args.region, accountId, partition, nodeRoleArn, queueArn }),
            );
        const controllerAttachments = CONTROLLER_POLICY_NAMES.map((n) => {
            const policy = new aws.iam.Policy(
                `${name}-${n}`,
                {
                    namePrefix: `${args.prefix}-karpenter-${n}-`.slice(0, 96),
                    description: `Karpenter ${n} (${args.clusterName})`,
                    policy: docs.apply((d) => JSON.stringify(d[n])),
                    tags: args.tags,
                },
                p,
            );
            return new aws.iam.RolePolicyAttachment(`${name}-${n}`, { role: controllerRole.name, policyArn: policy.arn }, p);
        });
        const assoc = podIdentityAssociation(args.clusterName, "");
        const association = new aws.eks.PodIdentityAssociation(
            `${name}-controller`,
            {
                ...assoc,
                clusterName: args.cluster,
                roleArn: controllerRole.arn,
                tags: args.tags,
            },
            { parent: this, dependsOn: [args.podIdentityAgent] },
        );

        // ---- discovery: where the EC2NodeClass launches (subnets are tagged in aws/network) ----
        const sgTag = new aws.ec2.Tag(`${name}-discovery`, { resourceId: args.nodeSecurityGroupId, key: DISCOVERY_TAG, value: args.clusterName }, p);

        // ---- on the cluster ----
        const ns = (this.namespace = new k8s.core.v1.Namespace(
            `${name}-ns`,
            {
                metadata: { name: KARPENTER_NAMESPACE, labels: { "app.kubernetes.io/part-of": "bdok", ...podSecurityLabels("karpenter") } },
            },
            p,
        ));
        // Helm never upgrades a chart's crds/: the CRDs are their own release, upgraded with the version.
        const crds = new k8s.helm.v3.Release(
            `${name}-crd`,
            {
                name: "karpenter-crd",
                ...pinnedChart("karpenterCrd"),
                namespace: ns.metadata.name,
                values: {},
                maxHistory: 5,
            },
            p,
        );
        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: KARPENTER_RELEASE,
                ...pinnedChart("karpenter"),
                namespace: ns.metadata.name,
                skipCrds: true,
                values: chartValues({
                    clusterName: args.clusterName,
                    interruptionQueue: qa.name,
                    replicas: args.replicas,
                    systemNodes: args.systemNodes,
                    systemNodeLabel: args.systemNodeLabel,
                    ...(args.resources ? { resources: args.resources } : {}),
                }),
                maxHistory: 5,
            },
            { parent: this, dependsOn: [...args.systemNodeGroups, crds, association, ...controllerAttachments, queuePolicyRes, ...targets] },
        );

        // The pools wait for the controller, the nodes' role, access entry and discovery tags, and
        // the network: on destroy they go first, and Karpenter (still running) terminates their nodes.
        const poolDeps = [this.release, accessEntry, ...nodeAttachments, sgTag, args.network, ...args.nodeAddons];
        this.nodeRoleName = nodeRole.name;
        const nodeClassObj = nodeRole.name.apply((role) =>
            ec2NodeClass({
                clusterName: args.clusterName,
                nodeRoleName: role,
                amiFamily: args.ami.family,
                amiVersion: args.ami.version,
                rootVolumeGiB: args.rootVolumeGiB,
                tags: args.tags,
            }),
        );
        this.nodeClass = new k8s.apiextensions.CustomResource(
            `${name}-nodeclass`,
            {
                apiVersion: "karpenter.k8s.aws/v1",
                kind: "EC2NodeClass",
                metadata: nodeClassObj.apply((o) => o.metadata),
                spec: nodeClassObj.apply((o) => o.spec),
            },
            { parent: this, dependsOn: poolDeps },
        );
        this.nodePools = allNodePools(args.pools, "default").map(
            (np) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-${np.metadata.name}`,
                    {
                        apiVersion: np.apiVersion,
                        kind: np.kind,
                        metadata: np.metadata,
                        spec: np.spec,
                    },
                    { parent: this, dependsOn: [...poolDeps, this.nodeClass] },
                ),
        );
        this.ready = [this.release, this.nodeClass, ...this.nodePools];

        this.registerOutputs({ release: this.release.status, queueName: qa.name, nodeRoleName: this.nodeRoleName });
    }
}
