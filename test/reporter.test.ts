// The closing line CI reads counts the tests a crashing hook kept from running.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
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

    it("counts the same under --parallel, where the reporter's process loads no spec file", () => {
        const root = path.resolve(__dirname, "..");
        const fixtures = path.join(root, "test/fixtures/reporter");
        const r = spawnSync(
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
                path.join(root, "test/preflight.ts"),
                "--reporter",
                path.join(root, "test/reporter.js"),
                path.join(fixtures, "crashing-hook.fixture.js"),
                path.join(fixtures, "passing.fixture.js"),
            ],
            { encoding: "utf8", cwd: root },
        );
        assert.notEqual(r.status, 0);
        assert.match(r.stdout, /^executed 3 of 5 registered tests$/m);
        assert.match(r.stdout, /^ {2}- a t2$/m);
        assert.match(r.stdout, /^2 passed, 3 failed, 1 skipped$/m);
    });

    it("closes with the run's wall and CPU time", () => {
        const root = path.resolve(__dirname, "..");
        const r = spawnSync(
            process.execPath,
            [
                require.resolve("mocha/bin/mocha.js"),
                "--no-config",
                "--reporter",
                path.join(root, "test/reporter.js"),
                path.join(root, "test/fixtures/reporter/passing.fixture.js"),
            ],
            { encoding: "utf8" },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^time: \d+\.\d s wall, \d+\.\d s CPU \(user\+sys: \d+\.\d s mocha, \d+\.\d s child processes\), \d+ cores, load /m);
    });
});
