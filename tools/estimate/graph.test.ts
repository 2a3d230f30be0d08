import { strict as assert } from "assert";
import { durationEntry } from "./durations";
import { EstResource } from "../../lib/plan-resource";
import { component, res } from "../../test/synthetic";
import { criticalPath } from "./graph";
import { loadTables } from "./tables";

const tables = loadTables();
const minutesBy = (m: Record<string, number>) => (r: EstResource) => m[r.name] ?? 0;
const names = (cp: { chain: Array<{ name: string }> }) => cp.chain.map((c) => c.name);

describe("estimates: critical path (synthetic graphs)", () => {
    it("adds durations along a chain of dependencies", () => {
        const a = res("a"),
            b = res("b", { dependencies: [a.urn] }),
            c = res("c", { dependencies: [b.urn] });
        const cp = criticalPath([a, b, c], minutesBy({ a: 2, b: 3, c: 1 }));
        assert.equal(cp.minutes, 6);
        assert.deepEqual(names(cp), ["a", "b", "c"]);
        assert.deepEqual(cp.schedule[c.urn], { start: 5, finish: 6 });
    });

    it("takes the longest of parallel branches, and only that branch is on the path", () => {
        const a = res("a"),
            b = res("b"),
            c = res("c", { dependencies: [a.urn, b.urn] }),
            d = res("d");
        const cp = criticalPath([a, b, c, d], minutesBy({ a: 2, b: 5, c: 1, d: 4 }));
        assert.equal(cp.minutes, 6);
        assert.deepEqual(names(cp), ["b", "c"]);
    });

    it("adding a dependsOn edge between parallel resources lengthens the path", () => {
        const a = res("a"),
            b = res("b");
        const before = criticalPath([a, b], minutesBy({ a: 5, b: 3 }));
        const after = criticalPath([a, { ...b, dependencies: [a.urn] }], minutesBy({ a: 5, b: 3 }));
        assert.equal(before.minutes, 5);
        assert.equal(after.minutes, 8);
        assert.deepEqual(names(after), ["a", "b"]);
    });

    it("a component takes no time, finishes with its last child, and its dependents wait for all its descendants", () => {
        const k = component("k");
        const inner = component("inner", { parent: k.urn });
        const x = res("x", { parent: inner.urn }),
            y = res("y", { parent: k.urn });
        const z = res("z", { dependencies: [k.urn] });
        const cp = criticalPath([k, inner, x, y, z], minutesBy({ x: 4, y: 1, z: 2 }));
        assert.equal(cp.minutes, 6);
        assert.deepEqual(names(cp), ["x", "z"]);
        assert.equal(cp.schedule[k.urn].finish, 4);
        assert.equal(cp.schedule[k.urn].start, 0);
    });

    it("children wait for their component's registration, i.e. for the component's own dependencies", () => {
        const a = res("a");
        const k = component("k", { dependencies: [a.urn] });
        const w = res("w", { parent: k.urn });
        const free = res("free");
        const cp = criticalPath([a, k, w, free], minutesBy({ a: 3, w: 1, free: 2 }));
        assert.equal(cp.schedule[w.urn].start, 3);
        assert.equal(cp.minutes, 4);
        assert.deepEqual(names(cp), ["a", "w"]);
    });

    it("a child of a custom resource waits for its parent; a resource waits for its provider", () => {
        const cluster = res("cluster");
        const provider = res("provider", { type: "pulumi:providers:kubernetes", dependencies: [cluster.urn] });
        const ns = res("ns", { provider: provider.urn });
        const bucket = res("bucket"),
            policy = res("policy", { parent: bucket.urn });
        const cp = criticalPath([cluster, provider, ns, bucket, policy], minutesBy({ cluster: 10, ns: 0.5, bucket: 1, policy: 0.5 }));
        assert.equal(cp.schedule[ns.urn].start, 10);
        assert.equal(cp.schedule[policy.urn].start, 1);
        assert.deepEqual(names(cp), ["cluster", "provider", "ns"]);
    });

    it("a resource passed as an input is waited for even when the SDK leaves it out of the dependencies", () => {
        const cluster = res("cluster");
        const group = res("group", { custom: false, remote: true, inputs: { cluster: { resource: cluster.urn } } });
        const cp = criticalPath([cluster, group], minutesBy({ cluster: 10, group: 4 }));
        assert.equal(cp.minutes, 14);
    });

    it("a resource that waits for pods also waits for the node groups, dependency or not", () => {
        const eks = res("eks");
        const ng = res("ng", { type: "eks:index:ManagedNodeGroup", custom: false, remote: true, dependencies: [eks.urn] });
        const provider = res("k8s", { type: "pulumi:providers:kubernetes", dependencies: [eks.urn] });
        const chart = res("chart", { type: "kubernetes:helm.sh/v3:Release", provider: provider.urn, inputs: { chart: "x" } });
        const ns = res("ns", { type: "kubernetes:core/v1:Namespace", provider: provider.urn });
        const cp = criticalPath([eks, ng, provider, chart, ns], tables.durations);
        const m = (r: EstResource) => durationEntry(r, tables.durations).minutes;
        assert.ok(Math.abs(cp.schedule[chart.urn].start - (m(eks) + m(ng))) < 1e-9, "the release starts once the nodes are up");
        assert.ok(Math.abs(cp.schedule[ns.urn].start - m(eks)) < 1e-9, "a namespace needs no node");
        assert.deepEqual(names(cp), ["eks", "ng", "chart"]);
    });

    it("rejects a dependency cycle", () => {
        const a = res("a"),
            b = res("b", { dependencies: [a.urn] });
        a.dependencies = [b.urn];
        assert.throws(() => criticalPath([a, b], minutesBy({ a: 1, b: 1 })), /dependency cycle/);
    });
});
