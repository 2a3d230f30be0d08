// The bdok policy pack: every rule as a plain @pulumi/policy object, and the pure predicates they
// use. policy/index.ts hands `policies` to a PolicyPack (for `pulumi preview --policy-pack policy`);
// tools/policy-run.ts runs the very same objects over the offline plans in `npm test`.
//
// Only type imports from @pulumi/policy: loading this module starts nothing and needs no engine.
import type {
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidation,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

// ---------------------------------------------------------------------------------------------
// Configuration: which stack the pack is looking at
// ---------------------------------------------------------------------------------------------

export const EXPOSURES = ["clusterIp", "internalLoadBalancer", "publicLoadBalancer"] as const;
export type Exposure = (typeof EXPOSURES)[number];

export interface BdokPolicyConfig {
    /** The stack name; defaults to the one in the resources' URNs. */
    stack: string;
    /** Whether prod-only rules apply; defaults to stack "prod" or "prod-*" (as config.ts decides). */
    isProd: boolean;
    /** The stack's bdok:exposure; decides whether LoadBalancer services and public 443 are allowed. */
    exposure: Exposure;
}

/** Every policy takes the same configuration, so one generated file configures the whole pack. */
export const configSchema: PolicyConfigSchema = {
    properties: {
        stack: { type: "string", description: "Stack name (defaults to the stack in the resource URNs)" },
        isProd: { type: "boolean", description: "Apply the prod-only rules (defaults to stack == prod or prod-*)" },
        exposure: { type: "string", enum: [...EXPOSURES], default: "clusterIp", description: "The stack's bdok:exposure setting" },
    },
};

/** "urn:pulumi:<stack>::<project>::<type>::<name>" → stack. */
export function stackOfUrn(urn: string | undefined): string | undefined {
    const m = /^urn:pulumi:([^:]+)::/.exec(urn ?? "");
    return m ? m[1] : undefined;
}

export function isProdStack(stack: string): boolean {
    return stack === "prod" || stack.startsWith("prod-");
}

/** Fills what the policy configuration leaves out: stack from the URN, isProd from the stack. */
export function resolveConfig(raw: Partial<BdokPolicyConfig> | undefined, urn?: string): BdokPolicyConfig {
    const r = raw ?? {};
    const stack = typeof r.stack === "string" && r.stack !== "" ? r.stack : (stackOfUrn(urn) ?? "unknown");
    const isProd = typeof r.isProd === "boolean" ? r.isProd : isProdStack(stack);
    const exposure = (EXPOSURES as readonly string[]).includes(r.exposure as string) ? (r.exposure as Exposure) : "clusterIp";
    return { stack, isProd, exposure };
}

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

function isObj(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function keysOf(v: unknown): string[] {
    try {
        return isObj(v) ? Object.keys(v) : [];
    } catch (e) {
        if (isUnknownError(e)) return [];
        throw e;
    }
}

function arr(v: unknown): unknown[] {
    if (!Array.isArray(v)) return v === undefined || v === null || v === UNKNOWN ? [] : [v];
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) out.push(read(v, i));
    return out;
}

/** Visits every (holder object, key, value) pair below `root`; `ancestors` ends with the holder's parent. */
function walk(root: unknown, visit: (holder: Record<string, unknown>, key: string, value: unknown, path: string, ancestors: unknown[]) => void): void {
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

function show(v: unknown): string {
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
    sse: ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"],
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
    iamAttachment: ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment", "aws:iam/userPolicyAttachment:UserPolicyAttachment", "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"],
    iamUser: ["aws:iam/user:User", "aws:iam/userLoginProfile:UserLoginProfile"],
    iamAccessKey: ["aws:iam/accessKey:AccessKey"],
    k8sService: ["kubernetes:core/v1:Service", "kubernetes:core/v1:ServicePatch"],
    k8sSecret: ["kubernetes:core/v1:Secret", "kubernetes:core/v1:SecretPatch"],
    helm: ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"],
} as const;

const is = (types: readonly string[], type: string) => types.includes(type);

/** "kubernetes:kafka.strimzi.io/v1:Kafka" → { group, version, kind }; "core" for the core group. */
export function k8sTypeOf(type: string): { group: string; version: string; kind: string } | undefined {
    const m = /^kubernetes:(?:([^/:]+)\/)?([^/:]+):([A-Za-z0-9]+)$/.exec(type);
    if (!m) return undefined;
    return { group: m[1] ?? "core", version: m[2], kind: m[3] };
}

/** API groups that ship with Kubernetes (and Pulumi's own helm/yaml types); others are custom resources. */
const BUILTIN_GROUPS = new Set([
    "core", "apps", "batch", "autoscaling", "policy", "rbac.authorization.k8s.io", "storage.k8s.io", "networking.k8s.io",
    "apiextensions.k8s.io", "admissionregistration.k8s.io", "coordination.k8s.io", "scheduling.k8s.io", "node.k8s.io",
    "discovery.k8s.io", "certificates.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io", "apiregistration.k8s.io",
    "resource.k8s.io", "storagemigration.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "helm.sh", "yaml", "kustomize",
]);

export function isCustomResourceType(type: string): boolean {
    const t = k8sTypeOf(type);
    return !!t && !BUILTIN_GROUPS.has(t.group) && !t.kind.endsWith("List");
}

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod", "ConfigMap",
    "DeploymentPatch", "StatefulSetPatch", "DaemonSetPatch", "JobPatch", "CronJobPatch", "PodPatch", "ConfigMapPatch"]);

const isKind = (group: string, kind: string) => (type: string) => {
    const t = k8sTypeOf(type);
    return !!t && t.group === group && t.kind === kind;
};
export const isKafka = isKind("kafka.strimzi.io", "Kafka");
export const isKafkaNodePool = isKind("kafka.strimzi.io", "KafkaNodePool");
export const isKafkaTopic = isKind("kafka.strimzi.io", "KafkaTopic");
export const isElasticsearch = isKind("elasticsearch.k8s.elastic.co", "Elasticsearch");
export const isKibana = isKind("kibana.k8s.elastic.co", "Kibana");

// ---------------------------------------------------------------------------------------------
// Pure predicates
// ---------------------------------------------------------------------------------------------

export const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

/** The SSE algorithms declared anywhere in an encryption configuration (or a bucket's inline one). */
export function sseAlgorithms(config: unknown): string[] {
    const found: string[] = [];
    walk({ config }, (_h, k, v) => {
        if (k === "sseAlgorithm" && typeof v === "string") found.push(v);
    });
    return found;
}

export function hasValidSse(config: unknown): boolean {
    const algs = sseAlgorithms(config);
    return algs.length > 0 && algs.every((a) => SSE_ALGORITHMS.includes(a));
}

