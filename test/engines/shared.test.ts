// Engines tier: the servers the files share (shared.ts) give each file a clean start. What an earlier
// file left (a lake object, a Glue table, records in the plan's topics) is gone for the next one,
// and what the program creates (the bucket, its folders, both databases) is there again.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { requireEngines } from "./env";
import { OPERATOR_USER, clientProps, kafkaMissing, probe } from "./kafka";
import type { RealtimeEnvironment } from "./realtime-flow";
import { lakeFolders, python } from "./lake";
import { requireEngine } from "./streams";
import { generate, startRealtimeEnvironment, tokenProviderJar } from "./realtime-flow";
import { ROOT } from "../../tools/harness";

const LIST = [
    "import sys, json, boto3",
    "ep, region, bucket = sys.argv[1:]",
    "s3 = boto3.client('s3', endpoint_url=ep, region_name=region)",
    "glue = boto3.client('glue', endpoint_url=ep, region_name=region)",
    "keys = [o['Key'] for o in s3.list_objects_v2(Bucket=bucket).get('Contents', [])]",
    "dbs = {d['Name']: [t['Name'] for t in glue.get_tables(DatabaseName=d['Name'])['TableList']] for d in glue.get_databases()['DatabaseList']}",
    "print(json.dumps({'keys': sorted(keys), 'dbs': dbs}))",
].join("\n");

/** The source topic's records, read as the operator (Connect's user may only write it). */
const sourceRecords = (env: RealtimeEnvironment, expect: number, timeoutMs = 60_000): { key: string }[] =>
    probe(env.work, "consume", {
        client: clientProps(env.broker.pki, OPERATOR_USER, env.broker.bootstrap),
        topic: env.flow.sourceTopic,
        expect,
        timeoutMs,
    });

describe("engines: the shared moto, Trino and Kafka start each file clean", function () {
    this.timeout(10 * 60_000);

    before(function () {
        requireEngines(this);
        requireEngine(this, "Kafka", kafkaMissing() ?? (fs.existsSync(tokenProviderJar()) ? undefined : `no ${tokenProviderJar()}`));
    });

    it("a second environment has none of the first one's objects, tables or records, and the lake the program creates", async () => {
        const first = await startRealtimeEnvironment("bdok-engines-shared-a-");
        const { plan, moto } = first;
        const state = async () => JSON.parse(await python(["-c", LIST, moto.endpoint, plan.region, plan.bucket]));
        const leftover = "leftover/object.txt";
        await python([
            "-c",
            "import sys, boto3; ep, region, bucket, key, db = sys.argv[1:]\n" +
                "boto3.client('s3', endpoint_url=ep, region_name=region).put_object(Bucket=bucket, Key=key, Body=b'x')\n" +
                "boto3.client('glue', endpoint_url=ep, region_name=region).create_table(DatabaseName=db, TableInput={'Name': 'leftover'})",
            moto.endpoint,
            plan.region,
            plan.bucket,
            leftover,
            plan.databases.realtime,
        ]);
        first.flow.publish(generate(3, 1, new Date()));
        const dirty = await state();
        assert.ok(dirty.keys.includes(leftover) && dirty.dbs[plan.databases.realtime].includes("leftover"), JSON.stringify(dirty));
        assert.equal(sourceRecords(first, 3).length, 3, "the first file's records are in the source topic");

        const second = await startRealtimeEnvironment("bdok-engines-shared-b-");
        assert.equal(second.moto.endpoint, moto.endpoint, "one moto for the tier");
        assert.equal(second.broker.bootstrap, first.broker.bootstrap, "one broker for the tier");
        const clean = await state();
        const job = first.flow.app.spec.mainApplicationFile.replace(/^s3a:\/\/[^/]+\//, "");
        assert.deepEqual(clean.keys, [...lakeFolders(plan), job].sort(), "the bucket holds the program's folders and the uploaded job only");
        assert.deepEqual(clean.dbs, { [plan.databases.imdb]: [], [plan.databases.realtime]: [] }, "both databases, empty");
        // Two new records, read for 10 s: a record of the first file would show beside them.
        second.flow.publish(generate(2, 101, new Date()));
        assert.deepEqual(
            sourceRecords(second, 1000, 10_000)
                .map((r) => JSON.parse(r.key).payload as number)
                .sort((a, b) => a - b),
            [101, 102],
            "the source topic holds the second file's records only",
        );
        assert.deepEqual((await (await second.trino).query("SELECT 1")).rows, [[1]], "Trino answers");
    });
});

const FIXTURES = path.join(__dirname, "fixtures", "shared-lifecycle");

interface LifecycleEvent {
    file: string;
    pid: number;
    event: "use" | "after";
    moto?: number;
    motoAlive?: boolean;
}

/** Processes (pid and command) with their working folder, an open file or an argument under `dir`. */
function holdersOf(dir: string): string[] {
    const found: string[] = [];
    for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
        try {
            const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
            const links = [`/proc/${pid}/cwd`, ...fs.readdirSync(`/proc/${pid}/fd`).map((fd) => `/proc/${pid}/fd/${fd}`)].map((l) => {
                try {
                    return fs.readlinkSync(l);
                } catch {
                    return "";
                }
            });
            if (cmd.includes(dir) || links.some((l) => l.startsWith(dir))) found.push(`${pid} ${cmd.slice(0, 120)}`);
        } catch {
            /* gone, or not ours to read */
        }
    }
    return found;
}

