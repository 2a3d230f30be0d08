// What the Kafka, Airflow and realtime engine tests share: the download cache, the rule for a missing
// engine (skip on a laptop, fail under CI), and child processes that die with the test.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

export const REPO = path.resolve(__dirname, "../..");
export const INSTALL_HINT = "bash test/engines/install.sh";

/** One cache for every engine download (wheels, jars, venvs): ${BDOK_CACHE_DIR:-~/.cache/bdok}. */
export function cacheDir(): string {
    return process.env.BDOK_CACHE_DIR || path.join(os.homedir(), ".cache", "bdok");
}

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

/** A server in its own process group, killed (group and all) by stop() or when node exits. */
export function startServer(
    command: string,
    args: string[],
    opts: { cwd?: string; env?: NodeJS.ProcessEnv; log: string },
): { child: ChildProcess; stop: () => Promise<void> } {
    const out = fs.openSync(opts.log, "a");
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ["ignore", out, out] });
    fs.closeSync(out);
    children.add(child);
    const stop = () =>
        new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            killGroup(child, "SIGTERM");
            setTimeout(() => killGroup(child, "SIGKILL"), 10_000).unref();
        }).finally(() => children.delete(child));
    return { child, stop };
}

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

/** Polls until `ready` resolves true, or throws naming `what` and the log's tail. */
export async function waitFor(what: string, ready: () => Promise<boolean> | boolean, timeoutMs: number, log?: string, child?: ChildProcess): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (child && child.exitCode !== null) break;
        if (await ready()) return;
        await new Promise((r) => setTimeout(r, 300));
    }
    const tail = log && fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-3000) : "";
    throw new Error(`${what}: not ready after ${timeoutMs / 1000} s${child && child.exitCode !== null ? ` (exited ${child.exitCode})` : ""}\n${tail}`);
}

/** A free loopback port. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
        srv.on("error", reject);
    });
}

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
