// The offline toolchain itself: the real helm from the pinned npm package, and the pinned charts.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { chartTarball, helmBinary, helmTemplate, helmVersion, helmVersionProblem, parseManifest, RenderError, storeRender, ToolchainError } from "./helm";
import { gunzipTarEntry } from "./tar";
import { ChartName, charts, helmVersion as pinnedHelmVersion } from "../versions";

describe("offline toolchain: helm and the pinned charts", () => {
    it("unpacks a real helm from the pinned layer package, of the version versions.ts names", () => {
        assert.equal(helmVersion().replace(/\+.*$/, ""), `v${pinnedHelmVersion}`);
    });

    for (const name of Object.keys(charts) as ChartName[]) {
        it(`${name}: the tarball's Chart.yaml is the version versions.ts pins`, () => {
            const c = charts[name];
            const meta = YAML.parse(gunzipTarEntry(fs.readFileSync(chartTarball(name)), `${c.chart}/Chart.yaml`).toString("utf8"));
            assert.equal(String(meta.version), c.version);
            assert.equal(meta.name, c.chart);
        });
    }

    it("refuses a tarball whose SHA-256 is not the one in SHA256SUMS", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-charts-"));
        const saved = process.env.BDOK_CHARTS_DIR;
        try {
            const file = `${charts.trino.chart}-${charts.trino.version}.tgz`;
            fs.writeFileSync(path.join(dir, file), "not the chart");
            fs.writeFileSync(path.join(dir, "SHA256SUMS"), `${"0".repeat(64)}  ${file}\n`);
            process.env.BDOK_CHARTS_DIR = dir;
            // chartTarball caches verified files by name, so use a fresh module instance.
            delete require.cache[require.resolve("../tools/helm")];
            const fresh = require("./helm") as typeof import("./helm");
            assert.throws(
                () => fresh.chartTarball("trino"),
                (e: Error) => e instanceof fresh.ToolchainError && /does not match SHA256SUMS/.test(e.message),
            );
        } finally {
            if (saved === undefined) delete process.env.BDOK_CHARTS_DIR;
            else process.env.BDOK_CHARTS_DIR = saved;
            delete require.cache[require.resolve("../tools/helm")];
            fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.ok(ToolchainError);
    });

    it("a chart that refuses its values fails with the chart's own message", () => {
        assert.throws(
            () => helmTemplate("awsLoadBalancerController", { releaseName: "x", namespace: "kube-system", values: {}, kubeVersion: "1.35" }),
            (e: Error) => e instanceof RenderError && /without a valid clusterName/.test(e.message),
        );
    });

    it("splits the manifest into objects that keep their template path", () => {
        const objs = parseManifest(helmTemplate("trino", { releaseName: "t", namespace: "trino", values: {}, kubeVersion: "1.35" }));
        const coordinator = objs.find((o) => o.kind === "Deployment" && /coordinator/.test(o.metadata.name));
        assert.ok(coordinator, objs.map((o) => `${o.kind}/${o.metadata.name}`).join(", "));
        assert.equal(coordinator.source, "trino/templates/deployment-coordinator.yaml");
        assert.equal(coordinator.metadata.namespace, "trino");
    });
});

