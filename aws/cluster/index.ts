import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { NodeGroupConfig } from "../../config";
import { serviceTrust } from "../../lib/iam";
import { PodRole } from "../pod-role";
import { accessEntryKey } from "./access";
import { eksAddonVersions } from "./addons";
import { amiTypeFor, CONTROL_PLANE_LOG_RETENTION_DAYS, controlPlaneLogGroup, controlPlaneLogTypes, NODE_ROLE_POLICIES } from "./nodes";

export interface ClusterArgs {
    prefix: string;
    /** The EKS cluster name (also the subnets' kubernetes.io/cluster tag). */
    clusterName: string;
    kubernetesVersion: string;
    vpcId: pulumi.Input<string>;
    publicSubnetIds: pulumi.Input<string>[];
    privateSubnetIds: pulumi.Input<string>[];
    nodeGroups: Record<string, NodeGroupConfig>;
    endpointPublicAccessCidrs: string[];
    adminRoleArns: string[];
    /** Read-only access (the CI preview role): previews fall back to client-side diffs without patch rights. */
    viewerRoleArns: string[];
    /**
     * protectStatefulResources: volumes outlive their claims (reclaimPolicy Retain), so no destroy
     * order (a namespace before the Kafka or Elasticsearch resource, the cluster before either)
     * deletes the EBS volumes of Kafka and Elasticsearch.
     */
    retainVolumes: boolean;
    tags: Record<string, string>;
}

export class Cluster extends pulumi.ComponentResource {
    readonly name: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    /** The EKS-managed security group on every managed node (and so every pod). */
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    /** Pod Identity agent: pod roles' associations wait for it. */
    readonly podIdentityAgent: aws.eks.Addon;
    readonly nodeGroups: eks.ManagedNodeGroup[];
    /**
     * The readiness barrier: what anything that runs pods waits for. Node groups ACTIVE, the add-ons
     * whose pods give pods their AWS identity and their volumes, and the default storage class.
     * On destroy the same barrier outlives every pod, PVC and custom resource behind it.
     */
    readonly ready: pulumi.Resource[];
    readonly defaultStorageClass: string = "gp3";

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:aws:Cluster", name, {}, opts);
        const p = { parent: this };
        const addonVersions = eksAddonVersions(args.kubernetesVersion);

        const secretsKey = new aws.kms.Key(
            `${name}-secrets`,
            {
                description: `${args.clusterName}: envelope encryption of Kubernetes secrets`,
                enableKeyRotation: true,
                deletionWindowInDays: 7,
                tags: args.tags,
            },
            p,
        );

        const accessEntries: Record<string, eks.types.input.AccessEntryArgs> = {};
        // Keyed by ARN: removing one role leaves every other entry's resource as it is.
        args.adminRoleArns.forEach((arn) => {
            accessEntries[accessEntryKey("admin", arn)] = {
                principalArn: arn,
                accessPolicies: {
                    admin: {
                        policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                        accessScope: { type: "cluster" },
                    },
                },
            };
        });

        args.viewerRoleArns.forEach((arn) => {
            accessEntries[accessEntryKey("viewer", arn)] = {
                principalArn: arn,
                accessPolicies: {
                    view: {
                        policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
                        accessScope: { type: "cluster" },
                    },
                },
            };
        });

