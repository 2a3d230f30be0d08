// Kubernetes quantities and JVM memory sizes as plain numbers, for counting what pods request.

const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity ("500m", "1.5", "512Mi", "1G", 2) as a plain number (cores, bytes). */
export function parseQuantity(q: unknown): number {
    if (typeof q === "number") return q;
    if (typeof q !== "string") throw new Error(`not a Kubernetes quantity: ${JSON.stringify(q)}`);
    const m = /^\s*([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|K|M|G|T|P|E)?\s*$/.exec(q);
    if (!m) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(q)}`);
    const unit = m[2] ?? "";
    return Number(m[1]) * (binary[unit] ?? decimal[unit]);
}

export const cpuMillis = (q: unknown) => Math.round(parseQuantity(q) * 1000);
export const memoryMiB = (q: unknown) => parseQuantity(q) / 2 ** 20;
export const storageGiB = (q: unknown) => parseQuantity(q) / 2 ** 30;

/** A JVM/Spark memory size ("512m", "2g", "1024" = MiB) in MiB. */
export function jvmMemoryMiB(v: unknown): number {
    if (typeof v === "number") return v;
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtKMGT])?[bB]?\s*$/.exec(String(v));
    if (!m) throw new Error(`not a JVM memory size: ${JSON.stringify(v)}`);
    const f: Record<string, number> = { k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024 };
    return Number(m[1]) * f[(m[2] ?? "m").toLowerCase()];
}

/** Rounds to `digits` decimals: the estimates report money and sizes at a fixed precision. */
export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
