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
import * as os from "os";
import * as path from "path";
import { SPARK_SUBMIT, Server, requireEngines, startMoto, startServer } from "./env";
import { Broker, clientProps, kafkaMissing, kafkaPlan, probe, startPlanKafka } from "./kafka";
import { createLake, downloadJob, localLake, python, trinoCatalogs, uploadJob, uploadedSource } from "./lake";
import { EnginePlan, SparkApp, enginePlan } from "./plan";
import { failureSummary, sparkSubmit, submission } from "./spark";
import { requireEngine } from "./streams";
import { Trino, startTrino } from "./trino";
import { CACHE } from "./env";
import { inputsOf } from "../support";

const STREAMING_APP = "customers-streaming";
const CONNECT_USER = "bdok-connect";
// What the program names; read from the plan where it can be, these only pick things out of it.
const TOKEN_PROVIDER = "org.apache.spark:spark-token-provider-kafka-0-10_2.13";
const tokenProviderJar = () => path.join(CACHE, "maven", "spark-token-provider-kafka-0-10_2.13-4.0.0.jar");
/** The lowest interval streaming_job.py accepts; the plan's (60 s) would only make the test slower. */
const COMMIT_INTERVAL = "10 seconds";

const DAY_MS = 86_400_000;

interface Customer {
    id: number;
    name: string;
    sex: string | null;
    street_address: string | null;
    city: string | null;
    state: string | null;
    zip: string | null;
    /** Epoch milliseconds of midnight UTC of the birth day (what a Connect Date carries), or null. */
    birthdate: number | null;
    profession: string | null;
    email: string | null;
    phone: string | null;
    /** Epoch milliseconds (Connect Timestamp). */
    dt_update: number;
}

/** public.customers (pipelines/realtime/customers.sql) as kafka-connect-jdbc's GenericDatabaseDialect
 * types it: serial/int4 NOT NULL -> int32, text -> string (optional unless NOT NULL), date -> Connect
 * Date, timestamp NOT NULL -> Connect Timestamp; the value schema is named after the table. */
const SOURCE_SCHEMA = {
    name: "customers",
    fields: [
        { field: "id", type: "int32", optional: false },
        { field: "name", type: "string", optional: false },
        ...["sex", "street_address", "city", "state", "zip"].map((field) => ({ field, type: "string", optional: true })),
        { field: "birthdate", type: "Date", optional: true },
        ...["profession", "email", "phone"].map((field) => ({ field, type: "string", optional: true })),
        { field: "dt_update", type: "Timestamp", optional: false },
    ],
};

const utcDay = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);

/** Customers with birthdays on both sides of today, on 29 February, and without a birthdate. */
function generate(count: number, firstId: number, now: Date): Customer[] {
    const y = now.getUTCFullYear();
    const m = now.getUTCMonth() + 1;
    const d = now.getUTCDate();
    const out: Customer[] = [];
    for (let i = 0; i < count; i++) {
        const id = firstId + i;
        const years = 5 + ((id * 7) % 86);
        let birth: number | null;
        switch (id % 6) {
            case 0:
                birth = utcDay(y - years, m, d); // birthday today: a year older already
                break;
            case 1:
                birth = Date.UTC(y - years, m - 1, d) + DAY_MS; // birthday tomorrow: not yet
                break;
            case 2:
                birth = utcDay(2000 - (id % 3) * 4, 2, 29); // leap day
                break;
            case 3:
                birth = null;
                break;
            default:
                birth = utcDay(y - years, 1 + (id % 12), 1 + (id % 28));
        }
        out.push({
            id,
            name: `customer ${id}`,
            sex: id % 5 === 0 ? null : id % 2 ? "F" : "M",
            street_address: `${id} Main St`,
            city: "Springfield",
            state: "IL",
            zip: String(62700 + (id % 100)),
            birthdate: birth,
            profession: id % 4 === 0 ? null : "engineer",
            email: `c${id}@example.org`,
            phone: null,
            dt_update: now.getTime() - (count - i) * 1000,
        });
    }
    return out;
}

/** Whole years completed on `today` (an ISO date), computed on calendar fields. */
function expectedAge(birthMs: number | null, today: string): number | null {
    if (birthMs === null) return null;
    const b = new Date(birthMs);
    const [ty, tm, td] = today.split("-").map(Number);
    const before = tm < b.getUTCMonth() + 1 || (tm === b.getUTCMonth() + 1 && td < b.getUTCDate());
    return ty - b.getUTCFullYear() - (before ? 1 : 0);
}