/** BucketVersioning's versioningConfiguration.status, or a bucket's inline versioning. */
export function versioningEnabled(props: unknown): boolean | typeof UNKNOWN {
    const status = read(props, "versioningConfiguration", "status");
    if (status === UNKNOWN) return UNKNOWN;
    if (status !== undefined) return status === "Enabled";
    const inline = read(props, "versioning");
    const first = Array.isArray(inline) ? read(inline, 0) : inline;
    return read(first, "enabled") === true;
}

export const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

/** The public access block flags that are not true. */
export function publicAccessGaps(props: unknown): string[] {
    return PUBLIC_ACCESS_FLAGS.filter((f) => {
        const v = read(props, f);
        return v !== true && v !== "true" && v !== UNKNOWN;
    });
}

export interface Statement {
    Effect?: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    Principal?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
}

/** A policy document from a JSON string or an object; undefined when unreadable or unknown. */
export function parsePolicyDocument(v: unknown): { Statement: Statement[] } | undefined {
    let d: unknown = v;
    if (v === UNKNOWN) return undefined;
    if (typeof v === "string") {
        try {
            d = JSON.parse(v);
        } catch {
            return undefined;
        }
    }
    if (!isObj(d)) return undefined;
    const st = read(d, "Statement");
    return { Statement: arr(st).filter(isObj) as Statement[] };
}

const list = (v: unknown): string[] => arr(v).filter((x): x is string => typeof x === "string");

/** True when the document denies every request made without TLS (aws:SecureTransport = false). */
export function isTlsOnlyPolicy(doc: { Statement: Statement[] } | undefined): boolean {
    if (!doc) return false;
    return doc.Statement.some((s) => {
        if (s.Effect !== "Deny") return false;
        const principalAll = s.Principal === "*" || list(read(s.Principal, "AWS")).includes("*");
        const actions = list(s.Action);
        const allActions = actions.includes("s3:*") || actions.includes("*");
        const cond = read(s.Condition, "Bool", "aws:SecureTransport");
        return principalAll && allActions && (cond === false || cond === "false");
    });
}

/** Allow statements granting every action on every resource (or everything but a few, on "*"). */
export function adminWildcardStatements(doc: { Statement: Statement[] } | undefined): Statement[] {
    if (!doc) return [];
    return doc.Statement.filter((s) => {
        if (s.Effect !== "Allow") return false;
        const resources = list(s.Resource);
        const anyResource = resources.includes("*");
        return anyResource && (list(s.Action).includes("*") || s.NotAction !== undefined);
    });
}

/** Allowed actions that grant all of IAM ("iam:*" or "*"). */
export function iamWildcardActions(doc: { Statement: Statement[] } | undefined): string[] {
    if (!doc) return [];
    return doc.Statement.filter((s) => s.Effect === "Allow")
        .flatMap((s) => list(s.Action))
        .filter((a) => a === "*" || /^iam:\*$/i.test(a));
}

export const ADMIN_POLICY_ARNS = [/^arn:aws[a-z-]*:iam::aws:policy\/AdministratorAccess$/, /^arn:aws[a-z-]*:iam::aws:policy\/IAMFullAccess$/];

export const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];

export function openCidrs(cidrs: unknown[]): string[] {
    return cidrs.filter((c): c is string => typeof c === "string" && OPEN_CIDRS.includes(c.trim()));
}

/** Exactly TCP 443. */
/** The prefix length of an IPv4/IPv6 CIDR, or undefined when it is not one. */
function prefixLength(cidr: string): number | undefined {
    const m = /^[0-9a-fA-F:.]+\/(\d{1,3})$/.exec(cidr.trim());
    return m ? Number(m[1]) : undefined;
}

/** An API endpoint allow-list entry no broader than this is "restricted" (0.0.0.0/1 halves count as open). */
export const MIN_ENDPOINT_PREFIX = 8;

/**
 * Why a public EKS API endpoint is open to the world, or undefined when it is off or restricted.
 * EKS opens a public endpoint to 0.0.0.0/0 when publicAccessCidrs is left out or empty.
 */
export function publicEndpointProblem(publicAccess: unknown, cidrs: unknown): string | undefined {
    if (publicAccess === false || publicAccess === "false" || publicAccess === UNKNOWN || cidrs === UNKNOWN) return undefined;
    const list = arr(cidrs);
    if (list.length === 0) return "the public endpoint is on with no publicAccessCidrs, which EKS opens to 0.0.0.0/0";
    if (list.some((c) => c === UNKNOWN)) return undefined;
    const broad = list.filter((c) => typeof c !== "string" || (prefixLength(c) ?? 0) < MIN_ENDPOINT_PREFIX);
    return broad.length ? `publicAccessCidrs admits ${broad.map((c) => show(c)).join(", ")} (broader than /${MIN_ENDPOINT_PREFIX})` : undefined;
}

export function isHttpsOnly(fromPort: unknown, toPort: unknown, protocol: unknown): boolean {
    return toNumber(fromPort) === 443 && toNumber(toPort) === 443 && (protocol === "tcp" || protocol === "6" || protocol === 6);
}

export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

export function missingLogTypes(types: unknown): string[] {
    const have = list(types);
    return CONTROL_PLANE_LOG_TYPES.filter((t) => !have.includes(t));
}

/** Key names whose plain string value is a credential (normalised: lower case, letters and digits). */
const CREDENTIAL_SUFFIXES = [
    "password", "passwd", "passphrase", "pwd", "token", "apikey", "accesskey", "accesskeyid", "secretkey",
    "secretaccesskey", "privatekey", "clientsecret", "sharedsecret", "jwtsecret", "fernetkey", "signingkey",
    "encryptionkey", "authtoken", "bearertoken", "connectionstring",
];
/** Keys that name where a credential lives (a Secret name, a file, a switch), not the credential. */
const REFERENCE_KEY = /(secretname|secretref|keyref|existingsecret|fromsecret|secretkeyname|file|path|dir|enabled|enable|length|policy|type|mode|ttl|expiry|expiration|rotation|header|field|env|envname|mount|class|provider|providers|algorithm|method|ref|serviceaccounttoken)$/;

export function isCredentialKey(key: string): boolean {
    const k = key.toLowerCase().replace(/[^a-z0-9]/g, "");
    if (k === "pass") return true;
    if (REFERENCE_KEY.test(k)) return false;
    return CREDENTIAL_SUFFIXES.some((s) => k.endsWith(s));
}

/**
 * A value that points at a credential instead of being one: a config-provider reference
 * (`${secrets:ns/name:key}`, `${env:X}`, `${file:...}`), a Kubernetes env expansion `$(VAR)`, a Helm
 * template, a mounted file path, or nothing at all.
 */
