import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, parseConfig, schema } from "./config";
import { closest } from "./lib/validate";
import { supportedKubernetesVersions } from "./lib/prices";
import { monthlyCost } from "./tools/estimate/cost";
import { loadTables } from "./tools/estimate/tables";
import { ROOT } from "./tools/harness";
import { loadStackConfig } from "./tools/stack-files";
import { apps } from "./versions";
import { STACKS, stackSetting } from "./test/support";

const base = () => loadStackConfig("dev");

function errorOf(overrides: Record<string, unknown>): string {
    const raw = { ...base(), ...Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])) };
    try {
        parseConfig(raw, "dev");
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
        return (e as Error).message;
    }
    return assert.fail("configuration was accepted");
}

// The dev system group at the sizes the rules below vary (the stack file fixes it at one node).
const devGroup = () => ({ ...JSON.parse(base()["bdok:nodeGroups"]).system, minSize: 2, desiredSize: 3, maxSize: 5 });

describe("configuration", () => {
    it("accepts every stack file", () => {
        for (const stack of STACKS) {
            const cfg = parseConfig(loadStackConfig(stack), stack);
            assert.equal(cfg.stack, stack);
            assert.equal(cfg.ha, stackSetting(stack, "profile") === "ha");
        }
    });

    it("fills defaults for keys the stack omits", () => {
        const cfg = parseConfig(
            { "aws:region": "eu-west-1", "bdok:nodeGroups": JSON.stringify({ a: { instanceTypes: ["t4g.large"], minSize: 1, desiredSize: 1, maxSize: 1 } }) },
            "x",
        );
        assert.equal(cfg.vpcCidr, "10.20.0.0/16");
        assert.equal(cfg.azCount, 2);
        assert.equal(cfg.natGateways, "single");
        assert.equal(cfg.database.instanceClass, "db.t4g.micro");
        assert.equal(cfg.nodeGroups.a.capacityType, "ON_DEMAND");
        assert.equal(cfg.kafka.brokers, 1);
    });

    it("keeps Pulumi.yaml's defaults equal to config.ts's", () => {
        const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
        for (const [key, decl] of Object.entries<any>(project.config)) {
            const f = (schema as any)[key];
            assert.ok(f, `Pulumi.yaml declares unknown key ${key}`);
            assert.deepEqual(String(decl.default), String(f.default), key);
        }
    });

    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
        ["empty region", { "aws:region": "" }, /aws:region: got ""; allowed: an AWS region/],
        ["bad region", { "aws:region": "mars-1" }, /aws:region: got "mars-1"/],
        ["CIDR too small", { "bdok:vpcCidr": "10.20.0.0/24" }, /bdok:vpcCidr: got "10.20.0.0\/24"; allowed: .*\/16 to \/20/],
        ["CIDR host bits", { "bdok:vpcCidr": "10.20.1.0/16" }, /bdok:vpcCidr: got "10.20.1.0\/16"/],
        ["CIDR public range", { "bdok:vpcCidr": "8.8.0.0/16" }, /bdok:vpcCidr: .*private range/],
        ["CIDR garbage", { "bdok:vpcCidr": "10.300.0.0/16" }, /bdok:vpcCidr/],
        ["AZ count", { "bdok:azCount": "4" }, /bdok:azCount: got "4"; allowed: an integer from 2 to 3/],
        ["AZ count type", { "bdok:azCount": "two" }, /bdok:azCount: got "two"/],
        ["NAT strategy", { "bdok:natGateways": "many" }, /bdok:natGateways: got "many"; allowed: one of "single", "perAz"/],
        [
            "instance type",
            { "bdok:nodeGroups": { general: { ...devGroup(), instanceTypes: ["m7g.huge"] } } },
            /bdok:nodeGroups\.general\.instanceTypes\[0\]: got "m7g.huge"; allowed: an EC2 instance type/,
        ],
        [
            "no instance types",
            { "bdok:nodeGroups": { general: { ...devGroup(), instanceTypes: [] } } },
            /instanceTypes: got \[\]; allowed: a list of 1 to 10 items/,
        ],
        ["mixed architectures", { "bdok:nodeGroups": { general: { ...devGroup(), instanceTypes: ["m7g.large", "m7i.large"] } } }, /one CPU architecture/],
        [
            "min > desired",
            { "bdok:nodeGroups": { general: { ...devGroup(), minSize: 4, desiredSize: 3 } } },
            /minSize=4, desiredSize=3, maxSize=5; allowed: minSize <= desiredSize <= maxSize/,
        ],
        ["desired > max", { "bdok:nodeGroups": { general: { ...devGroup(), desiredSize: 9 } } }, /allowed: minSize <= desiredSize <= maxSize/],
        ["negative min", { "bdok:nodeGroups": { general: { ...devGroup(), minSize: -1 } } }, /minSize: got -1; allowed: an integer from 0 to 100/],
        ["max zero", { "bdok:nodeGroups": { general: { ...devGroup(), maxSize: 0 } } }, /maxSize: got 0; allowed: an integer from 1 to 100/],
        ["capacity type", { "bdok:nodeGroups": { general: { ...devGroup(), capacityType: "CHEAP" } } }, /capacityType: got "CHEAP"/],
        ["no node groups", { "bdok:nodeGroups": {} }, /bdok:nodeGroups: got \{\}; allowed: a map with at least 1 entry/],
        ["RDS class", { "bdok:database": { instanceClass: "db.x9.huge" } }, /bdok:database\.instanceClass: got "db.x9.huge"; allowed: an RDS class/],
        ["RDS storage", { "bdok:database": { allocatedStorageGiB: 5 } }, /allocatedStorageGiB: got 5; allowed: an integer from 20 to 65536/],
        [
            "RDS max storage",
            { "bdok:database": { allocatedStorageGiB: 100, maxAllocatedStorageGiB: 50 } },
            /maxAllocatedStorageGiB: got 50; allowed: 0 or at least allocatedStorageGiB \(100\)/,
        ],
        ["RDS engine", { "bdok:database": { engineVersion: "9.6" } }, /engineVersion: got "9.6"/],
        ["multi-AZ type", { "bdok:database": { multiAz: "yes" } }, /bdok:database\.multiAz: got "yes"; allowed: true or false/],
        ["protection type", { "bdok:protectStatefulResources": "maybe" }, /bdok:protectStatefulResources: got "maybe"; allowed: true or false/],
        [
            "exposure",
            { "bdok:exposure": "nodePort" },
            /bdok:exposure: got "nodePort"; allowed: one of "clusterIp", "internalLoadBalancer", "publicLoadBalancer"/,
        ],
        [
            "public exposure without client ranges (the load balancers would admit the internet)",
            { "bdok:exposure": "publicLoadBalancer" },
            /bdok:loadBalancerSourceRanges: got \[\] with exposure publicLoadBalancer; allowed: the CIDRs of the clients/,
        ],
        [
            "a client range broader than /8",
            { "bdok:exposure": "publicLoadBalancer", "bdok:loadBalancerSourceRanges": ["0.0.0.0/1", "128.0.0.0/1"] },
            /bdok:loadBalancerSourceRanges: got 0.0.0.0\/1; allowed: ranges of \/8 or narrower/,
        ],
        [
            "public exposure without a certificate (Airflow's UI and its admin password in clear over the internet)",
            { "bdok:exposure": "publicLoadBalancer", "bdok:loadBalancerSourceRanges": ["203.0.113.0/24"] },
            /bdok:loadBalancerCertificateArn: got nothing with exposure publicLoadBalancer; allowed: an ACM certificate ARN/,
        ],
        [
            "a certificate that is no ACM ARN",
            { "bdok:loadBalancerCertificateArn": "arn:aws:iam::123456789012:server-certificate/x" },
            /bdok:loadBalancerCertificateArn: got "arn:aws:iam::123456789012:server-certificate\/x"; allowed: an ACM certificate ARN/,
        ],
        ["a client range that is no CIDR", { "bdok:loadBalancerSourceRanges": ["office"] }, /bdok:loadBalancerSourceRanges\[0\]: got "office"/],
        [
            "a spot-only workloads pool while a pipeline runs Spark drivers on on-demand",
            { "bdok:karpenter": { pools: { workloads: { capacityTypes: ["spot"] } } } },
            /bdok:karpenter\.pools\.workloads\.capacityTypes: got \["spot"\] with pipelines\.batch on; allowed: a list with "on-demand"/,
        ],
        ["typo'd top-level key", { "bdok:natGateway": "single" }, /bdok:natGateway: unknown key; did you mean "bdok:natGateways"\?/],
        [
            "typo'd nested key",
            { "bdok:database": { instanceClas: "db.t4g.micro" } },
            /bdok:database\.instanceClas: unknown key; did you mean "instanceClass"\?/,
        ],
    ];
    for (const [what, overrides, expected] of cases) {
        it(`rejects ${what} with a message naming the key and what is allowed`, () => {
            assert.match(errorOf(overrides), expected);
        });
    }

    it("accepts a spot-only workloads pool when no pipeline runs a Spark driver", () => {
        const raw = {
            ...base(),
            "bdok:karpenter": JSON.stringify({ pools: { workloads: { capacityTypes: ["spot"] } } }),
            "bdok:pipelines": JSON.stringify({ batch: false, realtime: false }),
        };
        assert.deepEqual(parseConfig(raw, "dev").karpenter.pools.workloads.capacityTypes, ["spot"]);
    });

    it("keeps the providers' own namespaces working", () => {
        const raw = {
            ...base(),
            "aws:skipCredentialsValidation": "true",
            "kubernetes:enableServerSideApply": "true",
            "pulumi:tags": JSON.stringify({ team: "data" }),
            "eks:anything": "x",
            "random:x": "y",
        };
        assert.doesNotThrow(() => parseConfig(raw, "dev"));
    });

    it("accepts exactly the Kubernetes versions in EKS standard support on the price table's date, the default among them", () => {
        const prices = loadTables().prices;
        const supported = supportedKubernetesVersions(prices);
        assert.ok(supported.includes(apps.kubernetes), `default ${apps.kubernetes} in ${supported}`);
        for (const [version, cal] of Object.entries(prices.eks.versionCalendar)) {
            const standard = prices.date <= cal.standardUntil;
            const accepted = (() => {
                try {
                    parseConfig({ ...base(), "bdok:kubernetesVersion": version }, "dev");
                    return true;
                } catch {
                    return false;
                }
            })();
            assert.equal(accepted, standard, `${version}: standard support until ${cal.standardUntil}, table date ${prices.date}`);
            if (!accepted)
                assert.match(
                    errorOf({ "bdok:kubernetesVersion": version }),
                    new RegExp(`bdok:kubernetesVersion: got "${version.replace(".", "\\.")}"; allowed: one of "${supported[0].replace(".", "\\.")}"`),
                );
        }
        // A day after 1.34 leaves standard support, only later versions remain.
        const later = supportedKubernetesVersions(prices, "2026-12-03");
        assert.ok(!later.includes("1.34") && later.includes("1.35"), later.join(", "));
    });

    it("warns with the price when the stack's Kubernetes version leaves standard support within 90 days", () => {
        const prices = loadTables().prices;
        const cluster = {
            urn: "urn:pulumi:dev::bdok::eks:index:Cluster::c",
            type: "eks:index:Cluster",
            name: "c",
            parent: null,
            dependencies: [],
            custom: false,
            inputs: { version: "1.34" },
        };
        const soon = monthlyCost([cluster], { region: "us-east-1", azCount: 2 }, prices, { asOf: "2026-12-01" }).warnings;
        assert.ok(
            soon.some((w) => /EKS 1\.34 leaves standard support on 2026-12-02; .*\$0\.6\/h .*upgrade bdok:kubernetesVersion to 1\.35/.test(w)),
            soon.join("\n"),
        );
        const far = monthlyCost([{ ...cluster, inputs: { version: "1.35" } }], { region: "us-east-1", azCount: 2 }, prices, { asOf: "2026-12-01" }).warnings;
        assert.ok(!far.some((w) => /leaves standard support/.test(w)), far.join("\n"));
    });

    it("reports every problem at once, cross-key rules included", () => {
        const msg = errorOf({ "bdok:azCount": "9", "bdok:natGateways": "x", "bdok:nodeGroups": { general: { ...devGroup(), minSize: 4, desiredSize: 3 } } });
        assert.match(msg, /3 problems/);
        assert.match(msg, /minSize=4, desiredSize=3/);
        assert.match(msg, /bdok:azCount/);
        assert.match(msg, /bdok:natGateways/);
    });

    it("suggests the closest key only when it is plausibly a typo", () => {
        assert.equal(closest("vpcCdir", Object.keys(schema)), "vpcCidr");
        assert.equal(closest("somethingElse", Object.keys(schema)), undefined);
    });
});
