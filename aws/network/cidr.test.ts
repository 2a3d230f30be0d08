import { strict as assert } from "assert";
import { addressCount, formatCidr, isPrivateRange, parseCidr, subnet, subnetLayout } from "./cidr";

describe("CIDR math", () => {
    it("parses and formats networks", () => {
        assert.equal(formatCidr(parseCidr("10.20.0.0/16")!), "10.20.0.0/16");
        assert.equal(parseCidr("10.20.0.1/16"), undefined);
        assert.equal(parseCidr("10.20.0.0/33"), undefined);
        assert.equal(formatCidr(subnet(parseCidr("10.20.0.0/16")!, 2, 3)), "10.20.192.0/18");
    });

    it("lays out the book's VPC: large private subnets, small public ones", () => {
        assert.deepEqual(subnetLayout("10.20.0.0/16", 2), {
            private: ["10.20.0.0/18", "10.20.64.0/18"],
            public: ["10.20.192.0/20", "10.20.208.0/20"],
        });
        assert.deepEqual(subnetLayout("172.16.0.0/20", 3).public, ["172.16.12.0/24", "172.16.13.0/24", "172.16.14.0/24"]);
    });
});

// Boundaries of the CIDR arithmetic, one row each (issue 21: table-driven where there is a boundary).
describe("CIDR math: boundaries", () => {
    const net = (s: string) => parseCidr(s)!;
    for (const [input, want] of [
        ["10.0.0.0/16", { base: 10 * 2 ** 24, prefix: 16 }],
        [" 10.0.0.0/16 ", { base: 10 * 2 ** 24, prefix: 16 }],
        ["0.0.0.0/0", { base: 0, prefix: 0 }],
        ["255.255.255.255/32", { base: 2 ** 32 - 1, prefix: 32 }],
        ["10.0.0.1/32", { base: 10 * 2 ** 24 + 1, prefix: 32 }],
        ["256.0.0.0/8", undefined],
        ["10.0.0.256/32", undefined],
        ["10.0.0.0/33", undefined],
        ["10.20.1.0/16", undefined],
        ["x10.0.0.0/16", undefined],
        ["10.0.0.0/16x", undefined],
        ["10.0.0.0", undefined],
        ["", undefined],
    ] as const) {
        it(`parseCidr(${JSON.stringify(input)}) is ${JSON.stringify(want)}`, () => assert.deepEqual(parseCidr(input), want));
    }

    for (const [parent, newBits, index, want] of [
        ["10.0.0.0/16", 16, 0, "10.0.0.0/32"],
        ["10.0.0.0/16", 2, 3, "10.0.192.0/18"],
        ["10.0.0.0/16", 2, 0, "10.0.0.0/18"],
        ["10.0.0.0/16", 17, 0, /^RangeError: cannot add 17 bits to \/16$/],
        ["10.0.0.0/16", 2, 4, /^RangeError: subnet index 4 out of range for 2 new bits$/],
        ["10.0.0.0/16", 2, -1, /^RangeError: subnet index -1 out of range for 2 new bits$/],
    ] as const) {
        it(`subnet(${parent}, ${newBits}, ${index}) ${typeof want === "string" ? `is ${want}` : "is refused"}`, () => {
            if (typeof want === "string") assert.equal(formatCidr(subnet(net(parent), newBits, index)), want);
            else assert.throws(() => subnet(net(parent), newBits, index), want);
        });
    }

    for (const [cidr, want] of [
        ["10.0.0.0/8", true],
        ["10.255.255.0/24", true],
        ["10.0.0.0/7", false],
        ["9.255.255.0/24", false],
        ["11.0.0.0/24", false],
        ["172.16.0.0/12", true],
        ["172.31.255.255/32", true],
        ["172.15.255.0/24", false],
        ["172.32.0.0/16", false],
        ["172.0.0.0/11", false],
        ["192.168.0.0/16", true],
        ["192.168.255.255/32", true],
        ["192.169.0.0/16", false],
        ["192.167.255.0/24", false],
        ["100.64.0.0/10", false],
    ] as const) {
        it(`isPrivateRange(${cidr}) is ${want}`, () => assert.equal(isPrivateRange(net(cidr)), want));
    }

    for (const [vpc, azs, want] of [
        ["10.0.0.0/16", 1, { private: ["10.0.0.0/18"], public: ["10.0.192.0/20"] }],
        ["10.0.0.0/16", 3, { private: ["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"], public: ["10.0.192.0/20", "10.0.208.0/20", "10.0.224.0/20"] }],
        ["10.0.0.0/16", 0, /^RangeError: azCount must be 1 to 3, got 0$/],
        ["10.0.0.0/16", 4, /^RangeError: azCount must be 1 to 3, got 4$/],
        ["10.0.0.1/16", 2, /^RangeError: not a CIDR network: 10\.0\.0\.1\/16$/],
    ] as const) {
        it(`subnetLayout(${vpc}, ${azs}) ${want instanceof RegExp ? "is refused" : "lays out the zones"}`, () => {
            if (want instanceof RegExp) assert.throws(() => subnetLayout(vpc, azs), want);
            else assert.deepEqual(subnetLayout(vpc, azs), want);
        });
    }

    for (const [cidr, want] of [
        ["10.0.0.0/16", 65536],
        ["10.0.0.0/32", 1],
        ["0.0.0.0/0", 2 ** 32],
        ["10.0.0.1/16", /^RangeError: not a CIDR network: 10\.0\.0\.1\/16$/],
    ] as const) {
        it(`addressCount(${cidr}) ${typeof want === "number" ? `is ${want}` : "is refused"}`, () => {
            if (typeof want === "number") assert.equal(addressCount(cidr), want);
            else assert.throws(() => addressCount(cidr), want);
        });
    }
});
