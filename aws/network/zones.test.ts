// Availability Zones are chosen by zone ID, never in a zone ID EKS refuses for cluster subnets.
// Accounts map zone names to IDs differently, so the plans run under several mappings.
import { strict as assert } from "assert";
import { eksZones } from "./zones";
import { runPlan, type PlanRun } from "../../tools/harness";
import type { ZoneListing } from "../../tools/mocks";
import { loadStackConfig } from "../../tools/stack-files";
import { inputsOf, ofType } from "../../test/support";

// EKS User Guide, "View Amazon EKS networking requirements for VPC and subnets", Subnet
// requirements (https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html): cluster
// subnets can't be in use1-az3 (us-east-1), usw1-az2 (us-west-1) or cac1-az3 (ca-central-1).
const REFUSED_BY_EKS = ["use1-az3", "usw1-az2", "cac1-az3"];

const listing = (region: string, pairs: [string, string][]): ZoneListing => ({
    names: pairs.map(([l]) => `${region}${l}`),
    zoneIds: pairs.map(([, id]) => id),
});

// Name -> ID mappings as different accounts see them, and the zones (by ID) that must be chosen.
const ACCOUNTS: { what: string; region: string; zones: ZoneListing; azCount: number; want: string[] }[] = [
    {
        what: "us-east-1, c is use1-az3",
        region: "us-east-1",
        zones: listing("us-east-1", [
            ["a", "use1-az1"],
            ["b", "use1-az2"],
            ["c", "use1-az3"],
            ["d", "use1-az4"],
            ["e", "use1-az5"],
            ["f", "use1-az6"],
        ]),
        azCount: 3,
        want: ["use1-az1", "use1-az2", "use1-az4"],
    },
    {
        what: "us-east-1, a is use1-az3",
        region: "us-east-1",
        zones: listing("us-east-1", [
            ["a", "use1-az3"],
            ["b", "use1-az6"],
            ["c", "use1-az1"],
            ["d", "use1-az2"],
            ["e", "use1-az4"],
            ["f", "use1-az5"],
        ]),
        azCount: 2,
        want: ["use1-az6", "use1-az1"],
    },
    {
        what: "us-east-1, use1-az3 is last",
        region: "us-east-1",
        zones: listing("us-east-1", [
            ["a", "use1-az4"],
            ["b", "use1-az6"],
            ["c", "use1-az1"],
            ["d", "use1-az2"],
            ["e", "use1-az5"],
            ["f", "use1-az3"],
        ]),
        azCount: 3,
        want: ["use1-az4", "use1-az6", "use1-az1"],
    },
    {
        what: "us-west-1, b is usw1-az2",
        region: "us-west-1",
        zones: listing("us-west-1", [
            ["a", "usw1-az1"],
            ["b", "usw1-az2"],
            ["c", "usw1-az3"],
        ]),
        azCount: 2,
        want: ["usw1-az1", "usw1-az3"],
    },
    {
        what: "ca-central-1, a is cac1-az3",
        region: "ca-central-1",
        zones: listing("ca-central-1", [
            ["a", "cac1-az3"],
            ["b", "cac1-az1"],
            ["d", "cac1-az4"],
            ["e", "cac1-az2"],
        ]),
        azCount: 3,
        want: ["cac1-az1", "cac1-az4", "cac1-az2"],
    },
    {
        what: "eu-west-1, nothing refused: the first zones",
        region: "eu-west-1",
        zones: listing("eu-west-1", [
            ["a", "euw1-az3"],
            ["b", "euw1-az1"],
            ["c", "euw1-az2"],
        ]),
        azCount: 3,
        want: ["euw1-az3", "euw1-az1", "euw1-az2"],
    },
];

