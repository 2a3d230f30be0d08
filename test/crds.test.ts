// Helm installs a chart's crds/ folder once and never upgrades it, so the Strimzi, Spark operator
// and load balancer controller CRDs are Pulumi resources of the pinned version, applied before
// their controller.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

import { chartTarball } from "../tools/helm";
import { Graph } from "../tools/lifecycle";
import { renderPlan } from "../tools/render";
import { tarEntries } from "../tools/tar";
import { ChartName, charts, crdManifests } from "../versions";
import { pinnedChart } from "../platform/k8s/objects";
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

    it("the chart's crds/ define every kind the program creates", async () => {
        const run = await planOf(STACKS[0]);
        for (const op of OPERATORS) {
            const kinds = chartCrdKinds(op.chart);
            const used = [...new Set(run.captured.filter((r) => r.type.startsWith(`kubernetes:${op.group}/`)).map((r) => r.type.split(":").pop()!))];
            for (const k of used) assert.ok(kinds.includes(k), `${op.chart} crds/ has ${kinds.join(", ")}; the program uses ${k}`);
        }
    });
});
