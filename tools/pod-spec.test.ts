import { strict as assert } from "assert";
import { containerNames, containersOf, podSpecOf } from "./pod-spec";

describe("pod spec of a Kubernetes object (tools/pod-spec.ts)", () => {
    const ps = { containers: [{ name: "main" }], initContainers: [{ name: "wait" }, {}] };
    for (const [kind, spec, want] of [
        ["Pod", ps, ps],
        ["Deployment", { template: { spec: ps } }, ps],
        ["StatefulSet", { template: { spec: ps } }, ps],
        ["DaemonSet", { template: { spec: ps } }, ps],
        ["ReplicaSet", { template: { spec: ps } }, ps],
        ["Job", { template: { spec: ps } }, ps],
        ["CronJob", { jobTemplate: { spec: { template: { spec: ps } } } }, ps],
        ["CronJob", { template: { spec: ps } }, undefined],
        ["Deployment", { template: {} }, undefined],
        ["Deployment", undefined, undefined],
        ["Pod", "x", undefined],
        ["NodePool", { template: { spec: ps } }, undefined],
        ["Service", { template: { spec: ps } }, undefined],
    ] as const) {
        it(`${kind} ${JSON.stringify(spec)?.slice(0, 40)}: ${want ? "its pod spec" : "none"}`, () => assert.deepEqual(podSpecOf(kind, spec), want));
    }

    it("names containers and init containers, '?' for a nameless one", () => {
        assert.deepEqual(containerNames(ps), ["main"]);
        assert.deepEqual(containerNames(ps, "initContainers"), ["wait", "?"]);
        assert.deepEqual(containerNames({ containers: [{ name: null }, "x"] }), ["?", "?"]);
        assert.deepEqual(containerNames(undefined), []);
        assert.deepEqual(containerNames({ containers: "x" }), []);
    });

    describe("containersOf: a pod spec's containers by kind, in the order asked", () => {
        const full = { initContainers: [{ name: "i" }], containers: [{ name: "c" }, "junk", null], ephemeralContainers: [{ name: "e" }] };
        for (const [what, spec, keys, want] of [
            ["regular containers by default", full, undefined, ["c"]],
            ["init then regular then ephemeral", full, ["initContainers", "containers", "ephemeralContainers"], ["i", "c", "e"]],
            ["ephemeral then init, as asked", full, ["ephemeralContainers", "initContainers"], ["e", "i"]],
            ["no init containers", { containers: [{ name: "c" }] }, ["initContainers"], []],
            ["a list that is not a list", { containers: { name: "c" } }, undefined, []],
            ["no pod spec", undefined, undefined, []],
            ["a pod spec that is not an object", "x", undefined, []],
        ] as const) {
            it(what, () =>
                assert.deepEqual(
                    containersOf(spec, keys as any).map((c) => c.name),
                    want,
                ),
            );
        }
    });
});
