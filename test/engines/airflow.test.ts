// Engines tier: Airflow at versions.ts's version with the providers the apache/airflow image ships
// (test/engines/requirements-airflow.txt), over the DAG ConfigMap of the plan laid out as the kubelet
// lays it out. The real DagBag parses it; the real SparkKubernetesOperator builds each
// SparkApplication (stopped before the Kubernetes call) and the body is checked against the CRD;
// the real acquire task streams TSVs from a local HTTP server into a local S3 (moto).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import * as zlib from "zlib";
import { Captured } from "../../tools/harness";
import { validateCustomResource } from "../../tools/schemas";
import { inputsOf, planWith } from "../support";
import { USER_FIXTURES } from "../user-fixtures";
import { USER_JOBS_PREFIX } from "../../pipelines/user";
import { CACHE, startMoto } from "./env";
import { requireEngine, runAsync, tempDir } from "./streams";

const venvPython = () => path.join(CACHE, "venv-airflow", "bin", "python");

function airflowMissing(): string | undefined {
    if (!fs.existsSync(venvPython())) return `no ${venvPython()}`;
    return undefined;
}

interface Answer {
    import_errors: Record<string, string>;
    dags: Record<string, string[]>;
    files: string[];
    without_ignore_file: { error?: string; dags?: string[] };
    spark_bodies: Record<string, any>;
    acquired: { returned: Record<string, number>; objects: Record<string, string> };
}

// A few hundred rows per file in the IMDB layouts (tab-separated, header line, \N for null).
function imdbSample(table: string): string {
    const header: Record<string, string[]> = {
        "name.basics": ["nconst", "primaryName", "birthYear", "deathYear", "primaryProfession", "knownForTitles"],
        "title.basics": ["tconst", "titleType", "primaryTitle", "originalTitle", "isAdult", "startYear", "endYear", "runtimeMinutes", "genres"],
        "title.crew": ["tconst", "directors", "writers"],
        "title.principals": ["tconst", "ordering", "nconst", "category", "job", "characters"],
        "title.ratings": ["tconst", "averageRating", "numVotes"],
    };
    const cols = header[table];
    const rows = Array.from({ length: 300 }, (_, i) =>
        cols
            .map((c, j) => (j === 0 ? `${table.startsWith("name") ? "nm" : "tt"}${String(i + 1).padStart(7, "0")}` : i % 7 === j ? "\\N" : `${c}-${i}`))
            .join("\t"),
    );
    return [cols.join("\t"), ...rows].join("\n") + "\n";
}

