// The closing line CI reads counts the tests a crashing hook kept from running.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

describe("test reporter", () => {
    it("reports expected against executed counts, and counts tests behind a failed hook as failed", () => {
        const root = path.resolve(__dirname, "..");
        const r = spawnSync(
            process.execPath,
            [
                require.resolve("mocha/bin/mocha.js"),
                "--no-config",
                "--reporter",
                path.join(root, "test/reporter.js"),
                path.join(root, "test/fixtures/reporter/crashing-hook.fixture.js"),
            ],
            { encoding: "utf8" },
        );
        assert.notEqual(r.status, 0);
        assert.match(r.stdout, /^executed 1 of 3 registered tests$/m);
        assert.match(r.stdout, /^ {2}- a t1$/m);
        assert.match(r.stdout, /^1 passed, 3 failed$/m);
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
