// Compares two offline plans (base branch vs. head) by URN: resources added, removed and changed,
// with every changed input as a path `old → new`. Inputs come from plan.json, where secrets are
// already "[secret]"; a secret stays "[secret]" on both sides, so its value never shows.
// Each change is an update, a replacement or refused by the API, after model/replacements.json
// (one sourced row each); a replacement carries on to the inputs that take the replaced
// resource's outputs, and data-holding replacements, removals and refusals are listed first.
//
//   npm run plan:diff -- <base plan.json> <head plan.json> [--markdown]
import * as fs from "fs";
import * as path from "path";
import { Io, parseArgs, readPlanFile, runCli, UsageError } from "./cli";
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

export type Action = "update" | "replace" | "refused";

export interface ChangedResource {
    urn: string;
    type: string;
    name: string;
    changes: Change[];
    action: Action;
    /** Why it is replaced or refused: the path, and the model row's message and source. */
    reasons: string[];
    /** What is lost with it (model dataHolders), for data-holding resources. */
    holds?: string;
}

export interface PlanDiff {
    stack: string;
    added: ResourceLike[];
    removed: ResourceLike[];
    changed: ChangedResource[];
    unchanged: number;
}

interface ModelRule {
    type: string;
    paths: string[];
    source: string;
    when?: "versionDown" | "versionSkipsMinor" | "vpcReplaced" | "zonesChanged";
    message?: string;
}
export interface ReplacementModel {
    replace: ModelRule[];
    refused: ModelRule[];
    dataHolders: { type: string; holds: string; source: string }[];
}

export const MODEL_FILE = path.join(__dirname, "..", "model", "replacements.json");
let model: ReplacementModel | undefined;
export function replacementModel(): ReplacementModel {
    return (model ??= JSON.parse(fs.readFileSync(MODEL_FILE, "utf8")) as ReplacementModel);
}

const typeMatches = (ruleType: string, type: string) =>
    ruleType === type || (ruleType.endsWith(":*") && type.startsWith(ruleType.slice(0, -1)) && !type.startsWith("kubernetes:helm.sh"));
// A rule on `spec.template` covers `spec.template.spec...`, `spec.template[0]` and JSON inside it.
const pathMatches = (rulePath: string, p: string) => p === rulePath || [".", "[", "<"].some((c) => p.startsWith(rulePath + c));

/** Rows of the model that match no resource type of any of the plans: a row that checks nothing (issue 21). */
export function unusedRules(plans: { resources: { type: string }[] }[], m: ReplacementModel = replacementModel()): string[] {
    const types = new Set(plans.flatMap((p) => p.resources.map((r) => r.type)));
    const out: string[] = [];
    for (const k of ["replace", "refused", "dataHolders"] as const)
        m[k].forEach((row, i) => {
            if (![...types].some((t) => typeMatches(row.type, t))) out.push(`${k}[${i}] ${row.type}`);
        });
    return out;
}

export function holdsData(type: string): string | undefined {
    return replacementModel().dataHolders.find((d) => d.type === type)?.holds;
}

