// Reads one file out of a .tgz (ustar), enough for a chart's Chart.yaml.
import * as zlib from "zlib";

/** Every regular file of a .tgz, by path. */
export function tarEntries(tgz: Buffer): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    walkTar(zlib.gunzipSync(tgz), (name, data) => {
        out.set(name, data);
        return false;
    });
    return out;
}

export function gunzipTarEntry(tgz: Buffer, entryName: string): Buffer {
    let found: Buffer | undefined;
    walkTar(zlib.gunzipSync(tgz), (name, data) => {
        if (name !== entryName) return false;
        found = data;
        return true;
    });
    if (!found) throw new Error(`${entryName} is not in the archive`);
    return found;
}

function walkTar(tar: Buffer, visit: (name: string, data: Buffer) => boolean): void {
    for (let p = 0; p + 512 <= tar.length;) {
        const header = tar.subarray(p, p + 512);
        if (header.every((b) => b === 0)) break;
        const field = (start: number, len: number) => header.toString("utf8", start, start + len).replace(/\0.*$/s, "");
        const prefix = field(345, 155);
        const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
        const size = parseInt(field(124, 12).trim() || "0", 8);
        const type = String.fromCharCode(header[156] || 48);
        if ((type === "0" || type === "\0") && visit(name, Buffer.from(tar.subarray(p + 512, p + 512 + size)))) return;
        p += 512 + Math.ceil(size / 512) * 512;
    }
}
