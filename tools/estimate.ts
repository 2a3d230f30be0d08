// Composes the offline estimates of a plan (lib/estimates.ts) with the data tables in estimates/:
// deploy time (critical path), monthly cost at idle, and capacity. tools/plan.ts calls estimate()
// and writes the result into plan.json under `estimates`.
import * as fs from "fs";
import * as path from "path";
import type { StackConfig } from "../config";
import {
    CapacityError, CapacityReport, CapacityTable, ChartDefaults, CostItem, DurationTable, PriceTable,
    capacityReport, criticalPath, monthlyCost,
} from "../lib/estimates";
import type { Plan } from "./harness";

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

/** Chart name -> directory of its pinned values.yaml among the upstream schemas. */
const chartSchemaDirs: Record<string, string> = {
    "strimzi-kafka-operator": "strimzi",
    "spark-operator": "spark-operator",
    "eck-operator": "eck",
    airflow: "airflow",
    trino: "trino",
};

/**
 * The pinned charts' default values (so requests the charts set by default, e.g. the Strimzi and
 * ECK operators', count too), when the upstream schemas are beside the project; else undefined.
 */
export function chartDefaultsFromSchemas(): { lookup: ChartDefaults; dir: string } | undefined {
    try {
        // Lazy: tools/schemas pulls in ajv, and the directory may be absent.
        const schemas = require("./schemas") as typeof import("./schemas");
        const dir = schemas.schemasDir();
        const cache = new Map<string, Record<string, unknown> | undefined>();
        const lookup: ChartDefaults = (chart) => {
            if (!cache.has(chart)) {
                const sub = chartSchemaDirs[chart];
                cache.set(chart, sub && fs.existsSync(path.join(dir, sub, "values.yaml")) ? schemas.chartDefaults(sub) : undefined);
            }
            return cache.get(chart);
        };
        return { lookup, dir };
    } catch {
        return undefined;
    }
}

export interface Estimates {
    deployMinutes: number;
    criticalPath: Array<{ name: string; type: string; minutes: number; startMinute: number; finishMinute: number }>;
    components: Array<{ name: string; type: string; finishMinute: number }>;
    monthlyCostUsd: number;
    costItems: CostItem[];
    capacity: CapacityReport;
    warnings: string[];
    usageBased: PriceTable["usageBased"];
    basis: {
        durations: string;
        prices: string;
        capacity: string;
        pricesRegion: string;
        pricesDate: string;
        asOf: string;
        chartDefaults: string;
    };
}

const r1 = (n: number) => Math.round(n * 10) / 10;

export interface EstimateOptions {
    tables?: Tables;
    /** null: do not merge chart defaults; undefined: read them from the upstream schemas if present. */
    chartDefaults?: ChartDefaults | null;
    /** The date the EKS support status is evaluated on (default: the price table's date). */
    asOf?: string;
}

export function estimate(run: { plan: Plan; config: StackConfig }, opts: EstimateOptions = {}): Estimates {
    const tables = opts.tables ?? loadTables();
    const fromSchemas = opts.chartDefaults === undefined ? chartDefaultsFromSchemas() : undefined;
    const defaults = opts.chartDefaults === null ? undefined : opts.chartDefaults ?? fromSchemas?.lookup;
    const resources = run.plan.resources;

    const cp = criticalPath(resources, tables.durations);
    const cost = monthlyCost(resources, run.config, tables.prices, { asOf: opts.asOf, capacityTable: tables.capacity, chartDefaults: defaults });
    const cap = capacityReport(resources, tables.capacity, defaults);
    return {
        deployMinutes: r1(cp.minutes),
        criticalPath: cp.chain.map((c) => ({ name: c.name, type: c.type, minutes: c.minutes, startMinute: r1(c.start), finishMinute: r1(c.finish) })),
        components: cp.components.map((c) => ({ name: c.name, type: c.type, finishMinute: r1(c.finish) })),
        monthlyCostUsd: cost.totalUsd,
        costItems: cost.items,
        capacity: cap,
        warnings: cost.warnings,
        usageBased: cost.usageBased,
        basis: {
            durations: "estimates/durations.json",
            prices: "estimates/prices.json",
            capacity: "estimates/capacity.json",
            pricesRegion: tables.prices.region,
            pricesDate: tables.prices.date,
            asOf: opts.asOf ?? tables.prices.date,
            chartDefaults: opts.chartDefaults === null ? "not merged" : opts.chartDefaults ? "given" : fromSchemas ? `merged from ${path.relative(ROOT, fromSchemas.dir) || fromSchemas.dir}` : "unavailable (upstream schemas not found): program values only",
        },
    };
}

/** Throws a CapacityError naming the shortfall when the stack's requests do not fit. */
export function assertCapacity(e: Estimates, stack: string): void {
    if (e.capacity.fits) return;
    const groups = e.capacity.nodeGroups.map((g) => `${g.name}: ${g.nodes} x ${g.instanceType}`).join(", ") || "none";
    throw new CapacityError(
        `capacity of stack "${stack}": the pods' requests do not fit the node groups at desired size (${groups}):\n` +
        e.capacity.problems.map((p) => `  - ${p}`).join("\n"),
        e.capacity,
    );
}

const usd = (n: number) => `$${n.toFixed(2)}`;
const vcpu = (m: number) => `${(m / 1000).toFixed(2)} vCPU`;
const gib = (m: number) => `${(m / 1024).toFixed(1)} GiB`;

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
    lines.push(`  capacity: requests ${vcpu(c.requested.cpuMillis)} / ${gib(c.requested.memoryMiB)} / ${c.requested.pods} pods (system ${vcpu(c.system.cpuMillis)} / ${gib(c.system.memoryMiB)}) of allocatable ${vcpu(c.allocatable.cpuMillis)} / ${gib(c.allocatable.memoryMiB)} / ${c.allocatable.pods} pods on ${groups}: ${c.fits ? "fits" : "DOES NOT FIT"}`);
    for (const w of e.warnings) lines.push(`  warning: ${w}`);
    if (e.basis.chartDefaults.startsWith("unavailable")) lines.push(`  note: chart defaults ${e.basis.chartDefaults}`);
    return lines.join("\n");
}

export { CapacityError };
