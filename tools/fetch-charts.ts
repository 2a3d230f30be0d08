// Fetches the chart versions pinned in versions.ts into the project's cache (.charts, or a folder
// given) and keeps only tarballs whose SHA-256 is the one committed in charts.lock.json: a
// download is checked, never trusted to write its own checksum. `npm run plan` and `npm test`
// call ensureCharts() on a bare clone; `npm run fetch:charts [-- dir [--sums]]` runs it by hand.
// The source is each chart's official repository, or $BDOK_CHART_REPO: one Helm repository
// (index.yaml + tarballs, e.g. an internal mirror) that holds every pinned chart.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ChartName, charts } from "../versions";
import { chartFile, lockedSha, readLock } from "./charts-lock";
import { chartSource, isOciSource } from "../platform/k8s/objects";
import { helmBinary, projectChartsCache, sharedChartsDir, ToolchainError } from "./helm";
import { gunzipTarEntry } from "./tar";
import { Io, runCli } from "./cli";

const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/** Pinned charts not yet in `dest` with their locked checksum. */
export function missingCharts(dest: string): ChartName[] {
    const lock = readLock();
    return (Object.keys(charts) as ChartName[]).filter((n) => {
        const f = path.join(dest, chartFile(n));
        return !fs.existsSync(f) || sha256(f) !== lockedSha(n, lock).sha256;
    });
}

/** Pulls each chart into `dest`; returns one line per chart that could not be fetched or verified. */
export function fetchCharts(dest: string, names: ChartName[] = Object.keys(charts) as ChartName[], mirror = process.env.BDOK_CHART_REPO): string[] {
    const lock = readLock();
    fs.mkdirSync(dest, { recursive: true });
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-helm-"));
    const env = { PATH: process.env.PATH, HOME: home, HELM_CACHE_HOME: `${home}/c`, HELM_CONFIG_HOME: `${home}/f`, HELM_DATA_HOME: `${home}/d` };
    const problems: string[] = [];
    try {
        for (const name of names) {
            const c = charts[name];
            const file = chartFile(name);
            const want = lockedSha(name, lock);
            if (!want.sha256) {
                problems.push(want.problem!);
                continue;
            }
            const repo = mirror ?? chartSource(name);
            const into = fs.mkdtempSync(path.join(home, "pull-"));
            const args = isOciSource(repo)
                ? ["pull", `${repo}/${c.chart}`, "--version", c.version, "-d", into]
                : ["pull", c.chart, "--repo", repo, "--version", c.version, "-d", into];
            const r = spawnSync(helmBinary(), args, { encoding: "utf8", env });
            const got = path.join(into, file);
            if (r.status !== 0 || !fs.existsSync(got)) {
                problems.push(`${file}: helm pull from ${repo} failed: ${(r.stderr || String(r.error ?? "")).trim().split("\n")[0]}`);
                continue;
            }
            const sum = sha256(got);
            if (sum !== want.sha256) {
                problems.push(`${file} from ${repo} has sha256 ${sum}, charts.lock.json pins ${want.sha256}: not used`);
                continue;
            }
            const meta = YAML.parse(gunzipTarEntry(fs.readFileSync(got), `${c.chart}/Chart.yaml`).toString("utf8"));
            if (String(meta.version) !== c.version) {
                problems.push(`${file}: Chart.yaml says version ${meta.version}, versions.ts pins ${c.version}`);
                continue;
            }
            // Only a verified tarball enters the cache (copy: the temp dir may be on another device).
            fs.copyFileSync(got, path.join(dest, `${file}.${process.pid}.tmp`));
            fs.renameSync(path.join(dest, `${file}.${process.pid}.tmp`), path.join(dest, file));
        }
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
    return problems;
}

/**
 * Makes sure the pinned charts are at hand before a render: BDOK_CHARTS_DIR or ../shared/charts
 * when present, else the project cache, filled once from the repositories and checked against
 * charts.lock.json. Failure is one line saying what is wrong and what to set.
 */
export function ensureCharts(log: (line: string) => void = (l) => console.error(l)): void {
    if (process.env.BDOK_CHARTS_DIR || fs.existsSync(path.join(sharedChartsDir(), "SHA256SUMS"))) return;
    const dest = projectChartsCache();
    const missing = missingCharts(dest);
    if (missing.length === 0) return;
    log(`bdok: fetching ${missing.length} pinned chart(s) into ${dest}, checked against charts.lock.json`);
    const problems = fetchCharts(dest, missing);
    if (problems.length)
        throw new ToolchainError(
            `charts: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}; set BDOK_CHARTS_DIR to a folder of the pinned charts, or BDOK_CHART_REPO to a Helm repository that holds them`,
        );
}

/** `npm run fetch:charts [-- dir [--sums]]`: 0 when every pinned chart is in `dir` with its locked checksum, else 2. */
export function main(argv: string[], io: Io): number {
    const dest = path.resolve(argv.find((a) => !a.startsWith("--")) ?? projectChartsCache());
    const problems = fetchCharts(dest, missingCharts(dest));
    for (const p of problems) io.stderr(`${p}\n`);
    if (problems.length) {
        io.stderr(`${problems.length} chart(s) could not be fetched into ${dest}\n`);
        return 2;
    }
    // --sums: a SHA256SUMS for BDOK_CHARTS_DIR, copied from the lock (every tarball was just checked against it).
    if (argv.includes("--sums")) {
        const lock = readLock();
        const lines = (Object.keys(charts) as ChartName[]).map((n) => `${lock.charts[chartFile(n)].sha256}  ${chartFile(n)}`);
        fs.writeFileSync(path.join(dest, "SHA256SUMS"), lines.join("\n") + "\n");
    }
    io.stdout(`charts in ${dest}, verified against charts.lock.json\n`);
    return 0;
}

if (require.main === module) runCli(main);
