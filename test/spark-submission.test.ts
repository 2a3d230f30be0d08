// Every SparkApplication the program delivers (the DAG's templates and the streaming job) against
// what happens to it between Airflow and the first executor: Airflow's own check of the spec, the
// operator's defaulting, and Spark's submission inside the operator's controller.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readPipelineFile } from "../pipelines/files";
import { podPlacement } from "../platform/karpenter/nodepools";
import { depsSchemeProblems } from "../platform/spark-operator/specs";
import { Captured, PlanRun } from "../tools/harness";
import { launchedTemplates, programObject } from "../tools/references";
import { byUrn, describeEachStack, inputsOf, planWith, transitiveDeps } from "./support";

interface Delivered {
    /** Where it comes from: a DAG template (ConfigMap key) or a SparkApplication resource. */
    origin: string;
    /** The plan resource: the DAG folder ConfigMap, or the SparkApplication. */
    resource: Captured;
    /** Submitted by Airflow's SparkKubernetesOperator (a DAG template). */
    byAirflow: boolean;
    app: any;
}

/** The DAG folder's SparkApplication templates and the SparkApplication resources of the plan. */
export function deliveredSparkApplications(run: PlanRun): Delivered[] {
    const out: Delivered[] = [];
    for (const c of run.captured) {
        const o = programObject(c);
        if (o?.kind === "ConfigMap") {
            for (const t of launchedTemplates([o]).filter((x) => x.kind === "SparkApplication"))
                out.push({ origin: `${c.name} ${t.name}`, resource: c, byAirflow: true, app: t.body });
        } else if (o?.kind === "SparkApplication") {
            out.push({
                origin: c.name,
                resource: c,
                byAirflow: false,
                app: { apiVersion: o.body.apiVersion, kind: o.kind, metadata: o.body.metadata, spec: o.body.spec },
            });
        }
    }
    return out;
}

/**
 * Airflow's check before it creates anything (cncf.kubernetes provider,
 * operators/custom_object_launcher.py, SparkJobSpec.validate): when spec.dynamicAllocation is
 * enabled, its minExecutors and its maxExecutors must both be truthy in Python terms, so a
 * missing one and a 0 are refused alike ("Make sure min/max value for dynamic allocation is passed").
 */
export function airflowRefuses(spec: any): string | undefined {
    const truthy = (v: unknown) => !(v === undefined || v === null || v === 0 || v === false || v === "");
    const dyn = spec?.dynamicAllocation ?? {};
    if (!truthy(dyn.enabled)) return undefined;
    if (truthy(dyn.minExecutors) && truthy(dyn.maxExecutors)) return undefined;
    return `spec.dynamicAllocation min/max: ${JSON.stringify(dyn)}`;
}

/** Go's strconv.ParseBool: anything else is an error, which the operator reads as false. */
const goBool = (v: unknown) => ["1", "t", "T", "TRUE", "true", "True"].includes(String(v ?? ""));

/**
 * The executors Spark starts with once the operator has defaulted the spec. The operator
 * (v2.5.2 api/v1beta2/defaults.go setExecutorSpecDefaults) sets executor.instances to 1 unless
 * it is set, sparkConf["spark.executor.instances"] is non-empty, or dynamic allocation is on:
 * spec.dynamicAllocation.enabled if that exists, else sparkConf["spark.dynamicallocation.enabled"]
 * (lower-cased, unlike Spark's key). The instances reach Spark as spark.executor.instances; with
 * dynamic allocation Spark starts max(minExecutors, initialExecutors, spark.executor.instances)
 * (core Utils.getDynamicAllocationInitialExecutors), else spark.executor.instances.
 */
