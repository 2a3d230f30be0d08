// A command-line tool's main, run in this process as `npm run <tool>` would run it in its own: the
// same argv, the environment given, stdout and stderr captured, the exit code returned. A child
// process spends 0.3-6.5 s CPU loading ts-node, the SDK and the program before it reads its
// arguments; in a test worker those modules are loaded once. Each tool keeps one test that runs it
// as a real child process (its exit code and output on a real run): test/cli.test.ts.
import { Io, Main, runMain } from "../tools/cli";
import type { ProcessResult } from "./support";

type Tool = "plan" | "render" | "plan-diff" | "policy-run" | "bench" | "fetch-charts" | "charts-lock" | "docs-config";

// Required when used: each tool loads what its child process would load. `npm run plan` builds its
// plan through the tests' plan cache (test/support.ts: the same runPlan, keyed by configuration
// and a hash of what a plan reads) unless the run has its own environment, which the key omits.
function entry(tool: Tool, ownEnv: boolean): { main: Main; codeOf?: (e: unknown) => number | undefined } {
    switch (tool) {
        case "plan": {
            const m = require("../tools/plan") as typeof import("../tools/plan");
            const { planAs } = require("./support") as typeof import("./support");
            return { main: ownEnv ? m.main : (argv, io) => m.main(argv, io, planAs), codeOf: m.exitCodeOf };
        }
        case "render": {
            const m = require("../tools/render") as typeof import("../tools/render");
            return { main: m.main, codeOf: m.exitCodeOf };
        }
        case "plan-diff":
            return { main: (require("../tools/plan-diff") as typeof import("../tools/plan-diff")).main };
        case "policy-run": {
            const m = require("../tools/policy-run") as typeof import("../tools/policy-run");
            return { main: m.main, codeOf: m.exitCodeOf };
        }
        case "bench":
            return { main: (require("../tools/bench") as typeof import("../tools/bench")).main };
        case "fetch-charts":
            return { main: (require("../tools/fetch-charts") as typeof import("../tools/fetch-charts")).main };
        case "charts-lock":
            return { main: (require("../tools/charts-lock") as typeof import("../tools/charts-lock")).main };
        case "docs-config":
            return { main: (require("../tools/docs-config") as typeof import("../tools/docs-config")).main };
    }
}

/** Sets `env` as process.env for the run (keys it lacks are removed); returns the undo. */
function applyEnv(env: NodeJS.ProcessEnv | undefined): () => void {
    if (!env) return () => undefined;
    const saved = { ...process.env };
    for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
    for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v;
    return () => {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
    };
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `tool`'s main with `args`, one run at a time (the environment and the streams are the
 * process's). Whatever else writes to this process's stdout or stderr during the run is captured
 * with the tool's output, as a child's would be: call it from an awaited hook or test, not beside
 * a running test whose reporter writes.
 */
export function runInProcess(tool: Tool, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<ProcessResult> {
    const run = queue.then(async () => {
        const { main, codeOf } = entry(tool, opts.env !== undefined);
        let stdout = "";
        let stderr = "";
        const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
        const writes = { out: process.stdout.write, err: process.stderr.write };
        const capture = (add: (t: string) => void) =>
            function (chunk: string | Uint8Array, ...rest: unknown[]): boolean {
                add(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
                const cb = rest.find((r) => typeof r === "function") as (() => void) | undefined;
                cb?.();
                return true;
            };
        process.stdout.write = capture(io.stdout) as typeof process.stdout.write;
        process.stderr.write = capture(io.stderr) as typeof process.stderr.write;
        const undoEnv = applyEnv(opts.env);
        try {
            const status = await runMain(main, args, io, codeOf);
            return { status, stdout, stderr };
        } finally {
            undoEnv();
            process.stdout.write = writes.out;
            process.stderr.write = writes.err;
        }
    });
    queue = run.catch(() => undefined);
    return run;
}
