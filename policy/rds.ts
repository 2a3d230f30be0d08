// RDS: encrypted, backed up, private; in prod deletion protection, a final snapshot and Multi-AZ.
import { T, UNKNOWN, arr, read, show, toNumber } from "./props";
import { label, resourceRule } from "./config";

const rdsTypes = [...T.rdsInstance, ...T.rdsCluster];

export const rdsEncrypted = resourceRule({
    name: "rds-storage-encrypted",
    description: "RDS storage is encrypted at rest.",
    tags: ["aws", "rds"],
    types: rdsTypes,
    check: (args, report) => {
        const v = read(args.props, "storageEncrypted");
        if (v !== true && v !== UNKNOWN) report(`${label(args)}: storageEncrypted is ${show(v)}; set storageEncrypted: true.`);
    },
});

export const rdsBackups = resourceRule({
    name: "rds-backup-retention",
    description: "RDS automated backups are kept for at least one day.",
    tags: ["aws", "rds"],
    types: rdsTypes,
    check: (args, report) => {
        const v = read(args.props, "backupRetentionPeriod");
        if (v === UNKNOWN) return;
        const n = toNumber(v);
        if (n === undefined || n < 1) report(`${label(args)}: backupRetentionPeriod is ${show(v)}; allowed: 1 to 35 days.`);
    },
});

export const rdsNotPublic = resourceRule({
    name: "rds-not-public",
    description: "RDS instances are not publicly accessible.",
    tags: ["aws", "rds", "network"],
    types: [...T.rdsInstance, ...T.rdsClusterInstance],
    check: (args, report) => {
        const v = read(args.props, "publiclyAccessible");
        if (v === true || v === "true")
            report(`${label(args)}: publiclyAccessible is true; the database must be reachable only inside the VPC (publiclyAccessible: false).`);
    },
});

export const rdsDeletionProtectionProd = resourceRule({
    name: "rds-deletion-protection-prod",
    description: "In prod, RDS has deletion protection on.",
    tags: ["aws", "rds", "prod-only", "teardown"],
    types: rdsTypes,
    check: (args, report) => {
        const v = read(args.props, "deletionProtection");
        if (v !== true && v !== UNKNOWN) report(`${label(args)}: deletionProtection is ${show(v)} in a prod stack; set deletionProtection: true.`);
    },
});

export const rdsFinalSnapshotProd = resourceRule({
    name: "rds-final-snapshot-prod",
    description: "In prod, deleting RDS takes a final snapshot.",
    tags: ["aws", "rds", "prod-only", "teardown"],
    types: rdsTypes,
    check: (args, report) => {
        const skip = read(args.props, "skipFinalSnapshot");
        const id = read(args.props, "finalSnapshotIdentifier");
        if (skip === true || (id !== UNKNOWN && (typeof id !== "string" || id === ""))) {
            report(
                `${label(args)}: a prod database must take a final snapshot on delete (skipFinalSnapshot: false and a finalSnapshotIdentifier); got skipFinalSnapshot ${show(skip)}, finalSnapshotIdentifier ${show(id)}.`,
            );
        }
    },
});

export const rdsMultiAzProd = resourceRule({
    name: "rds-multi-az-prod",
    description: "In prod, RDS instances are multi-AZ.",
    tags: ["aws", "rds", "prod-only"],
    types: T.rdsInstance,
    check: (args, report) => {
        const v = read(args.props, "multiAz");
        if (v !== true && v !== UNKNOWN) report(`${label(args)}: multiAz is ${show(v)} in a prod stack; set bdok:database.multiAz: true.`);
    },
});

/**
 * Why a parameter group lets PostgreSQL clients connect without TLS. rds.force_ssl defaults to 1 from
 * PostgreSQL 15 on and to 0 before (RDS user guide, "Using SSL with a PostgreSQL DB instance").
 */
export function forceSslProblem(family: unknown, parameters: unknown): string | undefined {
    if (typeof family !== "string" || !/^(aurora-)?postgres/.test(family)) return undefined;
    const p = arr(parameters).find((x) => read(x, "name") === "rds.force_ssl");
    const v = read(p, "value");
    if (v === UNKNOWN) return undefined;
    if (p !== undefined) return String(v) === "1" ? undefined : `rds.force_ssl is ${show(v)}`;
    const major = Number(/postgres(\d+)/.exec(family)?.[1]);
    return major >= 15 ? undefined : `rds.force_ssl is not set and defaults to 0 on ${family}`;
}

export const rdsForceSsl = resourceRule({
    name: "rds-force-ssl",
    description: "PostgreSQL parameter groups keep rds.force_ssl at 1 (no plaintext connections).",
    tags: ["aws", "rds"],
    types: ["aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup"],
    check: (args, report) => {
        const problem = forceSslProblem(read(args.props, "family"), read(args.props, "parameters"));
        if (problem) report(`${label(args)}: ${problem}; set rds.force_ssl to 1 so every client must use TLS.`);
    },
});
