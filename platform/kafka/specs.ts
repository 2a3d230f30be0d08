import { apiVersions, apps, byDigest, images } from "../../versions";
import type { ConnectPlugin } from "./needs";
import * as crypto from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import {
    BOOTSTRAP_SERVICE,
    clusterLabel,
    CLUSTER_CA_SECRET,
    CONNECT_NAME,
    KAFKA_NAME,
    NODE_POOL_NAME,
    BROKER_POOL_NAME,
    CONTROLLER_POOL_NAME,
    CONTROLLER_QUORUM,
    SECRET_CONFIG_PROVIDER,
    TLS_LISTENER,
    TOPIC_GENERATION_ANNOTATION,
    kafkaSizing,
    replicationFor,
} from "./values";
import { CONNECT_TOPICS, CONNECT_USER, USER_SECRET_KEYS } from "./users";
import { DO_NOT_DISRUPT, type KubeArch, type PoolName, poolAffinity, topologySpread } from "../karpenter/nodepools";
import { type CustomResourceObject, customResourceObject, NAMESPACE } from "../k8s/objects";
import { JMX_CONFIG_KEY } from "../observability/jmx";

// ---- Custom resources ----

const ZONE_LABEL = "topology.kubernetes.io/zone";

/** Spread pods over zones where the stack has several (a preference, never blocking scheduling). */
function zoneSpread(matchLabels: Record<string, string>) {
    return [{ maxSkew: 1, topologyKey: ZONE_LABEL, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels } }];
}

export interface KafkaClusterArgs {
    brokers: number;
    storageGiB: number;
    storageClass: string;
    /** Keep broker volumes when the pool or cluster is deleted (prod). */
    protect: boolean;
    ha: boolean;
    /** The JMX exporter configuration's ConfigMap (platform/observability/jmx.ts); with it, the Kafka Exporter too. */
    metricsConfigMap?: string;
}

/** Strimzi's metricsConfig: the Prometheus JMX exporter on port 9404, rules from a ConfigMap key. */
export function jmxMetricsConfig(configMap: string) {
    return { type: "jmxPrometheusExporter", valueFrom: { configMapKeyRef: { name: configMap, key: JMX_CONFIG_KEY } } };
}

/** One KafkaNodePool: its roles, node count, volume and pod sizes. */
function nodePool(
    a: KafkaClusterArgs,
    p: { name: string; roles: string[]; replicas: number; storageGiB: number; resources: unknown; heap: string; kraftMetadata: boolean },
): CustomResourceObject {
    const podLabels = { ...clusterLabel, "strimzi.io/pool-name": p.name };
    return customResourceObject(
        apiVersions.strimzi,
        "KafkaNodePool",
        { name: p.name, namespace: NAMESPACE.kafka, labels: { ...clusterLabel } },
        {
            replicas: p.replicas,
            roles: p.roles,
            storage: {
                type: "jbod",
                volumes: [
                    {
                        id: 0,
                        type: "persistent-claim",
                        size: `${p.storageGiB}Gi`,
                        class: a.storageClass,
                        deleteClaim: !a.protect,
                        ...(p.kraftMetadata ? { kraftMetadata: "shared" } : {}),
                    },
                ],
            },
            resources: p.resources,
            jvmOptions: { "-Xms": p.heap, "-Xmx": p.heap },
            // On Karpenter's on-demand stateful pool; in ha spread over zones (Karpenter launches
            // a node in the zone a pending pod needs); a lone node is never disrupted voluntarily.
            template: {
                pod: {
                    ...poolAffinity("stateful"),
                    topologySpreadConstraints: a.ha ? topologySpread(podLabels, ZONE_LABEL) : zoneSpread(podLabels),
                    ...(p.replicas < 2 ? { metadata: { annotations: { ...DO_NOT_DISRUPT } } } : {}),
                },
            },
        },
    );
}

/**
 * The cluster's KafkaNodePools. small: one dual-role node (the volume also holds the metadata).
 * ha: a fixed quorum of CONTROLLER_QUORUM controllers and a broker pool of `brokers` nodes, so
 * scaling brokers never touches a pool with the controller role (which Strimzi cannot scale).
 */
