// What the Kafka, Airflow and realtime engine tests add to env.ts: the rule for one missing engine
// (skip on a laptop, fail under CI) and commands run to completion, killed with the test.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { INSTALL_HINT } from "./env";

const said = new Set<string>();

/**
 * Call from a before() hook: when `missing` names something, the suite skips with one line saying
 * how to install it, except under CI=true, where an engine that is not there is a failure.
 */
export function requireEngine(ctx: Mocha.Context, engine: string, missing: string | undefined): void {
    if (!missing) return;
    const line = `${engine} engine not installed (${missing}); run: ${INSTALL_HINT}`;
    if (process.env.CI === "true") throw new Error(line);
    if (!said.has(engine)) {
        said.add(engine);
        console.log(`      skipped: ${line}`);
    }
    ctx.skip();
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `bdok-${prefix}-`));
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): string {
    const r = spawnSync(command, args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        input: opts.input,
        encoding: "utf8",
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 64 << 20,
    });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${r.status}:\n${(r.stderr || "").slice(-4000)}\n${(r.stdout || "").slice(-2000)}`);
    return r.stdout;
}

const children = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    try {
        if (child.pid) process.kill(-child.pid, signal);
    } catch {
        /* already gone */
    }
}

process.on("exit", () => {
    for (const c of children) killGroup(c, "SIGKILL");
});

/** Like run(), without blocking the event loop (for a child that talks to a server of this process). */
export function runAsync(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
        children.add(child);
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (d) => (stdout += d));
        child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-20000)));
        const timer = setTimeout(() => killGroup(child, "SIGKILL"), opts.timeoutMs ?? 120_000);
        child.on("exit", (code, signal) => {
            clearTimeout(timer);
            children.delete(child);
            if (code === 0) resolve(stdout);
            else reject(new Error(`${command} ${args.join(" ")} exited ${code ?? signal}:\n${stderr.slice(-4000)}\n${stdout.slice(-2000)}`));
        });
    });
}
