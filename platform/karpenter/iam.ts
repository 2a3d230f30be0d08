// Karpenter's AWS permissions as data: the controller's policies, the node role and its access
// entry, following the v1.14 getting-started CloudFormation. One document per upstream managed
// policy: the cluster name appears in them ~25 times, so one merged document passes IAM's
// 6,144-character managed-policy limit once the name is longer than about 15 characters.
import { PolicyDocument, Statement, doc } from "../../lib/iam";
import { podIdentityTrust } from "../../aws/pod-role/trust";

export const PARTITIONS = ["aws", "aws-cn", "aws-us-gov"] as const;
export type Partition = (typeof PARTITIONS)[number];

export interface ControllerPolicyArgs {
    clusterName: string;
    region: string;
    accountId: string;
    partition: Partition;
    nodeRoleArn: string;
    queueArn: string;
}

/** The upstream managed policies, by the suffix of their names (KarpenterController<Name>Policy-<cluster>). */
export const CONTROLLER_POLICY_NAMES = ["NodeLifecycle", "IAMIntegration", "EKSIntegration", "Interruption", "ZonalShift", "ResourceDiscovery"] as const;
export type ControllerPolicyName = (typeof CONTROLLER_POLICY_NAMES)[number];

/** Problems with the arguments, as `field: got …; allowed: …` (empty when they are usable). */
export function controllerPolicyArgsProblems(a: ControllerPolicyArgs): string[] {
    const out: string[] = [];
    const check = (field: string, v: unknown, ok: boolean, allowed: string) => {
        if (!ok) out.push(`${field}: got ${JSON.stringify(v)}; allowed: ${allowed}`);
    };
    check(
        "clusterName",
        a.clusterName,
        typeof a.clusterName === "string" && /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(a.clusterName),
        "an EKS cluster name (letters, digits, - and _, up to 100)",
    );
    check("region", a.region, typeof a.region === "string" && /^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(a.region), "an AWS region such as us-east-1");
    check("accountId", a.accountId, typeof a.accountId === "string" && /^\d{12}$/.test(a.accountId), "a 12-digit AWS account id");
    check("partition", a.partition, (PARTITIONS as readonly string[]).includes(a.partition), PARTITIONS.join(", "));
    check("nodeRoleArn", a.nodeRoleArn, typeof a.nodeRoleArn === "string" && /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(a.nodeRoleArn), "an IAM role ARN");
    check(
        "queueArn",
        a.queueArn,
        typeof a.queueArn === "string" && /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/.test(a.queueArn),
        "an SQS queue ARN",
    );
    return out;
}

/** The DNS suffix of service principals in a partition (CloudFormation's AWS::URLSuffix). */
export function urlSuffix(partition: Partition): string {
    return partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
}

/**
 * The six controller policies of Karpenter v1.14's CloudFormation, scoped to this cluster: EC2
 * launches and deletions only on resources tagged kubernetes.io/cluster/<name>=owned and
 * karpenter.sh/nodepool, PassRole only of the node role, the queue by its ARN.
 */
