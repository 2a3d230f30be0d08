// Replication settings from the broker count: properties over every cluster size.
import { strict as assert } from "assert";
import * as fc from "fast-check";
import { replicationFor } from "./values";

describe("Kafka replication (properties)", () => {
    it("replicas fit on the brokers, min.insync leaves one replica free to fail once there are two, and writes always have a quorum", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 1000 }), (brokers) => {
                const r = replicationFor(brokers);
                assert.ok(r.replicas >= 1 && r.replicas <= brokers && r.replicas <= 3);
                assert.ok(r.minInsync >= 1 && r.minInsync <= r.replicas);
                if (r.replicas >= 2) assert.equal(r.minInsync, r.replicas - 1, "one replica may be down and producers with acks=all still write");
                if (brokers >= 3) assert.deepEqual(r, { replicas: 3, minInsync: 2 });
            }),
        );
    });

    it("a cluster never has fewer replicas than a smaller one", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }), (a, d) => {
                assert.ok(replicationFor(a + d).replicas >= replicationFor(a).replicas);
            }),
        );
    });

    it("rejects a broker count that is no positive integer", () => {
        fc.assert(
            fc.property(fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true, noNaN: true })), (b) => {
                assert.throws(() => replicationFor(b), /brokers: got/);
            }),
        );
    });
});
