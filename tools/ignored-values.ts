// "No silently ignored values": every values leaf the program sets must change what the chart
// renders. One render probes all strings and numbers at once with unique sentinels; the leaves
// whose sentinel does not show (booleans, values used only in conditions) are mutated one by one.
import { isPlainObject } from "../lib/validate";
import { helmTemplateAsync, parseManifest, RenderError } from "./helm";
import type { PlannedRelease } from "./render";

export type LeafPath = (string | number)[];

export interface Leaf {
    path: LeafPath;
    value: unknown;
}

/** Every scalar (and every empty object or list) of a values tree, with its path. */
export function valueLeaves(v: unknown, at: LeafPath = []): Leaf[] {
    if (Array.isArray(v)) return v.length ? v.flatMap((x, i) => valueLeaves(x, [...at, i])) : [{ path: at, value: v }];
    if (isPlainObject(v)) {
        const entries = Object.entries(v);
        return entries.length ? entries.flatMap(([k, x]) => valueLeaves(x, [...at, k])) : [{ path: at, value: v }];
    }
    return [{ path: at, value: v }];
}

export function pathText(p: LeafPath): string {
    return p
        .map((s) => (typeof s === "number" ? `[${s}]` : /^[A-Za-z_][\w]*$/.test(s) ? `.${s}` : `["${s}"]`))
        .join("")
        .replace(/^\./, "");
}

function setAt(root: unknown, p: LeafPath, value: unknown): unknown {
    if (!p.length) return value;
    const [head, ...rest] = p;
    if (Array.isArray(root)) {
        const copy = [...root];
        copy[head as number] = setAt(root[head as number], rest, value);
        return copy;
    }
    const obj = root as Record<string, unknown>;
    return { ...obj, [head]: setAt(obj[head as string], rest, value) };
}

/** A value of the same kind that the chart cannot mistake for the original. */
export function mutate(value: unknown, i: number): unknown {
    if (typeof value === "boolean") return !value;
    if (typeof value === "number") return Number.isInteger(value) ? 77300000 + i : 773.5 + i;
    if (typeof value === "string") return sentinel(i);
    return sentinel(i); // null, {} or []: a value where there was none
}

function sentinel(i: number): string {
    return `bdokprobe${i}q`;
}

/** How a sentinel reads once rendered: Go prints a large JSON number as a float ("7.73e+07"). */
export function renderedForms(m: unknown): string[] {
    if (typeof m !== "number") return [String(m)];
    const [mant, exp] = m.toExponential().split("e");
    const sign = exp.startsWith("-") ? "-" : "+";
    return [String(m), `${mant}e${sign}${exp.replace(/^[+-]/, "").padStart(2, "0")}`];
}

/** The leaf a chart names when it refuses a value: a schema path or a `.Values.x.y` reference. */
export function blamedLeaf(message: string, leaves: Leaf[], among: number[]): number | undefined {
    const schema = /at '\/([^']*)'/.exec(message);
    const ref = /\.Values\.([\w.]+)/.exec(message);
    const wanted = schema ? schema[1].split("/").join(".") : ref ? ref[1] : undefined;
    if (!wanted) return undefined;
    return among.find((i) => leaves[i].path.join(".") === wanted) ?? among.find((i) => leaves[i].path.join(".").startsWith(`${wanted}.`));
}

/** The text a sentinel can show up in: the manifest, plus Secret data decoded from base64. */
function searchable(manifest: string): string {
    const decoded: string[] = [];
    for (const o of parseManifest(manifest)) {
        if (o.kind === "Secret" && isPlainObject(o.data)) {
            for (const v of Object.values(o.data)) if (typeof v === "string") decoded.push(Buffer.from(v, "base64").toString("utf8"));
        }
    }
    return `${manifest}\n${decoded.join("\n")}`;
}

export interface IgnoredValuesResult {
    release: string;
    leaves: number;
    renders: number;
    /** Leaves whose change renders the same manifest. */
    ignored: string[];
}

/** Runs at most `n` async jobs at once. */
async function pool<T, R>(items: T[], n: number, job: (t: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let next = 0;
    await Promise.all(
        Array.from({ length: Math.min(n, items.length) }, async () => {
            while (next < items.length) {
                const i = next++;
                out[i] = await job(items[i]);
            }
        }),
    );
    return out;
}

export async function ignoredValues(rel: PlannedRelease, kubeVersion: string, apiVersions: string[], concurrency = 2): Promise<IgnoredValuesResult> {
    const opts = (values: unknown) => ({ releaseName: rel.releaseName, namespace: rel.namespace, values, kubeVersion, apiVersions, skipCrds: rel.skipCrds });
    let renders = 0;
    const render = async (values: unknown): Promise<string | RenderError> => {
        renders++;
        try {
            return await helmTemplateAsync(rel.chart, opts(values));
        } catch (e) {
            if (e instanceof RenderError) return e;
            throw e;
        }
    };
    const baseline = await render(rel.values);
    if (baseline instanceof RenderError) throw baseline;
    const leaves = valueLeaves(rel.values);
    const used = new Set<number>();

    // Sentinel probes for strings and numbers; a group the chart refuses is split until each
    // refusing leaf stands alone (a refusal means the chart reads that value).
    const probe = async (group: number[]): Promise<void> => {
        if (!group.length) return;
        let values: unknown = rel.values;
        for (const i of group) values = setAt(values, leaves[i].path, mutate(leaves[i].value, i));
        const out = await render(values);
        if (out instanceof RenderError) {
            if (group.length === 1) {
                used.add(group[0]);
                return;
            }
            // The chart usually names the value it refused: take it out and probe the rest again.
            const blamed = blamedLeaf(out.message, leaves, group);
            if (blamed !== undefined) {
                used.add(blamed);
                await probe(group.filter((i) => i !== blamed));
                return;
            }
            const mid = Math.ceil(group.length / 2);
            await Promise.all([probe(group.slice(0, mid)), probe(group.slice(mid))]);
            return;
        }
        const text = searchable(out);
        for (const i of group) {
            const m = mutate(leaves[i].value, i);
            if (typeof m !== "boolean" && renderedForms(m).some((f) => text.includes(f))) used.add(i);
        }
    };
    await probe(leaves.map((_, i) => i).filter((i) => typeof leaves[i].value === "string" || typeof leaves[i].value === "number"));

    // Everything else, one leaf at a time.
    const rest = leaves.map((_, i) => i).filter((i) => !used.has(i));
    const changed = await pool(rest, concurrency, async (i) => {
        const out = await render(setAt(rel.values, leaves[i].path, mutate(leaves[i].value, i)));
        return out instanceof RenderError || out !== baseline;
    });
    const ignored = rest.filter((_, k) => !changed[k]).map((i) => pathText(leaves[i].path));
    return { release: rel.releaseName, leaves: leaves.length, renders, ignored };
}
