import { strict as assert } from "assert";
import { formatCidr, parseCidr, subnet, subnetLayout } from "./cidr";

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
