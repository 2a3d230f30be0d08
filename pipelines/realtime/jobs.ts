import { POSTGRES_CONNECT_KEYS, POSTGRES_CONNECT_SECRET, POSTGRES_DATABASE, POSTGRES_SOURCE_ROLE } from "../../platform/kafka/values";
import { ES_HTTP_CA_KEY, ES_HTTP_CA_SECRET, KIBANA_DATA_VIEW_USER, KIBANA_HTTP_CA_SECRET, KIBANA_URL } from "../../platform/elastic/values";
import { DATA_VIEW, ES_CA_COPY, PART_OF, realtimeResources } from "./values";
import { type RbacRule, secretRules, NAMESPACE } from "../../platform/k8s/objects";
import { RDS_CA_FILE, rdsCaMount, rdsCaVolume } from "../../lib/rds-ca";

// ---------------------------------------------------------------------------------------------
// Pod building blocks

export const secretEnv = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

const hardened = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

/** The apache/airflow image's user (uid 50000, gid 0): Python 3 and psycopg2, no root. */
const airflowImageUser = { runAsNonRoot: true, runAsUser: 50000, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } };
/** postgres:*-alpine's `postgres` user. */
const postgresImageUser = { runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, seccompProfile: { type: "RuntimeDefault" } };

/** A ConfigMap's keys mounted read-only at `path`. */
function configMapVolume(volume: string, configMap: string) {
    return { name: volume, configMap: { name: configMap, defaultMode: 0o444 } };
}

/**
 * PostgreSQL logins of the pipeline, each in its own Secret (keys username, password) of the kafka
 * namespace: the master user only for the table Job, which creates the two others (roles.sql).
 */
export const POSTGRES_LOGINS = {
    admin: { secret: "bdok-postgres-admin" },
    source: { secret: POSTGRES_CONNECT_SECRET, role: POSTGRES_SOURCE_ROLE },
    simulator: { secret: "bdok-postgres-simulator", role: "bdok_simulator" },
    /** The table Job's copy of both roles' passwords (namespace db-bootstrap, beside the master's). */
    rolePasswords: { secret: "bdok-postgres-role-passwords", source: "source-password", simulator: "simulator-password" },
} as const;

/**
 * libpq settings for RDS: TLS (rds.force_ssl=1) verifying RDS's certificate and name against the
 * mounted CA bundle (rdsCaVolume/rdsCaMount in the pod), credentials from the login's Secret.
 */
export function postgresEnv(host: string, port: number, secret: string) {
    return [
        { name: "PGHOST", value: host },
        { name: "PGPORT", value: String(port) },
        { name: "PGDATABASE", value: POSTGRES_DATABASE },
        { name: "PGSSLMODE", value: "verify-full" },
        { name: "PGSSLROOTCERT", value: RDS_CA_FILE },
        { name: "PGCONNECT_TIMEOUT", value: "10" },
        secretEnv("PGUSER", secret, POSTGRES_CONNECT_KEYS.username),
        secretEnv("PGPASSWORD", secret, POSTGRES_CONNECT_KEYS.password),
    ];
}

/** A finished Job is garbage-collected after a day; its successor (new content) has a new name. */
export const JOB_TTL_SECONDS = 86400;

function jobSpec<P extends object>(name: string, podSpec: P, backoffLimit: number, activeDeadlineSeconds: number) {
    return {
        backoffLimit,
        activeDeadlineSeconds,
        ttlSecondsAfterFinished: JOB_TTL_SECONDS,
        template: {
            metadata: { labels: { "app.kubernetes.io/name": name, ...PART_OF } },
            spec: { restartPolicy: "Never", automountServiceAccountToken: false, ...podSpec },
        },
    };
}

// ---------------------------------------------------------------------------------------------
// (1) public.customers

export interface TableJobArgs {
    host: string;
    port: number;
    image: string;
    /** ConfigMap holding customers.sql */
    sqlConfigMap: string;
    ha: boolean;
}

export const SQL_MOUNT = "/opt/bdok/sql";

/** The psql command of the table Job: the table, then the roles (both idempotent), as the master user. */
export function tableJobCommand(sqlDir: string): string {
    return (
        `psql -X -v ON_ERROR_STOP=1 -v source_role=${POSTGRES_LOGINS.source.role} -v simulator_role=${POSTGRES_LOGINS.simulator.role} ` +
        `-f ${sqlDir}/customers.sql -f ${sqlDir}/roles.sql`
    );
}

