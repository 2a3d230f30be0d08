import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PodRole } from "../../aws/pod-role";
import { AIRFLOW_WORKER_SERVICE_ACCOUNT, SPARK_JOB_NAMESPACES, SPARK_SERVICE_ACCOUNT, SparkJobNamespace, sparkOperatorValues } from "./values";
import { airflowSparkSubmitterRules } from "./specs";
import { SparkExtraAccess, sparkPodPolicy } from "./iam";
import { releaseTimeout } from "../../lib/await";
import { charts, crdManifests } from "../../versions";
import type { PlatformContext } from "../context";
import { roleWithBinding } from "../k8s/resources";
import { pinnedChart } from "../k8s/objects";
import { pinnedCrds } from "../k8s/crds";

export interface SparkOperatorArgs {
    platform: PlatformContext;
    /** The operator's own namespace (`spark-operator`). */
    namespace: k8s.core.v1.Namespace;
    /** The job namespaces, which must exist before the chart creates the `spark` accounts in them. */
    jobNamespaces: Record<SparkJobNamespace, k8s.core.v1.Namespace>;
    /** The data lake bucket Spark pods read and write. */
    lakeBucketArn: pulumi.Input<string>;
    /** Glue databases whose Iceberg tables the jobs of each namespace write. */
    icebergDatabases: Record<SparkJobNamespace, pulumi.Input<string>[]>;
    /** What the jobs of a namespace read beyond their code (a pipeline's raw input), asked by the pipelines that are on. */
    lakeAccess?: Partial<Record<SparkJobNamespace, SparkExtraAccess>>;
    /** Whether a pipeline's Airflow tasks submit SparkApplications (the batch DAG does). */
    airflowSubmits: boolean;
}

/**
 * The kubeflow Spark operator watching the job namespaces, the `spark` service accounts (created
 * by the chart) with an AWS role for the lake, and the RBAC that lets Airflow submit jobs.
 */
export class SparkOperator extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly jobNamespaces: SparkJobNamespace[] = [...SPARK_JOB_NAMESPACES];
    readonly serviceAccountName: string = SPARK_SERVICE_ACCOUNT;
    readonly podRoleArns: Record<SparkJobNamespace, pulumi.Output<string>>;

    constructor(name: string, args: SparkOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:SparkOperator", name, {}, opts);
        const p = { parent: this };
        const { config, prefix, tags, clusterName, podIdentityAgent } = args.platform;

        // The CRDs first, as Pulumi resources: Helm would never upgrade the chart's crds/.
        const crds = crdManifests.sparkOperator.map((url, i) => pinnedCrds(`${name}-crds-${i}`, [url], p));
        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: "spark-operator",
                ...pinnedChart("sparkOperator"),
                namespace: args.namespace.metadata.name,
                values: sparkOperatorValues(config.ha),
                timeout: releaseTimeout(charts.sparkOperator.chart),
                skipCrds: true,
            },
            { parent: this, dependsOn: [...Object.values(args.jobNamespaces), ...crds] },
        );

        // One Pod Identity association per namespace/service account; each role names the lake and
        // the Glue databases of its namespace's jobs.
        const identity = aws.getCallerIdentityOutput({}, p);
        this.podRoleArns = {} as Record<SparkJobNamespace, pulumi.Output<string>>;
        for (const ns of SPARK_JOB_NAMESPACES) {
            const policy = pulumi
                .all([args.lakeBucketArn, identity.accountId, ...args.icebergDatabases[ns]])
                .apply(([arn, accountId, ...databases]) => sparkPodPolicy(arn, { region: config.region, accountId, databases }, args.lakeAccess?.[ns]));
            const role = new PodRole(
                `${name}-${ns}`,
                {
                    prefix,
                    clusterName,
                    namespace: ns,
                    serviceAccount: SPARK_SERVICE_ACCOUNT,
                    policy,
                    dependsOn: [podIdentityAgent],
                    tags,
                },
                p,
            );
            this.podRoleArns[ns] = role.roleArn;
        }

        // Airflow's task pods submit the batch SparkApplications in the airflow namespace.
        if (args.airflowSubmits) {
            const airflowNs = args.jobNamespaces.airflow.metadata.name;
            roleWithBinding(
                `${name}-airflow-submitter`,
                {
                    metadata: { name: "airflow-spark-submitter", namespace: airflowNs },
                    rules: airflowSparkSubmitterRules(),
                    serviceAccount: { name: AIRFLOW_WORKER_SERVICE_ACCOUNT, namespace: airflowNs },
                },
                p,
            );
        }

        this.registerOutputs({ release: this.release.status, jobNamespaces: this.jobNamespaces, serviceAccountName: this.serviceAccountName });
    }
}
