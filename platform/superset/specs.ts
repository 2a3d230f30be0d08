// Superset as pure objects: the Superset resource the operator reconciles, the metadata DB
// bootstrap Job (Airflow's idempotent SQL, run for Superset's role and database), the Kaniko Job
// that builds the image with drivers, and the Job copying Trino's CA into the namespace.
import { contentName } from "../../lib/hash";
import { rdsCaMount, rdsCaVolume } from "../../lib/rds-ca";
import { apiVersions } from "../../versions";
import { dbBootstrapJobSpec, dbInitEnv } from "../airflow/specs";
import { type CustomResourceObject, NAMESPACE, type RbacRule, customResourceObject, secretRules } from "../k8s/objects";
import { TRINO_TLS_SECRET } from "../trino/values";
import { podPlacement } from "../karpenter/nodepools";
import { ADMIN_USER, METADATA_DB, SUPERSET_NAME, TRINO_CA_MOUNT, WEB_PORT, WEB_SERVER_POD, secretKeys, secretNames, supersetSizes } from "./values";

const LABELS = { "app.kubernetes.io/part-of": "bdok" };

/** The superset user of the official image (Dockerfile `useradd ... superset`, UID 1000 in the operator's docs' security example). */
export const SUPERSET_UID = 1000;
/** Where the init task finds the setup script and the dashboard bundle. */
export const SETUP_MOUNT = "/opt/bdok/superset";
export const SETUP_SCRIPT = "superset_setup.py";
export const BUNDLE_FILE = "bundle.json";

const restrictedContainer = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };

export interface SupersetResourceArgs {
    /** The image with drivers: repository and tag (built by the Kaniko Job). */
    image: { repository: string; tag: string };
    ha: boolean;
    /** The system node group's label: Superset runs there, on the architecture its image was built for. */
    nodeSelector: Record<string, string>;
    service: { type: "ClusterIP" | "LoadBalancer"; annotations: Record<string, string> };
    /** The ConfigMap with the setup script and the bundle (content-named). */
    setupConfigMap: string;
    /** Changes whenever the script or the bundle does: the init task re-runs (lifecycle.md "Manual Trigger"). */
    setupTrigger: string;
    /**
     * The generations of rotated passwords the pods read from env (lib/passwords.ts), or "" when none
     * was rotated. The operator puts spec.forceReload into every pod template, so a change restarts
     * them (superset-kubernetes-operator v0.2.0 api/v1alpha1/superset_types.go:179-183).
     */
    forceReload?: string;
    /** Trino is secured: the CA is mounted and the password given to the import. */
    trinoSecured: boolean;
}

/** The init task: `superset init` (the operator's default), the admin user, then the dashboard import. */
export function initCommand(): string[] {
    // As the operator's own adminUser step (internal/controller/config_builder.go buildInitCommand),
    // which Production mode refuses: an existing admin is left as it is.
    const admin = [
        "superset fab create-admin",
        `--username ${ADMIN_USER}`,
        `--password "$BDOK_ADMIN_PASSWORD"`,
        "--firstname Superset --lastname Admin --email admin@bdok.invalid",
    ].join(" ");
    return ["/bin/sh", "-c", `set -e; superset init; ${admin} || true; python ${SETUP_MOUNT}/${SETUP_SCRIPT}`];
}

