// The plans kept on disk between runs (test/plan-cache.ts): an edit to anything a plan reads
// builds it again, a plan read back equals the one the program builds now, and a second run of
// an unchanged tree builds none.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runPlan } from "../tools/harness";
import { loadStackConfig } from "../tools/stack-files";
import { DiskCache, fingerprint, pruneOthers, type FingerprintInputs } from "./plan-cache";
import { planDiskCache, planKey, planOf, STACKS } from "./support";

describe("plan cache: the key", () => {
    let tmp: string;
    let inputs: FingerprintInputs;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-plan-cache-"));
        const root = path.join(tmp, "project");
        const charts = path.join(tmp, "charts");
        for (const [f, text] of Object.entries({
            "project/program.ts": "export const a = 1;\n",
            "project/platform/kafka/component.ts": "export const b = 2;\n",
            "project/platform/kafka/component.test.ts": "it('x', () => {});\n",
            "project/pipelines/batch/jobs/imdb_bronze.py": "print(1)\n",
            "project/Pulumi.dev.yaml": "config: {}\n",
            "project/test/support.ts": "export {};\n",
            "project/docs/operations.md": "# ops\n",
            "project/node_modules/@pulumi/pulumi/package.json": JSON.stringify({ version: "3.248.0" }),
            "project/node_modules/.cache/bdok/plans/x": "old\n",
            "project/.git/HEAD": "ref: refs/heads/main\n",
            "charts/SHA256SUMS": "abc  strimzi.tgz\n",
            "charts/strimzi.tgz": "tarball\n",
        })) {
            fs.mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
            fs.writeFileSync(path.join(tmp, f), text);
        }
        inputs = { root, extraDirs: [charts], packages: ["@pulumi/pulumi"], env: { BDOK_CHARTS_DIR: charts, PATH: "/usr/bin" } };
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const edit = (f: string, text: string) => () => {
        fs.mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
        fs.writeFileSync(path.join(tmp, f), text);
    };
    const table: { change: string; apply: (i: FingerprintInputs) => void; changesKey: boolean }[] = [
        { change: "a program file edited", apply: edit("project/program.ts", "export const a = 2;\n"), changesKey: true },
        { change: "a component file edited", apply: edit("project/platform/kafka/component.ts", "export const b = 3;\n"), changesKey: true },
        { change: "a file added beside the program", apply: edit("project/platform/kafka/values.ts", "export {};\n"), changesKey: true },
        { change: "a file removed", apply: () => fs.rmSync(path.join(tmp, "project/platform/kafka/component.ts")), changesKey: true },
        { change: "a file renamed", apply: () => fs.renameSync(path.join(tmp, "project/program.ts"), path.join(tmp, "project/program2.ts")), changesKey: true },
        { change: "a job the plan ships edited", apply: edit("project/pipelines/batch/jobs/imdb_bronze.py", "print(2)\n"), changesKey: true },
        { change: "a stack file edited", apply: edit("project/Pulumi.dev.yaml", "config: {a: 1}\n"), changesKey: true },
        { change: "a pinned chart replaced", apply: edit("charts/strimzi.tgz", "another tarball\n"), changesKey: true },
        {
            change: "an SDK upgraded",
            apply: edit("project/node_modules/@pulumi/pulumi/package.json", JSON.stringify({ version: "3.249.0" })),
            changesKey: true,
        },
        { change: "a BDOK_ variable set", apply: (i) => (i.env = { ...i.env, BDOK_CHARTS_CACHE: "/x" }), changesKey: true },
        { change: "AWS_REGION set", apply: (i) => (i.env = { ...i.env, AWS_REGION: "eu-west-1" }), changesKey: true },
        { change: "a unit test edited", apply: edit("project/platform/kafka/component.test.ts", "it('y', () => {});\n"), changesKey: false },
        { change: "a test helper edited", apply: edit("project/test/support.ts", "export const c = 1;\n"), changesKey: false },
        { change: "a docs page edited", apply: edit("project/docs/operations.md", "# operations\n"), changesKey: false },
        { change: "the cache itself written", apply: edit("project/node_modules/.cache/bdok/plans/y", "new\n"), changesKey: false },
        { change: "git state changed", apply: edit("project/.git/HEAD", "ref: refs/heads/other\n"), changesKey: false },
        {
            change: "the run's report folder set",
            apply: (i) => (i.env = { ...i.env, BDOK_REPORT_DIR: "/tmp/r", BDOK_TEST_TIMINGS: "/tmp/t" }),
            changesKey: false,
        },
        { change: "PATH changed", apply: (i) => (i.env = { ...i.env, PATH: "/bin" }), changesKey: false },
    ];
    for (const row of table) {
        it(`${row.change}: ${row.changesKey ? "a new key" : "the same key"}`, () => {
            const before = fingerprint(inputs);
            assert.equal(fingerprint(inputs), before, "stable");
            row.apply(inputs);
            assert.equal(fingerprint(inputs) !== before, row.changesKey);
        });
    }
});

