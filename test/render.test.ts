// What the real charts render from the plan's values, on every stack: it renders, every core
// object is schema-valid, every reference resolves, and no value the program sets is ignored.
import { strict as assert } from "assert";
import { coreSchemaErrors } from "../tools/core-schemas";
import { ignoredValues, IgnoredValuesResult, valueLeaves } from "../tools/ignored-values";
import { RenderError } from "../tools/helm";
import { planApiVersions, PlannedRelease, releasesOf, renderPlan, RenderedRelease } from "../tools/render";
import { podServiceAccounts, programObject, runtimeTable, unresolved, unusedRuntimeRows, WorldObject, worldOf } from "../tools/references";
import type { Captured, PlanRun } from "../tools/harness";
import { planOf, STACKS } from "./support";

/**
 * Values the chart does not read but the program sets on purpose. Keep it short; each entry
 * says why. Paths as printed by pathText, per chart key.
 */
const IGNORED_ON_PURPOSE: Record<string, Record<string, string>> = {
    airflow: {
        // The chart's built-in key variables are off (task pods must not get the keys; the components
        // get them by name, platform/airflow/values.ts KEY_ENV). Still set: unset, the chart would
        // create its own random Fernet and JWT Secrets (templates/secrets/fernetkey-secret.yaml,
        // jwt-secret.yaml), keys nothing uses.
        fernetKeySecretName: "set so the chart creates no Fernet Secret of its own",
        jwtSecretName: "set so the chart creates no JWT Secret of its own",
    },
};

/** Namespaces besides its own that a chart places objects in, from its values or its templates. */
const OTHER_NAMESPACES: Partial<Record<string, (values: Record<string, any>) => string[]>> = {
    // The Spark service account and the operator's Roles go to every job namespace.
    sparkOperator: (v) => v.spark?.jobNamespaces ?? [],
    // templates/role.yaml and rolebinding.yaml: reading the kube-dns Service, in kube-system.
    karpenter: () => ["kube-system"],
};

// The leaf-mutation check renders each release dozens of times: start it as this file loads,
// so helm works on the second core while the other suites run on the first.
const ignoredByStack = new Map<string, Promise<IgnoredValuesResult[]>>();
for (const stack of STACKS) {
    const p = planOf(stack).then(async (run) => {
        const out: IgnoredValuesResult[] = [];
        for (const rel of releasesOf(run.captured)) out.push(await ignoredValues(rel, run.config.kubernetesVersion, planApiVersions(run.captured), 1));
        return out;
    });
    p.catch(() => undefined); // reported by the test that awaits it
    ignoredByStack.set(stack, p);
}

function world(run: PlanRun): WorldObject[] {
    return worldOf(run.captured, renderPlan(run));
}

describe("render: model/runtime-objects.json against every stack's plan", () => {
    let worlds: { captured: Captured[]; world: WorldObject[] }[];
    before(async function () {
        this.timeout(300_000);
        worlds = [];
        for (const stack of STACKS) {
            const run = await planOf(stack);
            worlds.push({ captured: run.captured, world: world(run) });
        }
    });

    it("every row is used: what it is for (a kind, an add-on) is in some plan", () => {
        assert.deepEqual(unusedRuntimeRows(worlds), []);
    });

    it("a row that stops matching (a kind at another API version, a renamed add-on) fails", () => {
        const table = runtimeTable();
        const kafka = table.findIndex((r) => r.forKind === "kafka.strimzi.io/v1/Kafka");
        assert.ok(kafka >= 0);
        const renamed = structuredClone(table);
        renamed[kafka].forKind = "kafka.strimzi.io/v1beta2/Kafka";
        const addon = renamed.findIndex((r) => r.forAddon);
        assert.ok(addon >= 0);
        renamed[addon].forAddon = "ebs-csi-driver";
        assert.deepEqual(unusedRuntimeRows(worlds, renamed), [
            `row ${kafka} (kafka.strimzi.io/v1beta2/Kafka, ${table[kafka].controller}): no plan has what it is for`,
            `row ${addon} (ebs-csi-driver, ${table[addon].controller}): no plan has what it is for`,
        ]);
    });
});

