// Trino as pure values: sizing (container memory ↔ JVM heap ↔ query memory), the Glue-backed
// `hive` catalog, the chart values and the service account's IAM policy.
import type { StackConfig } from "../config";
import { loadBalancerAnnotations, serviceType } from "../components/platform/context";
import { apps } from "../versions";
import { doc, glueCatalogArns, PolicyDocument, s3Prefixes, Statement } from "./iam";

export const TRINO_NAMESPACE = "trino";
/** Release "trino" + chart "trino": the chart's fullname, so the Service, is "trino". */
export const TRINO_RELEASE = "trino";
export const TRINO_SERVICE = "trino";
export const TRINO_SERVICE_ACCOUNT = "trino";
export const TRINO_PORT = 8080;
export const CATALOG = "hive";
/** What Trino reads from the lake: the book's bronze and silver layers. */
export const READ_PREFIXES = ["bronze", "silver"];

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

export function trinoSizes(isProd: boolean): { coordinator: NodeSize; worker: NodeSize } {
    return isProd
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
        // Tables are the crawler's: Trino reads them and never rewrites the lake (its role is read-only).
        "hive.non-managed-table-writes-enabled=false",
        "",
    ].join("\n");
}

export function trinoValues(config: StackConfig): Record<string, unknown> {
    const sizes = trinoSizes(config.isProd);
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
    return {
        image: { tag: apps.trino },
        server: {
            workers,
            config: { query: { maxMemory: `${perNodeMB * queryNodes}MB` } },
        },
        coordinator: {
            ...coordinator,
            // With no workers the coordinator has to run the splits itself.
            config: { ...coordinator.config, nodeScheduler: { includeCoordinator: workers === 0 } },
        },
        worker: node(sizes.worker),
        catalogs: { [CATALOG]: hiveCatalog(config.region) },
        serviceAccount: { create: true, name: TRINO_SERVICE_ACCOUNT },
        service: {
            type: serviceType(config.exposure),
            annotations: loadBalancerAnnotations(config.exposure),
        },
    };
}

/** Glue read on the book's database and its tables; S3 read on bronze/ and silver/ only. */
export function trinoPolicy(lakeBucketArn: string, region: string, accountId: string, database: string): PolicyDocument {
    const glue = glueCatalogArns(region, accountId, database);
    const catalog: Statement = {
        Sid: "GlueRead",
        Effect: "Allow",
        Action: [
            "glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
            "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition",
            "glue:GetColumnStatisticsForTable", "glue:GetColumnStatisticsForPartition",
        ],
        Resource: [glue.catalog, glue.database, glue.tables],
    };
    return doc(catalog, ...s3Prefixes(lakeBucketArn, READ_PREFIXES, "read"));
}

export function portForwardCommand(): string {
    return `kubectl -n ${TRINO_NAMESPACE} port-forward svc/${TRINO_SERVICE} ${TRINO_PORT}:${TRINO_PORT}`;
}
