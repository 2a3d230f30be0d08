// The Strimzi custom resources judged directly (no plan): valid against the pinned v1 CRDs, mutual TLS
// end to end (the listener, Connect's client side), replication from the broker count, and pods placed
// where the Karpenter pools let them run (tools/scheduling over the pools' NodePools).
import { strict as assert } from "assert";
import { nodePoolShape, schedulable } from "../../tools/scheduling";
import { validateCustomResource } from "../../tools/schemas";
import { POOL_DEFAULTS, nodePools } from "../karpenter/nodepools";
import { connectImageTag, connectSecretMountTemplate, kafkaCluster, kafkaConnect, kafkaNodePools, kafkaTopic, poolAffinityOnArch } from "./specs";
import { KAFKA_NAME, replicationFor } from "./values";

const cluster = (o: Partial<Parameters<typeof kafkaCluster>[0]> = {}) =>
    ({ brokers: 1, storageGiB: 20, storageClass: "gp3", protect: false, ha: false, ...o }) as Parameters<typeof kafkaCluster>[0];
const connect = (o: Partial<Parameters<typeof kafkaConnect>[0]> = {}) =>
    ({ image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/connect:t", arch: "arm64", ha: false, plugins: [], ...o }) as Parameters<typeof kafkaConnect>[0];
const shapes = (pool: "stateful" | "workloads", arch: ("arm64" | "amd64")[] = ["arm64", "amd64"]) =>
    nodePools(pool, { ...POOL_DEFAULTS[pool], arch, instanceFamilies: ["m7g", "m7i"] }).map((np) => nodePoolShape(np as any));

describe("Strimzi resources (platform/kafka/specs.ts)", function () {
    this.timeout(600_000); // the CRD schemas load once, minutes on a loaded machine

    it("every resource is valid against the pinned Strimzi CRDs, in both profiles and with metrics", () => {
        for (const ha of [false, true]) {
            for (const metricsConfigMap of [undefined, "kafka-metrics"]) {
                const a = cluster({ ha, brokers: ha ? 3 : 1, metricsConfigMap });
                const objs = [kafkaCluster(a), ...kafkaNodePools(a), kafkaTopic("events", a.brokers), kafkaConnect(connect({ ha, metricsConfigMap }))];
                for (const o of objs) assert.deepEqual(validateCustomResource(o), [], `${o.kind} ${o.metadata.name} ha=${ha}`);
            }
        }
    });

    it("Kafka: one internal TLS listener that requires client certificates, simple authorization, the User Operator on", () => {
        const k = kafkaCluster(cluster()).spec as any;
        assert.deepEqual(k.kafka.listeners, [{ name: "tls", port: 9093, type: "internal", tls: true, authentication: { type: "tls" } }]);
        assert.deepEqual(k.kafka.authorization, { type: "simple" });
        assert.ok(k.entityOperator.userOperator && k.entityOperator.topicOperator);
        assert.match(k.kafka.image, /@sha256:[0-9a-f]{64}$/);
    });

    it("Kafka: replication settings follow the broker count; ha adds rack awareness, a PDB of one and Cruise Control's auto-rebalance", () => {
        for (const [brokers, ha] of [
            [1, false],
            [3, true],
            [5, true],
        ] as const) {
            const k = kafkaCluster(cluster({ brokers, ha })).spec as any;
            const r = replicationFor(brokers);
            assert.deepEqual(k.kafka.config, {
                "default.replication.factor": r.replicas,
                "min.insync.replicas": r.minInsync,
                "offsets.topic.replication.factor": r.replicas,
                "transaction.state.log.replication.factor": r.replicas,
                "transaction.state.log.min.isr": r.minInsync,
            });
            // Strimzi rack awareness: the node label whose value becomes broker.rack.
            assert.deepEqual(k.kafka.rack, ha ? { topologyKey: "topology.kubernetes.io/zone" } : undefined);
            assert.deepEqual(k.kafka.template, ha ? { podDisruptionBudget: { maxUnavailable: 1 } } : undefined);
            assert.deepEqual(k.cruiseControl?.autoRebalance, ha ? [{ mode: "add-brokers" }, { mode: "remove-brokers" }] : undefined);
        }
    });

    it("Kafka: the JMX exporter reads the given ConfigMap and the Kafka Exporter watches every group and topic, only with metrics", () => {
        const on = kafkaCluster(cluster({ metricsConfigMap: "kafka-metrics" })).spec as any;
        assert.equal(on.kafka.metricsConfig.type, "jmxPrometheusExporter");
        assert.equal(on.kafka.metricsConfig.valueFrom.configMapKeyRef.name, "kafka-metrics");
        assert.deepEqual([on.kafkaExporter.groupRegex, on.kafkaExporter.topicRegex], [".*", ".*"]);
        const off = kafkaCluster(cluster()).spec as any;
        assert.deepEqual([off.kafka.metricsConfig, off.kafkaExporter], [undefined, undefined]);
    });

    it("node pools: volumes of the given size and class, kept (deleteClaim false) when protected; the KRaft metadata on the broker volume", () => {
        for (const protect of [false, true]) {
            for (const ha of [false, true]) {
                const pools = kafkaNodePools(cluster({ protect, ha, brokers: ha ? 3 : 1, storageGiB: 77, storageClass: "gp3-x" }));
                const brokerPool = pools.find((p) => (p.spec.roles as string[]).includes("broker"))!;
                const v = brokerPool.spec.storage.volumes[0];
                assert.deepEqual([v.type, v.size, v.class, v.deleteClaim, v.kraftMetadata], ["persistent-claim", "77Gi", "gp3-x", !protect, "shared"]);
                for (const p of pools) assert.equal(p.spec.storage.volumes[0].deleteClaim, !protect);
                for (const p of pools) assert.deepEqual(p.metadata.labels, { "strimzi.io/cluster": KAFKA_NAME });
            }
        }
    });

    it("node pools run on the stateful pool only; ha spreads them over zones strictly, a lone node is never disrupted by Karpenter", () => {
        for (const ha of [false, true]) {
            for (const p of kafkaNodePools(cluster({ ha, brokers: ha ? 3 : 1 }))) {
                const pod = p.spec.template.pod;
                assert.ok(
                    shapes("stateful").some((s) => schedulable(pod, s)),
                    `${p.metadata.name}: stateful`,
                );
                assert.ok(!shapes("workloads").some((s) => schedulable(pod, s)), `${p.metadata.name}: not workloads`);
                const zone = pod.topologySpreadConstraints.find((c: any) => c.topologyKey === "topology.kubernetes.io/zone");
                assert.equal(zone.whenUnsatisfiable, ha ? "DoNotSchedule" : "ScheduleAnyway");
                assert.deepEqual(zone.labelSelector.matchLabels, { "strimzi.io/cluster": KAFKA_NAME, "strimzi.io/pool-name": p.metadata.name });
                // Karpenter: karpenter.sh/do-not-disrupt on a pod keeps its node from voluntary disruption.
                assert.equal(pod.metadata?.annotations?.["karpenter.sh/do-not-disrupt"], p.spec.replicas < 2 ? "true" : undefined);
            }
        }
    });

    it("topics: the cluster's label (the Topic Operator's selector), replicas and min.insync.replicas from the broker count, 3 partitions by default", () => {
        for (const brokers of [1, 3]) {
            const t = kafkaTopic("events", brokers);
            const r = replicationFor(brokers);
            assert.deepEqual(t.metadata.labels, { "strimzi.io/cluster": KAFKA_NAME });
            assert.deepEqual(
                [t.spec.topicName, t.spec.partitions, t.spec.replicas, t.spec.config["min.insync.replicas"]],
                ["events", 3, r.replicas, r.minInsync],
            );
            assert.equal(t.metadata.annotations, undefined);
        }
        assert.equal(kafkaTopic("events", 1, 6).spec.partitions, 6);
        assert.deepEqual(kafkaTopic("events", 1, 3, "2").metadata.annotations, { "bdok.io/topic-generation": "2" });
    });

    it("connectImageTag: a valid Docker tag naming Kafka and the arch, changing with every input of the build and only then", () => {
        const p = [{ name: "jdbc", artifacts: [{ type: "maven", group: "g", artifact: "a", version: "1.0.0" }] }] as any;
        const t = connectImageTag(p, "arm64", ["img@sha256:1"]);
        // Docker: a tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
        assert.match(t, /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
        assert.match(t, /-arm64-[0-9a-f]{12}$/);
        assert.equal(connectImageTag(p, "arm64", ["img@sha256:1"]), t);
        for (const other of [
            connectImageTag([], "arm64", ["img@sha256:1"]),
            connectImageTag(p, "amd64", ["img@sha256:1"]),
            connectImageTag(p, "arm64", ["img@sha256:2"]),
            connectImageTag(p, "arm64"),
        ])
            assert.notEqual(other, t);
        // By default the tag names the Dockerfile's images (the base and Maven builder), not none.
        assert.notEqual(connectImageTag(p, "arm64"), connectImageTag(p, "arm64", []));
    });

    it("Connect and its image build run on workloads nodes of the one arch the image is built for", () => {
        for (const arch of ["arm64", "amd64"] as const) {
            const other = arch === "arm64" ? "amd64" : "arm64";
            const c = kafkaConnect(connect({ arch })).spec as any;
            for (const [what, pod] of [
                ["connect", c.template.pod],
                ["build", c.template.buildPod],
                ["poolAffinityOnArch", poolAffinityOnArch("workloads", arch)],
            ]) {
                assert.ok(
                    shapes("workloads", [arch]).some((s) => schedulable(pod, s)),
                    `${what} on ${arch}`,
                );
                assert.ok(!shapes("workloads", [other]).some((s) => schedulable(pod, s)), `${what} not on ${other}`);
                assert.ok(!shapes("stateful", [arch]).some((s) => schedulable(pod, s)), `${what} not on stateful`);
            }
        }
    });

    it("Connect: TLS to the cluster's TLS listener, trusting the cluster CA, as its KafkaUser; connectors as resources; the build pushes the given image", () => {
        const k = kafkaCluster(cluster()).spec as any;
        const c = kafkaConnect(connect({ plugins: [{ name: "x" }] as any })).spec as any;
        assert.equal(c.bootstrapServers, `${KAFKA_NAME}-kafka-bootstrap:${k.kafka.listeners[0].port}`);
        // Strimzi names the cluster CA's public Secret <cluster>-cluster-ca-cert.
        assert.deepEqual(c.tls, { trustedCertificates: [{ secretName: `${KAFKA_NAME}-cluster-ca-cert`, pattern: "*.crt" }] });
        assert.deepEqual(c.authentication, { type: "tls", certificateAndKey: { secretName: "bdok-connect", certificate: "user.crt", key: "user.key" } });
        assert.equal(kafkaConnect(connect()).metadata.annotations?.["strimzi.io/use-connector-resources"], "true");
        assert.deepEqual(c.build.output, { type: "docker", image: connect().image });
        assert.deepEqual(c.build.plugins, [{ name: "x" }]);
        // -1: the broker's default.replication.factor.
        for (const k2 of ["config", "offset", "status"]) assert.equal(c.config[`${k2}.storage.replication.factor`], -1);
        assert.equal(c.config["config.providers"], "secrets");
        assert.equal(c.config["config.providers.secrets.class"], "io.strimzi.kafka.KubernetesSecretConfigProvider");
        assert.equal(c.metricsConfig, undefined);
        assert.equal((kafkaConnect(connect({ metricsConfigMap: "m" })).spec as any).metricsConfig.valueFrom.configMapKeyRef.name, "m");
    });

    it("Connect's extra mounts: optional volumes mounted read-only under /mnt/ (Strimzi's rule), anything else refused by path", () => {
        assert.deepEqual(connectSecretMountTemplate(), { pod: {}, container: {} });
        const t = connectSecretMountTemplate([
            { volume: "ca", mountPath: "/mnt/ca", secretName: "es-ca" },
            { volume: "cfg", mountPath: "/mnt/cfg", configMapName: "cfg" },
        ]);
        assert.deepEqual(t.pod, {
            volumes: [
                { name: "ca", secret: { secretName: "es-ca", optional: true } },
                { name: "cfg", configMap: { name: "cfg", optional: true } },
            ],
        });
        assert.deepEqual(t.container, {
            connectContainer: {
                volumeMounts: [
                    { name: "ca", mountPath: "/mnt/ca", readOnly: true },
                    { name: "cfg", mountPath: "/mnt/cfg", readOnly: true },
                ],
            },
        });
        assert.throws(
            () =>
                connectSecretMountTemplate([
                    { volume: "a", mountPath: "/etc/a", secretName: "a" },
                    { volume: "b", mountPath: "/mnt/b", secretName: "b" },
                    { volume: "c", mountPath: "/opt/c", secretName: "c" },
                ]),
            /^Error: secretMounts: \/etc\/a, \/opt\/c; allowed: paths under \/mnt\/ \(Strimzi's rule for additional volumes\)$/,
        );
        const c = kafkaConnect(connect({ secretMounts: [{ volume: "ca", mountPath: "/mnt/ca", secretName: "es-ca" }] })).spec as any;
        assert.deepEqual(c.template.pod.volumes, [{ name: "ca", secret: { secretName: "es-ca", optional: true } }]);
        assert.deepEqual(c.template.connectContainer.volumeMounts, [{ name: "ca", mountPath: "/mnt/ca", readOnly: true }]);
    });
    it("node pools: small is one dual-role pool of the brokers; ha a fixed quorum of 3 controllers (KRaft tolerates one loss) and a broker pool", () => {
        const small = kafkaNodePools(cluster({ brokers: 1 }));
        assert.deepEqual(
            small.map((p) => [p.spec.roles, p.spec.replicas, p.spec.storage.volumes[0].kraftMetadata]),
            [[["controller", "broker"], 1, "shared"]],
        );
        for (const brokers of [3, 5]) {
            const ha = kafkaNodePools(cluster({ brokers, ha: true }));
            assert.deepEqual(
                ha.map((p) => [p.spec.roles, p.spec.replicas, p.spec.storage.volumes[0].kraftMetadata]),
                [
                    [["controller"], 3, undefined],
                    [["broker"], brokers, "shared"],
                ],
            );
        }
        // Two replicas: one may go, so neither node is pinned (the annotation is for a lone node only).
        for (const [brokers, pinned] of [
            [1, true],
            [2, false],
        ] as const)
            assert.equal(kafkaNodePools(cluster({ brokers }))[0].spec.template.pod.metadata?.annotations?.["karpenter.sh/do-not-disrupt"] === "true", pinned);
    });

    it("every JVM Strimzi runs for us has a fixed heap (-Xms = -Xmx, Strimzi's jvmOptions), every operator container its resources", () => {
        for (const ha of [false, true]) {
            const a = cluster({ ha, brokers: ha ? 3 : 1 });
            const jvms = [...kafkaNodePools(a).map((p) => p.spec.jvmOptions), (kafkaConnect(connect({ ha })).spec as any).jvmOptions];
            for (const j of jvms) {
                assert.match(String(j["-Xmx"]), /^\d+[mMgG]$/);
                assert.equal(j["-Xms"], j["-Xmx"]);
            }
            const eo = (kafkaCluster(a).spec as any).entityOperator;
            for (const op of [eo.topicOperator, eo.userOperator]) assert.ok(op.resources?.requests && op.resources?.limits, JSON.stringify(op));
        }
    });

    it("names agree across the builders: topics and node pools label the Kafka resource's name, Connect bootstraps from its Service", () => {
        const k = kafkaCluster(cluster());
        assert.deepEqual([k.metadata.name, k.metadata.namespace], [KAFKA_NAME, "kafka"]);
        assert.equal(kafkaTopic("t", 1).metadata.labels?.["strimzi.io/cluster"], k.metadata.name);
        for (const p of kafkaNodePools(cluster())) assert.equal(p.metadata.labels?.["strimzi.io/cluster"], k.metadata.name);
        // Strimzi's bootstrap Service: <cluster>-kafka-bootstrap.
        assert.match((kafkaConnect(connect()).spec as any).bootstrapServers, new RegExp(`^${k.metadata.name}-kafka-bootstrap:`));
    });

    it("Connect's zone spread counts Connect's own pods (Strimzi's labels), not the brokers'", () => {
        const sel = (kafkaConnect(connect()).spec as any).template.pod.topologySpreadConstraints[0].labelSelector.matchLabels;
        const matches = (labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
        assert.ok(Object.keys(sel).length > 0);
        assert.ok(matches({ "strimzi.io/cluster": "bdok-connect", "strimzi.io/kind": "KafkaConnect", "strimzi.io/name": "bdok-connect-connect" }));
        assert.ok(!matches({ "strimzi.io/cluster": KAFKA_NAME, "strimzi.io/kind": "Kafka", "strimzi.io/name": `${KAFKA_NAME}-kafka` }));
    });
});
