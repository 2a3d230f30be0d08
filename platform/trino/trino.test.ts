import { strict as assert } from "assert";
import {
    hiveCatalog,
    nodeMemory,
    passwordFileLine,
    TRINO_HTTPS_PORT,
    TRINO_INTERNAL_SECRET,
    TRINO_PASSWORD_SECRET,
    TRINO_SERVICE,
    TRINO_SERVICE_ACCOUNT,
    TRINO_TLS_SECRET,
    TRINO_TLS_CA_SECRET,
    TRINO_USER,
    trinoSizes,
} from "./values";
import { helmTemplate, K8sObject, parseManifest } from "../../tools/helm";
import { Captured, PlanRun } from "../../tools/harness";
import { MOCK_ACCOUNT, mockRandomStateOf } from "../../tools/mocks";
import { chartDefaults, unknownValuesKeys } from "../../tools/schemas";
import { apps } from "../../versions";
import { queryFile } from "../../pipelines/lake";
import {
    descendants,
    inputsOf,
    isKarpenterRelease,
    ofType,
    one,
    planOf,
    planWith,
    plansOfEachExposure,
    exposedService,
    PUBLIC_EXPOSURE_SETTINGS,
    transitiveDeps,
    assertPinnedRelease,
    STACKS,
    describeEachStack,
} from "../../test/support";

const RELEASE = "kubernetes:helm.sh/v3:Release";

function mine(run: PlanRun): Captured[] {
    return descendants(run, one(run, "bdok:platform:Trino").urn);
}
function release(run: PlanRun): Captured {
    const r = mine(run).filter((c) => c.type === RELEASE);
    assert.equal(r.length, 1);
    return r[0];
}
function values(run: PlanRun): any {
    return inputsOf(release(run)).values;
}
/** "1536M" / "2048Mi" / "1075MB" → MiB (Trino's MB and the JVM's M are binary units). */
function mib(q: string): number {
    const m = /^(\d+)(M|Mi|MB|G|Gi|GB)$/.exec(q);
    assert.ok(m, `size ${q}`);
    return Number(m[1]) * (m[2].startsWith("G") ? 1024 : 1);
}
function properties(text: string): Record<string, string> {
    return Object.fromEntries(
        text
            .split("\n")
            .filter((l) => l.trim() && !l.startsWith("#"))
            .map((l) => {
                const i = l.indexOf("=");
                return [l.slice(0, i).trim(), l.slice(i + 1).trim()];
            }),
    );
}

describe("Trino (pure builders)", () => {
    it("keeps query memory + headroom within the heap, and the heap within the container", () => {
        for (const mem of [1024, 2048, 3072, 4096, 12288, 65536]) {
            const m = nodeMemory(mem);
            assert.ok(mib(m.maxHeapSize) < mem, `${mem}: heap below the container`);
            assert.ok(mib(m.maxMemoryPerNode) + mib(m.heapHeadroomPerNode) <= mib(m.maxHeapSize), `${mem}: query + headroom <= heap`);
            assert.ok(mib(m.maxMemoryPerNode) > 0);
        }
    });

    it("configures the hive catalog on Glue with native S3 and no keys", () => {
        const p = properties(hiveCatalog("eu-west-1"));
        assert.equal(p["connector.name"], "hive");
        assert.equal(p["hive.metastore"], "glue");
        assert.equal(p["hive.metastore.glue.region"], "eu-west-1");
        assert.equal(p["fs.native-s3.enabled"], "true");
        assert.equal(p["s3.region"], "eu-west-1");
        assert.ok(!Object.keys(p).some((k) => /access-key|secret-key|iam-role/.test(k)), "credentials come from the pod");
    });
});

