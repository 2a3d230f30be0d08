import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { networkPolicies, type NetworkPolicyConfig } from "./specs";

export interface NetworkPoliciesArgs extends Omit<NetworkPolicyConfig, "namespaces"> {
    /** Every namespace the platform owns, by name: each policy waits for its namespace. */
    namespaces: Record<string, k8s.core.v1.Namespace>;
}

/** Default-deny ingress and egress in every platform namespace and the allow rules of ./specs.ts. */
export class NetworkPolicies extends pulumi.ComponentResource {
    readonly policies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:NetworkPolicies", name, {}, opts);
        const objects = networkPolicies({ ...args, namespaces: Object.keys(args.namespaces) });
        this.policies = objects.map(
            (o) =>
                new k8s.networking.v1.NetworkPolicy(
                    `${name}-${o.metadata.namespace}-${o.metadata.name}`,
                    {
                        metadata: { ...o.metadata, namespace: args.namespaces[o.metadata.namespace].metadata.name },
                        spec: o.spec as k8s.types.input.networking.v1.NetworkPolicySpec,
                    },
                    { parent: this },
                ),
        );
        this.registerOutputs({});
    }
}
