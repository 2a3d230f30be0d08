// Every command-line entry point, run as a child process with bad arguments and bad files: each
// ends with exit code 2 (3 for capacity), one message that names the flag, path or key, and no stack
// trace. The cases run concurrently; those that never reach planning take well under a second.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkOutputDir, checkOutputFile, parseArgs, readPlanFile, UsageError } from "../tools/cli";
import { ROOT } from "../tools/harness";

const FIXTURES = path.join(__dirname, "fixtures", "bad-config");
const PLAN_FILES = path.join(FIXTURES, "plan-files");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-cli-"));
const file = path.join(tmp, "a-file");
const readOnly = path.join(tmp, "read-only");

interface Case {
    tool: "plan" | "plan-diff" | "policy-run" | "bench";
    what: string;
    args: string[];
    code: number;
    /** Must appear in the first line of stderr: the flag, path or key the message names. */
    names: string;
    /** Also in the first line. */
    says?: RegExp;
}

const planFile = (f: string) => path.join(PLAN_FILES, f);
const cases: Case[] = [
    // plan: only a few, each loads the whole program.
    { tool: "plan", what: "an unknown flag", args: ["--stack", "dev", "--otu", tmp], code: 2, names: "--otu", says: /did you mean "--out"\?/ },
    { tool: "plan", what: "--out under /proc", args: ["--stack", "dev", "--out", "/proc/bdok-plan"], code: 2, names: "--out /proc/bdok-plan", says: /kernel file system/ },
    { tool: "plan", what: "--out onto an existing file", args: ["--stack", "dev", "--out", file], code: 2, names: `--out ${file}`, says: /is an existing file/ },
    { tool: "plan", what: "--out in a read-only folder", args: ["--stack", "dev", "--out", path.join(readOnly, "plan")], code: 2, names: readOnly, says: /read-only/ },
    { tool: "plan", what: "a missing --config file", args: ["--stack", "dev", "--config", path.join(tmp, "missing.yaml"), "--out", path.join(tmp, "p1")], code: 2, names: path.join(tmp, "missing.yaml"), says: /no such file/ },
    { tool: "plan", what: "an executor no node can hold", args: ["--stack", "dev", "--config", path.join(FIXTURES, "capacity", "spark-executor-larger-than-any-node.yaml"), "--out", path.join(tmp, "p2"), "--quiet"], code: 3, names: "bdok:spark.executorMemory", says: /^capacity of stack "dev": bdok:spark\.executorMemory: got "512g"/ },
    // plan:diff
    { tool: "plan-diff", what: "an unknown flag", args: [planFile("empty-object.json"), planFile("empty-object.json"), "--markdwon"], code: 2, names: "--markdwon", says: /did you mean "--markdown"\?/ },
    { tool: "plan-diff", what: "a missing plan file", args: [path.join(tmp, "nope.json"), planFile("empty-object.json")], code: 2, names: path.join(tmp, "nope.json") },
    { tool: "plan-diff", what: "a truncated plan file", args: [planFile("truncated.json"), planFile("truncated.json")], code: 2, names: planFile("truncated.json"), says: /truncated JSON/ },
    // policy: the same plan reader
    // (every plan file fixture goes through the reader in-process below)
    ...["truncated.json", "empty-object.json", "resources-not-a-list.json"].map((f): Case => ({ tool: "policy-run", what: `plan file ${f}`, args: [planFile(f)], code: 2, names: planFile(f), says: /allowed: a plan\.json written by npm run plan/ })),
    { tool: "policy-run", what: "an unknown flag", args: [planFile("empty-object.json"), "--mardown"], code: 2, names: "--mardown", says: /did you mean "--markdown"\?/ },
    { tool: "policy-run", what: "--emit-config --out under /proc", args: ["--emit-config", "dev", "--out", "/proc/bdok-policy.json"], code: 2, names: "--out /proc/bdok-policy.json" },
    // bench: rejected before it times anything
    { tool: "bench", what: "--runs without a number", args: ["--runs", "many"], code: 2, names: "--runs", says: /allowed: an integer from 1 to 100/ },
    { tool: "bench", what: "an unknown stack", args: ["--stacks", "dev,prdo", "--no-tests"], code: 2, names: "--stacks", says: /did you mean "prod"\?/ },
    { tool: "bench", what: "an unknown flag", args: ["--no-test"], code: 2, names: "--no-test", says: /did you mean "--no-tests"\?/ },
];

interface Result {
    status: number | null;
    stdout: string;
    stderr: string;
}

function run(c: Case): Promise<Result> {
    return new Promise((resolve) => {
        const p = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", `tools/${c.tool}.ts`, ...c.args], { cwd: ROOT });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => p.kill("SIGKILL"), 60000);
        p.stdout.on("data", (d) => (stdout += d));
        p.stderr.on("data", (d) => (stderr += d));
        p.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr });
        });
    });
}

/** Runs `fn` over `items`, at most `n` at a time (the machine has few cores). */
async function pool<T, R>(items: T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let next = 0;
    await Promise.all(Array.from({ length: n }, async () => {
        while (next < items.length) {
            const i = next++;
            out[i] = await fn(items[i]);
        }
    }));
    return out;
}

describe("command-line entry points with bad arguments and bad files", () => {
    let results: Result[];

    before(async function () {
        this.timeout(240000);
        fs.writeFileSync(file, "not a directory\n");
        fs.mkdirSync(readOnly, { mode: 0o555 });
        fs.chmodSync(readOnly, 0o555);
        results = await pool(cases, 4, run);
    });

    after(() => {
        fs.chmodSync(readOnly, 0o755);
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("covers plan, plan:diff, policy and bench, plan files of every kind", () => {
        for (const t of ["plan", "plan-diff", "policy-run", "bench"]) assert.ok(cases.filter((c) => c.tool === t).length >= 3, t);
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
            const more = r.stderr.trim().split("\n").slice(1).filter((l) => !/^(usage:|\s+npm run )/.test(l));
            assert.ok(more.length <= (c.code === 3 ? 7 : 0), r.stderr);
            assert.equal(r.stdout.trim(), "", "nothing on stdout");
        });
    });

    it("leaves nothing behind where the output was refused", () => {
        assert.ok(!fs.existsSync("/proc/bdok-plan"));
        assert.deepEqual(fs.readdirSync(readOnly), []);
        assert.equal(fs.readFileSync(file, "utf8"), "not a directory\n");
        assert.ok(!fs.existsSync(path.join(tmp, "p2", "plan.json")), "a capacity failure wrote plan.json");
    });
});

describe("command-line helpers (tools/cli.ts)", () => {
    const usage = "usage: tool [--out <dir>] [--quiet]";
    const spec = { "--out": "value", "--quiet": "switch" } as const;

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
            assert.throws(() => parseArgs(argv, spec, usage), (e: unknown) => e instanceof UsageError && message.test(e.message) && e.message.endsWith(usage), argv.join(" "));
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
            assert.throws(() => checkOutputDir(path.join(dir, "ro", "x"), "--dir"), (e: unknown) => e instanceof UsageError && e.message.startsWith(`--dir ${path.join(dir, "ro", "x")}: ${path.join(dir, "ro")} is read-only`));
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
            assert.throws(() => readPlanFile(p), (e: unknown) => e instanceof UsageError && e.message.startsWith(`${p}: `) && !e.message.includes("\n"), f);
        }
    });
});
