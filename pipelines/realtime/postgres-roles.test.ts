// The realtime pipeline's PostgreSQL roles, on a real PostgreSQL server (loopback: a Unix socket in
// a temporary directory, no TCP). The SQL runs as a non-superuser master with CREATEROLE, as on RDS,
// with the very psql command of the table Job; then each role is tried for what it may and may not do.
import { strict as assert } from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { POSTGRES_LOGINS, tableJobCommand } from "./jobs";
import { ROOT } from "../../tools/harness";
import { inBackground, runProcess } from "../../test/support";

const SQL_DIR = path.join(ROOT, "pipelines", "realtime");

/** initdb, pg_ctl and psql: from PATH, else Debian's /usr/lib/postgresql/<version>/bin. */
function pgBin(): string | undefined {
    const onPath = spawnSync("sh", ["-c", "command -v pg_ctl"], { encoding: "utf8" }).stdout.trim();
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
    return dirs.find((d) => d && ["initdb", "pg_ctl", "psql"].every((b) => fs.existsSync(path.join(d, b))));
}

const bin = pgBin();
// PostgreSQL refuses to run as root: then every command runs as an unprivileged account.
const asUser = process.getuid?.() === 0 ? (spawnSync("id", ["postgres"]).status === 0 ? "postgres" : "nobody") : undefined;

/** `cmd` by sh in the server's directory, with the client's environment (as `asUser` when root). */
function shell(dir: string, cmd: string, env: Record<string, string> = {}): { command: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string } {
    const full = { PATH: `${bin}:${process.env.PATH}`, PGHOST: dir, PGDATABASE: "postgres", ...env };
    const args = asUser ? ["runuser", "-u", asUser, "--", "env", ...Object.entries(full).map(([k, v]) => `${k}=${v}`), "sh", "-c", cmd] : ["sh", "-c", cmd];
    return { command: args[0], args: args.slice(1), env: asUser ? { PATH: process.env.PATH } : { ...process.env, ...full }, cwd: dir || os.tmpdir() };
}

// initdb and the server start take seconds: begin them with the run, beside the other suites.
const server = inBackground(async (): Promise<string> => {
    // No skip: a missing server would turn a broken role script green. .ci/run installs it.
    assert.ok(bin, "no PostgreSQL server binaries (initdb, pg_ctl, psql): install Debian's postgresql (apt-get install postgresql)");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-pg-"));
    fs.chmodSync(dir, 0o755);
    if (asUser) assert.equal(spawnSync("chown", [asUser, dir]).status, 0);
    const step = async (cmd: string) => {
        const c = shell(dir, cmd);
        const r = await runProcess(c.command, c.args, { env: c.env, cwd: c.cwd });
        assert.equal(r.status, 0, `${cmd}\n${r.stdout}\n${r.stderr}`);
    };
    try {
        await step(`initdb -D "$PGHOST/data" -U postgres --auth-local=trust >/dev/null`);
        // The superuser and the master by trust; every other login by password.
        fs.writeFileSync(path.join(dir, "data", "pg_hba.conf"), "local all postgres trust\nlocal all master trust\nlocal all all scram-sha-256\n");
        await step(`pg_ctl -D "$PGHOST/data" -o "-c listen_addresses='' -k $PGHOST" -l "$PGHOST/log" -w start >/dev/null`);
        // An RDS-like master: no superuser, CREATEROLE, and CREATE on public (PostgreSQL 15 revoked it from PUBLIC).
        await step(`psql -X -q -v ON_ERROR_STOP=1 -U postgres -c "CREATE ROLE master LOGIN CREATEROLE CREATEDB; GRANT CREATE ON SCHEMA public TO master;"`);
    } catch (e) {
        stopServer(dir); // a server that started must not outlive a failed setup
        throw e;
    }
    return dir;
}, stopServer);

/** Stops the server and removes its directory (also when a --grep ran none of the tests). */
function stopServer(dir: string): void {
    const c = shell(dir, `pg_ctl -D "$PGHOST/data" -m fast -w stop >/dev/null`);
    spawnSync(c.command, c.args, { env: c.env, cwd: c.cwd });
    fs.rmSync(dir, { recursive: true, force: true });
}

