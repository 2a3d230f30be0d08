// Composes the offline estimates of a plan (lib/estimates.ts) with the data tables in estimates/:
// deploy time (critical path), monthly cost at idle, and capacity. tools/plan.ts calls estimate()
// and writes the result into plan.json under `estimates`.
import * as fs from "fs";
import * as path from "path";
import type { StackConfig } from "../config";
import {
    CapacityError, CapacityReport, CapacityTable, CostItem, DurationTable, EstResource, PriceTable, RenderedObjects,
    capacityReport, criticalPath, jvmMemoryMiB, monthlyCost,
} from "../lib/estimates";
import type { PlanRun } from "./harness";
import { renderPlan, RenderedRelease } from "./render";

const ROOT = path.resolve(__dirname, "..");

export interface Tables {
    durations: DurationTable;
    prices: PriceTable;
    capacity: CapacityTable;
}

let cached: Tables | undefined;

/** The data tables in estimates/ (read once). */
export function loadTables(): Tables {
    if (!cached) {
        const read = (f: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "estimates", f), "utf8"));
        cached = { durations: read("durations.json"), prices: read("prices.json"), capacity: read("capacity.json") };
    }
    return cached;
}

/** What each release of the plan renders, by its URN: the objects capacity and cost count. */
export function renderedObjects(rendered: RenderedRelease[]): RenderedObjects {
    return Object.fromEntries(rendered.map((r) => [r.urn, r.objects]));
}

export interface Estimates {
    deployMinutes: number;
    criticalPath: Array<{ name: string; type: string; minutes: number; startMinute: number; finishMinute: number }>;
    components: Array<{ name: string; type: string; finishMinute: number }>;
    monthlyCostUsd: number;
    costItems: CostItem[];
    capacity: CapacityReport;
    /** When the pods do not fit: the one-line shortfall and the configuration key that fixes it. */
    capacityAdvice?: { key: string; message: string };
    warnings: string[];
    usageBased: PriceTable["usageBased"];
    basis: {
        durations: string;
        prices: string;
        capacity: string;
        pricesRegion: string;
        pricesDate: string;
        asOf: string;
        /** How Helm releases are counted. */
        helmReleases: string;
    };
}

const r1 = (n: number) => Math.round(n * 10) / 10;

export interface EstimateOptions {
    tables?: Tables;
    /** The plan's releases as rendered (default: renderPlan(run), which needs run.captured). */
    rendered?: RenderedRelease[];
    /** The date the EKS support status is evaluated on (default: the price table's date). */
    asOf?: string;
}

/** The estimates of a plan run; a chart that fails to render throws its RenderError (tools/helm.ts). */
export function estimate(run: PlanRun, opts: EstimateOptions = {}): Estimates {
    const tables = opts.tables ?? loadTables();
    const rendered = renderedObjects(opts.rendered ?? renderPlan(run));
    const resources = run.plan.resources;

    const cp = criticalPath(resources, tables.durations);
    const cost = monthlyCost(resources, run.config, tables.prices, { asOf: opts.asOf, capacityTable: tables.capacity, rendered });
    const cap = capacityReport(resources, tables.capacity, rendered);
    const advice = cap.fits ? undefined : capacityAdvice(resources, run.config, cap, tables, rendered);
    return {
        deployMinutes: r1(cp.minutes),
        criticalPath: cp.chain.map((c) => ({ name: c.name, type: c.type, minutes: c.minutes, startMinute: r1(c.start), finishMinute: r1(c.finish) })),
        components: cp.components.map((c) => ({ name: c.name, type: c.type, finishMinute: r1(c.finish) })),
        monthlyCostUsd: cost.totalUsd,
        costItems: cost.items,
        capacity: cap,
        ...(advice ? { capacityAdvice: advice } : {}),
        warnings: cost.warnings,
        usageBased: cost.usageBased,
        basis: {
            durations: "estimates/durations.json",
            prices: "estimates/prices.json",
            capacity: "estimates/capacity.json",
            pricesRegion: tables.prices.region,
            pricesDate: tables.prices.date,
            asOf: opts.asOf ?? tables.prices.date,
            helmReleases: "the workloads each chart renders (helm template, tools/render.ts)",
        },
    };
}

