// Karpenter NodePools and the EC2NodeClass as data, from a validated per-stack pool configuration,
// and the scheduling helpers the add-ons use to land their pods on a pool.
import { Ctx, field, list, obj, oneOf, str, int } from "../../lib/validate";
import { archOf, ec2Families, ec2SizesOf } from "../../lib/instances";

export const POOL_NAMES = ["stateful", "workloads"] as const;
export type PoolName = (typeof POOL_NAMES)[number];
export const CAPACITY_TYPES = ["spot", "on-demand"] as const;
export type CapacityType = (typeof CAPACITY_TYPES)[number];
/** Kubernetes' names (kubernetes.io/arch), not EC2's (x86_64). */
export const ARCHES = ["arm64", "amd64"] as const;
export type KubeArch = (typeof ARCHES)[number];

export interface PoolConfig {
    instanceFamilies: string[];
    /** Sizes Karpenter may pick (karpenter.k8s.aws/instance-size); the cost model packs onto the same. */
    instanceSizes: string[];
    capacityTypes: CapacityType[];
    /** In order of preference: the first gets the pool's own NodePool, the others lower-weight fallbacks. */
    arch: KubeArch[];
    /** Cores and GiB of all nodes of the pool together (NodePool spec.limits). */
    cpuLimit: number;
    memoryLimitGiB: number;
    expireAfter: string;
    /** How long a disrupted node may drain before its pods are deleted anyway ("Never": no bound). */
    terminationGracePeriod: string;
    consolidateAfter: string;
}
export type PoolsConfig = Record<PoolName, PoolConfig>;

export const POOL_LABEL = "bdok.io/pool";
export const CONFIG_KEY = "bdok:karpenter.pools";

// The NodePool CRD's pattern for expireAfter and consolidateAfter (terminationGracePeriod: the same
// without Never, which here means the field is left out).
const DURATION = /^(([0-9]+(s|m|h))+|Never)$/;

export const POOL_DEFAULTS: PoolsConfig = {
    // Brokers and data nodes: on-demand Graviton, general purpose and memory optimised.
    stateful: {
        instanceFamilies: ["m7g", "r7g", "m6g", "r6g"],
        instanceSizes: ["large", "xlarge", "2xlarge"],
        capacityTypes: ["on-demand"],
        arch: ["arm64"],
        cpuLimit: 32,
        memoryLimitGiB: 128,
        // Nodes are replaced monthly for patches. Expiry drains at once and ignores the budget
        // (Karpenter disruption docs): the PDBs pace the brokers and data nodes, and the grace period
        // ends the wait for a lone do-not-disrupt replica instead of leaving its node half-drained.
        expireAfter: "720h",
        terminationGracePeriod: "24h",
        consolidateAfter: "1h",
    },
    // Spark executors, Trino workers, Airflow task pods: several families for spot depth.
    workloads: {
        instanceFamilies: ["m7g", "m6g", "c7g", "c6g", "r7g", "r6g", "m8g"],
        instanceSizes: ["large", "xlarge", "2xlarge", "4xlarge"],
        capacityTypes: ["spot", "on-demand"],
        arch: ["arm64"],
        cpuLimit: 64,
        memoryLimitGiB: 256,
        expireAfter: "168h",
        // Bounds the drain of an expired node whose do-not-disrupt pods (Spark drivers, Airflow tasks)
        // would otherwise hold it half-drained.
        terminationGracePeriod: "2h",
        consolidateAfter: "1m",
    },
};

function poolRule(name: PoolName) {
    const d = POOL_DEFAULTS[name];
    return obj({
        instanceFamilies: field(list(str({ oneOf: ec2Families() }), { min: 1 }), "EC2 instance families the price table knows", d.instanceFamilies),
        instanceSizes: field(
            list(str({ describe: "an instance size such as large, xlarge", pattern: /^[a-z0-9]+$/ }), { min: 1 }),
            "instance sizes (large, xlarge, ...)",
            d.instanceSizes,
        ),
        capacityTypes: field(list(oneOf(CAPACITY_TYPES), { min: 1, max: 2 }), "spot and/or on-demand", d.capacityTypes),
        arch: field(list(oneOf(ARCHES), { min: 1, max: 2 }), "arm64 and/or amd64, preferred first", d.arch),
        cpuLimit: field(int(1, 10000), "cores for the whole pool", d.cpuLimit),
        memoryLimitGiB: field(int(1, 100000), "GiB for the whole pool", d.memoryLimitGiB),
        expireAfter: field(str({ pattern: DURATION, describe: "a duration such as 720h or Never" }), "node lifetime", d.expireAfter),
        terminationGracePeriod: field(
            str({ pattern: DURATION, describe: "a duration such as 30m or 2h, or Never" }),
            "longest drain of a disrupted node",
            d.terminationGracePeriod,
        ),
        consolidateAfter: field(
            str({ pattern: DURATION, describe: "a duration such as 1m, 1h or Never" }),
            "idle time before consolidation",
            d.consolidateAfter,
        ),
    });
}