describe("render: the plan's Helm releases through the real charts", () => {
    for (const stack of STACKS) {
        describe(`${stack} stack`, () => {
            let run: PlanRun;
            let rendered: RenderedRelease[];
            before(async function () {
                this.timeout(300_000);
                run = await planOf(stack);
                rendered = renderPlan(run);
            });

            it("renders every release with its values, namespace and the stack's Kubernetes version", () => {
                assert.ok(rendered.length >= 5, `releases: ${rendered.map((r) => r.releaseName)}`);
                for (const r of rendered) {
                    assert.ok(r.objects.length > 0, `${r.releaseName} rendered nothing`);
                    // The chart sets metadata.namespace from .Release.Namespace: the release's namespace.
                    const elsewhere = new Set(OTHER_NAMESPACES[r.chart]?.(r.values) ?? []);
                    const misplaced = r.objects
                        .filter((o) => o.metadata.namespace !== undefined && o.metadata.namespace !== r.namespace && !elsewhere.has(o.metadata.namespace))
                        .map((o) => `${o.kind}/${o.metadata.name} in ${o.metadata.namespace}`);
                    assert.deepEqual(misplaced, [], `${r.releaseName} (namespace ${r.namespace})`);
                    if (r.objects.every((o) => o.kind === "CustomResourceDefinition")) continue;
                    assert.ok(
                        r.objects.some((o) => o.metadata.namespace === r.namespace),
                        `${r.releaseName}: no rendered object is in the release's namespace ${r.namespace}`,
                    );
                }
                // The stack's Kubernetes version reaches helm: eck-operator's Chart.yaml says kubeVersion
                // >=1.21.0-0, so the same plan with 1.20 fails by name (the stack's own version rendered).
                assert.ok(
                    rendered.some((r) => r.chart === "eck"),
                    "the plan has no ECK release",
                );
                const old: PlanRun = { ...run, config: { ...run.config, kubernetesVersion: "1.20.0" } };
                assert.throws(
                    () => renderPlan(old),
                    (e: Error) => e instanceof RenderError && /eck-operator.*kubeVersion.*incompatible with Kubernetes v1\.20\.0/s.test(e.message),
                );
            });

            it("every core object, rendered or the program's own, validates against the Kubernetes API schema", () => {
                const errors: string[] = [];
                let checked = 0;
                for (const r of rendered) {
                    for (const o of r.objects) {
                        const e = coreSchemaErrors(o);
                        if (e === undefined) continue;
                        checked++;
                        if (e) errors.push(`${r.releaseName} ${o.kind}/${o.metadata.name}: ${e}`);
                    }
                }
                for (const c of run.captured) {
                    const o = programObject(c);
                    if (!o) continue;
                    const e = coreSchemaErrors(o.body);
                    if (e === undefined) continue;
                    checked++;
                    if (e) errors.push(`program ${c.name}: ${e}`);
                }
                assert.ok(checked > 50, `only ${checked} core objects checked`);
                assert.deepEqual(errors, []);
            });

            it("every reference resolves: service accounts, Secrets and keys, ConfigMaps, storage classes, namespaces, RBAC", () => {
                const problems = unresolved(world(run)).map((u) => `${u.from} -> ${u.problem}`);
                assert.deepEqual(problems, []);
            });

            it("every Pod Identity association names a service account that pods really run as", () => {
                const w = world(run);
                const sas = podServiceAccounts(w);
                const dead: string[] = [];
                for (const a of run.captured.filter((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation")) {
                    const { namespace, serviceAccount } = a.rawInputs as { namespace: string; serviceAccount: string };
                    const exists = w.some((o) => o.kind === "ServiceAccount" && o.namespace === namespace && o.name === serviceAccount);
                    const used = sas.some((s) => s.namespace === namespace && s.serviceAccount === serviceAccount);
                    if (!exists || !used)
                        dead.push(`${a.name}: ${namespace}/${serviceAccount}${exists ? "" : " does not exist"}${used ? "" : ", and no pod runs as it"}`);
                }
                assert.deepEqual(dead, []);
            });

            it("no values key the program sets is silently ignored by its chart", async function () {
                this.timeout(900_000);
                const results = await ignoredByStack.get(stack)!;
                const bad: string[] = [];
                for (const r of results) {
                    const rel = releasesOf(run.captured).find((x) => x.releaseName === r.release)!;
                    const allowed = IGNORED_ON_PURPOSE[rel.chart] ?? {};
                    for (const p of r.ignored) if (!(p in allowed)) bad.push(`${r.release}: ${p}`);
                    assert.equal(r.leaves, valueLeaves(rel.values).length);
                }
                assert.deepEqual(bad, []);
            });
        });
    }

    describe("the checks themselves", () => {
        it("the schema check rejects a wrong type and a missing required field", () => {
            assert.match(
                coreSchemaErrors({
                    apiVersion: "apps/v1",
                    kind: "Deployment",
                    metadata: { name: "x" },
                    spec: { replicas: "three", selector: {}, template: {} },
                })!,
                /replicas/,
            );
            assert.match(coreSchemaErrors({ apiVersion: "v1", kind: "Pod", metadata: { name: "x" }, spec: { containers: [{ image: "busybox" }] } })!, /name/);
            assert.equal(coreSchemaErrors({ apiVersion: "kafka.strimzi.io/v1", kind: "Kafka" }), undefined);
        });

        it("the reference check reports a missing Secret key and a missing service account", async () => {
            const run = await planOf(STACKS[0]);
            const w = world(run);
            const pod: WorldObject = {
                kind: "Deployment",
                apiVersion: "apps/v1",
                namespace: "airflow",
                name: "probe",
                autoNamed: false,
                origin: "test",
                body: {
                    spec: {
                        template: {
                            spec: {
                                serviceAccountName: "nobody",
                                containers: [
                                    { name: "c", env: [{ name: "P", valueFrom: { secretKeyRef: { name: "bdok-airflow-keys", key: "no-such-key" } } }] },
                                ],
                            },
                        },
                    },
                },
            };
            const problems = unresolved([...w, pod])
                .filter((u) => u.from.includes("probe"))
                .map((u) => u.problem);
            assert.equal(problems.length, 2, problems.join("; "));
            assert.ok(problems.some((p) => /no ServiceAccount airflow\/nobody/.test(p)));
            assert.ok(problems.some((p) => /has no key no-such-key/.test(p)));
        });

        it("the leaf-mutation check finds a value the chart never reads, and keeps the ones it does", async function () {
            this.timeout(120_000);
            const rel: PlannedRelease = {
                resource: "t",
                urn: "t",
                chart: "trino",
                releaseName: "t",
                namespace: "trino",
                skipCrds: false,
                values: { server: { workers: 3 }, coordinator: { jvm: { maxHeapSize: "6G" } }, notAChartKey: { enabled: true, name: "x" } },
            };
            const r = await ignoredValues(rel, "1.35", []);
            assert.deepEqual(r.ignored.sort(), ["notAChartKey.enabled", "notAChartKey.name"]);
        });
    });
});
