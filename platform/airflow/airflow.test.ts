import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as YAML from "yaml";
import {
    ADMIN_USER,
    DAGS_FOLDER,
    METADATA_DB,
    METADATA_PASSWORD_GENERATION,
    envIssues,
    isFernetKey,
    metadataAsyncConnection,
    metadataChecksum,
    metadataConnection,
    metadataKeys,
    secretNames,
    serviceAccounts,
    toUrlSafeBase64,
} from "./values";
import { DAGS_IGNORE, DAGS_IGNORE_FILE, dagConfigMapData, dagConfigMapKey, dagPathIssues, dagVolume, dagsHash } from "./dags";
import { DB_INIT_SQL, dbInitJobName, dbInitJobSpec } from "./specs";
import { RESOURCE_WILDCARD_ONLY_ACTIONS } from "../../lib/iam";
import { bookNames } from "../../lib/naming";
import { Captured, PlanRun, ROOT } from "../../tools/harness";
import { helmTemplate, K8sObject, parseManifest } from "../../tools/helm";
import { mockRandomState } from "../../tools/mocks";
import { validateChartValues } from "../../tools/schemas";
import { images } from "../../versions";
import { descendants, inputsOf, isKarpenterRelease, ofType, one, planOf, planWith, transitiveDeps, assertPinnedRelease, STACKS } from "../../test/support";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";

function airflowComponent(run: PlanRun): Captured {
    return one(run, "bdok:platform:Airflow");
}
function mine(run: PlanRun): Captured[] {
    return descendants(run, airflowComponent(run).urn);
}
function release(run: PlanRun): Captured {
    const r = mine(run).filter((c) => c.type === RELEASE);
    assert.equal(r.length, 1, "one Airflow release");
    return r[0];
}
function values(run: PlanRun): any {
    return inputsOf(release(run)).values;
}
function secretNamed(run: PlanRun, name: string): Captured {
    const s = ofType(run, SECRET).filter((c) => inputsOf(c).metadata?.name === name && inputsOf(c).metadata?.namespace === "airflow");
    assert.equal(s.length, 1, `one Secret airflow/${name}`);
    return s[0];
}
function randomValues(r: Captured): string[] {
    const st = mockRandomState(r.type, r.name);
    return [...new Set([st.result, st.base64, toUrlSafeBase64(st.base64), st.hex])];
}
/** Every policy statement of the Airflow pod roles, by role name. */
function policies(run: PlanRun): Map<string, any[]> {
    const out = new Map<string, any[]>();
    for (const rp of mine(run).filter((c) => c.type === "aws:iam/rolePolicy:RolePolicy")) {
        out.set(rp.name, JSON.parse(inputsOf(rp).policy).Statement);
    }
    return out;
}
function hasRequestsAndLimits(r: any, what: string): void {
    for (const k of ["requests", "limits"]) {
        assert.ok(r?.[k]?.cpu && r?.[k]?.memory, `${what}: ${k}.cpu and ${k}.memory`);
    }
}

