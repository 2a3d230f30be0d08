// The lake's Iceberg maintenance (issue 18 item 3): it ships whenever a pipeline writes a namespace
// and maintains exactly those, with the batch pipeline off as well as on.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as YAML from "yaml";
import { sha256 } from "../../lib/hash";
import { pipelinePath, readPipelineFile } from "../files";
import { Captured, PlanRun, ROOT } from "../../tools/harness";
import { validateCustomResource } from "../../tools/schemas";
import { descendants, inputsOf, ofType, one, planWith, rbacAllows, transitiveDeps } from "../../test/support";
import { MAINTENANCE_JOB, MAINTENANCE_JOBS_PREFIX, maintenanceArguments, writtenNamespaces } from "./specs";
import { templatePath } from "../dag-folder";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const RELEASE = "kubernetes:helm.sh/v3:Release";

/** The DAG folder as Airflow's dag-processor mounts it: path -> content (empty when Airflow has no DAG). */
function dagFolder(run: PlanRun): Record<string, string> {
    const airflow = one(run, "bdok:platform:Airflow");
    const release = descendants(run, airflow.urn).find((c) => c.type === RELEASE)!;
    const items: { key: string; path: string }[] = (inputsOf(release).values.dagProcessor?.extraVolumes ?? []).flatMap((v: any) => v.configMap?.items ?? []);
    const maps = descendants(run, airflow.urn).filter((c) => c.type === CONFIG_MAP && items.some((i) => i.key in (inputsOf(c).data ?? {})));
    assert.ok(maps.length <= 1, "one Airflow ConfigMap holds the DAG folder");
    return maps.length ? Object.fromEntries(items.map((i) => [i.path, inputsOf(maps[0]).data[i.key]])) : {};
}

const databases = (run: PlanRun) => run.plan.outputs.icebergDatabases as Record<string, string>;

/** What the job's own parse_args makes of the template's arguments (python3 -m ...). */
function parsedDatabases(args: string[]): Record<string, string> {
    const code = [
        "import json, sys",
        "from pipelines.maintenance.jobs import iceberg_maintenance as m",
        "print(json.dumps(m.parse_args(json.loads(sys.argv[1]), env={}).databases))",
    ].join("\n");
    const r = spawnSync("python3", ["-c", code, JSON.stringify(args)], { cwd: ROOT, encoding: "utf8", env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
}

describe("lake maintenance (pure)", () => {
    it("maintains the namespaces the pipelines that are on write", () => {
        for (const [batch, realtime, expected] of [
            [true, true, ["imdb", "realtime"]],
            [false, true, ["realtime"]],
            [true, false, ["imdb"]],
            [false, false, []],
        ] as const) {
            assert.deepEqual(writtenNamespaces({ batch, realtime }), expected, `batch ${batch}, realtime ${realtime}`);
        }
    });

    it("refuses to build a job with nothing to maintain", () => {
        assert.throws(() => maintenanceArguments({ bucket: "b", databases: {} }, "r"), /no namespace to maintain/);
    });
});

describe("lake maintenance in the plan", () => {
    for (const [batch, realtime] of [
        [false, true],
        [true, false],
        [true, true],
    ] as const) {
        describe(`batch ${batch ? "on" : "off"}, realtime ${realtime ? "on" : "off"}`, () => {
            let run: PlanRun;
            before(async function () {
                this.timeout(240_000);
                run = await planWith("dev", { "bdok:pipelines": { batch, realtime } });
            });

            it("ships the daily DAG and its template, maintaining each written namespace's database, as the job parses them", () => {
                const folder = dagFolder(run);
                assert.equal(folder["iceberg_maintenance.py"], readPipelineFile("maintenance/dags/iceberg_maintenance.py"));
                const app = YAML.parse(folder[templatePath(MAINTENANCE_JOB)]);
                assert.deepEqual(validateCustomResource(app), []);
                const dbs = databases(run);
                const expected = Object.fromEntries(writtenNamespaces({ batch, realtime }).map((ns) => [ns, dbs[ns]]));
                assert.deepEqual(Object.keys(dbs).sort(), Object.keys(expected).sort(), "a Glue database per written namespace, no other");
                assert.deepEqual(parsedDatabases(app.spec.arguments), expected);
                assert.equal(app.spec.mainApplicationFile, `s3a://${run.plan.outputs.lakeBucket}/${MAINTENANCE_JOBS_PREFIX}/iceberg_maintenance.py`);
            });

            it("uploads the job with its content hash, and puts the lake ConfigMap its pods mount in the airflow namespace", () => {
                const component = one(run, "bdok:pipelines:LakeMaintenance");
                const own = descendants(run, component.urn);
                const upload = own.filter((c) => c.type === "aws:s3/bucketObjectv2:BucketObjectv2");
                assert.equal(upload.length, 1);
                assert.equal(inputsOf(upload[0]).key, `${MAINTENANCE_JOBS_PREFIX}/iceberg_maintenance.py`);
                assert.equal(inputsOf(upload[0]).sourceHash, sha256(fs.readFileSync(pipelinePath(MAINTENANCE_JOB.file))));
                const cm = own.filter((c) => c.type === CONFIG_MAP).map(inputsOf);
                assert.deepEqual(
                    cm.map((c) => `${c.metadata.namespace}/${c.metadata.name}`),
                    ["airflow/bdok-lake-tables"],
                );
                assert.equal(cm[0].data["tables.json"], readPipelineFile("tables.json"));
            });

            it("lets Airflow submit it and the airflow namespace's Spark pods commit to every maintained database", () => {
                const role = run.captured.find((c) => /airflow-submitter/.test(c.name) && c.type === "kubernetes:rbac.authorization.k8s.io/v1:Role");
                assert.ok(role, "the submitter Role");
                assert.ok(rbacAllows(inputsOf(role).rules, "sparkoperator.k8s.io", "sparkapplications", "create"));
                const policies = ofType(run, "aws:iam/rolePolicy:RolePolicy").filter((p: Captured) => p.name.startsWith("spark-operator-airflow"));
                assert.equal(policies.length, 1, policies.map((p) => p.name).join(", "));
                const text = inputsOf(policies[0]).policy as string;
                for (const db of Object.values(databases(run))) assert.ok(text.includes(`:database/${db}"`), `Glue ${db}`);
            });

            it("makes Airflow wait for it (its job and ConfigMap outlive the scheduler on destroy)", () => {
                const release = run.captured.find((c) => c.type === RELEASE && inputsOf(c).chart === "airflow")!;
                const deps = transitiveDeps(run, release.urn);
                const component = one(run, "bdok:pipelines:LakeMaintenance");
                for (const r of descendants(run, component.urn)) assert.ok(deps.has(r.urn), `Airflow may outlive ${r.name}`);
            });
        });
    }

    it("is absent when no pipeline writes the lake", async function () {
        this.timeout(240_000);
        const run = await planWith("dev", { "bdok:pipelines": { batch: false, realtime: false } });
        assert.equal(ofType(run, "bdok:pipelines:LakeMaintenance").length, 0);
        assert.equal(dagFolder(run)["iceberg_maintenance.py"], undefined);
        assert.deepEqual(databases(run), {});
    });
});
