import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../config";
import { loadTables } from "../tools/estimate/tables";
import { loadStackConfig } from "../tools/stack-files";
import { ec2Families, rdsFamilies } from "./instances";
import { nodeAllocatable } from "../tools/estimate/node-capacity";
import { ec2HourlyPrice, eksHourlyRate, rdsHourlyPrice } from "./prices";

const tables = loadTables();

describe("estimates: data tables (prices)", () => {
    // Every type the configuration accepts is one the estimator can price and size (and no other).
    const accepts = (overrides: Record<string, unknown>) => {
        try {
            parseConfig({ ...loadStackConfig("dev"), ...Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k, JSON.stringify(v)])) }, "dev");
            return true;
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            return false;
        }
    };
    const sizes = Object.keys(tables.prices.ec2.sizeFactor);

    it("the configuration accepts exactly the EC2 types the price table prices, and capacity can size each", () => {
        let accepted = 0;
        for (const f of ec2Families()) {
            for (const s of sizes) {
                const type = `${f}.${s}`;
                const ok = accepts({ "bdok:nodeGroups": { general: { instanceTypes: [type], minSize: 1, desiredSize: 1, maxSize: 1 } } });
                let price: number | undefined;
                try {
                    price = ec2HourlyPrice(type, tables.prices);
                } catch (e) {
                    assert.match((e as Error).message, /does not exist/, type);
                }
                assert.equal(ok, price !== undefined, `${type}: accepted ${ok}, priced ${price}`);
                if (ok) {
                    accepted++;
                    assert.ok(price! > 0 && nodeAllocatable(type, tables.capacity).allocatable.memoryMiB > 0, type);
                }
            }
        }
        assert.ok(accepted > ec2Families().length * 5, `${accepted} types accepted`);
        for (const t of ["m7g.micro", "t3.4xlarge", "m5.medium"]) assert.throws(() => ec2HourlyPrice(t, tables.prices), /does not exist/, t);
        assert.ok(Math.abs(ec2HourlyPrice("m7g.xlarge", tables.prices) - 2 * ec2HourlyPrice("m7g.large", tables.prices)) < 1e-9);
    });

    it("the configuration accepts exactly the RDS classes the price table prices", () => {
        let accepted = 0;
        for (const f of rdsFamilies()) {
            for (const s of sizes) {
                const cls = `db.${f}.${s}`;
                const ok = accepts({ "bdok:database": { instanceClass: cls } });
                let price: number | undefined;
                try {
                    price = rdsHourlyPrice(cls, tables.prices);
                } catch (e) {
                    assert.match((e as Error).message, /does not exist/, cls);
                }
                assert.equal(ok, price !== undefined, `${cls}: accepted ${ok}, priced ${price}`);
                if (ok) accepted++;
            }
        }
        assert.ok(accepted >= 2 * 6 + 8 * 7, `${accepted} classes accepted`);
        assert.throws(() => rdsHourlyPrice("db.t4g.16xlarge", tables.prices), /does not exist/);
    });

    it("bills an EKS version at the extended rate after its standard support ends", () => {
        const cal = tables.prices.eks.versionCalendar["1.33"];
        assert.equal(eksHourlyRate("1.33", cal.standardUntil, tables.prices).support, "standard");
        const later = eksHourlyRate("1.33", `${cal.extendedUntil.slice(0, 4)}-01-01`, tables.prices);
        assert.equal(later.support, "extended");
        assert.ok(later.perHour > tables.prices.eks.standardPerHour);
    });
});
