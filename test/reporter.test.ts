// The closing line CI reads counts the tests a crashing hook kept from running.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

/** This run's environment without its own timing options: a fixture run must not write this run's timings file. */
function runEnv(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    delete env.BDOK_TIMINGS;
    delete env.BDOK_TEST_TIMINGS;
    return env;
}

/** mocha with the project's reporter over fixture files (test/fixtures/reporter), no .mocharc. */
function mochaOver(fixtures: string[], options: string[] = []) {
    return spawnSync(
        process.execPath,
        [
            require.resolve("mocha/bin/mocha.js"),
            "--no-config",
            ...options,
            "--reporter",
            path.join(ROOT, "test/reporter.js"),
            ...fixtures.map((f) => path.join(ROOT, "test/fixtures/reporter", f)),
        ],
        { encoding: "utf8", cwd: ROOT, env: runEnv() },
    );
}

describe("test reporter", () => {
    it("reports expected against executed counts, and counts tests behind a failed hook as failed", () => {
        const r = mochaOver(["crashing-hook.fixture.js"]);
        assert.notEqual(r.status, 0);
        assert.match(r.stdout, /^executed 1 of 3 registered tests$/m);
        assert.match(r.stdout, /^ {2}- a t1$/m);
        assert.match(r.stdout, /^1 passed, 3 failed$/m);
    });

    it("counts the same under --parallel, where the reporter's process loads no spec file", () => {
        const r = mochaOver(
            ["crashing-hook.fixture.js", "passing.fixture.js"],
            ["--parallel", "--jobs", "2", "--require", "ts-node/register", "--require", path.join(ROOT, "test/preflight.ts")],
        );
        assert.notEqual(r.status, 0);
        assert.match(r.stdout, /^executed 3 of 5 registered tests$/m);
        assert.match(r.stdout, /^ {2}- a t2$/m);
        assert.match(r.stdout, /^2 passed, 3 failed, 1 skipped$/m);
    });

    it("closes with the run's wall and CPU time", () => {
        const r = mochaOver(["passing.fixture.js"]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^time: \d+\.\d s wall, \d+\.\d s CPU \(user\+sys: \d+\.\d s mocha, \d+\.\d s child processes\), \d+ cores, load /m);
    });

    it("with BDOK_TIMINGS=<file> (level tests) writes wall and CPU seconds per hook, test and file, children's CPU included, and the load", function () {
        this.timeout(120_000);
        const root = path.resolve(__dirname, "..");
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bdok-timings-")), "timings.txt");
        const fixture = path.join(root, "test/fixtures/reporter/timed.fixture.js");
        const r = spawnSync(
            process.execPath,
            [require.resolve("mocha/bin/mocha.js"), "--no-config", "--reporter", path.join(root, "test/reporter.js"), fixture],
            {
                encoding: "utf8",
                env: { ...runEnv(), BDOK_TIMINGS: file },
            },
        );
        assert.equal(r.status, 0, r.stdout + r.stderr);
        const lines = fs.readFileSync(file, "utf8").split("\n");
        assert.match(lines[0], /load average at start [\d.]+ [\d.]+ [\d.]+, at end [\d.]+ [\d.]+ [\d.]+; \d+ CPUs; level tests$/);
        const row = (re: RegExp) => {
            const line = lines.find((l) => re.test(l));
            assert.ok(line, `${re} in:\n${lines.join("\n")}`);
            const [, wall, cpu] = line.split(/\s+/).map(Number);
            return { wall, cpu };
        };
        const hook = row(/^hook .*timed "before all" hook/);
        const test = row(/^test .*: timed waits$/);
        const total = row(/^total /);
        row(/^file .*timed\.fixture\.js \(1 tests\)$/);
        assert.ok(hook.cpu >= 0.2, `the child's CPU is counted in its hook: ${hook.cpu} s`);
        assert.ok(test.wall >= 0.8 && test.cpu < 0.2, `a wait is wall, not CPU: ${JSON.stringify(test)}`);
        assert.ok(total.wall >= hook.wall + test.wall - 0.2 && total.cpu >= hook.cpu, JSON.stringify({ total, hook, test }));
    });

    /** mocha --parallel over the timed fixture and a passing one, with `env` added. */
    function timedParallel(env: NodeJS.ProcessEnv) {
        return spawnSync(
            process.execPath,
            [
                require.resolve("mocha/bin/mocha.js"),
                "--no-config",
                "--parallel",
                "--jobs",
                "2",
                "--require",
                "ts-node/register",
                "--require",
                path.join(ROOT, "test/preflight.ts"),
                "--reporter",
                path.join(ROOT, "test/reporter.js"),
                ...["timed-files.fixture.js", "passing.fixture.js"].map((f) => path.join(ROOT, "test/fixtures/reporter", f)),
            ],
            { encoding: "utf8", cwd: ROOT, env: { ...runEnv(), ...env } },
        );
    }

    // The same option at its coarser level, for the main suite (--parallel): one row per spec file,
    // with the CPU its worker measured, children included, and the slowest files on stdout.
    for (const [name, value] of [
        ["BDOK_TIMINGS", (f: string) => `files:${f}`],
        ["BDOK_TEST_TIMINGS (its former name)", (f: string) => f],
    ] as const) {
        it(`with ${name} at level files under --parallel: per file, the workers' CPU, no test rows`, function () {
            this.timeout(120_000);
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bdok-timings-")), "timings.txt");
            const r = timedParallel(name === "BDOK_TIMINGS" ? { BDOK_TIMINGS: value(file) } : { BDOK_TEST_TIMINGS: value(file) });
            assert.equal(r.status, 0, r.stdout + r.stderr);
            const lines = fs.readFileSync(file, "utf8").split("\n");
            assert.match(lines[0], /; level files$/);
            const timed = lines.find((l) => /^file .*timed-files\.fixture\.js \(1 tests\)$/.test(l));
            assert.ok(timed, lines.join("\n"));
            const [, wall, cpu] = timed.split(/\s+/).map(Number);
            assert.ok(cpu >= 0.2, `the worker's child is counted in its file: ${cpu} s`);
            assert.ok(wall >= 0.8, `the file's wall: ${wall} s`);
            assert.ok(
                lines.find((l) => /^file .*passing\.fixture\.js/.test(l)),
                lines.join("\n"),
            );
            assert.equal(lines.filter((l) => /^(test|hook) /.test(l)).length, 0, "no test or hook rows at level files");
            assert.match(
                r.stdout,
                /^slowest spec files \(wall s of tests and hooks, CPU s, tests; all in .*\):\n +\d+\.\d +\d+\.\d +1 +test\/fixtures\/reporter\/timed-files\.fixture\.js$/m,
            );
        });
    }

    it("refuses a timings level it does not know, in one line", () => {
        const r = spawnSync(
            process.execPath,
            [
                require.resolve("mocha/bin/mocha.js"),
                "--no-config",
                "--reporter",
                path.join(ROOT, "test/reporter.js"),
                path.join(ROOT, "test/fixtures/reporter/passing.fixture.js"),
            ],
            { encoding: "utf8", cwd: ROOT, env: { ...runEnv(), BDOK_TIMINGS: "hooks:/tmp/x" } },
        );
        assert.equal(r.status, 2);
        assert.equal(r.stderr.trim(), "bdok: BDOK_TIMINGS=hooks:/tmp/x: allowed: [files:|tests:]<file>");
    });
});