export function controllerPolicies(a: ControllerPolicyArgs): Record<ControllerPolicyName, PolicyDocument> {
    const problems = controllerPolicyArgsProblems(a);
    if (problems.length) throw new Error(`Karpenter controller policy: ${problems.join("; ")}`);
    const { clusterName: c, region: r, accountId: acct, partition: p } = a;
    const ec2 = (res: string) => `arn:${p}:ec2:${r}:*:${res}/*`;
    const clusterOwned = `kubernetes.io/cluster/${c}`;
    const instanceProfiles = `arn:${p}:iam::${acct}:instance-profile/*`;
    const clusterArn = `arn:${p}:eks:${r}:${acct}:cluster/${c}`;
    const taggedByLaunch = ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"].map(ec2);
    const s = (x: Statement) => x;
    return {
        NodeLifecycle: doc(
            s({
                Sid: "AllowScopedEC2InstanceAccessActions",
                Effect: "Allow",
                Resource: [
                    `arn:${p}:ec2:${r}::image/*`,
                    `arn:${p}:ec2:${r}::snapshot/*`,
                    ...["security-group", "subnet", "capacity-reservation", "placement-group"].map(ec2),
                ],
                Action: ["ec2:RunInstances", "ec2:CreateFleet"],
            }),
            s({
                Sid: "AllowScopedEC2LaunchTemplateAccessActions",
                Effect: "Allow",
                Resource: ec2("launch-template"),
                Action: ["ec2:RunInstances", "ec2:CreateFleet"],
                Condition: { StringEquals: { [`aws:ResourceTag/${clusterOwned}`]: "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
            }),
            s({
                Sid: "AllowScopedEC2InstanceActionsWithTags",
                Effect: "Allow",
                Resource: taggedByLaunch,
                Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
                Condition: {
                    StringEquals: { [`aws:RequestTag/${clusterOwned}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": c },
                    StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
                },
            }),
            s({
                Sid: "AllowScopedResourceCreationTagging",
                Effect: "Allow",
                Resource: taggedByLaunch,
                Action: "ec2:CreateTags",
                Condition: {
                    StringEquals: {
                        [`aws:RequestTag/${clusterOwned}`]: "owned",
                        "aws:RequestTag/eks:eks-cluster-name": c,
                        "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
                    },
                    StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
                },
            }),
            s({
                Sid: "AllowScopedResourceTagging",
                Effect: "Allow",
                Resource: ec2("instance"),
                Action: "ec2:CreateTags",
                Condition: {
                    StringEquals: { [`aws:ResourceTag/${clusterOwned}`]: "owned" },
                    StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
                    StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": c },
                    "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
                },
            }),
            s({
                Sid: "AllowScopedDeletion",
                Effect: "Allow",
                Resource: [ec2("instance"), ec2("launch-template")],
                Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
                Condition: { StringEquals: { [`aws:ResourceTag/${clusterOwned}`]: "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
            }),
        ),
        IAMIntegration: doc(
            s({
                Sid: "AllowPassingInstanceRole",
                Effect: "Allow",
                Resource: a.nodeRoleArn,
                Action: "iam:PassRole",
                // Upstream lists both, so one policy serves the commercial and the China partitions.
                Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
            }),
            s({
                Sid: "AllowScopedInstanceProfileCreationActions",
                Effect: "Allow",
                Resource: instanceProfiles,
                Action: ["iam:CreateInstanceProfile"],
                Condition: {
                    StringEquals: {
                        [`aws:RequestTag/${clusterOwned}`]: "owned",
                        "aws:RequestTag/eks:eks-cluster-name": c,
                        "aws:RequestTag/topology.kubernetes.io/region": r,
                    },
                    StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
                },
            }),
            s({
                Sid: "AllowScopedInstanceProfileTagActions",
                Effect: "Allow",
                Resource: instanceProfiles,
                Action: ["iam:TagInstanceProfile"],
                Condition: {
                    StringEquals: {
                        [`aws:ResourceTag/${clusterOwned}`]: "owned",
                        "aws:ResourceTag/topology.kubernetes.io/region": r,
                        [`aws:RequestTag/${clusterOwned}`]: "owned",
                        "aws:RequestTag/eks:eks-cluster-name": c,
                        "aws:RequestTag/topology.kubernetes.io/region": r,
                    },
                    StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
                },
            }),
            s({
                Sid: "AllowScopedInstanceProfileActions",
                Effect: "Allow",
                Resource: instanceProfiles,
                Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
                Condition: {
                    StringEquals: { [`aws:ResourceTag/${clusterOwned}`]: "owned", "aws:ResourceTag/topology.kubernetes.io/region": r },
                    StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" },
                },
            }),
            // Not upstream: an account that never ran spot has no AWSServiceRoleForEC2Spot, and EC2
            // creates it on the first spot launch with the caller's rights (else the launch fails
            // with AuthFailure.ServiceLinkedRoleCreationNotPermitted). Only that role, only for EC2 Spot.
            s({
                Sid: "AllowSpotServiceLinkedRoleCreation",
                Effect: "Allow",
                Resource: `arn:${p}:iam::${acct}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`,
                Action: "iam:CreateServiceLinkedRole",
                Condition: { StringEquals: { "iam:AWSServiceName": "spot.amazonaws.com" } },
            }),
        ),
        EKSIntegration: doc(s({ Sid: "AllowAPIServerEndpointDiscovery", Effect: "Allow", Resource: clusterArn, Action: "eks:DescribeCluster" })),
        Interruption: doc(
            s({
                Sid: "AllowInterruptionQueueActions",
                Effect: "Allow",
                Resource: a.queueArn,
                Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            }),
        ),
        ZonalShift: doc(
            s({
                Sid: "AllowZonalShiftStatusReadOnly",
                Effect: "Allow",
                Resource: "*",
                Action: ["arc-zonal-shift:GetManagedResource"],
                Condition: { StringEquals: { "arc-zonal-shift:ResourceIdentifier": clusterArn } },
            }),
        ),
        ResourceDiscovery: doc(
            s({
                Sid: "AllowRegionalReadActions",
                Effect: "Allow",
                Resource: "*",
                Action: [
                    "ec2:DescribeCapacityReservations",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceStatus",
                    "ec2:DescribeInstanceTypeOfferings",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplates",
                    "ec2:DescribePlacementGroups",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSpotPriceHistory",
                    "ec2:DescribeSubnets",
                ],
                Condition: { StringEquals: { "aws:RequestedRegion": r } },
            }),
            s({ Sid: "AllowSSMReadActions", Effect: "Allow", Resource: `arn:${p}:ssm:${r}::parameter/aws/service/*`, Action: "ssm:GetParameter" }),
            s({ Sid: "AllowPricingReadActions", Effect: "Allow", Resource: "*", Action: "pricing:GetProducts" }),
            s({ Sid: "AllowUnscopedInstanceProfileListAction", Effect: "Allow", Resource: "*", Action: "iam:ListInstanceProfiles" }),
            s({ Sid: "AllowInstanceProfileReadActions", Effect: "Allow", Resource: instanceProfiles, Action: "iam:GetInstanceProfile" }),
        ),
    };
}

/** IAM's limit on a customer managed policy document, in characters without whitespace. */
export const MANAGED_POLICY_MAX_CHARS = 6144;

export function policyChars(d: PolicyDocument): number {
    return JSON.stringify(d).replace(/\s/g, "").length;
}

/** The controller role's trust: EKS Pod Identity (association karpenter/karpenter). */
export function controllerTrust(): PolicyDocument {
    return podIdentityTrust();
}

/** The node role's trust: EC2 instances (the instance profile Karpenter creates from `role`). */
export function nodeRoleTrust(partition: Partition): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: `ec2.${urlSuffix(partition)}` }, Action: ["sts:AssumeRole"] } as unknown as Statement],
    };
}

/** The node role's AWS managed policies, as upstream (PullOnly, not ReadOnly: nodes only pull). */
export function nodeManagedPolicyArns(partition: Partition): string[] {
    return ["AmazonEKS_CNI_Policy", "AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"].map(
        (n) => `arn:${partition}:iam::aws:policy/${n}`,
    );
}

/**
 * The access entry letting Karpenter's nodes join (replaces upstream's aws-auth mapping to
 * system:bootstrappers/system:nodes). EC2_LINUX entries take no access policies or groups.
 */
export function nodeAccessEntry(clusterName: string, nodeRoleArn: string): { clusterName: string; principalArn: string; type: "EC2_LINUX" } {
    return { clusterName, principalArn: nodeRoleArn, type: "EC2_LINUX" };
}

export const KARPENTER_NAMESPACE = "karpenter";
export const KARPENTER_SERVICE_ACCOUNT = "karpenter";

/** The Pod Identity association of the controller's service account. */
export function podIdentityAssociation(
    clusterName: string,
    roleArn: string,
): { clusterName: string; namespace: string; serviceAccount: string; roleArn: string } {
    return { clusterName, namespace: KARPENTER_NAMESPACE, serviceAccount: KARPENTER_SERVICE_ACCOUNT, roleArn };
}
