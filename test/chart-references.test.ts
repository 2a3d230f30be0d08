// Every Release's chart reference, resolved by the real pinned helm exactly as the Kubernetes
// provider would resolve it (tools/chart-resolve.ts cites the provider's code), with the network
// refused: it must ask the right registry or repository for the pinned chart. The offline render
// uses local tarballs, so only this check sees what `up` will download.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as YAML from "yaml";
import { chartKeyOfRelease } from "../platform/k8s/objects";
import { chartTarball } from "../tools/helm";
import { resolveReleaseChart, ReleaseChartInputs } from "../tools/chart-resolve";
import { gunzipTarEntry } from "../tools/tar";
import { charts } from "../versions";
import { describeEachStack, inputsOf, ofType } from "./support";

const RELEASE = "kubernetes:helm.sh/v3:Release";

/** The name in a pinned tarball's Chart.yaml: what `helm push` names the chart in a registry. */
function chartYamlName(key: keyof typeof charts): string {
    const c = charts[key];
    return String(YAML.parse(gunzipTarEntry(fs.readFileSync(chartTarball(key)), `${c.chart}/Chart.yaml`).toString("utf8")).name);
}

/**
 * The URL a well-formed reference makes helm ask first. OCI: the manifest of the version's tag,
 * `GET /v2/<name>/manifests/<reference>` (OCI distribution-spec, "Pulling manifests"), where <name>
 * ends with the chart's name (`helm push <chart>.tgz oci://<host>/<path>` stores it as
 * `<host>/<path>/<chart name>:<version>`, helm.sh/docs/topics/registries). A classic repository:
 * its index.yaml at the repository URL (helm.sh/docs/topics/chart_repository).
 */
function expectedRequest(rel: ReleaseChartInputs, chartName: string): string {
    if (rel.chart.startsWith("oci://")) {
        const ref = rel.chart.slice("oci://".length);
        const slash = ref.indexOf("/");
        assert.ok(slash > 0, `${rel.chart}: no repository path after the registry host`);
        const host = ref.slice(0, slash);
        const name = ref.slice(slash + 1);
        assert.equal(name.split("/").pop(), chartName, `${rel.chart} does not end with the chart's name ${chartName}`);
        return `https://${host}/v2/${name}/manifests/${rel.version}`;
    }
    assert.ok(rel.repositoryOpts?.repo, `${rel.chart}: neither an oci:// reference nor a repository`);
    return `${rel.repositoryOpts.repo.replace(/\/+$/, "")}/index.yaml`;
}

describe("chart references: what helm does with them, network refused", () => {
    // Table: references and what the pinned helm does with them as the provider passes them.
    const cases: { what: string; rel: ReleaseChartInputs; requested?: string; message?: RegExp }[] = [
        {
            what: "an oci:// repositoryOpts.repo fails before any network access (pulumi/pulumi-kubernetes#2158)",
            rel: { chart: "karpenter", version: "1.14.1", repositoryOpts: { repo: "oci://public.ecr.aws/karpenter" } },
            message: /not a valid chart repository/,
        },
        {
            what: "the full oci:// reference asks the registry for the tag's manifest",
            rel: { chart: "oci://public.ecr.aws/karpenter/karpenter", version: "1.14.1" },
            requested: "https://public.ecr.aws/v2/karpenter/karpenter/manifests/1.14.1",
        },
        {
            what: "an oci:// chart keeps its reference even beside a repositoryOpts.repo (the provider drops the repo)",
            rel: { chart: "oci://public.ecr.aws/karpenter/karpenter-crd", version: "1.14.1", repositoryOpts: { repo: "https://example.invalid/charts" } },
            requested: "https://public.ecr.aws/v2/karpenter/karpenter-crd/manifests/1.14.1",
        },
        {
            what: "a classic repository is asked for its index.yaml",
            rel: { chart: "trino", version: "1.42.2", repositoryOpts: { repo: "https://trinodb.github.io/charts" } },
            requested: "https://trinodb.github.io/charts/index.yaml",
        },
        {
            what: "a bare chart name with no repository fails before any network access",
            rel: { chart: "karpenter", version: "1.14.1" },
            message: /non-absolute URLs should be in form of repo_name\/path_to_chart/,
        },
    ];
    for (const c of cases) {
        it(c.what, async () => {
            const r = await resolveReleaseChart(c.rel);
            assert.equal(r.requested, c.requested, r.message);
            if (c.message) assert.match(r.message, c.message);
        });
    }

    it("a registry path without the chart's name is caught (helm asks for another artifact)", async () => {
        // The karpenter-crd chart given as the bare registry path: helm pulls whatever is at .../karpenter.
        const rel = { chart: "oci://public.ecr.aws/karpenter", version: "1.14.1" };
        const r = await resolveReleaseChart(rel);
        assert.equal(r.requested, "https://public.ecr.aws/v2/karpenter/manifests/1.14.1");
        assert.throws(() => expectedRequest(rel, "karpenter-crd"), /does not end with the chart's name/);
    });
});

describeEachStack(
    (stack) => `${stack} stack: every Release's chart resolves as the provider resolves it`,
    (plan) => {
        it("each asks its registry or repository for the pinned chart and version, and none names an OCI registry as a repository", async () => {
            const releases = ofType(plan(), RELEASE);
            assert.ok(releases.length >= 5, `${releases.length} releases`);
            const problems: string[] = [];
            for (const r of releases) {
                const rel = inputsOf<ReleaseChartInputs>(r);
                if (/^oci:\/\//i.test(rel.repositoryOpts?.repo ?? ""))
                    problems.push(`${r.name}: repositoryOpts.repo is an OCI address (${rel.repositoryOpts!.repo})`);
                const key = chartKeyOfRelease(rel.chart, String(rel.version));
                if (!key) {
                    problems.push(`${r.name}: ${rel.chart} ${rel.version} is not pinned in versions.ts`);
                    continue;
                }
                const got = await resolveReleaseChart(rel);
                let want: string;
                try {
                    want = expectedRequest(rel, chartYamlName(key));
                } catch (e) {
                    problems.push(`${r.name}: ${(e as Error).message}`);
                    continue;
                }
                if (got.requested !== want) problems.push(`${r.name}: helm ${got.args.join(" ")}: wanted a request for ${want}; helm said: ${got.message}`);
            }
            assert.deepEqual(problems, []);
        });
    },
);
