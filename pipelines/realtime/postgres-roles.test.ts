// The realtime pipeline's PostgreSQL roles, on a real PostgreSQL server (test/postgres.ts: the RDS
// engine's major version on a Unix socket, no TCP). The SQL runs as a non-superuser master with
// CREATEROLE, as on RDS, with the very psql command of the table Job; then each role is tried for what
// it may and may not do.
import { strict as assert } from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as path from "path";
import { POSTGRES_LOGINS, tableJobCommand } from "./jobs";
import { ROOT } from "../../tools/harness";
import { MASTER, ok, Postgres, postgres, skipUnlessPostgres, SUPERUSER } from "../../test/postgres";

const SQL_DIR = path.join(ROOT, "pipelines", "realtime");

describe("realtime pipeline: PostgreSQL roles on a real server", function () {
    this.timeout(120000);
    let pg: Postgres;

    const run = (cmd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> => pg.run(cmd, env);
    const psqlAs = (user: string, password: string, sql: string) => pg.psqlAs(user, password, sql);
    const jobRun = (source: string, simulator: string) =>
        run(tableJobCommand(SQL_DIR), { PGUSER: MASTER, SOURCE_PASSWORD: source, SIMULATOR_PASSWORD: simulator });
    const { source, simulator } = POSTGRES_LOGINS;

    before(async function () {
        skipUnlessPostgres(this);
        pg = await postgres();
    });

    it("the table Job's command creates the table and both roles as a non-superuser, and can run again", () => {
        ok(jobRun("source-1", "simulator-1"));
        ok(jobRun("source-1", "simulator-1"));
        const roles = ok(
            psqlAs(
                SUPERUSER,
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
        const r = run(tableJobCommand(SQL_DIR), { PGUSER: MASTER, SIMULATOR_PASSWORD: "x" });
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /SOURCE_PASSWORD is not set/);
    });
});