describe("realtime pipeline: PostgreSQL roles on a real server", function () {
    this.timeout(120000);
    let dir = "";

    const run = (cmd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> => {
        const c = shell(dir, cmd, env);
        return spawnSync(c.command, c.args, { encoding: "utf8", env: c.env, cwd: c.cwd });
    };
    const ok = (r: SpawnSyncReturns<string>) => {
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        return r.stdout;
    };
    const psqlAs = (user: string, password: string, sql: string) =>
        run(`psql -X -q -t -A -v ON_ERROR_STOP=1 -c "$SQL"`, { PGUSER: user, PGPASSWORD: password, SQL: sql });
    const jobRun = (source: string, simulator: string) =>
        run(tableJobCommand(SQL_DIR), { PGUSER: "master", SOURCE_PASSWORD: source, SIMULATOR_PASSWORD: simulator });
    const { source, simulator } = POSTGRES_LOGINS;

    before(async function () {
        dir = await server();
    });

    it("the table Job's command creates the table and both roles as a non-superuser, and can run again", () => {
        ok(jobRun("source-1", "simulator-1"));
        ok(jobRun("source-1", "simulator-1"));
        const roles = ok(
            psqlAs(
                "postgres",
                "",
                `SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname IN ('${source.role}', '${simulator.role}') ORDER BY 1`,
            ),
        );
        assert.deepEqual(roles.trim().split("\n").sort(), [`${source.role}|f|f|f`, `${simulator.role}|f|f|f`].sort());
    });

    it("the simulator inserts its rows (RETURNING id) and may do nothing else", () => {
        ok(jobRun("source-1", "simulator-1"));
        // The simulator's own statement, with one row of its own generator as literals.
        const insert = ok(
            spawnSync(
                "python3",
                [
                    "-c",
                    [
                        "import random",
                        "from pipelines.realtime import simulator as s",
                        "row = s.fake_customer(random.Random(7))",
                        'q = lambda v: \'NULL\' if v is None else "\'" + str(v).replace("\'", "\'\'") + "\'"',
                        "print(s.INSERT_SQL % {k: q(v) for k, v in row.items()})",
                    ].join("\n"),
                ],
                { encoding: "utf8", cwd: ROOT },
            ),
        ).trim();
        assert.match(ok(psqlAs(simulator.role, "simulator-1", insert)).trim(), /^\d+$/);
        for (const sql of [
            "SELECT name FROM public.customers",
            "UPDATE public.customers SET city = 'x'",
            "DELETE FROM public.customers",
            "CREATE TABLE public.t (i int)",
        ]) {
            const r = psqlAs(simulator.role, "simulator-1", sql);
            assert.notEqual(r.status, 0, `the simulator may not: ${sql}`);
            assert.match(r.stderr, /permission denied/, sql);
        }
    });

    it("the JDBC source reads the table (timestamp mode) and may not write", () => {
        ok(jobRun("source-1", "simulator-1"));
        ok(psqlAs(source.role, "source-1", "SELECT * FROM public.customers WHERE dt_update > now() - interval '1 day' ORDER BY dt_update"));
        for (const sql of [
            "INSERT INTO public.customers (name) VALUES ('x')",
            "UPDATE public.customers SET city = 'x'",
            "DELETE FROM public.customers",
            "CREATE TABLE public.t (i int)",
        ]) {
            const r = psqlAs(source.role, "source-1", sql);
            assert.notEqual(r.status, 0, `the source may not: ${sql}`);
            assert.match(r.stderr, /permission denied/, sql);
        }
    });

    it("sets the passwords of the Secrets, so a new password replaces the old one on the next run", () => {
        ok(jobRun("source-1", "simulator-1"));
        assert.notEqual(psqlAs(source.role, "wrong", "SELECT 1").status, 0, "a wrong password is refused");
        ok(jobRun("source-2", "simulator-2"));
        assert.notEqual(psqlAs(source.role, "source-1", "SELECT 1").status, 0, "the old password no longer works");
        ok(psqlAs(source.role, "source-2", "SELECT 1"));
        ok(psqlAs(simulator.role, "simulator-2", "SELECT 1"));
    });

    it("fails with a clear message when a password is missing from the environment", () => {
        const r = run(tableJobCommand(SQL_DIR), { PGUSER: "master", SIMULATOR_PASSWORD: "x" });
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /SOURCE_PASSWORD is not set/);
    });
});
