import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PodRole } from "../../aws/pod-role";
import { Acl, CONNECT_USER, connectWorkerAcls, kafkaUser } from "./users";
import {
    BOOTSTRAP_SERVERS_TLS, CLUSTER_CA_SECRET, CONNECT_BUILD_SERVICE_ACCOUNT, CONNECT_NAME, CONNECT_SERVICE_ACCOUNT, KAFKA_NAME, POSTGRES_CONNECT_KEYS,
    POSTGRES_CONNECT_SECRET, POSTGRES_SOURCE_ROLE, TOPICS, jdbcUrl, strimziValues,
} from "./values";
import { ConnectSecretMount, connectImageTag, kafkaCluster, kafkaConnect, kafkaNodePool, kafkaTopic } from "./specs";
import { connectBuildPolicy, ecrLifecyclePolicy } from "./iam";
import { releaseTimeout } from "../../lib/await";
import { ES_HTTP_CA_SECRET, ES_SINK } from "../elastic/values";
import { charts, crdManifests } from "../../versions";
import type { PlatformContext } from "../context";
import type { CustomResourceObject } from "../k8s/objects";
import { secretRules, NAMESPACE } from "../k8s/objects";
import { customResource, roleWithBinding } from "../k8s/resources";

export interface KafkaDatabaseArgs {
    address: pulumi.Input<string>;
    port: pulumi.Input<number>;
}

export interface KafkaArgs {
    platform: PlatformContext;
    /** The `kafka` namespace (operator, cluster, Connect). */
    namespace: k8s.core.v1.Namespace;
    /** The `elastic` namespace, where ECK keeps the secrets the ES sink connector reads. */
    elasticNamespace: k8s.core.v1.Namespace;
    database: KafkaDatabaseArgs;
    /** Secrets mounted into the Connect pods for connectors that need files (e.g. the ES sink's CA). */
    connectSecretMounts?: ConnectSecretMount[];
    /** ACLs of the connectors Connect runs (topics, sink groups), beside its workers' own. */
    connectorAcls?: Acl[];
}

/**
 * Strimzi and everything it runs: a KRaft Kafka cluster, the pipeline's topics, and a Kafka Connect
 * cluster whose image Strimzi builds and pushes to a private ECR repository.
 */
