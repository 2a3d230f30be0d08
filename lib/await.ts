// How long `pulumi up` waits for each object, from the duration table, and what it waits for on
// the custom resources that run pods, from the controller table (model/controllers.json).
import * as fs from "fs";
import * as path from "path";
import { durationEntry, DurationTable } from "./durations";

const ROOT = path.resolve(__dirname, "..");
let durations: DurationTable | undefined;
let rows: Map<string, PodRunningRow> | undefined;

function table(): DurationTable {
    durations ??= JSON.parse(fs.readFileSync(path.join(ROOT, "estimates", "durations.json"), "utf8")) as DurationTable;
    return durations;
}

/** The wait Pulumi gets: twice the slow end of the modelled range, at least five minutes. */
export function timeoutSeconds(type: string, inputs: Record<string, unknown>, t: DurationTable = table()): number {
    const e = durationEntry({ type, inputs }, t);
    const entry = e.index >= 0 ? t.entries[e.index] : undefined;
    const slow = entry?.range ? entry.range[1] : e.minutes;
    return Math.max(300, Math.ceil(slow * 2) * 60);
}

/** The Release timeout for a chart (Helm's --wait), from the duration table. */
export function releaseTimeout(chart: string): number {
    return timeoutSeconds("kubernetes:helm.sh/v3:Release", { chart });
}

/** A row of model/controllers.json podRunningResources. */
export interface PodRunningRow {
    kind: string;
    waitFor: string[];
    source: string;
    /** What to wait for instead when the object runs one node (`count`: "spec.<list>[].<field>", summed). */
    singleNode?: { count: string; waitFor: string; source: string };
}

function podRunningRows(): Map<string, PodRunningRow> {
    if (!rows) {
        const all = JSON.parse(fs.readFileSync(path.join(ROOT, "model", "controllers.json"), "utf8")).podRunningResources as PodRunningRow[];
        rows = new Map(all.map((r) => [r.kind, r]));
    }
    return rows;
}

/** The sum of the counts `path` ("spec.<list>[].<field>") names in an object's spec. */
export function countAt(path: string, spec: unknown): number {
    const m = /^spec\.(\w+)\[\]\.(\w+)$/.exec(path);
    if (!m) throw new Error(`count path ${path}; allowed: spec.<list>[].<field>`);
    const list = (spec as Record<string, unknown> | undefined)?.[m[1]];
    return (Array.isArray(list) ? list : []).reduce((n: number, item) => n + Number((item as Record<string, unknown> | undefined)?.[m[2]] ?? 0), 0);
}

/** The conditions an object of the row may be awaited on: the single-node one alone when it runs one node. */
export function allowedWaitFors(row: PodRunningRow, spec: unknown): string[] {
    return row.singleNode && countAt(row.singleNode.count, spec) === 1 ? [row.singleNode.waitFor] : row.waitFor;
}

/** `pulumi.com/waitFor` for a pod-running custom resource: the condition its operator sets. */
export function waitForOf(apiVersion: string, kind: string, spec?: unknown): string {
    const row = podRunningRows().get(`${apiVersion}/${kind}`);
    if (!row) throw new Error(`no readiness condition known for ${apiVersion}/${kind} (model/controllers.json podRunningResources)`);
    return allowedWaitFors(row, spec)[0];
}

/** Annotations that make Pulumi await a pod-running custom resource, with its timeout. */
export function awaitAnnotations(apiVersion: string, kind: string, spec?: unknown): Record<string, string> {
    const waitFor = waitForOf(apiVersion, kind, spec);
    const type = `kubernetes:${apiVersion}:${kind}`;
    const seconds = timeoutSeconds(type, { metadata: { annotations: { "pulumi.com/waitFor": waitFor } } });
    return { "pulumi.com/waitFor": waitFor, "pulumi.com/timeoutSeconds": String(seconds) };
}

/** A custom resource's metadata with the await annotations added when its kind runs pods. */
export function awaitedMetadata<M extends object>(apiVersion: string, kind: string, metadata: M, spec?: unknown): M & { annotations?: Record<string, string> } {
    if (!runsPods(apiVersion, kind)) return metadata;
    const existing = (metadata as { annotations?: Record<string, string> }).annotations ?? {};
    return { ...metadata, annotations: { ...existing, ...awaitAnnotations(apiVersion, kind, spec) } };
}

/** Whether the controller table lists the kind as one that runs pods (and so is awaited). */
export function runsPods(apiVersion: string, kind: string): boolean {
    return podRunningRows().has(`${apiVersion}/${kind}`);
}
