// The pipelines' files in this repository (pipelines/**) as the program delivers them: read at
// plan time, hashed so that a content change re-uploads, re-runs or rolls what uses them.
import * as fs from "fs";
import * as path from "path";
import { sha256 } from "../lib/hash";

/** pipelines/ at the repository root (this file's folder). */
export const PIPELINES_ROOT = path.resolve(__dirname);

/** Absolute path of a file under pipelines/ ("batch/jobs/imdb_bronze.py"). */
export function pipelinePath(relative: string): string {
    const abs = path.resolve(PIPELINES_ROOT, relative);
    if (!abs.startsWith(PIPELINES_ROOT + path.sep)) throw new Error(`pipelines file ${JSON.stringify(relative)}: outside pipelines/`);
    return abs;
}

export function readPipelineFile(relative: string): string {
    return fs.readFileSync(pipelinePath(relative), "utf8");
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