/** The DAG ConfigMap of a plan, the Airflow pods' volume of it, the chart's values and the pods' environment. */
function dagFolderOf(plan: { captured: Captured[] }) {
    const release = plan.captured.find(
        (r: Captured) => r.type === "kubernetes:helm.sh/v3:Release" && inputsOf(r).values?.dags !== undefined && r.name === "airflow",
    );
    assert.ok(release, "the Airflow Release in the plan");
    const values = inputsOf(release).values;
    const volume = values.scheduler.extraVolumes.find((v: any) => v.configMap);
    const cm = plan.captured.find(
        (r: Captured) =>
            r.type === "kubernetes:core/v1:ConfigMap" &&
            inputsOf(r).metadata.namespace === "airflow" &&
            inputsOf(r).data?.[volume.configMap.items[0].key] !== undefined,
    );
    assert.ok(cm, "the DAGs ConfigMap");
    const env: Record<string, string> = Object.fromEntries(values.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    return { values, cm, volume, env };
}

describe("engines: Airflow DagBag (ours and users' DAGs), SparkKubernetesOperator bodies and the acquire task", function () {
    this.timeout(300_000);
    let answer: Answer;
    let dir = "";
    const samples = new Map<string, string>();
    let s3 = "";
    let bucket = "";
    let stopMoto: (() => Promise<void>) | undefined;
    let httpServer: http.Server | undefined;
    const served: string[] = [];
    let api = false;

    before(async function () {
        requireEngine(this, "Airflow", airflowMissing());
        // The dev stack with the sample user folders: users' DAGs get the checks ours get.
        const run = await planWith("dev", USER_FIXTURES);
        api = run.config.pipelines.api;
        const { values, cm, volume, env } = dagFolderOf(run);
        bucket = env.BDOK_LAKE_BUCKET;

        dir = tempDir("airflow");
        // moto's server from the Airflow venv (its own pin, requirements-airflow.txt).
        const moto = await startMoto(dir, path.join(path.dirname(venvPython()), "moto_server"));
        stopMoto = moto.stop;
        s3 = moto.endpoint;
        const created = await fetch(`${s3}/${bucket}`, { method: "PUT" });
        assert.ok(created.ok, `create bucket ${bucket}: ${created.status}`);

        httpServer = http.createServer((req, res) => {
            const m = /^\/(.+)\.tsv\.gz$/.exec(req.url ?? "");
            const body = m && samples.get(m[1]);
            served.push(req.url ?? "");
            if (!body) return void res.writeHead(404).end();
            res.writeHead(200, { "content-type": "application/octet-stream" }).end(zlib.gzipSync(body));
        });
        await new Promise<void>((r) => httpServer!.listen(0, "127.0.0.1", r));
        const httpPort = (httpServer.address() as { port: number }).port;

        const tables = ["title.ratings", "name.basics"];
        for (const t of tables) samples.set(t, imdbSample(t));
        const request = {
            dags_folder: path.join(dir, "dags"),
            data: inputsOf(cm).data,
            items: volume.configMap.items,
            core: values.config.core,
            env: {
                ...env,
                // Only the endpoint changes: the plan's connection, pointed at the local S3.
                AIRFLOW_CONN_AWS_DEFAULT: `${env.AIRFLOW_CONN_AWS_DEFAULT}&endpoint_url=${encodeURIComponent(s3)}`,
                AWS_ACCESS_KEY_ID: "testing",
                AWS_SECRET_ACCESS_KEY: "testing",
                AIRFLOW_HOME: path.join(dir, "home"),
                AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${path.join(dir, "airflow.db")}`,
            },
            acquire: { tables, imdb_base_url: `http://127.0.0.1:${httpPort}`, s3_endpoint: s3 },
        };
        fs.mkdirSync(request.dags_folder);
        const file = path.join(dir, "request.json");
        fs.writeFileSync(file, JSON.stringify(request));
        const out = await runAsync(venvPython(), [path.join(__dirname, "airflow_dagbag.py"), file], { timeoutMs: 240_000 });
        answer = JSON.parse(out.trim().split("\n").pop()!);
    });

    after(async () => {
        await stopMoto?.();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
        await new Promise((r) => (httpServer ? httpServer.close(r) : r(undefined)));
    });

    it("the DAG folder, laid out as the kubelet lays out the ConfigMap, parses with zero import errors", () => {
        assert.deepEqual(answer.import_errors, {});
        assert.deepEqual(Object.keys(answer.dags).sort(), ["api_users", "hello_lake", "iceberg_maintenance", "imdb_pipeline"]);
        assert.deepEqual(answer.dags.imdb_pipeline, ["acquire", "imdb_bronze", "imdb_silver"]);
        // The API producer's DAG (pipelines/api), with its settings file beside it.
        assert.deepEqual(answer.dags.api_users, ["poll_api"]);
        // Found through the top-level links, never under ..data or ..<timestamp>.
        assert.ok(
            answer.files.every((f) => !f.startsWith("..")),
            answer.files.join(", "),
        );
    });

    // Users' own DAGs (bdok:airflow.userDags, pipelines/user.ts): found under user/ next to ours.
    it("parses ours and the user's DAG file, found under user/ through the kubelet's links", () => {
        // (api_users.py with the API producer on; its module api_producer.py is no DAG file to Airflow.)
        const ours = [...(api ? ["api_users.py"] : []), "iceberg_maintenance.py", "imdb_pipeline.py"];
        assert.deepEqual([...new Set(answer.files)].sort(), [...ours, "user/hello_lake.py"]);
    });

    it("without the ignore file (platform/airflow/dags.ts DAGS_IGNORE) Airflow stops at the kubelet's ..data link", () => {
        assert.match(answer.without_ignore_file.error ?? JSON.stringify(answer.without_ignore_file), /Detected recursive loop/);
    });

    it("every SparkKubernetesOperator builds a SparkApplication valid against the v1beta2 CRD (additionalProperties: false)", () => {
        const bodies = Object.entries(answer.spark_bodies);
        assert.deepEqual(
            bodies.map(([t]) => t).sort(),
            ["hello_lake.count_titles", "iceberg_maintenance.iceberg_maintenance", "imdb_pipeline.imdb_bronze", "imdb_pipeline.imdb_silver"].sort(),
        );
        for (const [task, body] of bodies) {
            assert.equal(body.kind, "SparkApplication", task);
            // The provider adds its reattach labels to spec.labels as well as to driver and executor
            // (providers/cncf/kubernetes/operators/spark_kubernetes.py, _setup_spark_configuration):
            // the CRD (2.5.2) has no spec.labels, so the API server prunes it on create (structural
            // schema) and keeps the driver's and executor's, which find_spark_job matches on.
            assert.deepEqual(
                Object.keys(body.spec.labels ?? {}).sort(),
                Object.keys(body.spec.driver.labels)
                    .filter((k) => body.spec.labels?.[k] !== undefined)
                    .sort(),
                task,
            );
            const { labels: _pruned, ...spec } = body.spec;
            assert.deepEqual(validateCustomResource({ ...body, spec }), [], task);
            assert.equal(body.metadata.namespace, "airflow", task);
        }
    });

    it("the user's template reaches the user's uploaded job: the Variable the platform sets, rendered by the operator", () => {
        assert.equal(answer.spark_bodies["hello_lake.count_titles"].spec.mainApplicationFile, `s3a://${bucket}/${USER_JOBS_PREFIX}/hello_lake.py`);
    });

    it("acquire streams each IMDB file from the (local) download host, decompressed, to landing/imdb/<table>.tsv in the lake bucket", () => {
        assert.deepEqual(served.sort(), [...samples.keys()].map((t) => `/${t}.tsv.gz`).sort());
        const expected = Object.fromEntries([...samples].map(([t, tsv]) => [`landing/imdb/${t}.tsv`, tsv]));
        assert.deepEqual(answer.acquired.objects, expected);
    });
});
