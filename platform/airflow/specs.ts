import { contentName } from "../../lib/hash";
import { RDS_CA_FILE, rdsCaMount, rdsCaVolume } from "../../lib/rds-ca";
import { METADATA_DB, airflowResources, secretNames } from "./values";

// ---------------------------------------------------------------------------------------------
// Metadata DB bootstrap Job

/**
 * Idempotent bootstrap of the metadata DB as the RDS master user: role, password, database, owner.
 * psql variables are not expanded inside DO blocks, so each statement is built with format() and
 * run with \gexec; the password is read from the environment with \getenv (psql 15+), never argv.
 */
export const DB_INIT_SQL = [
    String.raw`\getenv app_password APP_PASSWORD`,
    String.raw`SELECT format('CREATE ROLE %I LOGIN', :'app_user') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \gexec`,
    String.raw`SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'app_user', :'app_password') \gexec`,
    // RDS masters are not superusers: CREATE DATABASE ... OWNER needs SET on the role (PG16+).
    String.raw`SELECT format('GRANT %I TO %I WITH INHERIT FALSE, SET TRUE', :'app_user', current_user) WHERE NOT pg_has_role(current_user, :'app_user', 'SET') \gexec`,
    String.raw`SELECT format('CREATE DATABASE %I OWNER %I', :'app_db', :'app_user') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'app_db') \gexec`,
    String.raw`SELECT format('ALTER DATABASE %I OWNER TO %I', :'app_db', :'app_user') \gexec`,
    // PUBLIC's default CONNECT and TEMP are the owner's grants: only a role acting as the owner can
    // revoke them (the master, neither superuser nor inheriting the role, would revoke nothing, with a
    // warning). SET ROLE uses the SET granted above.
    String.raw`SELECT format('SET ROLE %I', :'app_user') \gexec`,
    String.raw`SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'app_db') \gexec`,
    String.raw`SELECT 'RESET ROLE' \gexec`,
].join("\n");

export function dbInitScript(): string {
    return [
        "set -eu",
        `until pg_isready -q; do echo "waiting for $PGHOST:$PGPORT"; sleep 5; done`,
        `psql -X -v ON_ERROR_STOP=1 -v app_user="$APP_USER" -v app_db="$APP_DB" <<'SQL'`,
        DB_INIT_SQL,
        "SQL",
        `echo "metadata database $APP_DB ready for role $APP_USER"`,
    ].join("\n");
}

export interface DbInitArgs {
    host: string;
    port: number;
    masterUser: string;
    image: string;
    ha: boolean;
}

export const DB_INIT_TTL_SECONDS = 3600;

/** What dbInitScript() reads: the master's connection and the role and database to make, passwords by secretKeyRef. */
export function dbInitEnv(a: {
    host: string;
    port: number;
    masterUser: string;
    masterPassword: { name: string; key: string };
    app: { user: string; database: string; password: { name: string; key: string } };
}) {
    return [
        { name: "PGHOST", value: a.host },
        { name: "PGPORT", value: String(a.port) },
        { name: "PGUSER", value: a.masterUser },
        { name: "PGDATABASE", value: "postgres" },
        // TLS (rds.force_ssl=1) that verifies RDS's certificate and name against the mounted bundle.
        { name: "PGSSLMODE", value: "verify-full" },
        { name: "PGSSLROOTCERT", value: RDS_CA_FILE },
        { name: "PGCONNECT_TIMEOUT", value: "10" },
        { name: "PGPASSWORD", valueFrom: { secretKeyRef: a.masterPassword } },
        { name: "APP_USER", value: a.app.user },
        { name: "APP_DB", value: a.app.database },
        { name: "APP_PASSWORD", valueFrom: { secretKeyRef: a.app.password } },
    ];
}

/** The bootstrap Job's pod spec. Passwords arrive by secretKeyRef only. */
export function dbInitJobSpec(a: DbInitArgs) {
    const env = dbInitEnv({
        host: a.host,
        port: a.port,
        masterUser: a.masterUser,
        masterPassword: { name: secretNames.dbMaster, key: "password" },
        app: { user: METADATA_DB.user, database: METADATA_DB.database, password: { name: secretNames.dbAppPassword, key: "password" } },
    });
    return dbBootstrapJobSpec({
        name: "airflow-db-init",
        image: a.image,
        env,
        resources: airflowResources(a.ha).dbInitJob,
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    });
}

/** A bootstrap Job running dbInitScript() once as the master (Airflow's and Superset's metadata DBs). */
export function dbBootstrapJobSpec(a: {
    name: string;
    image: string;
    env: ReturnType<typeof dbInitEnv>;
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    securityContext: { allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean; capabilities: { drop: string[] } };
}) {
    return {
        backoffLimit: 6,
        activeDeadlineSeconds: 900,
        // Finished Jobs are garbage-collected; re-creating one is safe because the SQL is idempotent.
        ttlSecondsAfterFinished: DB_INIT_TTL_SECONDS,
        template: {
            metadata: { labels: { "app.kubernetes.io/name": a.name, "app.kubernetes.io/part-of": "bdok" } },
            spec: {
                restartPolicy: "OnFailure",
                automountServiceAccountToken: false,
                securityContext: { runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, seccompProfile: { type: "RuntimeDefault" } },
                volumes: [rdsCaVolume()],
                containers: [
                    {
                        name: "psql",
                        image: a.image,
                        command: ["sh", "-c", dbInitScript()],
                        env: a.env,
                        volumeMounts: [rdsCaMount()],
                        resources: a.resources,
                        securityContext: a.securityContext,
                    },
                ],
            },
        },
    };
}

/**
 * The Job's name carries a hash of its spec (and the password generation): any change creates a
 * new Job that runs again, while an unchanged program leaves the finished Job alone.
 */
export function dbInitJobName(spec: unknown, generation: string): string {
    return contentName("airflow-db-init", { spec, generation });
}
