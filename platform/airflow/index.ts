import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { generationOf, generationsAnnotation, keepersOf } from "../../lib/passwords";
import {
    ADMIN_USER,
    AIRFLOW_RELEASE,
    API_SERVICE,
    airflowValues,
    envIssues,
    metadataAsyncConnection,
    metadataChecksum,
    metadataConnection,
    metadataKeys,
    portForwardCommand,
    secretNames,
    serviceAccounts,
    toUrlSafeBase64,
} from "./values";
import { LakeGrant, apiServerPolicy, triggererPolicy, workerPolicy } from "./iam";
import { dagConfigMapData, deliveredDagFiles, dagsHash } from "./dags";
import { dbInitJobName, dbInitJobSpec } from "./specs";
import { releaseTimeout } from "../../lib/await";
import { charts, images } from "../../versions";
import type { Database } from "../../aws/database";
import type { DataLake } from "../../aws/datalake";
import { PodRole } from "../../aws/pod-role";
import { exposureDependencies, type PlatformContext } from "../context";
import { NAMESPACE, pinnedChart } from "../k8s/objects";

export interface AirflowArgs {
    platform: PlatformContext;
    namespace: k8s.core.v1.Namespace;
    /** Where the metadata DB's bootstrap Job and the master password live (no workload creates pods there). */
    bootstrapNamespace: k8s.core.v1.Namespace;
    database: Database;
    lake: DataLake;
    /** DAG files: path under the DAGs folder ("x.py", "spark/imdb-bronze.yaml") → content. */
    dagFiles?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Non-secret environment for every Airflow container and task pod (e.g. BDOK_LAKE_BUCKET). */
    env?: Record<string, pulumi.Input<string>>;
    /** Lake prefixes the pipelines' tasks use (e.g. the batch DAG writes landing/); none by default. */
    workerLakeGrants?: LakeGrant[];
}

/**
 * Apache Airflow (official image, KubernetesExecutor) with its metadata DB on RDS, generated keys,
 * remote logs in S3, DAGs delivered from this repository through a ConfigMap, and Pod Identity
 * roles for the service accounts that call AWS.
 */
