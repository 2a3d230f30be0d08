// Generates docs/configuration.md from the configuration schema (config.ts), so the reference
// cannot drift from what the program accepts. `npm run docs:config` writes it; `--check` exits 1
// when the committed file differs (test/docs-config.test.ts runs the same comparison).
import * as fs from "fs";
import * as path from "path";
import { schema, PROJECT } from "../config";
import { docOf, Field, Rule } from "../lib/validate";
import { Io, runCli } from "./cli";

const ROOT = path.resolve(__dirname, "..");
export const CONFIG_DOC = path.join(ROOT, "docs", "configuration.md");

export interface KeyRow {
    /** As `pulumi config set --path` takes it: bdok:spark.maxExecutors, bdok:nodeGroups.<name>.minSize. */
    key: string;
    kind: string;
    default: string;
    describe: string;
    allowed: string;
    nested: boolean;
}

function showDefault(f: Field<unknown>): string {
    if (f.default === undefined) return "required";
    const d = typeof f.default === "function" ? (f.default as () => unknown)() : f.default;
    if (d !== null && typeof d === "object" && !Array.isArray(d) && Object.keys(d).length === 0)
        return docOf(f.rule as Rule<unknown>)?.shape ? "(fields below)" : "`{}`";
    return "`" + (typeof d === "string" ? d : JSON.stringify(d)) + "`";
}

/** Every key of the schema, parents before their fields, in the schema's order. */
export function configKeys(): KeyRow[] {
    const rows: KeyRow[] = [];
    const walk = (f: Field<unknown>, key: string, nested: boolean) => {
        const doc = docOf(f.rule as Rule<unknown>);
        rows.push({
            key,
            // Hand-written rules (the CIDR checks) carry no description: the default tells the type.
            kind: doc?.kind ?? (typeof f.default === "string" ? "string" : "value"),
            default: showDefault(f),
            describe: f.describe,
            allowed: doc?.allowed ?? f.describe,
            nested,
        });
        if (doc?.shape) for (const [k, sub] of Object.entries(doc.shape)) walk(sub, `${key}.${k}`, true);
        const item = doc?.kind === "map" && doc.item ? docOf(doc.item) : undefined;
        if (item?.shape) for (const [k, sub] of Object.entries(item.shape)) walk(sub, `${key}.<name>.${k}`, true);
    };
    for (const [k, f] of Object.entries(schema)) walk(f as Field<unknown>, `${PROJECT}:${k}`, false);
    return rows;
}

