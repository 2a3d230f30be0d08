// Names and tags shared by every layer.

/** The prefix for names that must differ per stack within one account (buckets, roles). */
export function prefix(stack: string): string {
    return `bdok-${stack}`;
}

/**
 * The longest stack name whose derived names fit AWS's limits: bucketPrefix (37 characters)
 * of `bdok-<stack>-airflow-logs-`, IAM namePrefix (38) of `bdok-<stack>-<role>-`.
 */
export const MAX_STACK_NAME = 18;

/** A stack name that every derived name accepts (S3: lower case, RDS: no "--", no trailing "-"). */
export function stackNameIssues(stack: string): string[] {
    if (/^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/.test(stack) && stack.length <= MAX_STACK_NAME) return [];
    return [
        `stack "${stack}": allowed: a stack name of lower-case letters, digits and single hyphens, starting with a letter, up to ${MAX_STACK_NAME} characters (it prefixes S3 bucket, RDS, Glue and IAM names)`,
    ];
}

export function baseTags(stack: string): Record<string, string> {
    return { Project: "bdok", Stack: stack, ManagedBy: "pulumi" };
}

/**
 * Names AWS keeps unique per account (IAM, S3) or per account and region (RDS, Glue, EKS):
 * each carries the stack's prefix, so stacks share an account without colliding. Resources
 * named with a namePrefix get a random suffix from AWS and are not listed here.
 */
export function stackNames(pre: string) {
    return {
        clusterName: `${pre}-eks`,
        rdsIdentifier: `${pre}-postgres`,
        rdsFinalSnapshot: `${pre}-postgres-final`,
        glueDatabase: `${pre}-database`,
        // Iceberg's GlueCatalog accepts only ^[a-z0-9_]{1,252}$ (IcebergToGlueConverter): no hyphens.
        icebergDatabases: {
            imdb: `${pre.replace(/-/g, "_")}_imdb`,
            realtime: `${pre.replace(/-/g, "_")}_realtime`,
        },
    };
}
export type StackNames = ReturnType<typeof stackNames>;

/** The book's names that live inside the stack's own resources, so they need no prefix. */
export const bookNames = {
    rdsMasterUser: "postgres",
    // Raw input (landing/), Iceberg tables (warehouse/<db>.db/<table>/), job code, stream checkpoints,
    // Spark event logs (Spark refuses an event-log directory that does not exist: EventLogFileWriter
    // requireLogBaseDirAsDirectory; so does the History Server).
    lakePrefixes: ["landing/", "warehouse/", "spark-jobs/", "spark-checkpoint/", "spark-events/"],
    warehousePrefix: "warehouse",
    topics: { source: "src-customers", transformed: "customers-transformed" },
} as const;
