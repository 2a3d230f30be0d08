// Trino as pure values: sizing (container memory ↔ JVM heap ↔ query memory), the Glue-backed
// `hive` catalog and the chart values. The service account's IAM policy is in iam.ts, the TLS
// issuer Job in specs.ts.
import { podPlacement } from "../karpenter/nodepools";
import { TRINO_JMX_REGISTRY_PORT, jmxConfigText, trinoJmxConfig } from "../observability/jmx";
import type { StackConfig } from "../../config";
import { apps } from "../../versions";
import { serviceAnnotations, serviceType } from "../load-balancer-controller/values";
import { NAMESPACE } from "../k8s/objects";

/** Release "trino" + chart "trino": the chart's fullname, so the Service, is "trino". */
export const TRINO_RELEASE = "trino";
export const TRINO_SERVICE = "trino";
export const TRINO_SERVICE_ACCOUNT = "trino";
export const TRINO_PORT = 8080;
export const TRINO_HTTPS_PORT = 8443;

// ---- Authentication (whenever exposure is not clusterIp) ----
/** The one Trino user; its password is a Pulumi secret, only its bcrypt hash lands in the cluster. */
export const TRINO_USER = "bdok";
/** Secret with `password.db` (user:bcrypt), read by the chart's file password authenticator. */
export const TRINO_PASSWORD_SECRET = "trino-password-file";
/** Secret with the internal-communication shared secret (key below), for coordinator and workers. */
export const TRINO_INTERNAL_SECRET = "trino-internal";
export const TRINO_INTERNAL_KEY = "shared-secret";
export const TRINO_INTERNAL_ENV = "TRINO_INTERNAL_SHARED_SECRET";
/** Filled in-cluster by the TLS Job (pipelines/platform/issue_tls.py): tls.pem, tls.crt, tls.key, ca.crt. */
export const TRINO_TLS_SECRET = "trino-tls";
/** The in-cluster CA's certificate and key: kept across renewals, read by the issuer Job only (no pod mounts it). */
export const TRINO_TLS_CA_SECRET = "trino-tls-ca";
export const TRINO_TLS_MOUNT = "/etc/trino/tls";
export const TRINO_TLS_ISSUER = "trino-tls-issuer";

/** Trino answers only authenticated, TLS-protected clients when anything but port-forward reaches it. */
export function trinoSecured(config: Pick<StackConfig, "exposure">): boolean {
    return config.exposure !== "clusterIp";
}

/** The names the server certificate carries: the Service, in every in-cluster form, and localhost (port-forward). */
export function trinoTlsNames(): string[] {
    return [
        TRINO_SERVICE,
        `${TRINO_SERVICE}.${NAMESPACE.trino}`,
        `${TRINO_SERVICE}.${NAMESPACE.trino}.svc`,
        `${TRINO_SERVICE}.${NAMESPACE.trino}.svc.cluster.local`,
        "localhost",
    ];
}

/** The file password authenticator's line: Trino accepts bcrypt ($2a$/$2b$/$2y$, cost >= 8). */
export function passwordFileLine(user: string, bcryptHash: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(user)) throw new Error(`trino user ${JSON.stringify(user)}: allowed: letters, digits, . _ -`);
    const m = /^\$2[abxy]\$(\d{2})\$/.exec(bcryptHash);
    if (!m || Number(m[1]) < 8) throw new Error("trino password: a bcrypt hash of cost 8 or more is required");
    return `${user}:${bcryptHash}\n`;
}

