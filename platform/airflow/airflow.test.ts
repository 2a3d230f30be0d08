// The Airflow component on each stack's plan: release, Secrets, roles, ordering.
import { RDS_CA_FILE, rdsCaVolume } from "../../lib/rds-ca";
import { strict as assert } from "assert";
import { ADMIN_USER, DAGS_FOLDER, METADATA_DB, isFernetKey, metadataKeys, secretNames, serviceAccounts, toUrlSafeBase64 } from "./values";
import { NAMESPACE } from "../k8s/objects";
import { DAGS_IGNORE, DAGS_IGNORE_FILE, dagsHash } from "./dags";
import { DB_INIT_SQL, dbInitJobName } from "./specs";
import { runDbInit } from "../../test/airflow/db-init-run";
import { skipUnlessPostgres } from "../../test/postgres";
import { RESOURCE_WILDCARD_ONLY_ACTIONS } from "../../lib/iam";
import { bookNames } from "../../lib/naming";

import { mockRandomStateOf } from "../../tools/mocks";
import { ROTATABLE } from "../../lib/passwords";
import { validateChartValues } from "../../tools/schemas";
import { images } from "../../versions";
import {
    inputsOf,
    isKarpenterRelease,
    ofType,
    one,
    planWith,
    transitiveDeps,
    assertPinnedRelease,
    describeEachStack,
    exposedService,
    plansOfEachExposure,
} from "../../test/support";
import {
    airflowComponent,
    hasRequestsAndLimits,
    mine,
    policies,
    randomValues,
    release,
    RELEASE,
    SECRET,
    secretNamed,
    values,
} from "../../test/airflow/testing";

