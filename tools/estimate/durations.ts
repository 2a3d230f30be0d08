// How long `pulumi up` takes per resource, from the duration table (estimates/durations.json): the
// critical-path model (tools/estimate/graph.ts) and the lifecycle check (tools/lifecycle.ts), which
// tests the program's own timeouts (lib/await.ts) against these facts, read it; the program never does.
import { EstResource, getPath } from "../../lib/plan-resource";
import { isPlainObject } from "../../lib/validate";

export interface SourceRef {
    url: string;
    note?: string;
    [k: string]: unknown;
}

export interface DurationEntry {
    match: string;
    when?: Record<string, unknown>;
    minutes: number;
    range?: [number, number];
    /** Waits for pods to be ready, so cannot finish before the node groups exist. */
    needsNodes?: boolean;
    source: SourceRef;
}

export interface DurationTable {
    default: { minutes: number; source: SourceRef };
    entries: DurationEntry[];
}

export function globToRegExp(glob: string): RegExp {
    return new RegExp(
        `^${glob
            .split("*")
            .map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
            .join(".*")}$`,
    );
}

/** A `when` matcher: equality, one of a list, "/regex/" on strings, or {present: boolean}. */
export function matches(actual: unknown, expected: unknown): boolean {
    if (Array.isArray(expected)) return expected.some((e) => matches(actual, e));
    if (isPlainObject(expected) && "present" in expected) return (actual !== undefined && actual !== null) === expected.present;
    if (typeof expected === "string" && expected.length > 2 && expected.startsWith("/") && expected.endsWith("/")) {
        return actual !== undefined && actual !== null && new RegExp(expected.slice(1, -1)).test(String(actual));
    }
    return actual === expected || (actual !== undefined && actual !== null && String(actual) === String(expected));
}

/** The table entry that applies to a resource: the first whose type pattern and conditions hold. */
export function durationEntry(r: Pick<EstResource, "type" | "inputs">, table: DurationTable): { minutes: number; index: number; needsNodes: boolean } {
    for (let i = 0; i < table.entries.length; i++) {
        const e = table.entries[i];
        if (!globToRegExp(e.match).test(r.type)) continue;
        if (e.when && !Object.entries(e.when).every(([p, v]) => matches(getPath(r.inputs, p), v))) continue;
        return { minutes: e.minutes, index: i, needsNodes: e.needsNodes === true };
    }
    return { minutes: table.default.minutes, index: -1, needsNodes: false };
}

export function durationOf(r: Pick<EstResource, "type" | "inputs">, table: DurationTable): number {
    return durationEntry(r, table).minutes;
}
