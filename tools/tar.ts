// Reads one file out of a .tgz (ustar), enough for a chart's Chart.yaml.
import * as zlib from "zlib";

export function gunzipTarEntry(tgz: Buffer, entryName: string): Buffer {
    const tar = zlib.gunzipSync(tgz);
    for (let p = 0; p + 512 <= tar.length;) {
        const header = tar.subarray(p, p + 512);
        if (header.every((b) => b === 0)) break;
        const field = (start: number, len: number) => header.toString("utf8", start, start + len).replace(/\0.*$/s, "");
        const prefix = field(345, 155);
        const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
        const size = parseInt(field(124, 12).trim() || "0", 8);
        if (name === entryName) return Buffer.from(tar.subarray(p + 512, p + 512 + size));
        p += 512 + Math.ceil(size / 512) * 512;
    }
    throw new Error(`${entryName} is not in the archive`);
}
