// Mocha's spec reporter plus one plain closing line "N passed, N failed" that CI reads. Tests that
// were registered but never ran (a failing `before` hook skips its whole suite) count as failed
// and are listed, so one crashing fixture cannot hide the tests behind it.
// It also prints the run's wall and CPU time (a benchmark line for CI's log, never asserted) and,
// with BDOK_TIMINGS=[files:|tests:]<file>, writes where that time went (see timingsOption).
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
 * The timings option: BDOK_TIMINGS=[files:|tests:]<file>. Level `files` writes each spec file's wall
 * and CPU seconds and lists the slowest (the main suite); `tests` adds one row per test and hook
 * (the engines tier), and is what a bare <file> means. BDOK_TEST_TIMINGS=<file>, the former name of
 * the files level, is still read this session.
 */
function timingsOption(env) {
    const value = env.BDOK_TIMINGS || (env.BDOK_TEST_TIMINGS ? `files:${env.BDOK_TEST_TIMINGS}` : "");
    if (!value) return undefined;
    const m = /^([a-z]+):(.*)$/.exec(value);
    if (!m) return { level: "tests", file: value };
    if (!["files", "tests"].includes(m[1]) || !m[2]) throw new Error(`BDOK_TIMINGS=${value}: allowed: [files:|tests:]<file>`);
    return { level: m[1], file: m[2] };
}

/**
 * Records wall and CPU seconds per test and hook, and sums them per spec file; writes them to
 * `file` after every row, so that a run stopped halfway keeps what it measured. CPU counts this
 * process and its reaped children (a server is counted in the hook that stops it; a grandchild
 * orphaned by a kill is not counted). Under --parallel the tests run in workers: a row's wall is
 * mocha's duration, its CPU is not known here ("-"), and each file's CPU is what its worker measured
 * (test/preflight.ts), filled in at the end by `fileCpu`.
 */
function recordTimings(runner, { level, file }, parallel) {
    const rows = [];
    let mark = { wall: Date.now(), cpu: cpuTotal() };
    const start = () => (mark = { wall: Date.now(), cpu: cpuTotal() });
    const load0 = os.loadavg();
    const t0 = { wall: Date.now(), cpu: cpuTotal() };
    const fileCpu = new Map();
    const fmt = (n) => (Number.isNaN(n) ? "-" : n.toFixed(1)).padStart(7);
    const perFile = () => {
        const files = new Map();
        for (const r of rows) {
            const f = files.get(r.where) || { wall: 0, cpu: 0, tests: 0 };
            files.set(r.where, { wall: f.wall + r.wall, cpu: f.cpu + r.cpu, tests: f.tests + (r.kind === "test" ? 1 : 0) });
        }
        for (const [where, cpu] of fileCpu) if (files.has(where)) files.get(where).cpu = cpu;
        return [...files].sort((a, b) => b[1].cpu - a[1].cpu || b[1].wall - a[1].wall);
    };
    const write = (final) => {
        const loads = (l) => l.map((x) => x.toFixed(2)).join(" ");
        const lines = [
            `# wall s, CPU s (user+sys, this process and reaped children); load average at start ${loads(load0)}, at end ${loads(os.loadavg())}; ${os.cpus().length} CPUs; level ${level}${final ? "" : " (the run has not ended)"}`,
            `total ${fmt((Date.now() - t0.wall) / 1000)} ${fmt(cpuTotal() - t0.cpu)}`,
            ...perFile().map(([f, t]) => `file  ${fmt(t.wall)} ${fmt(t.cpu)}  ${f} (${t.tests} tests)`),
            ...(level === "tests"
                ? rows.filter((r) => r.wall >= 0.5).map((r) => `${r.kind.padEnd(5)} ${fmt(r.wall)} ${fmt(r.cpu)}  ${r.where}: ${r.title}`)
                : []),
        ];
        fs.writeFileSync(file, lines.join("\n") + "\n");
    };
    const end = (kind) => (r) => {
        const where = path.relative(process.cwd(), r.file || (r.parent && r.parent.file) || "(root hooks)");
        const measured = { wall: (Date.now() - mark.wall) / 1000, cpu: cpuTotal() - mark.cpu };
        const wall = parallel ? (r.duration || 0) / 1000 : measured.wall;
        rows.push({ where, kind, wall, cpu: parallel ? NaN : measured.cpu, title: r.fullTitle ? r.fullTitle() : r.title });
        if (level === "tests") write(false);
        start();
    };
    runner.on("hook", start);
    runner.on("hook end", end("hook"));
    runner.on("test", start);
    runner.on("test end", end("test"));
    return {
        /** The CPU seconds a worker measured for a spec file (under --parallel). */
        fileCpu: (where, cpu) => fileCpu.set(path.relative(process.cwd(), where), cpu),
        finish() {
            write(true);
            if (level !== "files") return;
            process.stdout.write(`slowest spec files (wall s of tests and hooks, CPU s, tests; all in ${file}):\n`);
            for (const [f, t] of perFile().slice(0, 20))
                process.stdout.write(
                    `  ${t.wall.toFixed(1).padStart(7)} ${(Number.isNaN(t.cpu) ? "-" : t.cpu.toFixed(1)).padStart(7)} ${String(t.tests).padStart(5)}  ${f}\n`,
                );
        },
    };
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
        // ParallelBufferedRunner: --parallel, whose workers run the tests and report them at each file's end.
        const parallel = runner.constructor.name === "ParallelBufferedRunner";
        let option;
        try {
            option = timingsOption(process.env);
        } catch (e) {
            process.stderr.write(`bdok: ${e.message}\n`);
            process.exit(2);
        }
        const timings = option && recordTimings(runner, option, parallel);
        const seen = new Set();
        const mark = (t) => seen.add(t);
        runner.on("pass", mark);
        runner.on("fail", (t) => t.type === "test" && mark(t));
        runner.on("pending", mark);

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
                if (timings) for (const c of counts.filter((c) => c.file)) timings.fileCpu(c.file, c.cpuOwn + c.cpuChildren);
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
            if (timings) timings.finish();
            process.stdout.write(`\n${s.passes} passed, ${s.failures + notRun.length} failed${s.pending ? `, ${s.pending} skipped` : ""}\n`);
        });
    }
}

module.exports = BdokReporter;