export function isReferenceValue(v: string): boolean {
    const s = v.trim();
    return s === "" || /^\$\{[^}]+\}$/.test(s) || /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(s) || /^\{\{[\s\S]*\}\}$/.test(s) || /^\/[\w./-]+$/.test(s);
}

/** Objects of this shape point at a Secret: their string values are key names, not credentials. */
const SECRET_POINTER_KEYS = ["secretName", "secretKeyRef", "existingSecret", "valueFrom", "secretRef"];

/** Keys naming program source (ConfigMap data of scripts and DAGs): no settings inside. */
const CODE_FILE = /\.(py|sh|bash|js|mjs|ts|sql|rb|go|java|scala|r|pl|ps1)$/i;

/** A setting's value that is a bare token (a credential), not an expression such as f(x) or a[b]. */
function isPlainToken(v: string): boolean {
    return v !== "" && !/[\s()[\]{}<>,;]/.test(v.replace(/^\$\{[^}]*\}$/, ""));
}

export interface CredentialHit {
    path: string;
    why: string;
}

/** Credentials written as literals anywhere under `root` (specs, Helm values, env lists, config text). */
export function literalCredentials(root: unknown): CredentialHit[] {
    const hits: CredentialHit[] = [];
    const seen = new Set<string>();
    const hit = (path: string, why: string) => {
        if (!seen.has(path)) {
            seen.add(path);
            hits.push({ path, why });
        }
    };
    walk(root, (holder, key, value, path) => {
        if (typeof value !== "string") return;
        const pointer = SECRET_POINTER_KEYS.some((k) => keysOf(holder).includes(k));
        // key: "literal"
        if (!pointer && isCredentialKey(key) && !isReferenceValue(value)) hit(path, `key "${key}" holds a literal value`);
        // { name: PASSWORD, value: "literal" } (container env, Airflow env, ...)
        if (key === "value") {
            const name = read(holder, "name");
            if (typeof name === "string" && isCredentialKey(name) && !isReferenceValue(value)) hit(path, `env "${name}" holds a literal value`);
        }
        // scheme://user:password@host
        const uri = /[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:([^\s@/]+)@/i.exec(value);
        if (uri && !isReferenceValue(uri[1]) && !/^\$\{.*\}$|^\$\(.*\)$/.test(uri[1])) hit(path, "a URI with an embedded password");
        // properties/config text: "s3.aws-secret-key=..." lines (and "key: value" lines in multi-line
        // text), but not program source (a script in a ConfigMap assigns variables, it sets nothing).
        if (CODE_FILE.test(key)) return;
        const multiLine = value.includes("\n");
        for (const line of value.split("\n")) {
            const m = (multiLine ? /^\s*([A-Za-z0-9_.\-]+)\s*[=:]\s*(.*?)\s*$/ : /^\s*([A-Za-z0-9_.\-]+)\s*=\s*(.*?)\s*$/).exec(line);
            const v = m?.[2].replace(/^["']|["']$/g, "") ?? "";
            if (m && isCredentialKey(m[1]) && isPlainToken(v) && !isReferenceValue(v)) hit(path, `setting "${m[1]}" holds a literal value`);
        }
    });
    return hits;
}

export interface LoadBalancerHit {
    path: string;
    /** Explicitly internet-facing. */
    internetFacing: boolean;
    /** Explicitly internal. */
    internal: boolean;
}

function lbScheme(scope: unknown): { internetFacing: boolean; internal: boolean } {
    let internetFacing = false;
    let internal = false;
    walk({ scope }, (_h, k, v) => {
        const val = typeof v === "string" ? v.toLowerCase() : v;
        if (/aws-load-balancer-scheme$/.test(k) || k === "scheme") {
            if (val === "internet-facing") internetFacing = true;
            if (val === "internal") internal = true;
        }
        if (/aws-load-balancer-internal$/.test(k)) {
            if (val === "true" || val === true || val === "0.0.0.0/0") internal = true;
            if (val === "false" || val === false) internetFacing = true;
        }
    });
    return { internetFacing, internal };
}

/**
 * Every place under `root` that asks for a load balancer: a Service spec or Helm values with
 * `type`/`serviceType: LoadBalancer`, a Strimzi listener of type `loadbalancer`, an ECK http service.
 * The scheme is looked up in the holder and its parent (annotations sit beside or above the type).
 */
export function loadBalancerServices(root: unknown): LoadBalancerHit[] {
    const hits: LoadBalancerHit[] = [];
    walk({ root }, (holder, key, value, path, ancestors) => {
        if ((key === "type" || key === "serviceType") && typeof value === "string" && value.toLowerCase() === "loadbalancer") {
            const parent = ancestors[ancestors.length - 1];
            const a = lbScheme(holder);
            const b = lbScheme(parent);
            hits.push({ path: path.replace(/^root\.?/, ""), internetFacing: a.internetFacing || b.internetFacing, internal: a.internal || b.internal });
        }
    });
    return hits;
}

/** Whether a load balancer request is allowed under the stack's exposure; the reason if not. */
export function loadBalancerProblem(hit: LoadBalancerHit, exposure: Exposure): string | undefined {
    if (exposure === "clusterIp") return `a LoadBalancer service is not allowed with exposure clusterIp (use ClusterIP and kubectl port-forward, or set bdok:exposure)`;
    if (exposure === "internalLoadBalancer" && (hit.internetFacing || !hit.internal)) {
        return `exposure is internalLoadBalancer, so the load balancer must be internal (annotation service.beta.kubernetes.io/aws-load-balancer-scheme: internal)`;
    }
    return undefined;
}

export function kafkaSetting(spec: unknown, key: string): unknown {
    return read(spec, "kafka", "config", key);
}

/** The Elasticsearch node count: the sum of spec.nodeSets[].count. */
export function elasticsearchNodes(spec: unknown): number | typeof UNKNOWN {
    let sum = 0;
    for (const ns of arr(read(spec, "nodeSets"))) {
        const c = read(ns, "count");
        if (c === UNKNOWN) return UNKNOWN;
        sum += toNumber(c) ?? 0;
    }
    return sum;
}

// ---------------------------------------------------------------------------------------------
// Stack relations (who is attached to whom)
// ---------------------------------------------------------------------------------------------

const depsOf = (r: PolicyResource, ...props: string[]): PolicyResource[] =>
    props.flatMap((p) => (r.propertyDependencies ?? {})[p] ?? []);

/** Resources of `types` that configure `bucket`: children of it, or naming it in their `bucket` input. */
export function attachedToBucket(bucket: PolicyResource, resources: PolicyResource[], types: readonly string[]): PolicyResource[] {
    const name = read(bucket.props, "bucket");
    return resources.filter((r) => {
        if (!types.includes(r.type)) return false;
        if (r.parent?.urn === bucket.urn) return true;
        if (depsOf(r, "bucket").some((d) => d.urn === bucket.urn)) return true;
        const b = read(r.props, "bucket");
        return typeof name === "string" && typeof b === "string" && b === name;
    });
}

/** A subnet is public when it maps public IPs, is tagged for internet-facing ELBs, or routes to an IGW. */
export function isPublicSubnet(subnet: PolicyResource, resources: PolicyResource[]): boolean {
    if (read(subnet.props, "mapPublicIpOnLaunch") === true) return true;
    const tags = read(subnet.props, "tags");
    if (read(tags, "kubernetes.io/role/elb") !== undefined || read(tags, "bdok/tier") === "public") return true;
    const igw = (r: PolicyResource) => is(T.internetGateway, r.type);
    const tables = resources
        .filter((r) => is(T.routeTableAssociation, r.type) && depsOf(r, "subnetId").some((d) => d.urn === subnet.urn))
        .flatMap((a) => depsOf(a, "routeTableId"));
    return tables.some((rt) =>
        depsOf(rt, "routes").some(igw) ||
        arr(read(rt.props, "routes")).some((x) => /^igw-/.test(String(read(x, "gatewayId") ?? ""))) ||
        resources.some((r) => is(T.route, r.type) && depsOf(r, "routeTableId").some((d) => d.urn === rt.urn) &&
            (depsOf(r, "gatewayId").some(igw) || /^igw-/.test(String(read(r.props, "gatewayId") ?? "")))));
}

/** The SG belongs to a load balancer: an LB lists it, or it is tagged bdok/role=load-balancer. */
export function isLoadBalancerSecurityGroup(sg: PolicyResource | undefined, resources: PolicyResource[]): boolean {
    if (!sg) return false;
    if (read(sg.props, "tags", "bdok/role") === "load-balancer") return true;
    return resources.some((r) => is(T.loadBalancer, r.type) && depsOf(r, "securityGroups").some((d) => d.urn === sg.urn));
}

interface Ingress {
    cidrs: unknown[];
    fromPort: unknown;
    toPort: unknown;
    protocol: unknown;
    sg: PolicyResource | undefined;
    where: string;
}

function ingressOf(r: PolicyResource): Ingress[] {
    if (is(T.securityGroup, r.type)) {
        return arr(read(r.props, "ingress")).map((x, i) => ({
            cidrs: [...arr(read(x, "cidrBlocks")), ...arr(read(x, "ipv6CidrBlocks"))],
            fromPort: read(x, "fromPort"), toPort: read(x, "toPort"), protocol: read(x, "protocol"), sg: r, where: `ingress[${i}]`,
        }));
    }
    if (is(T.ingressRule, r.type)) {
        return [{
            cidrs: [read(r.props, "cidrIpv4"), read(r.props, "cidrIpv6")],
            fromPort: read(r.props, "fromPort"), toPort: read(r.props, "toPort"), protocol: read(r.props, "ipProtocol"),
            sg: depsOf(r, "securityGroupId")[0], where: "cidrIpv4/cidrIpv6",
        }];
    }
    if (is(T.sgRule, r.type) && read(r.props, "type") === "ingress") {
        return [{
            cidrs: [...arr(read(r.props, "cidrBlocks")), ...arr(read(r.props, "ipv6CidrBlocks"))],
            fromPort: read(r.props, "fromPort"), toPort: read(r.props, "toPort"), protocol: read(r.props, "protocol"),
            sg: depsOf(r, "securityGroupId")[0], where: "cidrBlocks",
        }];
    }
    return [];
}

// ---------------------------------------------------------------------------------------------
// Policy helpers
// ---------------------------------------------------------------------------------------------

function configOf(args: { getConfig<T extends object>(): T }, urn?: string): BdokPolicyConfig {
    return resolveConfig(args.getConfig<Partial<BdokPolicyConfig>>(), urn);
}

function stackConfigOf(args: StackValidationArgs): BdokPolicyConfig {
    return configOf(args, args.resources[0]?.urn);
}

/** Runs `fn` for resources of the given types only. */
function forTypes(types: readonly string[] | ((type: string) => boolean), fn: ResourceValidation): ResourceValidation {
    const match = typeof types === "function" ? types : (t: string) => types.includes(t);
    return (args, report) => (match(args.type) ? fn(args, report) : undefined);
}

/** A resource rule that applies only to prod stacks; elsewhere it reports itself not applicable. */
function prodOnly(fn: (args: ResourceValidationArgs, report: ReportViolation, cfg: BdokPolicyConfig) => void): ResourceValidation {
    return (args, report) => {
        const cfg = configOf(args, args.urn);
        if (!cfg.isProd) args.notApplicable(`prod stacks only (stack "${cfg.stack}")`);
        fn(args, report, cfg);
    };
}

function prodOnlyStack(fn: (args: StackValidationArgs, report: ReportViolation, cfg: BdokPolicyConfig) => void): StackValidation {
    return (args, report) => {
        const cfg = stackConfigOf(args);
        if (!cfg.isProd) args.notApplicable(`prod stacks only (stack "${cfg.stack}")`);
        fn(args, report, cfg);
    };
}

const label = (args: { type: string; name: string }) => `${args.type.split(":").pop()} "${args.name}"`;

const common = { configSchema };

// ---------------------------------------------------------------------------------------------
// The policies
// ---------------------------------------------------------------------------------------------

const buckets = (args: StackValidationArgs) => args.resources.filter((r) => is(T.bucket, r.type));

export const s3Encryption: StackValidationPolicy = {
    ...common,
    name: "s3-bucket-encryption",
    description: "Every S3 bucket has default server-side encryption (SSE-S3 or SSE-KMS).",
    enforcementLevel: "mandatory",
    tags: ["aws", "s3"],
    validateStack: (args, report) => {
        for (const b of buckets(args)) {
            const configs = attachedToBucket(b, args.resources, T.sse);
            const inline = read(b.props, "serverSideEncryptionConfiguration");
            if (configs.length === 0 && !hasValidSse(inline)) {
                report(`S3 bucket "${b.name}" has no default encryption: add a BucketServerSideEncryptionConfiguration with sseAlgorithm AES256 or aws:kms.`, b.urn);
            }
            for (const c of configs) {
                if (!hasValidSse(read(c.props, "rules"))) {
                    report(`S3 bucket "${b.name}": encryption configuration "${c.name}" sets sseAlgorithm ${show(sseAlgorithms(read(c.props, "rules")))}; allowed: ${SSE_ALGORITHMS.join(", ")}.`, c.urn);
                }
            }
        }
    },
};

export const s3Versioning: StackValidationPolicy = {
    ...common,
    name: "s3-bucket-versioning",
    description: "Every S3 bucket has versioning enabled.",
    enforcementLevel: "mandatory",
    tags: ["aws", "s3"],
    validateStack: (args, report) => {
        for (const b of buckets(args)) {
            const v = attachedToBucket(b, args.resources, T.versioning);
            const states = v.map((x) => versioningEnabled(x.props));
            if (states.includes(UNKNOWN)) continue;
            if (!states.includes(true) && versioningEnabled(b.props) !== true) {
                report(`S3 bucket "${b.name}" is not versioned: add a BucketVersioning with versioningConfiguration.status "Enabled".`, b.urn);
            }
        }
    },
};

export const s3PublicAccessBlock: StackValidationPolicy = {
    ...common,
    name: "s3-public-access-block",
    description: "Every S3 bucket has a public access block with all four settings true.",
    enforcementLevel: "mandatory",
    tags: ["aws", "s3"],
    validateStack: (args, report) => {
        for (const b of buckets(args)) {
            const blocks = attachedToBucket(b, args.resources, T.publicAccessBlock);
            if (blocks.length === 0) {
                report(`S3 bucket "${b.name}" has no BucketPublicAccessBlock: add one with ${PUBLIC_ACCESS_FLAGS.join(", ")} all true.`, b.urn);
            }
            for (const pab of blocks) {
                const gaps = publicAccessGaps(pab.props);
                if (gaps.length) report(`S3 bucket "${b.name}": public access block "${pab.name}" leaves ${gaps.join(", ")} not true; all four must be true.`, pab.urn);
            }
        }
    },
};

export const s3TlsOnly: StackValidationPolicy = {
    ...common,
    name: "s3-tls-only",
    description: "Every S3 bucket has a policy denying requests without TLS (aws:SecureTransport false).",
    enforcementLevel: "mandatory",
    tags: ["aws", "s3"],
    validateStack: (args, report) => {
        for (const b of buckets(args)) {
            const policies = attachedToBucket(b, args.resources, T.bucketPolicy).map((p) => read(p.props, "policy"));
            policies.push(read(b.props, "policy"));
            if (policies.includes(UNKNOWN)) continue; // the document depends on the bucket's ARN: known after create
            if (!policies.some((p) => isTlsOnlyPolicy(parsePolicyDocument(p)))) {
                report(`S3 bucket "${b.name}" accepts plain HTTP: add a BucketPolicy statement Deny s3:* for Principal "*" when aws:SecureTransport is "false".`, b.urn);
            }
        }
    },
};

export const s3Ownership: StackValidationPolicy = {
    ...common,
    name: "s3-ownership-enforced",
    // Advisory: new buckets default to BucketOwnerEnforced (ACLs off) since 2023; declaring it only
    // guards against an explicit weakening, which the public access block already blocks.
    description: "Every S3 bucket declares object ownership BucketOwnerEnforced (ACLs disabled).",
    enforcementLevel: "advisory",
    tags: ["aws", "s3"],
    validateStack: (args, report) => {
        for (const b of buckets(args)) {
            const ctl = attachedToBucket(b, args.resources, T.ownership);
            const ownerships = ctl.map((c) => read(c.props, "rule", "objectOwnership"));
            if (ownerships.includes(UNKNOWN)) continue;
            if (!ownerships.includes("BucketOwnerEnforced")) {
                report(`S3 bucket "${b.name}" does not enforce bucket-owner object ownership: add BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced".`, b.urn);
            }
        }
    },
};

export const s3NoForceDestroyProd: ResourceValidationPolicy = {
    ...common,
    name: "s3-no-force-destroy-prod",
    description: "In prod, S3 buckets are never force-destroyed with their objects.",
    enforcementLevel: "mandatory",
    tags: ["aws", "s3", "prod-only", "teardown"],
    validateResource: forTypes(T.bucket, prodOnly((args, report) => {
        if (read(args.props, "forceDestroy") === true) {
            report(`${label(args)}: forceDestroy is true in a prod stack, so \`pulumi destroy\` would delete the data; set forceDestroy: false.`);
        }
    })),
};

const rdsTypes = [...T.rdsInstance, ...T.rdsCluster];

export const rdsEncrypted: ResourceValidationPolicy = {
    ...common,
    name: "rds-storage-encrypted",
    description: "RDS storage is encrypted at rest.",
    enforcementLevel: "mandatory",
    tags: ["aws", "rds"],
    validateResource: forTypes(rdsTypes, (args, report) => {
        const v = read(args.props, "storageEncrypted");
        if (v !== true && v !== UNKNOWN) report(`${label(args)}: storageEncrypted is ${show(v)}; set storageEncrypted: true.`);
    }),
};

export const rdsBackups: ResourceValidationPolicy = {
    ...common,
    name: "rds-backup-retention",
    description: "RDS automated backups are kept for at least one day.",
    enforcementLevel: "mandatory",
    tags: ["aws", "rds"],
    validateResource: forTypes(rdsTypes, (args, report) => {
        const v = read(args.props, "backupRetentionPeriod");
        if (v === UNKNOWN) return;
        const n = toNumber(v);
        if (n === undefined || n < 1) report(`${label(args)}: backupRetentionPeriod is ${show(v)}; allowed: 1 to 35 days.`);
    }),
};

export const rdsNotPublic: ResourceValidationPolicy = {
    ...common,
    name: "rds-not-public",
    description: "RDS instances are not publicly accessible.",
    enforcementLevel: "mandatory",
    tags: ["aws", "rds", "network"],
    validateResource: forTypes([...T.rdsInstance, ...T.rdsClusterInstance], (args, report) => {
        const v = read(args.props, "publiclyAccessible");
        if (v === true || v === "true") report(`${label(args)}: publiclyAccessible is true; the database must be reachable only inside the VPC (publiclyAccessible: false).`);
    }),
};

export const rdsDeletionProtectionProd: ResourceValidationPolicy = {
    ...common,
    name: "rds-deletion-protection-prod",
    description: "In prod, RDS has deletion protection on.",
    enforcementLevel: "mandatory",
    tags: ["aws", "rds", "prod-only", "teardown"],
    validateResource: forTypes(rdsTypes, prodOnly((args, report) => {
        const v = read(args.props, "deletionProtection");
        if (v !== true && v !== UNKNOWN) report(`${label(args)}: deletionProtection is ${show(v)} in a prod stack; set deletionProtection: true.`);
    })),
};

export const rdsFinalSnapshotProd: ResourceValidationPolicy = {
    ...common,
    name: "rds-final-snapshot-prod",
    description: "In prod, deleting RDS takes a final snapshot.",
    enforcementLevel: "mandatory",
    tags: ["aws", "rds", "prod-only", "teardown"],
    validateResource: forTypes(rdsTypes, prodOnly((args, report) => {
        const skip = read(args.props, "skipFinalSnapshot");
        const id = read(args.props, "finalSnapshotIdentifier");
        if (skip === true || (id !== UNKNOWN && (typeof id !== "string" || id === ""))) {
            report(`${label(args)}: a prod database must take a final snapshot on delete (skipFinalSnapshot: false and a finalSnapshotIdentifier); got skipFinalSnapshot ${show(skip)}, finalSnapshotIdentifier ${show(id)}.`);
        }
    })),
};

export const rdsMultiAzProd: ResourceValidationPolicy = {
    ...common,
    name: "rds-multi-az-prod",
    description: "In prod, RDS instances are multi-AZ.",
    enforcementLevel: "mandatory",
    tags: ["aws", "rds", "prod-only"],
    validateResource: forTypes(T.rdsInstance, prodOnly((args, report) => {
        const v = read(args.props, "multiAz");
        if (v !== true && v !== UNKNOWN) report(`${label(args)}: multiAz is ${show(v)} in a prod stack; set bdok:database.multiAz: true.`);
    })),
};

export const noPublicIngress: StackValidationPolicy = {
    ...common,
    name: "sg-no-public-ingress",
    description: "No security group admits 0.0.0.0/0 or ::/0, except TCP 443 on a load balancer's group when exposure is publicLoadBalancer.",
    enforcementLevel: "mandatory",
    tags: ["aws", "network"],
    validateStack: (args, report) => {
        const cfg = stackConfigOf(args);
        for (const r of args.resources) {
            for (const ing of ingressOf(r)) {
                const open = openCidrs(ing.cidrs);
                if (open.length === 0) continue;
                const allowed = cfg.exposure === "publicLoadBalancer" && isHttpsOnly(ing.fromPort, ing.toPort, ing.protocol) &&
                    isLoadBalancerSecurityGroup(ing.sg, args.resources);
                if (!allowed) {
                    report(`${label(r)}: ${ing.where} admits ${open.join(", ")} on ${ing.protocol ?? "?"} ${ing.fromPort ?? "?"}-${ing.toPort ?? "?"}; ` +
                        `allowed: a source security group or a private CIDR (only TCP 443 on a load balancer's group, with exposure publicLoadBalancer, may be open).`, r.urn);
                }
            }
        }
    },
};

export const eksSecretsEncryption: ResourceValidationPolicy = {
    ...common,
    name: "eks-secrets-encryption",
    description: "EKS encrypts Kubernetes secrets with a KMS key (envelope encryption).",
    enforcementLevel: "mandatory",
    tags: ["aws", "eks"],
    validateResource: forTypes([...T.eksCluster, ...T.awsEksCluster], (args, report) => {
        if (is(T.eksCluster, args.type)) {
            const key = read(args.props, "encryptionConfigKeyArn");
            if (key === UNKNOWN || (typeof key === "string" && key !== "")) return;
            report(`${label(args)}: encryptionConfigKeyArn is not set; pass a KMS key ARN so Kubernetes secrets are envelope-encrypted.`);
            return;
        }
        const cfg = read(args.props, "encryptionConfig");
        if (cfg === UNKNOWN) return;
        const resources = list(read(cfg, "resources"));
        const key = read(cfg, "provider", "keyArn");
        if (!resources.includes("secrets") || !key) report(`${label(args)}: encryptionConfig must cover resources ["secrets"] with a KMS provider.keyArn; got ${show(cfg)}.`);
    }),
};

export const eksLogging: ResourceValidationPolicy = {
    ...common,
    name: "eks-control-plane-logging",
    description: "EKS sends all five control-plane log types to CloudWatch.",
    enforcementLevel: "mandatory",
    tags: ["aws", "eks"],
    validateResource: forTypes([...T.eksCluster, ...T.awsEksCluster], (args, report) => {
        const types = read(args.props, "enabledClusterLogTypes");
        if (types === UNKNOWN) return;
        const missing = missingLogTypes(types);
        if (missing.length) report(`${label(args)}: control-plane logging misses ${missing.join(", ")}; enabledClusterLogTypes must list ${CONTROL_PLANE_LOG_TYPES.join(", ")}.`);
    }),
};

export const eksPrivateNodes: StackValidationPolicy = {
    ...common,
    name: "eks-private-nodes",
    description: "EKS nodes get no public IP and node groups run in private subnets.",
    enforcementLevel: "mandatory",
    tags: ["aws", "eks", "network"],
    validateStack: (args, report) => {
        for (const r of args.resources) {
            if (is(T.eksCluster, r.type)) {
                const v = read(r.props, "nodeAssociatePublicIpAddress");
                if (v !== false && v !== UNKNOWN) report(`${label(r)}: nodeAssociatePublicIpAddress is ${show(v)}; set it to false so nodes have no public IP.`, r.urn);
            }
            if (is(T.nodeGroup, r.type)) {
                const subnets = depsOf(r, "subnetIds", "nodeSubnetIds").filter((s) => is(T.subnet, s.type));
                const pub = subnets.filter((s) => isPublicSubnet(s, args.resources));
                if (pub.length) report(`${label(r)}: node group in public subnet(s) ${pub.map((s) => s.name).join(", ")}; allowed: the private subnets only.`, r.urn);
            }
        }
    },
};

export const eksEndpointRestrictedProd: ResourceValidationPolicy = {
    ...common,
    name: "eks-endpoint-restricted-prod",
    description: "In prod, the EKS API endpoint is private, or public only to a restricted list of CIDRs (never 0.0.0.0/0).",
    enforcementLevel: "mandatory",
    tags: ["aws", "eks", "network", "prod-only"],
    validateResource: forTypes([...T.eksCluster, ...T.awsEksCluster], prodOnly((args, report) => {
        // pulumi-eks and EKS both default endpointPublicAccess to true.
        const problem = is(T.eksCluster, args.type)
            ? publicEndpointProblem(read(args.props, "endpointPublicAccess") ?? true, read(args.props, "publicAccessCidrs"))
            : publicEndpointProblem(read(args.props, "vpcConfig", "endpointPublicAccess") ?? true, read(args.props, "vpcConfig", "publicAccessCidrs"));
        if (problem) {
            report(`${label(args)}: ${problem}; in prod set bdok:endpointPublicAccessCidrs to [] (private endpoint, CI on a runner that reaches the VPC) or to the CI runners' and operators' fixed egress CIDRs.`);
        }
    })),
};

const iamDocs = (args: ResourceValidationArgs): Array<{ where: string; doc: { Statement: Statement[] } | undefined }> => {
    if (is(T.iamPolicyDoc, args.type)) return [{ where: "policy", doc: parsePolicyDocument(read(args.props, "policy")) }];
    if (is(T.iamRole, args.type)) {
        return arr(read(args.props, "inlinePolicies")).map((p, i) => ({ where: `inlinePolicies[${i}]`, doc: parsePolicyDocument(read(p, "policy")) }));
    }
    return [];
};

export const iamNoAdmin: ResourceValidationPolicy = {
    ...common,
    name: "iam-no-admin-wildcard",
    description: "No IAM policy allows Action \"*\" on Resource \"*\" (or attaches AdministratorAccess).",
    enforcementLevel: "mandatory",
    tags: ["aws", "iam"],
    validateResource: forTypes([...T.iamPolicyDoc, ...T.iamRole, ...T.iamAttachment], (args, report) => {
        for (const { where, doc } of iamDocs(args)) {
            if (adminWildcardStatements(doc).length) {
                report(`${label(args)}: ${where} allows every action on every resource ("*" on "*"); grant the named actions on the named resources instead.`);
            }
        }
        const arns = [read(args.props, "policyArn"), ...arr(read(args.props, "managedPolicyArns"))].filter((a): a is string => typeof a === "string");
        for (const a of arns) {
            if (ADMIN_POLICY_ARNS.some((re) => re.test(a))) report(`${label(args)}: attaches ${a}; administrator policies are not allowed, attach a least-privilege policy.`);
        }
    }),
};

export const iamNoIamWildcard: ResourceValidationPolicy = {
    ...common,
    name: "iam-no-iam-wildcard",
    description: "No IAM policy allows iam:* (full control of IAM is privilege escalation).",
    enforcementLevel: "mandatory",
    tags: ["aws", "iam"],
    validateResource: forTypes([...T.iamPolicyDoc, ...T.iamRole], (args, report) => {
        for (const { where, doc } of iamDocs(args)) {
            const bad = iamWildcardActions(doc);
            if (bad.length) report(`${label(args)}: ${where} allows ${[...new Set(bad)].join(", ")}; list the IAM actions needed instead of a wildcard.`);
        }
    }),
};

export const iamNoUsers: ResourceValidationPolicy = {
    ...common,
    name: "iam-no-users",
    description: "No IAM users: people use SSO roles, pods use EKS Pod Identity roles.",
    enforcementLevel: "mandatory",
    tags: ["aws", "iam"],
    validateResource: forTypes(T.iamUser, (args, report) => {
        report(`${label(args)}: IAM users are not allowed; use an IAM role (EKS Pod Identity for pods, SSO/OIDC for people and CI).`);
    }),
};

export const iamNoAccessKeys: ResourceValidationPolicy = {
    ...common,
    name: "iam-no-access-keys",
    description: "No IAM access keys: long-lived AWS keys are never created.",
    enforcementLevel: "mandatory",
    tags: ["aws", "iam"],
    validateResource: forTypes(T.iamAccessKey, (args, report) => {
        report(`${label(args)}: IAM access keys are not allowed; workloads get temporary credentials from an IAM role (PodRole / EKS Pod Identity).`);
    }),
};

/** Where a resource asks for load balancers: Services, Helm values, custom resources. */
function lbScope(args: { type: string; props: Record<string, any> }): unknown {
    if (is(T.k8sService, args.type)) return args.props;
    if (is(T.helm, args.type)) return read(args.props, "values");
    if (isCustomResourceType(args.type)) return read(args.props, "spec");
    return undefined;
}

export const k8sNoLoadBalancer: ResourceValidationPolicy = {
    ...common,
    name: "k8s-no-loadbalancer-service",
    description: "No Kubernetes LoadBalancer service (in a Service, Helm values or a custom resource) unless bdok:exposure allows it; internal exposure means internal load balancers.",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "network"],
    validateResource: (args, report) => {
        const scope = lbScope(args);
        if (scope === undefined) return;
        const cfg = configOf(args, args.urn);
        for (const hit of loadBalancerServices(scope)) {
            const problem = loadBalancerProblem(hit, cfg.exposure);
            if (problem) report(`${label(args)}: ${hit.path || "spec.type"} is LoadBalancer; ${problem}.`);
        }
    },
};

/** Each Kafka config key (required, or checked only when set) must be at least `min`. */
function kafkaConfigAtLeast(args: ResourceValidationArgs, report: ReportViolation, min: number, keys: Record<string, boolean>): void {
    const spec = read(args.props, "spec");
    for (const [key, required] of Object.entries(keys)) {
        const v = kafkaSetting(spec, key);
        if (v === UNKNOWN || (v === undefined && !required)) continue;
        const n = toNumber(v);
        if (n === undefined || n < min) report(`${label(args)}: spec.kafka.config["${key}"] is ${show(v)} in a prod stack; allowed: ${min} or more.`);
    }
}

export const kafkaReplicationProd: ResourceValidationPolicy = {
    ...common,
    name: "kafka-replication-prod",
    description: "In prod, Kafka replicates every partition three times (default.replication.factor and internal topics >= 3).",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "kafka", "prod-only"],
    validateResource: forTypes(isKafka, prodOnly((args, report) =>
        kafkaConfigAtLeast(args, report, 3, { "default.replication.factor": true, "offsets.topic.replication.factor": false, "transaction.state.log.replication.factor": false }))),
};

export const kafkaMinInsyncProd: ResourceValidationPolicy = {
    ...common,
    name: "kafka-min-insync-prod",
    description: "In prod, Kafka acknowledges writes on at least two in-sync replicas (min.insync.replicas >= 2).",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "kafka", "prod-only"],
    validateResource: forTypes(isKafka, prodOnly((args, report) =>
        kafkaConfigAtLeast(args, report, 2, { "min.insync.replicas": true, "transaction.state.log.min.isr": false }))),
};

