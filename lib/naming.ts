// Names and tags shared by every layer.

/** The prefix for names that must differ per stack within one account (buckets, roles). */
export function prefix(stack: string): string {
    return `bdok-${stack}`;
}

export function baseTags(stack: string): Record<string, string> {
    return { Project: "bdok", Stack: stack, ManagedBy: "pulumi" };
}

/** The book's fixed names; one stack per account and region keeps them unique. */
export const bookNames = {
    rdsIdentifier: "bdok-postgres",
    rdsMasterUser: "postgres",
    glueDatabase: "bdok-database",
    crawler: "imdb_consolidated_crawler",
    crawlerTablePrefix: "imdb-",
    consolidatedPrefix: "silver/imdb/consolidated",
    lakePrefixes: ["landing/", "bronze/", "silver/", "spark-jobs/", "spark-checkpoint/"],
    topics: { source: "src-customers", transformed: "customers-transformed" },
} as const;
