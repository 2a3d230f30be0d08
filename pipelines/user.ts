// Users' own DAGs, without TypeScript: every file of the folder `bdok:airflow.userDags` (default
// user/dags) goes into Airflow's DAG folder under user/, next to ours, on the next `pulumi up`
// (the DAG ConfigMap is built from it at plan time). Python DAGs, and the SparkApplication
// templates or SQL they read, one level deep; README.md and dotfiles stay behind.
import * as fs from "fs";
import * as path from "path";
import { dagPathIssues } from "../platform/airflow/dags";

const ROOT = path.resolve(__dirname, "..");
/** The DAG folder's subfolder for users' files: ours never live there. */
export const USER_DAG_PREFIX = "user";
const DELIVERED = /\.(py|ya?ml|sql|json)$/;
const KEPT_BACK = (name: string) => name.startsWith(".") || /^README(\.md)?$/i.test(name);

/** The files of `dir` (relative to the project root) as DAG-folder paths, and one line per problem. */
export function userDagFiles(dir: string, root = ROOT): { files: Record<string, string>; issues: string[] } {
    const at = `bdok:airflow.userDags (${dir})`;
    const abs = path.resolve(root, dir);
    if (!abs.startsWith(root + path.sep)) return { files: {}, issues: [`${at}: allowed: a folder inside the project`] };
    if (!fs.existsSync(abs)) return { files: {}, issues: [] };
    if (!fs.statSync(abs).isDirectory()) return { files: {}, issues: [`${at}: is a file; allowed: a folder`] };
    const files: Record<string, string> = {};
    const issues: string[] = [];
    for (const e of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (KEPT_BACK(e.name)) continue;
        if (e.isDirectory()) issues.push(`${at}: ${e.name}/ is a folder; allowed: files directly in the folder (Airflow's DAG folder takes one level here)`);
        else if (!DELIVERED.test(e.name)) issues.push(`${at}: ${e.name}; allowed: .py DAGs and the .yaml/.yml/.sql/.json files they read`);
        else files[`${USER_DAG_PREFIX}/${e.name}`] = fs.readFileSync(path.join(abs, e.name), "utf8");
    }
    issues.push(...dagPathIssues(Object.keys(files)).map((i) => `${at}: ${i}`));
    return issues.length ? { files: {}, issues } : { files, issues };
}
