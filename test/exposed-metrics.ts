// model/metrics/exposed.json (the metric names the deployed components expose, taken from upstream),
// read by checks only: platform/observability/metrics.test.ts (alerts and dashboards name exposed
// metrics only) and test/engines/history.test.ts (a real Spark driver serves what it lists). One
// loader, which checks the file's shape, so a bad edit fails both with where it is wrong.
import * as fs from "fs";
import * as path from "path";

export const EXPOSED_JSON = path.resolve(__dirname, "..", "model", "metrics", "exposed.json");

export interface ExposedMetric {
    name: string;
    /** Where upstream defines it (repository, file, line). */
    source: string;
}

export interface Exporter {
    id: string;
    /** The PodMonitor (platform/observability/monitors.ts) or `chart:<target>` that scrapes it. */
    target: string;
    what: string;
    metrics: ExposedMetric[];
}

/** An MBean attribute line as the JMX exporter sees it, and where upstream registers the MBean. */
export interface JmxLine {
    input: string;
    source: string;
}

export const JMX_COMPONENTS = ["kafka", "connect", "trino"] as const;

export interface Exposure {
    exporters: Exporter[];
    jmx: Record<(typeof JMX_COMPONENTS)[number], JmxLine[]>;
}

// Prometheus's metric name syntax (prometheus/common model/metric.go, MetricNameRE).
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const isText = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/** The problems of a parsed exposure model, each naming where it is. */
export function exposureProblems(model: unknown): string[] {
    const m = model as Partial<Record<string, unknown>> | null;
    if (typeof m !== "object" || m === null) return ["not an object"];
    const problems: string[] = [];
    if (!Array.isArray(m.exporters) || m.exporters.length === 0) problems.push("exporters: not a non-empty list");
    const ids = new Set<string>();
    (Array.isArray(m.exporters) ? m.exporters : []).forEach((e: Partial<Exporter>, i) => {
        const where = `exporters[${i}]${isText(e?.id) ? ` (${e.id})` : ""}`;
        for (const key of ["id", "target", "what"] as const) if (!isText(e?.[key])) problems.push(`${where}: ${key} missing`);
        if (isText(e?.id) && ids.has(e.id)) problems.push(`${where}: id repeated`);
        if (isText(e?.id)) ids.add(e.id);
        if (!Array.isArray(e?.metrics) || e.metrics.length === 0) problems.push(`${where}: metrics not a non-empty list`);
        (Array.isArray(e?.metrics) ? e.metrics : []).forEach((x: Partial<ExposedMetric>, j) => {
            if (!isText(x?.name) || !METRIC_NAME.test(x.name)) problems.push(`${where}.metrics[${j}]: name ${JSON.stringify(x?.name)} is not a metric name`);
            if (!isText(x?.source)) problems.push(`${where}.metrics[${j}]: source missing`);
        });
    });
    const jmx = m.jmx as Partial<Record<string, unknown>> | undefined;
    for (const c of JMX_COMPONENTS) {
        const lines = jmx?.[c];
        if (!Array.isArray(lines) || lines.length === 0) {
            problems.push(`jmx.${c}: not a non-empty list`);
            continue;
        }
        lines.forEach((l: Partial<JmxLine>, j) => {
            if (!isText(l?.input)) problems.push(`jmx.${c}[${j}]: input missing`);
            if (!isText(l?.source)) problems.push(`jmx.${c}[${j}]: source missing`);
        });
    }
    return problems;
}

/** Reads and checks the exposure model; a malformed file is an error naming the file and each problem. */
export function loadExposure(file = EXPOSED_JSON): Exposure {
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`${file}: ${(e as Error).message}`);
    }
    const problems = exposureProblems(parsed);
    if (problems.length) throw new Error(`${file}:\n  ${problems.join("\n  ")}`);
    return parsed as Exposure;
}

/** The metric names an exporter of the model lists; an unknown id is an error listing the known ones. */
export function exporterMetrics(model: Exposure, id: string): string[] {
    const e = model.exporters.find((x) => x.id === id);
    if (!e) throw new Error(`exposed.json has no exporter ${JSON.stringify(id)} (it has ${model.exporters.map((x) => x.id).join(", ")})`);
    return e.metrics.map((m) => m.name);
}
