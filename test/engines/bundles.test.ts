// Engines tier: bdok:airflow.dagBundles on the real Airflow. The bundle list the real chart renders
// into airflow.cfg from the plan, with only the repository's URL pointed at a local bare repository
// (file://), goes to Airflow's DagBundlesManager; the GitDagBundle (apache-airflow-providers-git,
// requirements-airflow.txt) clones it, checks out the tracking ref and the DAG processor's DagBag
// parses the bundle's subdir.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { planWith } from "../support";
import { SAMPLE_BUNDLE, renderedBundleList } from "../bundles";
import { gitConnId } from "../../platform/airflow/values";
import { CACHE } from "./env";
import { requireEngine, run, runAsync, tempDir } from "./streams";

const python = () => path.join(CACHE, "venv-airflow", "bin", "python");

function gitProviderMissing(): string | undefined {
    if (!fs.existsSync(python())) return `no ${python()}`;
    const sitePackages = path.join(CACHE, "venv-airflow", "lib");
    const found = fs
        .readdirSync(sitePackages)
        .some((py) => fs.existsSync(path.join(sitePackages, py, "site-packages", "airflow", "providers", "git", "bundles")));
    return found ? undefined : "apache-airflow-providers-git in venv-airflow (bash test/engines/install-streams.sh)";
}

const DAG = `from datetime import datetime

from airflow.sdk import dag, task


@dag(dag_id="from_git", schedule=None, start_date=datetime(2026, 1, 1), catchup=False)
def from_git():
    @task
    def hello():
        return "hello"

    hello()


from_git()
`;

describe("engines: DAG bundles from git (GitDagBundle on the real Airflow)", function () {
    this.timeout(300_000);
    let dir = "";
    let answer: any;
    let head = "";

    before(async function () {
        requireEngine(this, "Airflow's git provider", gitProviderMissing());
        dir = tempDir("bundles");
        // The user's repository: the DAG under the configured subdir, another file at the root,
        // and a later commit on another branch that must not be checked out.
        const work = path.join(dir, "work");
        const git = (...args: string[]) => run("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", ...args], { cwd: work });
        fs.mkdirSync(path.join(work, SAMPLE_BUNDLE.subdir), { recursive: true });
        git("init", "-q", "-b", SAMPLE_BUNDLE.ref);
        fs.writeFileSync(path.join(work, SAMPLE_BUNDLE.subdir, "from_git.py"), DAG);
        fs.writeFileSync(path.join(work, "setup.py"), "raise SystemExit('not a DAG file: outside the subdir')\n");
        git("add", "-A");
        git("commit", "-q", "-m", "dags");
        head = git("rev-parse", "HEAD").trim();
        git("checkout", "-q", "-b", "other");
        fs.writeFileSync(path.join(work, SAMPLE_BUNDLE.subdir, "other.py"), DAG.replace(/from_git/g, "other"));
        git("add", "-A");
        git("commit", "-q", "-m", "other");
        const bare = path.join(dir, "remote.git");
        run("git", ["clone", "-q", "--bare", work, bare]);

        const plan = await planWith("dev", { "bdok:airflow": { dagBundles: [SAMPLE_BUNDLE] } });
        const { list, env } = renderedBundleList(plan);
        // Only the endpoint changes: the plan's URL, in the bundle and in its connection, to file://.
        const url = `file://${bare}`;
        const local = list.split(JSON.stringify(SAMPLE_BUNDLE.url)).join(JSON.stringify(url));
        assert.notEqual(local, list, "the rendered list names the configured URL");
        const connVar = `AIRFLOW_CONN_${gitConnId(SAMPLE_BUNDLE.name).toUpperCase()}`;
        const out = await runAsync(python(), [path.join(__dirname, "airflow_bundles.py"), SAMPLE_BUNDLE.name], {
            env: {
                ...process.env,
                AIRFLOW_HOME: path.join(dir, "home"),
                AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${path.join(dir, "airflow.db")}`,
                AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST: local,
                AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH: path.join(dir, "bundles"),
                AIRFLOW__CORE__LOAD_EXAMPLES: "False",
                [connVar]: env[connVar].split(JSON.stringify(SAMPLE_BUNDLE.url)).join(JSON.stringify(url)),
            },
            timeoutMs: 240_000,
        });
        answer = JSON.parse(out.trim().split("\n").pop()!);
    });

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("Airflow builds the platform's dags-folder bundle and the configured GitDagBundle from the rendered list", () => {
        assert.deepEqual(answer.bundles, {
            "dags-folder": "airflow.dag_processing.bundles.local.LocalDagBundle",
            [SAMPLE_BUNDLE.name]: "airflow.providers.git.bundles.git.GitDagBundle",
        });
    });

    it("the bundle is the configured ref's commit, only its subdir, and its DAG parses with zero import errors", () => {
        assert.equal(answer.version, head, "the tracking ref's head, not the other branch's");
        assert.deepEqual(answer.files, ["from_git.py"]);
        assert.deepEqual(answer.import_errors, {});
        assert.deepEqual(answer.dags, ["from_git"]);
    });
});
