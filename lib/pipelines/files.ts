// The pipelines' files in this repository (pipelines/**) as the program delivers them: read at
// plan time, hashed so that a content change re-uploads, re-runs or rolls what uses them.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/** pipelines/ at the repository root (this file is lib/pipelines/files.ts). */
export const PIPELINES_ROOT = path.resolve(__dirname, "..", "..", "pipelines");

/** Absolute path of a file under pipelines/ ("batch/jobs/imdb_bronze.py"). */
export function pipelinePath(relative: string): string {
    const abs = path.resolve(PIPELINES_ROOT, relative);
    if (!abs.startsWith(PIPELINES_ROOT + path.sep)) throw new Error(`pipelines file ${JSON.stringify(relative)}: outside pipelines/`);
    return abs;
}

export function readPipelineFile(relative: string): string {
    return fs.readFileSync(pipelinePath(relative), "utf8");
}

export function sha256(content: string | Buffer): string {
    return crypto.createHash("sha256").update(content).digest("hex");
}

/** JSON with object keys sorted (undefined members dropped), so a hash ignores key order. */
export function canonicalJson(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
    }
    return JSON.stringify(v);
}

/**
 * A Kubernetes name that changes with `content` (any JSON value): `<base>-<10 hex digits>`.
 * Jobs are immutable; naming them after their spec makes a changed spec a new Job that runs,
 * and an unchanged program leave the finished Job alone.
 */
export function contentName(base: string, content: unknown): string {
    const name = `${base}-${sha256(canonicalJson(content)).slice(0, 10)}`;
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) throw new Error(`name ${name}: not a DNS-1123 label of at most 63 characters`);
    return name;
}

export interface JobUpload {
    /** Path under pipelines/ */
    file: string;
    /** Object key in the lake bucket. */
    key: string;
    /**
     * The FileAsset path, relative to the project root (Pulumi's working directory), so the state
     * does not depend on where the repository is checked out.
     */
    source: string;
    /** sha256 of the content: BucketObjectv2.sourceHash, so a content change re-uploads. */
    sourceHash: string;
    contentType: string;
}

/**
 * What to upload for one job file: `<prefix>/<basename>` in the lake, hashed from its content.
 * `read` is injectable so the tests can show that another content gives another hash.
 */
export function jobUpload(file: string, keyPrefix: string, read: (relative: string) => string | Buffer = readPipelineFile): JobUpload {
    const prefix = keyPrefix.replace(/\/+$/, "");
    return {
        file,
        key: `${prefix}/${path.posix.basename(file)}`,
        source: path.relative(path.dirname(PIPELINES_ROOT), pipelinePath(file)).split(path.sep).join("/"),
        sourceHash: sha256(read(file)),
        contentType: file.endsWith(".py") ? "text/x-python" : "application/octet-stream",
    };
}

/** s3a:// URI of an object of the lake (what Spark's hadoop-aws reads). */
export function s3a(bucket: string, key: string): string {
    return `s3a://${bucket}/${key.replace(/^\/+/, "")}`;
}