/** The band of the stack's query (queries.json customers_by_age_band_last_hour), spelled out. */
function band(age: number): string {
    return age < 18 ? "under 18" : age < 30 ? "18-29" : age < 45 ? "30-44" : age < 65 ? "45-64" : "65+";
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

class StepFailure extends Error {}
async function step<T>(name: string, body: () => Promise<T> | T): Promise<T> {
    try {
        return await body();
    } catch (e) {
        throw new StepFailure(`realtime step "${name}": ${(e as Error).message}`);
    }
}

describe("engines: realtime flow (JDBC-source records -> streaming job over mTLS -> topic + Iceberg -> Trino)", function () {
    this.timeout(25 * 60_000);
    let work = "";
    let plan: EnginePlan;
    let app: SparkApp & { spec: any };
    let moto: (Server & { endpoint: string }) | undefined;
    let broker: Broker | undefined;
    let trino: Promise<Trino> | undefined;
    let job: Server | undefined;
    let db = "";
    const today: string[] = [];
    const first = generate(120, 1, new Date());
    const second = generate(80, 121, new Date());
    const all = [...first, ...second];

    const connect = () => clientProps(broker!.pki, CONNECT_USER, broker!.bootstrap);
    const publish = (rows: Customer[]) =>
        probe(work, "produce-connect", {
            client: connect(),
            topic: sourceTopic(),
            keyType: "int32",
            fields: SOURCE_SCHEMA,
            records: rows.map((r) => ({ key: r.id, value: r })),
        });
    const argOf = (flag: string) => app.spec.arguments[app.spec.arguments.indexOf(flag) + 1] as string;
    const sourceTopic = () => argOf("--source-topic");

    /** Rows in the Iceberg table: the current snapshot's total-records, read from Glue and S3. */
    async function tableRows(): Promise<number> {
        const code = [
            "import sys, json, boto3",
            "ep, region, db, table = sys.argv[1:]",
            "glue = boto3.client('glue', endpoint_url=ep, region_name=region)",
            "try:",
            "    loc = glue.get_table(DatabaseName=db, Name=table)['Table']['Parameters']['metadata_location']",
            "except glue.exceptions.EntityNotFoundException:",
            "    print(-1); sys.exit()",
            "bucket, key = loc.split('://', 1)[1].split('/', 1)",
            "meta = json.loads(boto3.client('s3', endpoint_url=ep, region_name=region).get_object(Bucket=bucket, Key=key)['Body'].read())",
            "snap = [s for s in meta.get('snapshots', []) if s['snapshot-id'] == meta.get('current-snapshot-id')]",
            "print(int(snap[0]['summary'].get('total-records', 0)) if snap else 0)",
        ].join("\n");
        return Number((await python(["-c", code, moto!.endpoint, plan.region, db, "customers"])).trim());
    }

    /** The plan's SparkApplication with only local things changed; resolves once spark-submit runs. */
    async function streamingSubmission() {
        const local = path.join(work, "driver", "streaming_job.py");
        await downloadJob(moto!.endpoint, plan.region, app.spec.mainApplicationFile, local);
        // The Secrets the driver mounts, as files laid out by their items (Strimzi's Secrets' keys).
        const secrets: Record<string, Record<string, string>> = {
            [app.spec.volumes.find((v: any) => v.name === "kafka-cluster-ca").secret.secretName]: { "ca.crt": broker!.pki.clusterCa },
            [app.spec.volumes.find((v: any) => v.name === "kafka-user").secret.secretName]: { "user.p12": broker!.pki.users.get(inputsOfUser())!.p12 },
        };
        const replace: [string, string][] = [];
        for (const v of app.spec.volumes.filter((x: any) => x.secret)) {
            const mount = app.spec.driver.volumeMounts.find((m: any) => m.name === v.name);
            const dir = path.join(work, "secrets", v.name);
            fs.mkdirSync(dir, { recursive: true });
            for (const item of v.secret.items) fs.copyFileSync(secrets[v.secret.secretName][item.key], path.join(dir, item.path));
            replace.push([mount.mountPath, dir]);
        }
        const args = (app.spec.arguments as string[]).map((a, i, list) => {
            if (list[i - 1] === "--bootstrap-servers") return broker!.bootstrap;
            if (list[i - 1] === "--commit-interval") return COMMIT_INTERVAL;
            return replace.reduce((acc, [from, to]) => acc.split(from).join(to), a);
        });
        const spec = {
            ...app.spec,
            mainApplicationFile: local,
            arguments: args,
            volumes: app.spec.volumes.filter((v: any) => !v.secret),
            driver: { ...app.spec.driver, volumeMounts: app.spec.driver.volumeMounts.filter((m: any) => !replace.some(([p]) => p === m.mountPath)) },
            // The one artifact the reachable Maven Central lacks (install-streams.sh).
            deps: { ...app.spec.deps, excludePackages: [TOKEN_PROVIDER], jars: [tokenProviderJar()] },
        };
        const sub = submission({ ...app, spec }, localLake(plan, moto!.endpoint, work));
        // The driver's environment from its Secret references (the keystore password).
        for (const e of app.spec.driver.env ?? []) {
            const ref = e.valueFrom?.secretKeyRef;
            assert.equal(ref?.name, inputsOfUser(), `driver env ${e.name} comes from the KafkaUser's Secret`);
            assert.equal(ref.key, "user.password");
            sub.env[e.name] = broker!.pki.users.get(ref.name)!.password;
        }
        return sub;
    }
    const inputsOfUser = () => app.spec.volumes.find((v: any) => v.name === "kafka-user").secret.secretName as string;

    async function startJob(label: string): Promise<Server> {
        const sub = await streamingSubmission();
        today.push(isoDay(Date.now()));
        return startServer(SPARK_SUBMIT, sub.args, { env: sub.env, log: path.join(work, `${label}.log`) });
    }

    async function waitRows(what: string, want: number, server: Server, timeoutMs = 8 * 60_000): Promise<void> {
        const end = Date.now() + timeoutMs;
        let n = -1;
        while (Date.now() < end) {
            if (server.child.exitCode !== null)
                throw new Error(`${what}: the job exited (${server.child.exitCode}):\n${failureSummary(fs.readFileSync(server.log, "utf8"))}`);
            n = await tableRows();
            if (n >= want) return;
            await new Promise((r) => setTimeout(r, 3000));
        }
        throw new Error(
            `${what}: ${n} rows in the table after ${timeoutMs / 1000} s, expected ${want}\n${failureSummary(fs.readFileSync(server.log, "utf8"))}`,
        );
    }

    before(async function () {
        requireEngines(this);
        requireEngine(this, "Kafka", kafkaMissing() ?? (fs.existsSync(tokenProviderJar()) ? undefined : `no ${tokenProviderJar()}`));
        work = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-engines-realtime-"));
        plan = await enginePlan();
        const found = plan.run.captured.filter((c) => c.type.endsWith(":SparkApplication") && inputsOf(c).metadata.name === STREAMING_APP);
        assert.equal(found.length, 1, `plan: the ${STREAMING_APP} SparkApplication`);
        app = inputsOf(found[0]);
        db = argOf("--lake-database");
        assert.equal(db, plan.databases.realtime);
        [moto, broker] = await Promise.all([startMoto(work), startPlanKafka(path.join(work, "kafka"), kafkaPlan(plan.run))]);
        await createLake(plan, moto.endpoint);
        const key = app.spec.mainApplicationFile.replace(/^s3a:\/\/[^/]+\//, "");
        await uploadJob(moto.endpoint, plan.region, app.spec.mainApplicationFile, uploadedSource(plan, key));
    });

    after(async () => {
        await Promise.all([
            job?.stop(),
            moto?.stop(),
            broker?.stop(),
            trino?.then(
                (t) => t.stop(),
                () => undefined,
            ),
        ]);
        if (work) console.log(`    (engines realtime logs: ${work})`);
    });

    it("the job (plan's SparkApplication, mTLS as its KafkaUser) lands every published record in the Iceberg table", async () => {
        await step("publish (JDBC source records, as Connect's user)", () => publish(first));
        job = await step("start streaming job", () => startJob("streaming-1"));
        await step("streaming job -> Iceberg (first run)", () => waitRows("first run", first.length, job!));
    });

    it("stopped and restarted from its checkpoints, it goes on where it stopped: no row twice", async () => {
        // Stopped while records keep arriving: the restart must pick them up from the checkpoint.
        await step("stop streaming job", () => job!.stop());
        await step("publish more records", () => publish(second));
        job = await step("restart streaming job", () => startJob("streaming-2"));
        await step("streaming job -> Iceberg (after restart)", () => waitRows("after restart", all.length, job!));
        // Another interval or two, so that a replayed batch would have landed too.
        await new Promise((r) => setTimeout(r, 25_000));
        await step("stop streaming job", () => job!.stop());
        job = undefined;
        trino = startTrino(work, trinoCatalogs(plan, moto!.endpoint));
        const t = await step("start Trino", () => trino!);
        const [[rows, ids]] = (await t.query(`SELECT count(*), count(DISTINCT id) FROM iceberg."${db}".customers`)).rows as number[][];
        assert.deepEqual([rows, ids], [all.length, all.length], "step Iceberg table: one row per published record");
    });

    it("the table holds each record with its age; the topic each record as the sink expects it", async () => {
        const t = await trino!;
        const got = (
            await t.query(
                `SELECT id, name, sex, zip, CAST(birthdate AS varchar), age, to_unixtime(dt_update) * 1000 FROM iceberg."${db}".customers ORDER BY id`,
            )
        ).rows;
        const wrong: string[] = [];
        for (const [i, c] of all.entries()) {
            const ages = today.map((d) => expectedAge(c.birthdate, d));
            const row = got[i] as any[];
            const want = [c.id, c.name, c.sex, c.zip, c.birthdate === null ? null : isoDay(c.birthdate)];
            if (JSON.stringify(row.slice(0, 5)) !== JSON.stringify(want))
                wrong.push(`id ${c.id}: ${JSON.stringify(row.slice(0, 5))} != ${JSON.stringify(want)}`);
            if (!ages.includes(row[5])) wrong.push(`id ${c.id} born ${c.birthdate === null ? null : isoDay(c.birthdate)}: age ${row[5]}, expected ${ages[0]}`);
            if (Math.round(row[6]) !== c.dt_update) wrong.push(`id ${c.id}: dt_update ${row[6]} != ${c.dt_update}`);
        }
        assert.deepEqual(wrong.slice(0, 10), [], "step Iceberg table rows (streaming job's transformation)");

        const transformed = argOf("--target-topic");
        const messages = await step("read the transformed topic", () =>
            probe<{ key: string; value: string }[]>(work, "consume", { client: connect(), topic: transformed, expect: all.length, timeoutMs: 60_000 }),
        );
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
            const ages = today.map((d) => expectedAge(c.birthdate, d));
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

    it("the customers-by-age-band query the stack prints returns the expected bands", async () => {
        const t = await trino!;
        const query = (plan.run.plan.outputs as Record<string, string>).realtimeTrinoQuery;
        assert.ok(query?.includes(`"${db}"`), "the stack's realtime query names the realtime database");
        const counts = new Map<string, { n: number; min: number }>();
        for (const c of all) {
            const age = expectedAge(c.birthdate, today[today.length - 1]);
            if (age === null) continue;
            const b = band(age);
            const e = counts.get(b) ?? { n: 0, min: age };
            counts.set(b, { n: e.n + 1, min: Math.min(e.min, age) });
        }
        const want = [...counts].sort((a, b) => a[1].min - b[1].min).map(([b, e]) => [b, e.n]);
        assert.ok(want.length >= 4, `the data spans the bands: ${JSON.stringify(want)}`);
        assert.deepEqual((await t.query(query)).rows, want, "step Trino customers-by-age-band query");
    });

    it("the job refuses a table whose schema drifted from tables.json", async () => {
        const t = await trino!;
        await t.query(`ALTER TABLE iceberg."${db}".customers ADD COLUMN loyalty varchar`);
        const sub = await streamingSubmission();
        const run = await sparkSubmit(sub, path.join(work, "streaming-drift.log"), 6 * 60_000);
        assert.notEqual(run.code, 0, "step schema check: the job went on with a drifted table");
        assert.match(run.output, /does not match pipelines\/tables\.json.*loyalty/, "step schema check: the refusal names the drifted column");
    });
});
