// What the engines tier takes from the program's plan (dev stack, under the mocks): the
// SparkApplications the DAGs submit, the lake ConfigMap the jobs mount, the Trino catalogs the chart
// receives, the lake's names and the query the stack outputs print. Nothing here is retyped.
import * as YAML from "yaml";
import { descendants, inputsOf, one, planOf } from "../support";
import type { PlanRun } from "../../tools/harness";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const RELEASE = "kubernetes:helm.sh/v3:Release";

export interface SparkApp {
    metadata: { name: string; namespace: string };
    spec: {
        mainApplicationFile: string;
        arguments?: string[];
        deps: { packages?: string[]; excludePackages?: string[]; pyFiles?: string[]; repositories?: string[]; jars?: string[] };
        sparkConf?: Record<string, string>;
        hadoopConf?: Record<string, string>;
        volumes?: { name: string; configMap?: { name: string } }[];
        driver: { volumeMounts?: { name: string; mountPath: string }[] };
    };
}

export interface EnginePlan {
    run: PlanRun;
    bucket: string;
    region: string;
    databases: { imdb: string; realtime: string };
    /** DAG folder path (as Airflow mounts it) -> content. */
    dagFolder: Record<string, string>;
    /** The SparkApplication templates of the DAG folder, by file name without spark/ and .yaml. */
    batchApps: Record<string, SparkApp>;
    /** ConfigMap name -> data, for the volumes the SparkApplications mount. */
    configMaps: Record<string, Record<string, string>>;
    /** The Trino chart's `catalogs` value: catalog name -> properties text. */
    trinoCatalogs: Record<string, string>;
    /** The John Wick query the stack prints (outputs.batchTrinoQuery). */
    batchTrinoQuery: string;
}

let cached: Promise<EnginePlan> | undefined;

export function enginePlan(): Promise<EnginePlan> {
    cached ??= planOf("dev").then(fromRun);
    return cached;
}

function fromRun(run: PlanRun): EnginePlan {
    const airflow = one(run, "bdok:platform:Airflow");
    const mine = descendants(run, airflow.urn);
    const dags = mine.find((c) => c.type === CONFIG_MAP && "imdb_pipeline.py" in (inputsOf(c).data ?? {}));
    if (!dags) throw new Error("plan: no Airflow ConfigMap holds the DAG folder");
    const data: Record<string, string> = inputsOf(dags).data;
    const release = mine.find((c) => c.type === RELEASE)!;
    // The DAG folder as the dag-processor mounts it: ConfigMap items key -> path.
    const items: { key: string; path: string }[] = inputsOf(release).values.dagProcessor.extraVolumes.flatMap((v: any) => v.configMap?.items ?? []);
    const dagFolder = Object.fromEntries(items.map((i) => [i.path, data[i.key]]));
    const batchApps: Record<string, SparkApp> = {};
    for (const [file, text] of Object.entries(dagFolder)) {
        const m = /^spark\/(.+)\.yaml$/.exec(file);
        if (m) batchApps[m[1]] = YAML.parse(text) as SparkApp;
    }
    const configMaps: Record<string, Record<string, string>> = {};
    for (const c of run.captured.filter((r) => r.type === CONFIG_MAP)) {
        const i = inputsOf(c);
        const name = i.metadata?.name ?? c.name;
        configMaps[name] = i.data ?? {};
    }
    const trino = run.captured.find((c) => c.type === RELEASE && inputsOf(c).chart === "trino");
    if (!trino) throw new Error("plan: no trino Release");
    const out = run.plan.outputs as Record<string, any>;
    return {
        run,
        bucket: out.lakeBucket,
        region: out.region,
        databases: out.icebergDatabases,
        dagFolder,
        batchApps,
        configMaps,
        trinoCatalogs: inputsOf(trino).values.catalogs,
        batchTrinoQuery: out.batchTrinoQuery,
    };
}

/** A dataset of the Superset dashboard as the plan's init task imports it (the bundle in its setup ConfigMap). */
export interface SupersetDataset {
    sql: string;
    /** The columns the dataset declares (and its table chart shows), in order. */
    columns: string[];
}

export function supersetDataset(run: PlanRun, table: string): SupersetDataset {
    const superset = one(run, "bdok:platform:Superset");
    const setup = descendants(run, superset.urn).find((c) => c.type === CONFIG_MAP && "bundle.json" in (inputsOf(c).data ?? {}));
    if (!setup) throw new Error("plan: no Superset ConfigMap holds the dashboard bundle");
    const bundle: Record<string, string> = JSON.parse(inputsOf(setup).data["bundle.json"]);
    const file = Object.keys(bundle).find((f) => f.startsWith("datasets/") && YAML.parse(bundle[f]).table_name === table);
    if (!file) throw new Error(`plan: the Superset bundle has no dataset ${table}`);
    const ds = YAML.parse(bundle[file]);
    return { sql: ds.sql, columns: ds.columns.map((c: { column_name: string }) => c.column_name) };
}
