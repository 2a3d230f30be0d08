import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../config";
import { serviceAnnotations } from "../../lib/load-balancer-controller";

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
    /** The AWS Load Balancer Controller's release: whatever renders a LoadBalancer Service waits for it. */
    loadBalancerController: pulumi.Resource;
}

/** The Kubernetes Service type for user-facing services, from the exposure setting. */
export function serviceType(exposure: StackConfig["exposure"]): "ClusterIP" | "LoadBalancer" {
    return exposure === "clusterIp" ? "ClusterIP" : "LoadBalancer";
}

/**
 * Annotations that hand a LoadBalancer Service to the AWS Load Balancer Controller (an NLB to the
 * pod IPs), internal unless exposure is publicLoadBalancer. Nothing for ClusterIP.
 */
export function loadBalancerAnnotations(exposure: StackConfig["exposure"]): Record<string, string> {
    return serviceAnnotations(exposure);
}

/**
 * What a resource that renders a user-facing Service waits for: with a load balancer, the
 * controller that owns it, so on destroy the Service (and its NLB) goes first. With ClusterIP
 * there is no NLB to remove, and the controller stays off the critical path.
 */
export function exposureDependencies(platform: PlatformContext): pulumi.Resource[] {
    return platform.config.exposure === "clusterIp" ? [] : [platform.loadBalancerController];
}
