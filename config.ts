// The stack configuration: its schema, defaults and validation. Everything is checked before any
// resource is declared; a bad value stops the program with one message per problem.
import { parseCidr, isPrivateRange } from "./aws/network/cidr";
import { stackNameIssues } from "./lib/naming";
import { Region } from "@pulumi/aws/types/enums";
import pkg from "./package.json";
import { kubernetesVersionProblem, supportedKubernetesVersions } from "./lib/prices";
import { priceTable } from "./lib/price-table";
import { accessEntryIssues } from "./aws/cluster/access";
import { addonVersionsProblem } from "./aws/cluster/addons";
import { CLOUDWATCH_RETENTION_DAYS } from "./aws/container-logs/policy";
import { archOf, ec2TypeProblem, rdsClassProblem } from "./lib/instances";
import {
    ConfigError,
    Ctx,
    Rule,
    Parsed,
    applyField,
    bool,
    closest,
    describedAs,
    dict,
    didYouMean,
    field,
    hiddenNote,
    int,
    levenshtein,
    list,
    num,
    obj,
    oneOf,
    printable,
    show,
    str,
    unknownKey,
} from "./lib/validate";
import { apps } from "./versions";
import { parsePools, PoolsConfig, poolsRule } from "./platform/karpenter/nodepools";
import { brokersIssue } from "./platform/kafka/values";
import { NOT_ROTATABLE, ROTATABLE } from "./lib/passwords";

// A rotation generation: any new value rotates (a date is a good one); no spaces or quotes, as it
// becomes a keeper and a pod annotation.
const generation = str({ pattern: /^[A-Za-z0-9._:-]{1,63}$/, describe: "a generation: 1 to 63 letters, digits, '.', '_', ':' or '-', e.g. 2026-12-07" });
const rotationMap = dict(generation);
// The passwords' names are closed: a typo would rotate nothing, silently.
const passwordRotation: Rule<Record<string, string>> = describedAs((v, path, ctx) => {
    // `pulumi config set --path` stores 2 as a number: a generation is its text.
    const raw =
        typeof v === "string"
            ? v
            : v && typeof v === "object" && !Array.isArray(v)
              ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === "number" ? String(x) : x]))
              : v;
    const out = rotationMap(raw, path, ctx);
    if (!out) return undefined;
    const names = Object.keys(ROTATABLE);
    let ok = true;
    for (const k of Object.keys(out)) {
        if (k in ROTATABLE) continue;
        ok = false;
        const why = NOT_ROTATABLE[k] ? ` (not rotatable by the stack file: ${NOT_ROTATABLE[k]})` : "";
        const hint = NOT_ROTATABLE[k] ? "" : didYouMean(k, names);
        ctx.issues.push(`${path}.${printable(k)}: unknown password${why}${hint ? `; ${hint}` : ""}; allowed: ${names.join(", ")}`);
    }
    return ok ? out : undefined;
}, rotationMap);

// The pools' own rules (platform/karpenter/nodepools.ts), their problems named under this key.
const karpenterPools: Rule<PoolsConfig> = describedAs((v, path, ctx) => {
    let raw = v;
    if (typeof v === "string") {
        try {
            raw = JSON.parse(v);
        } catch {
            ctx.issues.push(`${path}: got ${show(v)}; allowed: an object with keys stateful, workloads`);
            return undefined;
        }
    }
    const r = parsePools(raw);
    ctx.issues.push(...r.issues);
    return r.pools;
}, poolsRule);

/** The managed node group that carries the Karpenter controller and the operators. */
export const SYSTEM_NODE_GROUP = "system";

/** The group named "system", else the first one the stack lists. */
export function systemGroupOf(nodeGroups: Record<string, unknown>): string {
    return SYSTEM_NODE_GROUP in nodeGroups ? SYSTEM_NODE_GROUP : Object.keys(nodeGroups)[0];
}

export const PROJECT = "bdok";

const cidr16to20: Rule<string> = (v, path, ctx) => {
    const allowed = "an IPv4 network in a private range (10/8, 172.16/12, 192.168/16) with a prefix from /16 to /20, e.g. 10.20.0.0/16";
    const c = typeof v === "string" ? parseCidr(v) : undefined;
    if (!c || c.prefix < 16 || c.prefix > 20 || !isPrivateRange(c)) {
        ctx.issues.push(`${path}: got ${JSON.stringify(v)}; allowed: ${allowed}`);
        return undefined;
    }
    return v as string;
};