/** The command that sets a key: top-level keys plainly, nested ones with --path (Pulumi CLI docs, `pulumi config set`). */
export function setCommand(row: KeyRow): string {
    const example = row.kind === "boolean" ? "true" : row.kind === "integer" || row.kind === "number" ? "<number>" : "<value>";
    if (row.kind === "object" || row.kind === "map") return "";
    if (row.kind === "list") return `pulumi config set --path '${row.key}[0]' <value>`;
    if (!row.nested) return `pulumi config set ${row.key} ${example}`;
    // --path stores an integer as a number; a version such as 17 must stay a string.
    const typed = row.kind === "string" && /^`\d/.test(row.default) ? " --type string" : "";
    return `pulumi config set --path${typed} ${row.key} ${example}`;
}

// What the schema's one-line descriptions do not say; every key named here must exist (tested).
export const NOTES: Record<string, string> = {
    "bdok:profile":
        "Sizing follows this setting only, never the stack's name: a `staging` stack with `profile: ha` gets prod's sizes. `ha` also turns on the prod-only policy rules.",
    "bdok:azCount":
        "The first zones, in the order the region lists them, whose zone ID EKS accepts for cluster subnets: `use1-az3` (us-east-1), `usw1-az2` (us-west-1) and `cac1-az3` (ca-central-1) are skipped (EKS User Guide, network requirements). Zone names map to different zones in each account, so the subnets are placed by zone ID. A region with too few accepted zones is an error naming the skipped IDs.",
    "bdok:kubernetesVersion":
        "The versions in EKS standard support on the date of `estimates/prices.json`; older ones bill extended support, 6× the control-plane price. The plan warns 90 days before the stack's version leaves standard support. Every version needs its EKS add-on versions pinned in `versions.ts` (`eksAddons`: vpc-cni, kube-proxy, CoreDNS, Pod Identity agent, EBS CSI driver); one without them is refused. Upgrading Kubernetes means adding that row first (`aws eks describe-addon-versions --addon-name <name> --kubernetes-version <v>`).",
    "bdok:endpointPublicAccessCidrs":
        "`[]` = private endpoint only (prod's stack file sets `[]`; the policy rule `eks-endpoint-restricted-prod` refuses an open endpoint in any prod stack).",
    "bdok:nodeGroups":
        "Instance types as priced in `estimates/prices.json` (e.g. Graviton `m7g` from `.medium`, `t3` up to `.2xlarge`); one CPU architecture per group; `minSize ≤ desiredSize ≤ maxSize`. The group named `system` (else the first listed) carries the Karpenter controller and the operators.",
    "bdok:database.instanceClass": "The classes `estimates/prices.json` prices.",
    "bdok:database.engineVersion": "`17`: RDS applies minor upgrades; a full version such as `17.6` turns them off and you upgrade it.",
    "bdok:protectStatefulResources": "Protect RDS, data buckets and the Glue databases; keep data on destroy (docs/operations.md, Teardown).",
    "bdok:loadBalancerSourceRanges":
        "The client CIDRs every listener of Airflow's API server, Trino and Kibana admits, through the annotation `service.beta.kubernetes.io/load-balancer-source-ranges` (without ranges the AWS Load Balancer Controller would open every port to 0.0.0.0/0). Required (non-empty) with `exposure: publicLoadBalancer`; empty with `internalLoadBalancer` means the VPC's CIDR (`vpcCidr`). No range broader than /8. E.g. `pulumi config set --path 'bdok:loadBalancerSourceRanges[0]' 203.0.113.0/24`.",
    "bdok:spark.executors":
        "At most `maxExecutors`: the streaming job's executor count, and how many executors each batch job (and the lake maintenance job) starts with.",
    "bdok:spark.executorMemory": "Sizes the executors of the batch jobs and the lake maintenance job; the streaming job's pods keep 1g.",
    "bdok:spark.maxExecutors":
        "The dynamic allocation ceiling of the batch jobs and the lake maintenance job (they start with `executors`, may scale down to 0, shuffle tracking on); set as Spark settings (`spark.dynamicAllocation.*`, `spark.executor.instances` 0), not `spec.dynamicAllocation`, whose minimum of 0 Airflow's SparkKubernetesOperator refuses. The DAGs' SparkApplications count as peak demand in the capacity check.",
    "bdok:lake.commitInterval": "The streaming job's trigger: one Iceberg commit per interval.",
    "bdok:lake.failOnDataLoss":
        "The streaming job's Kafka source option `failOnDataLoss`. `false` (default): when the checkpointed offsets are older than the topic's retention (the job was down longer), the job logs the gap and goes on from the oldest record left; `true`: it stops and restarts in a loop until someone decides (docs/pipelines.md).",
    "bdok:karpenter.controllerReplicas": "At most the system group's desiredSize.",
    "bdok:karpenter.rootVolumeGiB": "Encrypted gp3.",
    "bdok:passwordRotation":
        "E.g. `pulumi config set --path 'bdok:passwordRotation.database-master' 2026-12-07`. What each password reaches, and why the others are not in the list: docs/operations.md, Rotating passwords.",
    "bdok:karpenter.pools":
        "Defaults: `POOL_DEFAULTS` in platform/karpenter/nodepools.ts. The stateful pool is on-demand only; the workloads pool offers `on-demand` while a pipeline is on, for the Spark drivers; a pool's families must match its `arch`; `terminationGracePeriod` is required with an `expireAfter` other than `Never`.",
};

// Whether a key can change on a stack that exists (plan:diff's model, model/replacements.json, and
// the services' own rules); keys not named here change in place. Every key named must exist (tested).
const MIGRATION = "**no**: a migration (docs/operations.md, Changing the network)";
export const ON_EXISTING: Record<string, string> = {
    "bdok:vpcCidr": `${MIGRATION}; it replaces the VPC and subnets, which the EKS cluster and the RDS subnet group refuse`,
    "bdok:azCount": `${MIGRATION}; EKS keeps a cluster's subnets in the zones it was created with`,
    "bdok:natGateways": "yes: NAT gateways and private routes are replaced (a short egress outage)",
    "bdok:profile":
        "**no** for Kafka: small's dual-role pool and ha's controller pool are different KRaft quorums, which Strimzi cannot convert (docs/operations.md, Kafka brokers)",
    "bdok:kubernetesVersion": "up one minor per `up`; never down (EKS refuses both; plan:diff marks them refused)",
    "bdok:adminRoleArns": "yes: entries are keyed by ARN; the others stay as they are",
    "bdok:viewerRoleArns": "yes: entries are keyed by ARN; the others stay as they are",
    "bdok:nodeGroups.<name>.instanceTypes": "yes: replaces the node group (new nodes, pods move)",
    "bdok:nodeGroups.<name>.capacityType": "yes: replaces the node group (new nodes, pods move)",
    "bdok:nodeGroups.<name>.diskSizeGiB": "yes: replaces the node group (new nodes, pods move)",
    "bdok:nodeGroups.<name>.labels": "yes, in place (not among the node group's replacing inputs in model/replacements.json)",
    "bdok:passwordRotation": "yes: a new generation replaces that password, and its readers take it (docs/operations.md, Rotating passwords)",
    "bdok:database.instanceClass": "yes, in place (with protectStatefulResources in the maintenance window: output `rdsChangesApply`)",
    "bdok:database.allocatedStorageGiB": "up only (RDS cannot shrink storage)",
    "bdok:database.engineVersion": "up only; a new major upgrades in place",
    "bdok:database.multiAz": "yes, in place (with protectStatefulResources in the maintenance window)",
    "bdok:kafka.brokers":
        "with profile ha, 3 to 9: the broker pool scales and Cruise Control moves partitions (topics keep 3 replicas, min.insync 2); with profile small fixed at 1 (docs/operations.md, Kafka brokers)",
    "bdok:kafka.storageGiB": "up only (Strimzi expands volumes, never shrinks them)",
    "bdok:elasticsearch.storageGiB": "up only (ECK expands volumes, never shrinks them)",
    "bdok:pipelines.batch":
        "yes: off deletes its DAGs, job code, Spark resources and its Glue database (the files under `warehouse/` stay; with protectStatefulResources Pulumi refuses until the database is unprotected: docs/pipelines.md, Turning a pipeline off); on again creates them",
    "bdok:pipelines.realtime":
        "yes: off deletes its topics and resources; on again creates new topics and starts the streaming job from new checkpoints (docs/pipelines.md, Turning a pipeline off)",
};

