// Every command-line entry point with bad arguments and bad files: each ends with exit code 2 (3 for
// capacity), one message that names the flag, path or key, and no stack trace. The cases run the
// tools' main in-process (test/in-process.ts); the cases marked `child` run as child processes, as
// `npm run <tool>` does, so each tool's process boundary (its exit code, its streams) is tested
// (plan:diff's and policy's real runs: test/plan-diff.test.ts, test/policy.test.ts).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkOutputDir, checkOutputFile, Io, parseArgs, ProgramFailed, readPlanFile, runMain, UsageError } from "../tools/cli";
import { ConfigError } from "../lib/validate";
import { exitCodeOf } from "../tools/plan";
import { CapacityError } from "../tools/estimate/capacity";
import { chartTarball } from "../tools/helm";
import { charts as pinned } from "../versions";
import { inBackground, ProcessResult, runTool, STACKS } from "./support";
import { runInProcess } from "./in-process";

const FIXTURES = path.join(__dirname, "fixtures", "bad-config");
const PLAN_FILES = path.join(FIXTURES, "plan-files");
// Named now (the cases name paths inside), made when the runs start, removed when the whole run ends.
const tmp = path.join(os.tmpdir(), `bdok-cli-${process.pid}-${Date.now()}`);
const file = path.join(tmp, "a-file");
const notYaml = path.join(tmp, "not-yaml.yaml");
const readOnly = path.join(tmp, "read-only");

interface Case {
    tool: "plan" | "render" | "plan-diff" | "policy-run" | "bench";
    what: string;
    args: string[];
    code: number;
    /** Must appear in the first line of stderr: the flag, path or key the message names. */
    names: string;
    /** Also in the first line. */
    says?: RegExp;
    /** Run as a child process (the tool's one real-process case here); else its main in-process. */
    child?: true;
}

const planFile = (f: string) => path.join(PLAN_FILES, f);
const cases: Case[] = [
    // plan: only a few, each loads the whole program.
    { tool: "plan", what: "an unknown flag", args: ["--stack", "dev", "--otu", tmp], code: 2, names: "--otu", says: /did you mean "--out"\?/ },
    {
        tool: "plan",
        what: "--out under /proc",
        args: ["--stack", "dev", "--out", "/proc/bdok-plan"],
        code: 2,
        names: "--out /proc/bdok-plan",
        says: /kernel file system/,
    },
    {
        tool: "plan",
        what: "--out onto an existing file",
        args: ["--stack", "dev", "--out", file],
        code: 2,
        names: `--out ${file}`,
        says: /is an existing file/,
    },
    {
        tool: "plan",
        what: "--out in a read-only folder",
        args: ["--stack", "dev", "--out", path.join(readOnly, "plan")],
        code: 2,
        names: readOnly,
        says: /read-only/,
    },
    {
        tool: "plan",
        what: "a missing --config file",
        args: ["--stack", "dev", "--config", path.join(tmp, "missing.yaml"), "--out", path.join(tmp, "p1")],
        code: 2,
        names: path.join(tmp, "missing.yaml"),
        says: /no such file/,
    },
    {
        tool: "plan",
        what: "an executor no node can hold",
        args: [
            "--stack",
            "dev",
            "--config",
            path.join(FIXTURES, "capacity", "spark-executor-larger-than-any-node.yaml"),
            "--out",
            path.join(tmp, "p2"),
            "--quiet",
        ],
        code: 3,
        names: "bdok:spark.executorMemory",
        says: /^capacity of stack "dev": bdok:spark\.executorMemory: got "512g"/,
    },
    // render: all but the --config cases stop before the program is loaded.
    { tool: "render", what: "an unknown flag", args: ["--stak", "dev"], code: 2, names: "--stak", says: /did you mean "--stack"\?/, child: true },
    { tool: "render", what: "no --stack", args: ["--out", tmp], code: 2, names: "--stack", says: /is required/ },
    {
        tool: "render",
        what: "an unknown stack",
        args: ["--stack", "prdo"],
        code: 2,
        names: "--stack prdo",
        says: new RegExp(`did you mean "prod"\\?; allowed: ${STACKS.join(", ")}`),
    },
    {
        tool: "render",
        what: "--out onto an existing file",
        args: ["--stack", "dev", "--out", file],
        code: 2,
        names: `--out ${file}`,
        says: /is an existing file/,
    },
    {
        tool: "render",
        what: "--out under /proc",
        args: ["--stack", "dev", "--out", "/proc/bdok-render"],
        code: 2,
        names: "--out /proc/bdok-render",
        says: /kernel file system/,
    },
    {
        tool: "render",
        what: "a --config file that is not YAML",
        args: ["--stack", "dev", "--config", notYaml, "--out", path.join(tmp, "r1")],
        code: 2,
        names: notYaml,
        says: /not valid YAML/,
    },
    // plan:diff
    {
        tool: "plan-diff",
        what: "an unknown flag",
        args: [planFile("empty-object.json"), planFile("empty-object.json"), "--markdwon"],
        code: 2,
        names: "--markdwon",
        says: /did you mean "--markdown"\?/,
    },
    {
        tool: "plan-diff",
        what: "a missing plan file",
        args: [path.join(tmp, "nope.json"), planFile("empty-object.json")],
        code: 2,
        names: path.join(tmp, "nope.json"),
    },
    {
        tool: "plan-diff",
        what: "a truncated plan file",
        args: [planFile("truncated.json"), planFile("truncated.json")],
        code: 2,
        names: planFile("truncated.json"),
        says: /truncated JSON/,
    },
    // policy: the same plan reader
    // (every plan file fixture goes through the reader in-process below)
    ...["truncated.json", "empty-object.json", "resources-not-a-list.json"].map((f): Case => ({
        tool: "policy-run",
        what: `plan file ${f}`,
        args: [planFile(f)],
        code: 2,
        names: planFile(f),
        says: /allowed: a plan\.json written by npm run plan/,
    })),
    {
        tool: "policy-run",
        what: "an unknown flag",
        args: [planFile("empty-object.json"), "--mardown"],
        code: 2,
        names: "--mardown",
        says: /did you mean "--markdown"\?/,
    },
    {
        tool: "policy-run",
        what: "--emit-config --out under /proc",
        args: ["--emit-config", "dev", "--out", "/proc/bdok-policy.json"],
        code: 2,
        names: "--out /proc/bdok-policy.json",
    },
    // bench: rejected before it times anything
    {
        tool: "bench",
        what: "--runs without a number",
        args: ["--runs", "many"],
        code: 2,
        names: "--runs",
        says: /allowed: an integer from 1 to 100/,
        child: true,
    },
    { tool: "bench", what: "an unknown stack", args: ["--stacks", "dev,prdo", "--no-tests"], code: 2, names: "--stacks", says: /did you mean "prod"\?/ },
    { tool: "bench", what: "an unknown flag", args: ["--no-test"], code: 2, names: "--no-test", says: /did you mean "--no-tests"\?/ },
];