// Octets 0-255, prefix 0-32, no host bits set (EKS rejects 203.0.113.5/24).
const ipv4Cidr: Rule<string> = (v, path, ctx) => {
    if (typeof v === "string" && parseCidr(v)) return v;
    ctx.issues.push(`${path}: got ${JSON.stringify(v)}; allowed: an IPv4 network such as 203.0.113.0/24 (octets 0-255, prefix /0 to /32, no host bits set)`);
    return undefined;
};
// An ACM certificate ARN (ACM User Guide, "ARN format"), or "" for none.
const acmCertificateArn = str({
    pattern: /^(|arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+)$/,
    nonEmpty: false,
    describe: "an ACM certificate ARN arn:aws:acm:<region>:<account>:certificate/<id>, or empty",
});
/** Where Alertmanager sends the alerts (platform/observability/alerting.ts). */
export const ALERT_RECEIVERS = ["none", "slack", "webhook"] as const;
/**
 * The receiver's URL: a Pulumi secret (a Slack webhook URL is a credential), so an issue never
 * echoes it. https only: Alertmanager would send the alerts in clear otherwise.
 */
const secretHttpsUrl: Rule<string> = describedAs(
    (v, path, ctx) => {
        if (v === "" || v === undefined) return "";
        if (typeof v === "string" && /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/\S*)?$/.test(v)) return v;
        ctx.issues.push(
            `${path}: got a value that is not an https URL (not shown: it is a secret); allowed: an https URL, set with pulumi config set --secret ${path} <url>`,
        );
        return undefined;
    },
    str({ nonEmpty: false, describe: "an https URL (a Pulumi secret: pulumi config set --secret), or empty" }),
);
const roleArn = str({ pattern: /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, describe: "an IAM role ARN arn:aws:iam::<account>:role/<name>" });
const k8sLabel = str({
    pattern: /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    describe: "a Kubernetes label value: 1 to 63 characters, letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
});
const ec2Type = str({ describe: "an EC2 instance type", check: (v) => ec2TypeProblem(v) });
const rdsClass = str({ describe: "an RDS class", check: (v) => rdsClassProblem(v) });

const nodeGroup = obj({
    instanceTypes: field(list(ec2Type, { min: 1, max: 10 }), "a list of EC2 instance types"),
    capacityType: field(oneOf(["ON_DEMAND", "SPOT"] as const), "ON_DEMAND or SPOT", "ON_DEMAND"),
    minSize: field(int(0, 100), "an integer from 0 to 100"),
    desiredSize: field(int(0, 100), "an integer from 0 to 100"),
    maxSize: field(int(1, 100), "an integer from 1 to 100"),
    diskSizeGiB: field(int(20, 1000), "an integer from 20 to 1000", 50),
    labels: field(
        dict(k8sLabel, {
            keyPattern: /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
            keyDescribe:
                "a Kubernetes label key: [prefix/]name, the name 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit; the prefix a lower-case DNS name",
        }),
        "a map of Kubernetes labels",
        {},
    ),
});

// The streaming job's Iceberg commit interval, in the job's own format (streaming_job.py
// check_commit_interval): each commit is a snapshot with files per partition, so at least 10 s.
const commitInterval = str({
    describe: `a Spark trigger interval "N seconds" or "N minutes" of at least 10 seconds, e.g. "60 seconds"`,
    check: (v) => {
        const m = /^([1-9][0-9]*) (seconds?|minutes?)$/.exec(v);
        if (!m) return `a Spark trigger interval "N seconds" or "N minutes", e.g. "60 seconds" or "5 minutes"`;
        return Number(m[1]) * (m[2].startsWith("minute") ? 60 : 1) < 10 ? "at least 10 seconds (every commit is an Iceberg snapshot)" : undefined;
    },
});

/** The values of `bdok:exposure`. */
export const portForwardOrLb = ["clusterIp", "internalLoadBalancer", "publicLoadBalancer"] as const;

