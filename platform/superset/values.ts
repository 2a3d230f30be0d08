// Superset's names, the operator chart's values, sizes, the metadata DB and Trino connection URIs,
// and the Dockerfile of the image with drivers. The Superset resource, the Jobs and the dashboard
// bundle are in specs.ts and dashboard.ts.
import type { StackConfig } from "../../config";
import { contentName } from "../../lib/hash";
import { RDS_CA_FILE } from "../../lib/rds-ca";
import { apps, images, supersetDrivers } from "../../versions";
import { NAMESPACE } from "../k8s/objects";
import { TRINO_HTTPS_PORT, TRINO_PORT, TRINO_SERVICE, TRINO_USER, ICEBERG_CATALOG, trinoSecured } from "../trino/values";

export const OPERATOR_RELEASE = "superset-operator";
/** The Superset resource; the operator names what it runs `<name>-<component>` (docs/user-guide/configuration.md "Resource Names"). */
export const SUPERSET_NAME = "superset";
export const WEB_SERVICE = `${SUPERSET_NAME}-web-server`;
/** The web server's port (internal/common/names.go PortWebServer). */
export const WEB_PORT = 8088;
export const ADMIN_USER = "admin";

/** Superset's metadata database and its role on the platform's RDS instance. */
export const METADATA_DB = { user: "superset", database: "superset" } as const;

export const secretNames = {
    /** keys in secretKeys: the session key, the metadata DB URI and password, the admin password. */
    app: "bdok-superset",
    /** In db-bootstrap: the RDS master password, for the db-init Job only. */
    dbMaster: "bdok-superset-db-master",
    /** In db-bootstrap: the metadata role's password, which the db-init Job sets. */
    dbAppPassword: "bdok-superset-db-app",
    /** With Trino secured: the CA of its certificate (ca.crt), copied from the trino namespace. */
    trinoCa: "bdok-superset-trino-ca",
} as const;

export const secretKeys = {
    secretKey: "secret-key",
    metadataUri: "metadata-uri",
    metadataPassword: "metadata-password",
    adminPassword: "admin-password",
    trinoPassword: "trino-password",
} as const;

/** Pod labels the operator sets (internal/common/names.go ComponentLabels; ComponentWebServer "web-server"). */
export const WEB_SERVER_POD = { "app.kubernetes.io/name": "superset", "app.kubernetes.io/component": "web-server" } as const;

/**
 * SQLAlchemy URL of the metadata DB (the operator's default scheme, psycopg2: the query reaches
 * libpq): TLS verifying RDS's certificate and name against the bundle every Superset pod mounts.
 */
export function metadataUri(password: string, host: string, port: number): string {
    return `postgresql+psycopg2://${encodeURIComponent(METADATA_DB.user)}:${encodeURIComponent(password)}@${host}:${port}/${METADATA_DB.database}?sslmode=verify-full&sslrootcert=${RDS_CA_FILE}`;
}

/** Where Superset finds Trino: the Service in-cluster, HTTPS with the password once Trino is secured. */
export interface TrinoConnection {
    /** SQLAlchemy URI without the password (the import adds it from the Secret). */
    uri: string;
    /** Superset's database `extra` (engine parameters). */
    extra: Record<string, unknown>;
    secured: boolean;
}

/** The mount path of Trino's CA in Superset's pods (secured Trino only). */
export const TRINO_CA_MOUNT = "/etc/bdok/trino-ca";

export function trinoConnection(config: Pick<StackConfig, "exposure">): TrinoConnection {
    const host = `${TRINO_SERVICE}.${NAMESPACE.trino}.svc`;
    if (!trinoSecured(config)) {
        // Trino without authentication takes the user name as is (the queries show up as "superset").
        return { uri: `trino://superset@${host}:${TRINO_PORT}/${ICEBERG_CATALOG}`, extra: {}, secured: false };
    }
    // trino-python-client: password authentication only over https, http_scheme and verify are its
    // connect arguments (trino/sqlalchemy/dialect.py create_connect_args passes connect_args through).
    return {
        uri: `trino://${TRINO_USER}@${host}:${TRINO_HTTPS_PORT}/${ICEBERG_CATALOG}`,
        extra: { engine_params: { connect_args: { http_scheme: "https", verify: `${TRINO_CA_MOUNT}/ca.crt` } } },
        secured: true,
    };
}

/**
 * The image: the lean official one plus the drivers at their pins, installed into its virtualenv
 * with its own uv as Superset's "Docker Builds" page shows (docs/admin_docs/installation/docker-builds.mdx:
 * `. /app/.venv/bin/activate && uv pip install ...`, then back to the superset user).
 */
export function dockerfile(): string {
    const pins = Object.entries(supersetDrivers)
        .map(([pkg, v]) => `${pkg}==${v}`)
        .join(" ");
    return [`FROM ${images.superset}`, "USER root", `RUN . /app/.venv/bin/activate && uv pip install --no-cache ${pins}`, "USER superset", ""].join("\n");
}

export type Arch = "arm64" | "x86_64";

/** The tag names the Superset version, the architecture it was built on and the hash of the Dockerfile and its builder. */
export function imageTag(arch: Arch, builder: string = images.kaniko): string {
    // The builder too: the repository's tags are immutable, so a new Kaniko (a new build Job) must
    // push a new tag, or ECR refuses the push.
    return contentName(`${apps.superset}-${arch === "arm64" ? "arm64" : "amd64"}`.replace(/\./g, "-"), { dockerfile: dockerfile(), builder });
}

/** The operator: one replica watching the superset namespace only (Role, no manager ClusterRole: the chart's watch.scope). */
export function operatorValues(): Record<string, unknown> {
    return {
        replicas: 1,
        watch: { scope: "namespaces", namespaces: [NAMESPACE.superset] },
        // The metrics endpoint needs a ClusterRole for token reviews (templates/metrics-rbac.yaml); nothing scrapes it here.
        metrics: { enabled: false },
        resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
    };
}

export interface SupersetSizes {
    replicas: number;
    web: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
    /** gunicorn workers of the web server: each holds the app (~250 MiB). */
    workers: number;
    lifecycle: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
}

export function supersetSizes(ha: boolean): SupersetSizes {
    return ha
        ? {
              replicas: 2,
              web: { requests: { cpu: "250m", memory: "1536Mi" }, limits: { cpu: "2", memory: "1536Mi" } },
              workers: 4,
              lifecycle: { requests: { cpu: "100m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
          }
        : // Dev: a few dashboard users on the system group's last free CPU; an idle web server uses a
          // few millicores and bursts to its limit when a chart loads, the lifecycle tasks likewise.
          {
              replicas: 1,
              web: { requests: { cpu: "25m", memory: "768Mi" }, limits: { cpu: "1", memory: "1Gi" } },
              workers: 2,
              lifecycle: { requests: { cpu: "25m", memory: "768Mi" }, limits: { cpu: "1", memory: "1Gi" } },
          };
}

export function portForwardCommand(): string {
    return `kubectl -n ${NAMESPACE.superset} port-forward svc/${WEB_SERVICE} ${WEB_PORT}:${WEB_PORT}`;
}

export function webUrl(): string {
    return `http://${WEB_SERVICE}.${NAMESPACE.superset}.svc:${WEB_PORT}`;
}