function run(c: Case & { env?: NodeJS.ProcessEnv }): Promise<ProcessResult> {
    return c.child ? runTool(c.tool, c.args, { env: c.env, timeoutMs: 60000 }) : runInProcess(c.tool, c.args, { env: c.env });
}

/** Runs `fn` over `items`, at most `n` at a time (the machine has few cores). */
async function pool<T, R>(items: T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let next = 0;
    await Promise.all(
        Array.from({ length: n }, async () => {
            while (next < items.length) {
                const i = next++;
                out[i] = await fn(items[i]);
            }
        }),
    );
    return out;
}

function makeTmp(): void {
    fs.mkdirSync(tmp, { recursive: true });
    fs.writeFileSync(file, "not a directory\n");
    fs.writeFileSync(notYaml, "config:\n  bdok:azCount: [2\n");
    fs.mkdirSync(readOnly, { mode: 0o555 });
    fs.chmodSync(readOnly, 0o555);
}

// The child processes start with the run and work beside the in-process suites.
const badRuns = inBackground(
    () => {
        makeTmp();
        return pool(
            cases.filter((c) => c.child),
            2,
            run,
        );
    },
    () => {
        fs.chmodSync(readOnly, 0o755);
        fs.rmSync(tmp, { recursive: true, force: true });
    },
);

