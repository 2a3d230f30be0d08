// Engines tier, realtime flow: customers rows published as the JDBC source connector publishes them
// (Connect's JsonConverter with schemas, as Connect's user over mTLS) -> the streaming job's real
// main, submitted as the plan's SparkApplication (its packages, Spark conf and arguments; only the
// endpoints, the mounted Secrets' files and the commit interval are local) over mTLS as its
// KafkaUser -> the transformed topic and the Iceberg table in moto's Glue -> Trino with the chart's
// catalog running the customers-by-age-band query the stack prints. Stopped and restarted from its
// checkpoints: no row twice in the table. A drifted table is refused. Expected values are computed
// here from the generated rows, not by the job's functions.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { Server, requireEngines } from "./env";
import { kafkaMissing } from "./kafka";
import { EnginePlan, supersetDataset } from "./plan";
import { CHARTS } from "../../platform/superset/dashboard";
import { sparkSubmit } from "./spark";
import { requireEngine } from "./streams";
import { Trino } from "./trino";
import {
    RealtimeEnvironment,
    RealtimeFlow,
    StepFailure,
    startRealtimeEnvironment,
    band,
    expectedAge,
    generate,
    isoDay,
    step,
    tokenProviderJar,
} from "./realtime-flow";
import { readPipelineFile } from "../../pipelines/files";

