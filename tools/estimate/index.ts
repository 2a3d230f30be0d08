// Composes the offline estimates of a plan with the data tables in estimates/: deploy time
// (graph.ts), monthly cost at idle (cost.ts, with Karpenter's nodes from karpenter.ts), and
// capacity (capacity.ts, advice.ts). Those modules are pure (plan, configuration and tables come in
// as arguments); tables.ts reads the tables. tools/plan.ts calls estimate() and writes the result
// into plan.json under `estimates`.
import type { PlanRun } from "../harness";
import { renderPlan, RenderedRelease } from "../render";
import { PriceTable } from "../../lib/prices";
import { PackingResult, PoolOffer } from "./packing";
import { capacityAdvice, gib, karpenterProblems, limitProblems, vcpu } from "./advice";
import { CapacityError, CapacityReport, capacityReport } from "./capacity";
import { CostItem, monthlyCost } from "./cost";
import { criticalPath } from "./graph";
import { karpenterNodes } from "./karpenter";
import { workloads } from "./workloads";
import { RenderedObjects } from "./objects";
import { loadTables, Tables } from "./tables";

/** What each release of the plan renders, by its URN: the objects capacity and cost count. */
export function renderedObjects(rendered: RenderedRelease[]): RenderedObjects {
    return Object.fromEntries(rendered.map((r) => [r.urn, r.objects]));
}