export function kafkaNodePools(a: KafkaClusterArgs): CustomResourceObject[] {
    const size = kafkaSizing(a.ha);
    if (!a.ha) {
        return [
            nodePool(a, {
                name: NODE_POOL_NAME,
                roles: ["controller", "broker"],
                replicas: a.brokers,
                storageGiB: a.storageGiB,
                resources: size.broker,
                heap: size.brokerHeap,
                kraftMetadata: true,
            }),
        ];
    }
    return [
        nodePool(a, {
            name: CONTROLLER_POOL_NAME,
            roles: ["controller"],
            replicas: CONTROLLER_QUORUM,
            storageGiB: size.controllerStorageGiB!,
            resources: size.controller,
            heap: size.controllerHeap!,
            kraftMetadata: false,
        }),
        nodePool(a, {
            name: BROKER_POOL_NAME,
            roles: ["broker"],
            replicas: a.brokers,
            storageGiB: a.storageGiB,
            resources: size.broker,
            heap: size.brokerHeap,
            kraftMetadata: true,
        }),
    ];
}

/** Broker settings from the replication rule (the book's single-node 1/1 in dev, 3/2 in prod). */
export function brokerConfig(brokers: number): Record<string, number> {
    const r = replicationFor(brokers);
    return {
        "default.replication.factor": r.replicas,
        "min.insync.replicas": r.minInsync,
        "offsets.topic.replication.factor": r.replicas,
        "transaction.state.log.replication.factor": r.replicas,
        "transaction.state.log.min.isr": r.minInsync,
    };
}

/**
 * The Kafka cluster: Strimzi 1.x (kafka.strimzi.io/v1) is KRaft with node pools only, so no
 * `strimzi.io/kraft` / `strimzi.io/node-pools` annotations exist any more. One TLS listener: every
 * client (Connect, Spark) trusts the cluster CA and authenticates as a KafkaUser (kafkaUser).
 */
export function kafkaCluster(a: KafkaClusterArgs): CustomResourceObject {
    const size = kafkaSizing(a.ha);
    return customResourceObject(
        apiVersions.strimzi,
        "Kafka",
        { name: KAFKA_NAME, namespace: NAMESPACE.kafka },
        {
            kafka: {
                version: apps.kafka,
                // By digest: the operator's per-version map (STRIMZI_KAFKA_IMAGES) names tags only.
                image: byDigest(images.strimzi.kafka),
                // Every client proves who it is with a certificate of its KafkaUser (mutual TLS)...
                listeners: [{ name: TLS_LISTENER.name, port: TLS_LISTENER.port, type: "internal", tls: true, authentication: { type: "tls" } }],
                // ...and may do only what its ACLs list (Strimzi's own components are super users).
                authorization: { type: "simple" },
                config: brokerConfig(a.brokers),
                // ha spreads brokers over zones; broker.rack (from the node's zone label, read by
                // Strimzi's init container) makes Kafka place a partition's replicas in distinct
                // zones too, which it does not otherwise once there are more brokers than replicas.
                ...(a.ha ? { rack: { topologyKey: ZONE_LABEL } } : {}),
                // Strimzi creates the PDB; prod states it explicitly: one broker down at a time.
                ...(a.ha ? { template: { podDisruptionBudget: { maxUnavailable: 1 } } } : {}),
                ...(a.metricsConfigMap ? { metricsConfig: jmxMetricsConfig(a.metricsConfigMap) } : {}),
            },
            // ha: Cruise Control moves partitions when the broker pool's replicas change (Strimzi
            // 1.2.0 proc-automating-rebalances.adoc:11-18: after adding brokers partitions go to
            // them, before removing brokers they are moved off, "without further intervention";
            // no template: Cruise Control's default goals, line 36). With it the Topic Operator
            // also changes a topic's replication factor, which it refuses without
            // (BatchingTopicController.java:748-786, "Replication factor change not supported").
            // Not in small: Cruise Control refuses a one-broker cluster
            // (cruisecontrol/CruiseControlMetricsReporter.java:99-103), and small keeps one broker.
            ...(a.ha
                ? {
                      cruiseControl: {
                          resources: size.cruiseControl,
                          autoRebalance: [{ mode: "add-brokers" }, { mode: "remove-brokers" }],
                      },
                  }
                : {}),
            entityOperator: {
                topicOperator: { resources: size.topicOperator },
                userOperator: { resources: size.userOperator },
            },
            // Consumer-group lag per topic and partition (kafka_consumergroup_lag), for every group.
            ...(a.metricsConfigMap ? { kafkaExporter: { groupRegex: ".*", topicRegex: ".*", resources: size.kafkaExporter } } : {}),
        },
    );
}

