// Compares two offline plans (base branch vs. head) by URN: resources added, removed and changed,
// with every changed input as a path `old → new`. Inputs come from plan.json, where secrets are
// already "[secret]"; a secret stays "[secret]" on both sides, so its value never shows.
//
//   npm run plan:diff -- <base plan.json> <head plan.json> [--markdown]
import { parseArgs, readPlanFile, runCli, UsageError } from "./cli";
import { PlanLike, ResourceLike, SECRET } from "./plan-types";

export { SECRET };
export type { PlanLike, ResourceLike };

export interface Change {
    /** Input path such as `tags.Name` or `rules[0].status`; options in brackets: `[protect]`. */
    path: string;
    kind: "added" | "removed" | "changed";
    old?: unknown;
    new?: unknown;
}

export interface ChangedResource {
    urn: string;
    type: string;
    name: string;
    changes: Change[];
}

export interface PlanDiff {
    stack: string;
    added: ResourceLike[];
    removed: ResourceLike[];
    changed: ChangedResource[];
    unchanged: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A JSON document inside a string (IAM and bucket policies): diffed structurally when both sides are. */
function asJsonDoc(v: unknown): Record<string, unknown> | unknown[] | undefined {
    if (typeof v !== "string" || !/^\s*[[{]/.test(v)) return undefined;
    try {
        const d = JSON.parse(v);
        return typeof d === "object" && d !== null ? d : undefined;
    } catch {
        return undefined;
    }
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Differences between two input values, as paths; secrets compare as the opaque "[secret]". */
export function diffValues(a: unknown, b: unknown, path = "", out: Change[] = []): Change[] {
    if (a === b) return out;
    if (a === SECRET || b === SECRET) {
        // Only whether a value is secret can change visibly; the secret itself stays masked.
        out.push({ path, kind: "changed", old: a, new: b });
        return out;
    }
    if (isObject(a) && isObject(b)) {
        for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
            if (!(k in b)) out.push({ path: join(path, k), kind: "removed", old: a[k] });
            else if (!(k in a)) out.push({ path: join(path, k), kind: "added", new: b[k] });
            else diffValues(a[k], b[k], join(path, k), out);
        }
        return out;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
        for (let i = 0; i < Math.max(a.length, b.length); i++) {
            const p = `${path}[${i}]`;
            if (i >= b.length) out.push({ path: p, kind: "removed", old: a[i] });
            else if (i >= a.length) out.push({ path: p, kind: "added", new: b[i] });
            else diffValues(a[i], b[i], p, out);
        }
        return out;
    }
    const da = asJsonDoc(a);
    const db = asJsonDoc(b);
    if (da && db) return diffValues(da, db, `${path}<json>`, out);
    out.push({ path, kind: "changed", old: a, new: b });
    return out;
}

const OPTIONS = ["protect", "retainOnDelete", "deleteBeforeReplace", "provider"] as const;

/** Changes of one resource: its inputs, then its options and dependencies. */
export function diffResource(a: ResourceLike, b: ResourceLike): Change[] {
    const changes = diffValues(a.inputs ?? {}, b.inputs ?? {});
    for (const o of OPTIONS) {
        const x = a[o] ?? (o === "provider" ? null : false);
        const y = b[o] ?? (o === "provider" ? null : false);
        if (x !== y) changes.push({ path: `[${o}]`, kind: "changed", old: x, new: y });
    }
    const ia = [...(a.ignoreChanges ?? [])].sort();
    const ib = [...(b.ignoreChanges ?? [])].sort();
    if (JSON.stringify(ia) !== JSON.stringify(ib)) changes.push({ path: "[ignoreChanges]", kind: "changed", old: ia, new: ib });
    const da = new Set(a.dependencies ?? []);
    const db = new Set(b.dependencies ?? []);
    for (const d of db) if (!da.has(d)) changes.push({ path: "[dependsOn]", kind: "added", new: d });
    for (const d of da) if (!db.has(d)) changes.push({ path: "[dependsOn]", kind: "removed", old: d });
    return changes;
}

/** The diff of two plans of the same stack, by URN. */
export function diffPlans(base: PlanLike, head: PlanLike): PlanDiff {
    const before = new Map(base.resources.map((r) => [r.urn, r]));
    const after = new Map(head.resources.map((r) => [r.urn, r]));
    const added = head.resources.filter((r) => !before.has(r.urn));
    const removed = base.resources.filter((r) => !after.has(r.urn));
    const changed: ChangedResource[] = [];
    let unchanged = 0;
    for (const r of head.resources) {
        const old = before.get(r.urn);
        if (!old) continue;
        const changes = diffResource(old, r);
        if (changes.length) changed.push({ urn: r.urn, type: r.type, name: r.name, changes });
        else unchanged++;
    }
    return { stack: head.stack || base.stack, added, removed, changed, unchanged };
}

/** A value for display: secrets masked, long values shortened, URNs to their type and name. */
export function showValue(v: unknown, max = 100): string {
    if (v === undefined) return "(none)";
    if (v === SECRET) return SECRET;
    if (typeof v === "string" && v.startsWith("urn:pulumi:")) return shortUrn(v);
    const s = JSON.stringify(v) ?? String(v);
    return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

export function shortUrn(urn: string): string {
    const parts = urn.split("::");
    const type = (parts[2] ?? "").split("$").pop() ?? "";
    return `${type}::${parts[3] ?? ""}`;
}

function changeLine(c: Change): string {
    if (c.kind === "added") return `+ ${c.path}: ${showValue(c.new)}`;
    if (c.kind === "removed") return `- ${c.path}: ${showValue(c.old)}`;
    return `~ ${c.path}: ${showValue(c.old)} → ${showValue(c.new)}`;
}

export function summaryLine(d: PlanDiff): string {
    return `${d.added.length} to add, ${d.removed.length} to remove, ${d.changed.length} to change, ${d.unchanged} unchanged`;
}

export function renderText(d: PlanDiff): string {
    const lines = [`plan diff for stack "${d.stack}": ${summaryLine(d)}`];
    for (const r of d.added) lines.push(`  + ${r.type} ${r.name}`);
    for (const r of d.removed) lines.push(`  - ${r.type} ${r.name}`);
    for (const r of d.changed) {
        lines.push(`  ~ ${r.type} ${r.name}`);
        for (const c of r.changes) lines.push(`      ${changeLine(c)}`);
    }
    return lines.join("\n");
}

const md = (s: string) => s.replace(/\|/g, "\\|").replace(/`/g, "'");

/** Markdown for a job summary or PR comment; long diffs are cut at `maxChars` with a note. */
export function renderMarkdown(d: PlanDiff, maxChars = 30000): string {
    const lines = [`### Offline plan diff: \`${d.stack}\``, "", `**${summaryLine(d)}**`, ""];
    if (d.added.length + d.removed.length + d.changed.length === 0) {
        lines.push("No changes.");
        return lines.join("\n");
    }
    if (d.added.length || d.removed.length) {
        lines.push("| | type | name |", "|---|---|---|");
        for (const r of d.added) lines.push(`| ➕ | \`${md(r.type)}\` | ${md(r.name)} |`);
        for (const r of d.removed) lines.push(`| ➖ | \`${md(r.type)}\` | ${md(r.name)} |`);
        lines.push("");
    }
    for (const r of d.changed) {
        lines.push(
            `<details><summary>✏️ <code>${md(r.type)}</code> ${md(r.name)} (${r.changes.length} change${r.changes.length === 1 ? "" : "s"})</summary>`,
            "",
            "```diff",
        );
        for (const c of r.changes) lines.push(changeLine(c).replace(/^~/, "!"));
        lines.push("```", "", "</details>");
    }
    let text = lines.join("\n");
    if (text.length > maxChars) text = `${text.slice(0, maxChars)}\n\n… (cut: the full diff is in the job log)`;
    return text;
}

const usage = "usage: npm run plan:diff -- <base plan.json> <head plan.json> [--markdown]";

export function main(argv: string[]): string {
    const { flags, positionals } = parseArgs(argv, { "--markdown": "switch" }, usage, 2);
    if (positionals.length !== 2)
        throw new UsageError(
            `${positionals.length === 0 ? "no plan files given" : "one plan file given"}: plan:diff needs a base and a head plan.json\n${usage}`,
        );
    const d = diffPlans(readPlanFile(positionals[0], usage), readPlanFile(positionals[1], usage));
    return flags["--markdown"] ? renderMarkdown(d) : renderText(d);
}

if (require.main === module) {
    runCli(() => {
        console.log(main(process.argv.slice(2)));
        return 0;
    });
}