describe("command-line entry points with bad arguments and bad files", () => {
    const results: ProcessResult[] = [];

    before(async function () {
        this.timeout(240000);
        const children = [...(await badRuns())];
        // In-process: one at a time, in this hook (the runs capture this process's streams).
        for (const [i, c] of cases.entries()) results[i] = c.child ? children.shift()! : await run(c);
    });

    it("covers plan, render, plan:diff, policy and bench, plan files of every kind", () => {
        for (const t of ["plan", "render", "plan-diff", "policy-run", "bench"]) assert.ok(cases.filter((c) => c.tool === t).length >= 3, t);
        assert.ok(fs.readdirSync(PLAN_FILES).length >= 5);
    });

    cases.forEach((c, i) => {
        it(`${c.tool}: ${c.what} -> exit ${c.code}, one message naming ${c.names}`, () => {
            const r = results[i];
            assert.equal(r.status, c.code, `exit ${r.status}\nstderr:\n${r.stderr}\nstdout:\n${r.stdout}`);
            assert.doesNotMatch(r.stderr + r.stdout, /^\s+at /m, "a stack trace");
            const first = r.stderr.split("\n")[0];
            assert.ok(first.includes(c.names), `the first line does not name ${c.names}:\n${r.stderr}`);
            if (c.says) assert.match(first, c.says);
            // One message: the first line, then only the usage or a short capacity summary.
            const more = r.stderr
                .trim()
                .split("\n")
                .slice(1)
                .filter((l) => !/^(usage:|\s+npm run )/.test(l));
            assert.ok(more.length <= (c.code === 3 ? 7 : 0), r.stderr);
            assert.equal(r.stdout.trim(), "", "nothing on stdout");
        });
    });

    it("leaves nothing behind where the output was refused", () => {
        assert.ok(!fs.existsSync("/proc/bdok-plan") && !fs.existsSync("/proc/bdok-render"));
        assert.ok(!fs.existsSync(path.join(tmp, "r1")), "render wrote output for a bad --config file");
        assert.deepEqual(fs.readdirSync(readOnly), []);
        assert.equal(fs.readFileSync(file, "utf8"), "not a directory\n");
        assert.ok(!fs.existsSync(path.join(tmp, "p2", "plan.json")), "a capacity failure wrote plan.json");
    });
});

