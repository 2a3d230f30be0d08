// Which NAT gateway each AZ's private route table uses (aws/network): AWS VPC user guide, "NAT
// gateways": for zone-independent egress, a NAT gateway in each AZ and each AZ's private subnets
// routed to the one in their own AZ; one NAT gateway serves every AZ more cheaply.
import { strict as assert } from "assert";
import { natIndexFor } from "./nat";

describe("NAT gateway per private route table (natIndexFor)", () => {
    it("single: every AZ uses the one gateway; perAz: each AZ its own, so one AZ's loss cuts no other's egress (table)", () => {
        const cases: ["single" | "perAz", number, number][] = [
            ["single", 0, 0],
            ["single", 1, 0],
            ["single", 2, 0],
            ["perAz", 0, 0],
            ["perAz", 1, 1],
            ["perAz", 2, 2],
        ];
        for (const [strategy, az, nat] of cases) assert.equal(natIndexFor(az, strategy), nat, `${strategy}, AZ ${az}`);
    });
});