/** The shape of bdok:karpenter.pools, before the rules across a pool's fields. */
export const poolsRule = obj({
    stateful: field(poolRule("stateful"), "the stateful pool", {} as PoolConfig),
    workloads: field(poolRule("workloads"), "the workloads pool", {} as PoolConfig),
});

/**
 * Parses the pool configuration a stack file gives under bdok:karpenter.pools (absent keys take
 * the defaults). Problems read `bdok:karpenter.pools.<pool>.<field>: got …; allowed: …`.
 */
export function parsePools(raw: unknown): { pools?: PoolsConfig; issues: string[] } {
    const ctx: Ctx = { issues: [] };
    const parsed = poolsRule(raw ?? {}, CONFIG_KEY, ctx) as PoolsConfig | undefined;
    if (!parsed) return { issues: ctx.issues };
    for (const name of POOL_NAMES) {
        const p = parsed[name];
        const at = `${CONFIG_KEY}.${name}`;
        p.instanceFamilies.forEach((f, i) => {
            const arch = archOf(`${f}.large`) === "arm64" ? "arm64" : "amd64";
            if (!p.arch.includes(arch))
                ctx.issues.push(
                    `${at}.instanceFamilies[${i}]: got ${JSON.stringify(f)} (${arch}); allowed: families of ${p.arch.join(", ")} (the pool's arch)`,
                );
        });
        p.instanceSizes.forEach((s, i) => {
            const without = p.instanceFamilies.filter((f) => !ec2SizesOf(f).includes(s));
            if (without.length === p.instanceFamilies.length)
                ctx.issues.push(
                    `${at}.instanceSizes[${i}]: got ${JSON.stringify(s)}; allowed: a size one of ${p.instanceFamilies.join(", ")} comes in (${ec2SizesOf(p.instanceFamilies[0]).join(", ")})`,
                );
        });
        for (const a of p.arch) {
            if (!p.instanceFamilies.some((f) => (archOf(`${f}.large`) === "arm64" ? "arm64" : "amd64") === a))
                ctx.issues.push(`${at}.arch: got ${JSON.stringify(p.arch)}; allowed: only arches some listed family has (no ${a} family listed)`);
        }
        if (new Set(p.capacityTypes).size !== p.capacityTypes.length)
            ctx.issues.push(`${at}.capacityTypes: got ${JSON.stringify(p.capacityTypes)}; allowed: each type once`);
        if (new Set(p.arch).size !== p.arch.length) ctx.issues.push(`${at}.arch: got ${JSON.stringify(p.arch)}; allowed: each arch once`);
        // Karpenter's disruption docs: expiry drains at once, and a do-not-disrupt pod then holds the
        // node half-drained until terminationGracePeriod ends, or for ever without one.
        if (p.expireAfter !== "Never" && p.terminationGracePeriod === "Never")
            ctx.issues.push(
                `${at}.terminationGracePeriod: got "Never" with expireAfter ${JSON.stringify(p.expireAfter)}; allowed: a duration such as 2h (an expired node must not stay half-drained), or expireAfter "Never"`,
            );
    }
    // A spot reclaim would take a Kafka broker or an Elasticsearch data node with it.
    if (parsed.stateful.capacityTypes.includes("spot"))
        ctx.issues.push(
            `${CONFIG_KEY}.stateful.capacityTypes: got ${JSON.stringify(parsed.stateful.capacityTypes)}; allowed: ["on-demand"] (brokers and data nodes must not be reclaimed)`,
        );
    return ctx.issues.length ? { issues: ctx.issues } : { pools: parsed, issues: [] };
}

// ---------------------------------------------------------------------------------------------
// EC2NodeClass
// ---------------------------------------------------------------------------------------------

export const AMI_FAMILIES = ["al2023", "bottlerocket"] as const;
export type AmiFamily = (typeof AMI_FAMILIES)[number];

