import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { contentName } from "../../lib/hash";
import { readPipelineFile } from "../../pipelines/files";
import {
    CATALOG,
    TRINO_INTERNAL_KEY,
    TRINO_INTERNAL_SECRET,
    TRINO_PASSWORD_SECRET,
    TRINO_RELEASE,
    TRINO_SERVICE,
    TRINO_SERVICE_ACCOUNT,
    TRINO_TLS_CA_SECRET,
    TRINO_TLS_ISSUER,
    TRINO_TLS_SECRET,
    TRINO_USER,
    passwordFileLine,
    portForwardCommand,
    securePortForwardCommand,
    trinoSecured,
    trinoValues,
} from "./values";
import { tlsIssuerCronJobSpec, tlsIssuerJobSpec, tlsIssuerRules } from "./specs";
import { trinoPolicy } from "./iam";
import { releaseTimeout } from "../../lib/await";
import { charts, images } from "../../versions";
import type { DataLake } from "../../aws/datalake";
import { PodRole } from "../../aws/pod-role";
import { exposureDependencies, type PlatformContext } from "../context";
import { roleWithBinding } from "../k8s/resources";
import { NAMESPACE, pinnedChart } from "../k8s/objects";

export interface TrinoArgs {
    platform: PlatformContext;
    namespace: k8s.core.v1.Namespace;
    lake: DataLake;
}

