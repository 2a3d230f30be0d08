// Airflow as pure values: the chart values, the DAG ConfigMap layout, the metadata-DB bootstrap Job
// and the IAM policies of its service accounts. components/platform/airflow.ts only wires them.
import type { StackConfig } from "../config";
import { loadBalancerAnnotations, serviceType } from "../components/platform/context";
import { canonicalJson, contentName, sha256 } from "./hash";
import { doc, PolicyDocument, s3Prefixes, Statement, wildcardOnly } from "./iam";

export const AIRFLOW_NAMESPACE = "airflow";
/** Release name "airflow" + chart "airflow" gives the chart's fullname "airflow" (no doubling). */
export const AIRFLOW_RELEASE = "airflow";
export const AIRFLOW_HOME = "/opt/airflow";
export const DAGS_FOLDER = `${AIRFLOW_HOME}/dags`;
export const API_PORT = 8080;
export const API_SERVICE = `${AIRFLOW_RELEASE}-api-server`;
export const ADMIN_USER = "admin";

/** The metadata database and its owner on the shared RDS instance. */
export const METADATA_DB = { database: "airflow", user: "airflow" } as const;
/**
 * Bump to rotate the metadata-DB password: the RandomPassword is keyed on it, the bootstrap Job's
 * name hashes it (so the Job runs again and ALTERs the role to the new password), and so does the
 * pods' metadata checksum (so every Airflow pod restarts with the new Secret, after the Job).
 */
export const METADATA_PASSWORD_GENERATION = "1";

/** Service accounts the chart creates (names pinned so Pod Identity associations match). */
export const serviceAccounts = {
    scheduler: `${AIRFLOW_RELEASE}-scheduler`,
    worker: `${AIRFLOW_RELEASE}-worker`,
    apiServer: `${AIRFLOW_RELEASE}-api-server`,
    triggerer: `${AIRFLOW_RELEASE}-triggerer`,
    dagProcessor: `${AIRFLOW_RELEASE}-dag-processor`,
} as const;

/** Kubernetes Secrets this program creates (prefixed so they never collide with chart-made ones). */
export const secretNames = {
    /** keys in metadataKeys: the sync and async connection URLs and the bare password. */
    metadata: "bdok-airflow-metadata",
    /** keys fernet-key, api-secret-key, jwt-secret (the chart's key names; Airflow 3 has no webserver key). */
    keys: "bdok-airflow-keys",
    /** keys username, password: the UI admin. */
    admin: "bdok-airflow-admin",
    /** key password: the RDS master password, read only by the bootstrap Job. */
    dbMaster: "bdok-airflow-db-master",
} as const;

// ---------------------------------------------------------------------------------------------
// Secrets material

