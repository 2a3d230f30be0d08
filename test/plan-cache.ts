// Plans kept on disk between test runs. A plan is a pure function of the program's files, the
// pinned charts, the installed SDKs, a few environment variables and the stack's configuration, so
// its key hashes all of them: any edit to a program file builds every plan again, and a second run
// of an unchanged tree builds none. BDOK_PLAN_CACHE=off turns it off (every plan is built).
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";
import * as zlib from "zlib";

/** What a plan's key is made of, listed for the tests and for anyone debugging a stale hit. */
export interface FingerprintInputs {
    /** The project's folder: every file below it but the ones `ignored` names. */
    root: string;
    /** Folders outside the project whose files the program reads (the pinned charts). */
    extraDirs: string[];
    /** Packages under node_modules whose version a plan depends on. */
    packages: string[];
    env: NodeJS.ProcessEnv;
}

// Never read by a plan: tests and their fixtures, docs, reports, caches, VCS and tool state.
const IGNORED_DIRS = new Set(["node_modules", ".git", "test", "docs", "reports", ".stryker-tmp", ".schemas", "bin", "__pycache__", ".pytest_cache"]);
const ignoredFile = (name: string) => name.endsWith(".test.ts") || name.endsWith(".pyc") || name === ".eslintcache";

// Environment variables that steer the test run, not the program (the rest of BDOK_* and AWS_* count).
const RUN_ONLY_ENV = new Set([
    "BDOK_REPORT_DIR",
    "BDOK_TEST_TIMINGS",
    "BDOK_TIMINGS",
    "BDOK_PROPERTY_SEED",
    "BDOK_PROPERTY_RUNS",
    "BDOK_PLAN_CACHE",
    "BDOK_MANIFEST_CACHE",
]);

function walk(dir: string, rel: string, out: string[], top: boolean): void {
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
        return;
    }
    for (const e of entries) {
        if (e.isDirectory()) {
            if (top ? IGNORED_DIRS.has(e.name) : e.name === "__pycache__" || e.name === "node_modules") continue;
            walk(path.join(dir, e.name), path.join(rel, e.name), out, false);
        } else if (e.isFile() && !ignoredFile(e.name)) {
            out.push(path.join(rel, e.name));
        }
    }
}

/** A content hash of everything a plan reads but its configuration. */
export function fingerprint(inputs: FingerprintInputs): string {
    const h = crypto.createHash("sha256");
    const files = (dir: string) => {
        const out: string[] = [];
        walk(dir, "", out, true);
        return out.sort();
    };
    for (const [label, dir] of [["project", inputs.root], ...inputs.extraDirs.map((d) => ["extra", d])]) {
        h.update(`\0${label}:${dir}\0`);
        for (const f of files(dir)) {
            h.update(`\0${f}\0`);
            h.update(fs.readFileSync(path.join(dir, f)));
        }
    }
    for (const p of inputs.packages) {
        let version = "absent";
        try {
            version = JSON.parse(fs.readFileSync(path.join(inputs.root, "node_modules", p, "package.json"), "utf8")).version;
        } catch {
            // counted as absent
        }
        h.update(`\0package:${p}@${version}`);
    }
    const env = Object.keys(inputs.env)
        .filter((k) => (k.startsWith("BDOK_") || k.startsWith("AWS_") || k.startsWith("PULUMI_")) && !RUN_ONLY_ENV.has(k))
        .sort()
        .map((k) => `${k}=${inputs.env[k]}`);
    h.update(`\0env\0${env.join("\0")}\0node:${process.version}`);
    return h.digest("hex");
}

export interface PlanCacheStats {
    hits: number;
    builds: number;
}

/**
 * A store of values on disk by key, in `dir`. Values are written with v8's serializer (which keeps
 * `undefined` members, unlike JSON), compressed (a plan's CRD texts make it 26 MB; brotli at
 * quality 1 makes that 2 MB in 50 ms), under a temporary name and renamed, so two workers writing
 * the same key never leave a torn file; a file that does not read back counts as absent.
 */
export class DiskCache<T> {
    readonly stats: PlanCacheStats = { hits: 0, builds: 0 };
    constructor(
        readonly dir: string | undefined,
        readonly prefix: string,
    ) {}

    private file(key: string): string {
        return path.join(this.dir!, `${this.prefix}-${crypto.createHash("sha256").update(key).digest("hex")}.v8`);
    }

    async get(key: string, build: () => Promise<T>): Promise<T> {
        if (this.dir) {
            try {
                const v = v8.deserialize(zlib.brotliDecompressSync(fs.readFileSync(this.file(key)))) as { key: string; value: T };
                if (v.key === key) {
                    this.stats.hits++;
                    return v.value;
                }
            } catch {
                // absent or unreadable: built below
            }
        }
        this.stats.builds++;
        const value = await build();
        if (this.dir) {
            try {
                fs.mkdirSync(this.dir, { recursive: true });
                const f = this.file(key);
                const tmp = `${f}.${process.pid}.${Math.random().toString(36).slice(2)}`;
                fs.writeFileSync(tmp, zlib.brotliCompressSync(v8.serialize({ key, value }), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } }));
                fs.renameSync(tmp, f);
            } catch {
                // a read-only or full disk: the run goes on without the cache
            }
        }
        return value;
    }
}

/**
 * Removes the files of other prefixes starting with `family` that are older than `minAgeMs`, so the
 * folder holds this tree's plans and those of runs still going (another checkout sharing node_modules).
 */
export function pruneOthers(dir: string, family: string, keep: string, minAgeMs = 10 * 60_000): void {
    let names: string[];
    try {
        names = fs.readdirSync(dir);
    } catch {
        return;
    }
    const now = Date.now();
    for (const n of names) {
        if (!n.startsWith(family) || n.startsWith(`${keep}-`)) continue;
        try {
            if (now - fs.statSync(path.join(dir, n)).mtimeMs >= minAgeMs) fs.rmSync(path.join(dir, n), { force: true });
        } catch {
            // removed by another process meanwhile
        }
    }
}
