// Every SparkApplication the program delivers (the DAG's templates and the streaming job) against
// what happens to it between Airflow and the first executor: Airflow's own check of the spec, the
// operator's defaulting, and Spark's submission inside the operator's controller.
import { strict as assert } from "assert";
import * as YAML from "yaml";
import { PlanRun } from "../tools/harness";
import { describeEachStack, inputsOf } from "./support";

interface Delivered {
    /** Where it comes from: a DAG template (ConfigMap key) or a SparkApplication resource. */
    origin: string;
    /** Submitted by Airflow's SparkKubernetesOperator (a DAG template). */
    byAirflow: boolean;
    app: any;
}

/** The DAG folder's SparkApplication templates and the SparkApplication resources of the plan. */
export function deliveredSparkApplications(run: PlanRun): Delivered[] {
    const out: Delivered[] = [];
    for (const c of run.captured) {
        const i = inputsOf(c);
        if (c.type === "kubernetes:core/v1:ConfigMap") {
            for (const [key, text] of Object.entries<string>(i.data ?? {})) {
                if (!/\.ya?ml$/.test(key) || !/^kind:\s*SparkApplication\s*$/m.test(text)) continue;
                out.push({ origin: `${c.name} ${key}`, byAirflow: true, app: YAML.parse(text) });
            }
        } else if (c.type === "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication") {
            out.push({ origin: c.name, byAirflow: false, app: { apiVersion: i.apiVersion, kind: i.kind, metadata: i.metadata, spec: i.spec } });
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

        it("passes Airflow's dynamic-allocation check, and the batch jobs start from 0 executors up to bdok:spark.maxExecutors", () => {
            for (const { origin, byAirflow, app } of deliveredSparkApplications(plan())) {
                assert.equal(airflowRefuses(app.spec), undefined, origin);
                const start = initialExecutors(app.spec);
                if (!byAirflow) {
                    assert.equal(start.dynamic, false, origin);
                    continue;
                }
                assert.deepEqual(start, { instances: 0, dynamic: true }, origin);
                const conf = app.spec.sparkConf;
                // Kubernetes has no external shuffle service: shuffle tracking is what lets executors go.
                assert.equal(conf["spark.dynamicAllocation.shuffleTracking.enabled"], "true", origin);
                assert.equal(Number(conf["spark.dynamicAllocation.maxExecutors"]), plan().config.spark.maxExecutors, origin);
            }
        });
    },
);