/** Trino (coordinator + workers) with the `hive` and read-only `iceberg` catalogs on Glue and the S3 lake, through Pod Identity. */
export class Trino extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly serviceName: string = TRINO_SERVICE;
    readonly serviceAccountName: string = TRINO_SERVICE_ACCOUNT;
    readonly portForwardCommand: string;
    readonly catalog: string = CATALOG;
    /** With authentication (exposure not clusterIp): the user, its password (secret), how to read the CA. */
    readonly user?: string;
    readonly password?: pulumi.Output<string>;
    readonly caCommand?: string;

    constructor(name: string, args: TrinoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:Trino", name, {}, opts);
        const p = { parent: this };
        const cfg = args.platform.config;

        const identity = aws.getCallerIdentityOutput({}, p);
        const role = new PodRole(
            `${name}`,
            {
                prefix: args.platform.prefix,
                clusterName: args.platform.clusterName,
                namespace: NAMESPACE.trino,
                // The chart creates this service account (serviceAccount.create/name in the values).
                serviceAccount: TRINO_SERVICE_ACCOUNT,
                policy: pulumi
                    .all([args.lake.lake.arn, identity.accountId, args.lake.databaseName, ...Object.values(args.lake.icebergDatabaseNames)])
                    .apply(([lakeArn, account, database, ...iceberg]) => trinoPolicy(lakeArn, cfg.region, account, database, iceberg)),
                dependsOn: [args.platform.podIdentityAgent],
                tags: args.platform.tags,
            },
            p,
        );

        this.portForwardCommand = trinoSecured(cfg) ? securePortForwardCommand() : portForwardCommand();
        const auth = trinoSecured(cfg) ? this.authentication(name, args.namespace.metadata.name) : undefined;
        if (auth) {
            this.user = TRINO_USER;
            this.password = auth.password;
            this.caCommand = `kubectl -n ${NAMESPACE.trino} get secret ${TRINO_TLS_SECRET} -o jsonpath='{.data.ca\\.crt}' | base64 -d`;
        }

        new k8s.helm.v3.Release(
            `${name}`,
            {
                name: TRINO_RELEASE,
                ...pinnedChart("trino"),
                namespace: args.namespace.metadata.name,
                values: trinoValues(cfg),
                timeout: releaseTimeout(charts.trino.chart),
                maxHistory: 5,
            },
            { parent: this, dependsOn: [role, ...(auth?.resources ?? []), ...exposureDependencies(args.platform)] },
        );

        this.namespace = args.namespace.metadata.name;
        this.registerOutputs({ namespace: this.namespace, serviceName: this.serviceName, catalog: this.catalog, password: this.password });
    }

    /** The password file, the internal shared secret and the TLS certificate the release waits for. */
    private authentication(name: string, ns: pulumi.Output<string>): { resources: pulumi.Resource[]; password: pulumi.Output<string> } {
        const p = { parent: this };
        const labels = { "app.kubernetes.io/part-of": "bdok" };
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, p);
        const shared = new random.RandomPassword(`${name}-internal`, { length: 64, special: false }, p);
        const secretOpts = { parent: this, additionalSecretOutputs: ["data", "stringData"] };
        const passwordFile = new k8s.core.v1.Secret(
            `${name}-password-file`,
            {
                metadata: { name: TRINO_PASSWORD_SECRET, namespace: ns, labels },
                type: "Opaque",
                stringData: { "password.db": pulumi.secret(password.bcryptHash.apply((hash) => passwordFileLine(TRINO_USER, hash))) },
            },
            secretOpts,
        );
        const internal = new k8s.core.v1.Secret(
            `${name}-internal`,
            {
                metadata: { name: TRINO_INTERNAL_SECRET, namespace: ns, labels },
                type: "Opaque",
                stringData: { [TRINO_INTERNAL_KEY]: shared.result },
            },
            secretOpts,
        );

        // The certificate and its keys are made in the cluster (never in Pulumi state); created empty here.
        const tls = new k8s.core.v1.Secret(
            `${name}-tls`,
            {
                metadata: { name: TRINO_TLS_SECRET, namespace: ns, labels },
                type: "Opaque",
            },
            { parent: this, ignoreChanges: ["data", "stringData"] },
        );
        const ca = new k8s.core.v1.Secret(
            `${name}-tls-ca`,
            {
                metadata: { name: TRINO_TLS_CA_SECRET, namespace: ns, labels },
                type: "Opaque",
            },
            { parent: this, ignoreChanges: ["data", "stringData"] },
        );
        const sa = new k8s.core.v1.ServiceAccount(
            `${name}-tls-issuer`,
            {
                metadata: { name: TRINO_TLS_ISSUER, namespace: ns, labels },
                automountServiceAccountToken: false,
            },
            p,
        );
        const { role, binding } = roleWithBinding(
            `${name}-tls-issuer`,
            {
                metadata: { name: TRINO_TLS_ISSUER, namespace: ns, labels },
                rules: tlsIssuerRules(),
                serviceAccount: { name: sa.metadata.name, namespace: NAMESPACE.trino },
            },
            p,
        );
        const scripts = { "issue_tls.py": readPipelineFile("platform/issue_tls.py"), "copy_secret_key.py": readPipelineFile("realtime/copy_secret_key.py") };
        const scriptMap = new k8s.core.v1.ConfigMap(
            `${name}-tls-issuer`,
            {
                metadata: { name: contentName(TRINO_TLS_ISSUER, JSON.stringify(scripts)), namespace: ns, labels },
                immutable: true,
                data: scripts,
            },
            p,
        );
        const deps = [tls, ca, sa, role, binding, scriptMap];
        const jobSpec = scriptMap.metadata.name.apply((cm) => tlsIssuerJobSpec(images.airflow, cm));
        const job = new k8s.batch.v1.Job(
            `${name}-tls-issuer`,
            {
                metadata: {
                    name: jobSpec.apply((s) => contentName(TRINO_TLS_ISSUER, s)),
                    namespace: ns,
                    labels,
                    annotations: { "pulumi.com/replaceUnready": "true" },
                },
                spec: jobSpec,
            },
            { parent: this, dependsOn: deps },
        );
        new k8s.batch.v1.CronJob(
            `${name}-tls-issuer`,
            {
                metadata: { name: TRINO_TLS_ISSUER, namespace: ns, labels },
                spec: scriptMap.metadata.name.apply((cm) => tlsIssuerCronJobSpec(images.airflow, cm)),
            },
            { parent: this, dependsOn: deps },
        );
        return { resources: [passwordFile, internal, job], password: pulumi.secret(password.result) };
    }
}