function versionParts(v: unknown): number[] | undefined {
    return typeof v === "string" && /^\d+(\.\d+)*$/.test(v) ? v.split(".").map(Number) : undefined;
}
function compareVersions(a: number[], b: number[]): number {
    for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    return 0;
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

/** The diff of two plans of the same stack, by URN, each change classified by the model. */
export function diffPlans(base: PlanLike, head: PlanLike): PlanDiff {
    const before = new Map(base.resources.map((r) => [r.urn, r]));
    const after = new Map(head.resources.map((r) => [r.urn, r]));
    const added = head.resources.filter((r) => !before.has(r.urn));
    const removed = base.resources.filter((r) => !after.has(r.urn));
    const m = replacementModel();
    // URN of each replaced resource -> the replaced resources its replacement comes from (itself included).
    const replaced = new Map<string, Set<string>>();
    const results = new Map<string, ChangedResource>();
    const zonesOf = (plan: Map<string, ResourceLike>, urns: string[] | undefined) =>
        [
            ...new Set(
                (urns ?? [])
                    .map((u) => plan.get(u))
                    .filter((x) => x?.type === "aws:ec2/subnet:Subnet")
                    // The network module places subnets by zone id (availabilityZoneId); either names the zone.
                    .map((x) => String(x!.inputs?.availabilityZone ?? x!.inputs?.availabilityZoneId)),
            ),
        ]
            .sort()
            .join(",");
    // A replacement gives new ids, which the mock plans cannot show: carry it on until nothing more changes.
    for (let pass = 0, grew = true; grew && pass < 50; pass++) {
        grew = false;
        for (const r of head.resources) {
            const old = before.get(r.urn);
            if (!old) continue;
            const changes = diffResource(old, r);
            const causes = new Set<string>();
            for (const [prop, deps] of Object.entries(r.propertyDependencies ?? {})) {
                const from = deps.filter((d) => replaced.has(d));
                if (!from.length) continue;
                from.forEach((d) => replaced.get(d)!.forEach((c) => causes.add(c)));
                if (!changes.some((c) => pathMatches(prop, c.path)))
                    changes.push({ path: prop, kind: "changed", old: old.inputs?.[prop], new: `(new: ${from.map((d) => shortUrn(d)).join(", ")} replaced)` });
            }
            if (!changes.length) continue;
            const reasons: string[] = [];
            let action: Action = "update";
            let replaces = false;
            for (const rule of m.refused.filter((x) => typeMatches(x.type, r.type))) {
                const hit = changes.find(
                    (c) => rule.paths.some((p) => pathMatches(p, c.path)) && refusedWhen(rule, c, { old, r, causes, before, after, zonesOf }),
                );
                if (hit) {
                    action = "refused";
                    reasons.push(`${hit.path}: ${rule.message} (${rule.source})`);
                }
            }
            for (const rule of m.replace.filter((x) => typeMatches(x.type, r.type))) {
                const hit = changes.find((c) => rule.paths.some((p) => pathMatches(p, c.path)));
                if (hit) {
                    replaces = true;
                    if (action === "update") action = "replace";
                    reasons.push(`${hit.path} replaces (${rule.source})`);
                }
            }
            // A refused change stops the update: only a replacement gives its dependents new ids.
            if (replaces && action === "replace" && !replaced.has(r.urn)) {
                replaced.set(r.urn, new Set([r.urn, ...causes]));
                grew = true;
            }
            results.set(r.urn, { urn: r.urn, type: r.type, name: r.name, changes, action, reasons, holds: holdsData(r.type) });
        }
    }
    const changed = head.resources.filter((r) => results.has(r.urn)).map((r) => results.get(r.urn)!);
    const unchanged = head.resources.filter((r) => before.has(r.urn) && !results.has(r.urn)).length;
    return { stack: head.stack || base.stack, added, removed, changed, unchanged };
}

function refusedWhen(
    rule: ModelRule,
    c: Change,
    ctx: {
        old: ResourceLike;
        r: ResourceLike;
        causes: Set<string>;
        before: Map<string, ResourceLike>;
        after: Map<string, ResourceLike>;
        zonesOf: (plan: Map<string, ResourceLike>, urns: string[] | undefined) => string;
    },
): boolean {
    const [a, b] = [versionParts(c.old), versionParts(c.new)];
    switch (rule.when) {
        case "versionDown":
            return !!a && !!b && compareVersions(b, a) < 0;
        case "versionSkipsMinor":
            return !!a && !!b && a[0] === b[0] && (b[1] ?? 0) - (a[1] ?? 0) > 1;
        case "vpcReplaced":
            return [...ctx.causes].some((u) => (ctx.after.get(u) ?? ctx.before.get(u))?.type === "aws:ec2/vpc:Vpc");
        case "zonesChanged": {
            const prop = rule.paths.find((p) => pathMatches(p, c.path))!;
            const was = ctx.zonesOf(ctx.before, ctx.old.propertyDependencies?.[prop]);
            return was !== "" && was !== ctx.zonesOf(ctx.after, ctx.r.propertyDependencies?.[prop]);
        }
        default:
            return true;
    }
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

/** The lines that differ between two texts (LCS), with one line of context and line numbers (old for -, new otherwise). */
export function changedLines(a: string, b: string, context = 1): string[] {
    const x = a.split("\n");
    const y = b.split("\n");
    const n = x.length;
    const m = y.length;
    const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--)
        for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    const ops: { op: " " | "-" | "+"; line: string; at: number }[] = [];
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && x[i] === y[j]) ops.push({ op: " ", line: x[i++], at: j++ + 1 });
        // Removed lines first, numbered as in the old text; added and kept ones as in the new.
        else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push({ op: "-", line: x[i], at: ++i });
        else ops.push({ op: "+", line: y[j], at: ++j });
    }
    const keep = ops.map((_, k) => ops.slice(Math.max(0, k - context), k + context + 1).some((p) => p.op !== " "));
    const out: string[] = [];
    ops.forEach((o, k) => {
        if (!keep[k]) return;
        if (k > 0 && !keep[k - 1]) out.push("  ...");
        out.push(`${o.op} ${String(o.at).padStart(4)}| ${o.line}`);
    });
    return out;
}

/** A one-line string around its first difference, so a long value is never cut before it. */
function aroundDifference(a: string, b: string, width = 40): [string, string] {
    let p = 0;
    while (p < a.length && p < b.length && a[p] === b[p]) p++;
    const cut = (s: string) => `${p > width ? "…" : ""}${s.slice(Math.max(0, p - width), p + width)}${s.length > p + width ? "…" : ""}`;
    return [cut(a), cut(b)];
}