export const kafkaTopicsProd: ResourceValidationPolicy = {
    ...common,
    name: "kafka-topic-replication-prod",
    description: "In prod, KafkaTopics do not lower replication below 3 replicas / 2 in-sync.",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "kafka", "prod-only"],
    validateResource: forTypes(isKafkaTopic, prodOnly((args, report) => {
        const replicas = read(args.props, "spec", "replicas");
        const n = toNumber(replicas);
        if (replicas !== undefined && replicas !== UNKNOWN && (n === undefined || n < 3)) report(`${label(args)}: spec.replicas is ${show(replicas)} in a prod stack; allowed: 3 or more (or leave it to default.replication.factor).`);
        const isr = read(args.props, "spec", "config", "min.insync.replicas");
        const m = toNumber(isr);
        if (isr !== undefined && isr !== UNKNOWN && (m === undefined || m < 2)) report(`${label(args)}: spec.config["min.insync.replicas"] is ${show(isr)} in a prod stack; allowed: 2 or more.`);
    })),
};

export const kafkaBrokersProd: StackValidationPolicy = {
    ...common,
    name: "kafka-brokers-prod",
    description: "In prod, every Kafka cluster has at least three brokers across its KafkaNodePools.",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "kafka", "prod-only"],
    validateStack: prodOnlyStack((args, report) => {
        const pools = args.resources.filter((r) => isKafkaNodePool(r.type));
        for (const k of args.resources.filter((r) => isKafka(r.type))) {
            const name = read(k.props, "metadata", "name");
            if (name === UNKNOWN) continue;
            const ns = read(k.props, "metadata", "namespace");
            let brokers = 0;
            for (const p of pools) {
                if (read(p.props, "metadata", "labels", "strimzi.io/cluster") !== name) continue;
                const pns = read(p.props, "metadata", "namespace");
                if (typeof ns === "string" && typeof pns === "string" && ns !== pns) continue;
                if (!list(read(p.props, "spec", "roles")).includes("broker")) continue;
                brokers += toNumber(read(p.props, "spec", "replicas")) ?? 0;
            }
            if (brokers < 3) report(`${label(k)}: ${brokers} broker(s) across its KafkaNodePools in a prod stack; allowed: 3 or more (set bdok:kafka.brokers).`, k.urn);
        }
    }),
};

