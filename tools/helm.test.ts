// The offline toolchain itself: the real helm from the pinned npm package, and the pinned charts.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { chartTarball, helmTemplate, helmVersion, parseManifest, RenderError, ToolchainError } from "./helm";
import { gunzipTarEntry } from "./tar";
import { ChartName, charts } from "../versions";

describe("offline toolchain: helm and the pinned charts", () => {
    it("unpacks a real helm v4 from the pinned layer package", () => {
        assert.match(helmVersion(), /^v4\.\d+\.\d+/);
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
