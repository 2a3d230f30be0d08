// For users without ../shared/charts: `helm pull`s every chart pinned in versions.ts from its
// official repository into a cache folder (default .charts), checks that each Chart.yaml
// version matches the pin, and writes the folder's SHA256SUMS. Usage: npm run fetch:charts [-- dir]
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { charts } from "../versions";
import { helmBinary } from "./helm";
import { gunzipTarEntry } from "./tar";

const dest = path.resolve(process.argv[2] ?? path.join(__dirname, "..", ".charts"));
fs.mkdirSync(dest, { recursive: true });
const home = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-helm-"));
const env = { PATH: process.env.PATH, HOME: home, HELM_CACHE_HOME: `${home}/c`, HELM_CONFIG_HOME: `${home}/f`, HELM_DATA_HOME: `${home}/d` };
const sums: string[] = [];
let failed = 0;
for (const c of Object.values(charts) as { chart: string; version: string; repo?: string; registry?: string }[]) {
    const file = `${c.chart}-${c.version}.tgz`;
    const args = c.registry
        ? ["pull", `${c.registry}/${c.chart}`, "--version", c.version, "-d", dest]
        : ["pull", c.chart, "--repo", String(c.repo), "--version", c.version, "-d", dest];
    const r = spawnSync(helmBinary(), args, { encoding: "utf8", env });
    if (r.status !== 0) {
        console.error(`${file}: helm pull failed: ${(r.stderr || String(r.error)).trim()}`);
        failed++;
        continue;
    }
    const tgz = fs.readFileSync(path.join(dest, file));
    const chartYaml = YAML.parse(gunzipTarEntry(tgz, `${c.chart}/Chart.yaml`).toString("utf8"));
    if (String(chartYaml.version) !== c.version) {
        console.error(`${file}: Chart.yaml says version ${chartYaml.version}, versions.ts pins ${c.version}`);
        failed++;
        continue;
    }
    sums.push(`${crypto.createHash("sha256").update(tgz).digest("hex")}  ${file}`);
    console.log(`  ${file}`);
}
fs.writeFileSync(path.join(dest, "SHA256SUMS"), sums.join("\n") + "\n");
fs.rmSync(home, { recursive: true, force: true });
if (failed) {
    console.error(`${failed} chart(s) could not be fetched into ${dest}`);
    process.exit(2);
}
console.log(`charts in ${dest}${dest.endsWith(".charts") ? "" : `; export BDOK_CHARTS_DIR=${dest}`}`);
