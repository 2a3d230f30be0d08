// The CRD manifests the program deploys, checked against the checksum pinned beside each URL in
// versions.ts: the program obtains the bytes itself (a cache, else one download), verifies them and
// hands the verified text to the provider, which never fetches a URL of its own.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { crdChecksums } from "../versions";
import { sha256 } from "./hash";

/** Throws a readable error unless `body` is the pinned content of `url`. */
export function verifyManifest(url: string, body: string | Buffer, pins: Readonly<Record<string, string>> = crdChecksums): void {
    const want = pins[url];
    if (!want) throw new Error(`${url}: no sha256 pinned for this manifest in versions.ts; refusing to use unpinned content`);
    const got = sha256(body);
    if (got !== want) throw new Error(`${url}: sha256 ${got} does not match the pinned ${want} (versions.ts); the upstream file changed or the pin is wrong`);
}

/** Where verified manifests are kept, one file per pin (`<sha256>.yaml`): this variable, else ~/.cache/bdok/manifests. */
export const MANIFEST_CACHE_ENV = "BDOK_MANIFEST_CACHE";

export function manifestCacheDir(env: NodeJS.ProcessEnv = process.env): string {
    return env[MANIFEST_CACHE_ENV] || path.join(os.homedir(), ".cache", "bdok", "manifests");
}

async function download(url: string): Promise<Buffer> {
    let r: Response;
    try {
        // Bounded: behind a firewall that drops packets, `pulumi up` would otherwise wait forever.
        r = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    } catch (e) {
        throw new Error(`${url}: download failed (${(e as Error).message}); offline, put the file in ${MANIFEST_CACHE_ENV} as <its pinned sha256>.yaml`);
    }
    if (!r.ok) throw new Error(`${url}: download failed (HTTP ${r.status})`);
    return Buffer.from(await r.arrayBuffer());
}

/**
 * The text of `url`, verified against its pin: from the cache when there, else downloaded once,
 * verified, and cached. A mismatch is one error naming the URL, the pinned and the actual sha256.
 */
export async function verifiedManifest(
    url: string,
    o: { pins?: Readonly<Record<string, string>>; dir?: string; fetch?: (url: string) => Promise<Buffer> } = {},
): Promise<string> {
    const pins = o.pins ?? crdChecksums;
    const want = pins[url];
    if (!want) throw new Error(`${url}: no sha256 pinned for this manifest in versions.ts; refusing to use unpinned content`);
    const dir = o.dir ?? manifestCacheDir();
    const file = path.join(dir, `${want}.yaml`);
    if (fs.existsSync(file)) {
        const body = fs.readFileSync(file);
        try {
            verifyManifest(url, body, pins);
        } catch (e) {
            throw new Error(`${(e as Error).message} (cached copy ${file}: delete it to download again)`);
        }
        return body.toString("utf8");
    }
    const body = await (o.fetch ?? download)(url);
    verifyManifest(url, body, pins);
    fs.mkdirSync(dir, { recursive: true });
    const part = `${file}.${process.pid}.part`;
    fs.writeFileSync(part, body);
    fs.renameSync(part, file);
    return body.toString("utf8");
}