describe("engines: realtime flow (JDBC-source records -> streaming job over mTLS -> topic + Iceberg -> Trino)", function () {
    this.timeout(25 * 60_000);
    let work = "";
    let plan: EnginePlan;
    let env: RealtimeEnvironment | undefined;
    let trino: Promise<Trino> | undefined;
    let job: Server | undefined;
    const first = generate(120, 1, new Date());
    const second = generate(80, 121, new Date());
    const all = [...first, ...second];

    let flow: RealtimeFlow;
    const db = () => flow.db;

    before(async function () {
        requireEngines(this);
        requireEngine(this, "Kafka", kafkaMissing() ?? (fs.existsSync(tokenProviderJar()) ? undefined : `no ${tokenProviderJar()}`));
        // Trino's catalog reads Glue per query: the shared Trino sees this file's fresh lake.
        env = await startRealtimeEnvironment("bdok-engines-realtime-");
        ({ work, plan, flow, trino } = env);
    });

    after(async () => {
        await job?.stop();
        if (work) console.log(`    (engines realtime logs: ${work})`);
    });

    it("the job (plan's SparkApplication, mTLS as its KafkaUser) lands every published record in the Iceberg table", async () => {
        await step("publish (JDBC source records, as Connect's user)", () => flow.publish(first));
        job = await step("start streaming job", () => flow.start("streaming-1"));
        await step("streaming job -> Iceberg (first run)", () => flow.waitRows("first run", first.length, job!));
    });

    it("stopped and restarted from its checkpoints, it goes on where it stopped: no row twice", async () => {
        // Stopped while records keep arriving: the restart must pick them up from the checkpoint.
        await step("stop streaming job", () => job!.stop());
        await step("publish more records", () => flow.publish(second));
        job = await step("restart streaming job", () => flow.start("streaming-2"));
        await step("streaming job -> Iceberg (after restart)", () => flow.waitRows("after restart", all.length, job!));
        // Another interval or two, so that a replayed batch would have landed too.
        await new Promise((r) => setTimeout(r, 15_000));
        await step("stop streaming job", () => job!.stop());
        job = undefined;
        const t = await step("start Trino", () => trino!);
        const [[rows, ids]] = (await t.query(`SELECT count(*), count(DISTINCT id) FROM iceberg."${db()}".customers`)).rows as number[][];
        assert.deepEqual([rows, ids], [all.length, all.length], "step Iceberg table: one row per published record");
    });

    it("the table holds each record with its age; the topic each record as the sink expects it", async () => {
        await flow.checkTableRows(await trino!, all);

        const messages = await step("read the transformed topic", () => flow.consume(all.length));
        const latest = new Map<number, any>();
        for (const m of messages) {
            const key = JSON.parse(m.key);
            assert.deepEqual(key.schema, { type: "int32", optional: false }, "step transformed topic: the key is a Connect int32 envelope");
            latest.set(key.payload, JSON.parse(m.value));
        }
        assert.deepEqual(
            [...latest.keys()].sort((a, b) => a - b),
            all.map((c) => c.id),
            "step transformed topic: every id",
        );
        const fields = (latest.get(1).schema.fields as any[]).map((f) => `${f.field}:${f.type}${f.name ? `:${f.name}` : ""}`);
        assert.deepEqual(fields, [
            "id:int32",
            "name:string",
            "sex:string",
            "street_address:string",
            "city:string",
            "state:string",
            "zip:string",
            "birthdate:int64:org.apache.kafka.connect.data.Timestamp",
            "profession:string",
            "email:string",
            "phone:string",
            "dt_update:int64:org.apache.kafka.connect.data.Timestamp",
            "age:int32",
        ]);
        const bad: string[] = [];
        for (const c of all) {
            const p = latest.get(c.id).payload;
            const ages = flow.days.map((d) => expectedAge(c.birthdate, d));
            const { birthdate, dt_update, age, ...rest } = p;
            const wantRest = {
                id: c.id,
                name: c.name,
                sex: c.sex,
                street_address: c.street_address,
                city: c.city,
                state: c.state,
                zip: c.zip,
                profession: c.profession,
                email: c.email,
                phone: c.phone,
            };
            if (JSON.stringify(rest) !== JSON.stringify(wantRest)) bad.push(`id ${c.id}: ${JSON.stringify(rest)}`);
            if (birthdate !== c.birthdate || dt_update !== c.dt_update)
                bad.push(`id ${c.id}: birthdate ${birthdate} (want ${c.birthdate}), dt_update ${dt_update} (want ${c.dt_update})`);
            if (!ages.includes(age)) bad.push(`id ${c.id} born ${c.birthdate === null ? null : isoDay(c.birthdate)}: age ${age}, expected ${ages[0]}`);
        }
        assert.deepEqual(bad.slice(0, 10), [], "step transformed topic payloads (streaming job's transformation)");
    });

    /** Distinct customers per band of their age on the job's last day, bands in age order. */
    const expectedBands = () => {
        const counts = new Map<string, { n: number; min: number }>();
        for (const c of all) {
            const age = expectedAge(c.birthdate, flow.days[flow.days.length - 1]);
            if (age === null) continue;
            const b = band(age);
            const e = counts.get(b) ?? { n: 0, min: age };
            counts.set(b, { n: e.n + 1, min: Math.min(e.min, age) });
        }
        return [...counts].sort((a, b) => a[1].min - b[1].min).map(([b, e]) => [b, e.n]);
    };

    it("the customers-by-age-band query the stack prints returns the expected bands", async () => {
        const t = await trino!;
        const query = (plan.run.plan.outputs as Record<string, string>).realtimeTrinoQuery;
        assert.ok(query?.includes(`"${db()}"`), "the stack's realtime query names the realtime database");
        const want = expectedBands();
        assert.ok(want.length >= 4, `the data spans the bands: ${JSON.stringify(want)}`);
        assert.deepEqual((await t.query(query)).rows, want, "step Trino customers-by-age-band query");
    });

    it("the Superset dashboard's age-band chart: its dataset's SQL returns the expected bands, in the columns the chart shows", async () => {
        const ds = supersetDataset(plan.run, CHARTS.realtime.dataset);
        const r = await (await trino!).query(ds.sql);
        assert.deepEqual(r.columns, ds.columns);
        assert.deepEqual(r.rows, expectedBands(), "step Trino: the Superset dataset's query");
    });

    it("the job refuses a table whose schema drifted from tables.json", async () => {
        const t = await trino!;
        // Not through Trino: the chart's catalog is read-only for DDL (Access Denied, found here).
        await step("drift the table (another writer adds a column)", () => flow.addColumn("loyalty"));
        assert.deepEqual(
            (
                await t.query(
                    `SELECT column_name FROM iceberg.information_schema.columns WHERE table_schema = '${db()}' AND table_name = 'customers' AND column_name = 'loyalty'`,
                )
            ).rows,
            [["loyalty"]],
            "the drift is visible to Iceberg readers",
        );
        try {
            const sub = await flow.submission();
            const run = await sparkSubmit(sub, path.join(work, "streaming-drift.log"), 6 * 60_000);
            assert.notEqual(run.code, 0, "step schema check: the job went on with a drifted table");
            assert.match(run.output, /does not match pipelines\/tables\.json.*loyalty/, "step schema check: the refusal names the drifted column");
        } finally {
            // The tests after this one run the job on this table again.
            await step("undo the drift", () => flow.undoDrift());
        }
    });

    // Last: the broken copy's Kafka sink writes wrong ages to the transformed topic too.
    it("a job with a wrong age formula fails the flow, naming the step", async () => {
        const source = readPipelineFile("realtime/streaming_job.py");
        // Off by one on the birthday itself: a customer born on today's date is a year too young.
        const broken = source.replace("month_day(today) < month_day(birth)", "month_day(today) <= month_day(birth)");
        assert.notEqual(broken, source, "the broken copy differs from the job");
        const variant = { name: "broken-age", mainFile: path.join(work, "broken", "streaming_job.py") };
        fs.mkdirSync(path.dirname(variant.mainFile), { recursive: true });
        fs.writeFileSync(variant.mainFile, broken);
        await flow.createDatabase(variant);
        job = await flow.start("streaming-broken-age", variant);
        await flow.waitRows("broken job", all.length, job, undefined, flow.database(variant));
        await job.stop();
        job = undefined;
        await assert.rejects(flow.checkTableRows(await trino!, all, flow.database(variant)), (e: Error) => {
            assert.ok(e instanceof StepFailure, String(e));
            assert.match(e.message, /^realtime step "Iceberg table rows \(streaming job's transformation\)": /);
            assert.match(e.message, /born \d{4}-\d\d-\d\d: age \d+, expected \d+/, "the cause names a customer's age");
            return true;
        });
    });

    // Last: the topics are gone and new (a pipeline turned off and on, a destroy and up with the
    // lake kept). The program gives re-created topics a new generation and the checkpoints live
    // under it; with the old generation's checkpoints Spark's Kafka source meets offsets past the
    // new topics' end and, failOnDataLoss=true, stops (KafkaMicroBatchStream: partition offset changed).
    it("after the topics are re-created, a new generation's checkpoints start clean; the old generation's fail on the changed offsets", async () => {
        const t0 = Date.now();
        const old = flow.generation;
        await job?.stop();
        job = undefined;
        const rows = await flow.tableRows();
        assert.ok(rows > 0, "the old generation's job wrote the table");
        await step("delete and re-create the topics", () => flow.recreateTopics());
        // Fewer records than any partition held before: the new topics end before the old checkpoints.
        const third = generate(15, 1001, new Date());
        await step("publish to the new topics", () => flow.publish(third));
        // (i) what the program does: a new generation (a new RandomId with the new topics).
        const fresh = flow.argumentsFor("0123abcd", true);
        assert.notDeepEqual(fresh, flow.argumentsFor(old, true), "the generation is in the checkpoint paths");
        job = await step("start with the new generation's checkpoints", () => flow.start("streaming-new-generation", undefined, fresh));
        await step("streaming job -> Iceberg (new generation)", () => flow.waitRows("new generation", rows + third.length, job!));
        await step("stop streaming job", () => job!.stop());
        job = undefined;
        // (ii) the control: the old generation's checkpoints, failOnDataLoss=true.
        const run = await sparkSubmit(
            await flow.submission(undefined, flow.argumentsFor(old, true)),
            path.join(work, "streaming-old-generation.log"),
            6 * 60_000,
        );
        assert.notEqual(run.code, 0, "the job ran on with checkpoints of topics that are gone");
        assert.match(run.output, /offset was changed|PARTITION_OFFSET_CHANGED/i, "Spark's Kafka source names the changed offsets");
        console.log(`      (re-created topics, both generations: ${Math.round((Date.now() - t0) / 1000)} s)`);
    });
});
