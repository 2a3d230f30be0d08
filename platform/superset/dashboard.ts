// The starter dashboard as a Superset asset bundle (the v1 export/import format: metadata.yaml,
// databases/, datasets/, charts/, dashboards/), built from the stack's own Trino queries
// (pipelines/queries.json, one source): one virtual dataset per query, one table chart per
// dataset. Every object has a UUID derived from its name, so an import overwrites the same
// objects and a re-run changes nothing.
import * as YAML from "yaml";
import { sha256 } from "../../lib/hash";
import type { LakeDatabases } from "../../pipelines/lake";
import { trinoQuery } from "../../pipelines/lake";
import type { TrinoConnection } from "./values";

/** One chart of the dashboard: a stack query, its title and the columns it returns, in order. */
export interface DashboardChart {
    query: string;
    /** The dataset's table name (a Superset virtual dataset). */
    dataset: string;
    title: string;
    columns: { name: string; type: string }[];
}

/** A chart from its query, title and columns (name → Trino type, in order); the dataset is named after the query unless told. */
function chart<Q extends string, D extends string = Q>(query: Q, title: string, columns: Record<string, string>, dataset?: D) {
    return {
        query,
        dataset: (dataset ?? query) as D,
        title,
        columns: Object.entries(columns).map(([name, type]) => ({ name, type })),
    } satisfies DashboardChart;
}

/** The charts, per pipeline: a pipeline that is off has none. The columns are checked against Trino's answer (test/engines). */
export const CHARTS = {
    batch: chart(
        "john_wick",
        "John Wick films",
        { primarytitle: "VARCHAR", startyear: "INTEGER", averagerating: "DOUBLE", principals: "ARRAY(VARCHAR)", directed_by: "ARRAY(VARCHAR)" },
        "john_wick_films",
    ),
    realtime: chart("customers_by_age_band_last_hour", "Customers per age band over the last hour", { age_band: "VARCHAR", customers: "BIGINT" }),
} as const;

export const DATABASE_NAME = "Lake (Trino)";
export const DASHBOARD_TITLE = "Lake starter";
export const DASHBOARD_SLUG = "bdok-lake";
/** The bundle's database file: the import takes its password under this key. */
export const DATABASE_FILE = "databases/Lake_Trino.yaml";
const VERSION = "1.0.0";

