// The closing line CI reads counts the tests a crashing hook kept from running.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
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
});
