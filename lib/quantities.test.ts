import { strict as assert } from "assert";
import { jvmMemoryMiB, parseQuantity } from "./quantities";

describe("estimates: quantities", () => {
    it("parses Kubernetes quantities and JVM sizes", () => {
        assert.equal(parseQuantity("500m"), 0.5);
        assert.equal(parseQuantity("512Mi"), 512 * 2 ** 20);
        assert.equal(parseQuantity("1G"), 1e9);
        assert.equal(parseQuantity(2), 2);
        assert.equal(jvmMemoryMiB("2g"), 2048);
        assert.equal(jvmMemoryMiB("512m"), 512);
        assert.throws(() => parseQuantity("lots"), /quantity/);
    });
});