export const elasticsearchNodesProd: ResourceValidationPolicy = {
    ...common,
    name: "elasticsearch-nodes-prod",
    description: "In prod, Elasticsearch runs at least three nodes (sum of nodeSets[].count).",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "elasticsearch", "prod-only"],
    validateResource: forTypes(isElasticsearch, prodOnly((args, report) => {
        const n = elasticsearchNodes(read(args.props, "spec"));
        if (n !== UNKNOWN && n < 3) report(`${label(args)}: ${n} node(s) (sum of spec.nodeSets[].count) in a prod stack; allowed: 3 or more (set bdok:elasticsearch.nodes).`);
    })),
};

export const elasticTls: ResourceValidationPolicy = {
    ...common,
    name: "elastic-tls",
    description: "Elasticsearch and Kibana keep TLS on their HTTP endpoints.",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "elasticsearch"],
    validateResource: forTypes((t) => isElasticsearch(t) || isKibana(t), (args, report) => {
        const disabled = read(args.props, "spec", "http", "tls", "selfSignedCertificate", "disabled");
        if (disabled === true || disabled === "true") report(`${label(args)}: spec.http.tls.selfSignedCertificate.disabled is true; TLS must stay on.`);
    }),
};

/** Where credentials could be written: CR specs, Helm values, workload specs and ConfigMap data. */
function credentialScope(args: { type: string; props: Record<string, any> }): unknown {
    if (is(T.k8sSecret, args.type)) return undefined; // the one right place for them
    if (is(T.helm, args.type)) return { values: read(args.props, "values"), repositoryOpts: read(args.props, "repositoryOpts") };
    const t = k8sTypeOf(args.type);
    if (!t) return undefined;
    if (isCustomResourceType(args.type)) return { spec: read(args.props, "spec") };
    if (WORKLOAD_KINDS.has(t.kind)) return { spec: read(args.props, "spec"), data: read(args.props, "data") };
    return undefined;
}

