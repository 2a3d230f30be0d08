// The metadata-DB bootstrap Job's container, run on the tests' PostgreSQL server (test/postgres.ts)
// as the Job runs it: its own command, its environment with the Secrets' values filled in, and the
// server's socket for PGHOST. For the Airflow test files.
import { strict as assert } from "assert";
import type { SpawnSyncReturns } from "child_process";
import { MASTER, ok, postgres, SUPERUSER } from "../postgres";
import { METADATA_DB } from "../../platform/airflow/values";

export interface DbInitContainer {
    command: string[];
    env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
}

/** The cluster's view of the metadata DB: roles, memberships, databases (owners, ACLs); not password hashes. */
const STATE_SQL = `
SELECT format('role %s login=%s super=%s createrole=%s createdb=%s', rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb)
  FROM pg_roles WHERE rolname !~ '^pg_'
UNION ALL
SELECT format('member %s of %s inherit=%s set=%s admin=%s', member::regrole, roleid::regrole, inherit_option, set_option, admin_option)
  FROM pg_auth_members WHERE roleid::regrole::text !~ '^pg_'
UNION ALL
SELECT format('database %s owner=%s acl=%s', datname, pg_get_userbyid(datdba), datacl) FROM pg_database
ORDER BY 1`;

export interface DbInitRun {
    /** The container's exit, and the server's state after it, for each run. */
    runs: { result: SpawnSyncReturns<string>; state: string[] }[];
    /** The app role's login, with the password the Job read, to its own database after the last run. */
    login: SpawnSyncReturns<string>;
}

/**
 * Drops the metadata role and database, then runs the container `times` times. `secrets` gives the
 * value of each secretKeyRef as "secret/key".
 */
export async function runDbInit(container: DbInitContainer, secrets: Record<string, string>, times = 2): Promise<DbInitRun> {
    const pg = await postgres();
    assert.deepEqual(container.command.slice(0, 2), ["sh", "-c"], "the Job runs one sh script");
    const env: Record<string, string> = {};
    for (const e of container.env) {
        // The server is a socket here; the rest (user, database, variables, sslmode) is the Job's own.
        if (e.name === "PGHOST") continue;
        const ref = e.valueFrom?.secretKeyRef;
        const value = ref ? secrets[`${ref.name}/${ref.key}`] : e.value;
        assert.ok(value !== undefined, `no value for ${e.name}`);
        env[e.name] = value;
    }
    assert.equal(env.PGUSER, MASTER, "the Job logs in as the RDS master, the test server's non-superuser master");
    ok(pg.psqlAs(SUPERUSER, "", `DROP DATABASE IF EXISTS ${METADATA_DB.database}`));
    ok(pg.psqlAs(SUPERUSER, "", `DROP ROLE IF EXISTS ${METADATA_DB.user}`));
    const runs: DbInitRun["runs"] = [];
    for (let i = 0; i < times; i++) {
        const result = pg.run(container.command[2], env);
        runs.push({
            result,
            state: ok(pg.psqlAs(SUPERUSER, "", STATE_SQL))
                .trim()
                .split("\n"),
        });
    }
    const login = pg.psqlAs(METADATA_DB.user, env.APP_PASSWORD, "SELECT current_user || ' ' || current_database()", METADATA_DB.database);
    return { runs, login };
}