/** Runs customers.sql and roles.sql once RDS answers; fails the pod on any SQL error. */
export function tableJobSpec(a: TableJobArgs) {
    const script = [
        "set -eu",
        `until pg_isready -q; do echo "waiting for $PGHOST:$PGPORT"; sleep 5; done`,
        tableJobCommand(SQL_MOUNT),
        `echo "table public.customers and its roles ready"`,
    ].join("\n");
    return jobSpec(
        "customers-table",
        {
            securityContext: postgresImageUser,
            volumes: [configMapVolume("sql", a.sqlConfigMap), rdsCaVolume()],
            containers: [
                {
                    name: "psql",
                    image: a.image,
                    command: ["sh", "-c", script],
                    env: [
                        ...postgresEnv(a.host, a.port, POSTGRES_LOGINS.admin.secret),
                        secretEnv("SOURCE_PASSWORD", POSTGRES_LOGINS.rolePasswords.secret, POSTGRES_LOGINS.rolePasswords.source),
                        secretEnv("SIMULATOR_PASSWORD", POSTGRES_LOGINS.rolePasswords.secret, POSTGRES_LOGINS.rolePasswords.simulator),
                    ],
                    volumeMounts: [{ name: "sql", mountPath: SQL_MOUNT, readOnly: true }, rdsCaMount()],
                    resources: realtimeResources(a.ha).psql,
                    securityContext: hardened,
                },
            ],
        },
        6,
        900,
    );
}

// ---------------------------------------------------------------------------------------------
// (2) the simulator

export interface SimulatorArgs {
    host: string;
    port: number;
    image: string;
    scriptConfigMap: string;
    rowsPerSecond: number;
    /** sha256 of simulator.py: a pod annotation, so a new script rolls the pod. */
    scriptHash: string;
    ha: boolean;
}

export const SCRIPT_MOUNT = "/opt/bdok/scripts";
export const SIMULATOR_NAME = "customers-simulator";

