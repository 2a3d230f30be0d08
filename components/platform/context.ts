import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../config";

/** What every platform component needs from the layers below it. */
export interface PlatformContext {
    config: StackConfig;
    prefix: string;
    tags: Record<string, string>;
    clusterName: pulumi.Output<string>;
    /** Pod Identity associations wait for the agent add-on. */
    podIdentityAgent: pulumi.Resource;
    /** The default encrypted gp3 StorageClass. */
    storageClass: string;
}

/** The Kubernetes Service type for user-facing services, from the exposure setting. */
export function serviceType(exposure: StackConfig["exposure"]): "ClusterIP" | "LoadBalancer" {
    return exposure === "clusterIp" ? "ClusterIP" : "LoadBalancer";
}

/** Annotations for an AWS load balancer when exposure asks for one (NLB, internal unless public). */
export function loadBalancerAnnotations(exposure: StackConfig["exposure"]): Record<string, string> {
    if (exposure === "clusterIp") return {};
    return {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": exposure === "publicLoadBalancer" ? "internet-facing" : "internal",
    };
}
