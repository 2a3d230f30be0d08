// charts.lock.json: the SHA-256 of every chart tarball pinned in versions.ts, committed. Written
// when a pin changes, from a reference folder of tarballs whose provenance is recorded (default
// ../shared/charts, see its SOURCES.md and SHA256SUMS) — never from the download it then checks.
// `npm run charts:lock [-- --from <dir>]`.
import * as fs from "fs";
import * as path from "path";
import { ChartName, charts } from "../versions";

const ROOT = path.resolve(__dirname, "..");
export const LOCK_FILE = path.join(ROOT, "charts.lock.json");

export interface ChartLock {
    comment: string;
    /** By tarball file name. */
    charts: Record<string, { chart: string; version: string; repo: string; sha256: string }>;
}

/** Where a chart is pulled from: its OCI registry (Karpenter) or its classic repository. */
export function chartSource(name: ChartName): string {
    const c = charts[name];
    return "registry" in c ? c.registry : c.repo;
}

export function chartFile(name: ChartName): string {
    return `${charts[name].chart}-${charts[name].version}.tgz`;
}

export function readLock(file = LOCK_FILE): ChartLock {
    return JSON.parse(fs.readFileSync(file, "utf8")) as ChartLock;
}

/** The pinned sha256 of a chart, or a one-line reason it has none. */
export function lockedSha(name: ChartName, lock: ChartLock = readLock()): { sha256?: string; problem?: string } {
    const file = chartFile(name);
    const e = lock.charts[file];
    if (!e) return { problem: `${file} has no entry in charts.lock.json (a pin changed): run npm run charts:lock` };
    return { sha256: e.sha256 };
}

/** "<sha>  <file>" lines of a SHA256SUMS file, by file. */
export function readSums(file: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const l of fs.readFileSync(file, "utf8").split("\n")) {
        const m = /^([0-9a-f]{64})\s+\*?(\S+)\s*$/.exec(l.trim());
        if (m) out.set(m[2], m[1]);
    }
    return out;
}

export function buildLock(referenceDir: string): ChartLock {
    const sums = readSums(path.join(referenceDir, "SHA256SUMS"));
    const out: ChartLock = {
        comment: `SHA-256 of each pinned chart tarball, from ${path.relative(ROOT, referenceDir) || referenceDir}/SHA256SUMS (npm run charts:lock when a pin in versions.ts changes). The fetch and the renders verify against this file; nothing downloaded ever writes it.`,
        charts: {},
    };
    for (const name of Object.keys(charts) as ChartName[]) {
        const file = chartFile(name);
        const sha = sums.get(file);
        if (!sha) throw new Error(`${file}: not in ${referenceDir}/SHA256SUMS; add the pinned tarball there first`);
        out.charts[file] = { chart: charts[name].chart, version: charts[name].version, repo: chartSource(name), sha256: sha };
    }
    return out;
}

if (require.main === module) {
    const i = process.argv.indexOf("--from");
    const from = path.resolve(i >= 0 ? process.argv[i + 1] : path.join(ROOT, "..", "shared", "charts"));
    // The project cache holds downloads: pinning them would pin whatever was downloaded.
    if (from === path.join(ROOT, ".charts")) {
        console.error("charts:lock: .charts holds downloads; the lock comes from a reference folder, not from what it checks");
        process.exit(2);
    }
    try {
        fs.writeFileSync(LOCK_FILE, JSON.stringify(buildLock(from), null, 2) + "\n");
        console.log(`wrote ${path.relative(ROOT, LOCK_FILE)} from ${from}`);
    } catch (e) {
        console.error(`charts:lock: ${(e as Error).message}`);
        process.exit(2);
    }
}
