// The realtime flow on local engines, shared by test/engines/realtime.test.ts and
// `npm run pipelines:local`: customers rows published as the JDBC source connector publishes them,
// and the streaming job run as the plan's SparkApplication with only local things changed (the
// endpoints, the mounted Secrets' files, the commit interval, one unreachable jar).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { CACHE, FAKE_AWS, PYTHON, SPARK_SUBMIT, Server, startServer } from "./env";
import { Broker, OPERATOR_USER, clientProps, kafkaPlan, probe } from "./kafka";
import { downloadJob, localLake, python, uploadJob, uploadedSource } from "./lake";
import { EnginePlan, SparkApp, enginePlan } from "./plan";
import { freshLake, sharedKafka } from "./shared";
import { Submission, failureSummary, submission } from "./spark";
import type { Trino } from "./trino";
import { inputsOf } from "../support";
import { streamingArguments } from "../../pipelines/realtime/streaming";
import { API_CHECKPOINT_KEY } from "../../pipelines/api/specs";
import { TOPIC_GENERATION_ANNOTATION } from "../../platform/kafka/values";

export const STREAMING_APP = "customers-streaming";
export const CONNECT_USER = "bdok-connect";
// What the program names; read from the plan where it can be, these only pick things out of it.
const TOKEN_PROVIDER = "org.apache.spark:spark-token-provider-kafka-0-10_2.13";
export const tokenProviderJar = () => path.join(CACHE, "maven", "spark-token-provider-kafka-0-10_2.13-4.0.0.jar");
/** The lowest interval streaming_job.py accepts; the plan's (60 s) would only make the test slower. */
export const COMMIT_INTERVAL = "10 seconds";

const DAY_MS = 86_400_000;