export function initialExecutors(spec: any): { instances: number; dynamic: boolean } {
    const conf: Record<string, string> = spec.sparkConf ?? {};
    const dynForOperator = spec.dynamicAllocation ? spec.dynamicAllocation.enabled === true : goBool(conf["spark.dynamicallocation.enabled"]);
    let instances = spec.executor?.instances;
    if (instances === undefined && (conf["spark.executor.instances"] ?? "") === "" && !dynForOperator) instances = 1;
    const sparkInstances = Number(instances ?? conf["spark.executor.instances"] ?? 0);
    const dyn = spec.dynamicAllocation;
    const dynamic = dyn ? dyn.enabled === true : conf["spark.dynamicAllocation.enabled"] === "true";
    if (!dynamic) return { instances: sparkInstances, dynamic };
    const min = Number(dyn?.minExecutors ?? conf["spark.dynamicAllocation.minExecutors"] ?? 0);
    const initial = Number(dyn?.initialExecutors ?? conf["spark.dynamicAllocation.initialExecutors"] ?? min);
    return { instances: Math.max(min, initial, sparkInstances), dynamic };
}

const DEPS_KEYS = ["jars", "files", "pyFiles", "archives"];

/** The ConfigMap key a role sees at `file` through its read-only volumeMounts, or why not. */
function mountedKey(app: any, role: "driver" | "executor", file: string): { configMap: string; key: string } | string {
    const mounts: any[] = app.spec[role].volumeMounts ?? [];
    const m = mounts.find((x) => file.startsWith(x.mountPath.replace(/\/?$/, "/")));
    if (!m) return `${role}: nothing mounted at ${file}`;
    if (m.readOnly !== true) return `${role}: ${m.mountPath} is not read-only`;
    const v = (app.spec.volumes ?? []).find((x: any) => x.name === m.name);
    if (!v?.configMap?.name) return `${role}: volume ${m.name} is not a ConfigMap`;
    return { configMap: v.configMap.name, key: path.posix.relative(m.mountPath, file) };
}

function configMapIn(run: PlanRun, namespace: string, name: string): Captured | undefined {
    return run.captured.find(
        (c) => c.type === "kubernetes:core/v1:ConfigMap" && inputsOf(c).metadata?.name === name && inputsOf(c).metadata?.namespace === namespace,
    );
}

describe("spark-submission rules (the models themselves)", () => {
    it("Airflow refuses enabled dynamic allocation with a 0 or missing minimum or maximum", () => {
        assert.ok(airflowRefuses({ dynamicAllocation: { enabled: true, minExecutors: 0, maxExecutors: 4 } }));
        assert.ok(airflowRefuses({ dynamicAllocation: { enabled: true, minExecutors: 1 } }));
        assert.equal(airflowRefuses({ dynamicAllocation: { enabled: true, minExecutors: 1, maxExecutors: 4 } }), undefined);
        assert.equal(airflowRefuses({ sparkConf: { "spark.dynamicAllocation.minExecutors": "0" } }), undefined);
    });

    it("the operator defaults one executor when dynamic allocation is only in Spark's camel-case key", () => {
        const conf = { "spark.dynamicAllocation.enabled": "true", "spark.dynamicAllocation.minExecutors": "0" };
        assert.deepEqual(initialExecutors({ sparkConf: conf, executor: {} }), { instances: 1, dynamic: true });
        assert.deepEqual(initialExecutors({ sparkConf: { ...conf, "spark.executor.instances": "0" }, executor: {} }), { instances: 0, dynamic: true });
        assert.deepEqual(initialExecutors({ sparkConf: {}, executor: { instances: 3 } }), { instances: 3, dynamic: false });
    });
});

describe("bdok:spark.executors", () => {
    // Issue 18 item 5: before, 7 and 1 planned identically.
    const starting = async (executors: number) => {
        const run = await planWith("dev", { "bdok:spark": { executors, executorMemory: "1g", maxExecutors: 8 } });
        return Object.fromEntries(deliveredSparkApplications(run).map((d) => [d.app.metadata.name, initialExecutors(d.app.spec).instances]));
    };

    it("7 instead of 1 changes the executors every SparkApplication starts with, as the operator and Spark compute them", async function () {
        this.timeout(240_000);
        const one = await starting(1);
        const seven = await starting(7);
        assert.deepEqual(Object.keys(seven).sort(), Object.keys(one).sort());
        assert.ok(Object.keys(one).includes("customers-streaming") && Object.keys(one).length >= 2, Object.keys(one).join(", "));
        for (const name of Object.keys(one)) {
            assert.equal(one[name], 1, name);
            assert.equal(seven[name], 7, name);
        }
    });
});

