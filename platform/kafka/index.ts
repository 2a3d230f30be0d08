import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PodRole } from "../../aws/pod-role";
import { CONNECT_USER, connectWorkerAcls, kafkaUser } from "./users";
import {
    BOOTSTRAP_SERVERS_TLS,
    CLUSTER_CA_SECRET,
    CONNECT_BUILD_SERVICE_ACCOUNT,
    CONNECT_NAME,
    CONNECT_SERVICE_ACCOUNT,
    KAFKA_NAME,
    NODE_POOL_NAME,
    strimziValues,
} from "./values";
import { connectImageTag, kafkaCluster, kafkaConnect, kafkaNodePools, kafkaTopic } from "./specs";
import { connectBuildPolicy, ecrLifecyclePolicy } from "./iam";
import type { KafkaNeeds } from "./needs";
import { releaseTimeout } from "../../lib/await";
import { apiVersions, charts, crdManifests } from "../../versions";
import type { PlatformContext } from "../context";
import type { CustomResourceObject } from "../k8s/objects";
import { secretRules, NAMESPACE, pinnedChart } from "../k8s/objects";
import { customResource, roleWithBinding } from "../k8s/resources";
import { CONNECT_METRICS_CONFIGMAP, JMX_CONFIG_KEY, KAFKA_METRICS_CONFIGMAP, connectJmxConfig, jmxConfigText, kafkaJmxConfig } from "../observability/jmx";
import { pinnedCrds } from "../k8s/crds";

export interface KafkaArgs {
    platform: PlatformContext;
    /** The `kafka` namespace (operator, cluster, Connect). */
    namespace: k8s.core.v1.Namespace;
    /** Every namespace a need may name (Connect's Secret reads wait for theirs). */
    namespaces: Record<string, k8s.core.v1.Namespace>;
    /** What the pipelines ask of Kafka: topics, and a Connect cluster only if some connector needs one. */
    needs: KafkaNeeds;
    /**
     * Karpenter's controller and NodePools. Only what runs on the pools waits for them (brokers,
     * the cluster's readiness, Connect), so the operator installs while Karpenter does, and on
     * destroy those go while Karpenter still runs to remove their nodes.
     */
    pools: pulumi.Resource[];
    /**
     * What the brokers' volumes need (the EBS CSI add-on and the gp3 class), so they wait for it
     * and go before it on destroy; the operator itself needs only nodes.
     */
    storage: pulumi.Resource[];
    /** Expose metrics (JMX exporter on brokers and Connect, the Kafka Exporter) for Prometheus. */
    metrics?: boolean;
}

/**
 * Strimzi and everything it runs: a KRaft Kafka cluster, the topics the pipelines need, and, when
 * a pipeline runs connectors, a Kafka Connect cluster whose image Strimzi builds and pushes to a
 * private ECR repository.
 */