/** A pinned alias such as al2023@v20260520 (family@vYYYYMMDD); "latest" is refused, it drifts on its own. */
export function amiAlias(family: AmiFamily, version: string): string {
    const ok = family === "al2023" ? /^v\d{8}$/.test(version) : /^v?\d+\.\d+\.\d+$/.test(version);
    if (!(AMI_FAMILIES as readonly string[]).includes(family) || !ok) {
        throw new Error(
            `Karpenter AMI alias: got ${JSON.stringify(`${family}@${version}`)}; allowed: al2023@vYYYYMMDD or bottlerocket@<x.y.z>, pinned (not latest)`,
        );
    }
    return `${family}@${version}`;
}

export interface NodeClassArgs {
    name?: string;
    clusterName: string;
    /** The node role's name (Karpenter creates the instance profile). */
    nodeRoleName: string;
    amiFamily: AmiFamily;
    amiVersion: string;
    rootVolumeGiB: number;
    /** A customer managed key for the volumes; the account's EBS default key otherwise. */
    kmsKeyId?: string;
    tags?: Record<string, string>;
}

export const DISCOVERY_TAG = "karpenter.sh/discovery";
// Tag keys the EC2NodeClass CRD refuses (Karpenter sets them itself).
const RESERVED_TAG = (k: string) =>
    k === "eks:eks-cluster-name" ||
    k.startsWith("kubernetes.io/cluster") ||
    ["karpenter.sh/nodepool", "karpenter.sh/nodeclaim", "karpenter.k8s.aws/ec2nodeclass"].includes(k);

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: Record<string, unknown>;
    [k: string]: unknown;
}

export function ec2NodeClass(a: NodeClassArgs): KubeObject {
    const reserved = Object.keys(a.tags ?? {}).filter(RESERVED_TAG);
    if (reserved.length)
        throw new Error(
            `EC2NodeClass tags: got ${JSON.stringify(reserved)}; allowed: keys other than eks:eks-cluster-name, kubernetes.io/cluster/*, karpenter.sh/nodepool, karpenter.sh/nodeclaim, karpenter.k8s.aws/ec2nodeclass (Karpenter sets these)`,
        );
    if (!Number.isInteger(a.rootVolumeGiB) || a.rootVolumeGiB < 20 || a.rootVolumeGiB > 16384)
        throw new Error(`EC2NodeClass root volume: got ${a.rootVolumeGiB} GiB; allowed: an integer from 20 to 16384`);
    const ebs = (gib: number) => ({
        volumeSize: `${gib}Gi`,
        volumeType: "gp3",
        encrypted: true,
        deleteOnTermination: true,
        ...(a.kmsKeyId ? { kmsKeyID: a.kmsKeyId } : {}),
    });
    // AL2023 boots and runs from /dev/xvda; Bottlerocket keeps a small OS volume and puts images and pods on /dev/xvdb.
    const blockDeviceMappings =
        a.amiFamily === "al2023"
            ? [{ deviceName: "/dev/xvda", rootVolume: true, ebs: ebs(a.rootVolumeGiB) }]
            : [
                  { deviceName: "/dev/xvda", ebs: ebs(4) },
                  { deviceName: "/dev/xvdb", rootVolume: true, ebs: ebs(a.rootVolumeGiB) },
              ];
    const discovery = [{ tags: { [DISCOVERY_TAG]: a.clusterName } }];
    return {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: a.name ?? "default" },
        spec: {
            role: a.nodeRoleName,
            amiSelectorTerms: [{ alias: amiAlias(a.amiFamily, a.amiVersion) }],
            subnetSelectorTerms: discovery,
            securityGroupSelectorTerms: discovery,
            blockDeviceMappings,
            // Hop limit 1: containers cannot reach the node's instance credentials (pods use Pod Identity).
            metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
            tags: { ...(a.tags ?? {}) },
        },
    };
}

// ---------------------------------------------------------------------------------------------
// NodePools
// ---------------------------------------------------------------------------------------------

/**
 * The NodePools of one pool: one per allowed arch, the preferred arch at the higher weight
 * (Karpenter tries higher-weight NodePools first). All carry the pool label, so a pod selecting
 * the pool may land on any of them; spec.limits apply to each NodePool separately.
 */
