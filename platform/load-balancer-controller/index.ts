import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LBC_RELEASE, LBC_SERVICE_ACCOUNT, controllerValues } from "./values";
import { controllerPolicy } from "./iam";

import { PodRole } from "../../aws/pod-role";
import { KUBE_SYSTEM, pinnedChart } from "../k8s/objects";
import { releaseTimeout } from "../../lib/await";
import { charts, crdManifests } from "../../versions";
import { pinnedCrds } from "../k8s/crds";

export interface LoadBalancerControllerArgs {
    prefix: string;
    clusterName: pulumi.Output<string>;
    region: string;
    vpcId: pulumi.Input<string>;
    ha: boolean;
    /** Pod Identity associations wait for the agent add-on. */
    podIdentityAgent: pulumi.Resource;
    tags: Record<string, string>;
}

/**
 * The AWS Load Balancer Controller: it alone creates the NLBs of LoadBalancer Services, with the
 * scheme they ask for. Whatever renders such a Service depends on `release`, so on destroy the
 * Services (and their NLBs, through the controller's finalizer) go before the controller.
 */
export class LoadBalancerController extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: LoadBalancerControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:LoadBalancerController", name, {}, opts);
        const p = { parent: this };
        const identity = aws.getCallerIdentityOutput({}, p);
        const role = new PodRole(
            name,
            {
                prefix: args.prefix,
                clusterName: args.clusterName,
                namespace: KUBE_SYSTEM,
                // The chart creates this service account (serviceAccount.create/name in the values).
                serviceAccount: LBC_SERVICE_ACCOUNT,
                policy: pulumi.all([args.clusterName, identity.accountId]).apply(([cluster, account]) => controllerPolicy(cluster, args.region, account)),
                dependsOn: [args.podIdentityAgent],
                tags: args.tags,
            },
            p,
        );

        // The CRDs as Pulumi resources of the pinned version: Helm installs crds/ once and never upgrades them.
        const crds = crdManifests.awsLoadBalancerController.map((url, i) => pinnedCrds(`${name}-crds-${i}`, [url], p));
        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: LBC_RELEASE,
                ...pinnedChart("awsLoadBalancerController"),
                namespace: KUBE_SYSTEM,
                skipCrds: true,
                values: pulumi
                    .all([args.clusterName, args.vpcId])
                    .apply(([clusterName, vpcId]) => controllerValues({ clusterName, region: args.region, vpcId, ha: args.ha })),
                // Helm's default 300 s is exactly the modelled slow end: no margin.
                timeout: releaseTimeout(charts.awsLoadBalancerController.chart),
                maxHistory: 5,
            },
            { parent: this, dependsOn: [role, ...crds] },
        );

        this.registerOutputs({ release: this.release.status });
    }
}
