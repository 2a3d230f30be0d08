// The engines tier's shared environment: where test/engines/install.sh put the engines, how a
// suite skips (laptop) or fails (CI) without them, and servers started in their own process groups
// so every one is killed with its children when the suite ends, passes or fails.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { apps, testEngines } from "../../versions";

export const CACHE = process.env.BDOK_CACHE_DIR || path.join(os.homedir(), ".cache", "bdok");
export const VENV = path.join(CACHE, "venv-spark");
export const PYTHON = path.join(VENV, "bin", "python");
export const SPARK_SUBMIT = path.join(VENV, "bin", "spark-submit");
export const MOTO_SERVER = path.join(VENV, "bin", "moto_server");
export const IVY = path.join(CACHE, "maven", "ivy");
export const TRINO_HOME = path.join(CACHE, "trino", testEngines.trinoServer);
export const JAVA25 = process.env.BDOK_JAVA25_HOME || "/usr/lib/jvm/temurin-25-jdk-amd64";
export const INSTALL_HINT = "bash test/engines/install.sh";

/** What is missing for the Spark/S3/Glue/Trino engines, or null when all are installed. */
export function missingEngines(): string | null {
    const need: [string, string][] = [
        [PYTHON, "the Spark venv"],
        [SPARK_SUBMIT, `pyspark ${apps.spark}`],
        [MOTO_SERVER, "moto's server"],
        [path.join(TRINO_HOME, ".bdok-installed"), `Trino ${testEngines.trinoServer}`],
        [path.join(JAVA25, "bin", "java"), "Java 25 (Trino)"],
    ];
    const missing = need.filter(([p]) => !fs.existsSync(p)).map(([, what]) => what);
    return missing.length ? missing.join(", ") : null;
}

let announced = false;

/**
 * In a suite's before(): skips the suite with one line when the engines are not installed, except
 * under CI=true, where a missing engine fails the run (CI installs them: .ci/run).
 */
export function requireEngines(ctx: Mocha.Context): void {
    const missing = missingEngines();
    if (!missing) return;
    if (process.env.CI === "true") throw new Error(`engines tier: not installed (${missing}); run ${INSTALL_HINT}`);
    if (!announced) console.log(`    engines tier skipped: ${missing} not installed (${INSTALL_HINT})`);
    announced = true;
    ctx.skip();
}

const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): void {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
        process.kill(-child.pid, signal);
    } catch {
        /* already gone */
    }
}

// A crash or Ctrl-C of the test process still takes its servers down.
process.on("exit", () => running.forEach((c) => killGroup(c, "SIGKILL")));
for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
        running.forEach((c) => killGroup(c, "SIGKILL"));
        process.exit(130);
    });
}

export interface Server {
    child: ChildProcess;
    log: string;
    stop(): Promise<void>;
}

/** Starts a long-running server in its own process group, its output in `log`. */
export function startServer(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; log: string }): Server {
    const out = fs.openSync(opts.log, "a");
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ["ignore", out, out] });
    fs.closeSync(out);
    running.add(child);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return {
        child,
        log: opts.log,
        async stop() {
            killGroup(child);
            const timer = setTimeout(() => killGroup(child, "SIGKILL"), 10_000);
            await exited;
            clearTimeout(timer);
            running.delete(child);
        },
    };
}

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}

/** Polls `probe` until it returns true; fails naming `what` with the server log's tail. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, server?: Server): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
        if (server && server.child.exitCode !== null) break;
        if (await probe().catch(() => false)) return;
        await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${what} did not come up${server ? `:\n${tail(server.log, 40)}` : ""}`);
}

export function tail(file: string, lines: number): string {
    try {
        return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
        return "(no log)";
    }
}

/** moto's server (S3, Glue, STS...) on a free loopback port. */
export async function startMoto(workDir: string, motoServer = MOTO_SERVER): Promise<Server & { endpoint: string }> {
    const port = await freePort();
    const server = startServer(motoServer, ["-H", "127.0.0.1", "-p", String(port)], { log: path.join(workDir, "moto.log") });
    const endpoint = `http://127.0.0.1:${port}`;
    // Generous: moto imports every service on its first request, slow on a loaded 2-core machine.
    await waitFor("moto", async () => (await fetch(`${endpoint}/moto-api/`)).ok, 180_000, server);
    return { ...server, endpoint };
}

/** Credentials moto accepts, for every client (boto3, the AWS SDKs of Spark and Trino). */
export const FAKE_AWS = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_SESSION_TOKEN: "testing" };
