// Content hashes for names and annotations that must change exactly when their content does.
import * as crypto from "crypto";

export function sha256(content: string | Buffer): string {
    return crypto.createHash("sha256").update(content).digest("hex");
}

/** JSON with object keys sorted (undefined members dropped), so a hash ignores key order. */
export function canonicalJson(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        return `{${Object.keys(o)
            .filter((k) => o[k] !== undefined)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(v);
}

/**
 * A Kubernetes name that changes with `content` (any JSON value): `<base>-<10 hex digits>`.
 * Jobs are immutable; naming them after their spec makes a changed spec a new Job that runs,
 * and an unchanged program leaves the finished Job alone.
 */
export function contentName(base: string, content: unknown): string {
    const name = `${base}-${sha256(canonicalJson(content)).slice(0, 10)}`;
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) throw new Error(`name ${name}: not a DNS-1123 label of at most 63 characters`);
    return name;
}
