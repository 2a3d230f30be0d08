// Mocha's spec reporter plus one plain closing line "N passed, N failed" that CI reads. Tests that
// were registered but never ran (a failing `before` hook skips its whole suite) count as failed
// and are listed, so one crashing fixture cannot hide the tests behind it.
const Mocha = require("mocha");

class BdokReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        const seen = new Set();
        const mark = (t) => seen.add(t);
        runner.on("pass", mark);
        runner.on("fail", (t) => t.type === "test" && mark(t));
        runner.on("pending", mark);
        runner.once("end", () => {
            const s = runner.stats;
            const expected = runner.total;
            const notRun = [];
            const walk = (suite) => {
                for (const t of suite.tests) if (!seen.has(t)) notRun.push(t.fullTitle());
                suite.suites.forEach(walk);
            };
            walk(runner.suite);
            const executed = expected - notRun.length;
            process.stdout.write(`\nexecuted ${executed} of ${expected} registered tests\n`);
            if (notRun.length) {
                process.stdout.write(`not run (their suite's hook failed):\n${notRun.map((t) => `  - ${t}`).join("\n")}\n`);
                process.exitCode = 1;
            }
            process.stdout.write(`\n${s.passes} passed, ${s.failures + notRun.length} failed${s.pending ? `, ${s.pending} skipped` : ""}\n`);
        });
    }
}

module.exports = BdokReporter;
