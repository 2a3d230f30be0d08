import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GENERATIONS_ANNOTATION, generationOf, generationsAnnotation, keepersOf } from "../../lib/passwords";
import { systemGroupOf } from "../../config";
import { releaseTimeout } from "../../lib/await";
import { contentName, sha256 } from "../../lib/hash";
import { archOf } from "../../lib/instances";
import type { Database } from "../../aws/database";
import type { DataLake } from "../../aws/datalake";
import { PodRole } from "../../aws/pod-role";
import { readPipelineFile } from "../../pipelines/files";
import { apiVersions, charts, crdManifests, images } from "../../versions";
import { exposureDependencies, type PlatformContext } from "../context";
import { connectBuildPolicy, ecrLifecyclePolicy } from "../kafka/iam";
import { NAMESPACE, pinnedChart } from "../k8s/objects";
import { customResource, roleWithBinding } from "../k8s/resources";
import { serviceAnnotations, serviceType, tlsAnnotations } from "../load-balancer-controller/values";
import { dashboardBundle } from "./dashboard";
import {
    BUILD_SERVICE_ACCOUNT,
    BUNDLE_FILE,
    CA_COPY,
    SETUP_SCRIPT,
    buildJobSpec,
    caCopyJobSpec,
    caSourceRules,
    caTargetRules,
    dbInitJobName,
    dbInitJobSpec,
    supersetResource,
} from "./specs";
import {
    ADMIN_USER,
    OPERATOR_RELEASE,
    WEB_PORT,
    WEB_SERVICE,
    dockerfile,
    imageTag,
    metadataUri,
    operatorValues,
    portForwardCommand,
    secretKeys,
    secretNames,
    trinoConnection,
} from "./values";
import { pinnedCrds } from "../k8s/crds";

export interface SupersetArgs {
    platform: PlatformContext;
    namespace: k8s.core.v1.Namespace;
    /** Where the master password and the db-init Job live: no account may create pods there. */
    bootstrapNamespace: k8s.core.v1.Namespace;
    /** The Trino namespace: with Trino secured, a Role there lets the CA copy read its certificate. */
    trinoNamespace: k8s.core.v1.Namespace;
    database: Database;
    lake: DataLake;
    /** The Trino user's password (a secret), when Trino is secured. */
    trinoPassword?: pulumi.Output<string>;
    /** What the dashboard reads: Trino's release (and its TLS Job) come first. */
    trino: pulumi.Resource;
    /** Karpenter's controller and NodePools: the image build runs on the workloads pool (and goes before them on destroy). */
    pools: pulumi.Resource[];
}

/**
 * Apache Superset through its Kubernetes operator: the metadata DB on RDS, an image with the Trino
 * and PostgreSQL drivers built in-cluster into ECR, Trino's iceberg catalog registered and a
 * starter dashboard over the pipelines' tables.
 */
