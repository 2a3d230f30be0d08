import { PolicyDocument, Statement, doc } from "../../lib/iam";
import { LBC_CLUSTER_TAG } from "./values";

/**
 * The controller's published policy (docs/install/iam_policy.json at v3.5.0), with every condition
 * on the tracking tag narrowed from "has a cluster tag" to "is tagged with this cluster", and the
 * ARN patterns to this region and account. Statements on "*" stay where upstream has them: the
 * Describe calls and the create calls have no resource-level scope.
 */
export function controllerPolicy(clusterName: string, region: string, accountId: string): PolicyDocument {
    const requestTagged = { [`aws:RequestTag/${LBC_CLUSTER_TAG}`]: clusterName };
    const resourceTagged = { [`aws:ResourceTag/${LBC_CLUSTER_TAG}`]: clusterName };
    // The request leaves the cluster tag alone, on a resource of this cluster.
    const taggedAndUntouched = { Null: { [`aws:RequestTag/${LBC_CLUSTER_TAG}`]: "true" }, StringEquals: resourceTagged };
    const ec2 = `arn:aws:ec2:${region}:${accountId}`;
    const elb = `arn:aws:elasticloadbalancing:${region}:${accountId}`;
    const lbArns = [`${elb}:targetgroup/*/*`, `${elb}:loadbalancer/net/*/*`, `${elb}:loadbalancer/app/*/*`];
    const s = (Sid: string, Action: string[], Resource: string | string[], Condition?: Statement["Condition"]): Statement => ({
        Sid,
        Effect: "Allow",
        Action,
        Resource,
        ...(Condition ? { Condition } : {}),
    });
    return doc(
        s("ServiceLinkedRole", ["iam:CreateServiceLinkedRole"], "*", { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } }),
        s(
            "Describe",
            [
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeVpcs",
                "ec2:DescribeVpcPeeringConnections",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeInstances",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeTags",
                "ec2:GetCoipPoolUsage",
                "ec2:DescribeCoipPools",
                "ec2:GetSecurityGroupsForVpc",
                "ec2:DescribeIpamPools",
                "ec2:DescribeRouteTables",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeListenerCertificates",
                "elasticloadbalancing:DescribeSSLPolicies",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTrustStores",
                "elasticloadbalancing:DescribeListenerAttributes",
                "elasticloadbalancing:DescribeCapacityReservation",
            ],
            "*",
        ),
        s(
            "AddOns",
            [
                "cognito-idp:DescribeUserPoolClient",
                "acm:ListCertificates",
                "acm:DescribeCertificate",
                "iam:ListServerCertificates",
                "iam:GetServerCertificate",
                "waf-regional:GetWebACL",
                "waf-regional:GetWebACLForResource",
                "waf-regional:AssociateWebACL",
                "waf-regional:DisassociateWebACL",
                "wafv2:GetWebACL",
                "wafv2:GetWebACLForResource",
                "wafv2:AssociateWebACL",
                "wafv2:DisassociateWebACL",
                "shield:GetSubscriptionState",
                "shield:DescribeProtection",
                "shield:CreateProtection",
                "shield:DeleteProtection",
            ],
            "*",
        ),
        // Upstream: the node and pod security groups it opens to the NLB are not its own (untagged).
        s("TargetSecurityGroupRules", ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], "*"),
        s("CreateSecurityGroup", ["ec2:CreateSecurityGroup"], "*"),
        s("TagNewSecurityGroup", ["ec2:CreateTags"], `${ec2}:security-group/*`, {
            StringEquals: { "ec2:CreateAction": "CreateSecurityGroup", ...requestTagged },
        }),
        s("RetagOwnSecurityGroup", ["ec2:CreateTags", "ec2:DeleteTags"], `${ec2}:security-group/*`, taggedAndUntouched),
        s("ManageOwnSecurityGroup", ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"], "*", {
            StringEquals: resourceTagged,
        }),
        s("CreateTaggedLoadBalancer", ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"], "*", {
            StringEquals: requestTagged,
        }),
        s(
            "Listeners",
            [
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule",
            ],
            "*",
        ),
        s("RetagOwnLoadBalancer", ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], lbArns, taggedAndUntouched),
        s(
            "TagListeners",
            ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            [`${elb}:listener/net/*/*/*`, `${elb}:listener/app/*/*/*`, `${elb}:listener-rule/net/*/*/*`, `${elb}:listener-rule/app/*/*/*`],
        ),
        s(
            "ManageOwnLoadBalancer",
            [
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyListenerAttributes",
                "elasticloadbalancing:ModifyCapacityReservation",
                "elasticloadbalancing:ModifyIpPools",
            ],
            "*",
            { StringEquals: resourceTagged },
        ),
        s("TagOnCreate", ["elasticloadbalancing:AddTags"], lbArns, {
            StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"], ...requestTagged },
        }),
        s("Targets", ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"], `${elb}:targetgroup/*/*`),
        s(
            "ListenerSettings",
            [
                "elasticloadbalancing:SetWebAcl",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:SetRulePriorities",
            ],
            "*",
        ),
    );
}