export function nodePools(name: PoolName, pool: PoolConfig, nodeClassName = "default"): KubeObject[] {
    return pool.arch.map((arch, i) => {
        // Both pools are tainted: a pod lands on a pool only if it asks to, so the operators and
        // control pods stay on the fixed system group instead of spot nodes that consolidate.
        const taints = [{ key: POOL_LABEL, value: name, effect: "NoSchedule" }];
        const requirements = [
            { key: "kubernetes.io/arch", operator: "In", values: [arch] },
            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
            // With spot and on-demand both allowed Karpenter launches spot and falls back to on-demand.
            { key: "karpenter.sh/capacity-type", operator: "In", values: [...pool.capacityTypes] },
            {
                key: "karpenter.k8s.aws/instance-family",
                operator: "In",
                values: pool.instanceFamilies.filter((f) => (archOf(`${f}.large`) === "arm64" ? "arm64" : "amd64") === arch),
            },
            { key: "karpenter.k8s.aws/instance-size", operator: "In", values: [...pool.instanceSizes] },
        ];
        const disruption =
            name === "stateful"
                ? // Only empty nodes are consolidated, and drift replaces one node at a time; underutilised brokers are never repacked.
                  { consolidationPolicy: "WhenEmpty", consolidateAfter: pool.consolidateAfter, budgets: [{ nodes: "1" }] }
                : { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: pool.consolidateAfter, budgets: [{ nodes: "20%" }] };
        return {
            apiVersion: "karpenter.sh/v1",
            kind: "NodePool",
            metadata: { name: i === 0 ? name : `${name}-${arch}` },
            spec: {
                weight: i === 0 ? 50 : 10,
                template: {
                    metadata: { labels: { [POOL_LABEL]: name } },
                    spec: {
                        nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: nodeClassName },
                        requirements,
                        taints,
                        expireAfter: pool.expireAfter,
                        ...(pool.terminationGracePeriod !== "Never" ? { terminationGracePeriod: pool.terminationGracePeriod } : {}),
                    },
                },
                limits: { cpu: String(pool.cpuLimit), memory: `${pool.memoryLimitGiB}Gi` },
                disruption,
            },
        };
    });
}

export function allNodePools(pools: PoolsConfig, nodeClassName = "default"): KubeObject[] {
    return POOL_NAMES.flatMap((n) => nodePools(n, pools[n], nodeClassName));
}

// ---------------------------------------------------------------------------------------------
// Landing pods
// ---------------------------------------------------------------------------------------------

export interface Toleration {
    key: string;
    operator: "Equal" | "Exists";
    value?: string;
    effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** What a pod spec needs to run on a pool's nodes. */
export function podPlacement(pool: PoolName): { nodeSelector: Record<string, string>; tolerations: Toleration[] } {
    return {
        nodeSelector: { [POOL_LABEL]: pool },
        tolerations: [{ key: POOL_LABEL, operator: "Equal", value: pool, effect: "NoSchedule" }],
    };
}

export interface TopologySpreadConstraint {
    maxSkew: number;
    topologyKey: string;
    whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
    labelSelector: { matchLabels: Record<string, string> };
}

/**
 * Replicas spread evenly over zones (Karpenter launches nodes in the zone a pending pod needs),
 * and at most one per node so a node loss takes one replica.
 */
export function topologySpread(labels: Record<string, string>, zoneKey = "topology.kubernetes.io/zone"): TopologySpreadConstraint[] {
    if (Object.keys(labels).length === 0)
        throw new Error("topologySpread: got no labels; allowed: the replicas' own labels (an empty selector would count every pod)");
    return [
        { maxSkew: 1, topologyKey: zoneKey, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { ...labels } } },
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { ...labels } } },
    ];
}

/** Karpenter never voluntarily disrupts (consolidates, drifts) a node running a pod with this annotation. */
export const DO_NOT_DISRUPT = { "karpenter.sh/do-not-disrupt": "true" } as const;
export const CAPACITY_TYPE_LABEL = "karpenter.sh/capacity-type";

/** podPlacement as required node affinity, for pod templates without a nodeSelector (Strimzi's). */
export function poolAffinity(pool: PoolName): {
    affinity: {
        nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: Array<{ matchExpressions: Array<{ key: string; operator: "In"; values: string[] }> }>;
            };
        };
    };
    tolerations: Toleration[];
} {
    return {
        affinity: {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: POOL_LABEL, operator: "In", values: [pool] }] }],
                },
            },
        },
        tolerations: podPlacement(pool).tolerations,
    };
}