const vcpu = (m: number) => `${(m / 1000).toFixed(2)} vCPU`;
const gib = (m: number) => `${(m / 1024).toFixed(1)} GiB`;

/** The plan's node group of a configured group (the program names it `<cluster>-<group>`). */
function planGroupOf(resources: EstResource[], group: string): EstResource | undefined {
    return resources.find((r) => (r.type === "eks:index:ManagedNodeGroup" || r.type === "aws:eks/nodeGroup:NodeGroup") && (r.name === group || r.name.endsWith(`-${group}`)));
}

/**
 * What to change when the pods do not fit, leading with the shortfall: the executor memory for a
 * Spark pod no node can hold, else the smallest desiredSize that fits (found by re-running the
 * capacity model), else a larger instance type.
 */
export function capacityAdvice(resources: EstResource[], config: StackConfig, cap: CapacityReport, tables: Tables, rendered: RenderedObjects = {}): { key: string; message: string } {
    const groups = Object.keys(config.nodeGroups);
    const typesKey = `bdok:nodeGroups.${groups[0]}.instanceTypes`;
    const o = cap.oversized[0];
    if (o) {
        const room = `${gib(o.largestNode.memoryMiB)} and ${vcpu(o.largestNode.cpuMillis)} on an empty ${o.largestNode.instanceType}`;
        if (o.submitted && /\.executor$/.test(o.path) && o.memoryMiB > o.largestNode.memoryMiB) {
            const mem = jvmMemoryMiB(config.spark.executorMemory);
            const ratio = o.memoryMiB / mem;
            const max = Math.floor(Math.min(o.largestNode.memoryMiB / ratio, o.largestNode.memoryMiB - tables.capacity.operatorDefaults.sparkMemoryOverhead.minimumMiB));
            const at = max >= 1024 ? `${Math.floor(max / 1024)}g` : `${Math.max(0, max)}m`;
            return {
                key: "bdok:spark.executorMemory",
                message: `bdok:spark.executorMemory: got "${config.spark.executorMemory}": an executor pod of the batch SparkApplication ${o.submitted} requests ${gib(o.memoryMiB)} (memory + overhead), more than any node offers (${room}); allowed: at most ${at}, or a larger instance type in ${typesKey}`,
            };
        }
        return {
            key: typesKey,
            message: `${typesKey}: ${o.source} ${o.path}: one pod requests ${gib(o.memoryMiB)} and ${vcpu(o.cpuMillis)}, more than any node offers (${room}); allowed: a larger instance type`,
        };
    }
    const short: string[] = [];
    if (cap.requested.memoryMiB > cap.allocatable.memoryMiB) short.push(`${gib(cap.requested.memoryMiB - cap.allocatable.memoryMiB)} memory`);
    if (cap.requested.cpuMillis > cap.allocatable.cpuMillis) short.push(vcpu(cap.requested.cpuMillis - cap.allocatable.cpuMillis));
    if (cap.requested.pods > cap.allocatable.pods) short.push(`${cap.requested.pods - cap.allocatable.pods} pod slots`);
    const shortfall = short.length ? `short by ${short.join(" and ")}` : `${cap.unschedulable.length} pod(s) fit on no node`;
    const when = cap.idle.memoryMiB > cap.allocatable.memoryMiB || cap.idle.cpuMillis > cap.allocatable.cpuMillis ? "even at idle" : "at peak (a batch run)";
    for (const g of groups) {
        const ng = planGroupOf(resources, g);
        if (!ng) continue;
        const desired = config.nodeGroups[g].desiredSize;
        for (let n = desired + 1; n <= Math.max(desired + 20, 1); n++) {
            const bigger = resources.map((r) => (r === ng ? { ...r, inputs: { ...r.inputs, scalingConfig: { ...(r.inputs.scalingConfig as object), desiredSize: n } } } : r));
            if (!capacityReport(bigger, tables.capacity, rendered).fits) continue;
            const key = `bdok:nodeGroups.${g}.desiredSize`;
            const max = config.nodeGroups[g].maxSize < n ? `, and maxSize to at least ${n}` : "";
            return { key, message: `${key}: got ${desired}: the pods do not fit ${when}, ${shortfall}; allowed: ${n} or more (set desiredSize to ${n}${max}), or a larger instance type in bdok:nodeGroups.${g}.instanceTypes` };
        }
    }
    return { key: typesKey, message: `${typesKey}: the pods do not fit ${when}, ${shortfall}, and 20 more nodes would not help; allowed: a larger instance type` };
}

