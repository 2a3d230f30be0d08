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
});