describe("plan cache: the store", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-plan-store-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("builds once, then a new process's store reads it back equal, undefined members included", async () => {
        const value = { a: [1, "x", { b: undefined, c: null }], d: "y".repeat(100_000) };
        const first = new DiskCache<typeof value>(dir, "plan-k");
        assert.deepStrictEqual(await first.get("key", async () => value), value);
        const second = new DiskCache<typeof value>(dir, "plan-k");
        const back = await second.get("key", () => Promise.reject(new Error("built again")));
        assert.deepStrictEqual(back, value);
        assert.deepEqual(
            [first.stats, second.stats],
            [
                { hits: 0, builds: 1 },
                { hits: 1, builds: 0 },
            ],
        );
    });

    it("another key, a torn file or no folder builds", async () => {
        const store = new DiskCache<number>(dir, "plan-k");
        await store.get("one", async () => 1);
        assert.equal(await store.get("two", async () => 2), 2);
        for (const f of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, f), "torn");
        assert.equal(await new DiskCache<number>(dir, "plan-k").get("one", async () => 11), 11);
        const none = new DiskCache<number>(undefined, "plan-off");
        assert.equal(await none.get("one", async () => 3), 3);
        assert.equal(await none.get("one", async () => 4), 4);
        assert.deepEqual(none.stats, { hits: 0, builds: 2 });
    });

    it("a failed build is not stored", async () => {
        const store = new DiskCache<number>(dir, "plan-k");
        await assert.rejects(
            store.get("bad", () => Promise.reject(new Error("refused"))),
            /refused/,
        );
        assert.deepEqual(fs.readdirSync(dir), []);
    });

    it("pruning removes other trees' plans once they are 10 minutes old", async () => {
        for (const f of ["plan-aaa-1.v8", "plan-aaa-2.v8", "plan-bbb-1.v8", "plan-ccc-1.v8", "other.txt"]) fs.writeFileSync(path.join(dir, f), "");
        const old = new Date(Date.now() - 11 * 60_000);
        for (const f of ["plan-aaa-2.v8", "plan-bbb-1.v8", "other.txt"]) fs.utimesSync(path.join(dir, f), old, old);
        pruneOthers(dir, "plan-", "plan-aaa");
        assert.deepEqual(fs.readdirSync(dir).sort(), ["other.txt", "plan-aaa-1.v8", "plan-aaa-2.v8", "plan-ccc-1.v8"]);
    });
});

describe("plan cache: the stacks' plans", function () {
    this.timeout(300_000);
    for (const stack of STACKS) {
        // A stale hit (an input the key missed) or a lossy store would differ from the program's plan now.
        it(`${stack}: the plan the suites read equals the program's plan built now, and is on disk for the next run`, async () => {
            const used = await planOf(stack);
            const fresh = await runPlan(stack, loadStackConfig(stack));
            assert.deepStrictEqual(used, fresh);
            if (process.env.BDOK_PLAN_CACHE === "off") return;
            const again = new DiskCache<unknown>(planDiskCache().dir, planDiskCache().prefix);
            await again.get(planKey(stack, loadStackConfig(stack)), () => Promise.reject(new Error("not on disk")));
        });
    }
});
