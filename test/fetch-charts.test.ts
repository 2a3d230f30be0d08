// A bare clone: no ../shared, no BDOK_CHARTS_DIR. `npm run plan` fetches the pinned charts into the
// project cache and keeps only what charts.lock.json pins. The repository is a real Helm chart
// repository served here over HTTP (index.yaml written by the real `helm repo index`), so the
// real `helm pull` runs, offline.
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { ChartName, charts } from "../versions";
import { chartFile, LOCK_FILE, readLock, readSums } from "../tools/charts-lock";
import { chartSource } from "../platform/k8s/objects";
import { chartTarball, helmBinary, sharedChartsDir } from "../tools/helm";
import { runInProcess } from "./in-process";
import { ProcessResult, inBackground, runTool } from "./support";

const sha = (b: Buffer) => crypto.createHash("sha256").update(b).digest("hex");
const pinned = Object.keys(charts) as ChartName[];

/**
 * A Helm repository of `files` (name -> bytes) at http://127.0.0.1:<port>/, served by Python's
 * http.server in a child process: the tools' helm pull is synchronous (spawnSync), so a server in
 * this process could not answer the in-process runs.
 */
async function chartRepo(root: string, files: Record<string, Buffer>): Promise<{ url: string; close: () => Promise<void> }> {
    fs.mkdirSync(root, { recursive: true });
    for (const [f, b] of Object.entries(files)) fs.writeFileSync(path.join(root, f), b);
    const server = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", root], { stdio: ["ignore", "pipe", "pipe"] });
    const port = await new Promise<string>((resolve, reject) => {
        let out = "";
        server.stdout.on("data", (d) => {
            out += d;
            const m = / port (\d+)/.exec(out);
            if (m) resolve(m[1]);
        });
        server.on("exit", (code) => reject(new Error(`http.server exited (${code}) before it listened: ${out}`)));
    });
    server.stdout.resume();
    server.stderr.resume();
    const url = `http://127.0.0.1:${port}/`;
    const idx = spawnSync(helmBinary(), ["repo", "index", root, "--url", url], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: root } });
    assert.equal(idx.status, 0, idx.stderr);
    const closed = new Promise<void>((r) => server.once("exit", () => r()));
    return {
        url,
        close: () => {
            server.kill();
            return closed;
        },
    };
}

/** A bare clone's environment: no shared folder, no charts folder, this cache and repository. */
function bareClone(tmp: string, cache: string, repo: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, BDOK_SHARED_DIR: path.join(tmp, "no-shared"), BDOK_CHARTS_CACHE: cache, BDOK_CHART_REPO: repo };
    delete env.BDOK_CHARTS_DIR;
    return env;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-fetch-charts-"));
const lockBefore = sha(fs.readFileSync(LOCK_FILE));
const trino = chartFile("trino");
// Started with the run, when the machine is busiest: each child gets the suite's own time limit.
const SLOW = 280_000;

// Started with the run, so these child processes (fetch:charts's and charts:lock's real runs) use
// the other core while the in-process suites run; the other runs are in-process, in the suite's hook.
const bareCloneRuns = inBackground(
    async () => {
        const real = Object.fromEntries(pinned.map((n) => [chartFile(n), fs.readFileSync(chartTarball(n))]));
        const good = await chartRepo(path.join(tmp, "repo"), real);
        // The same chart, recompressed: a valid tarball of the right version with other bytes.
        const other = zlib.gzipSync(zlib.gunzipSync(real[trino]), { level: 1 });
        assert.notEqual(sha(other), sha(real[trino]));
        const tampered = await chartRepo(path.join(tmp, "tampered"), { ...real, [trino]: other });
        const close = () => Promise.all([good.close(), tampered.close()]);
        try {
            const fetched = await runTool("fetch-charts", [path.join(tmp, "cache-good"), "--sums"], {
                env: bareClone(tmp, path.join(tmp, "unused"), good.url),
                timeoutMs: SLOW,
            });
            const indexLock = await runTool("charts-lock", ["--from-index", "--repo", good.url, "--out", path.join(tmp, "lock-index.json")], {
                timeoutMs: SLOW,
            });
            return { good, tampered, close, children: { fetched, indexLock } };
        } catch (e) {
            await close();
            throw e;
        }
    },
    () => fs.rmSync(tmp, { recursive: true, force: true }),
);

/** The runs that need no process boundary: the tools' mains in-process, one at a time. */
async function inProcessRuns(): Promise<Record<string, ProcessResult>> {
    const { good, tampered, close, children } = await bareCloneRuns();
    try {
        const refused = await runInProcess("fetch-charts", [path.join(tmp, "cache-tampered")], {
            env: bareClone(tmp, path.join(tmp, "unused"), tampered.url),
        });
        const tamperedIndexLock = await runInProcess("charts-lock", ["--from-index", "--repo", tampered.url, "--out", path.join(tmp, "lock-tampered.json")]);
        const offline = await runInProcess("plan", ["--stack", "dev", "--out", path.join(tmp, "plan-offline"), "--quiet"], {
            env: bareClone(tmp, path.join(tmp, "cache-offline"), "http://127.0.0.1:9/"),
        });
        const plan = await runInProcess("plan", ["--stack", "dev", "--out", path.join(tmp, "plan"), "--quiet"], {
            env: bareClone(tmp, path.join(tmp, "cache-plan"), good.url),
        });
        return { ...children, refused, tamperedIndexLock, offline, plan };
    } finally {
        await close();
    }
}