/** Standard base64 → URL-safe base64 (padding kept): the form Fernet keys take. */
export function toUrlSafeBase64(b64: string): string {
    return b64.replace(/\+/g, "-").replace(/\//g, "_");
}

/** True when `key` is a valid Fernet key: URL-safe base64 (with padding) of exactly 32 bytes. */
export function isFernetKey(key: string): boolean {
    if (!/^[A-Za-z0-9_-]{43}=$/.test(key)) return false;
    return Buffer.from(key.replace(/-/g, "+").replace(/_/g, "/"), "base64").length === 32;
}

/** SQLAlchemy URL of the metadata DB; RDS forces TLS (rds.force_ssl=1), so sslmode=require. */
export function metadataConnection(password: string, host: string, port: number): string {
    const u = encodeURIComponent(METADATA_DB.user);
    return `postgresql://${u}:${encodeURIComponent(password)}@${host}:${port}/${METADATA_DB.database}?sslmode=require`;
}

/**
 * The async URL (sql_alchemy_conn_async). Airflow would derive it from the sync one by swapping in
 * asyncpg and keeping the query, but SQLAlchemy hands `sslmode` to asyncpg.connect(), which has no
 * such argument; asyncpg's own spelling is `ssl`.
 */
export function metadataAsyncConnection(password: string, host: string, port: number): string {
    const u = encodeURIComponent(METADATA_DB.user);
    return `postgresql+asyncpg://${u}:${encodeURIComponent(password)}@${host}:${port}/${METADATA_DB.database}?ssl=require`;
}

/** Keys of the metadata Secret (`connection` is the chart's data.metadataSecretName contract). */
export const metadataKeys = { connection: "connection", asyncConnection: "async-connection", password: "password" } as const;

/**
 * What the pods' connection depends on, without the password itself: a pod annotation, so a
 * password rotation (a new generation) or a moved database rolls every Airflow pod, which read the
 * Secret only when they start.
 */
export function metadataChecksum(host: string, port: number, generation: string = METADATA_PASSWORD_GENERATION): string {
    return sha256(canonicalJson({ generation, host, port, ...METADATA_DB }));
}

// ---------------------------------------------------------------------------------------------
// DAG delivery: files → one ConfigMap mounted at the DAGs folder

/**
 * The kubelet lays a ConfigMap volume out as `..<timestamp>/` with the files, `..data` → that
 * directory and one symlink per entry into `..data/`. Airflow's DAG discovery walks with
 * followlinks and fails ("Detected recursive loop") on `..data` unless an ignore rule prunes the
 * `..*` entries first (glob syntax, pinned in the config below).
 * pipelines/tests/test_dag_discovery.py runs that discovery over such a layout.
 */
export const DAGS_IGNORE_FILE = ".airflowignore";
export const DAGS_IGNORE = "# the kubelet's ConfigMap internals: ..data and ..<timestamp>\n..*\n";

const segment = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Problems with DAG file paths (relative, at most one subfolder, ConfigMap-safe names). */
export function dagPathIssues(paths: string[]): string[] {
    const issues: string[] = [];
    const keys = new Map<string, string>();
    for (const p of paths) {
        const parts = p.split("/");
        if (parts.length > 2 || parts.some((s) => !segment.test(s) || s === "." || s === "..")) {
            issues.push(`dagFiles: got path ${JSON.stringify(p)}; allowed: "file" or "folder/file" with letters, digits, _ . - (no leading dot, no ..)`);
            continue;
        }
        const key = dagConfigMapKey(p);
        const other = keys.get(key);
        if (other !== undefined) issues.push(`dagFiles: paths ${JSON.stringify(other)} and ${JSON.stringify(p)} map to the same ConfigMap key ${key}`);
        keys.set(key, p);
    }
    return issues;
}

/** ConfigMap keys may not contain "/": "spark/imdb-bronze.yaml" → "spark__imdb-bronze.yaml". */
export function dagConfigMapKey(path: string): string {
    return path.replace(/\//g, "__");
}

/** The files the DAG folder receives: the caller's and the ignore file. */
export function deliveredDagFiles(files: Record<string, string>): Record<string, string> {
    return { [DAGS_IGNORE_FILE]: DAGS_IGNORE, ...files };
}

/** ConfigMap data for the DAG files and the ignore file; throws on bad paths or over the 1 MiB object limit. */
export function dagConfigMapData(files: Record<string, string>): Record<string, string> {
    const paths = Object.keys(files).sort();
    const issues = dagPathIssues(paths);
    const size = paths.reduce((n, p) => n + Buffer.byteLength(files[p]) + p.length, 0);
    if (size > 900 * 1024) issues.push(`dagFiles: ${size} bytes in total; allowed: under 900 KiB (a ConfigMap holds at most 1 MiB)`);
    if (issues.length) throw new Error(issues.join("\n"));
    const delivered = deliveredDagFiles(files);
    return Object.fromEntries(Object.keys(delivered).map((p) => [dagConfigMapKey(p), delivered[p]]));
}

/** sha256 of the DAG files (paths and contents): a pod annotation, so a change rolls the pods. */
export function dagsHash(files: Record<string, string>): string {
    return sha256(canonicalJson(files));
}

export const DAGS_VOLUME = "bdok-dags";

/** The volume (ConfigMap items key ↔ path, with the ignore file) and its read-only mount at the DAGs folder. */
export function dagVolume(configMapName: string, paths: string[]) {
    return {
        volume: {
            name: DAGS_VOLUME,
            configMap: {
                name: configMapName,
                items: [DAGS_IGNORE_FILE, ...[...paths].sort()].map((p) => ({ key: dagConfigMapKey(p), path: p })),
            },
        },
        mount: { name: DAGS_VOLUME, mountPath: DAGS_FOLDER, readOnly: true },
    };
}

// ---------------------------------------------------------------------------------------------
// Environment

/** Env names the component sets itself; callers may not override them. */
export const RESERVED_ENV = ["AIRFLOW_CONN_AWS_DEFAULT"];

export function envIssues(env: Record<string, unknown>): string[] {
    return Object.keys(env).flatMap((k) => {
        if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) return [`env: got name ${JSON.stringify(k)}; allowed: upper-case letters, digits and _`];
        if (RESERVED_ENV.includes(k) || k.startsWith("AIRFLOW__")) return [`env: ${k} is set by the Airflow component (Airflow settings go through chart values)`];
        return [];
    });
}

/** aws_default resolves credentials from the pod (EKS Pod Identity): a region, never keys. */
export function awsDefaultConnection(region: string): string {
    return `aws://?region_name=${encodeURIComponent(region)}`;
}

// ---------------------------------------------------------------------------------------------
// Sizing

export interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

const res = (cpuReq: string, memReq: string, cpuLim: string, memLim: string): Resources =>
    ({ requests: { cpu: cpuReq, memory: memReq }, limits: { cpu: cpuLim, memory: memLim } });

/** Requests and limits of every Airflow container the chart runs, per environment size. */
export function airflowResources(isProd: boolean) {
    return {
        scheduler: isProd ? res("500m", "1Gi", "2", "2Gi") : res("250m", "768Mi", "1", "1536Mi"),
        apiServer: isProd ? res("500m", "1536Mi", "2", "3Gi") : res("250m", "1Gi", "1", "2Gi"),
        triggerer: isProd ? res("250m", "768Mi", "1", "1536Mi") : res("100m", "512Mi", "500m", "1Gi"),
        dagProcessor: isProd ? res("250m", "768Mi", "1", "1536Mi") : res("100m", "512Mi", "1", "1Gi"),
        // One pod per task (KubernetesExecutor): the Python side only, Spark runs elsewhere.
        workers: isProd ? res("250m", "768Mi", "2", "2Gi") : res("100m", "512Mi", "1", "1Gi"),
        statsd: res("50m", "64Mi", "200m", "128Mi"),
        logGroomer: res("10m", "32Mi", "100m", "128Mi"),
        migrateDatabaseJob: res("200m", "512Mi", "1", "1Gi"),
        createUserJob: res("200m", "512Mi", "1", "1Gi"),
        dbInitJob: res("50m", "32Mi", "200m", "128Mi"),
    };
}

// ---------------------------------------------------------------------------------------------
// Chart values

export interface AirflowValuesArgs {
    config: StackConfig;
    /** "apache/airflow:3.1.7" */
    image: string;
    logsBucket: string;
    dagsConfigMap: string;
    dagPaths: string[];
    dagsHash: string;
    /** metadataChecksum(host, port) of the metadata DB the pods connect to. */
    metadataChecksum: string;
    /** Non-secret env for every Airflow container (and, through the chart, every task pod). */
    env: Record<string, string>;
}

/** Splits "repo/name:tag" (the tag is required: the image is pinned). */
export function splitImage(image: string): { repository: string; tag: string } {
    const i = image.lastIndexOf(":");
    if (i <= 0 || image.slice(i).includes("/")) throw new Error(`image ${image}: a pinned tag is required`);
    return { repository: image.slice(0, i), tag: image.slice(i + 1) };
}

// The chart reads the budget's config only when it is enabled.
const pdb = (enabled: boolean) => (enabled ? { enabled, config: { maxUnavailable: 1 } } : { enabled });

/**
 * Values for the apache-airflow chart. Secrets appear here only as Secret names: the chart's
 * pods read them through secretKeyRef.
 */
export function airflowValues(a: AirflowValuesArgs): Record<string, unknown> {
    const cfg = a.config;
    const r = airflowResources(cfg.isProd);
    const { repository, tag } = splitImage(a.image);
    const dags = dagVolume(a.dagsConfigMap, a.dagPaths);
    const env: Record<string, string> = { ...a.env, AIRFLOW_CONN_AWS_DEFAULT: awsDefaultConnection(cfg.region) };
    const groomer = { resources: r.logGroomer };
    const sa = (name: string) => ({ create: true, name });
    const ha = cfg.isProd;

    // Rolled on a DAG change and on a password rotation. Per component, not airflowPodAnnotations:
    // that also lands on the Jobs' pod templates, which are immutable once created.
    const podAnnotations = { "bdok.io/dags-sha256": a.dagsHash, "bdok.io/metadata-sha256": a.metadataChecksum };
    // The components that read DAG files (the API server reads the serialized DAGs from the DB).
    const withDags = { extraVolumes: [dags.volume], extraVolumeMounts: [dags.mount], podAnnotations };

    return {
        airflowVersion: tag,
        defaultAirflowRepository: repository,
        defaultAirflowTag: tag,
        executor: "KubernetesExecutor",
        // The chart's own PostgreSQL and Redis are off: metadata lives on RDS, no Celery broker.
        postgresql: { enabled: false },
        redis: { enabled: false },
        pgbouncer: { enabled: false },
        data: { metadataSecretName: secretNames.metadata },
        fernetKeySecretName: secretNames.keys,
        apiSecretKeySecretName: secretNames.keys,
        jwtSecretName: secretNames.keys,
        env: Object.keys(env).sort().map((name) => ({ name, value: env[name] })),
        secret: [{ envName: "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC", secretName: secretNames.metadata, secretKey: metadataKeys.asyncConnection }],
        dags: { persistence: { enabled: false }, gitSync: { enabled: false } },
        logs: { persistence: { enabled: false } },
        config: {
            // The ignore file of the DAG ConfigMap is written in glob syntax.
            core: { load_examples: "False", remote_logging: "True", dag_ignore_file_syntax: "glob" },
            logging: {
                remote_logging: "True",
                remote_base_log_folder: `s3://${a.logsBucket}/logs`,
                remote_log_conn_id: "aws_default",
                encrypt_s3_logs: "False",
            },
            // Two API workers instead of four: each holds a full Airflow import in memory.
            api: { workers: 2 },
        },
        scheduler: {
            replicas: cfg.airflow.schedulerReplicas,
            resources: r.scheduler,
            logGroomerSidecar: groomer,
            serviceAccount: sa(serviceAccounts.scheduler),
            podDisruptionBudget: pdb(ha),
            ...withDags,
        },
        apiServer: {
            replicas: ha ? 2 : 1,
            resources: r.apiServer,
            serviceAccount: sa(serviceAccounts.apiServer),
            podDisruptionBudget: pdb(ha),
            podAnnotations,
            service: {
                type: serviceType(cfg.exposure),
                annotations: loadBalancerAnnotations(cfg.exposure),
            },
        },
        triggerer: {
            replicas: ha ? 2 : 1,
            resources: r.triggerer,
            logGroomerSidecar: groomer,
            serviceAccount: sa(serviceAccounts.triggerer),
            // Task logs go to S3; no 100Gi volume per triggerer.
            persistence: { enabled: false },
            podDisruptionBudget: pdb(ha),
            ...withDags,
        },
        dagProcessor: {
            enabled: true,
            replicas: 1,
            resources: r.dagProcessor,
            logGroomerSidecar: groomer,
            serviceAccount: sa(serviceAccounts.dagProcessor),
            podDisruptionBudget: pdb(ha),
            ...withDags,
        },
        workers: {
            resources: r.workers,
            serviceAccount: sa(serviceAccounts.worker),
            ...withDags,
        },
        statsd: { enabled: true, resources: r.statsd },
        migrateDatabaseJob: { ...PLAIN_JOB, resources: r.migrateDatabaseJob },
        createUserJob: createUserJob(r.createUserJob, a.image),
    };
}

/**
 * The chart's Jobs as plain objects of the release, not post-install hooks: Helm runs those hooks
 * only after its wait, while every Airflow pod waits for the migrations in an init container (the
 * chart's documented setting for installs with --wait). Without the custom env their pod
 * templates stay the same from one upgrade to the next, and a finished Job is deleted at once, so
 * the next upgrade creates it afresh (Helm creates a release object it cannot find) and runs it
 * again with the new image, instead of patching an immutable pod template.
 */
/** How long the create-user Job waits for the migration Job (a fresh database migrates in minutes). */
export const MIGRATION_WAIT_SECONDS = 900;

export const PLAIN_JOB = { useHelmHooks: false, applyCustomEnv: false, ttlSecondsAfterFinished: 0 } as const;

/**
 * The chart's default args pass createUserJob.defaultUser.password as a literal command-line value.
 * These args replace them (so defaultUser is not read at all): the password comes from our Secret
 * through an env var instead.
 */
export function createUserJob(resources: Resources, image: string) {
    const u = { role: "Admin", username: ADMIN_USER, email: "admin@bdok.local", firstName: "bdok", lastName: "admin" };
    return {
        ...PLAIN_JOB,
        resources,
        // Both Jobs start together now (no hook weights): wait for the migrations like the chart's pods do.
        extraInitContainers: [{
            name: "wait-for-airflow-migrations",
            image,
            args: ["airflow", "db", "check-migrations", `--migration-wait-timeout=${MIGRATION_WAIT_SECONDS}`],
            env: [{ name: "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", valueFrom: { secretKeyRef: { name: secretNames.metadata, key: metadataKeys.connection } } }],
            volumeMounts: [{ name: "config", mountPath: `${AIRFLOW_HOME}/airflow.cfg`, subPath: "airflow.cfg", readOnly: true }],
            resources,
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        }],
        env: [{ name: "BDOK_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: secretNames.admin, key: "password" } } }],
        args: [
            "bash",
            "-c",
            // "users create" is a no-op (exit 0) when the user exists; the password stays in the env.
            `exec airflow users create -r ${u.role} -u ${u.username} -e ${u.email} -f ${u.firstName} -l ${u.lastName} -p "$BDOK_ADMIN_PASSWORD"`,
        ],
    };
}

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
    String.raw`SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'app_db') \gexec`,
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
    isProd: boolean;
}

export const DB_INIT_TTL_SECONDS = 3600;

/** The bootstrap Job's pod spec. Passwords arrive by secretKeyRef only. */
export function dbInitJobSpec(a: DbInitArgs) {
    const env = [
        { name: "PGHOST", value: a.host },
        { name: "PGPORT", value: String(a.port) },
        { name: "PGUSER", value: a.masterUser },
        { name: "PGDATABASE", value: "postgres" },
        // rds.force_ssl=1: plain connections are refused.
        { name: "PGSSLMODE", value: "require" },
        { name: "PGCONNECT_TIMEOUT", value: "10" },
        { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: secretNames.dbMaster, key: "password" } } },
        { name: "APP_USER", value: METADATA_DB.user },
        { name: "APP_DB", value: METADATA_DB.database },
        { name: "APP_PASSWORD", valueFrom: { secretKeyRef: { name: secretNames.metadata, key: "password" } } },
    ];
    return {
        backoffLimit: 6,
        activeDeadlineSeconds: 900,
        // Finished Jobs are garbage-collected; re-creating one is safe because the SQL is idempotent.
        ttlSecondsAfterFinished: DB_INIT_TTL_SECONDS,
        template: {
            metadata: { labels: { "app.kubernetes.io/name": "airflow-db-init", "app.kubernetes.io/part-of": "bdok" } },
            spec: {
                restartPolicy: "OnFailure",
                automountServiceAccountToken: false,
                securityContext: { runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, seccompProfile: { type: "RuntimeDefault" } },
                containers: [{
                    name: "psql",
                    image: a.image,
                    command: ["sh", "-c", dbInitScript()],
                    env,
                    resources: airflowResources(a.isProd).dbInitJob,
                    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                }],
            },
        },
    };
}