describeEachStack(
    (stack) => `Trino on stack ${stack}`,
    (plan, stack) => {
        it("installs the pinned trino chart into namespace trino", () => {
            const rel = inputsOf(release(plan()));
            assertPinnedRelease(release(plan()), "trino", "trino");
            assert.equal(rel.version, "1.42.2");
            assert.equal(rel.name, "trino");
            assert.equal(values(plan()).image.tag, apps.trino);
        });

        it("sets only keys the chart's values.yaml has (catalogs is the chart's free-form name → properties map)", () => {
            const defaults = chartDefaults("trino");
            assert.deepEqual(unknownValuesKeys(values(plan()), { ...defaults, catalogs: {} }), []);
            // Against the raw defaults the only "unknown" key is the catalog's own name.
            assert.deepEqual(unknownValuesKeys(values(plan()), defaults), ["catalogs.hive", "catalogs.iceberg"]);
            assert.deepEqual(
                unknownValuesKeys({ ...values(plan()), worker: { jvmm: {} } }, defaults).filter((k) => !k.startsWith("catalogs.")),
                ["worker.jvmm"],
                "a typo is caught",
            );
        });

        it("runs the configured number of workers", async () => {
            const workers = plan().config.trino.workers;
            assert.equal(values(plan()).server.workers, workers);
            assert.equal(values(plan()).coordinator.config.nodeScheduler.includeCoordinator, workers === 0, "the coordinator works alone only without workers");
            // The other case: none if the stack has workers, one if it has none.
            const other = await planWith(stack, { "bdok:trino": { ...plan().config.trino, workers: workers === 0 ? 1 : 0 } });
            assert.equal(values(other).server.workers, workers === 0 ? 1 : 0);
            assert.equal(values(other).coordinator.config.nodeScheduler.includeCoordinator, workers !== 0);
        });

        it("sizes containers, JVM heap and query memory consistently", () => {
            const v = values(plan());
            const sizes = trinoSizes(plan().config.ha);
            for (const role of ["coordinator", "worker"] as const) {
                const n = v[role];
                for (const k of ["requests", "limits"]) assert.ok(n.resources[k].cpu && n.resources[k].memory, `${role} ${k}`);
                assert.equal(mib(n.resources.limits.memory), sizes[role].memoryMiB);
                assert.equal(n.resources.requests.memory, n.resources.limits.memory, `${role}: memory request = limit`);
                const heap = mib(n.jvm.maxHeapSize);
                assert.ok(heap <= 0.8 * mib(n.resources.limits.memory), `${role}: heap leaves room for off-heap memory`);
                assert.ok(mib(n.config.query.maxMemoryPerNode) + mib(n.config.memory.heapHeadroomPerNode) <= heap, `${role}: query + headroom <= heap`);
            }
            // Cluster-wide query memory: every worker's share, or the coordinator's when it works alone.
            const workers = plan().config.trino.workers;
            const perNode = mib((workers > 0 ? v.worker : v.coordinator).config.query.maxMemoryPerNode);
            assert.equal(mib(v.server.config.query.maxMemory), perNode * Math.max(workers, 1));
        });

        it("defines the hive catalog on Glue in the stack's region", () => {
            const p = properties(values(plan()).catalogs.hive);
            assert.equal(p["connector.name"], "hive");
            assert.equal(p["hive.metastore"], "glue");
            assert.equal(p["hive.metastore.glue.region"], plan().config.region);
            assert.equal(p["fs.native-s3.enabled"], "true");
            assert.equal(p["s3.region"], plan().config.region);
            assert.equal(plan().plan.outputs.trinoCatalog, "hive");
        });

        it("runs under its own service account bound to a read-only Pod Identity role", () => {
            const sa = values(plan()).serviceAccount;
            assert.deepEqual(sa, { create: true, name: TRINO_SERVICE_ACCOUNT });
            const assoc = mine(plan())
                .filter((c) => c.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation")
                .map(inputsOf);
            assert.deepEqual(
                assoc.map((a) => `${a.namespace}/${a.serviceAccount}`),
                [`trino/${sa.name}`],
            );
            const statements: any[] = JSON.parse(inputsOf(mine(plan()).find((c) => c.type === "aws:iam/rolePolicy:RolePolicy")!).policy).Statement;
            const base = `arn:aws:glue:${plan().config.region}:${MOCK_ACCOUNT}`;
            const lake = `arn:aws:s3:::${plan().plan.outputs.lakeBucket}`;
            for (const s of statements) {
                const actions: string[] = [s.Action].flat();
                const resources: string[] = [s.Resource].flat();
                assert.ok(
                    resources.every((r) => r !== "*"),
                    JSON.stringify(s),
                );
                assert.ok(
                    actions.every(
                        (a) =>
                            /^glue:(Get|BatchGet)/.test(a) ||
                            ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"].includes(a),
                    ),
                    `read-only: ${actions}`,
                );
            }
            const dbs = plan().plan.outputs.icebergDatabases as { imdb: string; realtime: string };
            const glue = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith("glue:")));
            assert.deepEqual(
                glue.map((s) => [s.Resource].flat()),
                [
                    [`${base}:catalog`, `${base}:database/${plan().plan.outputs.glueDatabase}`, `${base}:table/${plan().plan.outputs.glueDatabase}/*`],
                    [`${base}:catalog`, ...[dbs.imdb, dbs.realtime].flatMap((d) => [`${base}:database/${d}`, `${base}:table/${d}/*`])],
                ],
            );
            assert.deepEqual([glue[1].Action].flat().sort(), ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables"]);
            const objects = statements.filter((s) => [s.Action].flat().includes("s3:GetObject")).flatMap((s) => [s.Resource].flat());
            assert.deepEqual(objects.sort(), [`${lake}/warehouse/*`]);
            assert.ok(
                release(plan()).dependencies.some((d) => d.includes("bdok:aws:PodRole")),
                "pods start after their role exists",
            );
        });

        it("exposes its service as the exposure setting says", async function () {
            this.timeout(180_000);
            // The stack file's setting, then each setting on this stack.
            for (const run of await plansOfEachExposure(stack, plan())) {
                const exposure = run.config.exposure;
                const svc = values(run).service;
                const want = exposedService(exposure, run.config);
                assert.equal(svc.type, want.type, exposure);
                assert.deepEqual(svc.annotations, want.annotations, exposure);
                // Behind a load balancer Trino authenticates over HTTPS only, so the port-forward is to that port.
                const port = exposure === "clusterIp" ? 8080 : TRINO_HTTPS_PORT;
                assert.equal(run.plan.outputs.trinoPortForward, `kubectl -n trino port-forward svc/trino ${port}:${port}`, exposure);
            }
        });

        it("does not wait for the Airflow or Elastic releases (only the load balancer controller, behind a load balancer)", () => {
            const deps = transitiveDeps(plan(), release(plan()).urn);
            const lbc = one(plan(), RELEASE, "load-balancer-controller");
            assert.equal(deps.has(lbc.urn), plan().config.exposure !== "clusterIp");
            // Its workers select the workloads pool, so it waits for Karpenter's releases too.
            for (const o of ofType(plan(), RELEASE).filter((r) => r.urn !== release(plan()).urn && r.urn !== lbc.urn && !isKarpenterRelease(r)))
                assert.ok(!deps.has(o.urn), `Trino waits for ${o.name}`);
        });
    },
);