describe("offline toolchain: which helm renders", () => {
    // Each case on a fresh module (helmBinary remembers its choice), with the pinned helm made
    // unrunnable as on a Mac (an unrunnable file where the cache keeps it) and a PATH of our own.
    let realHelm: string;
    before(() => {
        realHelm = helmBinary();
    });

    function withHost(pathEntries: Record<string, string | { script: string }>, pinnedRuns: boolean, body: (h: typeof import("./helm")) => void): void {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-helm-path-"));
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-helm-cache-"));
        const saved = { PATH: process.env.PATH, BDOK_CACHE_DIR: process.env.BDOK_CACHE_DIR };
        try {
            for (const [name, target] of Object.entries(pathEntries)) {
                if (typeof target === "string") fs.symlinkSync(target, path.join(dir, name));
                else fs.writeFileSync(path.join(dir, name), target.script, { mode: 0o755 });
            }
            const layerVersion = path.basename(path.dirname(realHelm)); // helm-<package version>
            fs.mkdirSync(path.join(cache, layerVersion));
            if (pinnedRuns) fs.symlinkSync(realHelm, path.join(cache, layerVersion, "helm"));
            // Not a program this host runs (as the Linux x86-64 binary on macOS or arm64).
            else fs.writeFileSync(path.join(cache, layerVersion, "helm"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]), { mode: 0o755 });
            process.env.PATH = dir;
            process.env.BDOK_CACHE_DIR = cache;
            delete require.cache[require.resolve("./helm")];
            body(require("./helm") as typeof import("./helm"));
        } finally {
            process.env.PATH = saved.PATH;
            if (saved.BDOK_CACHE_DIR === undefined) delete process.env.BDOK_CACHE_DIR;
            else process.env.BDOK_CACHE_DIR = saved.BDOK_CACHE_DIR;
            delete require.cache[require.resolve("./helm")];
            fs.rmSync(dir, { recursive: true, force: true });
            fs.rmSync(cache, { recursive: true, force: true });
        }
    }
    const sh = fs.realpathSync("/bin/sh");

    it("the pinned helm where it runs, even with another helm on the PATH", () => {
        withHost({ sh, helm: { script: "#!/bin/sh\necho v4.9.9\n" } }, true, (h) => {
            assert.equal(fs.realpathSync(h.helmBinary()), fs.realpathSync(realHelm));
        });
    });

    it("else a helm on the PATH of the pinned major, and it renders", () => {
        withHost({ sh, helm: realHelm }, false, (h) => {
            assert.equal(h.helmBinary(), path.join(process.env.PATH!, "helm"));
            assert.match(h.helmVersion(), /^v4\./);
            const objs = h.parseManifest(h.helmTemplate("trino", { releaseName: "t", namespace: "trino", values: {}, kubeVersion: "1.35" }));
            assert.ok(objs.some((o) => o.kind === "Deployment"));
        });
    });

    const refusals: { title: string; entries: Record<string, string | { script: string }>; want: RegExp }[] = [
        { title: "no helm on the PATH", entries: { sh }, want: /does not run on \S+ and there is no helm on the PATH; install helm 4\.1\.4 or a newer 4\.x/ },
        {
            title: "a Helm 3 on the PATH",
            entries: { sh, helm: { script: "#!/bin/sh\necho v3.19.0+g3d8990f\n" } },
            want: /\(it is v3\.19\.0\); install helm 4\.1\.4/,
        },
        { title: "an older Helm 4 on the PATH", entries: { sh, helm: { script: "#!/bin/sh\necho v4.0.2\n" } }, want: /\(it is v4\.0\.2\)/ },
        { title: "a helm on the PATH that fails", entries: { sh, helm: { script: "#!/bin/sh\nexit 1\n" } }, want: /\(it does not run\)/ },
    ];
    for (const r of refusals) {
        it(`else one line naming what to install: ${r.title}`, () => {
            withHost(r.entries, false, (h) => {
                assert.throws(
                    () => h.helmBinary(),
                    (e: Error) => e instanceof h.ToolchainError && r.want.test(e.message) && !e.message.includes("\n"),
                );
            });
        });
    }

    const versions: [string, boolean][] = [
        ["v4.1.4+g05fa379", true],
        ["v4.1.5", true],
        ["v4.2.0", true],
        ["v4.1.3", false],
        ["v4.0.9", false],
        ["v3.19.0", false],
        ["v5.0.0", false],
        ["Client: &version.Version{}", false],
    ];
    for (const [v, ok] of versions) {
        it(`helm ${v} on the PATH ${ok ? "may" : "may not"} replace the pinned 4.1.4`, () => {
            assert.equal(helmVersionProblem(v, "4.1.4") === undefined, ok);
        });
    }
});

describe("offline toolchain: the render cache", () => {
    // The load balancer controller's chart makes its webhook certificate with genCA: two renders of the
    // same values differ. Two workers rendering the same key at once must end up with one render, or a
    // test comparing two plans sees a certificate change that no input made.
    it("keeps the first render stored under a key, and hands it to a later writer of the same key", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-render-cache-"));
        const saved = process.env.BDOK_CACHE_DIR;
        process.env.BDOK_CACHE_DIR = dir;
        try {
            assert.equal(storeRender("k", "first"), "first");
            assert.equal(storeRender("k", "second"), "first");
            assert.equal(fs.readFileSync(path.join(dir, "render", "k.yaml"), "utf8"), "first");
            assert.deepEqual(fs.readdirSync(path.join(dir, "render")), ["k.yaml"], "no temporary file is left");
        } finally {
            if (saved === undefined) delete process.env.BDOK_CACHE_DIR;
            else process.env.BDOK_CACHE_DIR = saved;
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
