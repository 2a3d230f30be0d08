import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type NamespaceName, podSecurityLabels } from "../k8s/objects";

export interface NamespacesArgs {
    names: readonly NamespaceName[];
}

/**
 * All platform namespaces, created first so that cross-namespace pieces (Spark's service accounts
 * in the airflow and kafka namespaces) wait for a namespace, never for another tool's release.
 */
export class Namespaces extends pulumi.ComponentResource {
    readonly byName: Record<NamespaceName, k8s.core.v1.Namespace>;

    constructor(name: string, args: NamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:Namespaces", name, {}, opts);
        this.byName = {} as Record<NamespaceName, k8s.core.v1.Namespace>;
        for (const ns of args.names) {
            this.byName[ns] = new k8s.core.v1.Namespace(
                `${name}-${ns}`,
                {
                    metadata: {
                        name: ns,
                        labels: { "app.kubernetes.io/part-of": "bdok", ...podSecurityLabels(ns) },
                    },
                },
                { parent: this },
            );
        }
        this.registerOutputs({});
    }
}