// Every key of the iceberg catalog must be one Trino 480 documents for the Iceberg connector on
// Glue with the native S3 file system (trinodb/trino 480, docs/src/main/sphinx/...):
const TRINO_480_ICEBERG_KEYS: Record<string, string> = {
    "connector.name": "installation/deployment.md: catalog properties name their connector",
    "iceberg.catalog.type": "connector/iceberg.md General configuration: hive_metastore, glue, jdbc, rest, nessie",
    "iceberg.security": "connector/iceberg.md Security: ALLOW_ALL, SYSTEM, READ_ONLY, FILE",
    "iceberg.file-format": "connector/iceberg.md General configuration",
    "hive.metastore.glue.region": "object-storage/metastores.md General AWS Glue metastore configuration properties",
    "hive.metastore.glue.catalogid": "object-storage/metastores.md General AWS Glue metastore configuration properties",
    "iceberg.glue.skip-archive": "object-storage/metastores.md Iceberg-specific Glue catalog configuration properties",
    "fs.native-s3.enabled": "object-storage.md: activates the native S3 file system",
    "s3.region": "object-storage/file-system-s3.md S3 configuration properties",
};

describe("Trino's iceberg catalog, as the chart renders it from the plan's values", () => {
    for (const stack of STACKS) {
        it(`${stack}: a read-only Glue catalog file, mounted where Trino loads catalogs, with Trino 480 keys only`, async function () {
            this.timeout(180000);
            const run = await planOf(stack);
            const rel = inputsOf(release(run));
            const objs = parseManifest(
                helmTemplate("trino", { releaseName: rel.name, namespace: rel.namespace, values: rel.values, kubeVersion: run.config.kubernetesVersion }),
            );
            const maps = objs.filter((o) => o.kind === "ConfigMap" && o.data?.["iceberg.properties"] !== undefined);
            assert.equal(maps.length, 1, "one ConfigMap holds iceberg.properties");
            const p = properties(maps[0].data["iceberg.properties"]);
            assert.deepEqual(p, {
                "connector.name": "iceberg",
                "iceberg.catalog.type": "glue",
                "hive.metastore.glue.region": run.config.region,
                "fs.native-s3.enabled": "true",
                "s3.region": run.config.region,
                "iceberg.security": "read_only",
            });
            for (const k of Object.keys(p)) assert.ok(k in TRINO_480_ICEBERG_KEYS, `${k} is not a documented Trino 480 Iceberg/Glue/S3 property`);
            assert.ok(maps[0].data["hive.properties"], "beside the hive catalog");
            // Coordinator and workers mount that ConfigMap (the catalog exists on every node).
            for (const d of objs.filter((o) => o.kind === "Deployment")) {
                const vol = d.spec.template.spec.volumes.find((v: any) => v.configMap?.name === maps[0].metadata.name);
                assert.ok(vol, `${d.metadata.name} mounts the catalogs`);
                assert.ok(
                    d.spec.template.spec.containers[0].volumeMounts.some((m: any) => m.name === vol.name && m.mountPath === "/etc/trino/catalog"),
                    d.metadata.name,
                );
            }
            assert.equal(queryFile().catalog, "iceberg", "the output queries name this catalog");
        });
    }
});

