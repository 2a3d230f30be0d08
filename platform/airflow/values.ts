// Airflow's names, generated-secret formats, environment checks, sizing and chart values. The DAG
// ConfigMap layout is in dags.ts, the metadata-DB bootstrap Job in specs.ts, the service accounts'
// IAM policies in iam.ts; index.ts only wires them.
import { DO_NOT_DISRUPT, podPlacement } from "../karpenter/nodepools";
import { canonicalJson, sha256 } from "../../lib/hash";
import { RDS_CA_FILE, rdsCaMount, rdsCaVolume } from "../../lib/rds-ca";
import type { StackConfig } from "../../config";
import { serviceAnnotations, serviceType, tlsAnnotations } from "../load-balancer-controller/values";
import { dagVolume } from "./dags";
import { Resources, resources, NAMESPACE } from "../k8s/objects";

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
 * The metadata-DB password's generation (`bdok:passwordRotation`, lib/passwords.ts) keys its
 * RandomPassword, the bootstrap Job's name (so the Job runs again and ALTERs the role to the new
 * password) and the pods' metadata checksum (so every Airflow pod restarts with the new Secret).
 */

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
    /** key password: the RDS master password, read only by the bootstrap Job (namespace db-bootstrap). */
    dbMaster: "bdok-airflow-db-master",
    /** key password: the metadata role's password, a copy beside the master's for the bootstrap Job. */
    dbAppPassword: "bdok-airflow-db-app",
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

/**
 * SQLAlchemy URL of the metadata DB (psycopg2, which hands the query to libpq): TLS that verifies the
 * server's certificate and name (verify-full) against the RDS CA bundle mounted in every Airflow pod.
 */
export function metadataConnection(password: string, host: string, port: number): string {
    const u = encodeURIComponent(METADATA_DB.user);
    return `postgresql://${u}:${encodeURIComponent(password)}@${host}:${port}/${METADATA_DB.database}?sslmode=verify-full&sslrootcert=${RDS_CA_FILE}`;
}

/**
 * The async URL (sql_alchemy_conn_async). Airflow would derive it from the sync one by swapping in
 * asyncpg and keeping the query, but SQLAlchemy's asyncpg dialect hands every query parameter to
 * asyncpg.connect() as a keyword (create_connect_args: opts.update(url.query)), which has neither
 * `sslmode` nor `sslrootcert`: its `ssl` takes the mode, and the CA file comes from PGSSLROOTCERT
 * (asyncpg connect_utils._parse_connect_dsn_and_args), which every Airflow container gets (airflowValues).
 */
export function metadataAsyncConnection(password: string, host: string, port: number): string {
    const u = encodeURIComponent(METADATA_DB.user);
    return `postgresql+asyncpg://${u}:${encodeURIComponent(password)}@${host}:${port}/${METADATA_DB.database}?ssl=verify-full`;
}

/** Keys of the metadata Secret (`connection` is the chart's data.metadataSecretName contract). */
export const metadataKeys = { connection: "connection", asyncConnection: "async-connection", password: "password" } as const;

/**
 * What the pods' connection depends on, without the password itself: a pod annotation, so a
 * password rotation (a new generation) or a moved database rolls every Airflow pod, which read the
 * Secret only when they start.
 */
export function metadataChecksum(host: string, port: number, generation: string): string {
    return sha256(canonicalJson({ generation, host, port, ...METADATA_DB }));
}

// ---------------------------------------------------------------------------------------------
// Environment

/** Env names the component sets itself; callers may not override them. */
export const RESERVED_ENV = ["AIRFLOW_CONN_AWS_DEFAULT", "PGSSLROOTCERT"];

export function envIssues(env: Record<string, unknown>): string[] {
    return Object.keys(env).flatMap((k) => {
        if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) return [`env: got name ${JSON.stringify(k)}; allowed: upper-case letters, digits and _`];
        if (RESERVED_ENV.includes(k) || k.startsWith("AIRFLOW__"))
            return [`env: ${k} is set by the Airflow component (Airflow settings go through chart values)`];
        return [];
    });
}

/** aws_default resolves credentials from the pod (EKS Pod Identity): a region, never keys. */
export function awsDefaultConnection(region: string): string {
    return `aws://?region_name=${encodeURIComponent(region)}`;
}

// ---------------------------------------------------------------------------------------------
// Sizing