/** Top-level keys under the `bdok:` namespace. */
export const schema = {
    vpcCidr: field(cidr16to20, "a private IPv4 /16../20 network", "10.20.0.0/16"),
    azCount: field(int(2, 3), "2 or 3", 2),
    natGateways: field(oneOf(["single", "perAz"] as const), `"single" (one NAT, dev) or "perAz" (one per AZ, prod)`, "single"),
    // Sizing and availability are a setting of the stack file, never read from the stack's name.
    profile: field(
        oneOf(["small", "ha"] as const),
        `"small" (one replica each, small requests) or "ha" (replicas, disruption budgets, production sizes, the prod-only policy rules)`,
        "small",
    ),
    kubernetesVersion: field(
        str({ describe: "an EKS Kubernetes version", check: (v) => kubernetesVersionProblem(v, priceTable) ?? addonVersionsProblem(v) }),
        `an EKS Kubernetes version in standard support: ${supportedKubernetesVersions(priceTable).join(", ")}`,
        apps.kubernetes,
    ),
    endpointPublicAccessCidrs: field(list(ipv4Cidr), "the CIDRs allowed to reach the public EKS API endpoint; [] makes it private-only", ["0.0.0.0/0"]),
    adminRoleArns: field(
        list(roleArn),
        "IAM roles given cluster-admin access entries, each once; not the role that created the cluster (EKS made it admin at creation: listing it fails with 409)",
        [],
    ),
    viewerRoleArns: field(list(roleArn), "IAM roles given read-only (AmazonEKSViewPolicy) access entries, e.g. the CI preview role", []),
    nodeGroups: field(
        dict(nodeGroup, {
            min: 1,
            keyPattern: /^[a-z][a-z0-9-]{0,30}$/,
            keyDescribe: "a node-group name: a lower-case name up to 31 characters, a letter a-z first, then letters a-z, digits or '-'",
        }),
        "a map of managed node groups",
    ),
    database: field(
        obj({
            instanceClass: field(rdsClass, "an RDS class such as db.t4g.micro", "db.t4g.micro"),
            allocatedStorageGiB: field(int(20, 65536), "an integer from 20 to 65536", 20),
            maxAllocatedStorageGiB: field(int(0, 65536), "0 (no autoscaling) or at least allocatedStorageGiB", 100),
            engineVersion: field(
                str({
                    pattern: /^1[6-7](\.\d+)?$/,
                    describe:
                        "a PostgreSQL 16.x or 17.x engine version: the major alone (17: RDS applies minor upgrades) or a full one you upgrade yourself (17.6)",
                }),
                "a PostgreSQL engine version",
                apps.postgresEngine,
            ),
            multiAz: field(bool(), "true or false", false),
            backupRetentionDays: field(int(1, 35), "an integer from 1 to 35", 7),
        }),
        "the RDS PostgreSQL settings",
        {} as any,
    ),
    protectStatefulResources: field(bool(), "true or false", false),
    exposure: field(oneOf(portForwardOrLb), "clusterIp (kubectl port-forward), internalLoadBalancer or publicLoadBalancer", "clusterIp"),
    // Without source ranges the load balancer controller opens every listener to 0.0.0.0/0.
    loadBalancerSourceRanges: field(
        list(ipv4Cidr),
        "the client CIDRs allowed through the load balancers; required with publicLoadBalancer, the VPC's CIDR when empty with internalLoadBalancer",
        [],
    ),
    // The load balancer controller terminates TLS with it on Airflow's and Grafana's listeners (Trino and Kibana
    // serve HTTPS themselves); required with publicLoadBalancer.
    loadBalancerCertificateArn: field(
        acmCertificateArn,
        "an ACM certificate for the UIs' host names, served by the load balancers in front of Airflow's API server and Grafana; required with publicLoadBalancer",
        "",
    ),
    kafka: field(
        obj({
            brokers: field(int(1, 9), "an integer from 1 to 9: 1 with profile small, 3 or more with profile ha", 1),
            storageGiB: field(int(1, 16384), "an integer from 1 to 16384", 20),
        }),
        "the Kafka cluster settings",
        {} as any,
    ),
    elasticsearch: field(
        obj({
            nodes: field(int(1, 9), "an integer from 1 to 9", 1),
            storageGiB: field(int(1, 16384), "an integer from 1 to 16384", 20),
        }),
        "the Elasticsearch settings",
        {} as any,
    ),
    trino: field(
        obj({
            workers: field(int(0, 50), "an integer from 0 to 50", 1),
        }),
        "the Trino settings",
        {} as any,
    ),
    superset: field(
        obj({
            // Off: no operator, no namespace, no image, no metadata database role is created.
            enabled: field(bool(), "true or false", true),
        }),
        "the Superset (dashboards on Trino) settings",
        {} as any,
    ),
    airflow: field(
        obj({
            schedulerReplicas: field(int(1, 5), "an integer from 1 to 5", 1),
            // Users' DAGs without TypeScript (pipelines/user.ts).
            userDags: field(
                str({ pattern: /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[\w./-]+$/, describe: "a folder of the project, relative to its root, such as user/dags" }),
                "the folder whose DAG files are deployed next to the platform's",
                "user/dags",
            ),
            // Users' Spark job files without TypeScript (pipelines/user.ts userJobFiles).
            userJobs: field(
                str({ pattern: /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[\w./-]+$/, describe: "a folder of the project, relative to its root, such as user/jobs" }),
                "the folder whose Spark job files are uploaded to the lake's spark-jobs/user/",
                "user/jobs",
            ),
            // Airflow 3 DAG bundles from git (platform/airflow/values.ts dagBundleConfigList).
            dagBundles: field(
                list(
                    obj({
                        name: field(
                            // No '-': the platform's own bundle is dags-folder, and the name makes a connection's env var.
                            str({ pattern: /^[a-z][a-z0-9_]{0,39}$/, describe: "a lower-case name of up to 40 letters, digits and _" }),
                            "the bundle's name in Airflow",
                        ),
                        url: field(
                            str({
                                pattern: /^(https:\/\/[\w.-]+(:\d+)?\/[\w.~/-]+|git@[\w.-]+:[\w.~/-]+|ssh:\/\/[\w.@-]+(:\d+)?\/[\w.~/-]+)$/,
                                describe: "a git URL: https://host/owner/repo.git, git@host:owner/repo.git or ssh://git@host/owner/repo.git",
                            }),
                            "the git repository",
                        ),
                        ref: field(str({ pattern: /^[\w][\w./-]*$/, describe: "a branch or tag name such as main or v1.2" }), "the branch or tag to track"),
                        subdir: field(
                            str({
                                pattern: /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[\w./-]*$/,
                                nonEmpty: false,
                                describe: "a folder of the repository, relative to its root",
                            }),
                            "the repository's DAG folder ('' for its root)",
                            "",
                        ),
                        refreshSeconds: field(int(30, 86400), "an integer from 30 to 86400", 300),
                    }),
                    { max: 10 },
                ),
                "git repositories whose DAGs Airflow 3 parses as DAG bundles (GitDagBundle), next to the platform's",
                [],
            ),
        }),
        "the Airflow settings",
        {} as any,
    ),
    spark: field(
        obj({
            // The streaming job's executors, and how many each batch job starts with (at most maxExecutors).
            executors: field(int(1, 50), "an integer from 1 to 50", 1),
            executorMemory: field(str({ pattern: /^[1-9]\d*[mg]$/, describe: "a JVM memory size such as 512m or 2g" }), "a JVM memory size", "1g"),
            // The batch jobs' dynamic allocation ceiling; they start from zero executors.
            maxExecutors: field(int(1, 100), "an integer from 1 to 100", 4),
        }),
        "the Spark job sizing",
        {} as any,
    ),
    lake: field(
        obj({
            commitInterval: field(commitInterval, "a Spark trigger interval of at least 10 seconds", "60 seconds"),
            // false: after a retention gap the streaming query skips what Kafka no longer has.
            failOnDataLoss: field(bool(), "true or false", false),
        }),
        "the lake's Iceberg settings",
        {} as any,
    ),
    karpenter: field(
        obj({
            pools: field(karpenterPools, "the stateful and workloads node pools", {} as any),
            controllerReplicas: field(int(1, 2), "1 or 2 (at most one per system node)", 1),
            rootVolumeGiB: field(int(20, 1000), "an integer from 20 to 1000", 20),
        }),
        "the Karpenter controller and node pools",
        {} as any,
    ),
    containerLogs: field(
        obj({
            enabled: field(bool(), "true or false", true),
            // 0: the profile's (small: 7 days, ha: 30 days); else a value CloudWatch Logs accepts.
            retentionDays: field(
                int(0, 3653),
                "0 (the profile's: 7 days small, 30 days ha) or a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
                0,
            ),
        }),
        "container logs shipped to CloudWatch Logs (the amazon-cloudwatch-observability add-on)",
        {} as any,
    ),
    // Spark's event logs are written either way (the lake's spark-events/); this runs the server reading them.
    sparkHistoryServer: field(bool(), "true or false: the Spark History Server on the lake's event logs", true),
    observability: field(
        obj({
            // Prometheus, Alertmanager, Grafana, the monitors, dashboards and alerts (platform/observability).
            enabled: field(bool(), "true or false", true),
        }),
        "the metrics, dashboards and alerts settings",
        {} as any,
    ),
    alerting: field(
        obj({
            receiver: field(
                oneOf(ALERT_RECEIVERS),
                "none (alerts stay in Alertmanager and Grafana), slack (a Slack incoming webhook) or webhook (Alertmanager's JSON webhook); slack and webhook need bdok:alertingUrl",
                "none",
            ),
            slackChannel: field(
                str({ pattern: /^(|[#@][A-Za-z0-9._-]{1,80})$/, nonEmpty: false, describe: "a Slack channel (#name) or user (@name), or empty" }),
                "with receiver slack: the channel the alerts go to (empty: the webhook's own channel)",
                "",
            ),
        }),
        "where Alertmanager sends the platform's alerts",
        {} as any,
    ),
    alertingUrl: field(
        secretHttpsUrl,
        "the receiver's URL (the Slack incoming webhook, or the webhook endpoint), held in a Kubernetes Secret Alertmanager reads; set it as a secret: pulumi config set --secret bdok:alertingUrl <url>",
        "",
    ),
    passwordRotation: field(
        passwordRotation,
        `generated passwords to rotate, by name, each with a new generation (any value other than its current one replaces the password): ${Object.keys(ROTATABLE).join(", ")}`,
        {},
    ),
    pipelines: field(
        obj({
            batch: field(bool(), "true or false", true),
            realtime: field(bool(), "true or false", true),
            simulatorRowsPerSecond: field(num(0.1, 100), "a number from 0.1 to 100", 1),
            // The API producer (pipelines/api): a DAG polling a public API into its own topic and table.
            api: field(bool(), "true or false (true needs realtime: its streaming job carries the topic into the lake)", false),
            apiUrl: field(
                str({
                    pattern: /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[^\s"'\\{}]*)?$/,
                    describe: "an https URL without credentials, answering randomuser.me's JSON shape, e.g. https://randomuser.me/api/?results=10",
                }),
                "the URL the API producer polls (https)",
                "https://randomuser.me/api/?results=10",
            ),
        }),
        "which pipelines to deploy",
        {} as any,
    ),
} as const;

type Raw = Parsed<typeof schema>;
// Nested objects are parsed with their defaults filled in, so their fields are never undefined.
type Deep<T> = T extends undefined ? never : T;
export type StackConfig = { [K in keyof Raw]: Deep<Raw[K]> } & {
    region: string;
    stack: string;
    /** `profile: ha`: replicas, disruption budgets, production sizes. */
    ha: boolean;
};
export type NodeGroupConfig = StackConfig["nodeGroups"][string];

/** AWS provider keys holding long-lived keys: never allowed (house rule: no AWS access keys). */
const STATIC_AWS_CREDENTIALS = ["accessKey", "secretKey", "token"];

// The regions the AWS provider itself knows (its Region enum), so a new region arrives with the provider.
const regions: string[] = Object.values(Region);
const regionRule: Rule<string> = (v, path, ctx) => {
    if (typeof v === "string" && regions.includes(v)) return v;
    const hint = typeof v === "string" && v !== "" ? didYouMean(v, regions, 6) : "";
    ctx.issues.push(
        `${path}: got ${show(v)}; allowed: an AWS region such as us-east-1 (one of the ${regions.length} regions @pulumi/aws knows)${typeof v === "string" ? hiddenNote(v) : ""}${hint ? `; ${hint}` : ""}`,
    );
    return undefined;
};

/** Namespaces besides bdok: Pulumi's own and those of the @pulumi packages the project depends on (aws, kubernetes, eks, random, ...). */
const PROVIDER_NAMESPACES = [
    ...new Set([
        "pulumi",
        ...Object.keys(pkg.dependencies)
            .filter((d) => d.startsWith("@pulumi/"))
            .map((d) => d.slice("@pulumi/".length)),
    ]),
];

/** "spark" for "spark.maxExecutors" or "adminRoleArns[0]": a path into a key of the schema. */
function nestedHead(name: string): string | undefined {
    const m = /^([^.[]+)[.[]/.exec(name);
    return m && m[1] in schema ? m[1] : undefined;
}

// `pulumi config set bdok:spark.maxExecutors 8` without --path stores a top-level key whose name
// contains the dot (Pulumi CLI reference, `pulumi config set`: only --path reads it as a path).
function withoutPathIssue(key: string, name: string, value: unknown): string {
    // Echo only values that cannot be a credential.
    const v =
        typeof value === "number" || typeof value === "boolean" || (typeof value === "string" && /^(-?\d+(\.\d+)?|true|false)$/.test(value))
            ? String(value)
            : "<value>";
    const head = nestedHead(name)!;
    return (
        `${printable(key)}: a nested key set as a top-level one (the key's name contains "${name.slice(head.length, head.length + 1)}"); ` +
        `allowed: the path set with --path: pulumi config rm ${printable(key)} && pulumi config set --path ${printable(key)} ${v}` +
        ` (in Pulumi.<stack>.yaml: under ${PROJECT}:${head})`
    );
}

/**
 * Validates the raw configuration (keys as in a stack file: "bdok:azCount", "aws:region"; values
 * as Pulumi passes them: strings, JSON for objects). Throws ConfigError listing every problem.
 */
export function parseConfig(raw: Record<string, unknown>, stack: string): StackConfig {
    const ctx: Ctx = { issues: [] };
    const known = Object.keys(schema);
    const bdokRaw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
        const [ns, name] = key.includes(":") ? [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)] : ["", key];
        if (ns === PROJECT) {
            if (name in schema) bdokRaw[name] = value;
            else if (nestedHead(name) !== undefined) ctx.issues.push(withoutPathIssue(key, name, value));
            else ctx.issues.push(unknownKey(key, name, known, `${PROJECT}:`));
        } else if (ns === "") {
            const hint = name in schema ? `"${PROJECT}:${key}"` : key === "region" ? `"aws:region"` : `"${PROJECT}:<key>" or "aws:<key>"`;
            ctx.issues.push(`${printable(key)}: got a key without a namespace; allowed: namespaced keys, here ${hint}`);
        } else if (ns === "aws" && STATIC_AWS_CREDENTIALS.includes(name)) {
            // Never echo the value: it is a credential.
            ctx.issues.push(
                `${key}: got a static AWS credential; allowed: no AWS keys in stack configuration (an IAM role: OIDC in CI, SSO or a profile locally)`,
            );
        } else if (ns === "aws" && name !== "region" && closest(name, ["region"])) {
            ctx.issues.push(`${printable(key)}: unknown key; did you mean "aws:region"?`);
        } else if (!PROVIDER_NAMESPACES.includes(ns)) {
            // A typo'd namespace would drop the setting silently.
            const all = [PROJECT, ...PROVIDER_NAMESPACES];
            // Namespaces are short: one edit away (or a third of a longer name), else no guess.
            const nsBest = [closest(ns, all)].find((b) => b !== undefined && levenshtein(ns.toLowerCase(), b) <= Math.max(1, Math.floor(b.length / 3)));
            const nameBest = nsBest === PROJECT ? (name in schema ? name : closest(name, known)) : name;
            const hint = nsBest && nameBest ? `; did you mean "${nsBest}:${printable(nameBest)}"?` : nsBest ? `; did you mean the namespace "${nsBest}"?` : "";
            ctx.issues.push(`${printable(key)}: unknown namespace "${printable(ns)}"${hiddenNote(ns)}${hint}; allowed: the namespaces ${all.join(", ")}`);
        }
        // The providers' own keys (aws:, kubernetes:, pulumi:, ...) are theirs to check.
    }

    const region = applyField(field(regionRule, "an AWS region such as us-east-1"), raw["aws:region"], "aws:region", ctx);
    const out: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(schema)) {
        out[k] = applyField(f as any, bdokRaw[k], `${PROJECT}:${k}`, ctx);
    }
    const cfg = out as StackConfig;
    crossChecks(cfg, ctx);
    ctx.issues.push(...stackNameIssues(stack));
    if (ctx.issues.length > 0) throw new ConfigError(ctx.issues);
    return { ...cfg, region: region!, stack, ha: cfg.profile === "ha" };
}

/** The broadest client range a load balancer may admit (a /8 is 16 M addresses; /1 halves are the internet). */
export const MIN_SOURCE_PREFIX = 8;

/** Rules across keys, for the sections that parsed (an invalid section is undefined here). */
function crossChecks(cfg: Partial<StackConfig>, ctx: Ctx): void {
    const bundles: { name: string }[] = cfg.airflow?.dagBundles ?? [];
    bundles.forEach((b, i) => {
        if (bundles.findIndex((x) => x.name === b.name) < i)
            ctx.issues.push(`${PROJECT}:airflow.dagBundles[${i}].name: got ${JSON.stringify(b.name)} twice; allowed: a name no other bundle has`);
    });
    for (const [name, ng] of Object.entries(cfg.nodeGroups ?? {})) {
        const path = `${PROJECT}:nodeGroups.${name}`;
        if (!(ng.minSize <= ng.desiredSize && ng.desiredSize <= ng.maxSize)) {
            ctx.issues.push(
                `${path}: got minSize=${ng.minSize}, desiredSize=${ng.desiredSize}, maxSize=${ng.maxSize}; allowed: minSize <= desiredSize <= maxSize`,
            );
        }
        const arches = new Set(ng.instanceTypes.map(archOf));
        if (arches.size > 1) {
            ctx.issues.push(
                `${path}.instanceTypes: got ${JSON.stringify(ng.instanceTypes)}; allowed: instance types of one CPU architecture (Graviton *g families or x86, not both)`,
            );
        }
    }
    const sysName = cfg.nodeGroups && Object.keys(cfg.nodeGroups).length ? systemGroupOf(cfg.nodeGroups) : undefined;
    const sys = sysName ? cfg.nodeGroups![sysName] : undefined;
    if (sys && cfg.karpenter && sys.desiredSize >= 1 && cfg.karpenter.controllerReplicas > sys.desiredSize) {
        ctx.issues.push(
            `${PROJECT}:karpenter.controllerReplicas: got ${cfg.karpenter.controllerReplicas} with nodeGroups.${sysName}.desiredSize ${sys.desiredSize}; allowed: at most desiredSize (the chart runs one controller per node)`,
        );
    }
    // The Spark drivers ask for on-demand capacity in the workloads pool (pipelines' driver placement).
    const wl = cfg.karpenter?.pools.workloads;
    const pipelinesOn = (["batch", "realtime"] as const).filter((k) => cfg.pipelines?.[k]);
    if (wl && pipelinesOn.length && !wl.capacityTypes.includes("on-demand")) {
        ctx.issues.push(
            `${PROJECT}:karpenter.pools.workloads.capacityTypes: got ${JSON.stringify(wl.capacityTypes)} with pipelines.${pipelinesOn[0]} on; allowed: a list with "on-demand" (Spark drivers run on on-demand nodes of this pool)`,
        );
    }
    if (cfg.pipelines?.api && !cfg.pipelines.realtime) {
        ctx.issues.push(
            `${PROJECT}:pipelines.api: got true with pipelines.realtime false; allowed: false, or realtime on too (the realtime pipeline's streaming job carries the API topic into the lake)`,
        );
    }
    ctx.issues.push(
        ...accessEntryIssues([
            { key: `${PROJECT}:adminRoleArns`, arns: cfg.adminRoleArns ?? [] },
            { key: `${PROJECT}:viewerRoleArns`, arns: cfg.viewerRoleArns ?? [] },
        ]),
    );
    if (cfg.profile && cfg.kafka) {
        const kafka = brokersIssue(cfg.profile, cfg.kafka.brokers);
        if (kafka) ctx.issues.push(kafka);
    }
    const sp = cfg.spark;
    if (sp && sp.executors > sp.maxExecutors) {
        ctx.issues.push(
            `${PROJECT}:spark.executors: got ${sp.executors} with spark.maxExecutors ${sp.maxExecutors}; allowed: at most maxExecutors (a batch job starts with executors and scales up to maxExecutors)`,
        );
    }
    const ranges = cfg.loadBalancerSourceRanges;
    if (ranges && cfg.exposure === "publicLoadBalancer" && ranges.length === 0) {
        ctx.issues.push(
            `${PROJECT}:loadBalancerSourceRanges: got [] with exposure publicLoadBalancer; allowed: the CIDRs of the clients that may reach the UIs (e.g. an office's egress /24), since an empty list opens the load balancers to the internet`,
        );
    }
    if (cfg.exposure === "publicLoadBalancer" && !cfg.loadBalancerCertificateArn) {
        ctx.issues.push(
            `${PROJECT}:loadBalancerCertificateArn: got nothing with exposure publicLoadBalancer; allowed: an ACM certificate ARN for the UIs' host names, since without it Airflow's UI and API (and its admin password) would cross the internet in clear`,
        );
    }
    for (const r of ranges ?? []) {
        if (Number(r.split("/")[1]) < MIN_SOURCE_PREFIX) {
            ctx.issues.push(
                `${PROJECT}:loadBalancerSourceRanges: got ${r}; allowed: ranges of /${MIN_SOURCE_PREFIX} or narrower (a broader one is most of the internet)`,
            );
        }
    }
    const al = cfg.alerting;
    if (al && cfg.alertingUrl !== undefined) {
        if (al.receiver !== "none" && cfg.alertingUrl === "")
            ctx.issues.push(
                `${PROJECT}:alertingUrl: got nothing with alerting.receiver ${al.receiver}; allowed: the receiver's https URL, set with pulumi config set --secret ${PROJECT}:alertingUrl <url>`,
            );
        if (al.receiver === "none" && cfg.alertingUrl !== "")
            ctx.issues.push(
                `${PROJECT}:alerting.receiver: got none with ${PROJECT}:alertingUrl set; allowed: slack or webhook (the kind of endpoint the URL is), or unset the URL`,
            );
        if (al.slackChannel !== "" && al.receiver !== "slack")
            ctx.issues.push(
                `${PROJECT}:alerting.slackChannel: got ${al.slackChannel} with alerting.receiver ${al.receiver}; allowed: empty, or receiver slack`,
            );
        if (al.receiver !== "none" && cfg.observability && !cfg.observability.enabled)
            ctx.issues.push(
                `${PROJECT}:alerting.receiver: got ${al.receiver} with observability.enabled false; allowed: none, or observability on (Alertmanager is part of it)`,
            );
    }
    const logs = cfg.containerLogs;
    if (logs && logs.retentionDays !== 0 && !(CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(logs.retentionDays)) {
        ctx.issues.push(
            `${PROJECT}:containerLogs.retentionDays: got ${logs.retentionDays}; allowed: 0 (the profile's) or one of ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
        );
    }
    const db = cfg.database;
    if (db && db.maxAllocatedStorageGiB !== 0 && db.maxAllocatedStorageGiB < db.allocatedStorageGiB) {
        ctx.issues.push(
            `${PROJECT}:database.maxAllocatedStorageGiB: got ${db.maxAllocatedStorageGiB}; allowed: 0 or at least allocatedStorageGiB (${db.allocatedStorageGiB})`,
        );
    }
}

/** Reads the whole configuration of the running stack through the Pulumi runtime. */
export function loadConfig(): StackConfig {
    // Imported lazily so the pure parser above stays usable without the Pulumi runtime.
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const raw: Record<string, unknown> = { ...pulumi.runtime.allConfig() };
    const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (raw["aws:region"] === undefined && region) raw["aws:region"] = region;
    return parseConfig(raw, pulumi.getStack());
}

export { ConfigError };
