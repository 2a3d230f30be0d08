import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { generationsAnnotation, keepersOf, withPodAnnotations } from "../../lib/passwords";
import { ES_HTTP_CA_SECRET, ES_SINK, KIBANA_DATA_VIEW_USER } from "../../platform/elastic/values";
import { fileRealmSecrets } from "../../platform/elastic/file-realm";
import { contentName, sha256 } from "../../lib/hash";
import { JobUpload, readPipelineFile, s3a } from "../files";
import { LAKE_CONFIG_MAP, lakeConfigMapData, trinoQuery } from "../lake";
import { CONNECTORS, DATA_VIEW, ES_CA_COPY, FILES, PART_OF, STREAMING_APP, STREAMING_USER, realtimeChecks } from "./values";
import { elasticsearchSinkConnector, jdbcSourceConnector, esSinkRoles } from "./connectors";
import {
    POSTGRES_LOGINS,
    caCopyCronJobSpec,
    caCopyJobSpec,
    caSourceRules,
    caTargetRules,
    kibanaDataViewJobSpec,
    kibanaDataViewRoles,
    simulatorDeploymentSpec,
    tableJobSpec,
} from "./jobs";
import { streamingAcls, streamingSparkApplication, streamingUpload } from "./streaming";
import { kafkaUser } from "../../platform/kafka/users";
import { POSTGRES_CONNECT_KEYS, POSTGRES_CONNECT_SECRET, POSTGRES_SOURCE_ROLE, jdbcUrl } from "../../platform/kafka/values";
import { apiVersions, images } from "../../versions";
import type { PlatformContext } from "../../platform/context";
import type { CustomResourceObject } from "../../platform/k8s/objects";
import { type CustomResourceKind, customResource, roleWithBinding } from "../../platform/k8s/resources";

const CONNECTOR_KIND = { apiVersion: apiVersions.strimzi, kind: "KafkaConnector" };
const SPARK_APPLICATION_KIND = { apiVersion: apiVersions.sparkApplication, kind: "SparkApplication" };
const USER_KIND = { apiVersion: apiVersions.strimzi, kind: "KafkaUser" };

export interface RealtimePipelineArgs {
    platform: PlatformContext;
    /** The `kafka` namespace (table Job, simulator, connectors, streaming job). */
    kafkaNamespace: k8s.core.v1.Namespace;
    /** The `elastic` namespace (Kibana data view Job, source of ECK's CA). */
    elasticNamespace: k8s.core.v1.Namespace;
    /** Where the table Job and the master password live (no workload creates pods there). */
    bootstrapNamespace: k8s.core.v1.Namespace;
    lakeBucket: pulumi.Input<string>;
    /**
     * The Glue database of the realtime namespace: the streaming job commits the customers table
     * into it, so on destroy the SparkApplication (and its driver) goes first.
     */
    lakeDatabase: aws.glue.CatalogDatabase;
    /** RDS; the master credentials reach only the table Job, which creates the pipeline's own roles. */
    database: { address: pulumi.Input<string>; port: pulumi.Input<number>; masterUsername: pulumi.Input<string>; masterPassword: pulumi.Input<string> };
    /** What a KafkaConnector waits for: the Connect cluster and the Secrets its config provider reads. */
    connectorDependencies: pulumi.Resource[];
    /** What a KafkaUser waits for: the Strimzi release (its CRD) and the Kafka CR (its User Operator). */
    kafkaUserDependencies: pulumi.Resource[];
    /** The KafkaTopic resources the streaming job reads and writes. */
    topics: pulumi.Resource[];
    /** Their generation (Kafka's topicGeneration): the streaming checkpoints live under it. */
    topicGeneration: pulumi.Input<string>;
    /** The Spark operator (release, `spark` service accounts and their AWS roles). */
    sparkOperator: pulumi.Resource;
    elasticsearch: pulumi.Resource;
    kibana: pulumi.Resource;
    /** The API producer's topic and checkpoint (pipelines/api), when it is on: the streaming job reads it too. */
    api?: { topic: string; checkpointKey: string };
}

/**
 * The book's customers pipeline, Postgres → Kafka → Spark → Kafka → Elasticsearch → Kibana, with
 * every manual step of the book as a resource: the table, the simulator, both connectors, the
 * streaming job and the data view. Safe to apply again: Jobs are named after their content, the
 * SQL and the data view are idempotent, connectors and the SparkApplication are declarative.
 */
export class RealtimePipeline extends pulumi.ComponentResource {
    readonly sourceConnector: string = CONNECTORS.source;
    readonly sinkConnector: string = CONNECTORS.sink;
    readonly streamingApplication: string = STREAMING_APP;
    readonly dataView: string = DATA_VIEW.id;
    readonly streamingJobUri: pulumi.Output<string>;
    /** Customers per age band over the last hour, on the Iceberg table (pipelines/queries.json). */
    readonly trinoQuery: pulumi.Output<string>;
    readonly checks: Record<string, string> = realtimeChecks();

