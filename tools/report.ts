// Human-readable views of a plan: a tree of resources per component and counts per type.
import type { Plan, PlannedResource } from "./harness";

export function renderTree(plan: Plan): string {
    const byParent = new Map<string | null, PlannedResource[]>();
    for (const r of plan.resources) {
        const list = byParent.get(r.parent) ?? [];
        list.push(r);
        byParent.set(r.parent, list);
    }
    const lines: string[] = [];
    const walk = (parent: string | null, depth: number) => {
        for (const r of byParent.get(parent) ?? []) {
            const flags = [r.protect ? "protect" : "", r.retainOnDelete ? "retain" : "", r.remote ? "remote" : ""].filter(Boolean);
            const kids = byParent.get(r.urn)?.length ?? 0;
            lines.push(`${"  ".repeat(depth)}${kids ? "+" : "-"} ${r.type} ${r.name}${flags.length ? ` [${flags.join(", ")}]` : ""}`);
            walk(r.urn, depth + 1);
        }
    };
    walk(null, 0);
    return lines.join("\n");
}

export function countByType(plan: Plan): Array<[string, number]> {
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function renderCounts(plan: Plan): string {
    const rows = countByType(plan);
    const width = Math.max(...rows.map(([t]) => t.length));
    return [
        ...rows.map(([t, n]) => `${t.padEnd(width)}  ${String(n).padStart(4)}`),
        `${"total".padEnd(width)}  ${String(plan.resources.length).padStart(4)}`,
    ].join("\n");
}
