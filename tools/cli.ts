// What the command-line tools share: argument parsing, checks of the paths they read and write,
// usage errors and how they end. An expected error (bad arguments, bad files, bad configuration)
// prints its message alone and exits 2 — never a stack trace.
import * as fs from "fs";
import * as path from "path";
import { format } from "util";
import { ConfigError, didYouMean, isPlainObject, printable } from "../lib/validate";
import type { PlanLike } from "./plan-types";

export class UsageError extends Error {}

/** The program's own error under the mock engine (thrown in an apply, a rejected input): `pulumi up` reports its message. */
export class ProgramFailed extends Error {}

/** The value after the flag at argv[i]; a missing value, or another flag in its place, is a usage error. */
export function flagValue(argv: string[], i: number, usage: string): string {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${argv[i]} needs a value\n${usage}`);
    return v;
}

/** A flag that takes a value ("value") or none ("switch"). */
export type FlagSpec = Record<string, "value" | "switch">;

export interface ParsedArgs {
    flags: Record<string, string | true>;
    positionals: string[];
}

/**
 * Parses `--flag value`, `--flag=value` and switches against `spec`. An unknown flag is named
 * (with the closest known one), as is a flag given twice or a value missing; positionals beyond
 * `maxPositionals` are unknown arguments.
 */
export function parseArgs(argv: string[], spec: FlagSpec, usage: string, maxPositionals = 0): ParsedArgs {
    const out: ParsedArgs = { flags: {}, positionals: [] };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (!a.startsWith("-") || a === "-") {
            if (out.positionals.length >= maxPositionals) throw new UsageError(`unexpected argument ${printable(a)}\n${usage}`);
            out.positionals.push(a);
            continue;
        }
        const eq = a.indexOf("=");
        const name = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
        const kind = spec[name];
        if (!kind) {
            const hint = didYouMean(name, Object.keys(spec));
            throw new UsageError(`unknown flag ${printable(name)}${hint ? `; ${hint}` : ""}\n${usage}`);
        }
        if (name in out.flags) throw new UsageError(`${name} is given twice\n${usage}`);
        if (kind === "switch") {
            if (eq > 0) throw new UsageError(`${name} takes no value\n${usage}`);
            out.flags[name] = true;
        } else if (eq > 0) {
            const v = a.slice(eq + 1);
            if (v === "") throw new UsageError(`${name} needs a value\n${usage}`);
            out.flags[name] = v;
        } else {
            out.flags[name] = flagValue(argv, i++, usage);
        }
    }
    return out;
}

// Kernel file systems: writing there fails oddly or never ends (mkdir -p under /proc loops).
const PSEUDO_ROOTS = ["/proc", "/sys", "/dev"];

function under(p: string, root: string): boolean {
    return p === root || p.startsWith(`${root}/`);
}

/** The deepest part of `p` that exists (resolved through symbolic links), and what is still missing. */
function existingAncestor(p: string): { dir: string; missing: string[] } {
    const missing: string[] = [];
    let cur = p;
    for (;;) {
        try {
            return { dir: fs.realpathSync(cur), missing };
        } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            // ENOTDIR: a part of the path is a file; the walk up finds it and says so.
            if (code !== "ENOENT" && code !== "ENOTDIR") throw new UsageError(`${cur}: cannot be resolved (${code ?? (e as Error).message})`);
            const up = path.dirname(cur);
            if (up === cur) return { dir: cur, missing };
            missing.unshift(path.basename(cur));
            cur = up;
        }
    }
}

/** A directory is read-only when the process may not write it, or when nobody may (mode 555, even for root). */
function readOnly(dir: string): boolean {
    try {
        fs.accessSync(dir, fs.constants.W_OK);
    } catch {
        return true;
    }
    return (fs.statSync(dir).mode & 0o222) === 0;
}

/**
 * Checks, before any work, that `dir` can be the output directory of `flag`: not under /proc, /sys
 * or /dev, not an existing file, and inside a writable directory. Returns the absolute path.
 */
export function checkOutputDir(dir: string, flag = "--out", shownPath = dir): string {
    const abs = path.resolve(dir);
    const { dir: found, missing } = existingAncestor(abs);
    const shown = `${flag} ${printable(shownPath)}`;
    const root = PSEUDO_ROOTS.find((r) => under(abs, r) || under(found, r));
    if (root) throw new UsageError(`${shown}: is under ${root}, a kernel file system; allowed: a directory you can write, e.g. plan/<stack>`);
    const st = fs.statSync(found);
    if (!st.isDirectory()) {
        throw new UsageError(
            missing.length === 0
                ? `${shown}: is an existing file; allowed: a directory (new or existing)`
                : `${shown}: ${found} is a file, not a directory; allowed: a path inside a directory`,
        );
    }
    if (readOnly(found)) throw new UsageError(`${shown}: ${found} is read-only; allowed: a directory you can write`);
    return abs;
}

/** As checkOutputDir, for an output file: its directory must be writable and it must not be a directory. */
export function checkOutputFile(file: string, flag = "--out"): string {
    const abs = path.resolve(file);
    if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) throw new UsageError(`${flag} ${printable(file)}: is a directory; allowed: a file path`);
    checkOutputDir(path.dirname(abs), flag, file);
    return abs;
}

/** Why a file cannot be read, in words ("no such file", "is a directory, not a file", ...). */
export function readProblem(e: unknown): string {
    const code = (e as NodeJS.ErrnoException)?.code;
    const words: Record<string, string> = {
        ENOENT: "no such file",
        EISDIR: "is a directory, not a file",
        EACCES: "permission denied",
        EPERM: "permission denied",
        ENOTDIR: "a part of the path is not a directory",
        ELOOP: "too many symbolic links",
    };
    return (code && words[code]) ?? (e as Error)?.message ?? String(e);
}

/** Reads an offline plan (plan.json) for a reader; a missing, unreadable or malformed file is a usage error naming it. */
export function readPlanFile(file: string, usage = ""): PlanLike & { config?: any; [k: string]: unknown } {
    const tail = usage ? `\n${usage}` : "";
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new UsageError(code === "ENOENT" ? `no such plan file ${file}${tail}` : `${file}: cannot read the plan file: ${readProblem(e)}${tail}`);
    }
    let plan: unknown;
    try {
        plan = JSON.parse(text);
    } catch (e) {
        const what = text.trim() === "" ? "empty" : /Unexpected end|Unterminated|end of JSON/i.test((e as Error).message) ? "truncated JSON" : "not JSON";
        throw new UsageError(`${file}: ${what} (${(e as Error).message.replace(/\s+/g, " ")}); allowed: a plan.json written by npm run plan`);
    }
    if (!isPlainObject(plan) || !Array.isArray(plan.resources)) {
        const got = !isPlainObject(plan)
            ? Array.isArray(plan)
                ? "a list"
                : JSON.stringify(plan)
            : plan.resources === undefined
              ? 'no "resources"'
              : `"resources" is ${JSON.stringify(plan.resources)?.slice(0, 40)}`;
        throw new UsageError(`${file}: not a plan (${got}); allowed: a plan.json written by npm run plan, with a "resources" list`);
    }
    const bad = plan.resources.findIndex((r) => !isPlainObject(r) || typeof r.urn !== "string" || typeof r.type !== "string");
    if (bad >= 0)
        throw new UsageError(`${file}: resources[${bad}] is not a planned resource (no "urn" and "type"); allowed: a plan.json written by npm run plan`);
    if (plan.stack !== undefined && typeof plan.stack !== "string")
        throw new UsageError(`${file}: "stack" is not a string; allowed: a plan.json written by npm run plan`);
    return plan as unknown as PlanLike & { config?: any; [k: string]: unknown };
}

/**
 * Where a tool's main writes. As a command it is the process's own stdout and stderr; tests run
 * the same main in-process with writers that capture (test/in-process.ts).
 */
export interface Io {
    stdout(text: string): void;
    stderr(text: string): void;
}

export const processIo: Io = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
};

/** A tool's entry point: its arguments (without node and the script) in, its exit code out. */
export type Main = (argv: string[], io: Io) => number | Promise<number>;

/**
 * Runs a tool's main to its exit code. An expected error (usage, configuration, or one `codeOf`
 * gives a code) prints its message alone, exit 2 unless `codeOf` says otherwise; any other error
 * prints as console.error would (its stack), exit 1.
 */
export async function runMain(main: Main, argv: string[], io: Io, codeOf: (e: unknown) => number | undefined = () => undefined): Promise<number> {
    try {
        return await main(argv, io);
    } catch (e) {
        const code = codeOf(e);
        if (code !== undefined || e instanceof UsageError || e instanceof ConfigError) {
            io.stderr(`${(e as Error).message}\n`);
            return code ?? 2;
        }
        io.stderr(`${format(e)}\n`);
        return 1;
    }
}

/** Runs a tool's main as the process's command and exits with its code. */
export function runCli(main: Main, codeOf?: (e: unknown) => number | undefined): void {
    void runMain(main, process.argv.slice(2), processIo, codeOf).then((code) => process.exit(code));
}