/**
 * The Job's name carries a hash of its spec (and the password generation): any change creates a
 * new Job that runs again, while an unchanged program leaves the finished Job alone.
 */
export function dbInitJobName(spec: unknown): string {
    return contentName("airflow-db-init", { spec, generation: METADATA_PASSWORD_GENERATION });
}


// ---------------------------------------------------------------------------------------------
// IAM: one role per service account that touches AWS

export interface AirflowAwsResources {
    lakeBucketArn: string;
    logsBucketArn: string;
    crawlerArn: string;
}

const LANDING = "landing";
const LOGS = "logs";

function sids(prefix: string, statements: Statement[]): Statement[] {
    return statements.map((s) => ({ ...s, Sid: `${prefix}${s.Sid ?? ""}` }));
}

function crawler(arn: string, actions: string[]): Statement {
    return { Sid: "Crawler", Effect: "Allow", Action: actions, Resource: arn };
}

/**
 * Task logs: the S3 handler checks whether the log object exists before appending (a HEAD of a
 * key that is usually missing), so writers may list the logs bucket; it holds only logs/.
 */
function logWriter(logsBucketArn: string): Statement[] {
    return sids("Logs", s3Prefixes(logsBucketArn, [LOGS], "readwrite", { list: "bucket" }));
}

/** Task pods: write raw data to landing/, start and watch THE crawler, write task logs. */
export function workerPolicy(r: AirflowAwsResources): PolicyDocument {
    return doc(
        ...sids("Landing", s3Prefixes(r.lakeBucketArn, [LANDING], "readwrite")),
        crawler(r.crawlerArn, ["glue:StartCrawler", "glue:GetCrawler"]),
        wildcardOnly("CrawlerMetrics", "glue:GetCrawlerMetrics"),
        ...logWriter(r.logsBucketArn),
    );
}

/** Triggerer: deferred sensors poll the crawler and append their logs. */
export function triggererPolicy(r: AirflowAwsResources): PolicyDocument {
    return doc(
        crawler(r.crawlerArn, ["glue:GetCrawler"]),
        wildcardOnly("CrawlerMetrics", "glue:GetCrawlerMetrics"),
        ...logWriter(r.logsBucketArn),
    );
}

/** API server: shows task logs, so it reads them back from S3. */
export function apiServerPolicy(r: AirflowAwsResources): PolicyDocument {
    return doc(...sids("Logs", s3Prefixes(r.logsBucketArn, [LOGS], "read")));
}

export function portForwardCommand(): string {
    return `kubectl -n ${AIRFLOW_NAMESPACE} port-forward svc/${API_SERVICE} ${API_PORT}:${API_PORT}`;
}
