// Users' own DAGs without TypeScript (pipelines/user.ts): a folder whose files the plan delivers
// into Airflow's DAG folder under user/, next to ours, with the checks ours get: each Python file
// compiles and Airflow's folder discovery finds it (pipelines/tests/dag_discovery.py), and each
// SparkApplication template validates against the pinned CRD with unknown fields rejected.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { dagConfigMapKey, DAGS_IGNORE_FILE } from "../platform/airflow/dags";
import { userDagFiles } from "../pipelines/user";
import { ROOT } from "../tools/harness";
import { validateCustomResource } from "../tools/schemas";
import { inputsOf, ofType, planWith } from "./support";

const FIXTURE = "test/fixtures/user-dags";

/** Airflow's discovery over a DAG folder laid out as the kubelet does (the repository's model of it). */
function discover(payload: Record<string, string>): { dag_files?: string[]; error?: string } {
    const r = spawnSync("python3", ["-m", "pipelines.tests.dag_discovery"], {
        cwd: ROOT,
        input: JSON.stringify({ payload }),
        encoding: "utf8",
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
}

/** The checks every user file gets: Python compiles, SparkApplications validate strictly. */
function checkUserFiles(files: Record<string, string>): string[] {
    const problems: string[] = [];
    for (const [p, text] of Object.entries(files)) {
        if (p.endsWith(".py")) {
            const r = spawnSync("python3", ["-c", "import sys; compile(sys.stdin.read(), sys.argv[1], 'exec')", p], { input: text, encoding: "utf8" });
            if (r.status !== 0) problems.push(`${p}: ${r.stderr.trim().split("\n").pop()}`);
        }
        if (/\.ya?ml$/.test(p)) {
            for (const doc of YAML.parseAllDocuments(text)) {
                const obj = doc.toJS();
                if (obj?.kind === "SparkApplication") problems.push(...validateCustomResource(obj).map((i) => `${p}: ${i}`));
            }
        }
    }
    return problems;
}

describe("users' own DAGs (bdok:airflow.userDags)", () => {
    it("the project's user/dags folder holds only files that pass the checks", () => {
        const { files, issues } = userDagFiles("user/dags");
        assert.deepEqual(issues, []);
        assert.deepEqual(checkUserFiles(files), []);
        const py = Object.keys(files).filter((f) => f.endsWith(".py"));
        if (py.length)
            assert.deepEqual(
                discover(files)
                    .dag_files?.filter((f) => py.includes(f))
                    .sort(),
                py.sort(),
            );
    });

    it("a DAG dropped into the folder is planned into the DAG ConfigMap and the Airflow pods' DAG volume, next to ours", async function () {
        this.timeout(120_000);
        const run = await planWith("dev", { "bdok:airflow": { userDags: FIXTURE } });
        const cm = ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => c.name === "airflow-dags");
        assert.ok(cm, "the DAG ConfigMap");
        const data = inputsOf(cm).data as Record<string, string>;
        for (const f of ["hello_lake.py", "hello_lake.yaml"])
            assert.equal(data[dagConfigMapKey(`user/${f}`)], fs.readFileSync(path.join(ROOT, FIXTURE, f), "utf8"), f);
        assert.ok(!Object.keys(data).some((k) => /README/.test(k)), "README.md stays behind");
        assert.ok(data[dagConfigMapKey("imdb_pipeline.py")], "our DAG is still there");
        // The volume Airflow's pods mount: every ConfigMap key at its path, the user's under user/.
        const values = JSON.stringify(inputsOf(ofType(run, "kubernetes:helm.sh/v3:Release").find((r) => inputsOf(r).chart === "airflow")!).values);
        for (const f of ["hello_lake.py", "hello_lake.yaml"]) assert.ok(values.includes(`{"key":"${dagConfigMapKey(`user/${f}`)}","path":"user/${f}"}`), f);
        // What Airflow then parses: ours and the user's DAG, found through the ignore file.
        const payload: Record<string, string> = { [DAGS_IGNORE_FILE]: data[dagConfigMapKey(DAGS_IGNORE_FILE)] };
        for (const k of Object.keys(data)) payload[k.replace("__", "/")] = data[k];
        // (api_users.py with the API producer on; its module api_producer.py is no DAG file to Airflow.)
        const api = run.config.pipelines.api ? ["api_users.py"] : [];
        assert.deepEqual(discover(payload).dag_files, [...api, "iceberg_maintenance.py", "imdb_pipeline.py", "user/hello_lake.py"]);
        assert.deepEqual(checkUserFiles(userDagFiles(FIXTURE).files), []);
    });

    it("the checks fail on a broken DAG or a SparkApplication with an unknown field", () => {
        const bad = {
            "user/broken.py": "def dag(:\n",
            "user/app.yaml": YAML.stringify({
                ...YAML.parse(fs.readFileSync(path.join(ROOT, FIXTURE, "hello_lake.yaml"), "utf8")),
                spec: { type: "Python", colour: "red" },
            }),
        };
        const problems = checkUserFiles(bad);
        assert.ok(
            problems.some((p) => p.startsWith("user/broken.py: SyntaxError")),
            problems.join("\n"),
        );
        assert.ok(
            problems.some((p) => p.startsWith("user/app.yaml") && /colour/.test(p)),
            problems.join("\n"),
        );
    });

    // The folder's rules, one line per problem, before anything is planned.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-user-dags-"));
    after(() => fs.rmSync(root, { recursive: true, force: true }));
    const cases: { title: string; files: Record<string, string>; dir?: string; want: string[] | RegExp }[] = [
        { title: "a missing folder: nothing", files: {}, dir: "absent", want: [] },
        {
            title: "DAGs and templates; README and dotfiles stay",
            files: { "a.py": "x", "a.yaml": "y", "README.md": "r", ".keep": "" },
            want: ["user/a.py", "user/a.yaml"],
        },
        { title: "a subfolder", files: { "sub/a.py": "x" }, want: /sub\/ is a folder; allowed: files directly in the folder/ },
        { title: "another kind of file", files: { "notes.txt": "x" }, want: /notes\.txt; allowed: \.py DAGs/ },
        { title: "a name the DAG folder cannot hold", files: { "my dag.py": "x" }, want: /dagFiles: got path "user\/my dag\.py"/ },
        { title: "a folder outside the project", files: {}, dir: "../elsewhere", want: /allowed: a folder inside the project/ },
    ];
    cases.forEach((c, i) => {
        it(`folder: ${c.title}`, () => {
            const dir = path.join(root, `case${i}`);
            for (const [f, text] of Object.entries(c.files)) {
                fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
                fs.writeFileSync(path.join(dir, f), text);
            }
            const r = userDagFiles(c.dir ?? `case${i}`, root);
            if (Array.isArray(c.want)) {
                assert.deepEqual(r.issues, []);
                assert.deepEqual(Object.keys(r.files), c.want);
            } else {
                assert.equal(r.issues.length, 1, r.issues.join("\n"));
                assert.match(r.issues[0], c.want);
                assert.deepEqual(r.files, {});
            }
        });
    });
});
