import { strict as assert } from "assert";
import { containerNames, podSpecOf } from "./pod-spec";

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
});
