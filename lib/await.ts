// How long `pulumi up` waits for each object, from the duration table, and what it waits for on
// the custom resources that run pods, from the controller table (model/controllers.json).
import * as fs from "fs";
import * as path from "path";
import { durationEntry, DurationTable } from "./durations";

const ROOT = path.resolve(__dirname, "..");
let durations: DurationTable | undefined;
let waitFors: Map<string, string> | undefined;

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

function podRunningWaitFors(): Map<string, string> {
    if (!waitFors) {
        const rows = JSON.parse(fs.readFileSync(path.join(ROOT, "model", "controllers.json"), "utf8")).podRunningResources as {
            kind: string;
            waitFor: string[];
        }[];
        waitFors = new Map(rows.map((r) => [r.kind, r.waitFor[0]]));
    }
    return waitFors;
}

/** `pulumi.com/waitFor` for a pod-running custom resource: the condition its operator sets. */
export function waitForOf(apiVersion: string, kind: string): string {
    const w = podRunningWaitFors().get(`${apiVersion}/${kind}`);
    if (!w) throw new Error(`no readiness condition known for ${apiVersion}/${kind} (model/controllers.json podRunningResources)`);
    return w;
}

/** Annotations that make Pulumi await a pod-running custom resource, with its timeout. */
export function awaitAnnotations(apiVersion: string, kind: string): Record<string, string> {
    const waitFor = waitForOf(apiVersion, kind);
    const type = `kubernetes:${apiVersion}:${kind}`;
    const seconds = timeoutSeconds(type, { metadata: { annotations: { "pulumi.com/waitFor": waitFor } } });
    return { "pulumi.com/waitFor": waitFor, "pulumi.com/timeoutSeconds": String(seconds) };
}

/** A custom resource's metadata with the await annotations added when its kind runs pods. */
export function awaitedMetadata<M extends object>(apiVersion: string, kind: string, metadata: M): M & { annotations?: Record<string, string> } {
    if (!runsPods(apiVersion, kind)) return metadata;
    const existing = (metadata as { annotations?: Record<string, string> }).annotations ?? {};
    return { ...metadata, annotations: { ...existing, ...awaitAnnotations(apiVersion, kind) } };
}

/** Whether the controller table lists the kind as one that runs pods (and so is awaited). */
export function runsPods(apiVersion: string, kind: string): boolean {
    return podRunningWaitFors().has(`${apiVersion}/${kind}`);
}
