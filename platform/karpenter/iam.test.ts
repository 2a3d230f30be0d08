import { strict as assert } from "assert";
import { Statement } from "../../lib/iam";
import { isAllowed, Request } from "../../test/iam-eval";
import {
    CONTROLLER_POLICY_NAMES,
    ControllerPolicyArgs,
    MANAGED_POLICY_MAX_CHARS,
    controllerPolicies,
    controllerTrust,
    nodeAccessEntry,
    nodeManagedPolicyArns,
    nodeRoleTrust,
    podIdentityAssociation,
    policyChars,
} from "./iam";

const args: ControllerPolicyArgs = {
    clusterName: "bdok-dev",
    region: "us-east-1",
    accountId: "123456789012",
    partition: "aws",
    nodeRoleArn: "arn:aws:iam::123456789012:role/bdok-dev-karpenter-node",
    queueArn: "arn:aws:sqs:us-east-1:123456789012:bdok-dev",
};

// The project's IAM evaluator decides what the policies grant.
const allowed = (docs: Statement[], r: Request): boolean => isAllowed({ Version: "2012-10-17", Statement: docs }, r);
const all = (a = args) => Object.values(controllerPolicies(a)).flatMap((d) => d.Statement);

describe("karpenter iam", () => {
    it("has the six upstream policies, each under IAM's managed-policy size limit", () => {
        const p = controllerPolicies(args);
        assert.deepEqual(Object.keys(p), [...CONTROLLER_POLICY_NAMES]);
        // The longest cluster name EKS allows still fits each; merged, a 30-character name would not.
        const longest = { ...args, clusterName: "c".repeat(100) };
        for (const [name, d] of Object.entries(controllerPolicies(longest)))
            assert.ok(policyChars(d) <= MANAGED_POLICY_MAX_CHARS, `${name}: ${policyChars(d)} chars`);
        assert.ok(policyChars({ Version: "2012-10-17", Statement: all({ ...args, clusterName: "c".repeat(30) }) }) > MANAGED_POLICY_MAX_CHARS);
    });

    it("launches and terminates only this cluster's Karpenter instances", () => {
        const inst = "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc";
        const mine = { "aws:ResourceTag/kubernetes.io/cluster/bdok-dev": "owned", "aws:ResourceTag/karpenter.sh/nodepool": "workloads" };
        assert.equal(allowed(all(), { action: "ec2:TerminateInstances", resource: inst, context: mine }), true);
        assert.equal(
            allowed(all(), {
                action: "ec2:TerminateInstances",
                resource: inst,
                context: { "aws:ResourceTag/kubernetes.io/cluster/other": "owned", "aws:ResourceTag/karpenter.sh/nodepool": "x" },
            }),
            false,
        );
        // A managed node group instance (no nodepool tag) is not Karpenter's to delete.
        assert.equal(
            allowed(all(), { action: "ec2:TerminateInstances", resource: inst, context: { "aws:ResourceTag/kubernetes.io/cluster/bdok-dev": "owned" } }),
            false,
        );
        const launch = {
            "aws:RequestTag/kubernetes.io/cluster/bdok-dev": "owned",
            "aws:RequestTag/eks:eks-cluster-name": "bdok-dev",
            "aws:RequestTag/karpenter.sh/nodepool": "stateful",
        };
        assert.equal(allowed(all(), { action: "ec2:RunInstances", resource: inst, context: launch }), true);
        assert.equal(
            allowed(all(), { action: "ec2:RunInstances", resource: inst, context: { ...launch, "aws:RequestTag/eks:eks-cluster-name": "other" } }),
            false,
        );
        assert.equal(
            allowed(all(), { action: "ec2:RunInstances", resource: "arn:aws:ec2:eu-west-1:123456789012:instance/i-1", context: launch }),
            false,
            "another region",
        );
        // Retagging an instance may only touch the names Karpenter sets.
        assert.equal(
            allowed(all(), { action: "ec2:CreateTags", resource: inst, context: { ...mine, "aws:TagKeys": ["Name", "karpenter.sh/nodeclaim"] } }),
            true,
        );
        assert.equal(
            allowed(all(), { action: "ec2:CreateTags", resource: inst, context: { ...mine, "aws:TagKeys": ["kubernetes.io/cluster/bdok-dev"] } }),
            false,
        );
    });

    it("passes only the node role, reads only its queue and describes only its cluster", () => {
        assert.equal(allowed(all(), { action: "iam:PassRole", resource: args.nodeRoleArn, context: { "iam:PassedToService": "ec2.amazonaws.com" } }), true);
        assert.equal(
            allowed(all(), {
                action: "iam:PassRole",
                resource: "arn:aws:iam::123456789012:role/admin",
                context: { "iam:PassedToService": "ec2.amazonaws.com" },
            }),
            false,
        );
        assert.equal(allowed(all(), { action: "sqs:ReceiveMessage", resource: args.queueArn, context: {} }), true);
        assert.equal(allowed(all(), { action: "sqs:ReceiveMessage", resource: "arn:aws:sqs:us-east-1:123456789012:other", context: {} }), false);
        assert.equal(allowed(all(), { action: "eks:DescribeCluster", resource: "arn:aws:eks:us-east-1:123456789012:cluster/bdok-dev", context: {} }), true);
        assert.equal(allowed(all(), { action: "eks:DescribeCluster", resource: "arn:aws:eks:us-east-1:123456789012:cluster/bdok-prod", context: {} }), false);
        assert.equal(allowed(all(), { action: "ec2:DescribeSubnets", resource: "*", context: { "aws:RequestedRegion": "eu-west-1" } }), false);
    });

    it("may create the EC2 Spot service-linked role (a fresh account's first spot launch) and no other", () => {
        const spot = "arn:aws:iam::123456789012:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot";
        assert.equal(allowed(all(), { action: "iam:CreateServiceLinkedRole", resource: spot, context: { "iam:AWSServiceName": "spot.amazonaws.com" } }), true);
        const elb = "arn:aws:iam::123456789012:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing";
        assert.equal(
            allowed(all(), { action: "iam:CreateServiceLinkedRole", resource: elb, context: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } }),
            false,
        );
        assert.equal(allowed(all(), { action: "iam:CreateServiceLinkedRole", resource: spot, context: { "iam:AWSServiceName": "ec2.amazonaws.com" } }), false);
    });

    it("follows the partition in every ARN", () => {
        const cn = {
            ...args,
            partition: "aws-cn" as const,
            region: "cn-north-1",
            nodeRoleArn: "arn:aws-cn:iam::123456789012:role/n",
            queueArn: "arn:aws-cn:sqs:cn-north-1:123456789012:q",
        };
        const arns = all(cn)
            .flatMap((s) => ([] as string[]).concat(s.Resource))
            .filter((r) => r.startsWith("arn:"));
        assert.ok(arns.length > 10 && arns.every((r) => r.startsWith("arn:aws-cn:")), arns.join(" "));
        assert.deepEqual(nodeRoleTrust("aws-cn").Statement[0].Principal, { Service: "ec2.amazonaws.com.cn" });
        assert.ok(nodeManagedPolicyArns("aws-us-gov").every((a) => a.startsWith("arn:aws-us-gov:iam::aws:policy/")));
    });

    it("refuses bad arguments with one clear message", () => {
        assert.throws(
            () => controllerPolicies({ ...args, accountId: "12345", region: "useast1" }),
            /region: got "useast1"; allowed: an AWS region such as us-east-1; accountId: got "12345"; allowed: a 12-digit AWS account id/,
        );
    });

    it("the node role: EC2 trust, the four upstream managed policies, an EC2_LINUX access entry; the controller: Pod Identity karpenter/karpenter", () => {
        assert.deepEqual(nodeRoleTrust("aws"), {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: ["sts:AssumeRole"] }],
        });
        assert.deepEqual(
            nodeManagedPolicyArns("aws")
                .map((a) => a.split("/").pop())
                .sort(),
            ["AmazonEC2ContainerRegistryPullOnly", "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonSSMManagedInstanceCore"],
        );
        assert.deepEqual(nodeAccessEntry("bdok-dev", args.nodeRoleArn), { clusterName: "bdok-dev", principalArn: args.nodeRoleArn, type: "EC2_LINUX" });
        assert.deepEqual(controllerTrust().Statement[0].Principal, { Service: "pods.eks.amazonaws.com" });
        assert.deepEqual(controllerTrust().Statement[0].Action, ["sts:AssumeRole", "sts:TagSession"]);
        assert.deepEqual(podIdentityAssociation("bdok-dev", "arn:aws:iam::123456789012:role/c"), {
            clusterName: "bdok-dev",
            namespace: "karpenter",
            serviceAccount: "karpenter",
            roleArn: "arn:aws:iam::123456789012:role/c",
        });
    });
});
