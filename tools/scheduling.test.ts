import { strict as assert } from "assert";
import fc from "fast-check";
import { POOL_DEFAULTS, POOL_NAMES, allNodePools, podPlacement, poolAffinity } from "../platform/karpenter/nodepools";
import { NodeShape, nodeGroupShape, nodePoolShape, requestedPool, schedulable, tolerates } from "./scheduling";

const system = nodeGroupShape("cluster-system", { labels: { "bdok/node-group": "system" }, arch: "arm64", capacityType: "SPOT" });
const pools = allNodePools({ ...POOL_DEFAULTS, workloads: { ...POOL_DEFAULTS.workloads, arch: ["arm64", "amd64"], instanceFamilies: ["m7g", "m7i"] } }).map(
    (p) => nodePoolShape(p as any),
);
const names = (ns: NodeShape[]) => ns.map((n) => n.name);

describe("karpenter scheduling", () => {
    it("tolerations: Equal needs key and value, Exists the key (or none: every taint), an empty effect matches every effect", () => {
        const taint = { key: "bdok.io/pool", value: "stateful", effect: "NoSchedule" as const };
        assert.ok(tolerates([{ key: "bdok.io/pool", operator: "Equal", value: "stateful", effect: "NoSchedule" }], taint));
        assert.ok(!tolerates([{ key: "bdok.io/pool", operator: "Equal", value: "workloads", effect: "NoSchedule" }], taint));
        assert.ok(tolerates([{ key: "bdok.io/pool", operator: "Exists" }], taint));
        assert.ok(tolerates([{ operator: "Exists" }], taint), "the DaemonSet catch-all");
        assert.ok(!tolerates([{ key: "bdok.io/pool", operator: "Exists", effect: "NoExecute" }], taint));
        assert.ok(!tolerates(undefined, taint));
    });

    it("a NodePool's nodes carry each value its requirements allow, its template labels and taints", () => {
        const wl = pools.find((p) => p.name === "workloads")!;
        assert.equal(wl.pool, "workloads");
        assert.deepEqual(wl.labels["karpenter.sh/capacity-type"], ["spot", "on-demand"]);
        assert.deepEqual(wl.labels["karpenter.sh/nodepool"], ["workloads"]);
        assert.deepEqual(wl.taints, [{ key: "bdok.io/pool", value: "workloads", effect: "NoSchedule" }]);
        // A driver asking for on-demand fits the pool that may launch on-demand, not one that may not.
        const driver = { ...podPlacement("workloads"), nodeSelector: { ...podPlacement("workloads").nodeSelector, "karpenter.sh/capacity-type": "on-demand" } };
        assert.ok(schedulable(driver, wl));
        assert.ok(!schedulable({ ...driver, nodeSelector: { ...driver.nodeSelector, "karpenter.sh/capacity-type": "reserved" } }, wl));
    });

    it("required node affinity: terms ORed, expressions ANDed, NotIn and DoesNotExist on absent labels, no terms match nothing", () => {
        const aff = (terms: unknown[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
        const x86 = { matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64"] }] };
        const sys = { matchExpressions: [{ key: "bdok/node-group", operator: "Exists" }] };
        assert.ok(!schedulable(aff([x86]), system));
        assert.ok(schedulable(aff([x86, sys]), system));
        assert.ok(schedulable(aff([{ matchExpressions: [{ key: "karpenter.sh/nodepool", operator: "DoesNotExist" }] }]), system));
        assert.ok(schedulable(aff([{ matchExpressions: [{ key: "bdok.io/pool", operator: "NotIn", values: ["stateful"] }] }]), system));
        assert.ok(!schedulable(aff([]), system));
        assert.throws(
            () => schedulable(aff([{ matchExpressions: [{ key: "a", operator: "Near" }] }]), system),
            /allowed: In, NotIn, Exists, DoesNotExist, Gt, Lt/,
        );
    });

    it("every pool, by selector or affinity: with every pool tainted, a pod placed on a pool runs on that pool's NodePools only, and an unplaced pod only on the fixed group", () => {
        fc.assert(
            fc.property(fc.constantFrom(...POOL_NAMES), fc.boolean(), fc.boolean(), (pool, viaAffinity, extraSelector) => {
                const placed = viaAffinity ? poolAffinity(pool) : podPlacement(pool);
                const pod = extraSelector ? { ...placed, nodeSelector: { ...(placed as any).nodeSelector, "kubernetes.io/os": "linux" } } : placed;
                const on = [system, ...pools].filter((n) => schedulable(pod, n));
                assert.equal(requestedPool(pod), pool);
                assert.deepEqual(names(on), names(pools.filter((p) => p.pool === pool)));
                const unplaced = extraSelector ? { nodeSelector: { "kubernetes.io/os": "linux" } } : {};
                assert.deepEqual(names([system, ...pools].filter((n) => schedulable(unplaced, n))), ["cluster-system"]);
            }),
        );
    });
});
