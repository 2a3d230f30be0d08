// Sizing and availability follow `bdok:profile` in the stack file, never the stack's name.
import { strict as assert } from "assert";
import type { PlanRun } from "../tools/harness";
import { runPlan } from "../tools/harness";
import { loadStackConfig } from "../tools/stack-files";
import { planOf } from "./support";

/** Every Kubernetes object and Helm release of a plan, with the stack's name written as STACK. */
function platformOf(run: PlanRun): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of run.captured) {
        if (!r.type.startsWith("kubernetes:") || r.type.startsWith("pulumi:")) continue;
        // Content-named objects hash text that holds the stack's name (RDS host, bucket): mask hashes.
        out.set(
            `${r.type}::${r.name}`,
            JSON.stringify(r.rawInputs)
                .split(run.config.stack)
                .join("STACK")
                .replace(/[0-9a-f]{10,64}/g, "HASH"),
        );
    }
    return out;
}

describe("sizing profiles", () => {
    it("a stack named staging with prod's stack file plans prod's sizes, replicas and budgets", async function () {
        this.timeout(120_000);
        const prod = platformOf(await planOf("prod"));
        const staging = platformOf(await runPlan("staging", loadStackConfig("prod")));
        assert.deepEqual([...staging.keys()].sort(), [...prod.keys()].sort());
        const differ = [...prod.keys()].filter((k) => prod.get(k) !== staging.get(k));
        assert.deepEqual(differ, []);
    });

    it("a stack named prod with profile small gets the small sizes, whatever its name", async function () {
        this.timeout(120_000);
        const run = await runPlan("prod", loadStackConfig("prod", { "bdok:profile": "small" }));
        assert.equal(run.config.ha, false);
        const kafka = run.captured.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.rawInputs as any).chart === "strimzi-kafka-operator")!;
        const dev = (await planOf("dev")).captured.find(
            (r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.rawInputs as any).chart === "strimzi-kafka-operator",
        )!;
        assert.deepEqual((kafka.rawInputs as any).values, (dev.rawInputs as any).values);
        const airflow = run.captured.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.rawInputs as any).chart === "airflow")!;
        assert.equal((airflow.rawInputs as any).values.scheduler.podDisruptionBudget.enabled, false);
    });
});