describe("Trino authentication, from the chart the plan's values render", () => {
    const renderTrino = (run: PlanRun) => {
        const rel = inputsOf(release(run));
        return parseManifest(
            helmTemplate("trino", { releaseName: rel.name, namespace: rel.namespace, values: rel.values, kubeVersion: run.config.kubernetesVersion }),
        );
    };
    const coordinatorConfig = (objs: K8sObject[]) => {
        const cm = objs.find((o) => o.kind === "ConfigMap" && o.source === "trino/templates/configmap-coordinator.yaml")!;
        return { cm, props: properties(cm.data["config.properties"]) };
    };

    for (const exposure of ["internalLoadBalancer", "publicLoadBalancer"] as const) {
        describe(`exposure ${exposure}`, () => {
            let run: PlanRun;
            let objs: K8sObject[];
            before(async function () {
                this.timeout(180000);
                run = await planWith("prod", {
                    "bdok:exposure": exposure,
                    ...(exposure === "publicLoadBalancer" ? PUBLIC_EXPOSURE_SETTINGS : {}),
                });
                objs = renderTrino(run);
            });

            it("the coordinator takes passwords from the password file, over HTTPS only", () => {
                const { cm, props } = coordinatorConfig(objs);
                assert.equal(props["http-server.authentication.type"], "PASSWORD");
                assert.equal(props["http-server.https.enabled"], "true");
                assert.equal(props["http-server.https.port"], String(TRINO_HTTPS_PORT));
                assert.equal(props["http-server.authentication.allow-insecure-over-http"], "false");
                assert.equal(properties(cm.data["password-authenticator.properties"])["password-authenticator.name"], "file");
                const deploy = objs.find((o) => o.kind === "Deployment" && /coordinator/.test(o.metadata.name))!;
                const c = deploy.spec.template.spec.containers[0];
                assert.ok(
                    c.ports.some((p: any) => p.name === "https" && p.containerPort === TRINO_HTTPS_PORT),
                    JSON.stringify(c.ports),
                );
                const volumes = deploy.spec.template.spec.volumes;
                const mountOf = (secret: string) => {
                    const v = volumes.find((x: any) => x.secret?.secretName === secret);
                    assert.ok(v, `a volume of Secret ${secret}`);
                    return c.volumeMounts.find((m: any) => m.name === v.name).mountPath as string;
                };
                const passwordFile = properties(cm.data["password-authenticator.properties"])["file.password-file"];
                assert.equal(`${mountOf(TRINO_PASSWORD_SECRET)}/password.db`, passwordFile);
                assert.equal(`${mountOf(TRINO_TLS_SECRET)}/tls.pem`, props["http-server.https.keystore.path"]);
                const svc = objs.find((o) => o.kind === "Service" && o.metadata.name === TRINO_SERVICE)!;
                assert.ok(svc.spec.ports.some((p: any) => p.port === TRINO_HTTPS_PORT && p.targetPort === "https"));
            });

            it("coordinator and workers share an internal secret from a Kubernetes Secret", () => {
                const secretRef = properties(coordinatorConfig(objs).cm.data["config.properties"])["internal-communication.shared-secret"];
                const env = /^\$\{ENV:(\w+)\}$/.exec(secretRef)?.[1];
                assert.ok(env, secretRef);
                const worker = objs.find((o) => o.kind === "ConfigMap" && o.source === "trino/templates/configmap-worker.yaml")!;
                assert.equal(properties(worker.data["config.properties"])["internal-communication.shared-secret"], secretRef);
                for (const d of objs.filter((o) => o.kind === "Deployment")) {
                    const e = d.spec.template.spec.containers[0].env.find((x: any) => x.name === env);
                    assert.deepEqual(e?.valueFrom?.secretKeyRef, { name: TRINO_INTERNAL_SECRET, key: "shared-secret" }, d.metadata.name);
                }
            });

            it("keeps the credentials as Pulumi secrets and the release waits for them and the certificate", () => {
                const secrets = mine(run).filter((c) => c.type === "kubernetes:core/v1:Secret");
                const file = secrets.find((s) => inputsOf(s).metadata.name === TRINO_PASSWORD_SECRET)!;
                const line: string = inputsOf(file).stringData["password.db"];
                assert.match(line, new RegExp(`^${TRINO_USER}:\\$2[aby]\\$1\\d\\$.{53}\\n$`));
                assert.equal(file.inputs.stringData, "[secret]", "the plan shows no hash");
                const pw = mine(run).find((c) => c.type === "random:index/randomPassword:RandomPassword" && c.name === "trino-password")!;
                assert.ok(!JSON.stringify(run.plan).includes(mockRandomStateOf(pw).result), "the password is in no plan value");
                assert.equal(run.plan.outputs.trinoPassword, "[secret]");
                assert.equal(run.plan.outputs.trinoUser, TRINO_USER);
                const job = mine(run).find((c) => c.type === "kubernetes:batch/v1:Job")!;
                const deps = release(run).dependencies;
                for (const r of [file, job, secrets.find((s) => inputsOf(s).metadata.name === TRINO_INTERNAL_SECRET)!]) assert.ok(deps.includes(r.urn), r.name);
            });

            it("issues a certificate for the Service's names, with a role that may write only its Secret", () => {
                const job = inputsOf(mine(run).find((c) => c.type === "kubernetes:batch/v1:Job")!);
                const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
                assert.deepEqual(env.DNS_NAMES.split(","), ["trino", "trino.trino", "trino.trino.svc", "trino.trino.svc.cluster.local", "localhost"]);
                assert.equal(env.TARGET_SECRET, TRINO_TLS_SECRET);
                const role = inputsOf(mine(run).find((c) => c.type === "kubernetes:rbac.authorization.k8s.io/v1:Role")!);
                // The kept CA (only the server certificate renews) in its own Secret, which no pod mounts.
                assert.equal(env.CA_SECRET, TRINO_TLS_CA_SECRET);
                assert.deepEqual(role.rules, [
                    { apiGroups: [""], resources: ["secrets"], verbs: ["get", "patch"], resourceNames: [TRINO_TLS_SECRET, TRINO_TLS_CA_SECRET] },
                ]);
                for (const name of [TRINO_TLS_SECRET, TRINO_TLS_CA_SECRET]) {
                    const secret = mine(run).find((c) => c.type === "kubernetes:core/v1:Secret" && inputsOf(c).metadata.name === name)!;
                    assert.deepEqual([...secret.ignoreChanges].sort(), ["data", "stringData"], name);
                }
                assert.ok(!JSON.stringify(values(run)).includes(TRINO_TLS_CA_SECRET), "Trino's pods do not mount the CA's key");
            });
        });
    }

    it("with exposure clusterIp (port-forward only) it renders no authenticator", async function () {
        this.timeout(180000);
        const run = await planOf("dev");
        assert.equal(run.config.exposure, "clusterIp");
        const { props } = coordinatorConfig(renderTrino(run));
        assert.equal(props["http-server.authentication.type"], undefined);
        assert.equal(run.plan.outputs.trinoPassword, undefined);
    });

    it("refuses a password hash Trino would reject", () => {
        assert.throws(() => passwordFileLine("bdok", "$2a$04$abc"), /cost 8 or more/);
        assert.throws(() => passwordFileLine("bdok", "plain"), /bcrypt hash/);
        assert.throws(() => passwordFileLine("bd:ok", "$2a$10$x"), /allowed: letters/);
    });
});
