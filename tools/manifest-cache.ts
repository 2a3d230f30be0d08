// The offline plan's CRD manifests: every pinned URL's bytes taken from the pinned chart tarballs
// (read in place; each chart ships the same crds/ files as its git tag), verified against
// versions.ts, into a temporary folder the program reads as its manifest cache (lib/manifests.ts).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { verifyManifest } from "../lib/manifests";
import { sha256 } from "../lib/hash";
import { ChartName, crdManifests } from "../versions";
import { chartTarball } from "./helm";
import { tarEntries } from "./tar";

/** The tarball entry of `url`: the same folder and file name (crds/x.yaml) inside the chart. */
export function manifestFromChart(chart: ChartName, url: string): Buffer {
    const tail = "/" + url.split("/").slice(-2).join("/");
    const entries = tarEntries(fs.readFileSync(chartTarball(chart)));
    const hits = [...entries.keys()].filter((n) => n.endsWith(tail));
    if (hits.length !== 1) throw new Error(`${url}: ${hits.length} entries ending in ${tail} in ${chart}'s tarball`);
    return entries.get(hits[0])!;
}

let filled: string | undefined;

/** A folder holding every pinned manifest as <sha256>.yaml (filled once per process). */
export function offlineManifestCache(): string {
    if (filled) return filled;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-manifests-"));
    for (const chart of Object.keys(crdManifests) as (keyof typeof crdManifests)[]) {
        for (const url of crdManifests[chart]) {
            const body = manifestFromChart(chart, url);
            verifyManifest(url, body);
            fs.writeFileSync(path.join(dir, `${sha256(body)}.yaml`), body);
        }
    }
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    filled = dir;
    return dir;
}
