// A pipeline that is off leaves nothing behind: what each pipeline needs of the platform is built
// only when that pipeline asks for it.
import { strict as assert } from "assert";
import type { PlanRun } from "../tools/harness";
import { estimate, Estimates, renderEstimates } from "../tools/estimate";
import { inputsOf, ofType, planWith } from "./support";

const glueDatabase = (run: PlanRun, ns: string) => ofType(run, "aws:glue/catalogDatabase:CatalogDatabase").filter((d) => d.name === `datalake-iceberg-${ns}`);

const realtimeLeftovers = (run: PlanRun) =>
    [
        ...["KafkaConnect", "KafkaConnector", "KafkaUser", "KafkaTopic"].flatMap((k) => ofType(run, `kubernetes:kafka.strimzi.io/v1:${k}`)),
        ...ofType(run, "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication"),
        // Connect's image repository (Superset's is the add-on's, not a pipeline's).
        ...ofType(run, "aws:ecr/repository:Repository").filter((r) => r.name !== "superset"),
        ...ofType(run, "kubernetes:core/v1:Secret").filter((s) => /postgres|es-sink|es-http-ca/.test(inputsOf(s).metadata?.name ?? "")),
        ...run.captured.filter((r) => r.name.startsWith("realtime-pipeline")),
        ...glueDatabase(run, "realtime"),
    ].map((r) => `${r.type.split(":").pop()} ${r.name}`);

const batchLeftovers = (run: PlanRun, e: Estimates) => {
    const out = [...run.captured.filter((r) => r.name.startsWith("batch-pipeline")), ...glueDatabase(run, "imdb")].map(
        (r) => `${r.type.split(":").pop()} ${r.name}`,
    );
    // The IMDB jobs read landing/; no other Spark job does.
    for (const p of ofType(run, "aws:iam/rolePolicy:RolePolicy").filter((x) => x.name.startsWith("spark-operator-"))) {
        if (String(inputsOf(p).policy).includes("/landing/")) out.push(`${p.name} grant landing/`);
    }
    // The estimator's run figures name the run; an IMDB job is no longer one.
    if (/imdb-(bronze|silver)|batch run/.test(renderEstimates(e))) out.push("estimator figures of a batch run");
    const worker = ofType(run, "aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "airflow-worker")!;
    const sids = (JSON.parse(inputsOf(worker).policy).Statement as { Sid?: string }[]).map((s) => s.Sid ?? "");
    out.push(...sids.filter((s) => !s.startsWith("Logs")).map((s) => `airflow-worker grant ${s}`));
    const airflow = ofType(run, "kubernetes:helm.sh/v3:Release").find((r) => inputsOf(r).chart === "airflow")!;
    const env = JSON.stringify(inputsOf(airflow).values);
    for (const v of ["BDOK_LAKE_BUCKET", "AWS_DEFAULT_REGION"]) if (env.includes(v)) out.push(`airflow env ${v}`);
    return out;
};

describe("pipelines that are off leave nothing behind", () => {
    for (const [batch, realtime] of [
        [false, true],
        [true, false],
        [false, false],
    ]) {
        it(`batch ${batch ? "on" : "off"}, realtime ${realtime ? "on" : "off"}`, async function () {
            this.timeout(120_000);
            const run = await planWith("dev", { "bdok:pipelines": { batch, realtime } });
            const e = estimate(run);
            if (!realtime) assert.deepEqual(realtimeLeftovers(run), []);
            else assert.ok(realtimeLeftovers(run).length > 0, "the realtime pipeline's resources exist when it is on");
            if (!batch) assert.deepEqual(batchLeftovers(run, e), []);
            else assert.ok(batchLeftovers(run, e).length > 0, "the batch pipeline's resources exist when it is on");
            // The lake's maintenance (and Airflow's right to submit it) stays while any pipeline writes.
            const maintenance = [...ofType(run, "bdok:pipelines:LakeMaintenance"), ...run.captured.filter((r) => /airflow-submitter/.test(r.name))].map(
                (r) => r.name,
            );
            if (batch || realtime) assert.ok(maintenance.length > 0, "the lake is maintained");
            else {
                assert.deepEqual(maintenance, []);
                assert.equal(e.batchMonthlyCostUsd, undefined, "no run, no run cost");
                assert.equal(e.karpenter?.batch, undefined, "no run, no run nodes");
                assert.doesNotMatch(renderEstimates(e), /during|Spark run/);
            }
        });
    }
});

describe("the API producer off leaves nothing behind", () => {
    it("no DAG file, topic, KafkaUser, certificate copy, egress policy or streaming query of its own; on, all of them", async function () {
        this.timeout(240_000);
        const leftovers = (run: PlanRun) => {
            const text = JSON.stringify(run.captured.map((c) => [c.type, c.name, inputsOf(c)]));
            return ["api_users.py", "api-producer", "bdok-api-producer-kafka", "api-producer-egress", "--api-topic", '"api-users"'].filter((n) =>
                text.includes(n),
            );
        };
        const off = await planWith("dev", { "bdok:pipelines": { batch: true, realtime: true, api: false } });
        assert.deepEqual(leftovers(off), []);
        const on = await planWith("dev", { "bdok:pipelines": { batch: true, realtime: true, api: true } });
        assert.equal(leftovers(on).length, 6, "each of them exists when it is on");
        // The idle estimate loses its recurring task pod.
        const pods = (run: PlanRun) => estimate(run).karpenter!.idle.nodes.flatMap((n) => n.pods);
        assert.ok(!pods(off).some((p) => p.includes("api_users.json")));
        assert.ok(pods(on).some((p) => p.includes("api_users.json")));
    });
});
