// The pipelines' Python: every file compiles and the standard-library unit tests pass.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../tools/harness";
import { inBackground, runProcess } from "./support";

function pyFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? (e.name === "__pycache__" ? [] : pyFiles(p)) : e.name.endsWith(".py") ? [p] : [];
    });
}

// compile() is what py_compile does, without writing .pyc files into the tree.
const COMPILE = "import sys\nfor f in sys.argv[1:]:\n    compile(open(f, encoding='utf-8').read(), f, 'exec')";
const files = pyFiles(path.join(ROOT, "pipelines"));
const compiled = inBackground(() => runProcess("python3", ["-c", COMPILE, ...files]));
const unittests = inBackground(() =>
    runProcess("python3", ["-m", "unittest", "discover", "-s", "pipelines/tests", "-t", "."], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } }),
);

describe("pipelines (Python)", () => {
    it("every Python file compiles", async () => {
        assert.ok(files.length >= 8, `found ${files.length} files`);
        const r = await compiled();
        assert.equal(r.status, 0, r.stderr);
    });

    it("unit tests pass (python3 -m unittest)", async function () {
        this.timeout(120000);
        const r = await unittests();
        const ran = /Ran (\d+) tests?/.exec(r.stderr);
        assert.equal(r.status, 0, r.stderr.slice(-3000));
        assert.ok(ran && Number(ran[1]) > 0, "no Python test ran");
        // A skipped Python test would hide a regression: every one must run (.ci/run installs
        // what they need, e.g. python3-cryptography for the TLS issuer).
        const skipped = /skipped=(\d+)/.exec(r.stderr);
        assert.equal(skipped, null, `${skipped?.[1]} Python test(s) skipped; run python3 -m unittest -v discover -s pipelines/tests -t . for the reasons`);
        (this.test as Mocha.Test).title += ` (${ran![1]} Python tests, none skipped)`;
    });
});