/** Chart values for password authentication over HTTPS, with the shared secret for internal calls. */
export function trinoAuthValues(): Record<string, unknown> {
    return {
        server: {
            config: {
                authenticationType: "PASSWORD",
                https: { enabled: true, port: TRINO_HTTPS_PORT, keystore: { path: `${TRINO_TLS_MOUNT}/tls.pem` } },
            },
        },
        auth: { passwordAuthSecret: TRINO_PASSWORD_SECRET },
        additionalConfigProperties: [
            `internal-communication.shared-secret=\${ENV:${TRINO_INTERNAL_ENV}}`,
            // Passwords only over HTTPS (Trino's default with authentication; stated, not assumed).
            "http-server.authentication.allow-insecure-over-http=false",
        ],
        env: [{ name: TRINO_INTERNAL_ENV, valueFrom: { secretKeyRef: { name: TRINO_INTERNAL_SECRET, key: TRINO_INTERNAL_KEY } } }],
        coordinator: { secretMounts: [{ name: "tls", secretName: TRINO_TLS_SECRET, path: TRINO_TLS_MOUNT }] },
    };
}
export const CATALOG = "hive";
/** The lake's Iceberg tables (pipelines/queries.json `catalog`). */
export const ICEBERG_CATALOG = "iceberg";
/** What Trino reads from the lake: the Iceberg warehouse (tables, their metadata and manifests). */
export const READ_PREFIXES = ["warehouse"];

export interface NodeSize {
    cpuRequest: string;
    cpuLimit: string;
    /** Container memory (request = limit: the JVM heap is sized from it). */
    memoryMiB: number;
}

/** Per-node memory settings derived from the container size, consistent by construction. */
export interface NodeMemory {
    memory: string;
    maxHeapSize: string;
    heapHeadroomPerNode: string;
    maxMemoryPerNode: string;
}

/**
 * Heap = 75% of the container (the rest: metaspace, threads, direct buffers); 30% of the heap is
 * headroom for untracked allocations; query memory per node = the remaining 70% of the heap.
 * Trino refuses to start unless max-memory-per-node + heap-headroom-per-node <= heap.
 */
export function nodeMemory(memoryMiB: number): NodeMemory {
    const heap = Math.floor(memoryMiB * 0.75);
    const headroom = Math.ceil(heap * 0.3);
    const query = heap - headroom;
    return { memory: `${memoryMiB}Mi`, maxHeapSize: `${heap}M`, heapHeadroomPerNode: `${headroom}MB`, maxMemoryPerNode: `${query}MB` };
}

export function trinoSizes(ha: boolean): { coordinator: NodeSize; worker: NodeSize } {
    return ha
        ? { coordinator: { cpuRequest: "1", cpuLimit: "2", memoryMiB: 4096 }, worker: { cpuRequest: "2", cpuLimit: "3", memoryMiB: 12288 } }
        : { coordinator: { cpuRequest: "250m", cpuLimit: "1", memoryMiB: 2048 }, worker: { cpuRequest: "500m", cpuLimit: "2", memoryMiB: 3072 } };
}

/** The `hive` catalog: Glue as metastore, Trino's native S3 file system, credentials from the pod. */
export function hiveCatalog(region: string): string {
    return [
        "connector.name=hive",
        "hive.metastore=glue",
        `hive.metastore.glue.region=${region}`,
        "fs.native-s3.enabled=true",
        `s3.region=${region}`,
        // Trino reads plain-file tables and never rewrites the lake (its role is read-only).
        "hive.non-managed-table-writes-enabled=false",
        "",
    ].join("\n");
}

/**
 * The `iceberg` catalog on the same Glue catalog and role, read-only: Spark owns every write.
 * Trino 480 docs (trinodb/trino docs/src/main/sphinx): connector/iceberg.md "General
 * configuration" (iceberg.catalog.type=glue) and "Security" (iceberg.security READ_ONLY);
 * object-storage/metastores.md "Iceberg-specific Glue catalog configuration properties", whose
 * general Glue properties (hive.metastore.glue.region) apply; object-storage/file-system-s3.md
 * (fs.native-s3.enabled, s3.region).
 */
export function icebergCatalog(region: string): string {
    return [
        "connector.name=iceberg",
        "iceberg.catalog.type=glue",
        `hive.metastore.glue.region=${region}`,
        "fs.native-s3.enabled=true",
        `s3.region=${region}`,
        "iceberg.security=read_only",
        "",
    ].join("\n");
}