export function supersetResource(a: SupersetResourceArgs): CustomResourceObject {
    const sizes = supersetSizes(a.ha);
    const secretEnv = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secretNames.app, key } } });
    const caVolume = a.trinoSecured ? [{ name: "trino-ca", secret: { secretName: secretNames.trinoCa } }] : [];
    const caMount = a.trinoSecured ? [{ name: "trino-ca", mountPath: TRINO_CA_MOUNT, readOnly: true }] : [];
    return customResourceObject(
        apiVersions.superset,
        "Superset",
        { name: SUPERSET_NAME, namespace: NAMESPACE.superset, labels: LABELS },
        {
            // Secrets by reference only: Production refuses inline keys and passwords (the CRD's CEL rules).
            environment: "Production",
            image: a.image,
            ...(a.forceReload ? { forceReload: a.forceReload } : {}),
            secretKeyFrom: { name: secretNames.app, key: secretKeys.secretKey },
            metastore: { uriFrom: { name: secretNames.app, key: secretKeys.metadataUri } },
            // Top-level: every Superset pod, lifecycle tasks included (configuration.md "Extensions").
            podTemplate: {
                nodeSelector: a.nodeSelector,
                podSecurityContext: {
                    runAsNonRoot: true,
                    runAsUser: SUPERSET_UID,
                    runAsGroup: SUPERSET_UID,
                    fsGroup: SUPERSET_UID,
                    seccompProfile: { type: "RuntimeDefault" },
                },
                // The RDS CA bundle the metadata URI verifies against (values.ts metadataUri).
                volumes: [rdsCaVolume(), ...caVolume],
                container: { securityContext: restrictedContainer, volumeMounts: [rdsCaMount(), ...caMount] },
            },
            webServer: {
                replicas: sizes.replicas,
                gunicorn: { workers: sizes.workers },
                service: { type: a.service.type, port: WEB_PORT, annotations: a.service.annotations },
                podTemplate: { container: { resources: sizes.web } },
                ...(a.ha ? { podDisruptionBudget: { minAvailable: 1 } } : {}),
            },
            lifecycle: {
                podTemplate: {
                    volumes: [{ name: "setup", configMap: { name: a.setupConfigMap, defaultMode: 0o444 } }],
                    container: {
                        resources: sizes.lifecycle,
                        env: [
                            secretEnv("BDOK_ADMIN_PASSWORD", secretKeys.adminPassword),
                            ...(a.trinoSecured ? [secretEnv("BDOK_TRINO_PASSWORD", secretKeys.trinoPassword)] : []),
                            { name: "BDOK_BUNDLE", value: `${SETUP_MOUNT}/${BUNDLE_FILE}` },
                            { name: "BDOK_ADMIN_USER", value: ADMIN_USER },
                        ],
                        volumeMounts: [{ name: "setup", mountPath: SETUP_MOUNT, readOnly: true }],
                    },
                },
                migrate: { timeout: "10m" },
                init: { command: initCommand(), trigger: a.setupTrigger, timeout: "10m" },
            },
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Metadata DB bootstrap (role + database on RDS, as the master user)

export interface DbInitArgs {
    host: string;
    port: number;
    masterUser: string;
    image: string;
}

export function dbInitJobSpec(a: DbInitArgs) {
    return dbBootstrapJobSpec({
        name: "superset-db-init",
        image: a.image,
        env: dbInitEnv({
            host: a.host,
            port: a.port,
            masterUser: a.masterUser,
            masterPassword: { name: secretNames.dbMaster, key: "password" },
            app: { user: METADATA_DB.user, database: METADATA_DB.database, password: { name: secretNames.dbAppPassword, key: "password" } },
        }),
        // One psql session of a few statements.
        resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        securityContext: { ...restrictedContainer, readOnlyRootFilesystem: true },
    });
}

/** The metadata password's generation is in the name: a rotation runs the Job again (ALTER ROLE). */
export function dbInitJobName(spec: unknown, generation: string): string {
    return contentName("superset-db-init", { spec, generation });
}

// ---------------------------------------------------------------------------------------------
// The image with drivers: Kaniko builds the Dockerfile and pushes it to ECR (as Strimzi does for Connect)

export const BUILD_SERVICE_ACCOUNT = "superset-image-build";

export interface BuildArgs {
    kanikoImage: string;
    /** repository:tag to push. */
    destination: string;
    dockerfileConfigMap: string;
    /** The architecture Superset's nodes (the system group) have: Kaniko builds for the node it runs on. */
    arch: "arm64" | "amd64";
    /** The workloads pool offers that architecture: build there, else on the system group itself. */
    onPool: boolean;
    systemNodeSelector: Record<string, string>;
}

export function buildJobSpec(a: BuildArgs) {
    return {
        backoffLimit: 2,
        activeDeadlineSeconds: 1800,
        ttlSecondsAfterFinished: 86400,
        template: {
            metadata: { labels: { "app.kubernetes.io/name": BUILD_SERVICE_ACCOUNT, ...LABELS } },
            spec: {
                restartPolicy: "Never",
                serviceAccountName: BUILD_SERVICE_ACCOUNT,
                // Kaniko unpacks the base image into its own root filesystem: it runs as root (baseline
                // allows it), without privilege escalation; its ECR helper authenticates through Pod Identity.
                automountServiceAccountToken: true,
                // On Karpenter's workloads pool (a node for the build's minutes, none kept for it), of
                // the system group's architecture: Kaniko builds for the node it runs on (its README,
                // --custom-platform), and Superset runs on the system group.
                ...(a.onPool
                    ? {
                          nodeSelector: { ...podPlacement("workloads").nodeSelector, "kubernetes.io/arch": a.arch },
                          tolerations: podPlacement("workloads").tolerations,
                      }
                    : { nodeSelector: a.systemNodeSelector }),
                volumes: [{ name: "context", configMap: { name: a.dockerfileConfigMap } }],
                containers: [
                    {
                        name: "kaniko",
                        image: a.kanikoImage,
                        args: [
                            "--dockerfile=/workspace/Dockerfile",
                            "--context=dir:///workspace",
                            `--destination=${a.destination}`,
                            "--image-fs-extract-retry=3",
                            "--push-retry=3",
                        ],
                        volumeMounts: [{ name: "context", mountPath: "/workspace", readOnly: true }],
                        resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "1", memory: "3Gi" } },
                        securityContext: { allowPrivilegeEscalation: false },
                    },
                ],
            },
        },
    };
}

