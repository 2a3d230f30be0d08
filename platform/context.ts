import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";

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

/**
 * What a resource that renders a user-facing Service waits for: with a load balancer, the
 * controller that owns it, so on destroy the Service (and its NLB) goes first. With ClusterIP
 * there is no NLB to remove, and the controller stays off the critical path.
 */
export function exposureDependencies(platform: PlatformContext): pulumi.Resource[] {
    return platform.config.exposure === "clusterIp" ? [] : [platform.loadBalancerController];
}
