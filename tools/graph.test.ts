// The engine's graph on small hand-built plans. Expectations from Pulumi's code, not from ours:
// [E] pulumi/pulumi pkg/resource/graph/dependency_graph.go, DependencyGraph.DependenciesOf: a
//     resource depends on its provider, parent, Dependencies and PropertyDependencies, and on the
//     transitive children of a non-custom dependency; DependingOn: `destroy` deletes dependents first.
// [S] node_modules/@pulumi/pulumi/runtime/dependsOn.js:53-90: a component dependency expands
//     through its children, stopping at custom resources and remote components.
// [R] node_modules/@pulumi/pulumi/runtime/resource.js: a child awaits its parent's URN, which a
//     component resolves on registration, a custom resource once created.
import { strict as assert } from "assert";
import { component, res } from "../test/synthetic";
import { Graph, GraphNode, resourceRefs, Wait } from "./graph";

/** A hand-built plan: resources by short name. */
function plan(build: () => Record<string, GraphNode>) {
    const byName = build();
    const g = new Graph(Object.values(byName));
    const name = (urn: string) => g.get(urn).name;
    return { byName, g, name };
}

const names = (g: Graph, urns: Iterable<string>) => [...urns].map((u) => g.get(u).name).sort();

// Each plan, then what each named resource waits for on `up` (transitively) and does not.
const WAITS_FOR: Array<{ what: string; build: () => Record<string, GraphNode>; expect: Record<string, { waits: string[]; notWaits?: string[] }> }> = [
    {
        what: "a chain of dependencies [E]",
        build: () => {
            const a = res("a");
            const b = res("b", { dependencies: [a.urn] });
            const c = res("c", { dependencies: [b.urn] });
            return { a, b, c };
        },
        expect: { a: { waits: [] }, b: { waits: ["a"] }, c: { waits: ["a", "b"] } },
    },
    {
        what: "a component with children: a dependent waits for every child; a child not for its sibling [E][S]",
        build: () => {
            const comp = component("comp");
            const x = res("x", { parent: comp.urn });
            const y = res("y", { parent: comp.urn });
            const user = res("user", { dependencies: [comp.urn] });
            return { comp, x, y, user };
        },
        expect: { user: { waits: ["comp", "x", "y"] }, x: { waits: ["comp"], notWaits: ["y"] } },
    },
    {
        what: "nested components expand to the innermost children [S]",
        build: () => {
            const outer = component("outer");
            const inner = component("inner", { parent: outer.urn });
            const deep = res("deep", { parent: inner.urn });
            const user = res("user", { dependencies: [outer.urn] });
            return { outer, inner, deep, user };
        },
        expect: { user: { waits: ["deep", "inner", "outer"] } },
    },
    {
        what: "a component's own dependency holds back its children (they wait for its registration) [R]",
        build: () => {
            const a = res("a");
            const comp = component("comp", { dependencies: [a.urn] });
            const x = res("x", { parent: comp.urn });
            return { a, comp, x };
        },
        expect: { x: { waits: ["a", "comp"] } },
    },
    {
        what: "a custom resource is done without its children: a dependent does not wait for them [S][E]",
        build: () => {
            const bucket = res("bucket");
            const policy = res("policy", { parent: bucket.urn });
            const user = res("user", { dependencies: [bucket.urn] });
            return { bucket, policy, user };
        },
        expect: { user: { waits: ["bucket"], notWaits: ["policy"] }, policy: { waits: ["bucket"] } },
    },
    {
        what: "a provider is waited for, and so is what the provider waits for [E]",
        build: () => {
            const cluster = res("cluster");
            const provider = res("provider", { type: "pulumi:providers:kubernetes", dependencies: [cluster.urn] });
            const ns = res("ns", { provider: provider.urn });
            return { cluster, provider, ns };
        },
        expect: { ns: { waits: ["cluster", "provider"] } },
    },
    {
        what: "a property dependency alone is a dependency [E]",
        build: () => {
            const key = res("key");
            const db = { ...res("db"), propertyDependencies: { kmsKeyId: [key.urn] } };
            return { key, db };
        },
        expect: { db: { waits: ["key"] } },
    },
    {
        what: "a resource passed as an input is waited for (a remote component resolves it)",
        build: () => {
            const cluster = res("cluster", { type: "eks:index:Cluster", custom: false, remote: true });
            const ng = res("ng", { type: "eks:index:ManagedNodeGroup", custom: false, remote: true, inputs: { cluster: { resource: cluster.urn } } });
            return { cluster, ng };
        },
        expect: { ng: { waits: ["cluster"] } },
    },
    {
        what: "a child naming its own ancestor as a dependency waits only for its registration (no deadlock) [S]",
        build: () => {
            const comp = component("comp");
            const x = res("x", { parent: comp.urn });
            const y = res("y", { parent: comp.urn, dependencies: [comp.urn] });
            return { comp, x, y };
        },
        expect: { y: { waits: ["comp"], notWaits: ["x"] } },
    },
];