export const noLiteralCredentials: ResourceValidationPolicy = {
    ...common,
    name: "no-literal-credentials",
    description: "No credential as a literal in a custom resource, Helm values, container env or ConfigMap: reference a Kubernetes Secret (secretKeyRef, existingSecret, ${secrets:...}).",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "secrets"],
    validateResource: (args, report) => {
        const scope = credentialScope(args);
        if (scope === undefined) return;
        for (const h of literalCredentials(scope)) {
            report(`${label(args)}: ${h.path}: ${h.why}; keep credentials in a Kubernetes Secret and reference it (secretKeyRef, existingSecret or a config provider such as \${secrets:<ns>/<secret>:<key>}).`);
        }
    },
};

export const STATEFUL_TYPES = [...T.rdsInstance, ...T.rdsCluster, ...T.bucket, ...T.glueDatabase];

export const statefulProtectedProd: ResourceValidationPolicy = {
    ...common,
    name: "stateful-protected-prod",
    description: "In prod, stateful resources (RDS, S3 data buckets, the Glue database) are protected or retained on delete.",
    enforcementLevel: "mandatory",
    tags: ["aws", "prod-only", "teardown"],
    validateResource: forTypes(STATEFUL_TYPES, prodOnly((args, report) => {
        const opts = args.opts as typeof args.opts & { retainOnDelete?: boolean };
        if (!opts.protect && !opts.retainOnDelete) {
            report(`${label(args)}: neither protect nor retainOnDelete is set in a prod stack; set bdok:protectStatefulResources: true so destroy keeps the data.`);
        }
    })),
};

