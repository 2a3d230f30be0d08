import { strict as assert } from "assert";
import { cpuMillis, jvmMemoryMiB, memoryMiB, parseQuantity, round, storageGiB } from "./quantities";

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

// Each unit and edge of the two notations, one row each (issue 21: table-driven boundaries).
describe("estimates: quantities, table-driven", () => {
    for (const [q, want] of [
        ["1", 1],
        [" 1.5 ", 1.5],
        ["+2", 2],
        ["-2", -2],
        ["1e3", 1000],
        ["1E-3", 0.001],
        ["1e+3", 1000],
        ["1e10", 1e10],
        ["1.25", 1.25],
        ["2.25Ki", 2304],
        ["1Mi", 2 ** 20],
        ["1Gi", 2 ** 30],
        ["1Ti", 2 ** 40],
        ["1Pi", 2 ** 50],
        ["1Ei", 2 ** 60],
        ["1n", 1e-9],
        ["1u", 1e-6],
        ["250m", 0.25],
        ["1k", 1e3],
        ["1K", 1e3],
        ["1M", 1e6],
        ["1T", 1e12],
        ["1P", 1e15],
        ["1E", 1e18],
        ["1 Gi", 2 ** 30],
        [3, 3],
    ] as const) {
        it(`parseQuantity(${JSON.stringify(q)}) = ${want}`, () => assert.equal(parseQuantity(q), want));
    }

    for (const q of [["5"], "x1", "1x", "1Gix", "1.", ".5", "1e", "1.5.5", "1 G i", "Gi", "", null, undefined, true, {}]) {
        it(`parseQuantity(${JSON.stringify(q)}) is refused with one line naming it`, () =>
            assert.throws(
                () => parseQuantity(q),
                new RegExp(
                    `^Error: not a Kubernetes quantity: ${JSON.stringify(JSON.stringify(q) ?? "undefined")
                        .slice(1, -1)
                        .replace(/[{}[\]]/g, "\\$&")}$`,
                ),
            ));
    }

    it("cores, MiB and GiB from quantities", () => {
        assert.equal(cpuMillis("1500m"), 1500);
        assert.equal(cpuMillis("0.0005"), 1, "rounded to whole millicores");
        assert.equal(cpuMillis(2), 2000);
        assert.equal(memoryMiB("1Gi"), 1024);
        assert.equal(memoryMiB("512Mi"), 512);
        assert.equal(storageGiB("20Gi"), 20);
        assert.equal(storageGiB("512Mi"), 0.5);
    });

    for (const [v, want] of [
        [1536, 1536],
        [1e21, 1e21],
        ["1.25g", 1280],
        ["1024", 1024],
        [" 2g ", 2048],
        ["2G", 2048],
        ["2gb", 2048],
        ["2GB", 2048],
        ["512m", 512],
        ["512M", 512],
        ["1.5g", 1536],
        ["1024k", 1],
        ["1t", 1024 * 1024],
        ["1T", 1024 * 1024],
    ] as const) {
        it(`jvmMemoryMiB(${JSON.stringify(v)}) = ${want}`, () => assert.equal(jvmMemoryMiB(v), want));
    }

    for (const v of ["x2g", "2gx", "2x", "2.g", "-1g", "", "2 g b b"]) {
        it(`jvmMemoryMiB(${JSON.stringify(v)}) is refused with one line naming it`, () =>
            assert.throws(() => jvmMemoryMiB(v), new RegExp(`^Error: not a JVM memory size: ${JSON.stringify(JSON.stringify(v)).slice(1, -1)}$`)));
    }

    for (const [n, digits, want] of [
        [1.005, undefined, 1],
        [1.006, undefined, 1.01],
        [1234.5678, 2, 1234.57],
        [1234.5678, 0, 1235],
        [1234.5678, 3, 1234.568],
        [-1.236, 2, -1.24],
    ] as const) {
        it(`round(${n}, ${digits}) = ${want}`, () => assert.equal(digits === undefined ? round(n) : round(n, digits), want));
    }
});
