// Password rotation (bdok:passwordRotation, lib/passwords.ts): a new generation gives every reader of
// the password the new value. Planned before and after on one stack per profile, with the charts
// rendered: each Secret that changes is found by its values, then every object that reads it must
// pick the new value up (a pod that reads it once restarts; a Job that sets it runs again), and no
// workload that reads none of them restarts.
import { strict as assert } from "assert";
import { NOT_ROTATABLE, ROTATABLE } from "../lib/passwords";
import { parseConfig } from "../config";
import type { PlanRun } from "../tools/harness";
import { mockRandomStateOf } from "../tools/mocks";
import { referencesOf, worldOf, type WorldObject } from "../tools/references";
import { renderPlan } from "../tools/render";
import { loadStackConfig } from "../tools/stack-files";
import { ofType, planOf, planWith, STACKS, stackSetting } from "./support";

const PASSWORD = "random:index/randomPassword:RandomPassword";
const ROTATE_ALL = { "bdok:passwordRotation": Object.fromEntries(Object.keys(ROTATABLE).map((n) => [n, "rotation-test-2"])) };
/** Workloads whose pods run on and read a Secret when they start (env, or a file they do not re-read). */
const LONG_RUNNING = ["Deployment", "StatefulSet", "DaemonSet"];

/**
 * Readers that take a new value without a restart, each with the upstream reason. Keyed by kind;
 * anything else that reads a changed Secret must change itself.
 */
const REREAD: Record<string, string> = {
    // ECK aggregates spec.auth.fileRealm Secrets into <name>-es-xpack-file-realm, mounted (not subPath)
    // in the Elasticsearch pods; Elasticsearch watches the users file and reloads it
    // (x-pack/plugin/security/.../authc/file/FileUserPasswdStore.java: FileWatcher, ResourceWatcherService.Frequency.HIGH).
    Elasticsearch: "ECK rewrites the file realm and Elasticsearch reloads its users file",
    // Each run starts a new pod, which reads the Secret then.
    CronJob: "each run is a new pod",
    // The KubernetesExecutor's pod template and the DAGs' SparkApplications: a new pod per task.
    Pod: "a new pod per task",
    SparkApplication: "a new driver per run",
};

const key = (o: WorldObject) => `${o.kind} ${o.namespace ?? ""}/${o.name}`;
const secretValues = (o: WorldObject) => JSON.stringify([o.body.stringData ?? {}, o.body.data ?? {}]);

function world(run: PlanRun): Map<string, WorldObject> {
    const m = new Map<string, WorldObject>();
    for (const o of worldOf(run.captured, renderPlan(run))) if (!o.origin.startsWith("runtime:")) m.set(key(o), o);
    return m;
}

/** Does `o` read the Secret `s`: a typed reference, or a custom resource naming it in its spec. */
function reads(o: WorldObject, s: WorldObject): boolean {
    if (referencesOf(o).some((r) => r.kind === "Secret" && r.name === s.name && (r.namespace ?? o.namespace) === s.namespace)) return true;
    const spec = JSON.stringify(o.body.spec ?? {});
    return o.namespace === s.namespace && (spec.includes(`"name":"${s.name}"`) || spec.includes(`"secretName":"${s.name}"`));
}

/** One stack per sizing profile, as the change matrix does. */
function stacksPerProfile(): string[] {
    const seen = new Map<string, string>();
    for (const s of STACKS) if (!seen.has(String(stackSetting(s, "profile")))) seen.set(String(stackSetting(s, "profile")), s);
    return [...seen.values()];
}

/**
 * Plans `stack` before and after `overrides` rotate passwords; fails for a reader that would keep an
 * old password or a workload that restarts for nothing. Returns the workloads that restart.
 */