export class Kafka extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly kafkaName = KAFKA_NAME;
    readonly namespace = NAMESPACE.kafka;
    readonly bootstrapServers = BOOTSTRAP_SERVERS_TLS;
    readonly clusterCaSecretName = CLUSTER_CA_SECRET;
    /** The Connect image, when a pipeline needs Connect. */
    readonly connectImage?: pulumi.Output<string>;
    /** What a KafkaConnector must wait for: the Connect cluster and the grants on the secrets it reads. */
    readonly connectorDependencies: pulumi.Resource[] = [];
    /** The KafkaTopic resources, by the needs' topic keys (what a client of a topic waits for). */
    readonly topicResources: Record<string, k8s.apiextensions.CustomResource> = {};
    /** The topics' generation (TOPIC_GENERATION_ANNOTATION), when there are topics: new with every new set of topics. */
    readonly topicGeneration?: pulumi.Output<string>;
    /** The Kafka CR: KafkaUsers wait for it, so they are deleted while its User Operator runs. */
    readonly cluster: k8s.apiextensions.CustomResource;

    constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:Kafka", name, {}, opts);
        const p = { parent: this };
        const { config, prefix, tags, clusterName, podIdentityAgent, storageClass } = args.platform;
        const ns = args.namespace.metadata.name;

        // The CRDs first, as Pulumi resources: Helm would never upgrade the chart's crds/.
        // One group for Strimzi's ten files: the name its one release-asset ConfigFile had, so the CRDs keep their URNs.
        const crds = [pinnedCrds(`${name}-crds-0`, crdManifests.strimzi, p)];
        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: "strimzi",
                ...pinnedChart("strimzi"),
                namespace: ns,
                values: strimziValues(config.ha),
                timeout: releaseTimeout(charts.strimzi.chart),
                skipCrds: true,
            },
            { parent: this, dependsOn: crds },
        );

        // Custom resources need the operator's CRDs: each waits for the release, nothing else.
        const cr = (id: string, obj: CustomResourceObject, extraDeps: pulumi.Resource[] = []) =>
            customResource(`${name}-${id}`, obj, { parent: this, dependsOn: [this.release, ...extraDeps] }, { namespace: ns });

        // The JMX exporter rules Strimzi mounts into brokers and Connect (platform/observability/jmx.ts).
        const metricsMaps: pulumi.Resource[] = [];
        const metricsMap = (id: string, mapName: string, text: string) => {
            metricsMaps.push(new k8s.core.v1.ConfigMap(`${name}-${id}`, { metadata: { name: mapName, namespace: ns }, data: { [JMX_CONFIG_KEY]: text } }, p));
            return mapName;
        };
        const kafkaMetrics = args.metrics ? metricsMap("metrics", KAFKA_METRICS_CONFIGMAP, jmxConfigText(kafkaJmxConfig())) : undefined;
        const connectMetrics = args.metrics ? metricsMap("connect-metrics", CONNECT_METRICS_CONFIGMAP, jmxConfigText(connectJmxConfig())) : undefined;
        const clusterArgs = {
            brokers: config.kafka.brokers,
            storageGiB: config.kafka.storageGiB,
            storageClass,
            protect: config.protectStatefulResources,
            ha: config.ha,
            metricsConfigMap: kafkaMetrics,
        };
        // The small profile's one pool keeps the resource name it always had (no replacement).
        for (const pool of kafkaNodePools(clusterArgs)) {
            cr(pool.metadata.name === NODE_POOL_NAME ? "pool" : `pool-${pool.metadata.name}`, pool, [...args.pools, ...args.storage]);
        }
        this.cluster = cr("cluster", kafkaCluster(clusterArgs), [...args.pools, ...args.storage, ...metricsMaps]);
        // Created and deleted with the topics (no inputs that change): a new id means new topics.
        const generation = Object.keys(args.needs.topics).length ? new random.RandomId(`${name}-topic-generation`, { byteLength: 4 }, p).hex : undefined;
        this.topicGeneration = generation;
        for (const [id, topic] of Object.entries(args.needs.topics)) {
            // The Kafka CR's Topic Operator removes the topic's finalizer: it must outlive the topic.
            this.topicResources[id] = customResource(
                `${name}-topic-${id}`,
                generation!.apply((g) => kafkaTopic(topic, config.kafka.brokers, 3, g)),
                { parent: this, dependsOn: [this.release, this.cluster] },
                { namespace: ns, kind: { apiVersion: apiVersions.strimzi, kind: "KafkaTopic" } },
            );
        }

        const needs = args.needs.connect;
        if (needs) {
            // ---- Connect image: built in-cluster by Strimzi, pushed to this repository ----
            const repo = new aws.ecr.Repository(
                `${name}-connect`,
                {
                    name: `${prefix}-kafka-connect`,
                    // A pushed tag never changes, as an image pinned by digest would not: the tag
                    // (connectImageTag) names everything the Dockerfile holds, so a new build has a new
                    // tag. Connect's pods run the digest the build reports (Strimzi ConnectBuildOperator).
                    imageTagMutability: "IMMUTABLE",
                    imageScanningConfiguration: { scanOnPush: true },
                    encryptionConfigurations: [{ encryptionType: "AES256" }],
                    // Strimzi rebuilds the image from the KafkaConnect spec: nothing to keep, and a
                    // repository holding images fails to delete otherwise (RepositoryNotEmptyException).
                    forceDelete: true,
                    tags,
                },
                p,
            );
            new aws.ecr.LifecyclePolicy(
                `${name}-connect`,
                {
                    repository: repo.name,
                    policy: JSON.stringify(ecrLifecyclePolicy()),
                },
                p,
            );
            // The workloads pool's preferred architecture: its own NodePool, the higher weight.
            const arch = config.karpenter.pools.workloads.arch[0];
            const image = pulumi.interpolate`${repo.repositoryUrl}:${connectImageTag(needs.plugins, arch)}`;
            this.connectImage = image;

            // The build pod must find its AWS role in place when Strimzi starts it.
            const buildRole = new PodRole(
                `${name}-connect-build`,
                {
                    prefix,
                    clusterName,
                    namespace: NAMESPACE.kafka,
                    serviceAccount: CONNECT_BUILD_SERVICE_ACCOUNT,
                    policy: repo.arn.apply((arn) => connectBuildPolicy(arn)),
                    dependsOn: [podIdentityAgent],
                    tags,
                },
                p,
            );

            const connectUser = cr("connect-user", kafkaUser(CONNECT_USER, [...connectWorkerAcls(), ...needs.connectorAcls]), [this.cluster]);
            // Connect waits for its user (Ready: its Secret exists). Strimzi builds the image first and
            // reads the user's Secret after the build (KafkaConnectAssemblyOperator createOrUpdate:
            // build, then authTlsHash); a missing Secret fails that reconcile before the image is
            // recorded on the pod set, and the next one builds and pushes again.
            const connect = cr(
                "connect",
                kafkaConnect({ image, arch, ha: config.ha, plugins: needs.plugins, secretMounts: needs.secretMounts, metricsConfigMap: connectMetrics }),
                [buildRole, ...metricsMaps, connectUser, ...args.pools],
            );

            // ---- The Secrets the connectors resolve through the secrets config provider ----
            const readers: pulumi.Resource[] = [];
            for (const read of needs.secretReads) {
                const target = args.namespaces[read.namespace];
                if (!target)
                    throw new Error(`Connect secret read ${read.id}: no namespace ${read.namespace}; allowed: ${Object.keys(args.namespaces).join(", ")}`);
                const { role, binding } = roleWithBinding(
                    `${name}-connect-secrets-${read.id}`,
                    {
                        metadata: { name: `${CONNECT_NAME}-secrets`, namespace: target.metadata.name },
                        rules: secretRules(read.secrets),
                        serviceAccount: { name: CONNECT_SERVICE_ACCOUNT, namespace: NAMESPACE.kafka },
                    },
                    p,
                );
                readers.push(role, binding);
            }
            this.connectorDependencies = [connect, ...readers];
        }

        this.registerOutputs({
            release: this.release.status,
            kafkaName: this.kafkaName,
            topicGeneration: this.topicGeneration,
            bootstrapServers: this.bootstrapServers,
            connectImage: this.connectImage,
        });
    }
}
