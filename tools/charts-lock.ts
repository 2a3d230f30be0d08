// charts.lock.json: the SHA-256 of every chart tarball pinned in versions.ts, committed. Written
// when a pin changes, from a reference folder of tarballs whose provenance is recorded (default
// ../shared/charts, see its SOURCES.md and SHA256SUMS) — never from the download it then checks.
// `npm run charts:lock [-- --from <dir>]`, or `-- --from-index [--repo <url>]`: the digests each
// Helm repository's index.yaml publishes (OCI charts keep their entry).
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ChartName, charts } from "../versions";
import { chartSource, isOciSource } from "../platform/k8s/objects";
import { Io, runCli } from "./cli";

const ROOT = path.resolve(__dirname, "..");
export const LOCK_FILE = path.join(ROOT, "charts.lock.json");

export interface ChartLock {
    comment: string;
    /** By tarball file name. */
    charts: Record<string, { chart: string; version: string; repo: string; sha256: string }>;
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

/** The body of an http(s) URL. */
function get(url: string): Promise<string> {
    const lib = url.startsWith("https:") ? require("https") : require("http");
    return new Promise((resolve, reject) => {
        lib.get(url, (res: import("http").IncomingMessage) => {
            if ((res.statusCode ?? 0) >= 300) {
                res.resume();
                reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
                return;
            }
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        }).on("error", (e: Error) => reject(new Error(`GET ${url}: ${e.message}`)));
    });
}

/**
 * The lock from each Helm repository's index.yaml, whose `digest` is the publisher's sha256 of the
 * tarball (Helm's repository index format). OCI charts (no index) keep their current entry.
 */
export async function lockFromIndex(current: ChartLock, mirror?: string): Promise<{ lock: ChartLock; kept: string[] }> {
    const out: ChartLock = { comment: current.comment, charts: { ...current.charts } };
    const kept: string[] = [];
    const indexes = new Map<string, any>();
    for (const name of Object.keys(charts) as ChartName[]) {
        const c = charts[name];
        const repo = mirror ?? chartSource(name);
        const file = chartFile(name);
        if (isOciSource(repo)) {
            kept.push(file);
            continue;
        }
        const url = `${repo.replace(/\/+$/, "")}/index.yaml`;
        if (!indexes.has(url)) indexes.set(url, YAML.parse(await get(url)));
        const entry = (indexes.get(url)?.entries?.[c.chart] ?? []).find((e: { version: string }) => String(e.version) === c.version);
        if (!entry?.digest) throw new Error(`${url} lists no ${c.chart} ${c.version} with a digest`);
        out.charts[file] = { chart: c.chart, version: c.version, repo: chartSource(name), sha256: String(entry.digest).replace(/^sha256:/, "") };
    }
    return { lock: out, kept };
}

/** `npm run charts:lock`: writes the lock; 0, or 2 with one line saying what failed. */
export async function main(argv: string[], io: Io): Promise<number> {
    const arg = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
    const outFile = path.resolve(arg("--out") ?? LOCK_FILE);
    const write = (lock: ChartLock) => fs.writeFileSync(outFile, JSON.stringify(lock, null, 2) + "\n");
    if (argv.includes("--from-index")) {
        // When a pin changes and the reference folder lacks the new tarball: the publishers' digests.
        try {
            const { lock, kept } = await lockFromIndex(readLock(), arg("--repo"));
            write(lock);
            io.stdout(`wrote ${outFile} from the repositories' index.yaml digests${kept.length ? `; kept (OCI, no index): ${kept.join(", ")}` : ""}\n`);
            return 0;
        } catch (e) {
            io.stderr(`charts:lock: ${(e as Error).message}\n`);
            return 2;
        }
    }
    const from = path.resolve(arg("--from") ?? path.join(ROOT, "..", "shared", "charts"));
    // The project cache holds downloads: pinning them would pin whatever was downloaded.
    if (from === path.join(ROOT, ".charts")) {
        io.stderr("charts:lock: .charts holds downloads; the lock comes from a reference folder, not from what it checks\n");
        return 2;
    }
    try {
        write(buildLock(from));
        io.stdout(`wrote ${outFile} from ${from}\n`);
        return 0;
    } catch (e) {
        io.stderr(`charts:lock: ${(e as Error).message}\n`);
        return 2;
    }
}

if (require.main === module) runCli(main);