/** Runs the fixture files in a mocha of their own; its temporary files (the servers' folders) in a fresh TMPDIR. */
function nestedRun(files: string[], mochaArgs: string[]): { events: LifecycleEvent[]; tmp: string } {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-shared-lifecycle-"));
    const log = path.join(tmp, "events.jsonl");
    const args = ["--no-config", "-r", "ts-node/register", "-r", "test/preflight.ts", "--extension", "ts", "--timeout", "600000", ...mochaArgs];
    const r = spawnSync(
        process.execPath,
        [path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js"), ...args, ...files.map((f) => path.join(FIXTURES, `${f}.ts`))],
        {
            cwd: ROOT,
            // Without this file's worker id: the nested mocha's own workers get theirs.
            env: { ...process.env, MOCHA_WORKER_ID: undefined, TMPDIR: tmp, BDOK_SHARED_LOG: log },
            encoding: "utf8",
            timeout: 9 * 60_000,
        },
    );
    assert.equal(r.status, 0, `the nested mocha ${mochaArgs.join(" ")} ended with ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
    const events = fs.existsSync(log)
        ? fs
              .readFileSync(log, "utf8")
              .trim()
              .split("\n")
              .map((l) => JSON.parse(l) as LifecycleEvent)
        : [];
    return { events, tmp };
}

/** Waits (a worker's servers die just after it exits) until no process of the run is left. */
async function assertNoneLeft(events: LifecycleEvent[], tmp: string): Promise<void> {
    const motos = [...new Set(events.flatMap((e) => (e.moto ? [e.moto] : [])))];
    let left: string[] = [];
    for (let i = 0; i < 30; i++) {
        left = holdersOf(tmp);
        if (left.length === 0 && motos.every((pid) => !fs.existsSync(`/proc/${pid}`))) break;
        await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual(left, [], "no server of the run outlives it");
    assert.deepEqual(
        motos.filter((pid) => fs.existsSync(`/proc/${pid}`)),
        [],
        "no moto of the run outlives it",
    );
}

describe("engines: the shared servers start once per process and stop when the run ends", function () {
    this.timeout(20 * 60_000);

    before(function () {
        requireEngines(this);
    });

    it("under --parallel (the tier: mocharc.json), a worker running two files starts the lake once; none outlives the run", async () => {
        // Three files on two workers: one worker runs two of them (mocha hands a worker the next file).
        const { events, tmp } = nestedRun(["one", "two", "three"], ["--parallel", "--jobs", "2"]);
        const uses = events.filter((e) => e.event === "use");
        assert.equal(uses.length, 3, JSON.stringify(events));
        const byWorker = new Map<number, LifecycleEvent[]>();
        for (const u of uses) byWorker.set(u.pid, [...(byWorker.get(u.pid) ?? []), u]);
        assert.ok(
            [...byWorker.values()].some((files) => files.length >= 2),
            `a worker ran two files: ${JSON.stringify(uses)}`,
        );
        for (const [pid, files] of byWorker)
            assert.equal(
                new Set(files.map((f) => f.moto)).size,
                1,
                `worker ${pid} started the shared lake once for its files ${files.map((f) => f.file).join(", ")}: ${JSON.stringify(files)}`,
            );
        await assertNoneLeft(events, tmp);
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("in a serial run (one process, as when a file runs alone), the lake starts once and is stopped before the run's last hooks", async () => {
        const { events, tmp } = nestedRun(["one", "two"], []);
        const uses = events.filter((e) => e.event === "use");
        assert.equal(uses.length, 2, JSON.stringify(events));
        assert.equal(new Set(uses.map((u) => u.moto)).size, 1, `one lake for both files: ${JSON.stringify(uses)}`);
        assert.deepEqual(
            events.filter((e) => e.event === "after").map((e) => [e.file, e.motoAlive]),
            [
                ["one", false],
                ["two", false],
            ],
            "shared.ts's root after-all hook stopped moto before the files' own root hooks ran",
        );
        await assertNoneLeft(events, tmp);
        fs.rmSync(tmp, { recursive: true, force: true });
    });
});
