// Runs before any test: the suite needs the pinned upstream schemas and chart tarballs. On a bare
// clone it fetches them once into the project's caches; offline, it stops with one line saying
// what to run or set, instead of every suite failing on its own.
import { spawnSync } from "child_process";
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { chartsDir } from "../tools/helm";
import { ensureCharts } from "../tools/fetch-charts";
import { schemasDir } from "../tools/schemas";

const ROOT = path.resolve(__dirname, "..");

function present(find: () => string): boolean {
    try {
        find();
        return true;
    } catch {
        return false;
    }
}

/** Runs a fetch script into `dest`; a failed fetch leaves no half-filled cache behind. */
function fetch(what: string, cmd: string[], dest: string): boolean {
    console.error(`bdok: ${what} not found; fetching the pinned versions (${cmd.join(" ")})`);
    const r = spawnSync(cmd[0], cmd.slice(1), { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    if (r.status !== 0) fs.rmSync(path.join(ROOT, dest), { recursive: true, force: true });
    return r.status === 0;
}

const missing: string[] = [];
if (!present(schemasDir) && !(fetch("upstream schemas", ["bash", "scripts/fetch-schemas.sh", ".schemas"], ".schemas") && present(schemasDir))) {
    missing.push("schemas (set BDOK_SCHEMAS_DIR, or run scripts/fetch-schemas.sh online)");
}
try {
    // Into the project cache, each tarball checked against charts.lock.json (tools/fetch-charts.ts).
    ensureCharts();
    chartsDir();
} catch (e) {
    missing.push(`charts (${(e as Error).message})`);
}
if (missing.length) {
    console.error(`bdok: cannot test without the pinned upstream ${missing.join(" and ")}; ../shared/ beside the clone also works`);
    process.exit(2);
}

// Property tests draw fresh cases each run; a failure prints its seed and path. These replay one
// (BDOK_PROPERTY_SEED) or search deeper (BDOK_PROPERTY_RUNS) across every property.
const seed = process.env.BDOK_PROPERTY_SEED;
const runs = process.env.BDOK_PROPERTY_RUNS;
if (seed !== undefined || runs !== undefined) {
    const bad = (v: string | undefined) => v !== undefined && !/^-?\d+$/.test(v);
    if (bad(seed) || bad(runs)) {
        console.error(`bdok: BDOK_PROPERTY_SEED and BDOK_PROPERTY_RUNS take integers; got ${JSON.stringify({ seed, runs })}`);
        process.exit(2);
    }
    fc.configureGlobal({ ...(seed !== undefined ? { seed: Number(seed) } : {}), ...(runs !== undefined ? { numRuns: Number(runs) } : {}) });
}

// The reporter counts tests that were registered but never ran. Under --parallel its process
// loads no spec file, so each worker, at the end of each file, writes the file's counts (and the
// CPU seconds it took, for the reporter's timings) into the reporter's folder (BDOK_REPORT_DIR);
// in a serial run this runs once, over the whole run.
let cpuAtStart = { own: 0, children: 0 };
export const mochaHooks = {
    beforeAll() {
        cpuAtStart = cpuSeconds();
    },
    afterAll(this: Mocha.Context) {
        const dir = process.env.BDOK_REPORT_DIR;
        if (!dir || !fs.existsSync(dir)) return;
        let root: Mocha.Suite | undefined = this.test?.parent;
        while (root?.parent) root = root.parent;
        if (!root) return;
        let registered = 0;
        const notRun: string[] = [];
        const walk = (suite: Mocha.Suite) => {
            for (const t of suite.tests) {
                registered++;
                if (t.state === undefined && !t.isPending()) notRun.push(t.fullTitle());
            }
            suite.suites.forEach(walk);
        };
        walk(root);
        const files = [...new Set(root.suites.map((s) => s.file).filter(Boolean))];
        const cpu = cpuSeconds();
        const timing = files.length === 1 ? { file: files[0], cpuOwn: cpu.own - cpuAtStart.own, cpuChildren: cpu.children - cpuAtStart.children } : {};
        const out = path.join(dir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
        fs.writeFileSync(out, JSON.stringify({ registered, notRun, ...timing }));
    },
};

/** CPU seconds of this process and of the children it has waited for (/proc/self/stat; Linux only). */
function cpuSeconds(): { own: number; children: number } {
    const u = process.cpuUsage();
    let children = 0;
    try {
        // After the command name's ")": cutime and cstime are fields 16 and 17, in clock ticks (USER_HZ 100).
        const f = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
        children = (Number(f[13]) + Number(f[14])) / 100;
    } catch {
        // not Linux: own time only
    }
    return { own: (u.user + u.system) / 1e6, children };
}
