import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE, type NamespaceName, podSecurityLabels } from "../k8s/objects";
import { RDS_CA, rdsCaBundle } from "../../lib/rds-ca";

/** The namespaces whose pods connect to RDS (each gets the RDS CA bundle, lib/rds-ca.ts). */
export const RDS_CLIENT_NAMESPACES: readonly NamespaceName[] = [NAMESPACE.airflow, NAMESPACE.kafka, NAMESPACE.dbBootstrap, NAMESPACE.superset];

export interface NamespacesArgs {
    names: readonly NamespaceName[];
}

/**
 * All platform namespaces, created first so that cross-namespace pieces (Spark's service accounts
 * in the airflow and kafka namespaces) wait for a namespace, never for another tool's release.
 */
export class Namespaces extends pulumi.ComponentResource {
    readonly byName: Record<NamespaceName, k8s.core.v1.Namespace>;
    /** The RDS CA ConfigMap of each RDS client namespace that exists. */
    readonly rdsCa: Partial<Record<NamespaceName, k8s.core.v1.ConfigMap>>;

    constructor(name: string, args: NamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:Namespaces", name, {}, opts);
        this.byName = {} as Record<NamespaceName, k8s.core.v1.Namespace>;
        this.rdsCa = {};
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
            if (!RDS_CLIENT_NAMESPACES.includes(ns)) continue;
            // Public certificates: a ConfigMap, not a Secret.
            this.rdsCa[ns] = new k8s.core.v1.ConfigMap(
                `${name}-${ns}-rds-ca`,
                {
                    metadata: { name: RDS_CA.configMap, namespace: this.byName[ns].metadata.name, labels: { "app.kubernetes.io/part-of": "bdok" } },
                    data: { [RDS_CA.key]: rdsCaBundle() },
                },
                { parent: this },
            );
        }
        this.registerOutputs({});
    }
}
