// Engines tier, the API producer (issue 23): the DAG's task code (the plan's DAG folder files:
// api_producer.py, its settings and the pinned client requirements, installed by the task's own pip
// call from PyPI with the hashes) polls an HTTP server this test starts, serving records shaped like
// randomuser.me's with malformed ones among them; it produces to the local mTLS Kafka as the plan's
// KafkaUser api-producer, whose ACLs refuse a write to another topic. The streaming job's real main,
// submitted as the plan's SparkApplication, carries the topic into the Iceberg table api_users, and
// Trino runs the query the stack prints. Expected rows are computed here from what was served.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { CACHE, Server, requireEngines } from "./env";
import { Broker, kafkaMissing, kafkaPlan } from "./kafka";
import { EnginePlan } from "./plan";
import { requireEngine, runAsync } from "./streams";
import { Trino } from "./trino";
import { RealtimeEnvironment, RealtimeFlow, startRealtimeEnvironment, tokenProviderJar } from "./realtime-flow";
import { inputsOf } from "../support";

const venvPython = () => path.join(CACHE, "venv-airflow", "bin", "python");
const USER = "api-producer";
const COUNTRIES = ["Norway", "Brazil", "Canada", "Norway", "Finland", "Brazil", "Norway", "Canada", "Iran", "Norway", "Brazil", "Spain"];

interface Served {
    raw: unknown;
    /** What the lake must hold for it (null: rejected by the producer). */
    expect: { uuid: string; name: string; email: string; country: string; birthdate: string; age: number } | null;
}

const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;

/** randomuser.me's result shape (https://randomuser.me/documentation#results), valid ones and broken ones. */
function served(): Served[] {
    const person = (i: number, country: string) => ({
        gender: i % 2 ? "female" : "male",
        name: { title: "Ms", first: `First${i}`, last: `Last${i}` },
        location: {
            street: { number: i, name: "Main St" },
            city: `City${i}`,
            state: i % 3 ? `State${i}` : "",
            country,
            postcode: i % 2 ? 10000 + i : `K${i}X 4E7`,
            coordinates: { latitude: String(-45 + i), longitude: String(100 + i) },
        },
        email: `Person${i}@Example.com`,
        login: { uuid: uuid(i), username: `user${i}`, password: "secret", sha256: "x" },
        dob: { date: `19${60 + i}-0${1 + (i % 9)}-15T10:00:00.000Z`, age: 30 + i },
        phone: "(272) 790-0888",
        id: { name: "SSN", value: "405-88-3636" },
        nat: "NO",
    });
    const out: Served[] = COUNTRIES.map((country, i) => {
        const p = person(i + 1, country);
        return {
            raw: p,
            expect: {
                uuid: p.login.uuid,
                name: `${p.name.first} ${p.name.last}`,
                email: p.email.toLowerCase(),
                country,
                birthdate: p.dob.date.slice(0, 10),
                age: p.dob.age,
            },
        };
    });
    const broken = (i: number, change: (p: any) => void) => {
        const p: any = person(100 + i, "Atlantis");
        change(p);
        return { raw: p, expect: null };
    };
    out.splice(
        3,
        0,
        broken(1, (p) => (p.login.uuid = "not-a-uuid")),
        broken(2, (p) => delete p.email),
        broken(3, (p) => (p.location.coordinates.latitude = "123.4")),
        broken(4, (p) => (p.dob.age = "thirty")),
        { raw: "not an object", expect: null },
        // The first record again: one person once.
        { raw: out[0].raw, expect: null },
    );
    return out;
}