export function simulatorDeploymentSpec(a: SimulatorArgs) {
    const labels = { "app.kubernetes.io/name": SIMULATOR_NAME, ...PART_OF };
    return {
        replicas: 1,
        // Never two writers at once (the rate is per pod).
        strategy: { type: "Recreate" },
        selector: { matchLabels: { "app.kubernetes.io/name": SIMULATOR_NAME } },
        template: {
            metadata: { labels, annotations: { "bdok.io/script-sha256": a.scriptHash } },
            spec: {
                automountServiceAccountToken: false,
                securityContext: airflowImageUser,
                // SIGTERM ends the loop after the current insert.
                terminationGracePeriodSeconds: 30,
                volumes: [configMapVolume("scripts", a.scriptConfigMap), rdsCaVolume()],
                containers: [
                    {
                        name: "simulator",
                        image: a.image,
                        // Bypasses the Airflow entrypoint: plain Python with the image's psycopg2.
                        command: ["python", `${SCRIPT_MOUNT}/simulator.py`],
                        env: [
                            ...postgresEnv(a.host, a.port, POSTGRES_LOGINS.simulator.secret),
                            { name: "SIM_ROWS_PER_SECOND", value: String(a.rowsPerSecond) },
                            { name: "SIM_MAX_ROWS", value: "0" },
                            { name: "PYTHONUNBUFFERED", value: "1" },
                            { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
                        ],
                        volumeMounts: [{ name: "scripts", mountPath: SCRIPT_MOUNT, readOnly: true }, rdsCaMount()],
                        resources: realtimeResources(a.ha).simulator,
                        securityContext: hardened,
                    },
                ],
            },
        },
    };
}

// ---------------------------------------------------------------------------------------------
// ECK's CA for the sink (see ES_CA_COPY)

/** Read ECK's public CA Secret, nothing else (a Role in the elastic namespace). */
export function caSourceRules(): RbacRule[] {
    return secretRules([ES_HTTP_CA_SECRET]);
}

/** Update the copy, nothing else (a Role in the kafka namespace; the copy is created by Pulumi). */
export function caTargetRules(): RbacRule[] {
    return secretRules([ES_CA_COPY.secret], ["get", "patch"]);
}

export interface CopyPodArgs {
    image: string;
    scriptConfigMap: string;
    ha: boolean;
}

function caCopyPod(a: CopyPodArgs) {
    return {
        serviceAccountName: ES_CA_COPY.serviceAccount,
        // The script calls the Kubernetes API with this account's token.
        automountServiceAccountToken: true,
        securityContext: airflowImageUser,
        volumes: [configMapVolume("scripts", a.scriptConfigMap)],
        containers: [
            {
                name: "copy",
                image: a.image,
                command: ["python", `${SCRIPT_MOUNT}/copy_secret_key.py`],
                env: [
                    { name: "SOURCE_NAMESPACE", value: NAMESPACE.elastic },
                    { name: "SOURCE_SECRET", value: ES_HTTP_CA_SECRET },
                    { name: "SOURCE_KEY", value: ES_HTTP_CA_KEY },
                    { name: "TARGET_NAMESPACE", value: NAMESPACE.kafka },
                    { name: "TARGET_SECRET", value: ES_CA_COPY.secret },
                    { name: "TARGET_KEY", value: ES_CA_COPY.key },
                    // ECK creates the CA once Elasticsearch is reconciled: wait up to 20 minutes.
                    { name: "COPY_ATTEMPTS", value: "120" },
                    { name: "COPY_RETRY_SECONDS", value: "10" },
                    { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
                ],
                volumeMounts: [{ name: "scripts", mountPath: SCRIPT_MOUNT, readOnly: true }],
                resources: realtimeResources(a.ha).smallPython,
                securityContext: hardened,
            },
        ],
    };
}

/** The first copy: `pulumi up` waits for it before it creates the sink connector. */
export function caCopyJobSpec(a: CopyPodArgs) {
    const spec = jobSpec("es-ca-copy", caCopyPod(a), 3, 1800);
    return spec;
}

/**
 * Hourly re-copy. ECK renews its CA 24 h before expiry (ECK 3.5.0 certificates/expiration.go:14
 * DefaultRotateBefore, the chart's config.caRotateBefore) from the same key
 * (ca_reconcile.go:92-95), so the sink's copy of the old CA verifies the reissued certificates only
 * until the old CA expires: the copy must land inside those 24 h, with room for failed runs. The
 * sink task that then fails TLS is restarted by Strimzi (autoRestart) and reads the new file.
 */
export const CA_COPY_SCHEDULE = "17 * * * *";

export function caCopyCronJobSpec(a: CopyPodArgs) {
    return {
        schedule: CA_COPY_SCHEDULE,
        concurrencyPolicy: "Forbid",
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: { spec: jobSpec("es-ca-copy", caCopyPod(a), 3, 1800) },
    };
}

// ---------------------------------------------------------------------------------------------
// (6) the Kibana data view

export const KIBANA_CA_MOUNT = "/etc/bdok/kibana-ca";

export interface KibanaJobArgs {
    image: string;
    scriptConfigMap: string;
    ha: boolean;
}

/**
 * The Job's Elasticsearch role (roles.yml), from the two calls kibana_data_view.py makes:
 * - POST /api/data_views/data_view requires the API privilege `indexPatterns:manage` (Kibana
 *   data_views server/rest_api_routes/public/create_data_view.ts, security.authz.requiredPrivileges),
 *   which only feature `indexPatterns` ("Data View Management") grants, at `all`, with all on the
 *   `index-pattern` saved objects (x-pack/platform/plugins/shared/features/server/oss_features.ts);
 * - GET /api/data_views/data_view/{id} is authorised by the saved-objects client (get_data_view.ts:
 *   authz disabled, "Authorization provided by saved objects client"): read on `index-pattern`,
 *   which `all` includes.
 * Both answer with the view's fields (toSpec with fieldName ['*']), read as the user
 * (elasticsearch.client.asCurrentUser) through field capabilities: `view_index_metadata` on the
 * one index. Kibana stores a feature privilege in Elasticsearch as the application privilege
 * `feature_<id>.<privilege>` (security plugin privilege_serializer.ts) of application
 * `kibana-<kibana.index>` = `kibana-.kibana` (common/constants.ts APPLICATION_PREFIX) on resource
 * `space:<id>` (resource_serializer.ts); the view goes into the default space.
 */
export function kibanaDataViewRoles(): Record<string, unknown> {
    return {
        [KIBANA_DATA_VIEW_USER.role]: {
            cluster: [],
            indices: [{ names: [DATA_VIEW.id], privileges: ["view_index_metadata"] }],
            applications: [{ application: "kibana-.kibana", privileges: ["feature_indexPatterns.all"], resources: ["space:default"] }],
        },
    };
}

/** Runs in the elastic namespace: the Kibana CA and its own login's Secret live there. */
export function kibanaDataViewJobSpec(a: KibanaJobArgs) {
    return jobSpec(
        "kibana-data-view",
        {
            securityContext: airflowImageUser,
            volumes: [
                configMapVolume("scripts", a.scriptConfigMap),
                { name: "kibana-ca", secret: { secretName: KIBANA_HTTP_CA_SECRET, items: [{ key: ES_HTTP_CA_KEY, path: ES_HTTP_CA_KEY }] } },
            ],
            containers: [
                {
                    name: "data-view",
                    image: a.image,
                    command: ["python", `${SCRIPT_MOUNT}/kibana_data_view.py`],
                    env: [
                        { name: "KIBANA_URL", value: KIBANA_URL },
                        { name: "KIBANA_CA_FILE", value: `${KIBANA_CA_MOUNT}/${ES_HTTP_CA_KEY}` },
                        secretEnv("ES_USERNAME", KIBANA_DATA_VIEW_USER.userSecret, "username"),
                        secretEnv("ES_PASSWORD", KIBANA_DATA_VIEW_USER.userSecret, "password"),
                        { name: "KIBANA_ATTEMPTS", value: "90" },
                        { name: "KIBANA_RETRY_SECONDS", value: "10" },
                        { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
                    ],
                    volumeMounts: [
                        { name: "scripts", mountPath: SCRIPT_MOUNT, readOnly: true },
                        { name: "kibana-ca", mountPath: KIBANA_CA_MOUNT, readOnly: true },
                    ],
                    resources: realtimeResources(a.ha).smallPython,
                    securityContext: hardened,
                },
            ],
        },
        3,
        1800,
    );
}