        // Ours before the cluster exists, so EKS writes into it instead of creating one without expiry.
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-control-plane-logs`,
            { name: controlPlaneLogGroup(args.clusterName), retentionInDays: CONTROL_PLANE_LOG_RETENTION_DAYS, tags: args.tags },
            p,
        );

        const cluster = new eks.Cluster(
            `${name}`,
            {
                name: args.clusterName,
                version: args.kubernetesVersion,
                vpcId: args.vpcId,
                publicSubnetIds: args.publicSubnetIds,
                privateSubnetIds: args.privateSubnetIds,
                nodeAssociatePublicIpAddress: false,
                endpointPrivateAccess: true,
                endpointPublicAccess: args.endpointPublicAccessCidrs.length > 0,
                publicAccessCidrs: args.endpointPublicAccessCidrs.length > 0 ? args.endpointPublicAccessCidrs : undefined,
                authenticationMode: eks.AuthenticationMode.Api,
                accessEntries,
                skipDefaultNodeGroup: true,
                // No node uses @pulumi/eks's own cluster and node security groups: managed and
                // Karpenter nodes carry the one EKS creates.
                skipDefaultSecurityGroups: true,
                createOidcProvider: false,
                enabledClusterLogTypes: controlPlaneLogTypes,
                encryptionConfigKeyArn: secretsKey.arn,
                // Pinned (unset, @pulumi/eks installs the most recent version AWS offers); the VPC CNI
                // enforces NetworkPolicies only with enableNetworkPolicy (EKS user guide, cni-network-policy).
                vpcCniOptions: { addonVersion: addonVersions.vpcCni, enableNetworkPolicy: true },
                kubeProxyAddonOptions: { version: addonVersions.kubeProxy },
                // With skipDefaultNodeGroup @pulumi/eks leaves CoreDNS self-managed (cluster.ts v4.3.0
                // L1175-L1184), and enabled it would create the add-on before any node exists:
                // CoreDNS is this component's own add-on, below, after the node groups.
                corednsAddonOptions: { enabled: false },
                tags: args.tags,
            },
            { ...p, dependsOn: [logGroup] },
        );

        this.name = cluster.eksCluster.name;
        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.clusterSecurityGroupId = cluster.eksCluster.vpcConfig.clusterSecurityGroupId;

        const nodeRole = new aws.iam.Role(
            `${name}-nodes`,
            {
                namePrefix: `${args.prefix}-nodes-`,
                assumeRolePolicy: JSON.stringify(serviceTrust("ec2.amazonaws.com")),
                tags: args.tags,
            },
            p,
        );
        const nodeAttachments = NODE_ROLE_POLICIES.map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-nodes-${policy}`,
                    {
                        role: nodeRole.name,
                        policyArn: `arn:aws:iam::aws:policy/${policy}`,
                    },
                    p,
                ),
        );
        // The node groups wait for the attachments, so destroy deletes the groups (instances, ENIs)
        // while the role still has its policies. The ARN carries the dependency into the remote
        // component's own NodeGroup; dependsOn orders the component itself.
        const nodeRoleArn = pulumi.all([nodeRole.arn, ...nodeAttachments.map((a) => a.policyArn)]).apply(([arn]) => arn);

        this.nodeGroups = Object.entries(args.nodeGroups).map(
            ([group, ng]) =>
                new eks.ManagedNodeGroup(
                    `${name}-${group}`,
                    {
                        cluster,
                        nodeGroupNamePrefix: `${group}-`,
                        nodeRoleArn,
                        subnetIds: args.privateSubnetIds,
                        instanceTypes: ng.instanceTypes,
                        capacityType: ng.capacityType,
                        amiType: amiTypeFor(ng.instanceTypes),
                        diskSize: ng.diskSizeGiB,
                        // Fixed size from the stack file: no autoscaler owns these groups (Karpenter adds its own nodes).
                        scalingConfig: { minSize: ng.minSize, desiredSize: ng.desiredSize, maxSize: ng.maxSize },
                        labels: { "bdok/node-group": group, ...ng.labels },
                        tags: args.tags,
                    },
                    { parent: this, dependsOn: nodeAttachments },
                ),
        );

        // Add-ons need running nodes to become ACTIVE.
        const afterNodes = { parent: this, dependsOn: this.nodeGroups };
        this.podIdentityAgent = new aws.eks.Addon(
            `${name}-pod-identity`,
            {
                clusterName: this.name,
                addonName: "eks-pod-identity-agent",
                addonVersion: addonVersions.podIdentityAgent,
                resolveConflictsOnCreate: "OVERWRITE",
                tags: args.tags,
            },
            afterNodes,
        );

        // CoreDNS as an EKS add-on, upgraded with the pinned version: it takes over the self-managed
        // Deployment EKS created with the cluster (OVERWRITE), and `preserve` leaves DNS running
        // while the rest of the stack is destroyed.
        new aws.eks.Addon(
            `${name}-coredns`,
            {
                clusterName: this.name,
                addonName: "coredns",
                addonVersion: addonVersions.coredns,
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
                preserve: true,
                tags: args.tags,
            },
            afterNodes,
        );

        const ebsCsi = new PodRole(
            `${name}-ebs-csi`,
            {
                prefix: args.prefix,
                clusterName: this.name,
                namespace: "kube-system",
                serviceAccount: "ebs-csi-controller-sa",
                managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"],
                dependsOn: [this.podIdentityAgent],
                tags: args.tags,
            },
            p,
        );
        const ebsAddon = new aws.eks.Addon(
            `${name}-ebs-csi`,
            {
                clusterName: this.name,
                addonName: "aws-ebs-csi-driver",
                addonVersion: addonVersions.ebsCsiDriver,
                resolveConflictsOnCreate: "OVERWRITE",
                tags: args.tags,
            },
            { parent: this, dependsOn: [...this.nodeGroups, ebsCsi] },
        );

        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig: this.kubeconfig,
                enableServerSideApply: true,
            },
            p,
        );

        const storageClass = new k8s.storage.v1.StorageClass(
            `${name}-gp3`,
            {
                metadata: {
                    name: this.defaultStorageClass,
                    annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
                },
                provisioner: "ebs.csi.aws.com",
                parameters: { type: "gp3", encrypted: "true", fsType: "ext4" },
                // Copied into each PersistentVolume when it is provisioned (Kubernetes docs, Storage
                // Classes: reclaimPolicy); a class's policy cannot change in place (the class is replaced).
                reclaimPolicy: args.retainVolumes ? "Retain" : "Delete",
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
            },
            { parent: this, provider: this.provider, dependsOn: [ebsAddon] },
        );
        this.ready = [...this.nodeGroups, this.podIdentityAgent, ebsAddon, storageClass];

        this.registerOutputs({
            name: this.name,
            kubeconfig: this.kubeconfig,
            clusterSecurityGroupId: this.clusterSecurityGroupId,
        });
    }
}
