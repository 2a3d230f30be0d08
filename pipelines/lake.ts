// The lake's Iceberg tables as the program delivers them: the declaration (tables.json) and the
// module that reads it (tables.py) reach every job through a ConfigMap, each SparkApplication gets
// Iceberg's packages, and the stack's queries come from queries.json. Nothing of the declaration is retyped.
import { readPipelineFile } from "./files";
import { sparkPackages } from "../versions";
import type { SparkMount } from "../platform/spark-operator/specs";

/** The Iceberg namespaces of tables.json, each mapped to one Glue database per stack. */
export type LakeNamespace = "imdb" | "realtime";
export type LakeDatabases = Record<LakeNamespace, string>;

/** The module (deps.pyFiles) and the declaration it loads, both keys of the lake ConfigMap. */
export const LAKE_MODULE = "tables.py";
export const LAKE_DECLARATION = "tables.json";

/**
 * One ConfigMap of that name in each namespace where the jobs run, owned by the pipeline there.
 * Not s3a:// deps: the operator's controller cannot read them (specs.ts depsSchemeProblems).
 * A fixed name, updated in place: a running batch job keeps finding it when executors come and go.
 */
export const LAKE_CONFIG_MAP = "bdok-lake-tables";
export const LAKE_VOLUME = "lake-tables";
export const LAKE_MOUNT_PATH = "/opt/bdok/lake";
/**
 * tables.py looks for the declaration here (tables.py _find_declaration): Spark's PythonRunner
 * copies .py py-files to a temporary folder, so the module's neighbour is not the mount.
 */
export const LAKE_DECLARATION_ENV = "BDOK_TABLES_JSON";

/**
 * Every job's packages beside hadoop-aws (always added by sparkApplicationSpec). Iceberg's AWS
 * clients use the AWS SDK v2 bundle hadoop-aws brings: one SDK on the classpath (versions.ts).
 */
export const ICEBERG_PACKAGES: readonly string[] = [sparkPackages.icebergRuntime];

/** The lake ConfigMap's data: both files as they are in the repository. */
export function lakeConfigMapData(read: (relative: string) => string = readPipelineFile): Record<string, string> {
    return { [LAKE_MODULE]: read(LAKE_MODULE), [LAKE_DECLARATION]: read(LAKE_DECLARATION) };
}

/** What a SparkApplication needs for them: the module on the Python path, the mount, the variable. */
export function lakeDeps(): { pyFiles: string[]; mounts: SparkMount[]; env: Record<string, string> } {
    return {
        pyFiles: [`local://${LAKE_MOUNT_PATH}/${LAKE_MODULE}`],
        mounts: [{ volume: { name: LAKE_VOLUME, configMap: { name: LAKE_CONFIG_MAP } }, mountPath: LAKE_MOUNT_PATH }],
        env: { [LAKE_DECLARATION_ENV]: `${LAKE_MOUNT_PATH}/${LAKE_DECLARATION}` },
    };
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
