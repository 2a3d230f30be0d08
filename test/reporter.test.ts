// The closing line CI reads counts the tests a crashing hook kept from running.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

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
        { encoding: "utf8", cwd: ROOT },
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

    it("with BDOK_TIMINGS writes wall and CPU seconds per hook, test and file, children's CPU included, and the load", function () {
        this.timeout(120_000);
        const root = path.resolve(__dirname, "..");
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bdok-timings-")), "timings.txt");
        const fixture = path.join(root, "test/fixtures/reporter/timed.fixture.js");
        const r = spawnSync(
            process.execPath,
            [require.resolve("mocha/bin/mocha.js"), "--no-config", "--reporter", path.join(root, "test/reporter.js"), fixture],
            {
                encoding: "utf8",
                env: { ...process.env, BDOK_TIMINGS: file },
            },
        );
        assert.equal(r.status, 0, r.stdout + r.stderr);
        const lines = fs.readFileSync(file, "utf8").split("\n");
        assert.match(lines[0], /load average at start [\d.]+ [\d.]+ [\d.]+, at end [\d.]+ [\d.]+ [\d.]+; \d+ CPUs$/);
        const row = (re: RegExp) => {
            const line = lines.find((l) => re.test(l));
            assert.ok(line, `${re} in:\n${lines.join("\n")}`);
            const [, wall, cpu] = line.split(/\s+/).map(Number);
            return { wall, cpu };
        };
        const hook = row(/^hook .*timed "before all" hook/);
        const test = row(/^test .*: timed waits$/);
        const total = row(/^total /);
        row(/^file .*timed\.fixture\.js$/);
        assert.ok(hook.cpu >= 0.2, `the child's CPU is counted in its hook: ${hook.cpu} s`);
        assert.ok(test.wall >= 0.8 && test.cpu < 0.2, `a wait is wall, not CPU: ${JSON.stringify(test)}`);
        assert.ok(total.wall >= hook.wall + test.wall - 0.2 && total.cpu >= hook.cpu, JSON.stringify({ total, hook, test }));
    });
});