export class Kafka extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly kafkaName = KAFKA_NAME;
    readonly namespace = NAMESPACE.kafka;
    readonly bootstrapServers = BOOTSTRAP_SERVERS_TLS;
    readonly connectName = CONNECT_NAME;
    readonly clusterCaSecretName = CLUSTER_CA_SECRET;
    readonly postgresSecretName = POSTGRES_CONNECT_SECRET;
    readonly topics = TOPICS;
    readonly repositoryUrl: pulumi.Output<string>;
    readonly connectImage: pulumi.Output<string>;
    /** What a KafkaConnector must wait for: the Connect cluster and the secrets it may read. */
    readonly connectorDependencies: pulumi.Resource[];
    /** The KafkaTopic resources, by TOPICS key (what a client of a topic waits for). */
    readonly topicResources: Record<keyof typeof TOPICS, k8s.apiextensions.CustomResource>;
    /** The Kafka CR: KafkaUsers wait for it, so they are deleted while its User Operator runs. */
    readonly cluster: k8s.apiextensions.CustomResource;
    /** The JDBC source's Secret (POSTGRES_CONNECT_SECRET: username, password, url): its own role, not the master user. */
    readonly postgresSecret: k8s.core.v1.Secret;

    constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:Kafka", name, {}, opts);
        const p = { parent: this };
        const { config, prefix, tags, clusterName, podIdentityAgent, storageClass } = args.platform;
        const ns = args.namespace.metadata.name;

        // The CRDs first, as Pulumi resources: Helm would never upgrade the chart's crds/.
        const crds = crdManifests.strimzi.map((file, i) => new k8s.yaml.v2.ConfigFile(`${name}-crds-${i}`, { file }, p));
        this.release = new k8s.helm.v3.Release(name, {
            name: "strimzi",
            chart: charts.strimzi.chart,
            version: charts.strimzi.version,
            repositoryOpts: { repo: charts.strimzi.repo },
            namespace: ns,
            createNamespace: false,
            values: strimziValues(config.ha),
            timeout: releaseTimeout(charts.strimzi.chart),
            skipCrds: true,
        }, { parent: this, dependsOn: crds });

        // Custom resources need the operator's CRDs: each waits for the release, nothing else.
        const cr = (id: string, obj: CustomResourceObject, extraDeps: pulumi.Resource[] = []) =>
            customResource(`${name}-${id}`, obj, { parent: this, dependsOn: [this.release, ...extraDeps] }, { namespace: ns });

        const clusterArgs = {
            brokers: config.kafka.brokers,
            storageGiB: config.kafka.storageGiB,
            storageClass,
            protect: config.protectStatefulResources,
            ha: config.ha,
        };
        cr("pool", kafkaNodePool(clusterArgs));
        this.cluster = cr("cluster", kafkaCluster(clusterArgs));
        this.topicResources = {} as Record<keyof typeof TOPICS, k8s.apiextensions.CustomResource>;
        for (const [id, topic] of Object.entries(TOPICS)) {
            // The Kafka CR's Topic Operator removes the topic's finalizer: it must outlive the topic.
            this.topicResources[id as keyof typeof TOPICS] = cr(`topic-${id}`, kafkaTopic(topic, config.kafka.brokers), [this.cluster]);
        }

        // ---- Connect image: built in-cluster by Strimzi, pushed to this repository ----
        const repo = new aws.ecr.Repository(`${name}-connect`, {
            name: `${prefix}-kafka-connect`,
            // Strimzi pushes the same tag on every rebuild (then pulls by digest).
            imageTagMutability: "MUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "AES256" }],
            forceDelete: !config.protectStatefulResources,
            tags,
        }, p);
        new aws.ecr.LifecyclePolicy(`${name}-connect`, {
            repository: repo.name,
            policy: JSON.stringify(ecrLifecyclePolicy()),
        }, p);
        this.repositoryUrl = repo.repositoryUrl;
        this.connectImage = pulumi.interpolate`${repo.repositoryUrl}:${connectImageTag()}`;

        const buildRole = new PodRole(`${name}-connect-build`, {
            prefix,
            clusterName,
            namespace: NAMESPACE.kafka,
            serviceAccount: CONNECT_BUILD_SERVICE_ACCOUNT,
            policy: repo.arn.apply((arn) => connectBuildPolicy(arn)),
            dependsOn: [podIdentityAgent],
            tags,
        }, p);

        // The build pod must find its AWS role in place when Strimzi starts it.
        cr("connect-user", kafkaUser(CONNECT_USER, [...connectWorkerAcls(), ...(args.connectorAcls ?? [])]), [this.cluster]);
        // Connect does not wait for its user: the user waits for Kafka to be Ready, and Strimzi
        // retries Connect until the user's Secret exists, so the image build overlaps Kafka's start.
        const connect = cr("connect", kafkaConnect({ image: this.connectImage, ha: config.ha, secretMounts: args.connectSecretMounts }), [buildRole]);

        // ---- Credentials the connectors resolve through the secrets config provider ----
        // The role itself is created in the database by the realtime pipeline's table Job, with this password.
        const sourcePassword = new random.RandomPassword(`${name}-postgres-source`, { length: 32, special: false }, p);
        const pg = new k8s.core.v1.Secret(`${name}-postgres-connect`, {
            metadata: { name: POSTGRES_CONNECT_SECRET, namespace: ns, labels: { "app.kubernetes.io/part-of": "bdok" } },
            type: "Opaque",
            stringData: {
                [POSTGRES_CONNECT_KEYS.username]: POSTGRES_SOURCE_ROLE,
                [POSTGRES_CONNECT_KEYS.password]: sourcePassword.result,
                [POSTGRES_CONNECT_KEYS.url]: pulumi.all([args.database.address, args.database.port]).apply(([h, port]) => jdbcUrl(h, port)),
            },
        }, { parent: this, additionalSecretOutputs: ["stringData", "data"] });
        this.postgresSecret = pg;

        const readers: pulumi.Resource[] = [];
        const grantSecrets = (id: string, namespace: pulumi.Input<string>, secrets: string[]) => {
            const { role, binding } = roleWithBinding(`${name}-connect-secrets-${id}`, {
                metadata: { name: `${CONNECT_NAME}-secrets`, namespace },
                rules: secretRules(secrets),
                serviceAccount: { name: CONNECT_SERVICE_ACCOUNT, namespace: NAMESPACE.kafka },
            }, p);
            readers.push(role, binding);
        };
        grantSecrets("kafka", ns, [POSTGRES_CONNECT_SECRET]);
        // The sink's own login (not `elastic`) and ECK's public CA.
        grantSecrets("elastic", args.elasticNamespace.metadata.name, [ES_SINK.userSecret, ES_HTTP_CA_SECRET]);
        this.connectorDependencies = [connect, pg, ...readers];

        this.registerOutputs({
            release: this.release.status,
            kafkaName: this.kafkaName,
            bootstrapServers: this.bootstrapServers,
            connectName: this.connectName,
            connectImage: this.connectImage,
        });
    }
}
