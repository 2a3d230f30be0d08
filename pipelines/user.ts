// Users' own DAGs and Spark jobs, without TypeScript. Every file of the folder
// `bdok:airflow.userDags` (default user/dags) goes into Airflow's DAG folder under user/, next to
// ours, on the next `pulumi up` (the DAG ConfigMap is built from it at plan time): Python DAGs, and
// the SparkApplication templates or SQL they read, one level deep; README.md and dotfiles stay
// behind. The job files of `bdok:airflow.userJobs` (default user/jobs) go to the lake's
// spark-jobs/user/, where the Spark pods' role reads them (platform/spark-operator/iam.ts).
import * as fs from "fs";
import * as path from "path";
import { dagPathIssues } from "../platform/airflow/dags";
import { sha256 } from "../lib/hash";
import type { JobUpload } from "./files";

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

/** Where users' job files live in the lake, beside the pipelines' folders (spark-jobs/ is what Spark reads). */
export const USER_JOBS_PREFIX = "spark-jobs/user";
/** The Airflow Variable (set from the environment, AIRFLOW_VAR_<NAME>) users' templates name the lake bucket by. */
export const LAKE_BUCKET_VARIABLE = "bdok_lake_bucket";
const JOB_FILE = /\.(py|zip|jar)$/;

/**
 * The Spark job files of `dir` (bdok:airflow.userJobs, relative to the project root) as uploads to
 * spark-jobs/user/<file>, and one line per problem. A template reaches one as
 * s3a://{{ var.value.bdok_lake_bucket }}/spark-jobs/user/<file>.
 */
export function userJobFiles(dir: string, root = ROOT): { uploads: JobUpload[]; issues: string[] } {
    const at = `bdok:airflow.userJobs (${dir})`;
    const abs = path.resolve(root, dir);
    if (!abs.startsWith(root + path.sep)) return { uploads: [], issues: [`${at}: allowed: a folder inside the project`] };
    if (!fs.existsSync(abs)) return { uploads: [], issues: [] };
    if (!fs.statSync(abs).isDirectory()) return { uploads: [], issues: [`${at}: is a file; allowed: a folder`] };
    const uploads: JobUpload[] = [];
    const issues: string[] = [];
    for (const e of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (KEPT_BACK(e.name)) continue;
        if (e.isDirectory()) issues.push(`${at}: ${e.name}/ is a folder; allowed: files directly in the folder`);
        else if (!JOB_FILE.test(e.name)) issues.push(`${at}: ${e.name}; allowed: .py jobs and the .zip/.jar files they use`);
        else if (!/^[\w.-]+$/.test(e.name)) issues.push(`${at}: ${e.name}; allowed: letters, digits, '.', '_' and '-' (an S3 key and a resource name)`);
        else {
            const file = path.join(abs, e.name);
            uploads.push({
                file: path.relative(root, file).split(path.sep).join("/"),
                key: `${USER_JOBS_PREFIX}/${e.name}`,
                // Relative to the project root, Pulumi's working directory (as jobUpload does).
                source: path.relative(root, file).split(path.sep).join("/"),
                sourceHash: sha256(fs.readFileSync(file)),
                contentType: e.name.endsWith(".py") ? "text/x-python" : "application/octet-stream",
            });
        }
    }
    return issues.length ? { uploads: [], issues } : { uploads, issues };
}
