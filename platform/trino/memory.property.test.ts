// Trino refuses to start unless query memory + headroom fit in the heap: properties of the split.
import { strict as assert } from "assert";
import * as fc from "fast-check";
import { nodeMemory } from "./values";

const mb = (s: string) => Number(/^(\d+)/.exec(s)![1]);

describe("Trino memory split (properties)", () => {
    it("max-memory-per-node + heap-headroom-per-node never exceeds the heap, and the heap stays below the container", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1024, max: 256 * 1024 }), (memoryMiB) => {
                const m = nodeMemory(memoryMiB);
                const heap = mb(m.maxHeapSize);
                assert.ok(mb(m.maxMemoryPerNode) + mb(m.heapHeadroomPerNode) <= heap);
                assert.ok(heap < memoryMiB, "room outside the heap for metaspace, threads, buffers");
                assert.ok(mb(m.maxMemoryPerNode) > 0 && mb(m.heapHeadroomPerNode) > 0);
                assert.equal(m.memory, `${memoryMiB}Mi`);
            }),
        );
    });

    it("more container memory never gives less query memory", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1024, max: 128 * 1024 }), fc.integer({ min: 1, max: 4096 }), (a, d) => {
                assert.ok(mb(nodeMemory(a + d).maxMemoryPerNode) >= mb(nodeMemory(a).maxMemoryPerNode));
            }),
        );
    });
});
