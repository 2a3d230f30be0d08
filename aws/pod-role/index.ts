import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument } from "../../lib/iam";
import { podIdentityTrust } from "./trust";

export interface PodRoleArgs {
    prefix: string;
    clusterName: pulumi.Input<string>;
    namespace: string;
    serviceAccount: string;
    /** The role's permissions, as a document whose resources are named (no wildcards). */
    policy?: pulumi.Input<PolicyDocument>;
    /** AWS-managed policies, only where AWS publishes the exact one (e.g. the EBS CSI driver's). */
    managedPolicyArns?: string[];
    /** Resources the association must wait for (the Pod Identity agent add-on). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    tags: Record<string, string>;
}

/** An IAM role for one Kubernetes service account through EKS Pod Identity: no keys, no node role. */
export class PodRole extends pulumi.ComponentResource {
    readonly roleArn: pulumi.Output<string>;
    readonly roleName: pulumi.Output<string>;

    constructor(name: string, args: PodRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:aws:PodRole", name, {}, opts);
        const p = { parent: this };
        const role = new aws.iam.Role(
            `${name}`,
            {
                namePrefix: `${args.prefix}-${name}-`.slice(0, 38),
                description: `Pod Identity role for ${args.namespace}/${args.serviceAccount}`,
                assumeRolePolicy: JSON.stringify(podIdentityTrust()),
                tags: args.tags,
            },
            p,
        );
        if (args.policy) {
            new aws.iam.RolePolicy(
                `${name}`,
                {
                    role: role.id,
                    policy: pulumi.output(args.policy).apply((d) => JSON.stringify(d)),
                },
                p,
            );
        }
        (args.managedPolicyArns ?? []).forEach((arn, i) => new aws.iam.RolePolicyAttachment(`${name}-${i}`, { role: role.name, policyArn: arn }, p));
        new aws.eks.PodIdentityAssociation(
            `${name}`,
            {
                clusterName: args.clusterName,
                namespace: args.namespace,
                serviceAccount: args.serviceAccount,
                roleArn: role.arn,
                tags: args.tags,
            },
            { parent: this, dependsOn: args.dependsOn },
        );
        this.roleArn = role.arn;
        this.roleName = role.name;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
