import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    CATALOG, TRINO_NAMESPACE, TRINO_RELEASE, TRINO_SERVICE, TRINO_SERVICE_ACCOUNT, portForwardCommand, trinoPolicy, trinoValues,
} from "../../lib/trino";
import { charts } from "../../versions";
import type { DataLake } from "../aws/datalake";
import { PodRole } from "../aws/pod-role";
import { exposureDependencies, type PlatformContext } from "./context";

export interface TrinoArgs {
    platform: PlatformContext;
    namespace: k8s.core.v1.Namespace;
    lake: DataLake;
}

/** Trino (coordinator + workers) with the `hive` catalog on Glue and the S3 lake, through Pod Identity. */
export class Trino extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly serviceName: string = TRINO_SERVICE;
    readonly serviceAccountName: string = TRINO_SERVICE_ACCOUNT;
    readonly portForwardCommand: string = portForwardCommand();
    readonly catalog: string = CATALOG;

    constructor(name: string, args: TrinoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:Trino", name, {}, opts);
        const p = { parent: this };
        const cfg = args.platform.config;

        const identity = aws.getCallerIdentityOutput({}, p);
        const role = new PodRole(`${name}`, {
            prefix: args.platform.prefix,
            clusterName: args.platform.clusterName,
            namespace: TRINO_NAMESPACE,
            // The chart creates this service account (serviceAccount.create/name in the values).
            serviceAccount: TRINO_SERVICE_ACCOUNT,
            policy: pulumi.all([args.lake.lake.arn, identity.accountId])
                .apply(([lakeArn, account]) => trinoPolicy(lakeArn, cfg.region, account)),
            dependsOn: [args.platform.podIdentityAgent],
            tags: args.platform.tags,
        }, p);

        new k8s.helm.v3.Release(`${name}`, {
            name: TRINO_RELEASE,
            chart: charts.trino.chart,
            version: charts.trino.version,
            repositoryOpts: { repo: charts.trino.repo },
            namespace: args.namespace.metadata.name,
            createNamespace: false,
            values: trinoValues(cfg),
            timeout: 600,
            maxHistory: 5,
        }, { parent: this, dependsOn: [role, ...exposureDependencies(args.platform)] });

        this.namespace = args.namespace.metadata.name;
        this.registerOutputs({ namespace: this.namespace, serviceName: this.serviceName, catalog: this.catalog });
    }
}
