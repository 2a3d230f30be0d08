// A pipeline that is off leaves nothing behind: what each pipeline needs of the platform is built
// only when that pipeline asks for it.
import { strict as assert } from "assert";
import type { PlanRun } from "../tools/harness";
import { inputsOf, ofType, planWith } from "./support";

const realtimeLeftovers = (run: PlanRun) =>
    [
        ...["KafkaConnect", "KafkaConnector", "KafkaUser", "KafkaTopic"].flatMap((k) => ofType(run, `kubernetes:kafka.strimzi.io/v1:${k}`)),
        ...ofType(run, "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication"),
        ...ofType(run, "aws:ecr/repository:Repository"),
        ...ofType(run, "kubernetes:core/v1:Secret").filter((s) => /postgres|es-sink|es-http-ca/.test(inputsOf(s).metadata?.name ?? "")),
        ...run.captured.filter((r) => r.name.startsWith("realtime-pipeline")),
    ].map((r) => `${r.type.split(":").pop()} ${r.name}`);

const batchLeftovers = (run: PlanRun) => {
    const out = run.captured
        .filter((r) => r.name.startsWith("batch-pipeline") || /airflow-submitter/.test(r.name))
        .map((r) => `${r.type.split(":").pop()} ${r.name}`);
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
            if (!realtime) assert.deepEqual(realtimeLeftovers(run), []);
            else assert.ok(realtimeLeftovers(run).length > 0, "the realtime pipeline's resources exist when it is on");
            if (!batch) assert.deepEqual(batchLeftovers(run), []);
            else assert.ok(batchLeftovers(run).length > 0, "the batch pipeline's resources exist when it is on");
        });
    }
});