describe("Availability Zones by zone ID (pure)", () => {
    for (const a of ACCOUNTS) {
        it(`${a.what}, azCount ${a.azCount}: ${a.want.join(", ")}`, () => {
            const got = eksZones(a.zones.names, a.zones.zoneIds, a.azCount);
            assert.deepEqual(
                got.map((z) => z.id),
                a.want,
            );
            // Names stay paired with their own IDs.
            for (const z of got) assert.equal(a.zones.zoneIds[a.zones.names.indexOf(z.name)], z.id);
        });
    }

    it("too few accepted zones is a clear error naming the refused ones", () => {
        const z = listing("us-west-1", [
            ["a", "usw1-az1"],
            ["b", "usw1-az2"],
            ["c", "usw1-az3"],
        ]);
        assert.throws(() => eksZones(z.names, z.zoneIds, 3), /offers 2 availability zones EKS accepts \(usw1-az2 excluded.*azCount is 3/);
    });

    // Boundaries: exactly as many accepted zones as asked for is enough; one fewer is refused, and
    // the message names refused zones only when there are some.
    const ERRORS: [string, ZoneListing, number, RegExp | null][] = [
        [
            "us-west-1, 2 accepted of 3, azCount 2",
            listing("us-west-1", [
                ["a", "usw1-az1"],
                ["b", "usw1-az2"],
                ["c", "usw1-az3"],
            ]),
            2,
            null,
        ],
        [
            "ca-central-1, 3 accepted of 4, azCount 3",
            listing("ca-central-1", [
                ["a", "cac1-az1"],
                ["b", "cac1-az2"],
                ["d", "cac1-az3"],
                ["e", "cac1-az4"],
            ]),
            3,
            null,
        ],
        [
            "eu-west-1, 2 zones, none refused, azCount 3",
            listing("eu-west-1", [
                ["a", "euw1-az1"],
                ["b", "euw1-az2"],
            ]),
            3,
            /^Error: the region offers 2 availability zones EKS accepts, azCount is 3$/,
        ],
        [
            "us-east-1, only use1-az3, azCount 1",
            listing("us-east-1", [["c", "use1-az3"]]),
            1,
            /^Error: the region offers 0 availability zones EKS accepts \(use1-az3 excluded: EKS refuses cluster subnets there\), azCount is 1$/,
        ],
        [
            "names and IDs of different lengths",
            { names: ["us-east-1a", "us-east-1b"], zoneIds: ["use1-az1"] },
            1,
            /^Error: the region lists 2 zone names but 1 zone IDs$/,
        ],
    ];
    for (const [what, z, count, want] of ERRORS) {
        it(`${what}: ${want ? "refused" : "enough"}`, () => {
            if (want) assert.throws(() => eksZones(z.names, z.zoneIds, count), want);
            else assert.equal(eksZones(z.names, z.zoneIds, count).length, count);
        });
    }
});

describe("Availability Zones by zone ID (the plan's subnets, under several accounts' mappings)", () => {
    for (const a of ACCOUNTS) {
        it(`${a.what}, azCount ${a.azCount}: subnets in ${a.want.join(", ")}, none in a zone EKS refuses`, async function () {
            this.timeout(300_000);
            const run: PlanRun = await runPlan("prod", loadStackConfig("prod", { "aws:region": a.region, "bdok:azCount": a.azCount }), { zones: a.zones });
            const subnets = ofType(run, "aws:ec2/subnet:Subnet").map(inputsOf);
            // The zone each subnet lands in, whichever field places it, as an ID of this account.
            const idOf = (s: any): string => s.availabilityZoneId ?? a.zones.zoneIds[a.zones.names.indexOf(s.availabilityZone)];
            for (const tier of ["public", "private"]) {
                const ids = subnets.filter((s) => s.tags["bdok/tier"] === tier).map(idOf);
                assert.deepEqual([...ids].sort(), [...a.want].sort(), `${tier} subnets`);
                for (const id of ids) assert.ok(!REFUSED_BY_EKS.includes(id), `${tier} subnet in ${id}`);
            }
        });
    }
});
