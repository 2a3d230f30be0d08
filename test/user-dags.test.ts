// Users' own DAGs without TypeScript (pipelines/user.ts): a folder whose files the plan delivers
// into Airflow's DAG folder under user/, next to ours, with the checks ours get: each Python file
// compiles and each SparkApplication template validates against the pinned CRD with unknown fields
// rejected. That the real Airflow finds and parses them is the engines tier's
// (test/engines/airflow.test.ts, "parses ours and the user's DAG file, found under user/").
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { dagConfigMapKey } from "../platform/airflow/dags";
import { USER_JOBS_PREFIX, userDagFiles, userJobFiles } from "../pipelines/user";
import { sha256 } from "../lib/hash";
import { ROOT } from "../tools/harness";
import { validateCustomResource } from "../tools/schemas";
import { inputsOf, ofType, planWith } from "./support";
import { USER_DAGS_FIXTURE, USER_FIXTURES, USER_JOBS_FIXTURE } from "./user-fixtures";

const FIXTURE = USER_DAGS_FIXTURE;
const JOBS_FIXTURE = USER_JOBS_FIXTURE;

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
    });

    it("a DAG dropped into the folder is planned into the DAG ConfigMap and the Airflow pods' DAG volume, next to ours", async function () {
        this.timeout(120_000);
        const run = await planWith("dev", USER_FIXTURES);
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
        assert.deepEqual(checkUserFiles(userDagFiles(FIXTURE).files), []);
    });

    it("a job file dropped into bdok:airflow.userJobs is uploaded to spark-jobs/user/, where the user's template points through the Airflow Variable", async function () {
        this.timeout(120_000);
        const run = await planWith("dev", USER_FIXTURES);
        const objects = ofType(run, "aws:s3/bucketObjectv2:BucketObjectv2").filter((o) => String(inputsOf(o).key).startsWith(`${USER_JOBS_PREFIX}/`));
        assert.deepEqual(
            objects.map((o) => [inputsOf(o).key, inputsOf(o).source?.asset, o.parent?.split("::").pop()]),
            [[`${USER_JOBS_PREFIX}/hello_lake.py`, `${JOBS_FIXTURE}/hello_lake.py`, "user-jobs"]],
        );
        const sha = sha256(fs.readFileSync(path.join(ROOT, JOBS_FIXTURE, "hello_lake.py")));
        assert.equal(inputsOf(objects[0]).sourceHash, sha, "a content change re-uploads");
        // The template's Jinja names the Variable the Airflow pods get from their environment.
        const values = inputsOf(ofType(run, "kubernetes:helm.sh/v3:Release").find((r) => inputsOf(r).chart === "airflow")!).values;
        const env = Object.fromEntries((values.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
        assert.ok(env.AIRFLOW_VAR_BDOK_LAKE_BUCKET, "AIRFLOW_VAR_BDOK_LAKE_BUCKET on Airflow's containers");
        assert.equal(env.AIRFLOW_VAR_BDOK_LAKE_BUCKET, env.BDOK_LAKE_BUCKET, "the lake bucket");
        const template = YAML.parse(fs.readFileSync(path.join(ROOT, FIXTURE, "hello_lake.yaml"), "utf8"));
        assert.equal(template.spec.mainApplicationFile, `s3a://{{ var.value.bdok_lake_bucket }}/${inputsOf(objects[0]).key}`);
    });

    it("without user files the plan has no user uploads and no Variable (the project's user/ folders hold only READMEs)", async function () {
        this.timeout(120_000);
        assert.deepEqual(userJobFiles("user/jobs"), { uploads: [], issues: [] });
        const run = await planWith("dev", {});
        assert.ok(!run.captured.some((c) => c.type === "bdok:pipelines:UserJobs"));
        const values = inputsOf(ofType(run, "kubernetes:helm.sh/v3:Release").find((r) => inputsOf(r).chart === "airflow")!).values;
        assert.ok(!JSON.stringify(values.env ?? []).includes("AIRFLOW_VAR_"));
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
    const jobCases: { title: string; files: Record<string, string>; want: string[] | RegExp }[] = [
        { title: "job files; README and dotfiles stay", files: { "a.py": "x", "deps.zip": "z", "README.md": "r", ".keep": "" }, want: ["a.py", "deps.zip"] },
        { title: "a subfolder", files: { "lib/a.py": "x" }, want: /lib\/ is a folder; allowed: files directly in the folder/ },
        { title: "another kind of file", files: { "job.yaml": "x" }, want: /job\.yaml; allowed: \.py jobs/ },
        { title: "a name S3 and Pulumi would not take as is", files: { "my job.py": "x" }, want: /my job\.py; allowed: letters, digits/ },
    ];
    jobCases.forEach((c, i) => {
        it(`jobs folder: ${c.title}`, () => {
            const dir = path.join(root, `jobs${i}`);
            for (const [f, text] of Object.entries(c.files)) {
                fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
                fs.writeFileSync(path.join(dir, f), text);
            }
            const r = userJobFiles(`jobs${i}`, root);
            if (Array.isArray(c.want)) {
                assert.deepEqual(r.issues, []);
                assert.deepEqual(
                    r.uploads.map((u) => u.key),
                    c.want.map((f) => `${USER_JOBS_PREFIX}/${f}`),
                );
                assert.deepEqual(
                    r.uploads.map((u) => u.source),
                    c.want.map((f) => `jobs${i}/${f}`),
                );
            } else {
                assert.equal(r.issues.length, 1, r.issues.join("\n"));
                assert.match(r.issues[0], c.want);
                assert.match(r.issues[0], /^bdok:airflow\.userJobs \(jobs\d\): /);
                assert.deepEqual(r.uploads, []);
            }
        });
    });

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