describe("the engine's dependency graph (tools/graph.ts)", () => {
    describe("what a resource waits for on `up`", () => {
        for (const c of WAITS_FOR)
            it(c.what, () => {
                const { byName, g } = plan(c.build);
                for (const [who, e] of Object.entries(c.expect)) {
                    const waits = g.waitsFor(byName[who].urn);
                    assert.deepEqual(names(g, waits), [...e.waits].sort(), `${who} waits for`);
                    for (const n of e.notWaits ?? []) assert.ok(!waits.has(byName[n].urn), `${who} must not wait for ${n}`);
                }
            });
    });

    describe("direct waits: a component parent only until registered, a custom parent until created [R]", () => {
        const cases: Array<[string, () => { g: Graph; r: GraphNode; expect: Array<[string, Wait["until"]]> }]> = [
            [
                "child of a component",
                () => {
                    const comp = component("comp");
                    const x = res("x", { parent: comp.urn });
                    return { g: new Graph([comp, x]), r: x, expect: [["comp", "registered"]] };
                },
            ],
            [
                "child of a custom resource",
                () => {
                    const bucket = res("bucket");
                    const p = res("p", { parent: bucket.urn });
                    return { g: new Graph([bucket, p]), r: p, expect: [["bucket", "done"]] };
                },
            ],
            [
                "child of a remote component whose children the plan shows",
                () => {
                    const remote = res("remote", { custom: false, remote: true });
                    const x = res("x", { parent: remote.urn });
                    return { g: new Graph([remote, x]), r: x, expect: [["remote", "registered"]] };
                },
            ],
            [
                "child naming its component parent as a dependency: still only its registration (done would deadlock)",
                () => {
                    const comp = component("comp");
                    const x = res("x", { parent: comp.urn, dependencies: [comp.urn] });
                    return { g: new Graph([comp, x]), r: x, expect: [["comp", "registered"]] };
                },
            ],
            [
                "dependency, provider and parent together, each once",
                () => {
                    const comp = component("comp");
                    const a = res("a");
                    const prov = res("prov", { type: "pulumi:providers:aws" });
                    const x = { ...res("x", { parent: comp.urn, provider: prov.urn, dependencies: [a.urn, a.urn] }), propertyDependencies: { v: [a.urn] } };
                    return {
                        g: new Graph([comp, a, prov, x]),
                        r: x,
                        expect: [
                            ["a", "done"],
                            ["prov", "done"],
                            ["comp", "registered"],
                        ],
                    };
                },
            ],
        ];
        for (const [what, build] of cases)
            it(what, () => {
                const { g, r, expect } = build();
                assert.deepEqual(
                    g.waits(r).map((w) => [g.get(w.urn).name, w.until]),
                    expect,
                );
            });
    });

    describe("order", () => {
        it("`up` creates each resource after what it waits for, `destroy` deletes in the reverse order [E]", () => {
            const { byName, g, name } = plan(() => {
                const cluster = res("cluster");
                const provider = res("provider", { dependencies: [cluster.urn] });
                const comp = component("comp", { provider: undefined });
                const ns = res("ns", { parent: comp.urn, provider: provider.urn });
                const user = res("user", { dependencies: [comp.urn] });
                return { user, ns, comp, provider, cluster };
            });
            const up = g.upOrder().map(name);
            const before = (order: string[], a: string, b: string) => assert.ok(order.indexOf(a) < order.indexOf(b), `${a} before ${b} in ${order.join(",")}`);
            for (const [a, b] of [
                ["cluster", "provider"],
                ["provider", "ns"],
                ["comp", "ns"],
                ["ns", "user"],
            ])
                before(up, a, b);
            const down = g.destroyOrder().map(name);
            for (const [a, b] of [
                ["user", "ns"],
                ["ns", "provider"],
                ["provider", "cluster"],
            ])
                before(down, a, b);
            assert.ok(g.outlives(byName.ns.urn, byName.user.urn), "the component's child outlives its dependent");
            assert.ok(!g.outlives(byName.user.urn, byName.ns.urn));
        });

        it("a cycle is a clear error naming the resources on it", () => {
            const a = res("a");
            const b = res("b", { dependencies: [a.urn] });
            a.dependencies = [b.urn];
            assert.throws(() => new Graph([a, b]).upOrder(), /dependency cycle in the plan: (a -> b -> a|b -> a -> b)/);
        });

        it("the cycle named is the loop alone, not the path that led into it", () => {
            const b = res("b");
            const c = res("c", { dependencies: [b.urn] });
            b.dependencies = [c.urn];
            const entry = res("entry", { dependencies: [b.urn] });
            assert.throws(() => new Graph([entry, b, c]).upOrder(), /^Error: dependency cycle in the plan: b -> c -> b$/);
        });
    });

    it("a dependency outside the plan, or on itself, is no wait; an unknown URN is a clear error", () => {
        const a = res("a");
        const x = res("x", { dependencies: ["urn:pulumi:t::p::test:index:Thing::elsewhere", a.urn] });
        x.dependencies.push(x.urn);
        const g = new Graph([a, x]);
        assert.deepEqual(names(g, g.direct(x)), ["a"]);
        assert.deepEqual(names(g, g.waitsFor(x.urn)), ["a"]);
        assert.throws(() => g.get("urn:nope"), /^Error: no resource urn:nope in the plan$/);
        assert.equal(g.waitsFor("urn:nope").size, 0);
        assert.equal(g.ancestors("urn:nope").size, 0);
    });

    it("a parent outside the plan (the stack itself, uncaptured) is no ancestor and no wait", () => {
        const x = res("x", { parent: "urn:pulumi:t::p::pulumi:pulumi:Stack::p-t" });
        const g = new Graph([x]);
        assert.equal(g.ancestors(x.urn).size, 0);
        assert.deepEqual(g.waits(x), []);
    });

    it("in a cycle each resource waits for the others on it, not for itself, and the walk ends", () => {
        const a = res("a");
        const b = res("b", { dependencies: [a.urn] });
        a.dependencies = [b.urn];
        const g = new Graph([a, b]);
        assert.deepEqual(names(g, g.waitsFor(a.urn)), ["b"]);
    });

    it("resourceRefs finds {resource: urn} wherever it sits in the inputs, and nothing else", () => {
        const urn = "urn:pulumi:s::p::t::x";
        const cases: Array<[unknown, string[]]> = [
            [{ cluster: { resource: urn } }, [urn]],
            [{ a: [{ b: { resource: urn } }] }, [urn]],
            [{ resource: urn, other: 1 }, []],
            [{ resource: "not-a-urn" }, []],
            ["urn:pulumi:s::p::t::x", []],
        ];
        for (const [inputs, expect] of cases) assert.deepEqual(resourceRefs(inputs), expect, JSON.stringify(inputs));
    });
});