export function trinoValues(
    config: Pick<StackConfig, "ha" | "trino" | "region" | "exposure" | "loadBalancerSourceRanges" | "vpcCidr"> & Partial<Pick<StackConfig, "observability">>,
): Record<string, unknown> {
    const sizes = trinoSizes(config.ha);
    const node = (s: NodeSize) => {
        const m = nodeMemory(s.memoryMiB);
        return {
            jvm: { maxHeapSize: m.maxHeapSize },
            config: { memory: { heapHeadroomPerNode: m.heapHeadroomPerNode }, query: { maxMemoryPerNode: m.maxMemoryPerNode } },
            resources: { requests: { cpu: s.cpuRequest, memory: m.memory }, limits: { cpu: s.cpuLimit, memory: m.memory } },
        };
    };
    const workers = config.trino.workers;
    const perNode = nodeMemory(sizes.worker.memoryMiB);
    // Cluster-wide query memory: every worker's share (the coordinator's when it is the only node).
    const queryNodes = Math.max(workers, 1);
    const perNodeMB = parseInt(workers > 0 ? perNode.maxMemoryPerNode : nodeMemory(sizes.coordinator.memoryMiB).maxMemoryPerNode, 10);
    const coordinator = node(sizes.coordinator);
    const values: Record<string, unknown> = {
        // The chart's repository, named so the policy pack can tell which image the tag belongs to.
        image: { repository: "trinodb/trino", tag: apps.trino },
        server: {
            workers,
            config: { query: { maxMemory: `${perNodeMB * queryNodes}MB` } },
        },
        coordinator: {
            ...coordinator,
            // With no workers the coordinator has to run the splits itself.
            config: { ...coordinator.config, nodeScheduler: { includeCoordinator: workers === 0 } },
        },
        // Workers on Karpenter's spot-first workloads pool; the coordinator, which tolerates no pool's
        // taint, stays on the system group.
        worker: { ...node(sizes.worker), ...podPlacement("workloads") },
        catalogs: { [CATALOG]: hiveCatalog(config.region), [ICEBERG_CATALOG]: icebergCatalog(config.region) },
        serviceAccount: { create: true, name: TRINO_SERVICE_ACCOUNT },
        service: {
            type: serviceType(config.exposure),
            annotations: serviceAnnotations(config),
        },
        // The JMX exporter sidecar on every node, for Prometheus (platform/observability/jmx.ts).
        ...(config.observability?.enabled ? trinoJmxValues() : {}),
    };
    return trinoSecured(config) ? deepMerge(values, trinoAuthValues()) : values;
}

/** Objects merged key by key (arrays and scalars of `b` win). */
/** The chart's jmx block: the RMI registry and server the exporter sidecar reads (values.yaml jmx.*). */
function trinoJmxValues(): Record<string, unknown> {
    return {
        jmx: {
            enabled: true,
            registryPort: TRINO_JMX_REGISTRY_PORT,
            exporter: {
                enabled: true,
                port: 5556,
                configProperties: jmxConfigText(trinoJmxConfig()),
                // A small JVM: the exporter's heap is a quarter of the limit.
                resources: { requests: { cpu: "5m", memory: "96Mi" }, limits: { cpu: "200m", memory: "160Mi" } },
            },
        },
    };
}

function deepMerge(a: Record<string, any>, b: Record<string, any>): Record<string, any> {
    const out: Record<string, any> = { ...a };
    for (const [k, v] of Object.entries(b)) {
        out[k] = v && typeof v === "object" && !Array.isArray(v) && a[k] && typeof a[k] === "object" && !Array.isArray(a[k]) ? deepMerge(a[k], v) : v;
    }
    return out;
}

export function portForwardCommand(): string {
    return `kubectl -n ${NAMESPACE.trino} port-forward svc/${TRINO_SERVICE} ${TRINO_PORT}:${TRINO_PORT}`;
}

/** With authentication, clients use the HTTPS port (passwords are refused over HTTP). */
export function securePortForwardCommand(): string {
    return `kubectl -n ${NAMESPACE.trino} port-forward svc/${TRINO_SERVICE} ${TRINO_HTTPS_PORT}:${TRINO_HTTPS_PORT}`;
}