    constructor(name: string, args: RealtimePipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:pipelines:RealtimePipeline", name, {}, opts);
        const p = { parent: this };
        const cfg = args.platform.config;
        const kafkaNs = args.kafkaNamespace.metadata.name;
        const elasticNs = args.elasticNamespace.metadata.name;
        const bootstrapNs = args.bootstrapNamespace.metadata.name;
        const db = pulumi.all([args.database.address, args.database.port]);
        const meta = (n: pulumi.Input<string>, ns: pulumi.Input<string>) => ({ name: n, namespace: ns, labels: { ...PART_OF } });
        // apiVersion and kind are plain strings (the provider needs them before any output resolves).
        const cr = (id: string, kind: CustomResourceKind, obj: pulumi.Output<CustomResourceObject>, dependsOn: pulumi.Resource[]) =>
            customResource(`${name}-${id}`, obj, { parent: this, dependsOn }, { kind });
        // A script for a Job or Deployment: an immutable ConfigMap named after its content.
        const scriptMap = (id: string, base: string, namespace: pulumi.Input<string>, key: string, content: string) =>
            new k8s.core.v1.ConfigMap(
                `${name}-${id}`,
                {
                    metadata: meta(contentName(base, content), namespace),
                    immutable: true,
                    data: { [key]: content },
                },
                p,
            );
        // A Job named after its spec: a changed spec runs again, an unchanged one is left alone.
        // A failed run is replaced by the next `pulumi up` instead of blocking it.
        const contentJob = (id: string, namespace: pulumi.Input<string>, spec: pulumi.Output<k8s.types.input.batch.v1.JobSpec>, dependsOn: pulumi.Resource[]) =>
            new k8s.batch.v1.Job(
                `${name}-${id}`,
                {
                    metadata: {
                        name: spec.apply((s) => contentName(id, s)),
                        namespace,
                        labels: { ...PART_OF },
                        annotations: { "pulumi.com/replaceUnready": "true" },
                    },
                    spec,
                },
                { parent: this, dependsOn, customTimeouts: { create: "30m", update: "30m" } },
            );

        // ---- (1) public.customers, created by psql in-cluster (RDS is private) ----
        // ---- and its least-privilege roles (roles.sql), as the master user ----
        // The table Job runs as the master in db-bootstrap, not in `kafka`, where Spark's account and
        // Strimzi may create pods (and so mount any Secret); it gets copies of the two roles' passwords.
        const login = (id: string, secret: string, namespace: pulumi.Input<string>, username: pulumi.Input<string>, password: pulumi.Input<string>) =>
            new k8s.core.v1.Secret(
                `${name}-${id}`,
                {
                    metadata: meta(secret, namespace),
                    type: "Opaque",
                    stringData: { username, password },
                },
                { parent: this, additionalSecretOutputs: ["data", "stringData"] },
            );
        const admin = login("postgres-admin", POSTGRES_LOGINS.admin.secret, bootstrapNs, args.database.masterUsername, args.database.masterPassword);
        const rotation = cfg.passwordRotation;
        const simulatorPassword = new random.RandomPassword(
            `${name}-postgres-simulator`,
            { length: 32, special: false, ...keepersOf(rotation, `${name}-postgres-simulator`) },
            p,
        );
        // The table Job (roles.sql sets the current passwords) runs again on a rotation, and the
        // simulator, which reads its password from env at start, restarts.
        const simulatorRotation = generationsAnnotation(rotation, [`${name}-postgres-simulator`]);
        const simulatorLogin = login("postgres-simulator", POSTGRES_LOGINS.simulator.secret, kafkaNs, POSTGRES_LOGINS.simulator.role, simulatorPassword.result);
        const sqlFiles = { "customers.sql": readPipelineFile(FILES.sql), "roles.sql": readPipelineFile(FILES.roles) };
        const sqlMap = new k8s.core.v1.ConfigMap(
            `${name}-customers-sql`,
            {
                metadata: meta(contentName("customers-sql", sqlFiles), bootstrapNs),
                immutable: true,
                data: sqlFiles,
            },
            p,
        );
        const tableSpec = pulumi
            .all([db, sqlMap.metadata.name])
            .apply(([[host, port], sqlConfigMap]) =>
                withPodAnnotations(tableJobSpec({ host, port, image: images.postgresClient, sqlConfigMap, ha: cfg.ha }), simulatorRotation),
            );
        // The JDBC source's login (the role the table Job creates), read by Connect's config provider.
        const sourcePassword = new random.RandomPassword(`${name}-postgres-source`, { length: 32, special: false }, p);
        const sourceLogin = new k8s.core.v1.Secret(
            `${name}-postgres-connect`,
            {
                metadata: meta(POSTGRES_CONNECT_SECRET, kafkaNs),
                type: "Opaque",
                stringData: {
                    [POSTGRES_CONNECT_KEYS.username]: POSTGRES_SOURCE_ROLE,
                    [POSTGRES_CONNECT_KEYS.password]: sourcePassword.result,
                    [POSTGRES_CONNECT_KEYS.url]: db.apply(([h, port]) => jdbcUrl(h, port)),
                },
            },
            { parent: this, additionalSecretOutputs: ["stringData", "data"] },
        );
        const rolePasswords = new k8s.core.v1.Secret(
            `${name}-postgres-role-passwords`,
            {
                metadata: meta(POSTGRES_LOGINS.rolePasswords.secret, bootstrapNs),
                type: "Opaque",
                stringData: {
                    [POSTGRES_LOGINS.rolePasswords.source]: sourcePassword.result,
                    [POSTGRES_LOGINS.rolePasswords.simulator]: simulatorPassword.result,
                },
            },
            { parent: this, additionalSecretOutputs: ["data", "stringData"] },
        );
        const table = contentJob("customers-table", bootstrapNs, tableSpec, [admin, rolePasswords, simulatorLogin, sourceLogin]);

        // ---- (2) the simulator (replaces the book's laptop script) ----
        const simulatorPy = readPipelineFile(FILES.simulator);
        const simulatorMap = scriptMap("simulator", "customers-simulator", kafkaNs, "simulator.py", simulatorPy);
        new k8s.apps.v1.Deployment(
            `${name}-simulator`,
            {
                metadata: meta("customers-simulator", kafkaNs),
                spec: pulumi.all([db, simulatorMap.metadata.name]).apply(([[host, port], scriptConfigMap]) =>
                    withPodAnnotations(
                        simulatorDeploymentSpec({
                            host,
                            port,
                            image: images.airflow,
                            scriptConfigMap,
                            rowsPerSecond: cfg.pipelines.simulatorRowsPerSecond,
                            scriptHash: sha256(simulatorPy),
                            ha: cfg.ha,
                        }),
                        simulatorRotation,
                    ),
                ),
            },
            { parent: this, dependsOn: [table, simulatorLogin] },
        );

        // ---- (3) JDBC source: public.customers → src-customers ----
        cr(
            "postgres-source",
            CONNECTOR_KIND,
            db.apply(([host, port]) => jdbcSourceConnector(host, port)),
            [...args.connectorDependencies, table],
        );

        // ---- (4) Spark Structured Streaming: src-customers → customers-transformed ----
        const uploadObject = (id: string, u: JobUpload) =>
            new aws.s3.BucketObjectv2(
                `${name}-${id}`,
                {
                    bucket: args.lakeBucket,
                    key: u.key,
                    source: new pulumi.asset.FileAsset(u.source),
                    sourceHash: u.sourceHash,
                    contentType: u.contentType,
                    tags: { ...args.platform.tags, "bdok:sha256": u.sourceHash.slice(0, 32) },
                },
                p,
            );
        const upload = streamingUpload();
        const code = uploadObject("streaming-job", upload);
        // The lake module and the declaration it loads, mounted from the kafka namespace's lake ConfigMap (lake.ts lakeDeps).
        const lakeData = lakeConfigMapData();
        const lakeTables = new k8s.core.v1.ConfigMap(`${name}-lake-tables`, { metadata: meta(LAKE_CONFIG_MAP, kafkaNs), data: lakeData }, p);
        this.trinoQuery = args.lakeDatabase.name.apply((realtime) => trinoQuery("customers_by_age_band_last_hour", { realtime }));
        this.streamingJobUri = pulumi.all([code.bucket, code.key]).apply(([b, k]) => s3a(b, k));
        // Its certificate (Secret STREAMING_USER) is the job's Kafka identity: read one topic, write the other.
        const streamingUser = cr(
            "streaming-user",
            USER_KIND,
            pulumi.output(kafkaUser(STREAMING_USER, streamingAcls(args.api?.topic))),
            args.kafkaUserDependencies,
        );
        const lakeHash = sha256(JSON.stringify(lakeData));
        cr(
            "streaming",
            SPARK_APPLICATION_KIND,
            pulumi
                .all([args.lakeBucket, args.lakeDatabase.name, args.topicGeneration])
                .apply(([lakeBucket, lakeDatabase, topicGeneration]) =>
                    streamingSparkApplication({ lakeBucket, lakeDatabase, topicGeneration, config: cfg, codeHash: upload.sourceHash, lakeHash, api: args.api }),
                ),
            [args.sparkOperator, ...args.topics, code, lakeTables, streamingUser, args.lakeDatabase],
        );

        // ---- ECK's CA as a PEM file for the sink (values.ts ES_CA_COPY) ----
        // Created empty: the copy Job fills `data` (Pulumi never owns it, so it never resets it).
        const caCopy = new k8s.core.v1.Secret(
            `${name}-es-ca`,
            {
                metadata: { ...meta(ES_CA_COPY.secret, kafkaNs), annotations: { "bdok.io/copied-from": `elastic/${ES_HTTP_CA_SECRET}` } },
                type: "Opaque",
            },
            { parent: this, ignoreChanges: ["data", "stringData"] },
        );
        const copier = new k8s.core.v1.ServiceAccount(
            `${name}-es-ca-copy`,
            {
                metadata: meta(ES_CA_COPY.serviceAccount, kafkaNs),
                automountServiceAccountToken: false,
            },
            p,
        );
        const rbac: pulumi.Resource[] = [];
        const grant = (id: string, ns: pulumi.Input<string>, rules: ReturnType<typeof caSourceRules>) => {
            const { role, binding } = roleWithBinding(
                `${name}-es-ca-copy-${id}`,
                {
                    metadata: meta(ES_CA_COPY.serviceAccount, ns),
                    rules,
                    serviceAccount: { name: copier.metadata.name, namespace: kafkaNs },
                },
                p,
            );
            rbac.push(role, binding);
        };
        grant("source", elasticNs, caSourceRules());
        grant("target", kafkaNs, caTargetRules());
        const copyPy = readPipelineFile(FILES.copySecretKey);
        const copyMap = scriptMap("es-ca-copy", "es-ca-copy", kafkaNs, "copy_secret_key.py", copyPy);
        const copyArgs = copyMap.metadata.name.apply((scriptConfigMap) => ({ image: images.airflow, scriptConfigMap, ha: cfg.ha }));
        const copySpec = copyArgs.apply(caCopyJobSpec);
        const copyJob = contentJob("es-ca-copy", kafkaNs, copySpec, [caCopy, copier, ...rbac, args.elasticsearch]);
        new k8s.batch.v1.CronJob(
            `${name}-es-ca-copy`,
            {
                metadata: meta("es-ca-copy", kafkaNs),
                spec: copyArgs.apply(caCopyCronJobSpec),
            },
            { parent: this, dependsOn: [caCopy, copier, ...rbac] },
        );

        // ---- (5) Elasticsearch sink: customers-transformed → index customers-transformed ----
        // Its own Elasticsearch login and role (ECK file realm: the Elasticsearch resource lists both Secrets).
        const sinkPassword = new random.RandomPassword(`${name}-es-sink`, { length: 32, special: false }, p);
        const sink = fileRealmSecrets(
            `${name}-es-sink`,
            ES_SINK,
            { namespace: elasticNs, password: sinkPassword.result, roles: esSinkRoles(), labels: PART_OF },
            p,
        );
        cr("elasticsearch-sink", CONNECTOR_KIND, pulumi.output(elasticsearchSinkConnector()), [
            ...args.connectorDependencies,
            copyJob,
            args.elasticsearch,
            sink.user,
            sink.role,
        ]);

        // ---- (6) the Kibana data view, through Kibana's API ----
        const kibanaPy = readPipelineFile(FILES.kibana);
        const kibanaMap = scriptMap("kibana-data-view", "kibana-data-view", elasticNs, "kibana_data_view.py", kibanaPy);
        const kibanaSpec = kibanaMap.metadata.name.apply((scriptConfigMap) =>
            withPodAnnotations(
                kibanaDataViewJobSpec({ image: images.airflow, scriptConfigMap, ha: cfg.ha }),
                // A rotation runs the Job again (a new content name), which also proves the new login.
                generationsAnnotation(rotation, [`${name}-kibana-data-view`]),
            ),
        );
        // Its own login (ECK file realm, listed in the Elasticsearch's spec.auth), not `elastic`.
        const dataViewPassword = new random.RandomPassword(
            `${name}-kibana-data-view`,
            { length: 32, special: false, ...keepersOf(rotation, `${name}-kibana-data-view`) },
            p,
        );
        const dataView = fileRealmSecrets(
            `${name}-kibana-data-view`,
            KIBANA_DATA_VIEW_USER,
            { namespace: elasticNs, password: dataViewPassword.result, roles: kibanaDataViewRoles(), labels: PART_OF },
            p,
        );
        contentJob("kibana-data-view", elasticNs, kibanaSpec, [args.kibana, dataView.user, dataView.role]);

        this.registerOutputs({
            sourceConnector: this.sourceConnector,
            sinkConnector: this.sinkConnector,
            streamingApplication: this.streamingApplication,
            streamingJobUri: this.streamingJobUri,
            trinoQuery: this.trinoQuery,
            dataView: this.dataView,
            checks: this.checks,
        });
    }
}
