// Mocha's spec reporter plus one plain closing line "N passed, N failed" that CI reads. Tests that
// were registered but never ran (a failing `before` hook skips its whole suite) count as failed
// and are listed, so one crashing fixture cannot hide the tests behind it.
// It also prints the run's wall and CPU time (a benchmark line for CI's log, never asserted) and,
// with BDOK_TEST_TIMINGS=<file.json>, writes each spec file's time there and lists the slowest.
const fs = require("fs");
const os = require("os");
const path = require("path");
const Mocha = require("mocha");

/** CPU seconds (user+sys) of this process and of the children it has reaped, as one figure. */
function cpuTotal() {
    const c = cpuSeconds();
    return c.own + c.children;
}

/**
 * With BDOK_TIMINGS=<file>: one line per test and hook (file, wall s, CPU s, title) and per file,
 * for finding where a tier's time goes. CPU counts this process and its reaped children (a server
 * is counted in the hook that stops it; a grandchild orphaned by a kill is not counted).
 */
function recordTimings(runner, file) {
    const rows = [];
    let mark = { wall: Date.now(), cpu: cpuTotal() };
    const start = () => (mark = { wall: Date.now(), cpu: cpuTotal() });
    const load0 = os.loadavg();
    const t0 = { wall: Date.now(), cpu: cpuTotal() };
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
            `total ${fmt((Date.now() - t0.wall) / 1000)} ${fmt(cpuTotal() - t0.cpu)}`,
            ...[...perFile].map(([f, t]) => `file  ${fmt(t.wall)} ${fmt(t.cpu)}  ${f}`),
            ...rows.filter((r) => r.wall >= 0.5).map((r) => `${r.kind.padEnd(5)} ${fmt(r.wall)} ${fmt(r.cpu)}  ${r.where}: ${r.title}`),
        ];
        fs.writeFileSync(file, lines.join("\n") + "\n");
    };
    const end = (kind) => (r) => {
        const where = (r.file || r.parent?.file || "").replace(process.cwd() + "/", "");
        rows.push({ where, kind, wall: (Date.now() - mark.wall) / 1000, cpu: cpuTotal() - mark.cpu, title: r.fullTitle ? r.fullTitle() : r.title });
        write(false);
        start();
    };
    runner.on("hook", start);
    runner.on("hook end", end("hook"));
    runner.on("test", start);
    runner.on("test end", end("test"));
    runner.once("end", () => write(true));
}

/** CPU seconds of this process and of the children it has waited for (/proc: Linux only). */
function cpuSeconds() {
    const own = process.cpuUsage();
    let children = 0;
    try {
        // Fields after the ")" of the command name: utime is the 14th field, cutime the 16th, cstime the 17th.
        const f = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
        children = (Number(f[13]) + Number(f[14])) / 100; // clock ticks; USER_HZ is 100 on Linux
    } catch {
        // not Linux: own time only
    }
    return { own: (own.user + own.system) / 1e6, children };
}

class BdokReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        const started = process.hrtime.bigint();
        // Counts written by test/preflight.ts's root hook (from --parallel's workers, or this process).
        const countsDir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-report-"));
        process.env.BDOK_REPORT_DIR = countsDir;
        const cpu0 = cpuSeconds();
        if (process.env.BDOK_TIMINGS) recordTimings(runner, process.env.BDOK_TIMINGS);
        const seen = new Set();
        const mark = (t) => seen.add(t);
        runner.on("pass", mark);
        runner.on("fail", (t) => t.type === "test" && mark(t));
        runner.on("pending", mark);

        // Per spec file: wall ms of its tests and hooks, and CPU ms: in a serial run this process's
        // between events (child processes not counted), under --parallel what the worker measured.
        const perFile = new Map();
        let lastCpu = process.cpuUsage();
        const account = (r) => {
            const now = process.cpuUsage();
            const file = path.relative(process.cwd(), r.file || (r.parent && r.parent.file) || "(root hooks)");
            const e = perFile.get(file) || { file, ms: 0, cpuMs: 0, tests: 0 };
            e.ms += r.duration || 0;
            e.cpuMs += (now.user - lastCpu.user + now.system - lastCpu.system) / 1000;
            if (r.type === "test") e.tests += 1;
            perFile.set(file, e);
            lastCpu = now;
        };
        runner.on("test end", account);
        runner.on("hook end", account);

        runner.once("end", () => {
            const s = runner.stats;
            let expected = runner.total;
            const notRun = [];
            const counts = fs.readdirSync(countsDir).map((f) => JSON.parse(fs.readFileSync(path.join(countsDir, f), "utf8")));
            fs.rmSync(countsDir, { recursive: true, force: true });
            if (counts.length) {
                expected = counts.reduce((n, c) => n + c.registered, 0);
                for (const c of counts) notRun.push(...c.notRun);
                // Under --parallel the workers measured each file's CPU (theirs and their children's).
                for (const c of counts.filter((c) => c.file)) {
                    const e = perFile.get(path.relative(process.cwd(), c.file));
                    if (e) e.cpuMs = (c.cpuOwn + c.cpuChildren) * 1000;
                }
            } else {
                // Spec files run without test/preflight.ts: this process holds every test.
                const walk = (suite) => {
                    for (const t of suite.tests) if (!seen.has(t)) notRun.push(t.fullTitle());
                    suite.suites.forEach(walk);
                };
                walk(runner.suite);
            }
            const executed = expected - notRun.length;
            process.stdout.write(`\nexecuted ${executed} of ${expected} registered tests\n`);
            if (notRun.length) {
                process.stdout.write(`not run (their suite's hook failed):\n${notRun.map((t) => `  - ${t}`).join("\n")}\n`);
                process.exitCode = 1;
            }
            const wall = Number(process.hrtime.bigint() - started) / 1e9;
            const cpu = cpuSeconds();
            const own = cpu.own - cpu0.own;
            const kids = cpu.children - cpu0.children;
            const load = os
                .loadavg()
                .map((l) => l.toFixed(1))
                .join(" ");
            process.stdout.write(
                `time: ${wall.toFixed(1)} s wall, ${(own + kids).toFixed(1)} s CPU (user+sys: ${own.toFixed(1)} s mocha, ${kids.toFixed(1)} s child processes), ${os.cpus().length} cores, load ${load}\n`,
            );
            const out = process.env.BDOK_TEST_TIMINGS;
            if (out) {
                const files = [...perFile.values()].sort((a, b) => b.ms - a.ms);
                fs.writeFileSync(out, JSON.stringify({ wall, cpuOwn: own, cpuChildren: kids, load: os.loadavg(), tests: expected, files }, null, 1));
                process.stdout.write(`slowest spec files (wall ms of tests and hooks, CPU ms, tests):\n`);
                for (const f of files.slice(0, 20))
                    process.stdout.write(
                        `  ${String(Math.round(f.ms)).padStart(7)} ${String(Math.round(f.cpuMs)).padStart(7)} ${String(f.tests).padStart(5)}  ${f.file}\n`,
                    );
            }
            process.stdout.write(`\n${s.passes} passed, ${s.failures + notRun.length} failed${s.pending ? `, ${s.pending} skipped` : ""}\n`);
        });
    }
}

module.exports = BdokReporter;