export interface Customer {
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
export function generate(count: number, firstId: number, now: Date): Customer[] {
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
export function expectedAge(birthMs: number | null, today: string): number | null {
    if (birthMs === null) return null;
    const b = new Date(birthMs);
    const [ty, tm, td] = today.split("-").map(Number);
    const before = tm < b.getUTCMonth() + 1 || (tm === b.getUTCMonth() + 1 && td < b.getUTCDate());
    return ty - b.getUTCFullYear() - (before ? 1 : 0);
}

/** The band of the stack's query (queries.json customers_by_age_band_last_hour), spelled out. */
export function band(age: number): string {
    return age < 18 ? "under 18" : age < 30 ? "18-29" : age < 45 ? "30-44" : age < 65 ? "45-64" : "65+";
}

/**
 * Prints the rows of an Iceberg table (its current snapshot's total-records, from Glue and S3; -1
 * while the table does not exist). Arguments: endpoint region db table want seconds: with want > 0
 * it polls every 3 s until the count reaches want or the seconds pass, printing the last count.
 */
const TABLE_ROWS_PY = [
    "import sys, json, time, boto3",
    "ep, region, db, table, want, seconds = sys.argv[1:]",
    "glue = boto3.client('glue', endpoint_url=ep, region_name=region)",
    "s3 = boto3.client('s3', endpoint_url=ep, region_name=region)",
    "def rows():",
    "    try:",
    "        loc = glue.get_table(DatabaseName=db, Name=table)['Table']['Parameters']['metadata_location']",
    "    except glue.exceptions.EntityNotFoundException:",
    "        return -1",
    "    bucket, key = loc.split('://', 1)[1].split('/', 1)",
    "    meta = json.loads(s3.get_object(Bucket=bucket, Key=key)['Body'].read())",
    "    snap = [s for s in meta.get('snapshots', []) if s['snapshot-id'] == meta.get('current-snapshot-id')]",
    "    return int(snap[0]['summary'].get('total-records', 0)) if snap else 0",
    "end = time.time() + float(seconds)",
    "n = rows()",
    "while n < int(want) and time.time() < end:",
    "    time.sleep(3)",
    "    n = rows()",
    "print(n)",
].join("\n");

export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A failure of one step of the realtime flow; its message starts with the step's name. */
export class StepFailure extends Error {}

export async function step<T>(name: string, body: () => Promise<T> | T): Promise<T> {
    try {
        return await body();
    } catch (e) {
        throw new StepFailure(`realtime step "${name}": ${(e as Error).message}`);
    }
}

/**
 * A run of the streaming job beside the plan's: another job file (a changed copy), its own Glue
 * database and checkpoints, so that it starts from the topic's first record and leaves the plan's
 * table alone. The database must exist (createDatabase).
 */
export interface JobVariant {
    name: string;
    mainFile: string;
}

/** The plan's streaming SparkApplication, run against a local broker and moto. */
export class RealtimeFlow {
    readonly app: SparkApp & { spec: any };
    readonly db: string;
    /** The UTC days the job ran on (a run across midnight may compute either day's ages). */
    readonly days: string[] = [];

    constructor(
        readonly plan: EnginePlan,
        readonly moto: { endpoint: string },
        readonly broker: Broker,
        readonly work: string,
    ) {
        const found = plan.run.captured.filter((c) => c.type.endsWith(":SparkApplication") && inputsOf(c).metadata.name === STREAMING_APP);
        assert.equal(found.length, 1, `plan: the ${STREAMING_APP} SparkApplication`);
        this.app = inputsOf(found[0]);
        this.db = this.arg("--lake-database");
        assert.equal(this.db, plan.databases.realtime, "the job writes the realtime namespace's database");
    }

    arg(flag: string): string {
        const i = this.app.spec.arguments.indexOf(flag);
        if (i < 0) throw new Error(`${STREAMING_APP}: no ${flag} argument`);
        return this.app.spec.arguments[i + 1];
    }

    get sourceTopic(): string {
        return this.arg("--source-topic");
    }
    get targetTopic(): string {
        return this.arg("--target-topic");
    }

    /** Connect's client (its KafkaUser may write the source topic and read the transformed one). */
    connect(): Record<string, string> {
        return clientProps(this.broker.pki, CONNECT_USER, this.broker.bootstrap);
    }

    /** The program's upload of the job file, to where mainApplicationFile points. */
    async upload(): Promise<void> {
        const main = this.app.spec.mainApplicationFile as string;
        await uploadJob(this.moto.endpoint, this.plan.region, main, uploadedSource(this.plan, main.replace(/^s3a:\/\/[^/]+\//, "")));
    }

    publish(rows: Customer[]): void {
        probe(this.work, "produce-connect", {
            client: this.connect(),
            topic: this.sourceTopic,
            keyType: "int32",
            fields: SOURCE_SCHEMA,
            records: rows.map((r) => ({ key: r.id, value: r })),
        });
    }

    consume(expect: number): { key: string; value: string }[] {
        return probe(this.work, "consume", { client: this.connect(), topic: this.targetTopic, expect, timeoutMs: 60_000 });
    }

    private userSecret(): string {
        return this.app.spec.volumes.find((v: any) => v.name === "kafka-user").secret.secretName;
    }

    /** The topics' generation in the plan (every KafkaTopic's annotation; the checkpoints live under it). */
    get generation(): string {
        const found = new Set(
            this.plan.run.captured.filter((c) => c.type.endsWith(":KafkaTopic")).map((c) => inputsOf(c).metadata.annotations?.[TOPIC_GENERATION_ANNOTATION]),
        );
        assert.equal(found.size, 1, `plan: one topic generation, got ${[...found]}`);
        return [...found][0];
    }

    /**
     * The application's arguments for another topic generation and failOnDataLoss, made by the
     * program's own streamingArguments (checked: with the plan's values it gives the plan's arguments).
     */
    argumentsFor(generation: string, failOnDataLoss: boolean): string[] {
        const planned = this.app.spec.arguments as string[];
        const api = planned.includes("--api-topic") ? { topic: this.arg("--api-topic"), checkpointKey: API_CHECKPOINT_KEY } : undefined;
        const lake = (topicGeneration: string, fail: boolean) =>
            streamingArguments({
                bucket: this.arg("--bucket"),
                region: this.arg("--region"),
                database: this.db,
                commitInterval: this.arg("--commit-interval"),
                topicGeneration,
                failOnDataLoss: fail,
                ...(api ? { api } : {}),
            });
        assert.deepEqual(lake(this.generation, this.arg("--fail-on-data-loss") === "true"), planned, "streamingArguments rebuilds the plan's arguments");
        return lake(generation, failOnDataLoss);
    }

    /** The plan's topics deleted and created again (a pipeline turned off and on): offsets start at 0. */
    recreateTopics(): void {
        const topics = kafkaPlan(this.plan.run).topics;
        const admin = clientProps(this.broker.pki, OPERATOR_USER, this.broker.bootstrap);
        probe(this.work, "delete-topics", { admin, topics: topics.map((t) => t.name) });
        probe(this.work, "setup", { admin, topics, acls: [] });
    }

    /** spark-submit's arguments and environment for the plan's application, local things changed. */
    async submission(variant?: JobVariant, planned: string[] = this.app.spec.arguments): Promise<Submission> {
        const { app, broker, work } = this;
        const local = path.join(work, "driver", "streaming_job.py");
        if (variant) {
            fs.mkdirSync(path.dirname(local), { recursive: true });
            fs.copyFileSync(variant.mainFile, local);
        } else await downloadJob(this.moto.endpoint, this.plan.region, app.spec.mainApplicationFile, local);
        // The Secrets the driver mounts, as files laid out by their items (Strimzi's Secrets' keys):
        // the keystore and, since the driver reads it from the volume, its password as a file.
        const user = broker.pki.users.get(this.userSecret())!;
        const userPassword = path.join(work, "user.password");
        fs.writeFileSync(userPassword, user.password);
        const secrets: Record<string, Record<string, string>> = {
            [app.spec.volumes.find((v: any) => v.name === "kafka-cluster-ca").secret.secretName]: { "ca.crt": broker.pki.clusterCa },
            [this.userSecret()]: { "user.p12": user.p12, "user.password": userPassword },
        };
        const replace: [string, string][] = [];
        for (const v of app.spec.volumes.filter((x: any) => x.secret)) {
            const mount = app.spec.driver.volumeMounts.find((m: any) => m.name === v.name);
            const dir = path.join(work, "secrets", v.name);
            fs.mkdirSync(dir, { recursive: true });
            for (const item of v.secret.items) fs.copyFileSync(secrets[v.secret.secretName][item.key], path.join(dir, item.path));
            replace.push([mount.mountPath, dir]);
        }
        const args = planned.map((a, i, list) => {
            if (list[i - 1] === "--bootstrap-servers") return broker.bootstrap;
            if (list[i - 1] === "--commit-interval") return COMMIT_INTERVAL;
            if (variant && list[i - 1] === "--lake-database") return this.database(variant);
            if (variant && (list[i - 1] === "--checkpoint" || list[i - 1] === "--lake-checkpoint")) return `${a.replace(/\/?$/, "/")}${variant.name}/`;
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
        const sub = submission({ ...app, spec }, localLake(this.plan, this.moto.endpoint, work));
        // The driver's environment from its Secret references (the keystore password).
        for (const e of app.spec.driver.env ?? []) {
            const ref = e.valueFrom?.secretKeyRef;
            assert.equal(ref?.name, this.userSecret(), `driver env ${e.name} comes from the KafkaUser's Secret`);
            assert.equal(ref.key, "user.password");
            sub.env[e.name] = broker.pki.users.get(ref.name)!.password;
        }
        return sub;
    }

    /** Starts the streaming job in the background (it runs until stopped). */
    async start(label: string, variant?: JobVariant, planned?: string[]): Promise<Server> {
        const sub = await this.submission(variant, planned);
        this.days.push(isoDay(Date.now()));
        return startServer(SPARK_SUBMIT, sub.args, { env: sub.env, cwd: this.work, log: path.join(this.work, `${label}.log`) });
    }

    /** The Glue database a variant of the job writes. */
    database(variant?: JobVariant): string {
        return variant ? `${this.db}_${variant.name.replace(/\W+/g, "_")}` : this.db;
    }

    async createDatabase(variant: JobVariant): Promise<void> {
        const code =
            "import sys, boto3; ep, region, db = sys.argv[1:]; boto3.client('glue', endpoint_url=ep, region_name=region).create_database(DatabaseInput={'Name': db})";
        await python(["-c", code, this.moto.endpoint, this.plan.region, this.database(variant)]);
    }

    /**
     * Step "Iceberg table rows": each published record once in `db`'s customers table, as published,
     * with its age on a day the job ran (computed here, not by the job's functions).
     */
    async checkTableRows(trino: Trino, customers: Customer[], db = this.db): Promise<void> {
        await step("Iceberg table rows (streaming job's transformation)", async () => {
            const got = (
                await trino.query(
                    `SELECT id, name, sex, zip, CAST(birthdate AS varchar), age, to_unixtime(dt_update) * 1000 FROM iceberg."${db}".customers ORDER BY id`,
                )
            ).rows as any[][];
            const wrong: string[] = [];
            if (got.length !== customers.length) wrong.push(`${got.length} rows, expected ${customers.length}`);
            const byId = new Map(got.map((r) => [r[0], r]));
            for (const c of customers) {
                const row = byId.get(c.id);
                if (!row) {
                    wrong.push(`id ${c.id}: missing`);
                    continue;
                }
                const ages = this.days.map((d) => expectedAge(c.birthdate, d));
                const want = [c.id, c.name, c.sex, c.zip, c.birthdate === null ? null : isoDay(c.birthdate)];
                if (JSON.stringify(row.slice(0, 5)) !== JSON.stringify(want))
                    wrong.push(`id ${c.id}: ${JSON.stringify(row.slice(0, 5))} != ${JSON.stringify(want)}`);
                if (!ages.includes(row[5]))
                    wrong.push(`id ${c.id} born ${c.birthdate === null ? null : isoDay(c.birthdate)}: age ${row[5]}, expected ${ages[0]}`);
                if (Math.round(row[6]) !== c.dt_update) wrong.push(`id ${c.id}: dt_update ${row[6]} != ${c.dt_update}`);
            }
            if (wrong.length) throw new Error(`${wrong.length} wrong: ${wrong.slice(0, 10).join("; ")}`);
        });
    }

    /** Rows in the Iceberg table: the current snapshot's total-records, read from Glue and S3. */
    async tableRows(db = this.db, table = "customers"): Promise<number> {
        return Number((await python(["-c", TABLE_ROWS_PY, this.moto.endpoint, this.plan.region, db, table, "0", "0"])).trim());
    }

    /**
     * Another writer's schema change, committed the way Iceberg's catalogs commit: a new metadata
     * file with a new current schema (one more column), and the Glue table pointed at it.
     */
    async addColumn(column: string): Promise<void> {
        const code = [
            "import sys, json, uuid, boto3",
            "ep, region, db, table, column = sys.argv[1:]",
            "glue = boto3.client('glue', endpoint_url=ep, region_name=region)",
            "s3 = boto3.client('s3', endpoint_url=ep, region_name=region)",
            "t = glue.get_table(DatabaseName=db, Name=table)['Table']",
            "loc = t['Parameters']['metadata_location']",
            "bucket, key = loc.split('://', 1)[1].split('/', 1)",
            "meta = json.loads(s3.get_object(Bucket=bucket, Key=key)['Body'].read())",
            "current = [x for x in meta['schemas'] if x['schema-id'] == meta['current-schema-id']][0]",
            "new_id = max(x['schema-id'] for x in meta['schemas']) + 1",
            "meta['last-column-id'] += 1",
            "fields = current['fields'] + [{'id': meta['last-column-id'], 'name': column, 'required': False, 'type': 'string'}]",
            "meta['schemas'].append({'type': 'struct', 'schema-id': new_id, 'fields': fields})",
            "meta['current-schema-id'] = new_id",
            "new_key = key.rsplit('/', 1)[0] + f'/99999-{uuid.uuid4()}.metadata.json'",
            "s3.put_object(Bucket=bucket, Key=new_key, Body=json.dumps(meta).encode())",
            "params = dict(t['Parameters'], metadata_location=f's3://{bucket}/{new_key}', previous_metadata_location=loc)",
            "keep = ('Name', 'Description', 'Owner', 'Retention', 'StorageDescriptor', 'PartitionKeys', 'TableType')",
            "glue.update_table(DatabaseName=db, TableInput=dict({k: t[k] for k in keep if k in t}, Parameters=params))",
        ].join("\n");
        await python(["-c", code, this.moto.endpoint, this.plan.region, this.db, "customers", column]);
    }

    /** Undoes addColumn: the table points at the metadata it had before the drift again. */
    async undoDrift(): Promise<void> {
        const code = [
            "import sys, boto3",
            "ep, region, db, table = sys.argv[1:]",
            "glue = boto3.client('glue', endpoint_url=ep, region_name=region)",
            "t = glue.get_table(DatabaseName=db, Name=table)['Table']",
            "params = dict(t['Parameters'], metadata_location=t['Parameters']['previous_metadata_location'])",
            "params.pop('previous_metadata_location')",
            "keep = ('Name', 'Description', 'Owner', 'Retention', 'StorageDescriptor', 'PartitionKeys', 'TableType')",
            "glue.update_table(DatabaseName=db, TableInput=dict({k: t[k] for k in keep if k in t}, Parameters=params))",
        ].join("\n");
        await python(["-c", code, this.moto.endpoint, this.plan.region, this.db, "customers"]);
    }

    /** Waits until the table holds `want` rows; fails with the job's log when it exits or times out. */
    async waitRows(what: string, want: number, job: Server, timeoutMs = 10 * 60_000, db = this.db, table = "customers"): Promise<void> {
        // One Python process polls every 3 s (a process per poll cost about a CPU second each on two
        // cores); the job's exit is watched here meanwhile.
        const poll = spawn(PYTHON, ["-c", TABLE_ROWS_PY, this.moto.endpoint, this.plan.region, db, table, String(want), String(timeoutMs / 1000)], {
            env: { ...process.env, ...FAKE_AWS },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        poll.stdout.on("data", (d) => (out += d));
        poll.stderr.on("data", (d) => (out += d));
        const polled = new Promise<number | null>((resolve) => poll.on("close", resolve));
        const exited = new Promise<void>((resolve) => (job.child.exitCode !== null ? resolve() : job.child.once("exit", () => resolve())));
        const first = await Promise.race([polled.then(() => "polled" as const), exited.then(() => "exited" as const)]);
        if (first === "exited") {
            poll.kill("SIGKILL");
            throw new Error(`${what}: the job exited (${job.child.exitCode ?? job.child.signalCode}):\n${failureSummary(fs.readFileSync(job.log, "utf8"))}`);
        }
        const code = await polled;
        const n = Number(out.trim().split("\n").pop());
        if (code !== 0 || Number.isNaN(n)) throw new Error(`${what}: counting the table's rows failed (exit ${code}):\n${out.slice(-2000)}`);
        if (n >= want) return;
        throw new Error(`${what}: ${n} rows in the table after ${timeoutMs / 1000} s, expected ${want}\n${failureSummary(fs.readFileSync(job.log, "utf8"))}`);
    }
}

/** What the realtime files run on: moto with the lake and the uploaded job, the plan's Kafka, Trino. */
export interface RealtimeEnvironment {
    /** This file's folder (the job's logs, checkpoints' local files, probe requests). */
    work: string;
    plan: EnginePlan;
    moto: Server & { endpoint: string };
    broker: Broker;
    flow: RealtimeFlow;
    /** Trino with the chart's catalogs, maybe still starting (its JVM start overlaps the job's run). */
    trino: Promise<Trino>;
}

/**
 * The tier's shared moto, Trino and Kafka (shared.ts), as a realtime file needs them: a clean lake,
 * the plan's topics empty (re-created when an earlier file used them), the streaming job uploaded as
 * the program uploads it. `prefix` names this file's folder.
 */
export async function startRealtimeEnvironment(prefix: string): Promise<RealtimeEnvironment> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const plan = await enginePlan();
    const [{ moto, trino }, { broker, used }] = await Promise.all([freshLake(), sharedKafka(plan)]);
    const flow = new RealtimeFlow(plan, moto, broker, work);
    if (used) flow.recreateTopics();
    await flow.upload();
    return { work, plan, moto, broker, flow, trino };
}
