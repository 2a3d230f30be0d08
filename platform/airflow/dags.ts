import { canonicalJson, sha256 } from "../../lib/hash";
import { DAGS_FOLDER } from "./values";

// ---------------------------------------------------------------------------------------------
// DAG delivery: files → one ConfigMap mounted at the DAGs folder

/**
 * The kubelet lays a ConfigMap volume out as `..<timestamp>/` with the files, `..data` → that
 * directory and one symlink per entry into `..data/`. Airflow's DAG discovery walks with
 * followlinks and fails ("Detected recursive loop") on `..data` unless an ignore rule prunes the
 * `..*` entries first (glob syntax, pinned in the config below).
 * test/engines/airflow.test.ts runs Airflow's own discovery over such a layout, with and without it.
 */
export const DAGS_IGNORE_FILE = ".airflowignore";
export const DAGS_IGNORE = "# the kubelet's ConfigMap internals: ..data and ..<timestamp>\n..*\n";

const segment = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Problems with DAG file paths (relative, at most one subfolder, ConfigMap-safe names). */
export function dagPathIssues(paths: string[]): string[] {
    const issues: string[] = [];
    const keys = new Map<string, string>();
    for (const p of paths) {
        const parts = p.split("/");
        if (parts.length > 2 || parts.some((s) => !segment.test(s) || s === "." || s === "..")) {
            issues.push(`dagFiles: got path ${JSON.stringify(p)}; allowed: "file" or "folder/file" with letters, digits, _ . - (no leading dot, no ..)`);
            continue;
        }
        const key = dagConfigMapKey(p);
        const other = keys.get(key);
        if (other !== undefined) issues.push(`dagFiles: paths ${JSON.stringify(other)} and ${JSON.stringify(p)} map to the same ConfigMap key ${key}`);
        keys.set(key, p);
    }
    return issues;
}

/** ConfigMap keys may not contain "/": "spark/imdb-bronze.yaml" → "spark__imdb-bronze.yaml". */
export function dagConfigMapKey(path: string): string {
    return path.replace(/\//g, "__");
}

/** The files the DAG folder receives: the caller's and the ignore file. */
export function deliveredDagFiles(files: Record<string, string>): Record<string, string> {
    return { [DAGS_IGNORE_FILE]: DAGS_IGNORE, ...files };
}

/** ConfigMap data for the DAG files and the ignore file; throws on bad paths or over the 1 MiB object limit. */
export function dagConfigMapData(files: Record<string, string>): Record<string, string> {
    const paths = Object.keys(files).sort();
    const issues = dagPathIssues(paths);
    const size = paths.reduce((n, p) => n + Buffer.byteLength(files[p]) + p.length, 0);
    if (size > 900 * 1024) issues.push(`dagFiles: ${size} bytes in total; allowed: under 900 KiB (a ConfigMap holds at most 1 MiB)`);
    if (issues.length) throw new Error(issues.join("\n"));
    const delivered = deliveredDagFiles(files);
    return Object.fromEntries(Object.keys(delivered).map((p) => [dagConfigMapKey(p), delivered[p]]));
}

/** sha256 of the DAG files (paths and contents): a pod annotation, so a change rolls the pods. */
export function dagsHash(files: Record<string, string>): string {
    return sha256(canonicalJson(files));
}

export const DAGS_VOLUME = "bdok-dags";

/** The volume (ConfigMap items key ↔ path, with the ignore file) and its read-only mount at the DAGs folder. */
export function dagVolume(configMapName: string, paths: string[]) {
    return {
        volume: {
            name: DAGS_VOLUME,
            configMap: {
                name: configMapName,
                items: [DAGS_IGNORE_FILE, ...[...paths].sort()].map((p) => ({ key: dagConfigMapKey(p), path: p })),
            },
        },
        mount: { name: DAGS_VOLUME, mountPath: DAGS_FOLDER, readOnly: true },
    };
}