/** Requests and limits of every Airflow container the chart runs, per environment size. */
export function airflowResources(ha: boolean) {
    return {
        scheduler: ha ? resources("500m", "1Gi", "2", "2Gi") : resources("250m", "768Mi", "1", "1536Mi"),
        apiServer: ha ? resources("500m", "1536Mi", "2", "3Gi") : resources("250m", "1Gi", "1", "2Gi"),
        triggerer: ha ? resources("250m", "768Mi", "1", "1536Mi") : resources("100m", "512Mi", "500m", "1Gi"),
        dagProcessor: ha ? resources("250m", "768Mi", "1", "1536Mi") : resources("100m", "512Mi", "1", "1Gi"),
        // One pod per task (KubernetesExecutor): the Python side only, Spark runs elsewhere.
        workers: ha ? resources("250m", "768Mi", "2", "2Gi") : resources("100m", "512Mi", "1", "1Gi"),
        statsd: resources("50m", "64Mi", "200m", "128Mi"),
        logGroomer: resources("10m", "32Mi", "100m", "128Mi"),
        migrateDatabaseJob: resources("200m", "512Mi", "1", "1Gi"),
        createUserJob: resources("200m", "512Mi", "1", "1Gi"),
        dbInitJob: resources("50m", "32Mi", "200m", "128Mi"),
    };
}

// ---------------------------------------------------------------------------------------------
// DAG bundles from git (Airflow 3)

export interface GitDagBundle {
    name: string;
    url: string;
    ref: string;
    subdir: string;
    refreshSeconds: number;
}

/** Airflow's own default bundle list (airflow/config_templates/config.yml, dag_processor.dag_bundle_config_list). */
export const DAGS_FOLDER_BUNDLE = { name: "dags-folder", classpath: "airflow.dag_processing.bundles.local.LocalDagBundle", kwargs: {} };
/** apache-airflow-providers-git's bundle (the apache/airflow image installs the git extra). */
export const GIT_BUNDLE_CLASS = "airflow.providers.git.bundles.git.GitDagBundle";

/** The connection a bundle clones through: GitHook reads its connection even when repo_url is given. */
export const gitConnId = (bundle: string) => `bdok_git_${bundle}`;

/**
 * `[dag_processor] dag_bundle_config_list`: the DAG folder (ours and the users' files) first, then
 * one GitDagBundle per repository (providers/git/bundles/git.py: tracking_ref, subdir, git_conn_id,
 * repo_url; BaseDagBundle: refresh_interval). JSON, as Airflow's config parser reads it.
 */
export function dagBundleConfigList(bundles: readonly GitDagBundle[]): string {
    return JSON.stringify([
        DAGS_FOLDER_BUNDLE,
        ...bundles.map((b) => ({
            name: b.name,
            classpath: GIT_BUNDLE_CLASS,
            kwargs: {
                tracking_ref: b.ref,
                ...(b.subdir ? { subdir: b.subdir } : {}),
                git_conn_id: gitConnId(b.name),
                repo_url: b.url,
                refresh_interval: b.refreshSeconds,
            },
        })),
    ]);
}

/** AIRFLOW_CONN_* variables of the bundles' connections (JSON connections, no credentials: public repositories). */
export function dagBundleConnections(bundles: readonly GitDagBundle[]): Record<string, string> {
    return Object.fromEntries(bundles.map((b) => [`AIRFLOW_CONN_${gitConnId(b.name).toUpperCase()}`, JSON.stringify({ conn_type: "git", host: b.url })]));
}

// ---------------------------------------------------------------------------------------------
// Chart values

export interface AirflowValuesArgs {
    config: Pick<StackConfig, "ha" | "region" | "airflow" | "exposure" | "loadBalancerSourceRanges" | "loadBalancerCertificateArn" | "vpcCidr">;
    /** "apache/airflow:3.1.7" */
    image: string;
    logsBucket: string;
    dagsConfigMap: string;
    dagPaths: string[];
    dagsHash: string;
    /** metadataChecksum(host, port) of the metadata DB the pods connect to. */
    metadataChecksum: string;
    /** generationsAnnotation() of the other passwords the pods read from env (lib/passwords.ts). */
    passwordGenerations?: Record<string, string>;
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
    const r = airflowResources(cfg.ha);
    const { repository, tag } = splitImage(a.image);
    const dags = dagVolume(a.dagsConfigMap, a.dagPaths);
    const bundles = cfg.airflow.dagBundles ?? [];
    // PGSSLROOTCERT: asyncpg's CA file for the async metadata URL (metadataAsyncConnection).
    const env: Record<string, string> = {
        ...a.env,
        ...dagBundleConnections(bundles),
        AIRFLOW_CONN_AWS_DEFAULT: awsDefaultConnection(cfg.region),
        PGSSLROOTCERT: RDS_CA_FILE,
    };
    const groomer = { resources: r.logGroomer };
    const sa = (name: string) => ({ create: true, name });
    const ha = cfg.ha;