/** Throws a CapacityError that leads with the shortfall and the key to change when the stack's requests do not fit. */
export function assertCapacity(e: Estimates, stack: string): void {
    if (e.capacity.fits) return;
    const c = e.capacity;
    const groups = c.nodeGroups.map((g) => `${g.nodes} x ${g.instanceType}`).join(" + ") || "no node group";
    const lead = e.capacityAdvice?.message ?? "the pods' requests do not fit the node groups at desired size";
    throw new CapacityError(
        [
            `capacity of stack "${stack}": ${lead}`,
            `  peak (a batch run) ${vcpu(c.requested.cpuMillis)} / ${gib(c.requested.memoryMiB)}, idle ${vcpu(c.idle.cpuMillis)} / ${gib(c.idle.memoryMiB)}, allocatable ${vcpu(c.allocatable.cpuMillis)} / ${gib(c.allocatable.memoryMiB)} on ${groups}`,
            ...c.problems.slice(0, 4).map((p) => `  - ${p.length > 220 ? `${p.slice(0, 217)}...` : p}`),
            "  no plan written",
        ].join("\n"),
        e.capacity,
    );
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** A short human summary for `npm run plan`. */
export function renderEstimates(e: Estimates): string {
    const lines: string[] = [];
    lines.push(`Estimates (offline model: ${e.basis.durations}, ${e.basis.prices} [${e.basis.pricesRegion}, ${e.basis.pricesDate}], ${e.basis.capacity})`);
    const chain = e.criticalPath.filter((c) => c.minutes >= 0.5).map((c) => `${c.name} ${c.minutes}`).join(" -> ");
    lines.push(`  deploy time (critical path): ${e.deployMinutes} min: ${chain || "(no step over 0.5 min)"}`);
    const byItem = new Map<string, number>();
    for (const it of e.costItems) byItem.set(it.item, (byItem.get(it.item) ?? 0) + it.monthlyUsd);
    const parts = [...byItem.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${usd(v)}`);
    lines.push(`  monthly cost at idle: ${usd(e.monthlyCostUsd)} (${parts.join(", ")}); usage-based charges not included`);
    const c = e.capacity;
    const groups = c.nodeGroups.map((g) => `${g.nodes} x ${g.instanceType}`).join(" + ") || "no node group";
    lines.push(`  capacity: peak (a batch run${c.peakRun ? `: ${c.peakRun}` : ""}) ${vcpu(c.requested.cpuMillis)} / ${gib(c.requested.memoryMiB)} / ${c.requested.pods} pods, idle ${vcpu(c.idle.cpuMillis)} / ${gib(c.idle.memoryMiB)} / ${c.idle.pods} pods (system ${vcpu(c.system.cpuMillis)} / ${gib(c.system.memoryMiB)}) of allocatable ${vcpu(c.allocatable.cpuMillis)} / ${gib(c.allocatable.memoryMiB)} / ${c.allocatable.pods} pods on ${groups}: ${c.fits ? "fits" : "DOES NOT FIT"}`);
    for (const w of e.warnings) lines.push(`  warning: ${w}`);
    return lines.join("\n");
}

export { CapacityError };
