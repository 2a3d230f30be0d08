import { strict as assert } from "assert";
import { loadTables } from "./tables";
import { maxPodsOf, nodeAllocatable } from "./node-capacity";

const tables = loadTables();

describe("estimates: node capacity", () => {
    it("computes a node's allocatable with the EKS AMI formula", () => {
        const r = tables.capacity.nodeReserve;
        const a = nodeAllocatable("m7g.xlarge", tables.capacity);
        assert.equal(a.maxPods, maxPodsOf("m7g.xlarge", tables.capacity.maxPods));
        assert.equal(a.reserved.memoryMiB, r.memoryMiBPerPod * a.maxPods + r.memoryMiBBase + r.evictionHardMiB);
        // 4 cores: 6% + 1% + 0.5% + 0.5% of a core.
        assert.equal(a.reserved.cpuMillis, Math.round((r.cpuPercentByCore[0] + r.cpuPercentByCore[1] + r.cpuPercentByCore[2] + r.cpuPercentByCore[3]) * 10));
        assert.equal(a.allocatable.memoryMiB, 16 * 1024 - a.reserved.memoryMiB);
        assert.ok(nodeAllocatable("m7g.2xlarge", tables.capacity).allocatable.cpuMillis > a.allocatable.cpuMillis);
        // Managed node groups cap max pods at 110 below 30 vCPUs.
        assert.equal(maxPodsOf("m7g.4xlarge", tables.capacity.maxPods), 110);
    });
});