export class Superset extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly serviceName: string = WEB_SERVICE;
    readonly portForwardCommand: string = portForwardCommand();
    readonly adminUser: string = ADMIN_USER;
    /** A Pulumi secret. */
    readonly adminPassword: pulumi.Output<string>;
    readonly image: pulumi.Output<string>;
    readonly superset: k8s.apiextensions.CustomResource;

    constructor(name: string, args: SupersetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:Superset", name, {}, opts);
        const p = { parent: this };
        const cfg = args.platform.config;
        const ns = args.namespace.metadata.name;
        const labels = { "app.kubernetes.io/part-of": "bdok" };
        const trino = trinoConnection(cfg);

        // ---- generated credentials, only ever inside Kubernetes Secrets ----
        const rotation = cfg.passwordRotation;
        const metadataGeneration = generationOf(rotation, `${name}-db`) ?? "1";
        const dbPassword = new random.RandomPassword(`${name}-db`, { length: 32, special: false, ...keepersOf(rotation, `${name}-db`) }, p);
        const secretKey = new random.RandomPassword(`${name}-secret-key`, { length: 64, special: false }, p);
        const admin = new random.RandomPassword(`${name}-admin`, { length: 24, special: false }, p);
        this.adminPassword = pulumi.secret(admin.result);
        const secretOpts = { parent: this, additionalSecretOutputs: ["data", "stringData"] };
        const app = new k8s.core.v1.Secret(
            `${name}-app`,
            {
                metadata: { name: secretNames.app, namespace: ns, labels },
                type: "Opaque",
                stringData: {
                    [secretKeys.secretKey]: pulumi.secret(secretKey.result),
                    [secretKeys.metadataUri]: pulumi.secret(
                        pulumi.all([dbPassword.result, args.database.address, args.database.port]).apply(([pw, host, port]) => metadataUri(pw, host, port)),
                    ),
                    [secretKeys.metadataPassword]: pulumi.secret(dbPassword.result),
                    [secretKeys.adminPassword]: this.adminPassword,
                    ...(trino.secured && args.trinoPassword ? { [secretKeys.trinoPassword]: pulumi.secret(args.trinoPassword) } : {}),
                },
            },
            secretOpts,
        );
        // The master password and the Job that uses it stay out of `superset`, where the operator
        // creates pods (as Airflow's do: db-bootstrap, test/secret-isolation.test.ts).
        const bootstrapNs = args.bootstrapNamespace.metadata.name;
        const master = new k8s.core.v1.Secret(
            `${name}-db-master`,
            {
                metadata: { name: secretNames.dbMaster, namespace: bootstrapNs, labels },
                type: "Opaque",
                stringData: { password: args.database.masterPassword },
            },
            secretOpts,
        );
        const dbApp = new k8s.core.v1.Secret(
            `${name}-db-app`,
            {
                metadata: { name: secretNames.dbAppPassword, namespace: bootstrapNs, labels },
                type: "Opaque",
                stringData: { password: pulumi.secret(dbPassword.result) },
            },
            secretOpts,
        );

        // ---- metadata DB: role + database on RDS, created in-cluster (RDS is private) ----
        const dbJobSpec = pulumi
            .all([args.database.address, args.database.port])
            .apply(([host, port]) => dbInitJobSpec({ host, port, masterUser: args.database.masterUsername, image: images.postgresClient }));
        const dbInit = new k8s.batch.v1.Job(
            `${name}-db-init`,
            {
                metadata: {
                    name: dbJobSpec.apply((s) => dbInitJobName(s, metadataGeneration)),
                    namespace: bootstrapNs,
                    labels,
                    annotations: { "pulumi.com/replaceUnready": "true" },
                },
                spec: dbJobSpec,
            },
            { parent: this, dependsOn: [dbApp, master, args.database] },
        );

        // ---- the image with drivers: built by Kaniko on the system group, pushed to ECR ----
        const systemGroup = systemGroupOf(cfg.nodeGroups);
        const nodeSelector = { "bdok/node-group": systemGroup };
        const arch = archOf(cfg.nodeGroups[systemGroup].instanceTypes[0]);
        const kubeArch = arch === "arm64" ? "arm64" : "amd64";
        const repo = new aws.ecr.Repository(
            `${name}`,
            {
                name: `${args.platform.prefix}-superset`,
                // Tags name the Dockerfile's hash: a tag is never pushed twice with different content.
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "AES256" }],
                // Rebuilt from this program: nothing to keep, and a repository holding images fails to delete otherwise.
                forceDelete: true,
                tags: args.platform.tags,
            },
            p,
        );
        new aws.ecr.LifecyclePolicy(`${name}`, { repository: repo.name, policy: JSON.stringify(ecrLifecyclePolicy()) }, p);
        const tag = imageTag(arch);
        this.image = pulumi.interpolate`${repo.repositoryUrl}:${tag}`;
        const buildSa = new k8s.core.v1.ServiceAccount(`${name}-image-build`, { metadata: { name: BUILD_SERVICE_ACCOUNT, namespace: ns, labels } }, p);
        const buildRole = new PodRole(
            `${name}-image-build`,
            {
                prefix: args.platform.prefix,
                clusterName: args.platform.clusterName,
                namespace: NAMESPACE.superset,
                serviceAccount: BUILD_SERVICE_ACCOUNT,
                policy: repo.arn.apply((arn) => connectBuildPolicy(arn)),
                dependsOn: [args.platform.podIdentityAgent],
                tags: args.platform.tags,
            },
            p,
        );
        const dockerContext = { Dockerfile: dockerfile() };
        const contextMap = new k8s.core.v1.ConfigMap(
            `${name}-image-context`,
            { metadata: { name: contentName("superset-image-context", dockerContext), namespace: ns, labels }, immutable: true, data: dockerContext },
            p,
        );
        const buildSpec = pulumi.all([this.image, contextMap.metadata.name]).apply(([destination, cm]) =>
            buildJobSpec({
                kanikoImage: images.kaniko,
                destination,
                dockerfileConfigMap: cm,
                arch: kubeArch,
                // Else (a pool without the system group's arch) on the system group itself.
                onPool: cfg.karpenter.pools.workloads.arch.includes(kubeArch),
                systemNodeSelector: nodeSelector,
            }),
        );
        const build = new k8s.batch.v1.Job(
            `${name}-image-build`,
            {
                // One Job per tag: an unchanged Dockerfile builds nothing on the next `up`.
                metadata: {
                    name: `${BUILD_SERVICE_ACCOUNT}-${tag.slice(-10)}`,
                    namespace: ns,
                    labels: { ...labels, "app.kubernetes.io/name": BUILD_SERVICE_ACCOUNT },
                    // A node launch, the base image pull and the push: more than Pulumi's 10 minutes for a Job.
                    annotations: { "pulumi.com/replaceUnready": "true", "pulumi.com/timeoutSeconds": "1800" },
                },
                spec: buildSpec,
            },
            { parent: this, dependsOn: [buildSa, buildRole, contextMap, ...args.pools] },
        );

        // ---- the operator; its CRD is a Pulumi resource (Helm never upgrades crds/) ----
        const crds = crdManifests.supersetOperator.map((url, i) => pinnedCrds(`${name}-crds-${i}`, [url], p));
        const operator = new k8s.helm.v3.Release(
            `${name}-operator`,
            {
                name: OPERATOR_RELEASE,
                ...pinnedChart("supersetOperator"),
                namespace: ns,
                values: operatorValues(),
                skipCrds: true,
                timeout: releaseTimeout(charts.supersetOperator.chart),
                maxHistory: 5,
            },
            { parent: this, dependsOn: crds },
        );

        // ---- Trino's CA, when Trino answers only over TLS ----
        const caDeps: pulumi.Resource[] = [];
        if (trino.secured) caDeps.push(...this.caCopy(name, ns, args.trinoNamespace.metadata.name, args.trino));

        // ---- the setup the init task runs: the Trino database and the dashboard ----
        const bundle = pulumi
            .all(args.lake.icebergDatabaseNames)
            .apply((databases) =>
                JSON.stringify(dashboardBundle({ trino, databases, pipelines: { batch: cfg.pipelines.batch, realtime: cfg.pipelines.realtime } }), null, 1),
            );
        const setupData = bundle.apply((b) => ({ [SETUP_SCRIPT]: readPipelineFile(`platform/${SETUP_SCRIPT}`), [BUNDLE_FILE]: b }));
        const setup = new k8s.core.v1.ConfigMap(
            `${name}-setup`,
            { metadata: { name: setupData.apply((d) => contentName("superset-setup", d)), namespace: ns, labels }, immutable: true, data: setupData },
            p,
        );
        const resource = pulumi.all([setup.metadata.name, setupData, repo.repositoryUrl]).apply(([cm, data, repository]) =>
            supersetResource({
                image: { repository, tag },
                ha: cfg.ha,
                nodeSelector,
                // TLS at the NLB on the web port with bdok:loadBalancerCertificateArn, as Airflow's API server: the login form's password never crosses in clear.
                service: { type: serviceType(cfg.exposure), annotations: { ...serviceAnnotations(cfg), ...tlsAnnotations(cfg, [WEB_PORT]) } },
                setupConfigMap: cm,
                setupTrigger: sha256(JSON.stringify(data)).slice(0, 16),
                trinoSecured: trino.secured,
                forceReload: generationsAnnotation(rotation, [`${name}-db`])[GENERATIONS_ANNOTATION],
            }),
        );
        // Awaited until the operator reports it Available (migrations, init and the import done, the web server ready).
        this.superset = customResource(
            `${name}`,
            resource,
            {
                parent: this,
                dependsOn: [operator, dbInit, build, app, setup, args.trino, ...caDeps, ...exposureDependencies(args.platform)],
            },
            { namespace: ns, kind: { apiVersion: apiVersions.superset, kind: "Superset" } },
        );

        this.namespace = ns;
        this.registerOutputs({
            namespace: this.namespace,
            serviceName: this.serviceName,
            portForwardCommand: this.portForwardCommand,
            adminUser: this.adminUser,
            adminPassword: this.adminPassword,
            image: this.image,
        });
    }

    /** Copies ca.crt of Trino's TLS Secret into this namespace (a pod mounts Secrets of its own namespace only). */
    private caCopy(name: string, ns: pulumi.Output<string>, trinoNs: pulumi.Output<string>, trinoRelease: pulumi.Resource): pulumi.Resource[] {
        const p = { parent: this };
        const labels = { "app.kubernetes.io/part-of": "bdok" };
        const target = new k8s.core.v1.Secret(
            `${name}-trino-ca`,
            { metadata: { name: secretNames.trinoCa, namespace: ns, labels }, type: "Opaque" },
            { parent: this, ignoreChanges: ["data", "stringData"] },
        );
        const sa = new k8s.core.v1.ServiceAccount(
            `${name}-ca-copy`,
            { metadata: { name: CA_COPY, namespace: ns, labels }, automountServiceAccountToken: false },
            p,
        );
        const subject = { name: sa.metadata.name, namespace: NAMESPACE.superset };
        const source = roleWithBinding(
            `${name}-ca-copy-source`,
            { metadata: { name: CA_COPY, namespace: trinoNs, labels }, rules: caSourceRules(), serviceAccount: subject },
            p,
        );
        const dest = roleWithBinding(
            `${name}-ca-copy-target`,
            { metadata: { name: CA_COPY, namespace: ns, labels }, rules: caTargetRules(), serviceAccount: subject },
            p,
        );
        const scripts = { "copy_secret_key.py": readPipelineFile("realtime/copy_secret_key.py") };
        const scriptMap = new k8s.core.v1.ConfigMap(
            `${name}-ca-copy`,
            { metadata: { name: contentName(CA_COPY, scripts), namespace: ns, labels }, immutable: true, data: scripts },
            p,
        );
        const spec = scriptMap.metadata.name.apply((cm) => caCopyJobSpec(images.airflow, cm));
        const job = new k8s.batch.v1.Job(
            `${name}-ca-copy`,
            {
                metadata: { name: spec.apply((s) => contentName(CA_COPY, s)), namespace: ns, labels, annotations: { "pulumi.com/replaceUnready": "true" } },
                spec,
            },
            { parent: this, dependsOn: [target, sa, source.role, source.binding, dest.role, dest.binding, scriptMap, trinoRelease] },
        );
        return [target, job];
    }
}