    // Rolled on a DAG change and on a password rotation. Per component, not airflowPodAnnotations:
    // that also lands on the Jobs' pod templates, which are immutable once created.
    const podAnnotations = { "bdok.io/dags-sha256": a.dagsHash, "bdok.io/metadata-sha256": a.metadataChecksum, ...a.passwordGenerations };
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
        // The chart gives its built-in key variables to every pod, the KubernetesExecutor's task pods
        // (pod_template_file) included. A task needs neither key in Airflow 3: it reaches connections
        // and variables through the execution API with a per-task token, which the scheduler signs.
        // So the two keys go only to the components below, by name (KEY_ENV).
        enableBuiltInSecretEnvVars: { AIRFLOW__CORE__FERNET_KEY: false, AIRFLOW__API_AUTH__JWT_SECRET: false },
        env: Object.keys(env)
            .sort()
            .map((name) => ({ name, value: env[name] })),
        // Every Airflow container (task pods' pod template and the chart's Jobs too): the RDS CA bundle the metadata URLs verify against.
        volumes: [rdsCaVolume()],
        volumeMounts: [rdsCaMount()],
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
            ...(bundles.length ? { dag_processor: { dag_bundle_config_list: dagBundleConfigList(bundles) } } : {}),
            // Two API workers instead of four: each holds a full Airflow import in memory.
            api: { workers: 2 },
        },
        scheduler: {
            replicas: cfg.airflow.schedulerReplicas,
            env: KEY_ENV,
            resources: r.scheduler,
            logGroomerSidecar: groomer,
            serviceAccount: sa(serviceAccounts.scheduler),
            podDisruptionBudget: pdb(ha),
            ...withDags,
        },
        apiServer: {
            replicas: ha ? 2 : 1,
            env: KEY_ENV,
            resources: r.apiServer,
            serviceAccount: sa(serviceAccounts.apiServer),
            podDisruptionBudget: pdb(ha),
            podAnnotations,
            service: {
                type: serviceType(cfg.exposure),
                // The API server speaks plain HTTP; behind a load balancer its listener is TLS (ACM).
                annotations: { ...serviceAnnotations(cfg), ...tlsAnnotations(cfg, [API_PORT]) },
            },
        },
        triggerer: {
            replicas: ha ? 2 : 1,
            env: KEY_ENV,
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
            env: KEY_ENV,
            replicas: 1,
            resources: r.dagProcessor,
            logGroomerSidecar: groomer,
            serviceAccount: sa(serviceAccounts.dagProcessor),
            podDisruptionBudget: pdb(ha),
            ...withDags,
        },
        workers: {
            resources: r.workers,
            // The KubernetesExecutor's task pods (pod_template_file) on Karpenter's workloads pool. A
            // task that submits a SparkApplication deletes it when killed (SparkKubernetesOperator.on_kill),
            // so consolidation must not evict it: Karpenter honours only its own do-not-disrupt annotation,
            // not the chart's cluster-autoscaler safe-to-evict.
            ...podPlacement("workloads"),
            serviceAccount: sa(serviceAccounts.worker),
            ...withDags,
            podAnnotations: { ...podAnnotations, ...DO_NOT_DISRUPT },
        },
        statsd: { enabled: true, resources: r.statsd },
        migrateDatabaseJob: { ...PLAIN_JOB, resources: r.migrateDatabaseJob, env: KEY_ENV },
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

/** The Fernet key (connections, variables) and the JWT secret (execution-API tokens), from the keys Secret, for the components that use them. */
export const KEY_ENV = [
    { name: "AIRFLOW__CORE__FERNET_KEY", valueFrom: { secretKeyRef: { name: secretNames.keys, key: "fernet-key" } } },
    { name: "AIRFLOW__API_AUTH__JWT_SECRET", valueFrom: { secretKeyRef: { name: secretNames.keys, key: "jwt-secret" } } },
];

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
        extraInitContainers: [
            {
                name: "wait-for-airflow-migrations",
                image,
                args: ["airflow", "db", "check-migrations", `--migration-wait-timeout=${MIGRATION_WAIT_SECONDS}`],
                env: [
                    { name: "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", valueFrom: { secretKeyRef: { name: secretNames.metadata, key: metadataKeys.connection } } },
                ],
                // The chart adds its volumeMounts to its own containers only: the RDS CA for the URL's sslrootcert.
                volumeMounts: [{ name: "config", mountPath: `${AIRFLOW_HOME}/airflow.cfg`, subPath: "airflow.cfg", readOnly: true }, rdsCaMount()],
                resources,
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
        ],
        env: [{ name: "BDOK_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: secretNames.admin, key: "password" } } }],
        args: [
            "bash",
            "-c",
            // "users create" is a no-op (exit 0) when the user exists; the password stays in the env.
            `exec airflow users create -r ${u.role} -u ${u.username} -e ${u.email} -f ${u.firstName} -l ${u.lastName} -p "$BDOK_ADMIN_PASSWORD"`,
        ],
    };
}

export function portForwardCommand(): string {
    return `kubectl -n ${NAMESPACE.airflow} port-forward svc/${API_SERVICE} ${API_PORT}:${API_PORT}`;
}
