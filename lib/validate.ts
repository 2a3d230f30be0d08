// A small, dependency-free validator for stack configuration. Each rule turns a raw value into a
// typed one or records an issue naming the key path, the value given and what is allowed.

export class ConfigError extends Error {
    constructor(readonly issues: string[]) {
        super(
            issues.length === 1
                ? `Invalid configuration: ${issues[0]}`
                : `Invalid configuration (${issues.length} problems):\n${issues.map((i) => `  - ${i}`).join("\n")}`,
        );
        this.name = "ConfigError";
    }
}

export interface Ctx {
    issues: string[];
}

/** Parses `value` found at `path`; returns undefined (and records an issue) when it is invalid. */
export type Rule<T> = (value: unknown, path: string, ctx: Ctx) => T | undefined;

/**
 * `s` with every character outside printable ASCII written as \uXXXX, so an invisible
 * (zero-width space) or look-alike (Cyrillic "а") character shows in a message.
 */
export function printable(s: string): string {
    return s.replace(/[^\x20-\x7e]/gu, (c) => [...c].map((u) => `\\u${u.codePointAt(0)!.toString(16).padStart(4, "0")}`).join(""));
}

/** A note on the hidden characters of `s`, or "" when it has none. */
export function hiddenNote(s: string): string {
    const odd = [...new Set([...s].filter((c) => !/[\x20-\x7e]/.test(c)))];
    if (!odd.length) return "";
    return ` (contains ${odd.map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`).join(", ")}: an invisible or look-alike character; retype it)`;
}

export function show(value: unknown): string {
    if (typeof value === "string") return printable(JSON.stringify(value));
    try {
        const s = JSON.stringify(value);
        return s === undefined ? String(value) : printable(s.length > 80 ? `${s.slice(0, 77)}...` : s);
    } catch {
        return String(value);
    }
}

/**
 * For a string setting given a number: YAML reads an unquoted 17.6 as a number and 1.30 as 1.3,
 * so the fix is to quote it.
 */
export function quoteHint(v: unknown): string {
    if (typeof v === "number") return ` (got a number: YAML reads an unquoted ${v} as one, and 1.30 as 1.3; write the value in quotes)`;
    if (typeof v === "string" && /^\d+\.\d+$/.test(v)) return ` (YAML reads an unquoted 1.30 as the number 1.3: write versions in quotes)`;
    return "";
}

/** What a rule accepts, for the generated configuration reference (tools/docs-config.ts). */
export interface RuleDoc {
    kind: "string" | "integer" | "number" | "boolean" | "list" | "map" | "object";
    allowed: string;
    shape?: Shape;
    item?: Rule<unknown>;
}

function documented<T>(rule: Rule<T>, doc: RuleDoc): Rule<T> {
    return Object.assign(rule, { doc });
}

/** The description a rule carries, if it was built by this module (or given one with `describedAs`). */
export function docOf(rule: Rule<unknown>): RuleDoc | undefined {
    return (rule as { doc?: RuleDoc }).doc;
}

/** A hand-written rule with the description of the rule whose shape it accepts. */
export function describedAs<T>(rule: Rule<T>, like: Rule<unknown>): Rule<T> {
    return documented(rule, docOf(like)!);
}

function fail(ctx: Ctx, path: string, value: unknown, allowed: string): undefined {
    ctx.issues.push(`${path}: got ${show(value)}; allowed: ${allowed}`);
    return undefined;
}

export function str(
    opts: {
        pattern?: RegExp;
        describe?: string;
        oneOf?: readonly string[];
        nonEmpty?: boolean;
        /** What is allowed when `v` is not (e.g. checked against a table), else undefined. */
        check?: (v: string) => string | undefined;
    } = {},
): Rule<string> {
    const doc = opts.oneOf ? `one of ${opts.oneOf.map((o) => JSON.stringify(o)).join(", ")}` : (opts.describe ?? "a non-empty string");
    return documented(
        (v, path, ctx) => {
            const allowed = opts.oneOf ? `one of ${opts.oneOf.map((o) => JSON.stringify(o)).join(", ")}` : (opts.describe ?? "a non-empty string");
            if (typeof v !== "string") return fail(ctx, path, v, allowed + quoteHint(v));
            if ((opts.nonEmpty ?? true) && v.trim() === "") return fail(ctx, path, v, allowed);
            if (opts.oneOf && !opts.oneOf.includes(v)) return fail(ctx, path, v, allowed + quoteHint(v) + hiddenNote(v));
            if (opts.pattern && !opts.pattern.test(v)) return fail(ctx, path, v, allowed + hiddenNote(v));
            if (opts.check) {
                const problem = opts.check(v);
                if (problem) return fail(ctx, path, v, problem + hiddenNote(v));
            }
            return v;
        },
        { kind: "string", allowed: doc },
    );
}

export function oneOf<T extends string>(values: readonly T[]): Rule<T> {
    return str({ oneOf: values }) as Rule<T>;
}

/** Integers; numeric strings are accepted because Pulumi passes top-level scalars as strings. */
export function int(min: number, max: number): Rule<number> {
    return num(min, max, true);
}

export function num(min: number, max: number, integer = false): Rule<number> {
    const allowed = `${integer ? "an integer" : "a number"} from ${min} to ${max}`;
    return documented(
        (v, path, ctx) => {
            const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
            if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) return fail(ctx, path, v, allowed);
            return n;
        },
        { kind: integer ? "integer" : "number", allowed },
    );
}

export function bool(): Rule<boolean> {
    return documented(
        (v, path, ctx) => {
            if (v === true || v === "true") return true;
            if (v === false || v === "false") return false;
            return fail(ctx, path, v, "true or false");
        },
        { kind: "boolean", allowed: "true or false" },
    );
}

export function list<T>(item: Rule<T>, opts: { min?: number; max?: number } = {}): Rule<T[]> {
    const min = opts.min ?? 0;
    const allowed = `a list of ${min}${opts.max !== undefined ? ` to ${opts.max}` : " or more"} items`;
    return documented(
        (v, path, ctx) => {
            const arr = typeof v === "string" ? parseJson(v) : v;
            if (!Array.isArray(arr) || arr.length < min || (opts.max !== undefined && arr.length > opts.max)) {
                return fail(ctx, path, arr, allowed);
            }
            const before = ctx.issues.length;
            const out = arr.map((x, i) => item(x, `${path}[${i}]`, ctx));
            return ctx.issues.length === before ? (out as T[]) : undefined;
        },
        { kind: "list", allowed: docOf(item) ? `${allowed}, each ${docOf(item)!.allowed}` : allowed, item },
    );
}

export function dict<T>(item: Rule<T>, opts: { min?: number; keyPattern?: RegExp; keyDescribe?: string } = {}): Rule<Record<string, T>> {
    const min = opts.min ?? 0;
    const keys = opts.keyDescribe ?? (opts.keyPattern ? `keys matching ${opts.keyPattern}` : "any keys");
    return documented(
        (v, path, ctx) => {
            const o = typeof v === "string" ? parseJson(v) : v;
            if (!isPlainObject(o) || Object.keys(o).length < (opts.min ?? 0)) {
                const min = opts.min ?? 0;
                return fail(ctx, path, o, `a map with at least ${min} ${min === 1 ? "entry" : "entries"}`);
            }
            const before = ctx.issues.length;
            const out: Record<string, T> = {};
            for (const [k, x] of Object.entries(o)) {
                if (opts.keyPattern && !opts.keyPattern.test(k)) {
                    fail(ctx, `${path} key`, k, opts.keyDescribe ?? `a key matching ${opts.keyPattern}`);
                    continue;
                }
                out[k] = item(x, `${path}.${k}`, ctx) as T;
            }
            return ctx.issues.length === before ? out : undefined;
        },
        { kind: "map", allowed: `a map with at least ${min} ${min === 1 ? "entry" : "entries"}; keys: ${keys}`, item },
    );
}

export type Shape = Record<string, Field<any>>;
export interface Field<T> {
    rule: Rule<T>;
    /** Used when the key is absent; a field without a default is required. */
    default?: T | (() => T);
    describe: string;
}
export type Parsed<S extends Shape> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

export function field<T>(rule: Rule<T>, describe: string, dflt?: T | (() => T)): Field<T> {
    return { rule, describe, default: dflt };
}

/** An object with known keys; unknown keys are rejected with the closest valid key suggested. */
export function obj<S extends Shape>(shape: S): Rule<Parsed<S>> {
    return documented(
        (v, path, ctx) => {
            const o = typeof v === "string" ? parseJson(v) : v;
            if (!isPlainObject(o)) return fail(ctx, path, o, `an object with keys ${Object.keys(shape).join(", ")}`);
            const before = ctx.issues.length;
            for (const k of Object.keys(o)) {
                if (!(k in shape)) ctx.issues.push(unknownKey(`${path}.${k}`, k, Object.keys(shape)));
            }
            const out: Record<string, unknown> = {};
            for (const [k, f] of Object.entries(shape)) {
                out[k] = applyField(f, o[k], `${path}.${k}`, ctx);
            }
            return ctx.issues.length === before ? (out as Parsed<S>) : undefined;
        },
        { kind: "object", allowed: `an object with keys ${Object.keys(shape).join(", ")}`, shape },
    );
}

export function applyField<T>(f: Field<T>, raw: unknown, path: string, ctx: Ctx): T | undefined {
    if (raw === undefined || raw === null) {
        if (f.default === undefined) {
            ctx.issues.push(`${path}: is required; allowed: ${f.describe}`);
            return undefined;
        }
        // Defaults go through the rule too, so a defaulted object gets its fields' defaults.
        raw = typeof f.default === "function" ? (f.default as () => T)() : f.default;
    }
    return f.rule(raw, path, ctx);
}

/** `namespace` (e.g. "bdok:") prefixes the names shown, not the ones compared. */
export function unknownKey(path: string, key: string, known: string[], namespace = ""): string {
    const best = closest(key, known);
    return `${printable(path)}: unknown key${hiddenNote(key)}${best ? `; did you mean "${namespace}${best}"?` : ""}; allowed: known keys: ${known.map((k) => namespace + k).join(", ")}`;
}

/** Every known value at the smallest edit distance from `key`, if it is plausibly a typo of them. */
export function closestAll(key: string, known: string[]): string[] {
    const best = closest(key, known);
    if (best === undefined) return [];
    const d = levenshtein(key.toLowerCase(), best.toLowerCase());
    return known.filter((k) => levenshtein(key.toLowerCase(), k.toLowerCase()) === d);
}

/** `did you mean "a"?` or `did you mean "a" or "b"?`, or "" when nothing is close. */
export function didYouMean(key: string, known: string[], max = 3): string {
    const all = closestAll(key, known).slice(0, max);
    return all.length ? `did you mean ${all.map((k) => JSON.stringify(k)).join(" or ")}?` : "";
}

/** The known key nearest to `key` by edit distance, if it is plausibly a typo of it. */
export function closest(key: string, known: string[]): string | undefined {
    let best: string | undefined;
    let bestD = Infinity;
    for (const k of known) {
        const d = levenshtein(key.toLowerCase(), k.toLowerCase());
        if (d < bestD) {
            bestD = d;
            best = k;
        }
    }
    return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

export function levenshtein(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return row[b.length];
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseJson(s: string): unknown {
    try {
        return JSON.parse(s);
    } catch {
        return s;
    }
}
