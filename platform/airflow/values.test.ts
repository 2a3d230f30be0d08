// Airflow's pure builders: values, DAG folder, database Job.
import { strict as assert } from "assert";
import * as crypto from "crypto";
import { ROTATABLE } from "../../lib/passwords";

/** The metadata password's generation on a stack that never rotated it (lib/passwords.ts). */
const G = ROTATABLE["airflow-db"].initial!;
import { METADATA_DB, envIssues, isFernetKey, metadataAsyncConnection, metadataChecksum, metadataConnection, secretNames, toUrlSafeBase64 } from "./values";
import { DAGS_IGNORE, DAGS_IGNORE_FILE, dagConfigMapData, dagConfigMapKey, dagPathIssues, dagVolume, dagsHash } from "./dags";
import { DB_INIT_SQL, dbInitJobName, dbInitJobSpec } from "./specs";
import { runDbInit } from "../../test/airflow/db-init-run";
import { skipUnlessPostgres } from "../../test/postgres";
import { images } from "../../versions";
import { RDS_CA_FILE } from "../../lib/rds-ca";

describe("Airflow (pure builders)", () => {
    it("maps DAG paths with one subfolder to ConfigMap keys and back", () => {
        const files = { "imdb_pipeline.py": "x = 1\n", "spark/imdb-bronze.yaml": "kind: SparkApplication\n" };
        const data = dagConfigMapData(files);
        assert.deepEqual(Object.keys(data).sort(), [".airflowignore", "imdb_pipeline.py", "spark__imdb-bronze.yaml"]);
        assert.ok(
            Object.keys(data).every((k) => /^[-._a-zA-Z0-9]+$/.test(k)),
            "valid ConfigMap keys",
        );
        assert.equal(data[DAGS_IGNORE_FILE], DAGS_IGNORE);
        const { volume, mount } = dagVolume("cm", Object.keys(files));
        assert.deepEqual(volume.configMap.items, [
            { key: ".airflowignore", path: ".airflowignore" },
            { key: "imdb_pipeline.py", path: "imdb_pipeline.py" },
            { key: "spark__imdb-bronze.yaml", path: "spark/imdb-bronze.yaml" },
        ]);
        assert.deepEqual(mount, { name: volume.name, mountPath: "/opt/airflow/dags", readOnly: true });
        for (const item of volume.configMap.items) assert.equal(data[item.key], ({ ...files, [DAGS_IGNORE_FILE]: DAGS_IGNORE } as any)[item.path]);
    });

    it("rejects unsafe or colliding DAG paths and oversized bundles", () => {
        for (const bad of ["../etc/passwd", "a/b/c.py", ".hidden.py", "/abs.py", "spark/", "sp ace.py", DAGS_IGNORE_FILE]) {
            assert.ok(dagPathIssues([bad]).length > 0, `${bad} rejected`);
        }
        assert.ok(dagPathIssues(["a__b.py", "a/b.py"]).some((m) => m.includes("same ConfigMap key")));
        assert.throws(() => dagConfigMapData({ "big.py": "x".repeat(1024 * 1024) }), /900 KiB/);
        assert.equal(dagConfigMapKey("spark/x.yaml"), "spark__x.yaml");
    });

    it("hashes DAG content so any change in a file or a path changes the annotation", () => {
        const a = dagsHash({ "a.py": "1" });
        assert.notEqual(a, dagsHash({ "a.py": "2" }));
        assert.notEqual(a, dagsHash({ "b.py": "1" }));
        assert.equal(a, dagsHash({ "a.py": "1" }));
    });

    it("builds a valid Fernet key (URL-safe base64 of 32 bytes) from RandomBytes.base64", () => {
        for (let i = 0; i < 50; i++) {
            const key = toUrlSafeBase64(crypto.randomBytes(32).toString("base64"));
            assert.ok(isFernetKey(key), key);
        }
        assert.equal(isFernetKey(crypto.randomBytes(31).toString("base64")), false);
        assert.equal(isFernetKey("a+b/" + "A".repeat(39) + "="), false, "standard alphabet is not URL-safe");
    });

    it("rejects env names that are invalid or owned by the component", () => {
        assert.deepEqual(envIssues({ BDOK_LAKE_BUCKET: "x" }), []);
        assert.equal(envIssues({ "bad-name": "x" }).length, 1);
        assert.equal(envIssues({ AIRFLOW_CONN_AWS_DEFAULT: "aws://AKIA..." }).length, 1);
        assert.equal(envIssues({ AIRFLOW__CORE__FERNET_KEY: "x" }).length, 1);
    });

    it("bootstraps the metadata DB idempotently over TLS, re-running only when its spec changes", async function () {
        this.timeout(120_000);
        assert.match(DB_INIT_SQL, /CREATE ROLE %I LOGIN', :'app_user'\) WHERE NOT EXISTS \(SELECT 1 FROM pg_roles/);
        assert.match(DB_INIT_SQL, /CREATE DATABASE %I OWNER %I', :'app_db', :'app_user'\) WHERE NOT EXISTS \(SELECT 1 FROM pg_database/);
        assert.equal((DB_INIT_SQL.match(/\\gexec/g) ?? []).length, DB_INIT_SQL.split("\n").length - 1, "every statement but \\getenv runs through \\gexec");
        assert.match(DB_INIT_SQL, /^\\getenv app_password APP_PASSWORD$/m, "the password comes from the environment, not argv");
        const spec = dbInitJobSpec({ host: "h.rds.amazonaws.com", port: 5432, masterUser: "postgres", image: images.postgresClient, ha: false });
        const env = Object.fromEntries(spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));
        assert.equal(env.PGSSLMODE.value, "verify-full");
        assert.equal(env.PGSSLROOTCERT.value, RDS_CA_FILE);
        assert.deepEqual(env.PGPASSWORD.valueFrom.secretKeyRef, { name: secretNames.dbMaster, key: "password" });
        assert.deepEqual(env.APP_PASSWORD.valueFrom.secretKeyRef, { name: secretNames.dbAppPassword, key: "password" });
        assert.ok(spec.ttlSecondsAfterFinished > 0);
        const name = dbInitJobName(spec, G);
        assert.match(name, /^airflow-db-init-[0-9a-f]{10}$/);
        assert.equal(
            name,
            dbInitJobName(dbInitJobSpec({ host: "h.rds.amazonaws.com", port: 5432, masterUser: "postgres", image: images.postgresClient, ha: false }), G),
        );
        assert.notEqual(
            name,
            dbInitJobName(dbInitJobSpec({ host: "other.rds.amazonaws.com", port: 5432, masterUser: "postgres", image: images.postgresClient, ha: false }), G),
        );
        assert.equal(metadataConnection("pw", "h", 5432), `postgresql://airflow:pw@h:5432/airflow?sslmode=verify-full&sslrootcert=${RDS_CA_FILE}`);

        // The Job's script on a real server, twice, as the RDS master: the second run succeeds and
        // changes nothing, and the role logs in to its own database with the password the Job set.
        skipUnlessPostgres(this);
        const { runs, login } = await runDbInit(spec.template.spec.containers[0], {
            [`${secretNames.dbMaster}/password`]: "master-password",
            [`${secretNames.dbAppPassword}/password`]: "app-password-1",
        });
        for (const [i, r] of runs.entries()) {
            assert.equal(r.result.status, 0, `run ${i + 1}: ${r.result.stdout}\n${r.result.stderr}`);
            assert.doesNotMatch(r.result.stderr, /WARNING/, `run ${i + 1}`);
        }
        const { user, database } = METADATA_DB;
        assert.ok(runs[0].state.includes(`role ${user} login=t super=f createrole=f createdb=f`), runs[0].state.join("\n"));
        assert.ok(runs[0].state.includes(`database ${database} owner=${user} acl={${user}=CTc/${user}}`), "owned by the role, nothing granted to PUBLIC");
        assert.deepEqual(runs[1].state, runs[0].state);
        assert.equal(login.status, 0, login.stderr);
        assert.equal(login.stdout.trim(), `${user} ${database}`);
    });

    it("gives asyncpg its own URL: the same database with ssl=verify-full, never sslmode (asyncpg.connect() has no such keyword)", () => {
        const sync = new URL(metadataConnection("p@ss/w", "h.rds.amazonaws.com", 5432));
        const async = new URL(metadataAsyncConnection("p@ss/w", "h.rds.amazonaws.com", 5432));
        assert.equal(async.protocol, "postgresql+asyncpg:");
        // SQLAlchemy's asyncpg dialect passes every query parameter to asyncpg.connect() as a keyword
        // (create_connect_args: opts.update(url.query)); it takes `ssl`, but neither sslmode nor
        // sslrootcert, whose file asyncpg reads from PGSSLROOTCERT (connect_utils.py).
        assert.deepEqual([...async.searchParams], [["ssl", "verify-full"]]);
        for (const k of ["username", "password", "host", "pathname"] as const) assert.equal(async[k], sync[k], k);
    });

    it("changes the pods' metadata checksum with the password generation and the database address, never with the password", () => {
        const base = metadataChecksum("h", 5432, G);
        assert.equal(base, metadataChecksum("h", 5432, G));
        assert.notEqual(base, metadataChecksum("h", 5432, `${G}x`));
        assert.notEqual(base, metadataChecksum("other", 5432, G));
        assert.notEqual(base, metadataChecksum("h", 5433, G));
    });
});