describe("charts on a bare clone: fetched once, verified against charts.lock.json", function () {
    this.timeout(300000);
    const results: Record<string, ProcessResult> = {};

    before(async () => {
        Object.assign(results, await inProcessRuns());
    });

    it("fetches every pinned chart through helm pull, each with the locked sha256; --sums copies the lock's sums for BDOK_CHARTS_DIR", () => {
        const r = results.fetched;
        assert.equal(r.status, 0, r.stderr);
        const lock = readLock();
        for (const n of pinned) {
            const f = path.join(tmp, "cache-good", chartFile(n));
            assert.ok(fs.existsSync(f), chartFile(n));
            assert.equal(sha(fs.readFileSync(f)), lock.charts[chartFile(n)].sha256);
        }
        assert.deepEqual(
            fs.readdirSync(path.join(tmp, "cache-good")).filter((f) => !f.endsWith(".tgz")),
            ["SHA256SUMS"],
        );
        assert.deepEqual(readSums(path.join(tmp, "cache-good", "SHA256SUMS")), new Map(pinned.map((n) => [chartFile(n), lock.charts[chartFile(n)].sha256])));
    });

    it("refuses a chart whose bytes differ from the lock, keeping it out of the cache, and says which", () => {
        const r = results.refused;
        assert.equal(r.status, 2, r.stdout + r.stderr);
        assert.match(
            r.stderr,
            new RegExp(`${trino.replace(/\./g, "\\.")} from http://127\\.0\\.0\\.1:\\d+/ has sha256 [0-9a-f]{64}, charts\\.lock\\.json pins`),
        );
        assert.ok(!fs.existsSync(path.join(tmp, "cache-tampered", trino)), "the refused tarball is not cached");
        assert.ok(fs.existsSync(path.join(tmp, "cache-tampered", chartFile("airflow"))), "the others are");
    });

    it("npm run plan on a bare clone fetches the charts into the project cache and plans", () => {
        const r = results.plan;
        assert.equal(r.status, 0, r.stderr.slice(-3000));
        assert.match(r.stderr, new RegExp(`fetching ${pinned.length} pinned chart\\(s\\) into .*cache-plan, checked against charts\\.lock\\.json`));
        assert.ok(fs.existsSync(path.join(tmp, "plan", "plan.json")));
        for (const n of pinned) assert.ok(fs.existsSync(path.join(tmp, "cache-plan", chartFile(n))), chartFile(n));
    });

    it("without a reachable repository, the plan stops with one line saying what to set", () => {
        const r = results.offline;
        assert.equal(r.status, 2, r.stdout + r.stderr);
        const lines = r.stderr.trim().split("\n");
        assert.match(lines[lines.length - 1], /^charts: .*helm pull from http:\/\/127\.0\.0\.1:9\/ failed.*; set BDOK_CHARTS_DIR .* or BDOK_CHART_REPO/);
        assert.ok(!fs.existsSync(path.join(tmp, "plan-offline", "plan.json")));
    });

    it("charts:lock --from-index takes each repository's published digest (Helm index.yaml), not a download", () => {
        assert.equal(results.indexLock.status, 0, results.indexLock.stderr);
        assert.deepEqual(readLock(path.join(tmp, "lock-index.json")).charts, readLock().charts, "the reference tarballs' index gives the committed lock");
        assert.equal(results.tamperedIndexLock.status, 0, results.tamperedIndexLock.stderr);
        const other = readLock(path.join(tmp, "lock-tampered.json")).charts;
        assert.notEqual(other[trino].sha256, readLock().charts[trino].sha256, "another repository's index, another digest");
        assert.equal(other[chartFile("airflow")].sha256, readLock().charts[chartFile("airflow")].sha256);
    });

    it("no fetch wrote charts.lock.json", () => {
        assert.equal(sha(fs.readFileSync(LOCK_FILE)), lockBefore);
    });
});

describe("charts.lock.json", () => {
    it("pins exactly the charts versions.ts pins, with their repositories (else: npm run charts:lock)", () => {
        const lock = readLock();
        assert.deepEqual(
            Object.keys(lock.charts).sort(),
            pinned.map(chartFile).sort(),
            "charts.lock.json is out of date with versions.ts: npm run charts:lock",
        );
        for (const n of pinned) {
            const e = lock.charts[chartFile(n)];
            assert.deepEqual([e.chart, e.version, e.repo], [charts[n].chart, charts[n].version, chartSource(n)], n);
            assert.match(e.sha256, /^[0-9a-f]{64}$/);
        }
    });

    it("equals the reference tarballs' SHA256SUMS (../shared/charts, SOURCES.md there says where each comes from)", function () {
        const ref = path.join(sharedChartsDir(), "SHA256SUMS");
        if (!fs.existsSync(ref)) this.skip();
        const sums = readSums(ref);
        for (const n of pinned) assert.equal(readLock().charts[chartFile(n)].sha256, sums.get(chartFile(n)), chartFile(n));
    });
});