describeEachStack(
    (stack) => `Airflow on stack ${stack}`,
    (plan, stack) => {
        it("is a top-level component installing the pinned apache chart into namespace airflow", () => {
            assert.equal(airflowComponent(plan()).parent, one(plan(), "pulumi:pulumi:Stack").urn);
            const rel = inputsOf(release(plan()));
            assertPinnedRelease(release(plan()), "airflow", "airflow");
            assert.equal(rel.version, "1.19.0");
            assert.equal(rel.name, "airflow");
        });

        it("passes the chart's values.schema.json once merged over the defaults", () => {
            assert.deepEqual(validateChartValues("airflow", values(plan())), []);
        });

        it("would be rejected by the schema with a wrong value (the check can fail)", () => {
            const bad = JSON.parse(JSON.stringify(values(plan())));
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
            const v = values(plan());
            assert.equal(`${v.defaultAirflowRepository}:${v.defaultAirflowTag}`, images.airflow);
            assert.equal(v.defaultAirflowRepository, "apache/airflow");
            assert.equal(v.airflowVersion, v.defaultAirflowTag);
            assert.equal(v.images, undefined, "no custom image");
            assert.equal(v.executor, "KubernetesExecutor");
            assert.equal(v.postgresql.enabled, false);
            assert.equal(v.redis.enabled, false);
        });

        it("follows the configured scheduler replicas", async () => {
            assert.equal(values(plan()).scheduler.replicas, plan().config.airflow.schedulerReplicas);
            const other = plan().config.airflow.schedulerReplicas === 3 ? 2 : 3;
            const changed = await planWith(stack, { "bdok:airflow": { schedulerReplicas: other } });
            assert.equal(values(changed).scheduler.replicas, other);
        });

        it("sets requests and limits on every Airflow container", () => {
            const v = values(plan());
            for (const c of ["scheduler", "apiServer", "triggerer", "dagProcessor", "workers", "statsd", "migrateDatabaseJob", "createUserJob"]) {
                hasRequestsAndLimits(v[c].resources, c);
            }
            for (const c of ["scheduler", "triggerer", "dagProcessor"]) hasRequestsAndLimits(v[c].logGroomerSidecar.resources, `${c} log groomer`);
            const job = mine(plan()).find((c) => c.type === "kubernetes:batch/v1:Job")!;
            for (const c of inputsOf(job).spec.template.spec.containers) hasRequestsAndLimits(c.resources, `db-init ${c.name}`);
        });

        it("has pod disruption budgets in prod only", () => {
            const v = values(plan());
            for (const c of ["scheduler", "apiServer", "triggerer", "dagProcessor"]) {
                assert.equal(v[c].podDisruptionBudget.enabled, plan().config.ha, `${c} PDB`);
                if (plan().config.ha) assert.deepEqual(v[c].podDisruptionBudget.config, { maxUnavailable: 1 });
            }
        });

        it("exposes the API server as the exposure setting says", async function () {
            this.timeout(180_000);
            // The stack file's setting, then each setting on this stack.
            for (const run of await plansOfEachExposure(stack, plan())) {
                const svc = values(run).apiServer.service;
                // Its pods speak plain HTTP on 8080: the load balancer's listener is TLS there.
                const want = exposedService(run.config.exposure, run.config, [8080]);
                assert.equal(svc.type, want.type, run.config.exposure);
                assert.deepEqual(svc.annotations, want.annotations, run.config.exposure);
                assert.equal(run.plan.outputs.airflowPortForward, "kubectl -n airflow port-forward svc/airflow-api-server 8080:8080");
            }
        });

        it("keeps the metadata DB on RDS: its own database and user, a Secret-held TLS connection string", () => {
            const v = values(plan());
            assert.equal(v.data.metadataSecretName, secretNames.metadata);
            assert.equal(v.data.metadataConnection, undefined, "no inline connection");
            const sec = secretNamed(plan(), secretNames.metadata);
            assert.equal(sec.inputs.stringData, "[secret]", "a Pulumi secret");
            const pw = mine(plan()).find((c) => c.type === "random:index/randomPassword:RandomPassword" && c.name === "airflow-db")!;
            const rds = one(plan(), "aws:rds/instance:Instance");
            assert.ok(sec.dependencies.includes(rds.urn) && sec.dependencies.includes(pw.urn));
            const conn: string = inputsOf(sec).stringData.connection;
            const u = new URL(conn);
            assert.equal(u.protocol, "postgresql:");
            assert.equal(u.username, METADATA_DB.user);
            assert.equal(u.password, mockRandomStateOf(pw).result);
            assert.match(u.hostname, /\.rds\.amazonaws\.com$/);
            assert.equal(u.port, "5432");
            assert.equal(u.pathname, `/${METADATA_DB.database}`);
            assert.equal(u.searchParams.get("sslmode"), "verify-full");
            assert.equal(u.searchParams.get("sslrootcert"), RDS_CA_FILE);
        });

        it("creates the database idempotently with an in-cluster Job the release waits for", async function () {
            this.timeout(120_000);
            const jobs = mine(plan()).filter((c) => c.type === "kubernetes:batch/v1:Job");
            assert.equal(jobs.length, 1);
            const job = inputsOf(jobs[0]);
            // Beside the master password, away from the accounts that create pods in `airflow`.
            assert.equal(job.metadata.namespace, NAMESPACE.dbBootstrap);
            assert.equal(inputsOf(secretNamed(plan(), secretNames.dbMaster)).metadata.namespace, NAMESPACE.dbBootstrap);
            assert.match(job.metadata.name, /^airflow-db-init-[0-9a-f]{10}$/);
            assert.equal(job.metadata.name, dbInitJobName(job.spec, ROTATABLE["airflow-db"].initial!), "named after its own spec");
            assert.ok(job.spec.ttlSecondsAfterFinished > 0);
            const c = job.spec.template.spec.containers[0];
            assert.equal(c.image, images.postgresClient);
            const env = Object.fromEntries(c.env.map((e: any) => [e.name, e]));
            assert.equal(env.PGSSLMODE.value, "verify-full");
            assert.equal(env.PGSSLROOTCERT.value, RDS_CA_FILE);
            assert.equal(env.PGUSER.value, bookNames.rdsMasterUser);
            assert.match(env.PGHOST.value, /^bdok-[a-z0-9-]+-postgres\..*\.rds\.amazonaws\.com$/);
            assert.deepEqual(env.PGPASSWORD.valueFrom.secretKeyRef, { name: secretNames.dbMaster, key: "password" });
            assert.ok(c.command.join(" ").includes(DB_INIT_SQL), "the idempotent SQL");
            // The master password lands in the Secret the Job reads, and only there.
            const master = one(plan(), "random:index/randomPassword:RandomPassword", "database-master");
            assert.equal(inputsOf(secretNamed(plan(), secretNames.dbMaster)).stringData.password, mockRandomStateOf(master).result);
            assert.ok(release(plan()).dependencies.includes(jobs[0].urn), "the release depends on the Job");
            // The role's password the Job sets is the one Airflow connects with.
            assert.equal(
                inputsOf(secretNamed(plan(), secretNames.dbAppPassword)).stringData.password,
                inputsOf(secretNamed(plan(), secretNames.metadata)).stringData[metadataKeys.password],
            );

            // The planned container on a real server, twice, with the planned Secrets' values: the
            // second run succeeds and leaves the same roles and databases.
            const secrets: Record<string, string> = {};
            for (const e of c.env.filter((x: any) => x.valueFrom)) {
                const { name, key } = e.valueFrom.secretKeyRef;
                secrets[`${name}/${key}`] = inputsOf(secretNamed(plan(), name)).stringData[key];
            }
            skipUnlessPostgres(this);
            const { runs, login } = await runDbInit(c, secrets);
            for (const [i, r] of runs.entries()) assert.equal(r.result.status, 0, `run ${i + 1}: ${r.result.stdout}\n${r.result.stderr}`);
            assert.ok(
                runs[0].state.some((l) => l.startsWith(`role ${METADATA_DB.user} login=t super=f`)),
                runs[0].state.join("\n"),
            );
            assert.ok(
                runs[0].state.some((l) => l.startsWith(`database ${METADATA_DB.database} owner=${METADATA_DB.user} `)),
                runs[0].state.join("\n"),
            );
            assert.deepEqual(runs[1].state, runs[0].state);
            assert.equal(login.status, 0, `the metadata role logs in with the Secret's password: ${login.stderr}`);
        });

        it("generates the fernet, API and JWT keys into one Secret the chart reads by name", () => {
            const v = values(plan());
            for (const k of ["fernetKeySecretName", "apiSecretKeySecretName", "jwtSecretName"]) {
                assert.equal(v[k], secretNames.keys, k);
            }
            for (const k of ["fernetKey", "apiSecretKey", "jwtSecret", "webserverSecretKey"]) assert.equal(v[k], undefined, `no literal ${k}`);
            const keys = inputsOf(secretNamed(plan(), secretNames.keys)).stringData;
            assert.deepEqual(Object.keys(keys).sort(), ["api-secret-key", "fernet-key", "jwt-secret"]);
            assert.ok(isFernetKey(keys["fernet-key"]), `fernet key ${keys["fernet-key"]}`);
            const fernet = mine(plan()).find((c) => c.type === "random:index/randomBytes:RandomBytes")!;
            assert.equal(inputsOf(fernet).length, 32);
            assert.equal(keys["fernet-key"], toUrlSafeBase64(mockRandomStateOf(fernet).base64));
            assert.equal(new Set(Object.values(keys)).size, 3, "three distinct keys");
        });

        it("creates the admin from a Secret, never from a literal password", () => {
            const cu = values(plan()).createUserJob;
            assert.equal(cu.defaultUser, undefined, "no literal password (our args replace the ones reading defaultUser)");
            assert.ok(cu.args.join(" ").includes(`-u ${ADMIN_USER} `));
            assert.deepEqual(cu.env, [{ name: "BDOK_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: secretNames.admin, key: "password" } } }]);
            assert.ok(cu.args.join(" ").includes(`-p "$BDOK_ADMIN_PASSWORD"`));
            assert.ok(!cu.args.join(" ").includes("{{"), "no template pulling defaultUser.password");
            const admin = mine(plan()).find((c) => c.type === "random:index/randomPassword:RandomPassword" && c.name === "airflow-admin")!;
            assert.equal(inputsOf(secretNamed(plan(), secretNames.admin)).stringData.password, mockRandomStateOf(admin).result);
            assert.equal(plan().plan.outputs.airflowAdminPassword, "[secret]");
        });

        it("logs to the airflow-logs bucket through aws_default, a connection without keys", () => {
            const v = values(plan());
            const logsBucket = plan().plan.outputs.airflowLogsBucket;
            assert.deepEqual(v.config.logging, {
                remote_logging: "True",
                remote_base_log_folder: `s3://${logsBucket}/logs`,
                remote_log_conn_id: "aws_default",
                encrypt_s3_logs: "False",
            });
            const env = Object.fromEntries(v.env.map((e: any) => [e.name, e.value]));
            assert.equal(env.AIRFLOW_CONN_AWS_DEFAULT, `aws://?region_name=${plan().config.region}`);
            assert.equal(env.BDOK_LAKE_BUCKET, plan().plan.outputs.lakeBucket);
            assert.doesNotMatch(JSON.stringify(v), /aws_access_key|aws_secret|AKIA/i);
        });

        it("mounts the DAG ConfigMap read-only at the DAGs folder of the DAG readers, with a content hash on their pods", () => {
            const v = values(plan());
            assert.equal(v.dags.persistence.enabled, false);
            assert.equal(v.dags.gitSync.enabled, false);
            // Chart-wide volumes land on the Jobs' (immutable) pod templates too: only the RDS CA
            // bundle is one, a constant volume every Airflow container needs (the metadata URLs).
            assert.deepEqual(v.volumes, [rdsCaVolume()], "no chart-wide volume but the RDS CA: it would land on the Jobs' pod templates too");
            assert.equal(v.airflowPodAnnotations, undefined, "no chart-wide pod annotation: it would land on the Jobs' pod templates too");
            const cms = mine(plan()).filter((c) => c.type === "kubernetes:core/v1:ConfigMap");
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
            const assoc = mine(plan())
                .filter((c) => c.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation")
                .map(inputsOf);
            assert.deepEqual(
                assoc.map((a) => `${a.namespace}/${a.serviceAccount}`).sort(),
                [serviceAccounts.apiServer, serviceAccounts.triggerer, serviceAccounts.worker].map((s) => `airflow/${s}`).sort(),
            );
            const v = values(plan());
            assert.equal(v.workers.serviceAccount.name, "airflow-worker");
            assert.equal(v.triggerer.serviceAccount.name, serviceAccounts.triggerer);
            assert.equal(v.apiServer.serviceAccount.name, serviceAccounts.apiServer);
            const lakeArn = `arn:aws:s3:::${plan().plan.outputs.lakeBucket}`;
            const logsArn = `arn:aws:s3:::${plan().plan.outputs.airflowLogsBucket}`;
            const all = policies(plan());
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
            // Least privilege: Iceberg commits register the tables from the Spark pods' role, not Airflow's.
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
            const generated = mine(plan()).filter((c) => c.type.startsWith("random:"));
            assert.equal(generated.length, 5);
            const values = generated.flatMap(randomValues);
            const master = one(plan(), "random:index/randomPassword:RandomPassword", "database-master");
            const masterValue = mockRandomStateOf(master).result;
            let secretsHolding = 0;
            for (const r of plan().captured) {
                const json = JSON.stringify(r.rawInputs);
                const leaked = values.filter((v) => json.includes(v));
                if (r.type === SECRET) {
                    if (leaked.length) secretsHolding++;
                    continue;
                }
                assert.deepEqual(leaked, [], `${r.type} ${r.name} holds a generated secret`);
                if (mine(plan()).some((m) => m.urn === r.urn)) assert.ok(!json.includes(masterValue), `${r.type} ${r.name} holds the RDS master password`);
            }
            assert.ok(secretsHolding >= 3, "the values do reach their Secrets (the search works)");
            for (const s of mine(plan()).filter((c) => c.type === SECRET)) assert.equal(s.inputs.stringData, "[secret]", `${s.name} is a Pulumi secret`);
        });

        it("does not wait for the Trino or Elastic releases; it waits for the Spark operator it submits to", () => {
            const deps = transitiveDeps(plan(), release(plan()).urn);
            const spark = ofType(plan(), RELEASE).find((r) => inputsOf(r).chart === "spark-operator")!;
            assert.ok(deps.has(spark.urn), "the operator outlives Airflow on destroy");
            // The load balancer controller (its own test file), Karpenter's pools and the Spark operator are the releases it may wait for.
            const others = ofType(plan(), RELEASE).filter(
                (r) => r.urn !== release(plan()).urn && r.urn !== spark.urn && inputsOf(r).chart !== "aws-load-balancer-controller" && !isKarpenterRelease(r),
            );
            assert.ok(others.length >= 2);
            for (const o of others) assert.ok(!deps.has(o.urn), `Airflow waits for ${o.name}`);
        });
    },
);

// ---------------------------------------------------------------------------------------------
// What the chart renders from the plan's values (the real helm over the pinned tarball)
