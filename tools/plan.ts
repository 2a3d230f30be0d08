// Offline plan: `npm run plan -- --stack dev [--config overrides.yaml] [--out dir] [--quiet]`.
// Runs the program under Pulumi's mock engine and writes what `pulumi up` would create
// (plan.json, plan.txt) and what each Helm release's chart renders (rendered/<release>.yaml).
import * as fs from "fs";
import * as path from "path";
import { CapacityError } from "./estimate/capacity";
import { checkOutputDir, Io, parseArgs as parseFlags, ProgramFailed, runCli, UsageError } from "./cli";
import { RenderError, ToolchainError } from "./helm";
import { loadStackConfig, readStackFile } from "./stack-files";
import { parseConfig } from "../config";

const ROOT = path.resolve(__dirname, "..");

interface Args {
    stack: string;
    config?: string;
    out: string;
    quiet: boolean;
}

const usage = "usage: npm run plan -- --stack <name> [--config <overrides.yaml>] [--out <dir>] [--quiet]";

/** The arguments, with the output directory checked before any planning. */
export function parseArgs(argv: string[]): Args {
    const { flags } = parseFlags(argv, { "--stack": "value", "--config": "value", "--out": "value", "--quiet": "switch" }, usage);
    const stack = flags["--stack"] as string | undefined;
    if (!stack) throw new UsageError(`--stack is required\n${usage}`);
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(stack))
        throw new UsageError(`--stack ${JSON.stringify(stack)}: allowed: a stack name (letters, digits, '-', '_', '.')\n${usage}`);
    const out = checkOutputDir((flags["--out"] as string | undefined) ?? path.join(ROOT, "plan", stack));
    return { stack, config: flags["--config"] as string | undefined, out, quiet: flags["--quiet"] === true };
}

/** How a plan is built: tools/harness.ts's runPlan, or a test's cache of the same plans. */
export type Planner = (stack: string, rawConfig: Record<string, string>) => Promise<import("./harness").PlanRun>;

/** `npm run plan`: writes the plan and prints its estimates; resolves to 0 (failures throw, see exitCodeOf). */
export async function main(argv: string[], io: Io, planner?: Planner): Promise<number> {
    const started = Date.now();
    const args = parseArgs(argv);
    const overrides = args.config ? (readStackFile(args.config).config ?? {}) : undefined;
    const raw = loadStackConfig(args.stack, overrides);
    // A bad configuration is refused here, before the program and the SDK are loaded.
    parseConfig(raw, args.stack);
    // A bare clone: the pinned charts, fetched once into the project cache and checked against charts.lock.json.
    (require("./fetch-charts") as typeof import("./fetch-charts")).ensureCharts((line) => io.stderr(`${line}\n`));
    const runPlan = planner ?? (require("./harness") as typeof import("./harness")).runPlan;
    const { assertCapacity, estimate, renderEstimates } = require("./estimate") as typeof import("./estimate");
    const { renderCounts, renderTree } = require("./report") as typeof import("./report");
    const { renderPlan, writeRendered } = require("./render") as typeof import("./render");
    const run = await runPlan(args.stack, raw);
    // A copy: the estimates join the plan written, not the run (a test's cached plans are frozen).
    const plan: typeof run.plan = { ...run.plan };
    const planFile = path.join(args.out, "plan.json");
    const textFile = path.join(args.out, "plan.txt");
    // A plan that cannot run is not left behind looking valid, not even an older one.
    const discard = () => {
        for (const f of [planFile, textFile]) fs.rmSync(f, { force: true });
        fs.rmSync(path.join(args.out, "rendered"), { recursive: true, force: true });
    };
    let rendered: ReturnType<typeof renderPlan>;
    let estimates: ReturnType<typeof estimate>;
    try {
        // Every release through its real chart: one that refuses its values fails the plan.
        rendered = renderPlan(run);
        // Deploy time, monthly cost at idle and capacity (tools/estimate/), from the rendered workloads.
        estimates = estimate(run, { rendered });
    } catch (e) {
        discard();
        throw e;
    }
    plan.estimates = estimates;
    if (!estimates.capacity.fits) {
        discard();
        assertCapacity(estimates, args.stack);
    }
    fs.mkdirSync(args.out, { recursive: true });
    fs.writeFileSync(planFile, JSON.stringify(plan, null, 2) + "\n");
    const renderedFiles = writeRendered(rendered, args.out);
    const tree = renderTree(plan);
    fs.writeFileSync(textFile, `${tree}\n\n${renderCounts(plan)}\n`);
    if (!args.quiet) {
        io.stdout(`bdok offline plan for stack "${args.stack}" (mock engine, nothing deployed)\n\n`);
        io.stdout(`${tree}\n`);
        io.stdout(`\nResources by type:\n${renderCounts(plan)}\n`);
    }
    io.stdout(`\n${renderEstimates(estimates)}\n`);
    io.stdout(
        `\nwrote ${path.relative(process.cwd(), planFile)} (${plan.resources.length} resources) and ${renderedFiles.length} rendered releases in ${path.relative(process.cwd(), path.join(args.out, "rendered")) || "rendered"}/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return 0;
}

/**
 * The exit code of an error printed as its message alone. 3: the plan's requests do not fit its
 * node groups. 2: a chart refuses its values, or helm or a chart is missing (the chart's message).
 * 1: the program failed under the mocks, as it would fail `pulumi up` (its message).
 */
export function exitCodeOf(e: unknown): number | undefined {
    if (e instanceof CapacityError) return 3;
    if (e instanceof RenderError || e instanceof ToolchainError) return 2;
    if (e instanceof ProgramFailed) return 1;
    return undefined;
}

if (require.main === module) runCli(main, exitCodeOf);
