// Mocha's spec reporter plus one plain closing line "N passed, N failed" that CI reads. Tests that
// were registered but never ran (a failing `before` hook skips its whole suite) count as failed
// and are listed, so one crashing fixture cannot hide the tests behind it.
const Mocha = require("mocha");
const fs = require("fs");
const os = require("os");

/** CPU seconds (user+sys) of this process and of the children it has reaped (/proc/self/stat fields 14-17). */
function cpuSeconds() {
    try {
        const f = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
        return [11, 12, 13, 14].reduce((s, i) => s + Number(f[i]), 0) / 100;
    } catch {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e6;
    }
}

/**
 * With BDOK_TIMINGS=<file>: one line per test and hook (file, wall s, CPU s, title) and per file,
 * for finding where a tier's time goes. CPU counts this process and its reaped children (a server
 * is counted in the hook that stops it; a grandchild orphaned by a kill is not counted).
 */
function recordTimings(runner, file) {
    const rows = [];
    let mark = { wall: Date.now(), cpu: cpuSeconds() };
    const start = () => (mark = { wall: Date.now(), cpu: cpuSeconds() });
    const load0 = os.loadavg();
    const t0 = { wall: Date.now(), cpu: cpuSeconds() };
    // Rewritten after every row, so that a run stopped halfway keeps what it measured.
    const write = (final) => {
        const fmt = (n) => n.toFixed(1).padStart(7);
        const loads = (l) => l.map((x) => x.toFixed(2)).join(" ");
        const perFile = new Map();
        for (const r of rows) {
            const f = perFile.get(r.where) || { wall: 0, cpu: 0 };
            perFile.set(r.where, { wall: f.wall + r.wall, cpu: f.cpu + r.cpu });
        }
        const lines = [
            `# wall s, CPU s (user+sys, this process and reaped children); load average at start ${loads(load0)}, at end ${loads(os.loadavg())}; ${os.cpus().length} CPUs${final ? "" : " (the run has not ended)"}`,
            `total ${fmt((Date.now() - t0.wall) / 1000)} ${fmt(cpuSeconds() - t0.cpu)}`,
            ...[...perFile].map(([f, t]) => `file  ${fmt(t.wall)} ${fmt(t.cpu)}  ${f}`),
            ...rows.filter((r) => r.wall >= 0.5).map((r) => `${r.kind.padEnd(5)} ${fmt(r.wall)} ${fmt(r.cpu)}  ${r.where}: ${r.title}`),
        ];
        fs.writeFileSync(file, lines.join("\n") + "\n");
    };
    const end = (kind) => (r) => {
        const where = (r.file || r.parent?.file || "").replace(process.cwd() + "/", "");
        rows.push({ where, kind, wall: (Date.now() - mark.wall) / 1000, cpu: cpuSeconds() - mark.cpu, title: r.fullTitle ? r.fullTitle() : r.title });
        write(false);
        start();
    };
    runner.on("hook", start);
    runner.on("hook end", end("hook"));
    runner.on("test", start);
    runner.on("test end", end("test"));
    runner.once("end", () => write(true));
}

class BdokReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        if (process.env.BDOK_TIMINGS) recordTimings(runner, process.env.BDOK_TIMINGS);
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