describe("engines: API producer (HTTP API -> validated records over mTLS -> streaming job -> Iceberg api_users -> Trino)", function () {
    this.timeout(25 * 60_000);
    let work = "";
    let plan: EnginePlan;
    let env: RealtimeEnvironment | undefined;
    let broker: Broker;
    let httpServer: http.Server | undefined;
    let trino: Promise<Trino> | undefined;
    let job: Server | undefined;
    let flow: RealtimeFlow;
    const records = served();
    const valid = records.flatMap((r) => (r.expect ? [r.expect] : []));
    let dags = "";
    let requests: string[] = [];

    /** The task code of the DAG folder, run by the Airflow venv's Python: main(folder, work) as the task calls it. */
    const runTask = (code: string) =>
        runAsync(
            venvPython(),
            ["-c", `import sys, json; from pathlib import Path; sys.path.insert(0, ${JSON.stringify(dags)}); import api_producer as p\n${code}`],
            {
                timeoutMs: 300_000,
            },
        );

    before(async function () {
        requireEngines(this);
        requireEngine(this, "Kafka", kafkaMissing() ?? (fs.existsSync(tokenProviderJar()) ? undefined : `no ${tokenProviderJar()}`));
        requireEngine(this, "Airflow", fs.existsSync(venvPython()) ? undefined : `no ${venvPython()}`);
        env = await startRealtimeEnvironment("bdok-engines-api-");
        ({ work, plan, broker, flow, trino } = env);
        httpServer = http.createServer((req, res) => {
            requests.push(req.url ?? "");
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify({ results: records.map((r) => r.raw), info: { seed: "bdok", results: records.length, page: 1, version: "1.4" } }));
        });
        await new Promise<void>((r) => httpServer!.listen(0, "127.0.0.1", r));
        const port = (httpServer.address() as { port: number }).port;
        // The plan's DAG folder files, with only the local endpoints and the mounted files' paths changed.
        dags = path.join(work, "dags");
        fs.mkdirSync(dags);
        for (const f of ["api_producer.py", "api_requirements.txt", "api_users.json"]) {
            assert.ok(plan.dagFolder[f], `the plan's DAG folder holds ${f}`);
            fs.writeFileSync(path.join(dags, f), plan.dagFolder[f]);
        }
        const settings = JSON.parse(plan.dagFolder["api_users.json"]);
        assert.equal(settings.producer.topic, "api-users");
        const pki = broker.pki.dir;
        settings.producer = {
            ...settings.producer,
            url: `http://127.0.0.1:${port}/api/?results=${records.length}`,
            bootstrap_servers: broker.bootstrap,
            ca_file: broker.pki.clusterCa,
            cert_file: path.join(pki, `${USER}.crt`),
            key_file: path.join(pki, `${USER}.key`),
        };
        fs.writeFileSync(path.join(dags, "api_users.json"), JSON.stringify(settings));
    });

    after(async () => {
        await Promise.all([job?.stop(), new Promise((r) => (httpServer ? httpServer.close(r) : r(undefined)))]);
        if (work) console.log(`    (engines api logs: ${work})`);
    });

    it("the KafkaUser of the plan may write its topic only", () => {
        const acls = kafkaPlan(plan.run).users.get(USER);
        assert.deepEqual(acls, [{ resource: { type: "topic", name: "api-users", patternType: "literal" }, operations: ["Write", "Describe"], host: "*" }]);
    });

    it("the task installs its pinned client, polls the API once and produces every valid record, rejecting the malformed", async () => {
        requests = [];
        const out = await runTask(`print(json.dumps(p.main(Path(${JSON.stringify(dags)}), Path(${JSON.stringify(path.join(work, "client"))}))))`);
        const summary = JSON.parse(out.trim().split("\n").pop()!);
        assert.deepEqual(summary, { fetched: records.length, produced: valid.length, rejected: records.length - valid.length });
        assert.deepEqual(requests, [`/api/?results=${records.length}`]);
    });

    it("a write to another topic is refused to the producer's user", async () => {
        const code = `
sys.path.insert(0, ${JSON.stringify(path.join(work, "client"))})
s = p.load_settings(Path(${JSON.stringify(dags)}) / p.SETTINGS_FILE)
rec = {f: None for f in p.FIELDS}
rec.update(uuid="00000000-0000-4000-8000-000000000999", fetched_at=0)
try:
    p.produce(p.kafka_producer(s), "customers-transformed", [rec], flush_seconds=30)
    print("ACCEPTED")
except RuntimeError as error:
    print("REFUSED", error)
`;
        const out = (await runTask(code)).trim().split("\n").pop()!;
        assert.match(out, /^REFUSED .*TOPIC_AUTHORIZATION_FAILED/, out);
    });

    it("the streaming job (the plan's SparkApplication, --api-topic) lands each valid record once in api_users", async () => {
        assert.equal(flow.arg("--api-topic"), "api-users");
        job = await flow.start("streaming-api");
        await flow.waitRows("api users", valid.length, job, 10 * 60_000, undefined, "api_users");
        await new Promise((r) => setTimeout(r, 12_000));
        await job.stop();
        job = undefined;
        const t = await trino!;
        const rows = (
            await t.query(
                `SELECT uuid, name, email, country, CAST(birthdate AS varchar), age, to_unixtime(fetched_at) FROM iceberg."${flow.db}".api_users ORDER BY uuid`,
            )
        ).rows as any[][];
        const now = Date.now() / 1000;
        assert.deepEqual(
            rows.map((r) => r.slice(0, 6)),
            [...valid].sort((a, b) => a.uuid.localeCompare(b.uuid)).map((v) => [v.uuid, v.name, v.email, v.country, v.birthdate, v.age]),
        );
        for (const r of rows) assert.ok(now - r[6] < 1800 && now - r[6] >= 0, `fetched_at ${r[6]} is the poll's time`);
    });

    it("the query the stack prints returns the users per country of the last hour", async () => {
        const t = await trino!;
        const query = (plan.run.plan.outputs as Record<string, string>).apiTrinoQuery;
        assert.ok(query?.includes(`"${flow.db}".api_users`), "the stack's API query names the realtime database's table");
        const counts = new Map<string, number>();
        for (const v of valid) counts.set(v.country, (counts.get(v.country) ?? 0) + 1);
        const want = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
        assert.deepEqual((await t.query(query)).rows, want);
        assert.ok(!want.some(([c]) => c === "Atlantis"), "no rejected record reached the lake");
    });

    it("the task pod mounts the copied certificate where the settings point (DAG pod_override from the plan)", () => {
        const settings = JSON.parse(plan.dagFolder["api_users.json"]);
        const copy = plan.run.captured.find((c) => c.type === "kubernetes:core/v1:Secret" && inputsOf(c).metadata?.name === settings.pod.secret);
        assert.ok(copy, `the plan creates the Secret ${settings.pod.secret}`);
        for (const f of ["ca_file", "cert_file", "key_file"]) assert.ok(settings.producer[f].startsWith(settings.pod.mount + "/"), f);
    });
});