function changeLines(c: Change): string[] {
    if (c.kind === "added") return [`+ ${c.path}: ${showValue(c.new)}`];
    if (c.kind === "removed") return [`- ${c.path}: ${showValue(c.old)}`];
    if (typeof c.old === "string" && typeof c.new === "string" && c.old !== SECRET && c.new !== SECRET) {
        if (c.old.includes("\n") || c.new.includes("\n")) return [`~ ${c.path}: changed lines`, ...changedLines(c.old, c.new).map((l) => `    ${l}`)];
        if (c.old.length > 100 || c.new.length > 100) {
            const [o, n] = aroundDifference(c.old, c.new);
            return [`~ ${c.path}: ${JSON.stringify(o)} → ${JSON.stringify(n)}`];
        }
    }
    return [`~ ${c.path}: ${showValue(c.old)} → ${showValue(c.new)}`];
}

export function summaryLine(d: PlanDiff): string {
    const n = (a: Action) => d.changed.filter((c) => c.action === a).length;
    return (
        `${d.added.length} to add, ${d.removed.length} to remove, ${d.changed.length} to change ` +
        `(${n("update")} in place, ${n("replace")} replaced, ${n("refused")} refused), ${d.unchanged} unchanged`
    );
}

const ORDER: Record<Action, number> = { refused: 0, replace: 1, update: 2 };
/** Refusals first, then replacements of data holders, then other replacements, then updates. */
export function ordered(d: PlanDiff): ChangedResource[] {
    const rank = (c: ChangedResource) => ORDER[c.action] * 2 + (c.holds && c.action !== "update" ? 0 : 1);
    return [...d.changed].sort((a, b) => rank(a) - rank(b));
}

/** What loses data or cannot be applied: refusals, data-holding replacements and removals. */
export function atRisk(d: PlanDiff): string[] {
    const lines: string[] = [];
    for (const c of ordered(d).filter((x) => x.action === "refused"))
        lines.push(`REFUSED ${c.type} ${c.name}: ${c.reasons.filter((r) => !/ replaces \(/.test(r)).join("; ")}${c.holds ? `; it holds ${c.holds}` : ""}`);
    for (const c of ordered(d).filter((x) => x.action === "replace" && x.holds)) lines.push(`REPLACES DATA ${c.type} ${c.name}: ${c.holds}`);
    for (const r of d.removed.filter((x) => holdsData(x.type))) lines.push(`DELETES DATA ${r.type} ${r.name}: ${holdsData(r.type)}`);
    return lines;
}

const MARK: Record<Action, string> = { update: "~", replace: "+-", refused: "!" };

export function renderText(d: PlanDiff): string {
    const lines = [`plan diff for stack "${d.stack}": ${summaryLine(d)}`];
    const risk = atRisk(d);
    if (risk.length) lines.push("data and refusals first:", ...risk.map((l) => `  ${l}`));
    for (const r of d.added) lines.push(`  + ${r.type} ${r.name}`);
    for (const r of d.removed) lines.push(`  - ${r.type} ${r.name}`);
    for (const r of ordered(d)) {
        lines.push(`  ${MARK[r.action]} ${r.type} ${r.name} (${r.action})`);
        for (const c of r.changes) lines.push(...changeLines(c).map((l) => `      ${l}`));
        for (const why of r.reasons) lines.push(`      = ${why}`);
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
    const risk = atRisk(d);
    if (risk.length) lines.push("**Data and refusals**", "", ...risk.map((l) => `- ⚠️ ${md(l)}`), "");
    if (d.added.length || d.removed.length) {
        lines.push("| | type | name |", "|---|---|---|");
        for (const r of d.added) lines.push(`| ➕ | \`${md(r.type)}\` | ${md(r.name)} |`);
        for (const r of d.removed) lines.push(`| ➖ | \`${md(r.type)}\` | ${md(r.name)} |`);
        lines.push("");
    }
    for (const r of ordered(d)) {
        const icon = { update: "✏️", replace: "♻️", refused: "⛔" }[r.action];
        lines.push(
            `<details><summary>${icon} <code>${md(r.type)}</code> ${md(r.name)}: ${r.action} (${r.changes.length} change${r.changes.length === 1 ? "" : "s"})</summary>`,
            "",
            "```diff",
        );
        for (const c of r.changes) lines.push(...changeLines(c).map((l) => l.replace(/^~/, "!")));
        for (const why of r.reasons) lines.push(`# ${why}`);
        lines.push("```", "", "</details>");
    }
    let text = lines.join("\n");
    if (text.length > maxChars) text = `${text.slice(0, maxChars)}\n\n… (cut: the full diff is in the job log)`;
    return text;
}

const usage = "usage: npm run plan:diff -- <base plan.json> <head plan.json> [--markdown]";

/** `npm run plan:diff`: prints the diff of two plan files; 0 (bad arguments or files throw a UsageError). */
export function main(argv: string[], io: Io): number {
    const { flags, positionals } = parseArgs(argv, { "--markdown": "switch" }, usage, 2);
    if (positionals.length !== 2)
        throw new UsageError(
            `${positionals.length === 0 ? "no plan files given" : "one plan file given"}: plan:diff needs a base and a head plan.json\n${usage}`,
        );
    const d = diffPlans(readPlanFile(positionals[0], usage), readPlanFile(positionals[1], usage));
    io.stdout(`${flags["--markdown"] ? renderMarkdown(d) : renderText(d)}\n`);
    return 0;
}

if (require.main === module) runCli(main);