export function kafkaTopic(topic: string, brokers: number, partitions = 3, generation?: string): CustomResourceObject {
    const r = replicationFor(brokers);
    return customResourceObject(
        apiVersions.strimzi,
        "KafkaTopic",
        {
            name: topic,
            namespace: NAMESPACE.kafka,
            labels: { ...clusterLabel },
            ...(generation === undefined ? {} : { annotations: { [TOPIC_GENERATION_ANNOTATION]: generation } }),
        },
        {
            topicName: topic,
            partitions,
            replicas: r.replicas,
            config: { "min.insync.replicas": r.minInsync },
        },
    );
}

// ---- Kafka Connect ----

/**
 * An image tag that changes whenever the plugin set, the Kafka version, the CPU architecture or an
 * image the Dockerfile names (base, Maven builder) does: Kaniko builds for the node it runs on only,
 * so the tag says which one. The repository's tags are immutable, so a new Dockerfile must never
 * reuse a tag: Strimzi rebuilds when the Dockerfile's hash or the output image changes
 * (ConnectBuildOperator.build, newBuildRevision).
 */
export function connectImageTag(
    plugins: ConnectPlugin[],
    arch: KubeArch,
    dockerfileImages: readonly string[] = [byDigest(images.strimzi.kafka), byDigest(images.strimzi.mavenBuilder)],
): string {
    const digest = crypto
        .createHash("sha256")
        .update(JSON.stringify({ kafka: apps.kafka, plugins, arch, dockerfileImages }))
        .digest("hex");
    return `kafka-${apps.kafka}-${arch}-${digest.slice(0, 12)}`;
}

const ARCH_LABEL = "kubernetes.io/arch";

/** poolAffinity, further restricted to nodes of one CPU architecture. */
export function poolAffinityOnArch(pool: PoolName, arch: KubeArch) {
    const base = poolAffinity(pool);
    const terms = base.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.map((t) => ({
        matchExpressions: [...t.matchExpressions, { key: ARCH_LABEL, operator: "In" as const, values: [arch] }],
    }));
    return { ...base, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } };
}

/** A Secret (or a ConfigMap) mounted read-only into the Connect pods, for connectors that need a file (e.g. a CA). */
export type ConnectSecretMount = {
    volume: string;
    /** Strimzi accepts additional mounts under /mnt/ only. */
    mountPath: string;
} & ({ secretName: string } | { configMapName: string });

export interface KafkaConnectArgs {
    /** `<repositoryUrl>:<tag>` Strimzi pushes the built image to (the tag names `arch`). */
    image: pulumi.Input<string>;
    /** The one CPU architecture the image is built for and Connect runs on. */
    arch: KubeArch;
    ha: boolean;
    /** The connector plugins Strimzi builds into the image (what the pipelines ask for). */
    plugins: ConnectPlugin[];
    /** Optional volumes: a missing Secret never blocks the Connect pods. */
    secretMounts?: ConnectSecretMount[];
    /** The JMX exporter configuration's ConfigMap (platform/observability/jmx.ts). */
    metricsConfigMap?: string;
}