describeEachStack(
    (stack) => `spark submission on ${stack}`,
    (plan) => {
        it("delivers the DAG's three templates and the streaming application", () => {
            const apps = deliveredSparkApplications(plan());
            assert.deepEqual(apps.filter((a) => a.byAirflow).length, 3, apps.map((a) => a.origin).join(", "));
            assert.deepEqual(
                apps.filter((a) => !a.byAirflow).map((a) => a.app.metadata.name),
                ["customers-streaming"],
            );
        });

        it("passes Airflow's dynamic-allocation check, and the batch jobs start with bdok:spark.executors, scale down to 0 and up to bdok:spark.maxExecutors", () => {
            for (const { origin, byAirflow, app } of deliveredSparkApplications(plan())) {
                assert.equal(airflowRefuses(app.spec), undefined, origin);
                const start = initialExecutors(app.spec);
                if (!byAirflow) {
                    assert.equal(start.dynamic, false, origin);
                    continue;
                }
                assert.deepEqual(start, { instances: plan().config.spark.executors, dynamic: true }, origin);
                const conf = app.spec.sparkConf;
                assert.equal(conf["spark.dynamicAllocation.minExecutors"], "0", origin);
                // Kubernetes has no external shuffle service: shuffle tracking is what lets executors go.
                assert.equal(conf["spark.dynamicAllocation.shuffleTracking.enabled"], "true", origin);
                assert.equal(Number(conf["spark.dynamicAllocation.maxExecutors"]), plan().config.spark.maxExecutors, origin);
            }
        });

        it("puts every batch driver on on-demand capacity of the workloads pool, never disrupted, and the executors on that pool, both with its tolerations; the streaming job stays on the system group", () => {
            const workloads = podPlacement("workloads");
            for (const { origin, byAirflow, app } of deliveredSparkApplications(plan())) {
                const { driver, executor } = app.spec;
                if (!byAirflow) {
                    // Always on: the fixed group, which no consolidation or spot pool reclaim touches.
                    for (const pod of [driver, executor]) assert.equal(pod.nodeSelector?.["bdok.io/pool"] ?? pod.tolerations, undefined, origin);
                    continue;
                }
                assert.deepEqual(driver.nodeSelector, { ...workloads.nodeSelector, "karpenter.sh/capacity-type": "on-demand" }, origin);
                assert.equal(driver.annotations?.["karpenter.sh/do-not-disrupt"], "true", origin);
                assert.deepEqual(executor.nodeSelector, workloads.nodeSelector, origin);
                assert.deepEqual(driver.tolerations, workloads.tolerations, `${origin} driver`);
                assert.deepEqual(executor.tolerations, workloads.tolerations, `${origin} executor`);
                assert.equal(app.spec.nodeSelector, undefined, `${origin}: no application-wide selector to merge in`);
            }
        });

        it("names only local, http or https deps: nothing the controller would open with Hadoop's FileSystem", () => {
            for (const { origin, app } of deliveredSparkApplications(plan())) {
                // The rule and its sources: platform/spark-operator/specs.ts depsSchemeProblems.
                for (const key of DEPS_KEYS) assert.deepEqual(depsSchemeProblems(app.spec.deps?.[key] ?? [], `${origin} deps.${key}`), []);
            }
        });

        it("mounts every local:// dep and the declaration of $BDOK_TABLES_JSON from the pipeline's own ConfigMap in the job's namespace", () => {
            // airflow: the lake's maintenance owns it (it is there whenever a pipeline writes the lake).
            const owner: Record<string, string> = { airflow: "bdok:pipelines:LakeMaintenance", kafka: "bdok:pipelines:RealtimePipeline" };
            // The operator's webhook adds spec.volumes and volumeMounts to the pods.
            const release = plan().captured.find((c) => c.type === "kubernetes:helm.sh/v3:Release" && inputsOf(c).name === "spark-operator")!;
            assert.equal(inputsOf(release).values.webhook.enable, true);
            for (const { origin, resource, byAirflow, app } of deliveredSparkApplications(plan())) {
                const ns = app.metadata.namespace;
                const local = DEPS_KEYS.flatMap((k) => app.spec.deps?.[k] ?? []).filter((u: string) => u.startsWith("local://"));
                assert.ok(local.length > 0, `${origin}: the lake module`);
                const conf = app.spec.sparkConf;
                const declaration = conf["spark.kubernetes.driverEnv.BDOK_TABLES_JSON"];
                assert.equal(conf["spark.executorEnv.BDOK_TABLES_JSON"], declaration, `${origin}: the same file for executors`);
                const files = [...local.map((u: string) => u.slice("local://".length)), declaration];
                for (const file of files) {
                    for (const role of ["driver", "executor"] as const) {
                        const seen = mountedKey(app, role, file);
                        assert.equal(typeof seen, "object", `${origin}: ${seen}`);
                        const { configMap, key } = seen as { configMap: string; key: string };
                        const cm = configMapIn(plan(), ns, configMap);
                        assert.ok(cm, `${origin}: ConfigMap ${ns}/${configMap}`);
                        assert.equal(byUrn(plan(), cm!.parent!).type, owner[ns], `${origin}: ${configMap} belongs to the pipeline there`);
                        // The key is the file's own name in pipelines/, with its content.
                        assert.equal(inputsOf(cm!).data[key], readPipelineFile(key), `${origin}: ${configMap} key ${key}`);
                        if (!byAirflow) assert.ok(transitiveDeps(plan(), resource.urn).has(cm!.urn), `${origin} waits for ${configMap}`);
                    }
                }
                assert.equal(path.posix.basename(declaration), "tables.json");
                if (!byAirflow) assert.ok(app.spec.driver.annotations["bdok.io/lake-sha256"], `${origin}: resubmitted when the ConfigMap changes`);
            }
        });

        it("tables.py finds its declaration as Spark runs it: copied away from the mount, the file named by $BDOK_TABLES_JSON", () => {
            for (const { origin, app } of deliveredSparkApplications(plan())) {
                const root = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-mount-"));
                try {
                    // The pod's filesystem: each mounted ConfigMap's data under its mountPath.
                    for (const m of app.spec.driver.volumeMounts) {
                        const v = app.spec.volumes.find((x: any) => x.name === m.name);
                        if (!v.configMap) continue;
                        const data = inputsOf(configMapIn(plan(), app.metadata.namespace, v.configMap.name)!).data;
                        fs.mkdirSync(path.join(root, m.mountPath), { recursive: true });
                        for (const [k, text] of Object.entries<string>(data)) fs.writeFileSync(path.join(root, m.mountPath, k), text);
                    }
                    // PythonRunner copies a .py py-file into a temporary folder and puts that on the path.
                    const copied = path.join(root, "localPyFiles");
                    fs.mkdirSync(copied);
                    for (const u of app.spec.deps.pyFiles)
                        fs.copyFileSync(path.join(root, u.slice("local://".length)), path.join(copied, path.posix.basename(u)));
                    const r = spawnSync("python3", ["-c", "import sys, tables; sys.stdout.write(str(len(tables.load().tables)))"], {
                        cwd: root,
                        encoding: "utf8",
                        env: {
                            PATH: process.env.PATH,
                            PYTHONPATH: copied,
                            PYTHONDONTWRITEBYTECODE: "1",
                            BDOK_TABLES_JSON: path.join(root, app.spec.sparkConf["spark.kubernetes.driverEnv.BDOK_TABLES_JSON"]),
                        },
                    });
                    assert.equal(r.status, 0, `${origin}: ${r.stderr}`);
                    assert.ok(Number(r.stdout) > 0, `${origin}: tables declared`);
                } finally {
                    fs.rmSync(root, { recursive: true, force: true });
                }
            }
        });
    },
);
