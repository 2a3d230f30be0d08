// Helm installs a chart's crds/ folder once and never upgrades it, so the Strimzi, Spark operator
// and load balancer controller CRDs are Pulumi resources of the pinned version, applied before
// their controller.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

import { chartTarball } from "../tools/helm";
import { Graph } from "../tools/graph";
import { renderPlan } from "../tools/render";
import { tarEntries } from "../tools/tar";
import { pinnedChart } from "../platform/k8s/objects";
import { verifyManifest } from "../lib/manifests";
import { ChartName, charts, crdChecksums, crdManifests } from "../versions";
import { planOf, STACKS, describeEachStack } from "./support";

const OPERATORS: { chart: keyof typeof crdManifests & ChartName; group: string }[] = [
    { chart: "strimzi", group: "kafka.strimzi.io" },
    { chart: "sparkOperator", group: "sparkoperator.k8s.io" },
    { chart: "awsLoadBalancerController", group: "elbv2.k8s.aws" },
    { chart: "supersetOperator", group: "superset.apache.org" },
];

/** The kinds a chart's crds/ folder defines. */
function chartCrdKinds(chart: ChartName): string[] {
    const kinds: string[] = [];
    for (const [name, data] of tarEntries(fs.readFileSync(chartTarball(chart)))) {
        if (!/\/crds\/[^/]+\.ya?ml$/.test(name)) continue;
        for (const doc of YAML.parseAllDocuments(data.toString("utf8"))) {
            const o = doc.toJS() as { kind?: string; spec?: { names?: { kind?: string } } } | null;
            if (o?.kind === "CustomResourceDefinition" && o.spec?.names?.kind) kinds.push(o.spec.names.kind);
        }
    }
    return kinds.sort();
}

describeEachStack(
    (stack) => `${stack} stack: operator CRDs are Pulumi resources`,
    (plan) => {
        for (const op of OPERATORS) {
            it(`${op.chart}: the Release skips crds/, waits for the pinned CRD manifests, and every ${op.group} resource waits for them`, () => {
                const g = new Graph(plan().captured);
                const release = plan().captured.find(
                    (r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.rawInputs as any).chart === pinnedChart(op.chart).chart,
                )!;
                assert.equal((release.rawInputs as any).skipCrds, true);
                const files = plan().captured.filter(
                    (r) => r.type === "kubernetes:yaml/v2:ConfigFile" && (crdManifests[op.chart] as readonly string[]).includes((r.rawInputs as any).file),
                );
                assert.equal(files.length, crdManifests[op.chart].length);
                for (const url of crdManifests[op.chart])
                    assert.ok(url.includes(`/${charts[op.chart].version}/`) || url.includes(`/v${charts[op.chart].version}/`), url);
                const crs = plan().captured.filter((r) => r.type.startsWith(`kubernetes:${op.group}/`));
                for (const f of files) {
                    assert.ok(g.outlives(f.urn, release.urn), `${release.name} does not wait for ${f.name}`);
                    // On destroy a CRD's deletion would delete its resources behind the operator's back.
                    for (const cr of crs) assert.ok(g.outlives(f.urn, cr.urn), `${cr.name} does not wait for ${f.name}`);
                }
            });

            it(`${op.chart}: Helm renders none of the chart's CRDs, so nothing is left for Helm to leave stale`, () => {
                const rel = renderPlan(plan()).find((r) => r.chart === op.chart)!;
                assert.deepEqual(
                    rel.objects.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name),
                    [],
                );
            });
        }
    },
);

describe("operator CRD manifests match the pinned charts", () => {
    // Manifests taken file by file from the chart's own crds/ (Strimzi publishes one bundle instead).
    for (const chart of ["sparkOperator", "awsLoadBalancerController", "supersetOperator"] as const) {
        it(`${chart}: the manifests are the chart's crds/ files, by name, at the chart's version`, () => {
            const names = [...tarEntries(fs.readFileSync(chartTarball(chart))).keys()]
                .filter((n) => /\/crds\/[^/]+\.yaml$/.test(n))
                .map((n) => path.basename(n))
                .sort();
            assert.ok(names.length > 0, `${chart}: the tarball has no crds/`);
            assert.deepEqual((crdManifests[chart] as readonly string[]).map((u) => path.basename(u)).sort(), names);
            for (const url of crdManifests[chart]) assert.ok(url.includes(`/v${charts[chart].version}/`), url);
        });
    }

    // The pins were taken from the upstream git tags; the pinned chart tarballs (shared/charts,
    // SHA256SUMS) carry the same files, so they are an independent copy to check the pins against.
    for (const chart of ["sparkOperator", "awsLoadBalancerController"] as const) {
        it(`${chart}: every manifest has a sha256 pin, and the chart's crds/ file of that name matches it`, () => {
            const entries = tarEntries(fs.readFileSync(chartTarball(chart)));
            for (const url of crdManifests[chart]) {
                assert.match(crdChecksums[url] ?? "", /^[0-9a-f]{64}$/, `${url}: no sha256 pin`);
                const entry = [...entries.keys()].find((n) => n.endsWith(`/crds/${path.basename(url)}`));
                assert.ok(entry, `${chart}: no crds/${path.basename(url)} in the tarball`);
                verifyManifest(url, entries.get(entry)!);
            }
        });
    }

    it("refuses content that is not the pinned bytes, or a URL with no pin, with a message naming the URL", () => {
        const url = crdManifests.sparkOperator[0];
        const body = tarEntries(fs.readFileSync(chartTarball("sparkOperator"))).get(`spark-operator/crds/${path.basename(url)}`)!;
        assert.doesNotThrow(() => verifyManifest(url, body));
        const cases: [string, string | Buffer, RegExp][] = [
            [url, Buffer.concat([body, Buffer.from("\n")]), /does not match the pinned/],
            [url, "", /does not match the pinned/],
            [url.replace(`v${charts.sparkOperator.version}`, "v0.0.0"), body, /no sha256 pinned/],
        ];
        for (const [u, b, msg] of cases) {
            assert.throws(
                () => verifyManifest(u, b),
                (e: Error) => msg.test(e.message) && e.message.startsWith(u) && !/\n\s+at /.test(e.message),
            );
        }
    });

    it("the chart's crds/ define every kind the program creates", async () => {
        const run = await planOf(STACKS[0]);
        for (const op of OPERATORS) {
            const kinds = chartCrdKinds(op.chart);
            const used = [...new Set(run.captured.filter((r) => r.type.startsWith(`kubernetes:${op.group}/`)).map((r) => r.type.split(":").pop()!))];
            for (const k of used) assert.ok(kinds.includes(k), `${op.chart} crds/ has ${kinds.join(", ")}; the program uses ${k}`);
        }
    });
});