/** The pod volumes and container mounts of `secretMounts` (nothing when there are none). */
export function connectSecretMountTemplate(mounts: ConnectSecretMount[] = []) {
    const bad = mounts.filter((m) => !m.mountPath.startsWith("/mnt/"));
    if (bad.length)
        throw new Error(`secretMounts: ${bad.map((m) => m.mountPath).join(", ")}; allowed: paths under /mnt/ (Strimzi's rule for additional volumes)`);
    if (!mounts.length) return { pod: {}, container: {} };
    return {
        pod: {
            volumes: mounts.map((m) =>
                "configMapName" in m
                    ? { name: m.volume, configMap: { name: m.configMapName, optional: true } }
                    : { name: m.volume, secret: { secretName: m.secretName, optional: true } },
            ),
        },
        container: { connectContainer: { volumeMounts: mounts.map((m) => ({ name: m.volume, mountPath: m.mountPath, readOnly: true })) } },
    };
}

export function kafkaConnect(a: KafkaConnectArgs): CustomResourceObject {
    const size = kafkaSizing(a.ha);
    const extra = connectSecretMountTemplate(a.secretMounts);
    return {
        apiVersion: apiVersions.strimzi,
        kind: "KafkaConnect",
        metadata: {
            name: CONNECT_NAME,
            namespace: NAMESPACE.kafka,
            // Connectors are KafkaConnector resources, not REST calls.
            annotations: { "strimzi.io/use-connector-resources": "true" },
        },
        spec: {
            version: apps.kafka,
            // The build's base image (the Dockerfile's FROM; Strimzi KafkaConnectBuild: baseImage =
            // versions.kafkaConnectVersion(spec.image, spec.version)), by digest.
            image: byDigest(images.strimzi.kafka),
            replicas: size.connectReplicas,
            bootstrapServers: `${BOOTSTRAP_SERVICE}:${TLS_LISTENER.port}`,
            tls: { trustedCertificates: [{ secretName: CLUSTER_CA_SECRET, pattern: "*.crt" }] },
            // The User Operator's Secret of CONNECT_USER (named after the KafkaUser).
            authentication: {
                type: "tls",
                certificateAndKey: { secretName: CONNECT_USER, certificate: USER_SECRET_KEYS.certificate, key: USER_SECRET_KEYS.key },
            },
            groupId: CONNECT_NAME,
            configStorageTopic: CONNECT_TOPICS.configs,
            offsetStorageTopic: CONNECT_TOPICS.offsets,
            statusStorageTopic: CONNECT_TOPICS.status,
            config: {
                // -1: the broker's default.replication.factor (replicationFor).
                "config.storage.replication.factor": -1,
                "offset.storage.replication.factor": -1,
                "status.storage.replication.factor": -1,
                "config.providers": SECRET_CONFIG_PROVIDER.prefix,
                [`config.providers.${SECRET_CONFIG_PROVIDER.prefix}.class`]: SECRET_CONFIG_PROVIDER.class,
            },
            resources: size.connect,
            jvmOptions: { "-Xms": size.connectHeap, "-Xmx": size.connectHeap },
            ...(a.metricsConfigMap ? { metricsConfig: jmxMetricsConfig(a.metricsConfigMap) } : {}),
            build: {
                // No pushSecret: the build pod's Pod Identity role may push to this repository only.
                output: { type: "docker", image: a.image },
                plugins: a.plugins,
                resources: size.build,
            },
            // Connect and its image build are stateless: Karpenter's workloads pool. Kaniko builds for
            // its own node's architecture only, so the build pod (spec.template.buildPod, Strimzi 1.2.0
            // KafkaConnectBuild.java:173,283 passes its affinity to the Kaniko pod) and the Connect pods
            // are pinned to the same one, whatever arches the pool allows.
            template: {
                pod: {
                    ...poolAffinityOnArch("workloads", a.arch),
                    topologySpreadConstraints: zoneSpread({ "strimzi.io/cluster": CONNECT_NAME, "strimzi.io/kind": "KafkaConnect" }),
                    ...extra.pod,
                },
                buildPod: poolAffinityOnArch("workloads", a.arch),
                ...extra.container,
            },
        },
    };
}