async function checkRotation(stack: string, overrides: { "bdok:passwordRotation": Record<string, string> }): Promise<string[]> {
    const before = await planOf(stack);
    const after = await planWith(stack, overrides);
    const [wb, wa] = [world(before), world(after)];

    // The new values reach the cluster and the old ones are gone from it.
    const names = Object.keys(overrides["bdok:passwordRotation"]);
    const rotated = ofType(after, PASSWORD).filter((r) => names.includes(r.name));
    assert.equal(rotated.length, names.length, `rotated passwords in the plan: ${rotated.map((r) => r.name)}`);
    const secrets = [...wa.values()].filter((o) => o.kind === "Secret");
    for (const r of rotated) {
        const old = mockRandomStateOf(ofType(before, PASSWORD).find((x) => x.name === r.name)!).result;
        const now = mockRandomStateOf(r).result;
        assert.notEqual(now, old, `${r.name}: a new value`);
        assert.ok(
            secrets.some((s) => secretValues(s).includes(now)),
            `${r.name}: some Secret holds the new value`,
        );
        assert.ok(!secrets.some((s) => secretValues(s).includes(old)), `${r.name}: no Secret keeps the old value`);
    }

    const master = ofType(after, PASSWORD).find((r) => r.name === "database-master");
    const masterNow = master && names.includes(master.name) ? mockRandomStateOf(master).result : undefined;
    const changed = secrets.filter((s) => wb.has(key(s)) && secretValues(wb.get(key(s))!) !== secretValues(s));
    assert.ok(changed.length >= rotated.length, `changed Secrets: ${changed.map(key)}`);
    const readers = [...wa.values()].filter((o) => o.kind !== "Secret" && changed.some((s) => reads(o, s)));
    const missed: string[] = [];
    for (const o of readers) {
        const was = wb.get(key(o));
        const what = `${key(o)} (${o.origin}) reads ${changed
            .filter((s) => reads(o, s))
            .map((s) => s.name)
            .join(", ")}`;
        if (o.kind in REREAD) continue;
        if (o.kind === "Job") {
            // A Job named after its content runs again under a new name; a chart's Job is deleted
            // once finished (ttlSecondsAfterFinished 0) and created again by every upgrade.
            if (o.origin.startsWith("chart ") ? o.body.spec?.ttlSecondsAfterFinished === 0 : !was) continue;
            // A finished bootstrap Job that only logs in as the master has nothing to redo: RDS takes the
            // new master password itself, and the Job reads the Secret afresh whenever it runs again.
            const own = changed.filter((sec) => reads(o, sec));
            if (masterNow && own.every((sec) => secretValues(sec).includes(masterNow))) continue;
            missed.push(`${what}: keeps its name, so it does not run again`);
        } else if (LONG_RUNNING.includes(o.kind)) {
            if (!was) continue;
            if (JSON.stringify(was.body.spec?.template) === JSON.stringify(o.body.spec?.template)) missed.push(`${what}: its pod template is unchanged`);
        } else if (!was || JSON.stringify(was.body.spec) === JSON.stringify(o.body.spec)) {
            // An operator's resource (Superset) rolls its pods when its spec changes.
            missed.push(`${what}: its spec is unchanged`);
        }
    }
    assert.deepEqual(missed, [], "readers that would keep the old password");

    // Exactly those: a workload that reads none of the changed Secrets keeps its pods.
    const rolled = [...wa.values()].filter(
        (o) => LONG_RUNNING.includes(o.kind) && wb.has(key(o)) && JSON.stringify(wb.get(key(o))!.body.spec?.template) !== JSON.stringify(o.body.spec?.template),
    );
    assert.deepEqual(rolled.filter((o) => !readers.includes(o)).map(key), [], "workloads restarted without reading a rotated password");
    return rolled.map(key);
}

describe("password rotation (bdok:passwordRotation)", function () {
    this.timeout(600_000);

    it("every generated password of every stack is rotatable or listed with the reason it is not, and every name listed exists", async () => {
        const names = new Set<string>();
        for (const stack of STACKS) for (const r of ofType(await planOf(stack), PASSWORD)) names.add(r.name);
        const listed = [...Object.keys(ROTATABLE), ...Object.keys(NOT_ROTATABLE)];
        assert.deepEqual([...names].filter((n) => !listed.includes(n)).sort(), [], "passwords in neither table (lib/passwords.ts)");
        assert.deepEqual(listed.filter((n) => !names.has(n)).sort(), [], "names in a table that no plan has");
        assert.deepEqual(
            Object.keys(ROTATABLE).filter((n) => n in NOT_ROTATABLE),
            [],
            "in both tables",
        );
    });

    it("refuses an unknown or unrotatable name with the list of rotatable ones, and a generation that cannot be a keeper", () => {
        const raw = loadStackConfig(STACKS[0]);
        const cases: [unknown, RegExp][] = [
            [
                { "database-mastr": "2" },
                /bdok:passwordRotation\.database-mastr: unknown password; did you mean "database-master"\?; allowed: database-master, /,
            ],
            [
                { "airflow-admin": "2" },
                /bdok:passwordRotation\.airflow-admin: unknown password \(not rotatable by the stack file: .*airflow users reset-password.*\); allowed: database-master/,
            ],
            [{ "airflow-db": "two words" }, /bdok:passwordRotation\.airflow-db: got "two words"; allowed: a generation/],
            [{ "airflow-db": "" }, /bdok:passwordRotation\.airflow-db: got ""; allowed: a generation/],
            [["airflow-db"], /bdok:passwordRotation: got \["airflow-db"\]; allowed: a map/],
        ];
        for (const [value, message] of cases)
            assert.throws(() => parseConfig({ ...raw, "bdok:passwordRotation": value }, STACKS[0]), message, JSON.stringify(value));
        // --path stores 2 as a number: the same generation as "2".
        assert.deepEqual(parseConfig({ ...raw, "bdok:passwordRotation": { "airflow-db": 2 } }, STACKS[0]).passwordRotation, { "airflow-db": "2" });
    });

    for (const stack of stacksPerProfile()) {
        it(`${stack}: after rotating every password, every reader gets the new values (pods restart, Jobs run again, the rest re-read), and nothing else restarts`, async () => {
            const rolled = await checkRotation(stack, ROTATE_ALL);
            for (const w of ["Deployment kafka/customers-simulator", "Deployment elastic/elasticsearch-exporter"])
                assert.ok(rolled.includes(w), `${w} restarts: ${rolled}`);
            assert.ok(rolled.filter((w) => w.includes(" airflow/")).length >= 3, `the Airflow pods restart: ${rolled}`);
        });
    }
    // One at a time (each reader must follow its own password, not a neighbour's), on one stack.
    for (const name of Object.keys(ROTATABLE)) {
        it(`${STACKS[0]}: rotating ${name} alone reaches each of its readers, and restarts nothing else`, async () => {
            await checkRotation(STACKS[0], { "bdok:passwordRotation": { [name]: "rotation-test-3" } });
        });
    }
});