export class Airflow extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly releaseName: pulumi.Output<string>;
    readonly workerServiceAccountName: string = serviceAccounts.worker;
    readonly apiServiceName: string = API_SERVICE;
    readonly portForwardCommand: string = portForwardCommand();
    readonly adminUser: string = ADMIN_USER;
    /** A Pulumi secret. */
    readonly adminPassword: pulumi.Output<string>;
    readonly dagsConfigMapName: pulumi.Output<string>;

    constructor(name: string, args: AirflowArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:Airflow", name, {}, opts);
        const p = { parent: this };
        const cfg = args.platform.config;
        const env = args.env ?? {};
        const issues = envIssues(env);
        if (issues.length) throw new Error(issues.join("\n"));
        const ns = args.namespace.metadata.name;

        // ---- generated credentials, only ever inside Kubernetes Secrets ----
        const rotation = cfg.passwordRotation;
        const metadataGeneration = generationOf(rotation, `${name}-db`) ?? "1";
        const dbPassword = new random.RandomPassword(
            `${name}-db`,
            {
                length: 32,
                special: false,
                ...keepersOf(rotation, `${name}-db`),
            },
            p,
        );
        const fernet = new random.RandomBytes(`${name}-fernet`, { length: 32 }, p);
        const apiKey = new random.RandomPassword(`${name}-api-key`, { length: 64, special: false, ...keepersOf(rotation, `${name}-api-key`) }, p);
        const jwt = new random.RandomPassword(`${name}-jwt`, { length: 64, special: false, ...keepersOf(rotation, `${name}-jwt`) }, p);
        const admin = new random.RandomPassword(`${name}-admin`, { length: 24, special: false }, p);
        this.adminPassword = pulumi.secret(admin.result);

        const metadata = new k8s.core.v1.Secret(
            `${name}-metadata`,
            {
                metadata: { name: secretNames.metadata, namespace: ns },
                type: "Opaque",
                stringData: {
                    [metadataKeys.connection]: pulumi.secret(
                        pulumi
                            .all([dbPassword.result, args.database.address, args.database.port])
                            .apply(([pw, host, port]) => metadataConnection(pw, host, port)),
                    ),
                    [metadataKeys.asyncConnection]: pulumi.secret(
                        pulumi
                            .all([dbPassword.result, args.database.address, args.database.port])
                            .apply(([pw, host, port]) => metadataAsyncConnection(pw, host, port)),
                    ),
                    [metadataKeys.password]: pulumi.secret(dbPassword.result),
                },
            },
            p,
        );
        const keys = new k8s.core.v1.Secret(
            `${name}-keys`,
            {
                metadata: { name: secretNames.keys, namespace: ns },
                type: "Opaque",
                stringData: {
                    "fernet-key": pulumi.secret(fernet.base64.apply(toUrlSafeBase64)),
                    "api-secret-key": pulumi.secret(apiKey.result),
                    "jwt-secret": pulumi.secret(jwt.result),
                },
            },
            p,
        );
        const adminSecret = new k8s.core.v1.Secret(
            `${name}-admin`,
            {
                metadata: { name: secretNames.admin, namespace: ns },
                type: "Opaque",
                stringData: { username: ADMIN_USER, password: this.adminPassword },
            },
            p,
        );
        // The master password and the Job that uses it stay out of `airflow`, where the scheduler,
        // worker and triggerer may create pods (the chart's pod-launcher Role) and so mount any Secret.
        const bootstrapNs = args.bootstrapNamespace.metadata.name;
        const master = new k8s.core.v1.Secret(
            `${name}-db-master`,
            {
                metadata: { name: secretNames.dbMaster, namespace: bootstrapNs },
                type: "Opaque",
                stringData: { password: args.database.masterPassword },
            },
            { parent: this, additionalSecretOutputs: ["data", "stringData"] },
        );
        const appPassword = new k8s.core.v1.Secret(
            `${name}-db-app`,
            {
                metadata: { name: secretNames.dbAppPassword, namespace: bootstrapNs },
                type: "Opaque",
                stringData: { password: pulumi.secret(dbPassword.result) },
            },
            p,
        );

        // ---- metadata DB: role + database on RDS, created in-cluster (RDS is private) ----
        const jobSpec = pulumi
            .all([args.database.address, args.database.port])
            .apply(([host, port]) => dbInitJobSpec({ host, port, masterUser: args.database.masterUsername, image: images.postgresClient, ha: cfg.ha }));
        const dbInit = new k8s.batch.v1.Job(
            `${name}-db-init`,
            {
                metadata: {
                    name: jobSpec.apply((s) => dbInitJobName(s, metadataGeneration)),
                    namespace: bootstrapNs,
                    labels: { "app.kubernetes.io/part-of": "bdok" },
                    // A failed run is replaced on the next `pulumi up` instead of blocking it.
                    annotations: { "pulumi.com/replaceUnready": "true" },
                },
                spec: jobSpec,
            },
            { parent: this, dependsOn: [appPassword, master, args.database] },
        );

        // ---- DAGs from this repository ----
        const files = pulumi.output(args.dagFiles ?? {}) as pulumi.Output<Record<string, string>>;
        const dags = new k8s.core.v1.ConfigMap(
            `${name}-dags`,
            {
                // Auto-named: a content change replaces it and the release follows the new name.
                metadata: { namespace: ns, labels: { "app.kubernetes.io/part-of": "bdok" } },
                data: files.apply(dagConfigMapData),
            },
            p,
        );
        this.dagsConfigMapName = dags.metadata.name;

        // ---- AWS access per service account (EKS Pod Identity) ----
        const awsArns = pulumi
            .all([args.lake.lake.arn, args.lake.buckets["airflow-logs"].arn])
            .apply(([lakeBucketArn, logsBucketArn]) => ({ lakeBucketArn, logsBucketArn }));
        const role = (id: string, serviceAccount: string, policy: pulumi.Output<any>) =>
            new PodRole(
                `${name}-${id}`,
                {
                    prefix: args.platform.prefix,
                    clusterName: args.platform.clusterName,
                    namespace: NAMESPACE.airflow,
                    serviceAccount,
                    policy,
                    dependsOn: [args.platform.podIdentityAgent],
                    tags: args.platform.tags,
                },
                p,
            );
        const roles = [
            role(
                "worker",
                serviceAccounts.worker,
                awsArns.apply((a) => workerPolicy(a, args.workerLakeGrants ?? [])),
            ),
            role("triggerer", serviceAccounts.triggerer, awsArns.apply(triggererPolicy)),
            role("api-server", serviceAccounts.apiServer, awsArns.apply(apiServerPolicy)),
        ];

        // ---- the chart ----
        const values = pulumi
            .all([args.lake.buckets["airflow-logs"].name, dags.metadata.name, files, pulumi.all(env), pulumi.all([args.database.address, args.database.port])])
            .apply(([logsBucket, dagsConfigMap, f, e, [host, port]]) =>
                airflowValues({
                    config: cfg,
                    image: images.airflow,
                    logsBucket,
                    dagsConfigMap,
                    dagPaths: Object.keys(f),
                    dagsHash: dagsHash(deliveredDagFiles(f)),
                    metadataChecksum: metadataChecksum(host, port, metadataGeneration),
                    passwordGenerations: generationsAnnotation(rotation, [`${name}-api-key`, `${name}-jwt`]),
                    env: e,
                }),
            );

        const release = new k8s.helm.v3.Release(
            `${name}`,
            {
                name: AIRFLOW_RELEASE,
                ...pinnedChart("airflow"),
                namespace: ns,
                values,
                // The migration and create-user Jobs run inside the install, while the pods wait for them.
                timeout: releaseTimeout(charts.airflow.chart),
                atomic: false,
                maxHistory: 5,
            },
            { parent: this, dependsOn: [dbInit, metadata, keys, adminSecret, ...roles, ...exposureDependencies(args.platform)] },
        );

        this.namespace = ns;
        this.releaseName = release.status.name as pulumi.Output<string>;
        this.registerOutputs({
            namespace: this.namespace,
            releaseName: this.releaseName,
            apiServiceName: this.apiServiceName,
            portForwardCommand: this.portForwardCommand,
            adminPassword: this.adminPassword,
        });
    }
}
