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
import { MANIFEST_CACHE_ENV, manifestCacheDir, verifiedManifest, verifyManifest } from "../lib/manifests";
import { sha256 } from "../lib/hash";
import { FORMER_CRD_COMPONENT } from "../platform/k8s/crds";
import { manifestFromChart } from "../tools/manifest-cache";
import * as os from "os";
import { ChartName, charts, crdChecksums, crdManifests } from "../versions";
import { CRD_GROUP, crdGroupUrls, inputsOf, planOf, STACKS, describeEachStack } from "./support";

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
                    (r) => r.type === CRD_GROUP && crdGroupUrls(r).some((u) => (crdManifests[op.chart] as readonly string[]).includes(u)),
                );
                assert.deepEqual(files.flatMap(crdGroupUrls).sort(), [...crdManifests[op.chart]].sort());
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
    for (const chart of ["sparkOperator", "awsLoadBalancerController", "supersetOperator", "strimzi"] as const) {
        it(`${chart}: the manifests are the chart's crds/ files, by name, at the chart's version`, () => {
            const names = [...tarEntries(fs.readFileSync(chartTarball(chart))).keys()]
                .filter((n) => /\/crds\/[^/]+\.yaml$/.test(n))
                .map((n) => path.basename(n))
                .sort();
            assert.ok(names.length > 0, `${chart}: the tarball has no crds/`);
            assert.deepEqual((crdManifests[chart] as readonly string[]).map((u) => path.basename(u)).sort(), names);
            for (const url of crdManifests[chart]) assert.ok(url.includes(`/v${charts[chart].version}/`) || url.includes(`/${charts[chart].version}/`), url);
        });
    }

    // The pins were taken from the upstream git tags; the pinned chart tarballs (shared/charts,
    // SHA256SUMS) carry the same files, so they are an independent copy to check the pins against.
    for (const chart of Object.keys(crdManifests) as (keyof typeof crdManifests & ChartName)[]) {
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

describeEachStack(
    (stack) => `${stack} stack: the CRDs deployed are the verified bytes, and keep their URNs`,
    (plan) => {
        it("no manifest reaches the provider as a URL or file (no ConfigFile, no ConfigGroup files): every CRD group's yaml is pinned bytes", () => {
            assert.deepEqual(
                plan()
                    .captured.filter((r) => r.type === "kubernetes:yaml/v2:ConfigFile")
                    .map((r) => r.name),
                [],
            );
            const groups = plan().captured.filter((r) => r.type === CRD_GROUP);
            assert.ok(groups.length >= 4, `${groups.length} groups`);
            for (const g of groups) {
                assert.equal(inputsOf(g).files, undefined, g.name);
                const urls = crdGroupUrls(g);
                assert.ok(urls.length > 0, `${g.name}: holds none of the pinned manifests`);
                // Nothing but those files: the yaml is their documents, in order.
                const texts = urls.map((u) => {
                    const chart = (Object.keys(crdManifests) as (keyof typeof crdManifests)[]).find((c) => (crdManifests[c] as readonly string[]).includes(u))!;
                    const body = manifestFromChart(chart, u);
                    assert.equal(sha256(body), crdChecksums[u], u);
                    return body.toString("utf8").trimEnd();
                });
                const docs = (t: string) =>
                    YAML.parseAllDocuments(t)
                        .map((d) => d.toJS())
                        .filter((o) => o !== null);
                assert.deepEqual(docs(inputsOf(g).yaml), texts.flatMap(docs), g.name);
            }
        });

        // ConfigFile -> ConfigGroup changes the component's type, so each CRD's URN (a child's type
        // chain holds its parent's type) would change: Pulumi would delete the old CRD, and with it
        // every custom resource of its kind (Kafka, topics, users, SparkApplications...). The group
        // carries an alias to the ConfigFile of the same name and parent; the engine derives each
        // child's alias from it (pulumi pkg/resource/deploy/step_generator.go generateAliases,
        // inheritedChildAlias), so the CRDs are the same resources.
        it("must not re-create a CRD: each group is aliased to the ConfigFile of the same name and parent that held its CRDs", () => {
            const groups = plan().captured.filter((r) => r.type === CRD_GROUP);
            for (const g of groups) {
                const specs = (g.aliases ?? []).map((a: any) => a.spec).filter(Boolean);
                const former = specs.find((s: any) => s.type === FORMER_CRD_COMPONENT);
                assert.ok(former, `${g.name}: no alias to ${FORMER_CRD_COMPONENT}`);
                assert.equal(former.name || g.name, g.name, `${g.name}: alias renames`);
                assert.equal(former.noparent ?? false, false);
                assert.ok(!former.parenturn || former.parenturn.endsWith(`::${g.parent!.split("::").pop()}`), `${g.name}: alias moves the parent`);
                // The names the ConfigFiles had: <component>-crds-<i>, one per former file (Strimzi: one bundle).
                assert.match(g.name, /-crds-\d+$/);
            }
            const strimzi = groups.filter((g) => crdGroupUrls(g).some((u) => (crdManifests.strimzi as readonly string[]).includes(u)));
            assert.deepEqual(
                strimzi.map((g) => g.name),
                ["kafka-crds-0"],
                "Strimzi's ten CRDs stay under the one name its bundle's ConfigFile had",
            );
        });
    },
);

describe("verifiedManifest: the program's own fetch of a pinned manifest", () => {
    const url = "https://example.invalid/crds/x.yaml";
    const body = Buffer.from("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n");
    const pins = { [url]: sha256(body) };
    const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), "bdok-manifest-test-"));
    const noNetwork = async (): Promise<Buffer> => {
        throw new Error("no download expected");
    };

    it("downloads once, verifies, caches by the pin; the next run reads the cache", async () => {
        const d = dir();
        let calls = 0;
        const fetchOnce = async () => (calls++, body);
        assert.equal(await verifiedManifest(url, { pins, dir: d, fetch: fetchOnce }), body.toString());
        assert.equal(await verifiedManifest(url, { pins, dir: d, fetch: noNetwork }), body.toString());
        assert.equal(calls, 1);
        assert.deepEqual(fs.readdirSync(d), [`${pins[url]}.yaml`]);
    });

    it("refuses other bytes with one error naming the URL, the pinned and the actual sha256, and caches nothing", async () => {
        const d = dir();
        const other = Buffer.concat([body, Buffer.from("# changed\n")]);
        await assert.rejects(
            verifiedManifest(url, { pins, dir: d, fetch: async () => other }),
            (e: Error) => e.message.startsWith(url) && e.message.includes(pins[url]) && e.message.includes(sha256(other)) && !/\n\s+at /.test(e.message),
        );
        assert.deepEqual(fs.readdirSync(d), []);
    });

    it("refuses a tampered cache file, naming it", async () => {
        const d = dir();
        fs.writeFileSync(path.join(d, `${pins[url]}.yaml`), "kind: Evil\n");
        await assert.rejects(
            verifiedManifest(url, { pins, dir: d, fetch: noNetwork }),
            (e: Error) => e.message.includes("does not match the pinned") && e.message.includes(d),
        );
    });

    it("refuses a URL with no pin before any download", async () => {
        await assert.rejects(verifiedManifest(`${url}.other`, { pins, dir: dir(), fetch: noNetwork }), /no sha256 pinned/);
    });

    it(`reads the cache folder from ${MANIFEST_CACHE_ENV}, else ~/.cache/bdok/manifests`, () => {
        assert.equal(manifestCacheDir({ [MANIFEST_CACHE_ENV]: "/x/y" }), "/x/y");
        assert.equal(manifestCacheDir({}), path.join(os.homedir(), ".cache", "bdok", "manifests"));
    });
});