export interface Estimates {
    deployMinutes: number;
    criticalPath: Array<{ name: string; type: string; minutes: number; startMinute: number; finishMinute: number }>;
    components: Array<{ name: string; type: string; finishMinute: number }>;
    /** At idle: the platform only, Karpenter's nodes for it included. */
    monthlyCostUsd: number;
    /**
     * The same rate while a DAG's Spark run is on (the largest SparkApplication a DAG submits, at its
     * maximum executors); absent when no DAG submits one (every pipeline off).
     */
    batchMonthlyCostUsd?: number;
    /** The nodes Karpenter launches for the pods that select its pools, at idle and (when a DAG submits Spark jobs) during its largest run. */
    karpenter?: { pools: PoolOffer[]; idle: PackingResult; batch?: PackingResult };
    /** The SparkApplication templates DAGs submit (DAG folder keys): the runs the peak figures are about. */
    sparkRuns: string[];
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
    const kp = karpenterProblems(resources, run.config, tables, rendered);
    const k = kp.length ? undefined : karpenterNodes(resources, tables, rendered);
    if (k) kp.push(...limitProblems(resources, k));
    if (kp.length) {
        cap.fits = false;
        cap.problems.push(...kp.map((x) => x.message));
    }
    const items = [...cost.items];
    if (k && k.idle.monthlyUsd > 0) {
        items.push({
            item: "EC2 instances (Karpenter, idle)",
            resource: k.idle.nodes.map((n) => `${n.pool}: ${n.instanceType} ${n.capacityType}`).join(", "),
            quantity: k.idle.nodes.length,
            unit: "node",
            unitUsd: Math.round((k.idle.monthlyUsd / Math.max(1, k.idle.nodes.length)) * 100) / 100,
            monthlyUsd: k.idle.monthlyUsd,
            note: "bin-packed pod requests (tools/estimate/packing.ts), root volumes included",
        });
    }
    const idleUsd = Math.round((cost.totalUsd + (k?.idle.monthlyUsd ?? 0)) * 100) / 100;
    // Run figures only when a DAG submits a Spark job: with every pipeline off there is no run.
    const sparkRuns = [...new Set(workloads(resources, tables.capacity, rendered).pods.flatMap((p) => (p.submitted ? [p.submitted] : [])))].sort();
    const hasRun = sparkRuns.length > 0;
    const batchUsd = Math.round((cost.totalUsd + (k?.batch.monthlyUsd ?? 0)) * 100) / 100;
    const advice = cap.fits ? undefined : kp.length ? { key: kp[0].key, message: kp[0].message } : capacityAdvice(resources, run.config, cap, tables, rendered);
    return {
        deployMinutes: r1(cp.minutes),
        criticalPath: cp.chain.map((c) => ({ name: c.name, type: c.type, minutes: c.minutes, startMinute: r1(c.start), finishMinute: r1(c.finish) })),
        components: cp.components.map((c) => ({ name: c.name, type: c.type, finishMinute: r1(c.finish) })),
        monthlyCostUsd: idleUsd,
        ...(hasRun ? { batchMonthlyCostUsd: batchUsd } : {}),
        sparkRuns,
        ...(k ? { karpenter: hasRun ? k : { pools: k.pools, idle: k.idle } } : {}),
        costItems: items,
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

/** Throws a CapacityError that leads with the shortfall and the key to change when the stack's requests do not fit. */
export function assertCapacity(e: Estimates, stack: string): void {
    if (e.capacity.fits) return;
    const c = e.capacity;
    const groups = c.nodeGroups.map((g) => `${g.nodes} x ${g.instanceType}`).join(" + ") || "no node group";
    const lead = e.capacityAdvice?.message ?? "the pods' requests do not fit the node groups at desired size";
    throw new CapacityError(
        [
            `capacity of stack "${stack}": ${lead}`,
            `  peak (${runLabel(e)}) ${vcpu(c.requested.cpuMillis)} / ${gib(c.requested.memoryMiB)}, idle ${vcpu(c.idle.cpuMillis)} / ${gib(c.idle.memoryMiB)}, allocatable ${vcpu(c.allocatable.cpuMillis)} / ${gib(c.allocatable.memoryMiB)} on ${groups}`,
            ...c.problems.slice(0, 4).map((p) => `  - ${p.length > 220 ? `${p.slice(0, 217)}...` : p}`),
            "  no plan written",
        ].join("\n"),
        e.capacity,
    );
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** What the peak is: the largest Spark run a DAG submits (a batch job, or the lake's maintenance), or nothing beyond idle. */
function runLabel(e: Pick<Estimates, "sparkRuns">): string {
    return e.sparkRuns.length ? `a DAG's Spark run, the largest of ${e.sparkRuns.join(", ")}` : "no DAG submits Spark jobs: the idle pods";
}

/** A short human summary for `npm run plan`. */
export function renderEstimates(e: Estimates): string {
    const lines: string[] = [];
    lines.push(`Estimates (offline model: ${e.basis.durations}, ${e.basis.prices} [${e.basis.pricesRegion}, ${e.basis.pricesDate}], ${e.basis.capacity})`);
    const chain = e.criticalPath
        .filter((c) => c.minutes >= 0.5)
        .map((c) => `${c.name} ${c.minutes}`)
        .join(" -> ");
    lines.push(`  deploy time (critical path): ${e.deployMinutes} min: ${chain || "(no step over 0.5 min)"}`);
    const byItem = new Map<string, number>();
    for (const it of e.costItems) byItem.set(it.item, (byItem.get(it.item) ?? 0) + it.monthlyUsd);
    const parts = [...byItem.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${usd(v)}`);
    lines.push(`  monthly cost at idle: ${usd(e.monthlyCostUsd)} (${parts.join(", ")}); usage-based charges not included`);
    if (e.karpenter) {
        const nodes = (r: PackingResult) => r.nodes.map((n) => `${n.pool} ${n.instanceType} ${n.capacityType}`).join(", ") || "none";
        const run = e.karpenter.batch && e.batchMonthlyCostUsd !== undefined ? { nodes: e.karpenter.batch, usd: e.batchMonthlyCostUsd } : undefined;
        lines.push(
            `  Karpenter nodes: idle ${usd(e.karpenter.idle.monthlyUsd)} (${nodes(e.karpenter.idle)})` +
                (run ? `; during ${runLabel(e)} ${usd(run.nodes.monthlyUsd)} (${nodes(run.nodes)}): the stack at ${usd(run.usd)}/month while it runs` : ""),
        );
    }
    const c = e.capacity;
    const groups = c.nodeGroups.map((g) => `${g.nodes} x ${g.instanceType}`).join(" + ") || "no node group";
    lines.push(
        `  capacity: peak (${runLabel(e)}) ${vcpu(c.requested.cpuMillis)} / ${gib(c.requested.memoryMiB)} / ${c.requested.pods} pods, idle ${vcpu(c.idle.cpuMillis)} / ${gib(c.idle.memoryMiB)} / ${c.idle.pods} pods (system ${vcpu(c.system.cpuMillis)} / ${gib(c.system.memoryMiB)}) of allocatable ${vcpu(c.allocatable.cpuMillis)} / ${gib(c.allocatable.memoryMiB)} / ${c.allocatable.pods} pods on ${groups}: ${c.fits ? "fits" : "DOES NOT FIT"}`,
    );
    for (const w of e.warnings) lines.push(`  warning: ${w}`);
    return lines.join("\n");
}