// ---------------------------------------------------------------------------------------------
// Trino's CA in this namespace (secured Trino): pipelines/realtime/copy_secret_key.py, as for ECK's CA

export const CA_COPY = "superset-trino-ca-copy";

/** In the trino namespace: read the TLS Secret only. */
export function caSourceRules(): RbacRule[] {
    return secretRules([TRINO_TLS_SECRET]);
}

/** In the superset namespace: write the CA Secret only (created empty by the program). */
export function caTargetRules(): RbacRule[] {
    return secretRules([secretNames.trinoCa], ["get", "patch"]);
}

export function caCopyJobSpec(image: string, scriptConfigMap: string) {
    return {
        backoffLimit: 3,
        activeDeadlineSeconds: 900,
        ttlSecondsAfterFinished: 86400,
        template: {
            metadata: { labels: { "app.kubernetes.io/name": CA_COPY, ...LABELS } },
            spec: {
                restartPolicy: "Never",
                serviceAccountName: CA_COPY,
                automountServiceAccountToken: true,
                securityContext: { runAsNonRoot: true, runAsUser: 50000, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } },
                volumes: [{ name: "scripts", configMap: { name: scriptConfigMap, defaultMode: 0o444 } }],
                containers: [
                    {
                        name: "copy",
                        image,
                        command: ["python", "/opt/bdok/scripts/copy_secret_key.py"],
                        env: [
                            { name: "SOURCE_NAMESPACE", value: NAMESPACE.trino },
                            { name: "SOURCE_SECRET", value: TRINO_TLS_SECRET },
                            { name: "SOURCE_KEY", value: "ca.crt" },
                            { name: "TARGET_NAMESPACE", value: NAMESPACE.superset },
                            { name: "TARGET_SECRET", value: secretNames.trinoCa },
                        ],
                        volumeMounts: [{ name: "scripts", mountPath: "/opt/bdok/scripts", readOnly: true }],
                        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                        securityContext: { ...restrictedContainer, readOnlyRootFilesystem: true },
                    },
                ],
            },
        },
    };
}

export { WEB_SERVER_POD };
