// The lake's Iceberg tables as the program delivers them: the declaration (tables.json) and the
// module that reads it (tables.py) ship next to every job, each SparkApplication gets Iceberg's
// packages, and the stack's queries come from queries.json. Nothing of the declaration is retyped.
import { JobUpload, jobUpload, readPipelineFile, s3a } from "./files";
import { sparkPackages } from "../versions";

/** The Iceberg namespaces of tables.json, each mapped to one Glue database per stack. */
export type LakeNamespace = "imdb" | "realtime";
export type LakeDatabases = Record<LakeNamespace, string>;

/** Shipped with every job: deps.pyFiles (the module) and deps.files (the declaration it loads). */
export const LAKE_MODULE = "tables.py";
export const LAKE_DECLARATION = "tables.json";

/** Every job's packages beside hadoop-aws (always added by sparkApplicationSpec). */
export const ICEBERG_PACKAGES: readonly string[] = [sparkPackages.icebergRuntime, sparkPackages.icebergAwsBundle];

/** Both files, uploaded under a job folder of the lake (`<prefix>/tables.py`, `<prefix>/tables.json`). */
export function lakeUploads(keyPrefix: string, read?: (relative: string) => string | Buffer): JobUpload[] {
    return [LAKE_MODULE, LAKE_DECLARATION].map((f) => jobUpload(f, keyPrefix, read));
}

/** SparkApplication `deps` for them: tables.py on the Python path, tables.json in SparkFiles' root. */
export function lakeDeps(bucket: string, keyPrefix: string): { pyFiles: string[]; files: string[] } {
    const [module, declaration] = lakeUploads(keyPrefix, () => "");
    return { pyFiles: [s3a(bucket, module.key)], files: [s3a(bucket, declaration.key)] };
}

export interface Declaration {
    catalog: { name: string; warehouse: string; spark_conf: Record<string, string> };
    tables: { namespace: string; name: string; columns: { name: string; type: string }[] }[];
}

export function declaration(read: (relative: string) => string = readPipelineFile): Declaration {
    return JSON.parse(read(LAKE_DECLARATION)) as Declaration;
}

interface QueryFile {
    catalog: string;
    queries: Record<string, { table: string; sql: string }>;
}

export function queryFile(read: (relative: string) => string = readPipelineFile): QueryFile {
    return JSON.parse(read("queries.json")) as QueryFile;
}

/** One of the stack's Trino queries (queries.json NAME) with {database} set to its namespace's Glue database. */
export function trinoQuery(name: string, databases: Partial<LakeDatabases>, read?: (relative: string) => string): string {
    const q = queryFile(read).queries[name];
    if (!q) throw new Error(`pipelines/queries.json: no query ${JSON.stringify(name)}`);
    const database = databases[q.table.split(".")[0] as LakeNamespace];
    if (!database) throw new Error(`pipelines/queries.json ${name}: no Glue database given for table ${q.table}`);
    return q.sql.split("{database}").join(database);
}