/** A name-based UUID (RFC 4122 layout, version 5 bits on a SHA-256 digest): stable across runs. */
export function stableUuid(name: string): string {
    const h = sha256(`bdok:superset:${name}`).slice(0, 32).split("");
    h[12] = "5";
    h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    const s = h.join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

export interface BundleArgs {
    trino: TrinoConnection;
    /** The Glue database of each namespace a chart reads (lake.icebergDatabaseNames). */
    databases: Partial<LakeDatabases>;
    /** Which pipelines are on: their charts only. */
    pipelines: { batch: boolean; realtime: boolean };
}

/** The charts the stack's pipelines give the dashboard, with each dataset's SQL. */
export function dashboardCharts(a: Pick<BundleArgs, "databases" | "pipelines">): (DashboardChart & { sql: string })[] {
    const on = (["batch", "realtime"] as const).filter((p) => a.pipelines[p]);
    return on.map((p) => ({ ...CHARTS[p], sql: trinoQuery(CHARTS[p].query, a.databases) }));
}

const yaml = (o: unknown) => YAML.stringify(o, { lineWidth: 0 });
const quoted = (v: string) => Object.assign(new YAML.Scalar(v), { type: YAML.Scalar.QUOTE_DOUBLE });

/** The bundle's files (path -> YAML), as Superset's ImportAssetsCommand takes them. */
export function dashboardBundle(a: BundleArgs): Record<string, string> {
    const dbUuid = stableUuid("database");
    const files: Record<string, string> = {
        // Quoted: Superset reads the bundle with PyYAML (YAML 1.1), which would make a plain timestamp a datetime.
        "metadata.yaml": yaml({ version: VERSION, type: "assets", timestamp: quoted("2026-01-01T00:00:00+00:00") }),
        [DATABASE_FILE]: yaml({
            database_name: DATABASE_NAME,
            sqlalchemy_uri: a.trino.uri,
            cache_timeout: null,
            expose_in_sqllab: true,
            allow_run_async: false,
            allow_ctas: false,
            allow_cvas: false,
            allow_dml: false,
            allow_file_upload: false,
            extra: { ...a.trino.extra, allows_virtual_table_explore: true },
            uuid: dbUuid,
            version: VERSION,
        }),
    };
    const charts = dashboardCharts(a);
    const layout: Record<string, unknown> = {
        DASHBOARD_VERSION_KEY: "v2",
        ROOT_ID: { type: "ROOT", id: "ROOT_ID", children: ["GRID_ID"] },
        GRID_ID: { type: "GRID", id: "GRID_ID", children: [] as string[], parents: ["ROOT_ID"] },
        HEADER_ID: { id: "HEADER_ID", type: "HEADER", meta: { text: DASHBOARD_TITLE } },
    };
    charts.forEach((c, i) => {
        const datasetUuid = stableUuid(`dataset:${c.dataset}`);
        const chartUuid = stableUuid(`chart:${c.dataset}`);
        files[`datasets/Lake_Trino/${c.dataset}.yaml`] = yaml({
            table_name: c.dataset,
            main_dttm_col: null,
            description: `pipelines/queries.json ${c.query}`,
            default_endpoint: null,
            offset: 0,
            cache_timeout: null,
            schema: null,
            sql: c.sql,
            params: null,
            template_params: null,
            filter_select_enabled: true,
            fetch_values_predicate: null,
            extra: null,
            normalize_columns: false,
            always_filter_main_dttm: false,
            uuid: datasetUuid,
            metrics: [
                {
                    metric_name: "count",
                    verbose_name: "COUNT(*)",
                    metric_type: "count",
                    expression: "COUNT(*)",
                    description: null,
                    d3format: null,
                    extra: null,
                    warning_text: null,
                },
            ],
            columns: c.columns.map((col) => ({
                column_name: col.name,
                verbose_name: null,
                is_dttm: false,
                is_active: true,
                type: col.type,
                advanced_data_type: null,
                groupby: true,
                filterable: true,
                expression: null,
                description: null,
                python_date_format: null,
                extra: null,
            })),
            version: VERSION,
            database_uuid: dbUuid,
        });
        files[`charts/${c.dataset}.yaml`] = yaml({
            slice_name: c.title,
            description: null,
            certified_by: null,
            certification_details: null,
            viz_type: "table",
            // Raw records in the query's own order and columns, as the stack's query prints them.
            params: {
                datasource: `${datasetUuid}__table`,
                viz_type: "table",
                query_mode: "raw",
                all_columns: c.columns.map((col) => col.name),
                order_by_cols: [],
                row_limit: 1000,
                server_pagination: false,
                include_search: false,
                adhoc_filters: [],
            },
            query_context: null,
            cache_timeout: null,
            uuid: chartUuid,
            version: VERSION,
            dataset_uuid: datasetUuid,
        });
        const id = `CHART-${i + 1}`;
        const row = `ROW-${i + 1}`;
        (layout.GRID_ID as { children: string[] }).children.push(row);
        layout[row] = { type: "ROW", id: row, children: [id], parents: ["ROOT_ID", "GRID_ID"], meta: { background: "BACKGROUND_TRANSPARENT" } };
        layout[id] = {
            type: "CHART",
            id,
            children: [],
            parents: ["ROOT_ID", "GRID_ID", row],
            meta: { width: 12, height: 50, uuid: chartUuid, sliceName: c.title },
        };
    });
    if (charts.length) {
        files[`dashboards/${DASHBOARD_SLUG}.yaml`] = yaml({
            dashboard_title: DASHBOARD_TITLE,
            description: null,
            css: "",
            slug: DASHBOARD_SLUG,
            certified_by: null,
            certification_details: null,
            published: true,
            uuid: stableUuid("dashboard"),
            position: layout,
            metadata: {
                refresh_frequency: 0,
                timed_refresh_immune_slices: [],
                expanded_slices: {},
                color_scheme: "",
                label_colors: {},
                cross_filters_enabled: false,
                native_filter_configuration: [],
            },
            version: VERSION,
        });
    }
    return files;
}
