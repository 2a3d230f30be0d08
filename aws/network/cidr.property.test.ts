// Properties of the VPC's CIDR arithmetic over generated networks (fast-check).
import { strict as assert } from "assert";
import * as fc from "fast-check";
import { addressCount, formatCidr, isPrivateRange, parseCidr, subnet, subnetLayout } from "./cidr";

const range = (c: string) => {
    const p = parseCidr(c)!;
    return [p.base, p.base + 2 ** (32 - p.prefix) - 1];
};

/** A private network address with the given prefix, inside 10/8, 172.16/12 or 192.168/16. */
const privateVpc = fc
    .record({ prefix: fc.integer({ min: 16, max: 20 }), block: fc.constantFrom("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"), pick: fc.nat() })
    .filter(({ prefix, block }) => prefix >= parseCidr(block)!.prefix)
    .map(({ prefix, block, pick }) => {
        const b = parseCidr(block)!;
        const slots = 2 ** (prefix - b.prefix);
        return formatCidr({ base: b.base + (pick % slots) * 2 ** (32 - prefix), prefix });
    });

describe("CIDR arithmetic (properties)", () => {
    it("format and parse are inverse on every network address", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 32 }), fc.nat({ max: 2 ** 32 - 1 }), (prefix, n) => {
                const size = 2 ** (32 - prefix);
                const c = { base: n - (n % size), prefix };
                assert.deepEqual(parseCidr(formatCidr(c)), c);
            }),
        );
    });

    it("an address with host bits set is no network", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 31 }), fc.nat({ max: 2 ** 32 - 1 }), (prefix, n) => {
                const size = 2 ** (32 - prefix);
                fc.pre(n % size !== 0);
                assert.equal(parseCidr(formatCidr({ base: n, prefix }).replace(/\/\d+$/, "") + `/${prefix}`), undefined);
            }),
        );
    });

    it("the subnets of a network are inside it, disjoint, and tile it", () => {
        fc.assert(
            fc.property(privateVpc, fc.integer({ min: 1, max: 4 }), (vpc, bits) => {
                const parent = parseCidr(vpc)!;
                const subs = Array.from({ length: 2 ** bits }, (_, i) => formatCidr(subnet(parent, bits, i)));
                const [lo, hi] = range(vpc);
                let next = lo;
                for (const s of subs) {
                    const [a, b] = range(s);
                    assert.equal(a, next, `${s} follows its neighbour`);
                    assert.ok(b <= hi);
                    next = b + 1;
                }
                assert.equal(next, hi + 1);
                assert.equal(
                    subs.reduce((n, s) => n + addressCount(s), 0),
                    addressCount(vpc),
                );
            }),
        );
    });

    it("the subnet layout: private and public subnets of every AZ are private, disjoint and inside the VPC", () => {
        fc.assert(
            fc.property(privateVpc, fc.integer({ min: 1, max: 3 }), (vpc, azs) => {
                const layout = subnetLayout(vpc, azs);
                const all = [...layout.private, ...layout.public];
                assert.equal(layout.private.length, azs);
                assert.equal(layout.public.length, azs);
                const [lo, hi] = range(vpc);
                for (const s of all) {
                    const [a, b] = range(s);
                    assert.ok(a >= lo && b <= hi, `${s} inside ${vpc}`);
                    assert.ok(isPrivateRange(parseCidr(s)!));
                }
                for (let i = 0; i < all.length; i++)
                    for (let j = i + 1; j < all.length; j++) {
                        const [a1, b1] = range(all[i]);
                        const [a2, b2] = range(all[j]);
                        assert.ok(b1 < a2 || b2 < a1, `${all[i]} and ${all[j]} overlap`);
                    }
                // The CNI gives every pod a VPC address: a private subnet is four times a public one.
                assert.equal(addressCount(layout.private[0]), 4 * addressCount(layout.public[0]));
            }),
        );
    });
});
