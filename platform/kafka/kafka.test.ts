import { RDS_CA_FILE } from "../../lib/rds-ca";
import { strict as assert } from "assert";
import {
    CLUSTER_CA_SECRET,
    CONNECT_BUILD_SERVICE_ACCOUNT,
    CONNECT_SERVICE_ACCOUNT,
    POSTGRES_CONNECT_SECRET,
    POSTGRES_SOURCE_ROLE,
    brokersIssue,
    jdbcUrl,
    replicationFor,
    secretRef,
} from "./values";
import { ECR_PUSH_ACTIONS } from "./iam";
import { kafkaCluster, kafkaNodePools } from "./specs";
// The plugins Connect is built with are what the realtime pipeline asks for.
import { realtimeConnectPlugins as connectBuildPlugins } from "../../pipelines/realtime/needs";
import { ES_ELASTIC_USER_SECRET, ES_HTTP_CA_SECRET, ES_SINK } from "../elastic/values";
import type { RbacRule } from "../k8s/objects";
import { Captured, PlanRun } from "../../tools/harness";
import type { K8sObject } from "../../tools/helm";
import { renderPlan } from "../../tools/render";
import { estimate } from "../../tools/estimate";
import { MOCK_ACCOUNT, mockSecretValue } from "../../tools/mocks";
import { chartDefaults, unknownValuesKeys, validateCustomResource } from "../../tools/schemas";
import { apps, connectPlugins, crdManifests } from "../../versions";
import {
    CRD_GROUP,
    crdGroupUrls,
    byUrn,
    descendants,
    inputsOf,
    isKarpenterRelease,
    ofType,
    one,
    planOf,
    transitiveDeps,
    assertPinnedRelease,
    STACKS,
    rbacAllows,
    stackSetting,
} from "../../test/support";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const STRIMZI = "kubernetes:kafka.strimzi.io/v1:";

const kafkaComponent = (run: PlanRun) => one(run, "bdok:platform:Kafka");
const children = (run: PlanRun, type: string) => descendants(run, kafkaComponent(run).urn).filter((r) => r.type === type);
const strimziRelease = (run: PlanRun) => {
    const rels = children(run, RELEASE);
    assert.equal(rels.length, 1);
    return rels[0];
};
const crs = (run: PlanRun) => run.captured.filter((r) => r.type.startsWith(STRIMZI));
const crOf = (run: PlanRun, kind: string): Captured[] => ofType(run, `${STRIMZI}${kind}`);
const flat = (x: string | string[]) => ([] as string[]).concat(x);

type Pool = { name: string; roles: string[]; replicas: number };
type Expected = {
    brokers: number;
    pools: Pool[];
    cruiseControl: boolean;
    rf: number;
    isr: number;
    deleteClaim: boolean;
    connectReplicas: number;
    pdbMaxUnavailable?: number;
};
/** The expected replication per stack file settings (never per stack name), written out rather than computed. */
const EXPECTED: { settings: { brokers: number; profile: string; protect: boolean }; want: Expected }[] = [
    {
        settings: { brokers: 1, profile: "small", protect: false },
        want: {
            brokers: 1,
            pools: [{ name: "dual-role", roles: ["controller", "broker"], replicas: 1 }],
            cruiseControl: false,
            rf: 1,
            isr: 1,
            deleteClaim: true,
            connectReplicas: 1,
        },
    },
    {
        settings: { brokers: 3, profile: "ha", protect: true },
        // A fixed quorum of three controllers beside the brokers (Strimzi cannot scale a controller pool).
        want: {
            brokers: 3,
            pools: [
                { name: "controllers", roles: ["controller"], replicas: 3 },
                { name: "brokers", roles: ["broker"], replicas: 3 },
            ],
            cruiseControl: true,
            rf: 3,
            isr: 2,
            deleteClaim: false,
            connectReplicas: 2,
            pdbMaxUnavailable: 1,
        },
    },
];
function expectedOf(stack: string): Expected {
    const settings = {
        brokers: stackSetting(stack, "kafka").brokers,
        profile: stackSetting(stack, "profile"),
        protect: stackSetting(stack, "protectStatefulResources"),
    };
    const row = EXPECTED.find((e) => JSON.stringify(e.settings) === JSON.stringify(settings));
    if (!row) throw new Error(`stack ${stack}: no written-out Kafka expectation for the settings ${JSON.stringify(settings)}; add a row to EXPECTED`);
    return row.want;
}

