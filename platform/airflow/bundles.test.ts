// bdok:airflow.dagBundles: Airflow 3 DAG bundles from git. The configuration's rules, and what the
// real chart renders into airflow.cfg from the plan's values (the engines tier hands that very line
// to the real Airflow's bundle manager: test/engines/bundles.test.ts).
import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../../config";
import { loadStackConfig } from "../../tools/stack-files";
import { releasesOf } from "../../tools/render";
import { planWith } from "../../test/support";
import { SAMPLE_BUNDLE, renderedBundleList } from "../../test/bundles";
import { DAGS_FOLDER_BUNDLE, GIT_BUNDLE_CLASS, gitConnId } from "./values";

function issuesOf(bundles: unknown): string {
    const raw = { ...loadStackConfig("dev"), "bdok:airflow": JSON.stringify({ dagBundles: bundles }) };
    try {
        parseConfig(raw, "dev");
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return (e as Error).message;
    }
    return "";
}

describe("bdok:airflow.dagBundles (Airflow 3 DAG bundles from git)", () => {
    const cases: { title: string; bundles: unknown; want: RegExp | "" }[] = [
        { title: "an https repository with a branch", bundles: [SAMPLE_BUNDLE], want: "" },
        { title: "an ssh repository, its root, a tag", bundles: [{ name: "b", url: "git@github.com:example/dags.git", ref: "v1.2" }], want: "" },
        { title: "ssh:// with a port", bundles: [{ name: "b", url: "ssh://git@git.example.org:2222/dags.git", ref: "main" }], want: "" },
        { title: "no ref", bundles: [{ name: "b", url: SAMPLE_BUNDLE.url }], want: /airflow\.dagBundles\[0\]\.ref: is required/ },
        { title: "plain http", bundles: [{ ...SAMPLE_BUNDLE, url: "http://github.com/example/dags.git" }], want: /\.url: .*allowed: a git URL: https:\/\// },
        { title: "a local path", bundles: [{ ...SAMPLE_BUNDLE, url: "file:///srv/dags.git" }], want: /\.url: .*allowed: a git URL/ },
        { title: "a URL with credentials", bundles: [{ ...SAMPLE_BUNDLE, url: "https://user:pass@github.com/x/y.git" }], want: /\.url: .*allowed: a git URL/ },
        { title: "a name with '-'", bundles: [{ ...SAMPLE_BUNDLE, name: "dags-folder" }], want: /\.name: .*allowed: a lower-case name/ },
        { title: "a subdir leaving the repository", bundles: [{ ...SAMPLE_BUNDLE, subdir: "../x" }], want: /\.subdir: .*allowed: a folder of the repository/ },
        { title: "a refresh below 30 s", bundles: [{ ...SAMPLE_BUNDLE, refreshSeconds: 5 }], want: /\.refreshSeconds: .*from 30 to 86400/ },
        { title: "two bundles of one name", bundles: [SAMPLE_BUNDLE, { ...SAMPLE_BUNDLE, ref: "dev" }], want: /dagBundles\[1\]\.name: got "team_dags" twice/ },
        { title: "an unknown key", bundles: [{ ...SAMPLE_BUNDLE, branch: "main" }], want: /dagBundles\[0\]\.branch: unknown key/ },
    ];
    for (const c of cases) {
        it(`${c.title}: ${c.want === "" ? "accepted" : "refused, saying what is allowed"}`, () => {
            const got = issuesOf(c.bundles);
            if (c.want === "") assert.equal(got, "");
            else assert.match(got, c.want);
        });
    }

    it("the real chart renders the plan's bundle list into airflow.cfg: the DAG folder first, then a GitDagBundle per repository", async function () {
        this.timeout(120_000);
        const run = await planWith("dev", { "bdok:airflow": { dagBundles: [SAMPLE_BUNDLE] } });
        const { list, env } = renderedBundleList(run);
        assert.deepEqual(JSON.parse(list), [
            // Airflow's default (config_templates/config.yml): our DAGs keep their bundle and paths.
            DAGS_FOLDER_BUNDLE,
            {
                name: "team_dags",
                classpath: GIT_BUNDLE_CLASS,
                kwargs: { tracking_ref: "main", subdir: "dags", git_conn_id: gitConnId("team_dags"), repo_url: SAMPLE_BUNDLE.url, refresh_interval: 300 },
            },
        ]);
        assert.deepEqual(JSON.parse(env.AIRFLOW_CONN_BDOK_GIT_TEAM_DAGS), { conn_type: "git", host: SAMPLE_BUNDLE.url });
    });

    it("without bundles Airflow keeps its default list (the chart renders no dag_bundle_config_list)", async function () {
        this.timeout(120_000);
        const run = await planWith("dev", {});
        const rel = releasesOf(run.captured).find((r) => r.chart === "airflow")!;
        assert.equal((rel.values as any).config.dag_processor, undefined);
        assert.ok(!JSON.stringify((rel.values as any).env).includes("AIRFLOW_CONN_BDOK_GIT"));
    });
});
