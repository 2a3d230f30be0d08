// The batch flow on real engines: generated IMDB files on a local HTTP server -> the DAG's acquire
// step into moto's S3 -> imdb_bronze and imdb_silver, the real mains, submitted as the plan's
// SparkApplications (pyspark 4.0.1, the listed packages from Maven Central) -> Iceberg tables in
// moto's Glue through Iceberg's GlueCatalog and S3FileIO -> Trino with the chart's iceberg catalog,
// running the query the stack prints. Expected rows come from imdb-data.ts, not from the jobs.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Server, requireEngines } from "./env";
import { SharedLake, freshLake } from "./shared";
import { EnginePlan, enginePlan, supersetDataset } from "./plan";
import { CHARTS } from "../../platform/superset/dashboard";
import { LocalLake } from "./spark";
import { Trino, startTrino } from "./trino";
import { HEADERS, expectedJohnWick, expectedSilver, generate, serveImdb, tsv } from "./imdb-data";
import { StepError, layDagFolder, localLake, python, runStep, trinoCatalogs } from "./lake";
import { readPipelineFile } from "../../pipelines/files";

const HERE = __dirname;

describe("Engines: batch flow (acquire -> imdb_bronze -> imdb_silver -> Iceberg in Glue -> Trino)", function () {
    this.timeout(20 * 60_000);
    let work: string;
    let moto: (Server & { endpoint: string }) | undefined;
    let imdb: { url: string; close(): Promise<void> } | undefined;
    let trino: Promise<Trino> | undefined;
    let plan: EnginePlan;
    let lake: LocalLake;
    const data = generate();
    const db = () => plan.databases.imdb;
    const q = async (sql: string) => (await (await trino!).query(sql)).rows;
    const count = async (table: string) => (await q(`SELECT count(*) FROM iceberg."${db()}".${table}`))[0][0];

    before(async function () {
        requireEngines(this);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-engines-batch-"));
        plan = await enginePlan();
        // The tier's moto and Trino (shared.ts), moto reset and the lake created again.
        let shared: SharedLake;
        [shared, imdb] = await Promise.all([freshLake(), serveImdb(data)]);
        ({ moto, trino } = shared);
        lake = localLake(plan, moto.endpoint, work);
        layDagFolder(plan, path.join(work, "dags"));
    });

    let failed = false;
    afterEach(function () {
        if (this.currentTest?.state === "failed") failed = true;
    });

    after(async function () {
        await imdb?.close();
        // Kept when a test failed, for its logs; removed otherwise.
        if (work && this.currentTest?.state !== "failed" && !failed) fs.rmSync(work, { recursive: true, force: true });
        else if (work) console.log(`    (engines batch logs: ${work})`);
    });

    it("acquire: the DAG's module streams every IMDB file, decompressed, into landing/imdb/", async () => {
        const out = await python([path.join(HERE, "acquire.py"), path.join(work, "dags"), imdb!.url, plan.bucket, moto!.endpoint], {
            AWS_DEFAULT_REGION: plan.region,
        });
        for (const [table, rows] of Object.entries(data.tables)) {
            assert.match(out, new RegExp(`${table.replace(".", "\\.")}: ${Buffer.byteLength(tsv(table, rows))} bytes`), `step acquire: ${table}`);
        }
    });

    it("imdb_bronze then imdb_silver (the plan's SparkApplications, the DAG's order) write the Iceberg tables", async () => {
        await runStep("imdb_bronze", plan, lake, "imdb-bronze");
        await runStep("imdb_silver", plan, lake, "imdb-silver");
    });

    it("Trino (the chart's iceberg catalog) reads every table: bronze row counts, the silver rows", async () => {
        for (const [table, rows] of Object.entries(data.tables)) {
            assert.equal(await count(table.replace(".", "_")), rows.length, `bronze ${table}: one row per line of the file`);
        }
        const silver = expectedSilver(data);
        assert.equal(await count("consolidated"), silver.length, "silver: one row per (title, principal, director)");
        const got = await q(`SELECT tconst, ordering, directors, primaryname, directorprimaryname FROM iceberg."${db()}".consolidated`);
        const want = silver.map((s) => [s.tconst, s.ordering, s.directors, s.primaryname, s.directorprimaryname]);
        const key = (r: unknown[]) => JSON.stringify(r);
        assert.deepEqual(got.map(key).sort(), want.map(key).sort());
    });

    it("the John Wick query the stack prints returns the expected rows", async () => {
        const rows = await q(plan.batchTrinoQuery);
        const want = expectedJohnWick(data);
        assert.ok(want.length >= 4, "the data holds the four films");
        assert.deepEqual(rows, want);
    });

    it("the Superset dashboard's John Wick chart: its dataset's SQL returns the expected rows, in the columns the chart shows", async () => {
        const ds = supersetDataset(plan.run, CHARTS.batch.dataset);
        const r = await (await trino!).query(ds.sql);
        assert.deepEqual(r.columns, ds.columns);
        assert.deepEqual(r.rows, expectedJohnWick(data));
    });

    it("a re-run replaces the tables' rows (one more snapshot each), it does not append", async () => {
        const before = await q(`SELECT count(*) FROM iceberg."${db()}"."consolidated$snapshots"`);
        await runStep("imdb_bronze (re-run)", plan, lake, "imdb-bronze");
        await runStep("imdb_silver (re-run)", plan, lake, "imdb-silver");
        for (const [table, rows] of Object.entries(data.tables))
            assert.equal(await count(table.replace(".", "_")), rows.length, `bronze ${table} after the re-run`);
        assert.equal(await count("consolidated"), expectedSilver(data).length, "silver after the re-run");
        const after = await q(`SELECT count(*) FROM iceberg."${db()}"."consolidated$snapshots"`);
        assert.equal(after[0][0], (before[0][0] as number) + 1);
        const ops = await q(`SELECT operation FROM iceberg."${db()}"."consolidated$snapshots" ORDER BY committed_at DESC LIMIT 1`);
        assert.equal(ops[0][0], "overwrite");
    });

    it("the maintenance job (its plan's arguments: both databases) maintains every existing table", async () => {
        const out = await runStep("iceberg_maintenance", plan, lake, "iceberg-maintenance");
        const args = plan.batchApps["iceberg-maintenance"].spec.arguments ?? [];
        assert.ok(args.includes(`imdb=${plan.databases.imdb}`) && args.includes(`realtime=${plan.databases.realtime}`), `both databases: ${args.join(" ")}`);
        const bronzeAndSilver = [...Object.keys(HEADERS).map((t) => t.replace(".", "_")), "consolidated"];
        for (const table of bronzeAndSilver) {
            for (const procedure of ["rewrite_data_files", "rewrite_manifests", "expire_snapshots", "remove_orphan_files"]) {
                assert.match(out, new RegExp(`CALL \\w+\\.system\\.${procedure}\\(table => '${db()}\\.${table}'`), `${procedure} on ${table}`);
            }
        }
        // The data is intact after compaction and orphan removal.
        assert.equal(await count("consolidated"), expectedSilver(data).length);
        assert.deepEqual(await q(plan.batchTrinoQuery), expectedJohnWick(data));
    });

    describe("a broken step fails the tier, naming the step", () => {
        it("imdb_silver with a wrong column name", async () => {
            const source = readPipelineFile("batch/jobs/imdb_silver.py");
            const broken = source.replace('names.select("nconst", "primaryname"', 'names.select("nconst", "primary_name"');
            assert.notEqual(broken, source, "the broken copy differs from the job");
            const file = path.join(work, "broken", "imdb_silver.py");
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, broken);
            await assert.rejects(runStep("imdb_silver", plan, lake, "imdb-silver", { mainFile: file }), (e: Error) => {
                assert.ok(e instanceof StepError, String(e));
                assert.match(e.message, /^step imdb_silver failed/);
                assert.match(e.message, /primary_name/, "the cause is shown");
                return true;
            });
        });

        it("Trino with a wrong catalog property", async () => {
            const good = trinoCatalogs(plan, moto!.endpoint);
            const [name, text] = Object.entries(good)[0];
            const broken = { [name]: text.replace("iceberg.catalog.type=", "iceberg.catalog.typ=") };
            assert.notDeepEqual(broken, good);
            const dir = fs.mkdtempSync(path.join(work, "broken-trino-"));
            await assert.rejects(startTrino(dir, broken), (e: Error) => {
                assert.match(e.message, /^step trino: Trino did not come up/);
                assert.match(e.message, /iceberg\.catalog\.typ/, "the log names the property");
                return true;
            });
        });
    });
});