export function onExisting(row: KeyRow): string {
    return ON_EXISTING[row.key] ?? (row.kind === "object" || row.kind === "map" ? "see its fields" : "yes, in place");
}

function cell(s: string): string {
    return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function renderConfigDoc(): string {
    const rows = configKeys();
    const lines = [
        "# Configuration reference",
        "",
        "<!-- Generated by `npm run docs:config` from the schema in config.ts; do not edit by hand (test/docs-config.test.ts fails when it is stale). -->",
        "",
        "All keys live under the `bdok:` namespace, except `aws:region`. Other namespaces are the providers' and the policy pack's (`aws:`, `kubernetes:`, `eks:`, `random:`, `pulumi:`, `policy:`); any other namespace is rejected (a typo such as `bdk:` would drop the setting). Quote versions: YAML reads an unquoted `1.30` as `1.3`.",
        "",
        "Top-level keys are set plainly; a key inside an object, map or list needs `--path` (without it",
        "Pulumi stores a top-level key whose name contains a dot, which the program refuses):",
        "",
        "```bash",
        "pulumi config set aws:region us-east-1",
        "pulumi config set bdok:azCount 3",
        "pulumi config set --path bdok:spark.maxExecutors 8",
        "pulumi config set --path bdok:nodeGroups.system.desiredSize 1",
        "pulumi config set --path 'bdok:adminRoleArns[0]' arn:aws:iam::123456789012:role/admin",
        "```",
        "",
        "With `--path`, `true`/`false` are stored as booleans and integers as numbers (Pulumi CLI reference,",
        "`pulumi config set`); the program accepts either form for numbers and booleans, but a version must stay",
        "a string: `pulumi config set --path --type string bdok:database.engineVersion 17`. Or edit",
        "`Pulumi.<stack>.yaml` directly. Setting `'key[0]'` of a list the stack file does not set yet creates",
        "a one-item list that replaces the whole default: set every item (`[0]`, `[1]`, ...).",
        "",
        "The column *on an existing stack* says whether a key can change once the stack is up; `npm run plan:diff` shows what a change does (update, replace, refused).",
        "",
        "| key | type | default | allowed | on an existing stack | set with |",
        "|---|---|---|---|---|---|",
        "| `aws:region` | string | required (else `AWS_REGION` or `AWS_DEFAULT_REGION`) | a region in `@pulumi/aws`'s `Region` enum, such as `us-east-1` | **no**: every resource is regional (a new stack) | `pulumi config set aws:region us-east-1` |",
        ...rows.map((r) => {
            const set = setCommand(r);
            return `| \`${r.key}\` | ${r.kind} | ${r.default} | ${cell(r.describe === r.allowed ? r.allowed : `${r.describe}: ${r.allowed}`)} | ${cell(onExisting(r))} | ${set ? "`" + cell(set) + "`" : ""} |`;
        }),
        "",
        "## Notes",
        "",
        ...Object.entries(NOTES).map(([k, v]) => `- \`${k}\`: ${v}`),
        "",
        "What dev and prod set: [stacks.md](stacks.md) and the stack files `Pulumi.dev.yaml`, `Pulumi.prod.yaml`.",
        "",
    ];
    return lines.join("\n");
}

/** `npm run docs:config [-- --check]`: writes the page; with --check, 1 when the committed page is stale. */
export function main(argv: string[], io: Io): number {
    const text = renderConfigDoc();
    if (argv.includes("--check")) {
        const current = fs.existsSync(CONFIG_DOC) ? fs.readFileSync(CONFIG_DOC, "utf8") : "";
        if (current === text) return 0;
        io.stderr("docs/configuration.md is stale: run `npm run docs:config`\n");
        return 1;
    }
    fs.mkdirSync(path.dirname(CONFIG_DOC), { recursive: true });
    fs.writeFileSync(CONFIG_DOC, text);
    io.stdout(`wrote ${path.relative(ROOT, CONFIG_DOC)}\n`);
    return 0;
}

if (require.main === module) runCli(main);