describe("command-line helpers (tools/cli.ts)", () => {
    const usage = "usage: tool [--out <dir>] [--quiet]";
    const spec = { "--out": "value", "--quiet": "switch" } as const;

    it("npm run plan prints a failed program's message alone with exit 1, like pulumi up; an unexpected error keeps its trace", () => {
        for (const [e, code] of [
            [new ProgramFailed("the program failed: https://x/crd.yaml: no sha256 pinned"), 1],
            [new CapacityError("does not fit", {} as ConstructorParameters<typeof CapacityError>[1]), 3],
            [new Error("a bug in the tool"), undefined],
        ] as const)
            assert.equal(exitCodeOf(e), code, (e as Error).message);
    });

    it("runMain: a tool's exit code and output; an expected error is its message alone, any other its stack with exit 1", async () => {
        const capture = () => {
            const got = { stdout: "", stderr: "" };
            const io: Io = { stdout: (t) => void (got.stdout += t), stderr: (t) => void (got.stderr += t) };
            return { got, io };
        };
        const codeOf = (e: unknown) => (e instanceof CapacityError ? 3 : undefined);
        const cases: Array<[string, (argv: string[], io: Io) => number | Promise<number>, number, RegExp, string]> = [
            ["returns", (argv, io) => (io.stdout(`${argv.join(" ")}\n`), 5), 5, /^$/, "a b\n"],
            ["resolves", async () => 0, 0, /^$/, ""],
            [
                "a usage error",
                () => {
                    throw new UsageError("--x is wrong\nusage: t");
                },
                2,
                /^--x is wrong\nusage: t\n$/,
                "",
            ],
            [
                "a configuration error",
                () => {
                    throw new ConfigError(["bdok:x: bad"]);
                },
                2,
                /bdok:x: bad/,
                "",
            ],
            [
                "codeOf's error",
                async () => {
                    throw new CapacityError("does not fit", {} as ConstructorParameters<typeof CapacityError>[1]);
                },
                3,
                /^does not fit\n$/,
                "",
            ],
            [
                "an unexpected error",
                () => {
                    throw new Error("a bug");
                },
                1,
                /^Error: a bug\n\s+at /,
                "",
            ],
        ];
        for (const [what, main, code, stderr, stdout] of cases) {
            const { got, io } = capture();
            assert.equal(await runMain(main, ["a", "b"], io, codeOf), code, what);
            assert.match(got.stderr, stderr, what);
            assert.equal(got.stdout, stdout, what);
        }
    });

    it("an in-process run gives a child's exit code and output, and leaves this process's environment as it was", async () => {
        // The child-process cases ran at the start (badRuns); each again in-process gives the same.
        const children = await badRuns();
        const childCases = cases.filter((c) => c.child);
        assert.equal(children.length, childCases.length);
        for (const [i, c] of childCases.entries()) assert.deepEqual(await runInProcess(c.tool, c.args), children[i], c.what);
        // fetch:charts reads its default folder from BDOK_CHARTS_CACHE: the run sees the env given.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-in-process-"));
        for (const name of Object.keys(pinned) as (keyof typeof pinned)[])
            fs.symlinkSync(chartTarball(name), path.join(dir, path.basename(chartTarball(name))));
        const before = { ...process.env };
        try {
            const fetched = await runInProcess("fetch-charts", [], { env: { ...process.env, BDOK_CHARTS_CACHE: dir } });
            assert.deepEqual(fetched, { status: 0, stdout: `charts in ${dir}, verified against charts.lock.json\n`, stderr: "" });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.deepEqual({ ...process.env }, before);
    });

    it("parses values, --flag=value and switches, and names what is wrong", () => {
        assert.deepEqual(parseArgs(["--out", "x", "--quiet"], spec, usage), { flags: { "--out": "x", "--quiet": true }, positionals: [] });
        assert.deepEqual(parseArgs(["--out=x"], spec, usage).flags, { "--out": "x" });
        assert.deepEqual(parseArgs(["a.json"], spec, usage, 1).positionals, ["a.json"]);
        for (const [argv, message] of [
            [["--qiet"], /^unknown flag --qiet; did you mean "--quiet"\?/],
            [["--out"], /^--out needs a value/],
            [["--out", "--quiet"], /^--out needs a value/],
            [["--out=", "x"], /^--out needs a value/],
            [["--quiet=yes"], /^--quiet takes no value/],
            [["--out", "a", "--out", "b"], /^--out is given twice/],
            [["stray"], /^unexpected argument stray/],
        ] as Array<[string[], RegExp]>) {
            assert.throws(
                () => parseArgs(argv, spec, usage),
                (e: unknown) => e instanceof UsageError && message.test(e.message) && e.message.endsWith(usage),
                argv.join(" "),
            );
        }
    });

    it("checks an output directory before any work, creating nothing", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-out-"));
        try {
            assert.equal(checkOutputDir(path.join(dir, "new", "deeper")), path.join(dir, "new", "deeper"));
            assert.ok(!fs.existsSync(path.join(dir, "new")), "the check created the directory");
            fs.writeFileSync(path.join(dir, "f"), "");
            assert.throws(() => checkOutputDir(path.join(dir, "f")), /is an existing file/);
            assert.throws(() => checkOutputDir(path.join(dir, "f", "sub")), /is a file, not a directory/);
            assert.throws(() => checkOutputDir("/sys/kernel/bdok"), /under \/sys, a kernel file system/);
            assert.throws(() => checkOutputFile(dir, "--out"), /is a directory; allowed: a file path/);
            fs.mkdirSync(path.join(dir, "ro"), { mode: 0o555 });
            fs.chmodSync(path.join(dir, "ro"), 0o555);
            assert.throws(
                () => checkOutputDir(path.join(dir, "ro", "x"), "--dir"),
                (e: unknown) => e instanceof UsageError && e.message.startsWith(`--dir ${path.join(dir, "ro", "x")}: ${path.join(dir, "ro")} is read-only`),
            );
            fs.chmodSync(path.join(dir, "ro"), 0o755);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("reads a plan file, or names what is wrong with it in one line", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-plan-file-"));
        try {
            const good = path.join(dir, "plan.json");
            fs.writeFileSync(good, JSON.stringify({ stack: "dev", resources: [{ urn: "urn:pulumi:dev::bdok::x:y:Z::a", type: "x:y:Z", name: "a" }] }));
            assert.equal(readPlanFile(good).resources.length, 1);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        for (const f of fs.readdirSync(PLAN_FILES)) {
            const p = path.join(PLAN_FILES, f);
            assert.throws(
                () => readPlanFile(p),
                (e: unknown) => e instanceof UsageError && e.message.startsWith(`${p}: `) && !e.message.includes("\n"),
                f,
            );
        }
    });
});

const renderDir = path.join(os.tmpdir(), `bdok-plan-render-${process.pid}-${Date.now()}`);
const refusingCharts = path.join(renderDir, "charts");

// The pinned charts, but a Trino chart whose template fails as a chart's own `fail` would.
function chartsWithRefusingTrino(): void {
    const { chart, version } = pinned.trino;
    const file = `${chart}-${version}.tgz`;
    fs.mkdirSync(path.join(renderDir, "src", chart, "templates"), { recursive: true });
    fs.writeFileSync(path.join(renderDir, "src", chart, "Chart.yaml"), `apiVersion: v2\nname: ${chart}\nversion: ${version}\n`);
    fs.writeFileSync(path.join(renderDir, "src", chart, "templates", "refuse.yaml"), `{{ fail "trino refuses these values" }}\n`);
    fs.mkdirSync(refusingCharts);
    const tar = spawnSync("tar", ["-czf", path.join(refusingCharts, file), "-C", path.join(renderDir, "src"), chart]);
    assert.equal(tar.status, 0, String(tar.stderr));
    // The other pinned charts as verified where they are (a folder with SHA256SUMS, or the lock-checked cache).
    const sums: string[] = [];
    for (const name of Object.keys(pinned) as (keyof typeof pinned)[]) {
        if (name === "trino") continue;
        const tgz = chartTarball(name);
        fs.symlinkSync(tgz, path.join(refusingCharts, path.basename(tgz)));
        sums.push(`${crypto.createHash("sha256").update(fs.readFileSync(tgz)).digest("hex")}  ${path.basename(tgz)}`);
    }
    const sha = crypto
        .createHash("sha256")
        .update(fs.readFileSync(path.join(refusingCharts, file)))
        .digest("hex");
    fs.writeFileSync(path.join(refusingCharts, "SHA256SUMS"), [...sums, `${sha}  ${file}`].join("\n") + "\n");
}

// After the bad-argument runs: two whole plans with renders, one with the refusing chart. The good
// one is plan's real run as a child process; the refused one runs in-process.
const plan = (out: string, env: NodeJS.ProcessEnv, child?: true): Case & { env: NodeJS.ProcessEnv } => ({
    tool: "plan",
    what: out,
    args: ["--stack", "dev", "--out", path.join(renderDir, out), "--quiet"],
    code: 0,
    names: "",
    env,
    child,
});
const renderRuns = inBackground(
    async () => {
        await badRuns();
        fs.mkdirSync(renderDir, { recursive: true });
        chartsWithRefusingTrino();
        // Left from an earlier run: must not survive a failed plan as if it were this one.
        fs.mkdirSync(path.join(renderDir, "refused", "rendered"), { recursive: true });
        fs.writeFileSync(path.join(renderDir, "refused", "plan.json"), "{}");
        fs.writeFileSync(path.join(renderDir, "refused", "rendered", "trino.yaml"), "");
        return run(plan("ok", process.env, true));
    },
    () => fs.rmSync(renderDir, { recursive: true, force: true }),
);

describe("npm run plan renders every release, and a chart that refuses its values fails the plan", () => {
    const dir = renderDir;
    let ok: ProcessResult;
    let refused: ProcessResult;

    before(async function () {
        this.timeout(180000);
        ok = await renderRuns();
        refused = await run(plan("refused", { ...process.env, BDOK_CHARTS_DIR: refusingCharts }));
    });

    it("writes rendered/<release>.yaml next to plan.json, one per Helm release, as helm template gives it", () => {
        assert.equal(ok.status, 0, ok.stderr);
        const plan = JSON.parse(fs.readFileSync(path.join(dir, "ok", "plan.json"), "utf8"));
        const releases = plan.resources
            .filter((r: any) => r.type === "kubernetes:helm.sh/v3:Release")
            .map((r: any) => `${r.inputs.name}.yaml`)
            .sort();
        assert.ok(releases.length >= 5);
        assert.deepEqual(fs.readdirSync(path.join(dir, "ok", "rendered")).sort(), releases);
        const airflow = fs.readFileSync(path.join(dir, "ok", "rendered", "airflow.yaml"), "utf8");
        assert.match(airflow, /^# helm template airflow airflow-[\d.]+\.tgz --namespace \S+$/m);
        assert.match(airflow, /^# Source: airflow\/templates\/scheduler\/scheduler-deployment\.yaml$/m);
    });

    it("a chart that refuses: exit 2, the chart's own message in one line, no plan.json and no rendered files left", () => {
        assert.equal(refused.status, 2, refused.stderr);
        assert.doesNotMatch(refused.stderr + refused.stdout, /^\s+at /m, "a stack trace");
        const lines = refused.stderr.trim().split("\n");
        assert.equal(lines.length, 1, refused.stderr);
        assert.match(lines[0], /^chart trino 1\.42\.2 \(release trino\): .*trino refuses these values/);
        assert.equal(refused.stdout.trim(), "");
        assert.ok(!fs.existsSync(path.join(dir, "refused", "plan.json")), "a plan.json was left");
        assert.ok(!fs.existsSync(path.join(dir, "refused", "rendered")), "rendered files were left");
    });
});
