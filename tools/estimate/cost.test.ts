import { strict as assert } from "assert";
import { nodeGroup, res } from "../../test/synthetic";
import { monthlyCost } from "./cost";
import { loadTables } from "./tables";

const tables = loadTables();

describe("estimates: monthly cost (synthetic)", () => {
    it("prices spot node groups below on-demand and Multi-AZ RDS at twice single-AZ", () => {
        const cfg = { region: "us-east-1", azCount: 2 };
        const od = monthlyCost([nodeGroup(["m7g.xlarge"], 2)], cfg, tables.prices).totalUsd;
        const spot = monthlyCost([nodeGroup(["m7g.xlarge"], 2, "SPOT")], cfg, tables.prices).totalUsd;
        assert.ok(spot < od);
        const rds = (multiAz: boolean) =>
            monthlyCost(
                [
                    res("db", {
                        type: "aws:rds/instance:Instance",
                        inputs: { instanceClass: "db.t4g.micro", allocatedStorage: 20, storageType: "gp3", multiAz },
                    }),
                ],
                cfg,
                tables.prices,
            ).totalUsd;
        assert.ok(Math.abs(rds(true) - 2 * rds(false)) < 0.02);
        const lb = monthlyCost([res("svc", { type: "kubernetes:core/v1:Service", inputs: { spec: { type: "LoadBalancer" } } })], cfg, tables.prices, {
            capacityTable: tables.capacity,
        });
        assert.equal(lb.items.filter((i) => i.item === "public IPv4 address")[0].quantity, 2, "an internet-facing NLB has a public IPv4 per AZ");
    });
});