/** Every rule of the pack, in the order they are reported. */
export const policies: Array<ResourceValidationPolicy | StackValidationPolicy> = [
    s3Encryption,
    s3Versioning,
    s3PublicAccessBlock,
    s3TlsOnly,
    s3Ownership,
    s3NoForceDestroyProd,
    rdsEncrypted,
    rdsBackups,
    rdsNotPublic,
    rdsDeletionProtectionProd,
    rdsFinalSnapshotProd,
    rdsMultiAzProd,
    noPublicIngress,
    eksSecretsEncryption,
    eksLogging,
    eksPrivateNodes,
    eksEndpointRestrictedProd,
    iamNoAdmin,
    iamNoIamWildcard,
    iamNoUsers,
    iamNoAccessKeys,
    k8sNoLoadBalancer,
    kafkaReplicationProd,
    kafkaMinInsyncProd,
    kafkaTopicsProd,
    kafkaBrokersProd,
    elasticsearchNodesProd,
    elasticTls,
    noLiteralCredentials,
    statefulProtectedProd,
];

/** Names of the rules that only apply to prod stacks (tagged "prod-only"). */
export const PROD_ONLY = policies.filter((p) => p.tags?.includes("prod-only")).map((p) => p.name);

export function isStackPolicy(p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy {
    return typeof (p as StackValidationPolicy).validateStack === "function";
}