function hasRequestsAndLimits(r: any, what: string): void {
    for (const kind of ["requests", "limits"]) {
        assert.ok(r?.[kind]?.cpu && r?.[kind]?.memory, `${what}: ${kind}.cpu and ${kind}.memory set (${JSON.stringify(r)})`);
    }
}

describe("Platform: Kafka", () => {
    describe("pure builders", () => {
        it("derives replication from the broker count", () => {
            assert.deepEqual(replicationFor(1), { replicas: 1, minInsync: 1 });
            assert.deepEqual(replicationFor(2), { replicas: 2, minInsync: 1 });
            assert.deepEqual(replicationFor(3), { replicas: 3, minInsync: 2 });
            assert.deepEqual(replicationFor(6), { replicas: 3, minInsync: 2 });
            assert.throws(() => replicationFor(0), /brokers: got 0/);
        });

        it("allows the broker counts whose change scales no controller pool and changes no topic (table)", () => {
            const rows: [profile: "small" | "ha", brokers: number, ok: boolean][] = [
                ["small", 1, true],
                ["small", 2, false],
                ["small", 3, false],
                ["ha", 1, false],
                ["ha", 2, false],
                ["ha", 3, true],
                ["ha", 5, true],
                ["ha", 9, true],
                ["ha", 10, false],
            ];
            for (const [profile, brokers, ok] of rows) {
                const issue = brokersIssue(profile, brokers);
                assert.equal(issue === undefined, ok, `${profile} ${brokers}: ${issue}`);
                if (issue) assert.match(issue, /^bdok:kafka\.brokers: got \d+ with profile \w+; allowed: /);
                // Every allowed count of a profile gives its topics the same settings.
                if (ok) assert.deepEqual(replicationFor(brokers), profile === "ha" ? { replicas: 3, minInsync: 2 } : { replicas: 1, minInsync: 1 });
            }
            assert.match(brokersIssue("small", 3)!, /profile ha, on a new stack/);
        });

        it("ha: the controller pool is the same whatever the broker count; only the broker pool follows it", () => {
            const at = (brokers: number) => kafkaNodePools({ brokers, storageGiB: 100, storageClass: "gp3", protect: true, ha: true });
            for (const n of [3, 5, 9]) {
                const [controllers, brokers] = at(n);
                assert.deepEqual(controllers, at(3)[0]);
                assert.deepEqual(controllers.spec.roles, ["controller"]);
                assert.equal(brokers.spec.replicas, n);
                assert.deepEqual(brokers.spec.roles, ["broker"]);
                for (const p of at(n)) assert.deepEqual(validateCustomResource(p), [], p.metadata.name);
            }
        });

        it("asks the PostgreSQL driver for TLS that verifies the server (verify-full, the RDS CA bundle) and references secrets through the provider", () => {
            assert.equal(jdbcUrl("db.example", 5432), `jdbc:postgresql://db.example:5432/postgres?sslmode=verify-full&sslrootcert=${RDS_CA_FILE}`);
            assert.equal(secretRef("kafka", POSTGRES_CONNECT_SECRET, "password"), "${secrets:kafka/bdok-postgres-connect:password}");
        });

        it("pins every Connect plugin artifact (Maven coordinates with a version, no unverifiable URL)", () => {
            const artifacts = connectBuildPlugins().flatMap((p) => p.artifacts);
            assert.ok(artifacts.length >= 3);
            for (const a of artifacts as any[]) {
                assert.equal(a.type, "maven");
                assert.match(a.version, /^\d+\.\d+\.\d+$/);
                assert.equal(a.url, undefined);
            }
            const coords = artifacts.map((a: any) => `${a.group}:${a.artifact}:${a.version}`);
            for (const c of [connectPlugins.jdbc, connectPlugins.postgresDriver, connectPlugins.elasticsearch]) {
                assert.ok(coords.includes(`${c.group}:${c.artifact}:${c.version}`), `${c.artifact} pinned`);
            }
            // Kafka Connect isolates plugins by directory: the driver must sit beside the JDBC connector.
            const jdbc = connectBuildPlugins().find((p) => p.artifacts.some((a) => a.artifact === "kafka-connect-jdbc"))!;
            assert.ok(jdbc.artifacts.some((a) => a.artifact === "postgresql"));
        });

        it("the strict validator rejects a misspelled or mistyped field in the Kafka spec", () => {
            const good = kafkaCluster({ brokers: 3, storageGiB: 10, storageClass: "gp3", protect: true, ha: true });
            assert.deepEqual(validateCustomResource(good), []);
            const { listeners, ...rest } = good.spec.kafka;
            const typo = { ...good, spec: { ...good.spec, kafka: { ...rest, listners: listeners } } };
            const errors = validateCustomResource(typo);
            assert.ok(
                errors.some((e) => e.includes("listners")),
                errors.join("\n"),
            );
            assert.ok(
                errors.some((e) => e.includes("listeners")),
                "and the required listeners are missing",
            );
            const wrongType = { ...good, spec: { ...good.spec, kafka: { ...good.spec.kafka, listeners: [{ ...listeners[0], tls: "yes" }] } } };
            assert.ok(validateCustomResource(wrongType).length > 0);
        });
    });

    for (const stack of STACKS) {
        describe(`stack ${stack}`, () => {
            let run: PlanRun;
            const want = expectedOf(stack);
            before(async () => {
                run = await planOf(stack);
            });

            it("installs the pinned Strimzi chart in namespace kafka with known values keys", () => {
                const rel = inputsOf(strimziRelease(run));
                assertPinnedRelease(strimziRelease(run), "strimzi", "kafka");
                // `<key>.image.digest` is not in values.yaml but the chart's "strimzi.image" helper reads it
                // (templates/_helpers.tpl: `$vals.digest`); the ignored-values check proves each one renders.
                const unknown = unknownValuesKeys(rel.values, chartDefaults("strimzi")).filter((k) => !/^(\w+\.)?image\.digest$/.test(k));
                assert.deepEqual(unknown, []);
                hasRequestsAndLimits(rel.values.resources, "cluster operator");
                // Kaniko pushes to ECR with the build pod's Pod Identity role; Buildah would need a pushSecret.
                assert.match(rel.values.featureGates, /-UseConnectBuildWithBuildah/);
            });

            it("declares the cluster, node pool, the pipelines' topics, Connect and its user, all valid against the v1 CRDs", () => {
                const mine = descendants(run, kafkaComponent(run).urn).filter((r) => r.type.startsWith(STRIMZI));
                // Two topics for the realtime pipeline, one more with the API producer (pipelines/api).
                const topics = run.config.pipelines.api ? ["KafkaTopic", "KafkaTopic", "KafkaTopic"] : ["KafkaTopic", "KafkaTopic"];
                assert.deepEqual(mine.map((r) => inputsOf(r).kind).sort(), [
                    "Kafka",
                    "KafkaConnect",
                    ...want.pools.map(() => "KafkaNodePool"),
                    ...topics,
                    "KafkaUser",
                ]);
                // Every Strimzi resource of the program (KafkaConnectors of the pipelines included).
                for (const r of crs(run)) {
                    assert.equal(inputsOf(r).apiVersion, "kafka.strimzi.io/v1");
                    assert.deepEqual(validateCustomResource(inputsOf(r)), [], `${r.name}`);
                }
            });

            // Karpenter's releases aside: brokers and Connect select its pools, so they wait for them.
            it("makes every custom resource wait for the operator release, and no release wait for another", () => {
                const rel = strimziRelease(run);
                for (const r of descendants(run, kafkaComponent(run).urn).filter((x) => x.type.startsWith(STRIMZI))) {
                    assert.ok(r.dependencies.includes(rel.urn), `${r.name} depends on the Strimzi release`);
                    const releases = [...transitiveDeps(run, r.urn)].map((u) => byUrn(run, u)).filter((d) => d.type === RELEASE && !isKarpenterRelease(d));
                    assert.deepEqual(
                        releases.map((d) => d.urn),
                        [rel.urn],
                        `${r.name} waits for no other release`,
                    );
                }
                // The release waits for its namespace and the CRD manifests Pulumi applies first.
                const direct = rel.dependencies.map((u) => byUrn(run, u));
                assert.deepEqual(
                    direct
                        .flatMap((d) => (d.type === CRD_GROUP ? crdGroupUrls(d).map((u) => `${d.type}:${u}`) : [`${d.type}:${inputsOf(d).metadata.name}`]))
                        .sort(),
                    ["kubernetes:core/v1:Namespace:kafka", ...crdManifests.strimzi.map((f) => `${CRD_GROUP}:${f}`)].sort(),
                );
                // The operators run on the system group: no other release, Karpenter's included, holds them up.
                for (const r of ofType(run, RELEASE).filter((x) => /spark-operator|strimzi/.test(inputsOf(x).chart))) {
                    const others = [...transitiveDeps(run, r.urn)].map((u) => byUrn(run, u)).filter((d) => d.type === RELEASE);
                    assert.deepEqual(
                        others.map((d) => d.name),
                        [],
                        `${r.name} depends on no release`,
                    );
                }
            });

            it(`runs the KRaft node pools ${want.pools.map((p) => `${p.name} ${p.roles.join("+")} x${p.replicas}`).join(", ")} on gp3, deleteClaim ${want.deleteClaim}`, () => {
                const pools = crOf(run, "KafkaNodePool").map(inputsOf);
                assert.deepEqual(
                    pools.map((p) => ({ name: p.metadata.name, roles: [...p.spec.roles].sort(), replicas: p.spec.replicas })),
                    want.pools.map((p) => ({ ...p, roles: [...p.roles].sort() })),
                );
                for (const pool of pools) {
                    assert.equal(pool.metadata.labels["strimzi.io/cluster"], "bdok");
                    const [vol] = pool.spec.storage.volumes;
                    assert.equal(vol.type, "persistent-claim");
                    if (pool.spec.roles.includes("broker")) {
                        assert.equal(vol.size, `${run.config.kafka.storageGiB}Gi`);
                        assert.equal(vol.kraftMetadata, "shared");
                    }
                    assert.equal(vol.class, "gp3");
                    assert.equal(vol.deleteClaim, want.deleteClaim);
                    hasRequestsAndLimits(pool.spec.resources, pool.metadata.name);
                }
            });

            it(`runs Cruise Control with auto-rebalancing on scaling: ${want.cruiseControl}`, () => {
                const k = inputsOf(one(run, `${STRIMZI}Kafka`));
                if (!want.cruiseControl) {
                    assert.equal(k.spec.cruiseControl, undefined);
                    return;
                }
                // proc-automating-rebalances.adoc:11-18 (Strimzi 1.2.0): with both modes the operator
                // moves partitions onto added brokers and off removed ones, without approval.
                assert.deepEqual(k.spec.cruiseControl.autoRebalance.map((m: any) => m.mode).sort(), ["add-brokers", "remove-brokers"]);
                hasRequestsAndLimits(k.spec.cruiseControl.resources, "Cruise Control");
                // Its pod is in the cost and capacity estimate, with the requests set here.
                const cc = estimate(run).capacity.items.filter((w) => w.path === "spec.cruiseControl.resources");
                assert.equal(cc.length, 1, "Cruise Control counted once");
                assert.equal(cc[0].pods, 1);
                assert.equal(cc[0].cpuMillis, 250);
                assert.equal(cc[0].memoryMiB, 1024);
            });

            it(`replicates ${want.rf} / min.insync ${want.isr}, TLS listener only, entity operators sized`, () => {
                const k = inputsOf(one(run, `${STRIMZI}Kafka`));
                assert.equal(k.metadata.name, "bdok");
                assert.equal(k.spec.kafka.version, apps.kafka);
                const c = k.spec.kafka.config;
                assert.equal(c["default.replication.factor"], want.rf);
                assert.equal(c["offsets.topic.replication.factor"], want.rf);
                assert.equal(c["transaction.state.log.replication.factor"], want.rf);
                assert.equal(c["min.insync.replicas"], want.isr);
                assert.equal(c["transaction.state.log.min.isr"], want.isr);
                assert.ok(k.spec.kafka.listeners.length > 0);
                for (const l of k.spec.kafka.listeners) assert.equal(l.tls, true, `listener ${l.name} uses TLS`);
                assert.ok(k.spec.kafka.listeners.some((l: any) => l.port === 9093 && l.type === "internal"));
                hasRequestsAndLimits(k.spec.entityOperator.topicOperator.resources, "topic operator");
                hasRequestsAndLimits(k.spec.entityOperator.userOperator.resources, "user operator");
                assert.equal(k.spec.kafka.template?.podDisruptionBudget?.maxUnavailable, want.pdbMaxUnavailable);
            });

            it("makes brokers rack-aware on the zone key they are spread over (ha), with the RBAC Strimzi's init container needs", () => {
                const k = inputsOf(one(run, `${STRIMZI}Kafka`));
                const pod = crOf(run, "KafkaNodePool")
                    .map(inputsOf)
                    .find((p) => p.spec.roles.includes("broker")).spec.template.pod;
                const zones = pod.topologySpreadConstraints.filter(
                    (t: any) => t.whenUnsatisfiable === "DoNotSchedule" && t.topologyKey !== "kubernetes.io/hostname",
                );
                assert.equal(zones.length > 0, run.config.ha, "brokers are spread over zones in ha");
                assert.deepEqual(k.spec.kafka.rack, zones.length ? { topologyKey: zones[0].topologyKey } : undefined);
                // Strimzi 1.2.0 KafkaCluster.generateClusterRoleBinding: with a topology-label rack the
                // operator binds ClusterRole strimzi-kafka-broker to the brokers' service account
                // (ClusterRoleBinding strimzi-<ns>-<cluster>-kafka-init). It must be allowed to create
                // that binding and hold the role's permissions itself (RBAC escalation check).
                const objs = renderPlan(run).find((r) => r.chart === "strimzi")!.objects;
                const op = objs.find((o) => o.kind === "Deployment")!;
                const sa = { name: op.spec.template.spec.serviceAccountName, namespace: op.metadata.namespace };
                const role = (name: string) => objs.find((o) => o.kind === "ClusterRole" && o.metadata.name === name)?.rules ?? [];
                const bound = (b: K8sObject) => b.subjects.some((s: any) => s.kind === "ServiceAccount" && s.name === sa.name && s.namespace === sa.namespace);
                const rules = objs.filter((o) => o.kind === "ClusterRoleBinding" && bound(o)).flatMap((b) => role(b.roleRef.name));
                assert.ok(rbacAllows(role("strimzi-kafka-broker"), "", "nodes", "get"), "the init container reads its node's labels");
                assert.ok(rbacAllows(rules, "", "nodes", "get"), "the operator holds what it grants");
                for (const verb of ["create", "patch"]) assert.ok(rbacAllows(rules, "rbac.authorization.k8s.io", "clusterrolebindings", verb), verb);
            });

            it("declares the pipeline's topics with the same replication", () => {
                const topics = crOf(run, "KafkaTopic").map(inputsOf);
                const api = run.config.pipelines.api ? ["api-users"] : [];
                assert.deepEqual(topics.map((t) => t.spec.topicName).sort(), [...api, "customers-transformed", "src-customers"]);
                for (const t of topics) {
                    assert.equal(t.metadata.labels["strimzi.io/cluster"], "bdok");
                    assert.equal(t.spec.replicas, want.rf);
                    assert.equal(t.spec.config["min.insync.replicas"], want.isr);
                    assert.ok(t.spec.partitions >= 1);
                }
            });

            it("keeps the Connect image in a scanned, encrypted ECR repository with a lifecycle policy", () => {
                const repo = inputsOf(one(run, "aws:ecr/repository:Repository", "kafka-connect"));
                assert.equal(repo.imageScanningConfiguration.scanOnPush, true);
                assert.equal(repo.imageTagMutability, "IMMUTABLE");
                assert.ok(["AES256", "KMS"].includes(repo.encryptionConfigurations[0].encryptionType));
                const lc = inputsOf(one(run, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "kafka-connect"));
                assert.equal(lc.repository, repo.name);
                assert.ok(JSON.parse(lc.policy).rules.some((r: any) => r.selection.tagStatus === "untagged"));
            });

            it("runs Connect over TLS with connector resources, secrets provider and a Strimzi-built image", () => {
                const connect = inputsOf(one(run, `${STRIMZI}KafkaConnect`));
                const repo = inputsOf(one(run, "aws:ecr/repository:Repository", "kafka-connect"));
                assert.equal(connect.metadata.name, "bdok-connect");
                assert.equal(connect.metadata.annotations["strimzi.io/use-connector-resources"], "true");
                assert.equal(connect.spec.bootstrapServers, "bdok-kafka-bootstrap:9093");
                assert.deepEqual(
                    connect.spec.tls.trustedCertificates.map((t: any) => t.secretName),
                    [CLUSTER_CA_SECRET],
                );
                assert.equal(connect.spec.replicas, want.connectReplicas);
                assert.equal(connect.spec.config["config.providers"], "secrets");
                assert.equal(connect.spec.config["config.providers.secrets.class"], "io.strimzi.kafka.KubernetesSecretConfigProvider");
                const out = connect.spec.build.output;
                assert.equal(out.type, "docker");
                assert.equal(out.pushSecret, undefined, "no registry password");
                assert.ok(out.image.startsWith(`${MOCK_ACCOUNT}.dkr.ecr.${run.config.region}.amazonaws.com/${repo.name}:`), out.image);
                assert.deepEqual(connect.spec.build.plugins, connectBuildPlugins());
                hasRequestsAndLimits(connect.spec.resources, "Connect");
                hasRequestsAndLimits(connect.spec.build.resources, "Connect build");
            });

            it("lets only the Connect build pod push, and only to its repository", () => {
                const repo = inputsOf(one(run, "aws:ecr/repository:Repository", "kafka-connect"));
                const repoArn = `arn:aws:ecr:${run.config.region}:${MOCK_ACCOUNT}:repository/${repo.name}`;
                const assoc = children(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation").map(inputsOf);
                assert.deepEqual(
                    assoc.map((a) => `${a.namespace}/${a.serviceAccount}`),
                    [`kafka/${CONNECT_BUILD_SERVICE_ACCOUNT}`],
                );
                const [policy] = children(run, "aws:iam/rolePolicy:RolePolicy").map((p) => JSON.parse(inputsOf(p).policy));
                for (const s of policy.Statement) {
                    const actions = flat(s.Action);
                    if (actions.includes("ecr:GetAuthorizationToken")) {
                        assert.deepEqual(actions, ["ecr:GetAuthorizationToken"], "the wildcard resource serves the token call alone");
                        assert.equal(s.Resource, "*");
                    } else {
                        assert.deepEqual(flat(s.Resource), [repoArn]);
                        assert.deepEqual([...actions].sort(), [...ECR_PUSH_ACTIONS].sort());
                    }
                }
                // Every other ECR grant in the program names a repository too.
                for (const p of ofType(run, "aws:iam/rolePolicy:RolePolicy")) {
                    for (const s of JSON.parse(inputsOf(p).policy).Statement) {
                        if (flat(s.Action).some((a) => a.startsWith("ecr:") && a !== "ecr:GetAuthorizationToken")) {
                            assert.ok(
                                flat(s.Resource).every((r) => r !== "*"),
                                `${p.name} names ECR resources`,
                            );
                        }
                    }
                }
            });

            it("hands the JDBC source role's credentials to Connect in a Secret (TLS JDBC URL), readable only by Connect", () => {
                // The Secret is the realtime pipeline's; Connect gets read access to it by name.
                const secret = ofType(run, "kubernetes:core/v1:Secret")
                    .map(inputsOf)
                    .find((s) => s.metadata.name === POSTGRES_CONNECT_SECRET)!;
                assert.equal(secret.metadata.namespace, "kafka");
                // The JDBC source's own role (pipelines/realtime/roles.sql), never the master user.
                const password = mockSecretValue(
                    "random:index/randomPassword:RandomPassword",
                    one(run, "random:index/randomPassword:RandomPassword", "realtime-pipeline-postgres-source").name,
                );
                assert.equal(secret.stringData.password, password, "the Secret carries the generated password");
                assert.equal(secret.stringData.username, POSTGRES_SOURCE_ROLE);
                const master = mockSecretValue(
                    "random:index/randomPassword:RandomPassword",
                    one(run, "random:index/randomPassword:RandomPassword", "database-master").name,
                );
                assert.ok(!JSON.stringify(secret).includes(master), "no master password for Connect");
                assert.match(
                    secret.stringData.url,
                    /^jdbc:postgresql:\/\/bdok-[a-z0-9-]+-postgres\.[^/]+\.rds\.amazonaws\.com:5432\/postgres\?sslmode=verify-full&sslrootcert=\/mnt\/bdok-rds-ca\/rds-ca\.pem$/,
                );
                const plain = run.plan.resources.find(
                    (r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs as any).metadata?.name === POSTGRES_CONNECT_SECRET,
                )!;
                assert.equal((plain.inputs as any).stringData, "[secret]", "masked in the plan");

                const roles = children(run, "kubernetes:rbac.authorization.k8s.io/v1:Role").map(inputsOf);
                const bindings = children(run, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").map(inputsOf);
                const rulesIn = (ns: string) => roles.filter((r) => r.metadata.namespace === ns).flatMap((r) => r.rules as RbacRule[]);
                assert.ok(rbacAllows(rulesIn("kafka"), "", "secrets", "get", POSTGRES_CONNECT_SECRET));
                assert.ok(!rbacAllows(rulesIn("kafka"), "", "secrets", "get", CLUSTER_CA_SECRET.replace("-cert", "")), "not the CA key");
                assert.ok(!rbacAllows(rulesIn("kafka"), "", "secrets", "list"));
                for (const s of [ES_SINK.userSecret, ES_HTTP_CA_SECRET]) assert.ok(rbacAllows(rulesIn("elastic"), "", "secrets", "get", s), s);
                assert.ok(!rbacAllows(rulesIn("elastic"), "", "secrets", "get", ES_ELASTIC_USER_SECRET), "not the elastic superuser");
                assert.ok(!rbacAllows(rulesIn("elastic"), "", "secrets", "get", "bdok-es-http-certs-internal"));
                // The names are ECK's derivations of the Elasticsearch resource the program declares.
                const es = ofType(run, "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch").map(inputsOf);
                assert.equal(es.length, 1, "one Elasticsearch");
                assert.equal(es[0].metadata.namespace, "elastic");
                assert.equal(ES_ELASTIC_USER_SECRET, `${es[0].metadata.name}-es-elastic-user`);
                assert.equal(ES_HTTP_CA_SECRET, `${es[0].metadata.name}-es-http-certs-public`);
                assert.equal(bindings.length, 2);
                for (const b of bindings) {
                    assert.deepEqual(b.subjects, [{ kind: "ServiceAccount", name: CONNECT_SERVICE_ACCOUNT, namespace: "kafka" }]);
                    assert.ok(roles.some((r) => r.metadata.name === b.roleRef.name && r.metadata.namespace === b.metadata.namespace));
                }
            });

            it("never puts the RDS password into anything but Kubernetes Secrets (and RDS itself)", () => {
                const password = mockSecretValue("random:index/randomPassword:RandomPassword", "database-master");
                const holders = run.captured.filter((r) => JSON.stringify(r.rawInputs).includes(password)).map((r) => r.type);
                assert.ok(holders.includes("kubernetes:core/v1:Secret"), "positive control: the Secret holds it");
                const leaks = holders.filter((t) => t !== "kubernetes:core/v1:Secret" && t !== "aws:rds/instance:Instance");
                assert.deepEqual(leaks, []);
                assert.ok(!JSON.stringify(run.plan).includes(password), "the plan masks it");
            });

            it("exposes the names the pipelines rely on", () => {
                assert.equal(run.plan.outputs.kafkaBootstrapServers, "bdok-kafka-bootstrap.kafka.svc:9093");
                assert.match(
                    String(run.plan.outputs.kafkaConnectImage),
                    new RegExp(
                        `^${MOCK_ACCOUNT}\\.dkr\\.ecr\\..+/bdok-${stack}-kafka-connect:kafka-${apps.kafka.replace(/\./g, "\\.")}-${run.config.karpenter.pools.workloads.arch[0]}-[0-9a-f]{12}$`,
                    ),
                );
            });
        });
    }
});
