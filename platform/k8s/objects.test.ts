// Where a pinned chart comes from: one decision (chartSource) behind the Releases and the tools.
import { strict as assert } from "assert";
import { ChartName, charts } from "../../versions";
import { chartSource, pinnedChart } from "./objects";

describe("chart source: one place decides where a chart is pulled from", () => {
    const pins = {
        classic: { chart: "trino", version: "1.0.0", repo: "https://trinodb.github.io/charts" },
        oci: { chart: "karpenter", version: "1.0.0", registry: "oci://public.ecr.aws/karpenter" },
        none: { chart: "x", version: "1.0.0" },
    };
    for (const [name, source, release] of [
        [
            "classic",
            "https://trinodb.github.io/charts",
            { chart: "trino", version: "1.0.0", repositoryOpts: { repo: "https://trinodb.github.io/charts" }, createNamespace: false },
        ],
        ["oci", "oci://public.ecr.aws/karpenter", { chart: "oci://public.ecr.aws/karpenter/karpenter", version: "1.0.0", createNamespace: false }],
    ] as const) {
        it(`${name}: pulled from ${source}; the Release ${"repositoryOpts" in release ? "names the repository" : "names the full oci:// reference, no repositoryOpts"}`, () => {
            assert.equal(chartSource(name as ChartName, pins), source);
            assert.deepEqual(pinnedChart(name as ChartName, pins), release);
        });
    }

    it("a pin with neither repo nor registry is refused with one line naming it", () => {
        assert.throws(() => chartSource("none" as ChartName, pins), /^Error: versions\.ts: chart none has neither repo nor registry$/);
        assert.throws(() => pinnedChart("none" as ChartName, pins), /chart none has neither repo nor registry/);
    });

    it("every chart of versions.ts: the Release installs from where the tools pull it", () => {
        for (const name of Object.keys(charts) as ChartName[]) {
            const p = pinnedChart(name);
            const source = chartSource(name);
            if (p.repositoryOpts) assert.equal(p.repositoryOpts.repo, source, name);
            else assert.equal(p.chart, `${source}/${charts[name].chart}`, name);
        }
    });
});
