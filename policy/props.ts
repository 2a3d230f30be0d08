// Reading resource properties that may be unknown during a real preview, type tokens, and who is
// attached to whom: what every rule file reads resources with.
import type { PolicyResource } from "@pulumi/policy";

// ---------------------------------------------------------------------------------------------
// Reading properties that may be unknown during a real preview
// ---------------------------------------------------------------------------------------------

/** A value Pulumi does not know yet (preview of a new resource), or the plan's "[unknown]". */
export const UNKNOWN: unique symbol = Symbol("unknown");

function isUnknownError(e: unknown): boolean {
    return e instanceof Error && (e.name === "UnknownValueError" || e.constructor?.name === "UnknownValueError");
}

/** Safe property walk: undefined when absent, UNKNOWN when the engine does not know it yet. */
export function read(obj: unknown, ...path: Array<string | number>): unknown {
    let cur: any = obj;
    for (const k of path) {
        if (cur === UNKNOWN || cur === "[unknown]") return UNKNOWN;
        if (cur === null || cur === undefined || typeof cur !== "object") return undefined;
        try {
            cur = cur[k];
        } catch (e) {
            if (isUnknownError(e)) return UNKNOWN;
            throw e;
        }
    }
    return cur === "[unknown]" ? UNKNOWN : cur;
}

export function isObj(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function keysOf(v: unknown): string[] {
    try {
        return isObj(v) ? Object.keys(v) : [];
    } catch (e) {
        if (isUnknownError(e)) return [];
        throw e;
    }
}

export function arr(v: unknown): unknown[] {
    if (!Array.isArray(v)) return v === undefined || v === null || v === UNKNOWN ? [] : [v];
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) out.push(read(v, i));
    return out;
}

/** Visits every (holder object, key, value) pair below `root`; `ancestors` ends with the holder's parent. */
export function walk(root: unknown, visit: (holder: Record<string, unknown>, key: string, value: unknown, path: string, ancestors: unknown[]) => void): void {
    const go = (v: unknown, path: string, ancestors: unknown[], depth: number) => {
        if (depth > 40) return;
        if (Array.isArray(v)) {
            arr(v).forEach((x, i) => go(x, `${path}[${i}]`, ancestors, depth + 1));
            return;
        }
        if (!isObj(v)) return;
        for (const k of keysOf(v)) {
            const x = read(v, k);
            const p = path ? `${path}.${k}` : k;
            visit(v, k, x, p, ancestors);
            go(x, p, [...ancestors, v], depth + 1);
        }
    };
    go(root, "", [], 0);
}

/** A number from a number or a numeric string (Kafka and Kubernetes configs use both). */
export function toNumber(v: unknown): number | undefined {
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
    return undefined;
}

export function show(v: unknown): string {
    if (v === UNKNOWN) return "(unknown)";
    if (v === undefined) return "(not set)";
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

// ---------------------------------------------------------------------------------------------
// Type tokens
// ---------------------------------------------------------------------------------------------

export const T = {
    bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
    sse: [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ],
    versioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
    publicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    bucketPolicy: ["aws:s3/bucketPolicy:BucketPolicy"],
    ownership: ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
    rdsInstance: ["aws:rds/instance:Instance"],
    rdsCluster: ["aws:rds/cluster:Cluster"],
    rdsClusterInstance: ["aws:rds/clusterInstance:ClusterInstance"],
    glueDatabase: ["aws:glue/catalogDatabase:CatalogDatabase"],
    securityGroup: ["aws:ec2/securityGroup:SecurityGroup"],
    ingressRule: ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
    sgRule: ["aws:ec2/securityGroupRule:SecurityGroupRule"],
    loadBalancer: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer", "aws:elb/loadBalancer:LoadBalancer"],
    subnet: ["aws:ec2/subnet:Subnet"],
    routeTable: ["aws:ec2/routeTable:RouteTable"],
    route: ["aws:ec2/route:Route"],
    routeTableAssociation: ["aws:ec2/routeTableAssociation:RouteTableAssociation"],
    internetGateway: ["aws:ec2/internetGateway:InternetGateway"],
    eksCluster: ["eks:index:Cluster"],
    awsEksCluster: ["aws:eks/cluster:Cluster"],
    nodeGroup: ["eks:index:ManagedNodeGroup", "aws:eks/nodeGroup:NodeGroup", "eks:index:NodeGroup", "eks:index:NodeGroupV2"],
    iamPolicyDoc: ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"],
    iamRole: ["aws:iam/role:Role"],
    iamAttachment: [
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    ],
    iamUser: ["aws:iam/user:User", "aws:iam/userLoginProfile:UserLoginProfile"],
    iamAccessKey: ["aws:iam/accessKey:AccessKey"],
    k8sService: ["kubernetes:core/v1:Service", "kubernetes:core/v1:ServicePatch"],
    k8sSecret: ["kubernetes:core/v1:Secret", "kubernetes:core/v1:SecretPatch"],
    helm: ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"],
} as const;

export const is = (types: readonly string[], type: string) => types.includes(type);

/** "kubernetes:kafka.strimzi.io/v1:Kafka" → { group, version, kind }; "core" for the core group. */
export function k8sTypeOf(type: string): { group: string; version: string; kind: string } | undefined {
    const m = /^kubernetes:(?:([^/:]+)\/)?([^/:]+):([A-Za-z0-9]+)$/.exec(type);
    if (!m) return undefined;
    return { group: m[1] ?? "core", version: m[2], kind: m[3] };
}

/** API groups that ship with Kubernetes (and Pulumi's own helm/yaml types); others are custom resources. */
const BUILTIN_GROUPS = new Set([
    "core",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "networking.k8s.io",
    "apiextensions.k8s.io",
    "admissionregistration.k8s.io",
    "coordination.k8s.io",
    "scheduling.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "certificates.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "apiregistration.k8s.io",
    "resource.k8s.io",
    "storagemigration.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "helm.sh",
    "yaml",
    "kustomize",
]);

export function isCustomResourceType(type: string): boolean {
    const t = k8sTypeOf(type);
    return !!t && !BUILTIN_GROUPS.has(t.group) && !t.kind.endsWith("List");
}

export const WORKLOAD_KINDS = new Set([
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Pod",
    "ConfigMap",
    "DeploymentPatch",
    "StatefulSetPatch",
    "DaemonSetPatch",
    "JobPatch",
    "CronJobPatch",
    "PodPatch",
    "ConfigMapPatch",
]);

const isKind = (group: string, kind: string) => (type: string) => {
    const t = k8sTypeOf(type);
    return !!t && t.group === group && t.kind === kind;
};
export const isKafka = isKind("kafka.strimzi.io", "Kafka");
export const isKafkaNodePool = isKind("kafka.strimzi.io", "KafkaNodePool");
export const isKafkaTopic = isKind("kafka.strimzi.io", "KafkaTopic");
export const isElasticsearch = isKind("elasticsearch.k8s.elastic.co", "Elasticsearch");
export const isKibana = isKind("kibana.k8s.elastic.co", "Kibana");

export const list = (v: unknown): string[] => arr(v).filter((x): x is string => typeof x === "string");

// ---------------------------------------------------------------------------------------------
// Stack relations (who is attached to whom)
// ---------------------------------------------------------------------------------------------

export const depsOf = (r: PolicyResource, ...props: string[]): PolicyResource[] => props.flatMap((p) => (r.propertyDependencies ?? {})[p] ?? []);