describe("Airflow (pure builders)", () => {
    it("maps DAG paths with one subfolder to ConfigMap keys and back", () => {
        const files = { "imdb_pipeline.py": "x = 1\n", "spark/imdb-bronze.yaml": "kind: SparkApplication\n" };
        const data = dagConfigMapData(files);
        assert.deepEqual(Object.keys(data).sort(), [".airflowignore", "imdb_pipeline.py", "spark__imdb-bronze.yaml"]);
        assert.ok(
            Object.keys(data).every((k) => /^[-._a-zA-Z0-9]+$/.test(k)),
            "valid ConfigMap keys",
        );
        assert.equal(data[DAGS_IGNORE_FILE], DAGS_IGNORE);
        const { volume, mount } = dagVolume("cm", Object.keys(files));
        assert.deepEqual(volume.configMap.items, [
            { key: ".airflowignore", path: ".airflowignore" },
            { key: "imdb_pipeline.py", path: "imdb_pipeline.py" },
            { key: "spark__imdb-bronze.yaml", path: "spark/imdb-bronze.yaml" },
        ]);
        assert.deepEqual(mount, { name: volume.name, mountPath: "/opt/airflow/dags", readOnly: true });
        for (const item of volume.configMap.items) assert.equal(data[item.key], ({ ...files, [DAGS_IGNORE_FILE]: DAGS_IGNORE } as any)[item.path]);
    });

    it("rejects unsafe or colliding DAG paths and oversized bundles", () => {
        for (const bad of ["../etc/passwd", "a/b/c.py", ".hidden.py", "/abs.py", "spark/", "sp ace.py", DAGS_IGNORE_FILE]) {
            assert.ok(dagPathIssues([bad]).length > 0, `${bad} rejected`);
        }
        assert.ok(dagPathIssues(["a__b.py", "a/b.py"]).some((m) => m.includes("same ConfigMap key")));
        assert.throws(() => dagConfigMapData({ "big.py": "x".repeat(1024 * 1024) }), /900 KiB/);
        assert.equal(dagConfigMapKey("spark/x.yaml"), "spark__x.yaml");
    });

    it("hashes DAG content so any change in a file or a path changes the annotation", () => {
        const a = dagsHash({ "a.py": "1" });
        assert.notEqual(a, dagsHash({ "a.py": "2" }));
        assert.notEqual(a, dagsHash({ "b.py": "1" }));
        assert.equal(a, dagsHash({ "a.py": "1" }));
    });

    it("builds a valid Fernet key (URL-safe base64 of 32 bytes) from RandomBytes.base64", () => {
        for (let i = 0; i < 50; i++) {
            const key = toUrlSafeBase64(crypto.randomBytes(32).toString("base64"));
            assert.ok(isFernetKey(key), key);
        }
        assert.equal(isFernetKey(crypto.randomBytes(31).toString("base64")), false);
        assert.equal(isFernetKey("a+b/" + "A".repeat(39) + "="), false, "standard alphabet is not URL-safe");
    });

    it("rejects env names that are invalid or owned by the component", () => {
        assert.deepEqual(envIssues({ BDOK_LAKE_BUCKET: "x" }), []);
        assert.equal(envIssues({ "bad-name": "x" }).length, 1);
        assert.equal(envIssues({ AIRFLOW_CONN_AWS_DEFAULT: "aws://AKIA..." }).length, 1);
        assert.equal(envIssues({ AIRFLOW__CORE__FERNET_KEY: "x" }).length, 1);
    });

    it("bootstraps the metadata DB idempotently over TLS, re-running only when its spec changes", () => {
        assert.match(DB_INIT_SQL, /CREATE ROLE %I LOGIN', :'app_user'\) WHERE NOT EXISTS \(SELECT 1 FROM pg_roles/);
        assert.match(DB_INIT_SQL, /CREATE DATABASE %I OWNER %I', :'app_db', :'app_user'\) WHERE NOT EXISTS \(SELECT 1 FROM pg_database/);
        assert.equal((DB_INIT_SQL.match(/\\gexec/g) ?? []).length, DB_INIT_SQL.split("\n").length - 1, "every statement but \\getenv runs through \\gexec");
        assert.match(DB_INIT_SQL, /^\\getenv app_password APP_PASSWORD$/m, "the password comes from the environment, not argv");
        const spec = dbInitJobSpec({ host: "h.rds.amazonaws.com", port: 5432, masterUser: "postgres", image: images.postgresClient, ha: false });
        const env = Object.fromEntries(spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));
        assert.equal(env.PGSSLMODE.value, "require");
        assert.deepEqual(env.PGPASSWORD.valueFrom.secretKeyRef, { name: secretNames.dbMaster, key: "password" });
        assert.deepEqual(env.APP_PASSWORD.valueFrom.secretKeyRef, { name: secretNames.metadata, key: "password" });
        assert.ok(spec.ttlSecondsAfterFinished > 0);
        const name = dbInitJobName(spec);
        assert.match(name, /^airflow-db-init-[0-9a-f]{10}$/);
        assert.equal(
            name,
            dbInitJobName(dbInitJobSpec({ host: "h.rds.amazonaws.com", port: 5432, masterUser: "postgres", image: images.postgresClient, ha: false })),
        );
        assert.notEqual(
            name,
            dbInitJobName(dbInitJobSpec({ host: "other.rds.amazonaws.com", port: 5432, masterUser: "postgres", image: images.postgresClient, ha: false })),
        );
        assert.equal(metadataConnection("pw", "h", 5432), "postgresql://airflow:pw@h:5432/airflow?sslmode=require");
    });

    it("gives asyncpg its own URL: the same database with ssl=require, never sslmode", () => {
        const sync = new URL(metadataConnection("p@ss/w", "h.rds.amazonaws.com", 5432));
        const async = new URL(metadataAsyncConnection("p@ss/w", "h.rds.amazonaws.com", 5432));
        assert.equal(async.protocol, "postgresql+asyncpg:");
        assert.deepEqual([...async.searchParams], [["ssl", "require"]], "asyncpg.connect() takes ssl, and has no sslmode argument");
        for (const k of ["username", "password", "host", "pathname"] as const) assert.equal(async[k], sync[k], k);
    });

    it("changes the pods' metadata checksum with the password generation and the database address, never with the password", () => {
        const base = metadataChecksum("h", 5432);
        assert.equal(base, metadataChecksum("h", 5432, METADATA_PASSWORD_GENERATION));
        assert.notEqual(base, metadataChecksum("h", 5432, `${METADATA_PASSWORD_GENERATION}x`));
        assert.notEqual(base, metadataChecksum("other", 5432));
        assert.notEqual(base, metadataChecksum("h", 5433));
    });
});

for (const stack of STACKS) {
    describe(`Airflow on stack ${stack}`, () => {
        let run: PlanRun;
        before(async () => {
            run = await planOf(stack);
        });

        it("is a top-level component installing the pinned apache chart into namespace airflow", () => {
            assert.equal(airflowComponent(run).parent, one(run, "pulumi:pulumi:Stack").urn);
            const rel = inputsOf(release(run));
            assertPinnedRelease(release(run), "airflow", "airflow");
            assert.equal(rel.version, "1.19.0");
            assert.equal(rel.name, "airflow");
        });

        it("passes the chart's values.schema.json once merged over the defaults", () => {
            assert.deepEqual(validateChartValues("airflow", values(run)), []);
        });

        it("would be rejected by the schema with a wrong value (the check can fail)", () => {
            const bad = JSON.parse(JSON.stringify(values(run)));
            bad.scheduler.replicas = "two";
            bad.workers.resourcez = {};
            const errors = validateChartValues("airflow", bad);
            assert.ok(
                errors.some((e) => e.includes("/scheduler/replicas")),
                errors.join("\n"),
            );
            assert.ok(
                errors.some((e) => e.includes("resourcez")),
                errors.join("\n"),
            );
        });

        it("runs the official image with the KubernetesExecutor and no bundled Postgres/Redis", () => {
            const v = values(run);
            assert.equal(`${v.defaultAirflowRepository}:${v.defaultAirflowTag}`, images.airflow);
            assert.equal(v.defaultAirflowRepository, "apache/airflow");
            assert.equal(v.airflowVersion, v.defaultAirflowTag);
            assert.equal(v.images, undefined, "no custom image");
            assert.equal(v.executor, "KubernetesExecutor");
            assert.equal(v.postgresql.enabled, false);
            assert.equal(v.redis.enabled, false);
        });

        it("follows the configured scheduler replicas", async () => {
            assert.equal(values(run).scheduler.replicas, run.config.airflow.schedulerReplicas);
            const other = run.config.airflow.schedulerReplicas === 3 ? 2 : 3;
            const changed = await planWith(stack, { "bdok:airflow": { schedulerReplicas: other } });
            assert.equal(values(changed).scheduler.replicas, other);
        });

        it("sets requests and limits on every Airflow container", () => {
            const v = values(run);
            for (const c of ["scheduler", "apiServer", "triggerer", "dagProcessor", "workers", "statsd", "migrateDatabaseJob", "createUserJob"]) {
                hasRequestsAndLimits(v[c].resources, c);
            }
            for (const c of ["scheduler", "triggerer", "dagProcessor"]) hasRequestsAndLimits(v[c].logGroomerSidecar.resources, `${c} log groomer`);
            const job = mine(run).find((c) => c.type === "kubernetes:batch/v1:Job")!;
            for (const c of inputsOf(job).spec.template.spec.containers) hasRequestsAndLimits(c.resources, `db-init ${c.name}`);
        });

        it("has pod disruption budgets in prod only", () => {
            const v = values(run);
            for (const c of ["scheduler", "apiServer", "triggerer", "dagProcessor"]) {
                assert.equal(v[c].podDisruptionBudget.enabled, run.config.ha, `${c} PDB`);
                if (run.config.ha) assert.deepEqual(v[c].podDisruptionBudget.config, { maxUnavailable: 1 });
            }
        });

        it("exposes the API server as the exposure setting says", () => {
            const svc = values(run).apiServer.service;
            if (run.config.exposure === "clusterIp") {
                assert.equal(svc.type, "ClusterIP");
                assert.deepEqual(svc.annotations, {});
            } else {
                assert.equal(svc.type, "LoadBalancer");
                assert.equal(
                    svc.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"],
                    run.config.exposure === "internalLoadBalancer" ? "internal" : "internet-facing",
                );
            }
            assert.equal(stack === "dev" ? "ClusterIP" : "LoadBalancer", svc.type);
            assert.equal(run.plan.outputs.airflowPortForward, "kubectl -n airflow port-forward svc/airflow-api-server 8080:8080");
        });

        it("keeps the metadata DB on RDS: its own database and user, a Secret-held TLS connection string", () => {
            const v = values(run);
            assert.equal(v.data.metadataSecretName, secretNames.metadata);
            assert.equal(v.data.metadataConnection, undefined, "no inline connection");
            const sec = secretNamed(run, secretNames.metadata);
            assert.equal(sec.inputs.stringData, "[secret]", "a Pulumi secret");
            const pw = mine(run).find((c) => c.type === "random:index/randomPassword:RandomPassword" && c.name === "airflow-db")!;
            const rds = one(run, "aws:rds/instance:Instance");
            assert.ok(sec.dependencies.includes(rds.urn) && sec.dependencies.includes(pw.urn));
            const conn: string = inputsOf(sec).stringData.connection;
            const u = new URL(conn);
            assert.equal(u.protocol, "postgresql:");
            assert.equal(u.username, METADATA_DB.user);
            assert.equal(u.password, mockRandomState(pw.type, pw.name).result);
            assert.match(u.hostname, /\.rds\.amazonaws\.com$/);
            assert.equal(u.port, "5432");
            assert.equal(u.pathname, `/${METADATA_DB.database}`);
            assert.equal(u.searchParams.get("sslmode"), "require");
        });

        it("creates the database idempotently with an in-cluster Job the release waits for", () => {
            const jobs = mine(run).filter((c) => c.type === "kubernetes:batch/v1:Job");
            assert.equal(jobs.length, 1);
            const job = inputsOf(jobs[0]);
            assert.equal(job.metadata.namespace, "airflow");
            assert.match(job.metadata.name, /^airflow-db-init-[0-9a-f]{10}$/);
            assert.equal(job.metadata.name, dbInitJobName(job.spec), "named after its own spec");
            assert.ok(job.spec.ttlSecondsAfterFinished > 0);
            const c = job.spec.template.spec.containers[0];
            assert.equal(c.image, images.postgresClient);
            const env = Object.fromEntries(c.env.map((e: any) => [e.name, e]));
            assert.equal(env.PGSSLMODE.value, "require");
            assert.equal(env.PGUSER.value, bookNames.rdsMasterUser);
            assert.match(env.PGHOST.value, /^bdok-[a-z0-9-]+-postgres\..*\.rds\.amazonaws\.com$/);
            assert.deepEqual(env.PGPASSWORD.valueFrom.secretKeyRef, { name: secretNames.dbMaster, key: "password" });
            assert.ok(c.command.join(" ").includes(DB_INIT_SQL), "the idempotent SQL");
            // The master password lands in the Secret the Job reads, and only there.
            const master = one(run, "random:index/randomPassword:RandomPassword", "database-master");
            assert.equal(inputsOf(secretNamed(run, secretNames.dbMaster)).stringData.password, mockRandomState(master.type, master.name).result);
            assert.ok(release(run).dependencies.includes(jobs[0].urn), "the release depends on the Job");
        });

        it("generates the fernet, API and JWT keys into one Secret the chart reads by name", () => {
            const v = values(run);
            for (const k of ["fernetKeySecretName", "apiSecretKeySecretName", "jwtSecretName"]) {
                assert.equal(v[k], secretNames.keys, k);
            }
            for (const k of ["fernetKey", "apiSecretKey", "jwtSecret", "webserverSecretKey"]) assert.equal(v[k], undefined, `no literal ${k}`);
            const keys = inputsOf(secretNamed(run, secretNames.keys)).stringData;
            assert.deepEqual(Object.keys(keys).sort(), ["api-secret-key", "fernet-key", "jwt-secret"]);
            assert.ok(isFernetKey(keys["fernet-key"]), `fernet key ${keys["fernet-key"]}`);
            const fernet = mine(run).find((c) => c.type === "random:index/randomBytes:RandomBytes")!;
            assert.equal(inputsOf(fernet).length, 32);
            assert.equal(keys["fernet-key"], toUrlSafeBase64(mockRandomState(fernet.type, fernet.name).base64));
            assert.equal(new Set(Object.values(keys)).size, 3, "three distinct keys");
        });

        it("creates the admin from a Secret, never from a literal password", () => {
            const cu = values(run).createUserJob;
            assert.equal(cu.defaultUser, undefined, "no literal password (our args replace the ones reading defaultUser)");
            assert.ok(cu.args.join(" ").includes(`-u ${ADMIN_USER} `));
            assert.deepEqual(cu.env, [{ name: "BDOK_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: secretNames.admin, key: "password" } } }]);
            assert.ok(cu.args.join(" ").includes(`-p "$BDOK_ADMIN_PASSWORD"`));
            assert.ok(!cu.args.join(" ").includes("{{"), "no template pulling defaultUser.password");
            const admin = mine(run).find((c) => c.type === "random:index/randomPassword:RandomPassword" && c.name === "airflow-admin")!;
            assert.equal(inputsOf(secretNamed(run, secretNames.admin)).stringData.password, mockRandomState(admin.type, admin.name).result);
            assert.equal(run.plan.outputs.airflowAdminPassword, "[secret]");
        });

        it("logs to the airflow-logs bucket through aws_default, a connection without keys", () => {
            const v = values(run);
            const logsBucket = run.plan.outputs.airflowLogsBucket;
            assert.deepEqual(v.config.logging, {
                remote_logging: "True",
                remote_base_log_folder: `s3://${logsBucket}/logs`,
                remote_log_conn_id: "aws_default",
                encrypt_s3_logs: "False",
            });
            const env = Object.fromEntries(v.env.map((e: any) => [e.name, e.value]));
            assert.equal(env.AIRFLOW_CONN_AWS_DEFAULT, `aws://?region_name=${run.config.region}`);
            assert.equal(env.BDOK_LAKE_BUCKET, run.plan.outputs.lakeBucket);
            assert.doesNotMatch(JSON.stringify(v), /aws_access_key|aws_secret|AKIA/i);
        });

        it("mounts the DAG ConfigMap read-only at the DAGs folder of the DAG readers, with a content hash on their pods", () => {
            const v = values(run);
            assert.equal(v.dags.persistence.enabled, false);
            assert.equal(v.dags.gitSync.enabled, false);
            assert.equal(v.volumes, undefined, "no chart-wide volume: it would land on the Jobs' pod templates too");
            assert.equal(v.airflowPodAnnotations, undefined, "no chart-wide pod annotation: it would land on the Jobs' pod templates too");
            const cms = mine(run).filter((c) => c.type === "kubernetes:core/v1:ConfigMap");
            assert.equal(cms.length, 1);
            const cm = inputsOf(cms[0]);
            assert.equal(cm.metadata.namespace, "airflow");
            for (const component of ["scheduler", "dagProcessor", "triggerer", "workers"]) {
                const volume = v[component].extraVolumes.find((x: any) => x.configMap);
                assert.match(volume.configMap.name, /^airflow-dags-/, "the auto-named ConfigMap");
                const mount = v[component].extraVolumeMounts.find((m: any) => m.name === volume.name);
                assert.deepEqual(mount, { name: volume.name, mountPath: DAGS_FOLDER, readOnly: true }, component);
                // Rebuild the delivered files from the ConfigMap and its items: the annotation is their hash.
                const data: Record<string, string> = cm.data ?? {};
                const files: Record<string, string> = {};
                for (const item of volume.configMap.items) files[item.path] = data[item.key];
                assert.deepEqual(Object.keys(data).sort(), volume.configMap.items.map((i: any) => i.key).sort(), "every key is mounted");
                assert.equal(files[DAGS_IGNORE_FILE], DAGS_IGNORE);
                assert.equal(v[component].podAnnotations["bdok.io/dags-sha256"], dagsHash(files), component);
            }
        });

        it("gives AWS access through Pod Identity roles naming their resources", () => {
            const assoc = mine(run)
                .filter((c) => c.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation")
                .map(inputsOf);
            assert.deepEqual(
                assoc.map((a) => `${a.namespace}/${a.serviceAccount}`).sort(),
                [serviceAccounts.apiServer, serviceAccounts.triggerer, serviceAccounts.worker].map((s) => `airflow/${s}`).sort(),
            );
            const v = values(run);
            assert.equal(v.workers.serviceAccount.name, "airflow-worker");
            assert.equal(v.triggerer.serviceAccount.name, serviceAccounts.triggerer);
            assert.equal(v.apiServer.serviceAccount.name, serviceAccounts.apiServer);
            const lakeArn = `arn:aws:s3:::${run.plan.outputs.lakeBucket}`;
            const logsArn = `arn:aws:s3:::${run.plan.outputs.airflowLogsBucket}`;
            const all = policies(run);
            assert.deepEqual([...all.keys()].sort(), ["airflow-api-server", "airflow-triggerer", "airflow-worker"]);
            for (const [role, statements] of all) {
                for (const s of statements) {
                    const actions = [s.Action].flat();
                    const resources = [s.Resource].flat();
                    if (resources.includes("*")) {
                        assert.ok(
                            actions.length === 1 && RESOURCE_WILDCARD_ONLY_ACTIONS.includes(actions[0]),
                            `${role}: "*" only for an action without resource-level permissions: ${JSON.stringify(s)}`,
                        );
                        continue;
                    }
                    if (actions.some((a: string) => /^(s3|glue):/.test(a))) {
                        assert.ok(
                            resources.every((r: string) => r !== "*" && !r.startsWith("arn:aws:s3:::*")),
                            `${role}: ${JSON.stringify(s)}`,
                        );
                    }
                    for (const r of resources) {
                        assert.ok(
                            r === lakeArn || r === logsArn || r === `${lakeArn}/landing/*` || r === `${logsArn}/logs/*`,
                            `${role}: unexpected resource ${r}`,
                        );
                    }
                }
            }
            const worker = all.get("airflow-worker")!;
            // No crawler any more: Iceberg commits register the tables, from the Spark pods' role.
            const glue = [...all.values()].flat().filter((s) => [s.Action].flat().some((a: string) => a.startsWith("glue:")));
            assert.deepEqual(glue, [], "no Airflow role touches Glue");
            const puts = worker.filter((s) => [s.Action].flat().includes("s3:PutObject")).flatMap((s) => [s.Resource].flat());
            assert.deepEqual(puts.sort(), [`${lakeArn}/landing/*`, `${logsArn}/logs/*`].sort());
            const api = all.get("airflow-api-server")!;
            assert.ok(
                api.every((s) => ![s.Action].flat().some((a: string) => /Put|Delete|glue:/.test(a))),
                "the API server only reads logs",
            );
        });

        it("keeps generated secrets out of every resource but Kubernetes Secrets", () => {
            const generated = mine(run).filter((c) => c.type.startsWith("random:"));
            assert.equal(generated.length, 5);
            const values = generated.flatMap(randomValues);
            const master = one(run, "random:index/randomPassword:RandomPassword", "database-master");
            const masterValue = mockRandomState(master.type, master.name).result;
            let secretsHolding = 0;
            for (const r of run.captured) {
                const json = JSON.stringify(r.rawInputs);
                const leaked = values.filter((v) => json.includes(v));
                if (r.type === SECRET) {
                    if (leaked.length) secretsHolding++;
                    continue;
                }
                assert.deepEqual(leaked, [], `${r.type} ${r.name} holds a generated secret`);
                if (mine(run).some((m) => m.urn === r.urn)) assert.ok(!json.includes(masterValue), `${r.type} ${r.name} holds the RDS master password`);
            }
            assert.ok(secretsHolding >= 3, "the values do reach their Secrets (the search works)");
            for (const s of mine(run).filter((c) => c.type === SECRET)) assert.equal(s.inputs.stringData, "[secret]", `${s.name} is a Pulumi secret`);
        });

        it("does not wait for the Trino or Elastic releases", () => {
            const deps = transitiveDeps(run, release(run).urn);
            // The load balancer controller (its own test file) and Karpenter's pools are the releases it may wait for.
            const others = ofType(run, RELEASE).filter(
                (r) => r.urn !== release(run).urn && inputsOf(r).chart !== "aws-load-balancer-controller" && !isKarpenterRelease(r),
            );
            assert.ok(others.length >= 2);
            for (const o of others) assert.ok(!deps.has(o.urn), `Airflow waits for ${o.name}`);
        });
    });
}

// ---------------------------------------------------------------------------------------------
// What the chart renders from the plan's values (the real helm over the pinned tarball)

function render(run: PlanRun, vals: unknown = values(run)): K8sObject[] {
    return parseManifest(
        helmTemplate("airflow", { releaseName: inputsOf(release(run)).name, namespace: "airflow", values: vals, kubeVersion: run.config.kubernetesVersion }),
    );
}
const HOOK = "helm.sh/hook";
const isHook = (o: K8sObject) => !!o.metadata.annotations?.[HOOK];
const podSpecOf = (o: K8sObject): any => o.spec?.template?.spec;
/** The worker pods' template: the KubernetesExecutor's pod_template_file in the chart's config. */
function workerTemplate(objs: K8sObject[]): any {
    const cfg = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === "airflow-config")!;
    return YAML.parse(cfg.data["pod_template_file.yaml"]);
}
/** Every pod the chart makes, by a readable name: workloads, Jobs and the worker template. */
function pods(objs: K8sObject[]): { name: string; kind: string; meta: any; spec: any }[] {
    const out = objs
        .filter((o) => podSpecOf(o))
        .map((o) => ({ name: `${o.kind}/${o.metadata.name}`, kind: o.kind, meta: o.spec.template.metadata ?? {}, spec: podSpecOf(o) }));
    const w = workerTemplate(objs);
    out.push({ name: "worker pod template", kind: "Pod", meta: w.metadata, spec: w.spec });
    return out;
}
const containersOf = (spec: any): any[] => [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
const commandOf = (c: any): string => [...(c.command ?? []), ...(c.args ?? [])].join(" ");
/** Objects a pod cannot start without: kind/name of its ConfigMaps, Secrets and service account. */
function references(spec: any): string[] {
    const refs = new Set<string>();
    if (spec.serviceAccountName) refs.add(`ServiceAccount/${spec.serviceAccountName}`);
    for (const v of spec.volumes ?? []) {
        if (v.configMap) refs.add(`ConfigMap/${v.configMap.name}`);
        if (v.secret) refs.add(`Secret/${v.secret.secretName}`);
        for (const s of v.projected?.sources ?? []) {
            if (s.configMap) refs.add(`ConfigMap/${s.configMap.name}`);
            if (s.secret) refs.add(`Secret/${s.secret.name}`);
        }
    }
    for (const c of containersOf(spec)) {
        for (const e of c.env ?? []) {
            if (e.valueFrom?.secretKeyRef) refs.add(`Secret/${e.valueFrom.secretKeyRef.name}`);
            if (e.valueFrom?.configMapKeyRef) refs.add(`ConfigMap/${e.valueFrom.configMapKeyRef.name}`);
        }
        for (const e of c.envFrom ?? []) {
            if (e.secretRef) refs.add(`Secret/${e.secretRef.name}`);
            if (e.configMapRef) refs.add(`ConfigMap/${e.configMapRef.name}`);
        }
    }
    return [...refs];
}
const envOf = (c: any): Record<string, any> => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e]));
const AIRFLOW_WORKLOADS = [
    "Deployment/airflow-api-server",
    "Deployment/airflow-scheduler",
    "Deployment/airflow-dag-processor",
    "Deployment/airflow-triggerer",
    "worker pod template",
];
const DAG_READERS = ["Deployment/airflow-scheduler", "Deployment/airflow-dag-processor", "Deployment/airflow-triggerer", "worker pod template"];

for (const stack of STACKS) {
    describe(`Airflow on stack ${stack}: the chart as rendered from the plan's values`, () => {
        let run: PlanRun;
        let objs: K8sObject[];
        before(async () => {
            run = await planOf(stack);
            objs = render(run);
        });
        const job = (re: RegExp) => {
            const jobs = objs.filter((o) => o.kind === "Job" && podSpecOf(o).containers.some((c: any) => re.test(commandOf(c))));
            assert.equal(jobs.length, 1, `one Job running ${re}`);
            return jobs[0];
        };

        it("installs without deadlock: nothing the pods wait for is a hook that Helm runs only after its wait", () => {
            const hooks = new Set(objs.filter(isHook).map((o) => `${o.kind}/${o.metadata.name}`));
            let waiting = 0;
            for (const p of pods(objs).filter((x) => x.kind !== "Job")) {
                for (const ref of references(p.spec)) assert.ok(!hooks.has(ref), `${p.name} needs ${ref}, a hook`);
                if (containersOf(p.spec).some((c) => /airflow db check-migrations/.test(commandOf(c)))) waiting++;
            }
            assert.ok(waiting >= 4, `the api-server, scheduler, dag-processor and triggerer wait for migrations (${waiting})`);
            const migrate = job(/airflow db migrate/);
            assert.equal(migrate.metadata.annotations?.[HOOK], undefined, "the migration Job is a plain object of the release");
            assert.equal(migrate.source, "airflow/templates/jobs/migrate-database-job.yaml");
            const createUser = job(/airflow users create/);
            assert.equal(createUser.metadata.annotations?.[HOOK], undefined, "the create-user Job too");
            // Without hook weights the two Jobs start together: the user is created after the migrations.
            const wait = (podSpecOf(createUser).initContainers ?? []).find((c: any) => /airflow db check-migrations/.test(commandOf(c)));
            assert.ok(wait, "the create-user Job waits for the migrations");
            const waitEnv = envOf(wait).AIRFLOW__DATABASE__SQL_ALCHEMY_CONN;
            assert.deepEqual(
                waitEnv.valueFrom,
                envOf(podSpecOf(createUser).containers[0]).AIRFLOW__DATABASE__SQL_ALCHEMY_CONN.valueFrom,
                "on the same database",
            );
            assert.equal(wait.image, podSpecOf(createUser).containers[0].image);
            assert.ok(
                wait.volumeMounts.some((m: any) => m.mountPath === "/opt/airflow/airflow.cfg"),
                "with the chart's airflow.cfg",
            );
        });

        it("keeps the Jobs' immutable pod templates unchanged across DAG, env and password changes, and deletes them once finished", () => {
            const v = values(run);
            const cm = v.scheduler.extraVolumes[0].configMap.name;
            const changed = JSON.parse(
                JSON.stringify(v)
                    .split(cm)
                    .join("airflow-dags-0ther")
                    .split(v.scheduler.podAnnotations["bdok.io/dags-sha256"])
                    .join("0".repeat(64))
                    .split(v.scheduler.podAnnotations["bdok.io/metadata-sha256"])
                    .join("1".repeat(64)),
            );
            changed.env.push({ name: "BDOK_NEW", value: "x" });
            const after = render(run, changed);
            for (const re of [/airflow db migrate/, /airflow users create/]) {
                const before = job(re);
                const later = after.find((o) => o.kind === "Job" && o.metadata.name === before.metadata.name)!;
                assert.deepEqual(later.spec.template, before.spec.template, `${before.metadata.name}: Helm would patch an immutable pod template`);
                // Deleted when finished, so the next upgrade creates it again (and a new image runs its migrations).
                assert.equal(before.spec.ttlSecondsAfterFinished, 0, before.metadata.name);
            }
            // The change does reach the pods that read the DAGs (the comparison is not vacuous).
            const sched = (o: K8sObject[]) => o.find((x) => x.kind === "Deployment" && x.metadata.name === "airflow-scheduler")!.spec.template;
            assert.notDeepEqual(sched(after), sched(objs));
        });

        it("mounts the DAG ConfigMap, with its ignore file, at the DAGs folder of every pod that reads DAGs", () => {
            const cm = inputsOf(mine(run).find((c) => c.type === "kubernetes:core/v1:ConfigMap")!);
            assert.equal(cm.data[DAGS_IGNORE_FILE], DAGS_IGNORE, "the ConfigMap holds the ignore file");
            const cfg = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === "airflow-config")!;
            assert.match(cfg.data["airflow.cfg"], /^dag_ignore_file_syntax = glob$/m);
            assert.match(cfg.data["airflow.cfg"], new RegExp(`^dags_folder = ${DAGS_FOLDER}$`, "m"));
            for (const name of DAG_READERS) {
                const p = pods(objs).find((x) => x.name === name)!;
                const main =
                    p.spec.containers.find((c: any) => /airflow (scheduler|dag-processor|triggerer)/.test(commandOf(c))) ??
                    p.spec.containers.find((c: any) => c.name === "base");
                const mount = main.volumeMounts.find((m: any) => m.mountPath === DAGS_FOLDER);
                assert.ok(mount && !mount.subPath, `${name}: the DAGs folder is a volume mount`);
                const vol = p.spec.volumes.find((x: any) => x.name === mount.name);
                assert.match(vol.configMap.name, /^airflow-dags-/);
                assert.deepEqual(
                    vol.configMap.items.find((i: any) => i.path === DAGS_IGNORE_FILE),
                    { key: DAGS_IGNORE_FILE, path: DAGS_IGNORE_FILE },
                    `${name}: the ignore file is in the DAGs folder`,
                );
            }
        });

        it("finds every DAG in the ConfigMap as the kubelet lays it out (pipelines/tests/dag_discovery.py)", () => {
            const cm = inputsOf(mine(run).find((c) => c.type === "kubernetes:core/v1:ConfigMap")!);
            const vol = pods(objs)
                .find((x) => x.name === "Deployment/airflow-dag-processor")!
                .spec.volumes.find((x: any) => x.configMap?.items);
            const payload = Object.fromEntries(vol.configMap.items.map((i: any) => [i.path, cm.data[i.key]]));
            const discover = (p: Record<string, string>) => {
                const r = spawnSync("python3", ["-m", "pipelines.tests.dag_discovery"], {
                    cwd: ROOT,
                    input: JSON.stringify({ payload: p }),
                    encoding: "utf8",
                    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
                });
                assert.equal(r.status, 0, r.stderr);
                return JSON.parse(r.stdout);
            };
            assert.deepEqual(discover(payload), { dag_files: ["iceberg_maintenance.py", "imdb_pipeline.py"] });
            // The same files without the ignore file: Airflow stops at ..data before the first file.
            const { [DAGS_IGNORE_FILE]: _, ...bare } = payload;
            assert.match(discover(bare).error ?? "", /Detected recursive loop/);
        });

        it("rolls every Airflow pod on a password rotation, and gives them the asyncpg URL from the same Secret", () => {
            const conn = new URL(inputsOf(secretNamed(run, secretNames.metadata)).stringData[metadataKeys.connection]);
            const expected = metadataChecksum(conn.hostname, Number(conn.port));
            const all = pods(objs);
            const readers = all.filter((p) => p.kind !== "Job" && references(p.spec).includes(`Secret/${secretNames.metadata}`));
            assert.deepEqual(readers.map((p) => p.name).sort(), [...AIRFLOW_WORKLOADS].sort(), "the pods that read the metadata Secret");
            for (const p of readers) {
                assert.equal(p.meta.annotations?.["bdok.io/metadata-sha256"], expected, `${p.name} rolls when the generation or the database changes`);
                for (const c of containersOf(p.spec).filter((x) => envOf(x).AIRFLOW__DATABASE__SQL_ALCHEMY_CONN)) {
                    assert.deepEqual(
                        envOf(c).AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC?.valueFrom,
                        { secretKeyRef: { name: secretNames.metadata, key: metadataKeys.asyncConnection } },
                        `${p.name}/${c.name}`,
                    );
                }
            }
            const asyncUrl = new URL(inputsOf(secretNamed(run, secretNames.metadata)).stringData[metadataKeys.asyncConnection]);
            assert.equal(asyncUrl.protocol, "postgresql+asyncpg:");
            assert.equal(asyncUrl.searchParams.get("ssl"), "require");
            assert.equal(asyncUrl.searchParams.get("sslmode"), null);
            assert.equal(asyncUrl.password, conn.password);
            assert.equal(asyncUrl.host, conn.host);
        });

        it("drops values the chart ignores: putting them back renders the same objects", () => {
            const v = values(run);
            assert.equal(v.webserverSecretKeySecretName, undefined);
            assert.equal(v.createUserJob.defaultUser, undefined);
            const dead = JSON.parse(JSON.stringify(v));
            dead.webserverSecretKeySecretName = secretNames.keys;
            dead.createUserJob.defaultUser = {
                enabled: true,
                role: "Admin",
                username: "someone",
                email: "x@y",
                firstName: "a",
                lastName: "b",
                password: "literal",
            };
            assert.deepEqual(render(run, dead), objs);
        });
    });
}
