// The Airflow chart as rendered from each stack's values: pods, mounts, hooks, references.
import { ROTATABLE } from "../../lib/passwords";
import { strict as assert } from "assert";
import * as YAML from "yaml";
import { DAGS_FOLDER, metadataChecksum, metadataKeys, secretNames } from "./values";
import { DAGS_IGNORE, DAGS_IGNORE_FILE } from "./dags";
import { PlanRun } from "../../tools/harness";
import { helmTemplate, K8sObject, parseManifest } from "../../tools/helm";
import { inputsOf, planOf, STACKS } from "../../test/support";
import { mine, release, secretNamed, values } from "../../test/airflow/testing";

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

        // Issue 20: a task pod may run any DAG's code; with the Fernet key it decrypts every stored
        // connection, with the JWT secret it signs execution-API tokens for any task.
        it("keeps the Fernet key and the JWT secret out of task pods, and gives them to the components that use them", () => {
            const KEYS = ["AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"];
            const envOf = (spec: any) => containersOf(spec).flatMap((c: any) => (c.env ?? []).map((e: any) => e.name as string));
            const worker = pods(objs).find((p) => p.name === "worker pod template")!;
            assert.deepEqual(
                envOf(worker.spec).filter((n: string) => KEYS.includes(n)),
                [],
                "task pod template",
            );
            for (const name of ["airflow-scheduler", "airflow-api-server", "airflow-triggerer", "airflow-dag-processor"]) {
                const o = objs.find((x) => x.metadata.name === name && podSpecOf(x));
                assert.ok(o, name);
                const main = podSpecOf(o).containers[0];
                for (const k of KEYS) {
                    const e = (main.env ?? []).find((x: any) => x.name === k);
                    assert.equal(e?.valueFrom?.secretKeyRef?.name, secretNames.keys, `${name}: ${k}`);
                }
            }
        });

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

        it("rolls every Airflow pod on a password rotation, and gives them the asyncpg URL from the same Secret", () => {
            const conn = new URL(inputsOf(secretNamed(run, secretNames.metadata)).stringData[metadataKeys.connection]);
            const expected = metadataChecksum(conn.hostname, Number(conn.port), ROTATABLE["airflow-db"].initial!);
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
            assert.equal(asyncUrl.searchParams.get("ssl"), "verify-full");
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
