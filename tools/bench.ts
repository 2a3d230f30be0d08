// `npm run bench [-- --runs 5] [--stacks dev,prod] [--no-tests]`: times one offline plan per stack
// and the whole test run, each run a fresh child process, and prints the median of the runs.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { didYouMean } from "../lib/validate";
import { Io, parseArgs, runCli, UsageError } from "./cli";

const ROOT = path.resolve(__dirname, "..");

interface Args {
    runs: number;
    stacks: string[];
    tests: boolean;
}

const usage = "usage: npm run bench -- [--runs N] [--stacks dev,prod] [--no-tests]";

export function parseBenchArgs(argv: string[]): Args {
    const known = fs
        .readdirSync(ROOT)
        .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
        .map((f) => f.split(".")[1])
        .sort();
    const { flags } = parseArgs(argv, { "--runs": "value", "--stacks": "value", "--no-tests": "switch" }, usage);
    const args: Args = { runs: 5, stacks: known, tests: flags["--no-tests"] !== true };
    if (flags["--runs"] !== undefined) {
        const v = flags["--runs"] as string;
        const n = /^\d+$/.test(v) ? Number(v) : NaN;
        if (!Number.isInteger(n) || n < 1 || n > 100) throw new UsageError(`--runs: got ${JSON.stringify(v)}; allowed: an integer from 1 to 100\n${usage}`);
        args.runs = n;
    }
    if (flags["--stacks"] !== undefined) {
        const v = flags["--stacks"] as string;
        args.stacks = v
            .split(",")
            .map((x) => x.trim())
            .filter(Boolean);
        const unknown = args.stacks.filter((x) => !known.includes(x));
        if (unknown.length || args.stacks.length === 0) {
            const hint = unknown.length === 1 ? didYouMean(unknown[0], known) : "";
            throw new UsageError(
                `--stacks: got ${JSON.stringify(v)}${unknown.length ? ` (unknown: ${unknown.join(", ")})` : ""}${hint ? `; ${hint}` : ""}; allowed: a comma-separated list of ${known.join(", ")}\n${usage}`,
            );
        }
    }
    return args;
}

export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Row {
    what: string;
    times: number[];
    failures: number;
    detail?: string;
}

function time(cmd: string[], env: NodeJS.ProcessEnv = process.env): { seconds: number; status: number | null; stdout: string; stderr: string } {
    const started = process.hrtime.bigint();
    const r = spawnSync(cmd[0], cmd.slice(1), { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** `npm run bench`: times the runs and prints the table; 0 (bad arguments throw a UsageError). */
export function main(argv: string[], io: Io): number {
    const args = parseBenchArgs(argv);
    const node = process.execPath;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-bench-"));
    const rows: Row[] = [];
    const figures: string[] = [];
    try {
        for (const stack of args.stacks) {
            const row: Row = { what: `plan --stack ${stack}`, times: [], failures: 0 };
            const out = path.join(tmp, stack);
            for (let i = 0; i < args.runs; i++) {
                const r = time([node, "-r", "ts-node/register/transpile-only", "tools/plan.ts", "--stack", stack, "--quiet", "--out", out]);
                row.times.push(r.seconds);
                if (r.status !== 0) row.failures++;
                io.stderr(`  ${row.what} run ${i + 1}/${args.runs}: ${r.seconds.toFixed(2)} s${r.status !== 0 ? ` (exit ${r.status})` : ""}\n`);
            }
            const planFile = path.join(out, "plan.json");
            if (fs.existsSync(planFile)) {
                const plan = JSON.parse(fs.readFileSync(planFile, "utf8"));
                const e = plan.estimates;
                row.detail = `${plan.resources.length} resources`;
                const c = e?.capacity;
                const demand = (d: { cpuMillis: number; memoryMiB: number }) =>
                    `${(d.cpuMillis / 1000).toFixed(2)} vCPU / ${(d.memoryMiB / 1024).toFixed(1)} GiB`;
                if (e)
                    figures.push(
                        `| ${stack} | ${plan.resources.length} | ${e.deployMinutes} | ${e.monthlyCostUsd.toFixed(2)} | ${demand(c.idle)} | ${demand(c.requested)} | ${demand(c.allocatable)} | ${c.fits ? "fits" : "does not fit"} |`,
                    );
            }
            rows.push(row);
        }
        if (args.tests) {
            const row: Row = { what: "test run (mocha, all files)", times: [], failures: 0 };
            for (let i = 0; i < args.runs; i++) {
                const r = time([node, path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js")]);
                row.times.push(r.seconds);
                if (r.status !== 0) row.failures++;
                const closing = (r.stdout.trim().split("\n").pop() ?? "").trim();
                row.detail = closing;
                io.stderr(`  ${row.what} run ${i + 1}/${args.runs}: ${r.seconds.toFixed(2)} s${r.status !== 0 ? ` (exit ${r.status})` : ""}\n`);
            }
            rows.push(row);
        }
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }

    const lines = [
        `\nbdok bench: median of ${args.runs} run(s), each a fresh child process (${os.cpus().length} CPUs, node ${process.version})\n`,
        "| what | runs | median s | min s | max s | failed | note |",
        "|---|---:|---:|---:|---:|---:|---|",
        ...rows.map(
            (r) =>
                `| ${r.what} | ${r.times.length} | ${median(r.times).toFixed(2)} | ${Math.min(...r.times).toFixed(2)} | ${Math.max(...r.times).toFixed(2)} | ${r.failures} | ${r.detail ?? ""} |`,
        ),
    ];
    if (figures.length)
        lines.push(
            "\n| stack | resources | deploy (critical path, min) | idle cost (USD/month) | requests at idle | at peak (a batch run) | allocatable | capacity |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
            ...figures,
        );
    io.stdout(`${lines.join("\n")}\n`);
    return rows.some((r) => r.failures > 0) ? 1 : 0;
}

if (require.main === module) runCli(main);
