// Offline plan: `npm run plan -- --stack dev [--config overrides.yaml] [--out dir] [--quiet]`.
// Runs the program under Pulumi's mock engine and writes what `pulumi up` would create.
import * as fs from "fs";
import * as path from "path";
import { flagValue, runCli, UsageError } from "./cli";
import { loadStackConfig, readStackFile, runPlan, ROOT } from "./harness";
import { renderCounts, renderTree } from "./report";
import { assertCapacity, CapacityError, estimate, renderEstimates } from "./estimate";

interface Args {
    stack: string;
    config?: string;
    out?: string;
    quiet: boolean;
}

const usage = "usage: npm run plan -- --stack <name> [--config <overrides.yaml>] [--out <dir>] [--quiet]";

export function parseArgs(argv: string[]): Args {
    const args: Partial<Args> = { quiet: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const value = () => flagValue(argv, i++, usage);
        if (a === "--stack") args.stack = value();
        else if (a === "--config") args.config = value();
        else if (a === "--out") args.out = value();
        else if (a === "--quiet") args.quiet = true;
        else throw new UsageError(`unknown argument ${a}\n${usage}`);
    }
    if (!args.stack) throw new UsageError(`--stack is required\n${usage}`);
    return args as Args;
}

async function main(): Promise<number> {
    const started = Date.now();
    const args = parseArgs(process.argv.slice(2));
    let overrides: Record<string, unknown> | undefined;
    if (args.config) {
        if (!fs.existsSync(args.config)) throw new UsageError(`--config: no such file ${args.config}`);
        overrides = readStackFile(args.config).config ?? {};
    }
    const raw = loadStackConfig(args.stack, overrides);
    const { plan, config } = await runPlan(args.stack, raw);
    // Deploy time, monthly cost at idle and capacity (tools/estimate.ts); a misfit fails below.
    const estimates = estimate({ plan, config });
    plan.estimates = estimates;
    const out = path.resolve(args.out ?? path.join(ROOT, "plan", args.stack));
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, "plan.json"), JSON.stringify(plan, null, 2) + "\n");
    const tree = renderTree(plan);
    fs.writeFileSync(path.join(out, "plan.txt"), `${tree}\n\n${renderCounts(plan)}\n`);
    if (!args.quiet) {
        console.log(`bdok offline plan for stack "${args.stack}" (mock engine, nothing deployed)\n`);
        console.log(tree);
        console.log(`\nResources by type:\n${renderCounts(plan)}`);
    }
    console.log(`\n${renderEstimates(estimates)}`);
    console.log(`\nwrote ${path.relative(process.cwd(), path.join(out, "plan.json"))} (${plan.resources.length} resources) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assertCapacity(estimates, args.stack);
    return 0;
}

if (require.main === module) {
    // Exit 3: the plan's requests do not fit its node groups.
    runCli(main, (e) => (e instanceof CapacityError ? 3 : undefined));
}
