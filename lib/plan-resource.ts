// The planned-resource shape shared by the duration table (tools/estimate/durations.ts) and the offline models
// in tools/, and dotted paths into its inputs.
import { isPlainObject } from "./validate";

/** The part of a planned resource the estimates read (tools/harness.ts PlannedResource fits). */
export interface EstResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    provider?: string | null;
    dependencies: string[];
    custom: boolean;
    remote?: boolean;
    inputs: Record<string, unknown>;
}

/** Splits "a.b.pulumi\.com/x" into ["a", "b", "pulumi.com/x"] (a backslash escapes a dot). */
export function splitPath(path: string): string[] {
    const out: string[] = [];
    let cur = "";
    for (let i = 0; i < path.length; i++) {
        const c = path[i];
        if (c === "\\" && path[i + 1] === ".") {
            cur += ".";
            i++;
        } else if (c === ".") {
            out.push(cur);
            cur = "";
        } else cur += c;
    }
    out.push(cur);
    return out.filter((p) => p !== "");
}

export function getPath(obj: unknown, path: string | string[]): unknown {
    let cur: unknown = obj;
    for (const key of Array.isArray(path) ? path : splitPath(path)) {
        if (!isPlainObject(cur)) return undefined;
        cur = cur[key];
    }
    return cur;
}
