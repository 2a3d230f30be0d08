// Renders every Helm release of a plan with the real chart, exactly as `pulumi up` would install it:
// its values, release name and namespace, the stack's Kubernetes version and the API versions the
// plan installs. `npm run render -- --stack <s> [--config overrides.yaml] [--out dir]`
import * as fs from "fs";
import * as path from "path";
import { ChartName, charts } from "../versions";
import { didYouMean, printable } from "../lib/validate";
import { chartKeyOfRelease } from "../platform/k8s/objects";
import { checkOutputDir, Io, parseArgs, runCli, UsageError } from "./cli";
import type { Captured, PlanRun } from "./harness";
import { helmTemplate, K8sObject, parseManifest, RenderError, ToolchainError } from "./helm";
import { loadStackConfig, readStackFile } from "./stack-files";
import { parseConfig } from "../config";

const ROOT = path.resolve(__dirname, "..");

export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** One `helm.v3.Release` of the plan, as Helm will see it. */
export interface PlannedRelease {
    /** The Pulumi resource name. */
    resource: string;
    urn: string;
    chart: ChartName;
    releaseName: string;
    namespace: string;
    values: Record<string, unknown>;
    skipCrds: boolean;
}

export interface RenderedRelease extends PlannedRelease {
    objects: K8sObject[];
    manifest: string;
}

/** The chart key in versions.ts that a release installs; an unpinned chart is an error. */
export function chartKeyOf(chart: string, version: string): ChartName {
    const key = chartKeyOfRelease(chart, version);
    if (!key) throw new Error(`release installs ${chart} ${version}, which versions.ts does not pin`);
    return key;
}

export function releasesOf(captured: Captured[]): PlannedRelease[] {
    return captured
        .filter((r) => r.type === RELEASE_TYPE)
        .map((r) => {
            const inp = r.rawInputs as Record<string, any>;
            return {
                resource: r.name,
                urn: r.urn,
                chart: chartKeyOf(inp.chart, inp.version),
                releaseName: inp.name ?? r.name,
                namespace: inp.namespace ?? "default",
                values: (inp.values ?? {}) as Record<string, unknown>,
                skipCrds: !!inp.skipCrds,
            };
        });
}

/**
 * API versions the cluster will serve beyond the built-in ones: every custom resource type the
 * plan declares, as `group/version` and `group/version/Kind` (what `.Capabilities.APIVersions.Has` asks).
 */
export function planApiVersions(captured: Captured[]): string[] {
    const out = new Set<string>();
    for (const r of captured) {
        const m = /^kubernetes:([^:]+\.[^:]+\/[^:]+):(\w+)$/.exec(r.type);
        if (!m || r.type === RELEASE_TYPE) continue;
        out.add(m[1]);
        out.add(`${m[1]}/${m[2]}`);
    }
    return [...out].sort();
}

export function renderRelease(rel: PlannedRelease, kubeVersion: string, apiVersions: string[], values = rel.values): RenderedRelease {
    let manifest: string;
    try {
        manifest = helmTemplate(rel.chart, {
            releaseName: rel.releaseName,
            namespace: rel.namespace,
            values,
            kubeVersion,
            apiVersions,
            skipCrds: rel.skipCrds,
        });
    } catch (e) {
        // helm's own hint to pass --debug names a flag no bdok command has.
        if (e instanceof RenderError)
            throw new RenderError(
                e.message
                    .split("\n")
                    .filter((l) => l.trim() && !/^Use --debug flag/.test(l))
                    .join("\n"),
            );
        throw e;
    }
    return { ...rel, manifest, objects: parseManifest(manifest) };
}

const renderCache = new WeakMap<PlanRun, RenderedRelease[]>();

/** Every release of a plan, rendered (memoised per plan run). */
export function renderPlan(run: PlanRun): RenderedRelease[] {
    let out = renderCache.get(run);
    if (!out) {
        const apiVersions = planApiVersions(run.captured);
        out = releasesOf(run.captured).map((rel) => renderRelease(rel, run.config.kubernetesVersion, apiVersions));
        renderCache.set(run, out);
    }
    return out;
}

/** Writes `<out>/rendered/<release>.yaml` for each release. */
export function writeRendered(rendered: RenderedRelease[], outDir: string): string[] {
    const dir = path.join(outDir, "rendered");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    return rendered.map((r) => {
        const file = path.join(dir, `${r.releaseName}.yaml`);
        fs.writeFileSync(
            file,
            `# helm template ${r.releaseName} ${charts[r.chart].chart}-${charts[r.chart].version}.tgz --namespace ${r.namespace}\n${r.manifest}`,
        );
        return file;
    });
}

const usage = "usage: npm run render -- --stack <name> [--config <overrides.yaml>] [--out <dir>]";

interface Args {
    stack: string;
    config?: string;
    out: string;
}

/** The arguments, with the stack and the output directory checked before any planning. */
export function parseRenderArgs(argv: string[]): Args {
    const { flags } = parseArgs(argv, { "--stack": "value", "--config": "value", "--out": "value" }, usage);
    const stack = flags["--stack"] as string | undefined;
    if (!stack) throw new UsageError(`--stack is required\n${usage}`);
    const known = fs
        .readdirSync(ROOT)
        .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
        .map((f) => f.split(".")[1])
        .sort();
    if (!known.includes(stack)) {
        const hint = didYouMean(stack, known);
        throw new UsageError(
            `--stack ${printable(stack)}: no Pulumi.${printable(stack)}.yaml${hint ? `; ${hint}` : ""}; allowed: ${known.join(", ")}\n${usage}`,
        );
    }
    const out = checkOutputDir((flags["--out"] as string | undefined) ?? path.join(ROOT, "plan", stack));
    return { stack, config: flags["--config"] as string | undefined, out };
}

/** `npm run render`: writes rendered/<release>.yaml for a stack; resolves to 0 (failures throw). */
export async function main(argv: string[], io: Io): Promise<number> {
    const args = parseRenderArgs(argv);
    const overrides = args.config ? (readStackFile(args.config).config ?? {}) : undefined;
    const raw = loadStackConfig(args.stack, overrides);
    // A bad configuration is refused here, before the program and the SDK are loaded.
    parseConfig(raw, args.stack);
    (require("./fetch-charts") as typeof import("./fetch-charts")).ensureCharts((line) => io.stderr(`${line}\n`));
    const { runPlan } = require("./harness") as typeof import("./harness");
    const run = await runPlan(args.stack, raw);
    const files = writeRendered(renderPlan(run), args.out);
    for (const f of files) io.stdout(`wrote ${path.relative(process.cwd(), f)}\n`);
    return 0;
}

/** A chart that refuses its values, or a missing helm/chart, is one line and exit 2. */
export function exitCodeOf(e: unknown): number | undefined {
    return e instanceof RenderError || e instanceof ToolchainError ? 2 : undefined;
}

if (require.main === module) runCli(main, exitCodeOf);
