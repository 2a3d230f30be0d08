// Checks a downloaded manifest against the checksum pinned beside its URL in versions.ts.
import { crdChecksums } from "../versions";
import { sha256 } from "./hash";

/** Throws a readable error unless `body` is the pinned content of `url`. */
export function verifyManifest(url: string, body: string | Buffer, pins: Readonly<Record<string, string>> = crdChecksums): void {
    const want = pins[url];
    if (!want) throw new Error(`${url}: no sha256 pinned for this manifest in versions.ts; refusing to use unpinned content`);
    const got = sha256(body);
    if (got !== want) throw new Error(`${url}: sha256 ${got} does not match the pinned ${want} (versions.ts); the upstream file changed or the pin is wrong`);
}
