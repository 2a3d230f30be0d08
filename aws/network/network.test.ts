import { strict as assert } from "assert";
import { addressCount, parseCidr } from "../network/cidr";

import { inputsOf, ofType, one, planWith, describeEachStack } from "../../test/support";

describe("AWS layer", () => {
    describeEachStack(
        (stack) => `stack ${stack}`,
        (plan, stack) => {
            describe("Network", () => {
                it("uses the configured CIDR with DNS support and hostnames", () => {
                    const vpc = inputsOf(one(plan(), "aws:ec2/vpc:Vpc"));
                    assert.equal(vpc.cidrBlock, plan().config.vpcCidr);
                    assert.equal(vpc.enableDnsSupport, true);
                    assert.equal(vpc.enableDnsHostnames, true);
                });

                it("spreads a public and a private subnet over distinct AZs, inside the VPC, without overlap", () => {
                    const subnets = ofType(plan(), "aws:ec2/subnet:Subnet").map(inputsOf);
                    const pub = subnets.filter((s) => s.tags["bdok/tier"] === "public");
                    const priv = subnets.filter((s) => s.tags["bdok/tier"] === "private");
                    assert.equal(pub.length, plan().config.azCount);
                    assert.equal(priv.length, plan().config.azCount);
                    assert.equal(new Set(pub.map((s) => s.availabilityZoneId)).size, plan().config.azCount);
                    assert.equal(new Set(priv.map((s) => s.availabilityZoneId)).size, plan().config.azCount);
                    const vpc = parseCidr(plan().config.vpcCidr)!;
                    const ranges = subnets.map((s) => parseCidr(s.cidrBlock)!).map((c) => [c.base, c.base + 2 ** (32 - c.prefix)]);
                    for (const [lo, hi] of ranges) assert.ok(lo >= vpc.base && hi <= vpc.base + 2 ** (32 - vpc.prefix));
                    ranges.sort((a, b) => a[0] - b[0]);
                    for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i][0] >= ranges[i - 1][1], "subnets overlap");
                    assert.ok(
                        priv.every((s) => addressCount(s.cidrBlock) >= 1024),
                        "private subnets leave room for pod IPs",
                    );
                });

                it("tags subnets for EKS load balancers", () => {
                    for (const s of ofType(plan(), "aws:ec2/subnet:Subnet").map(inputsOf)) {
                        const role = s.tags["bdok/tier"] === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb";
                        assert.equal(s.tags[role], "1");
                        assert.equal(s.tags[`kubernetes.io/cluster/bdok-${stack}-eks`], "shared");
                        assert.notEqual(s.mapPublicIpOnLaunch, true);
                    }
                });

                it("routes every private subnet through a NAT gateway, one or one per AZ as configured", () => {
                    const nats = ofType(plan(), "aws:ec2/natGateway:NatGateway");
                    assert.equal(nats.length, plan().config.natGateways === "single" ? 1 : plan().config.azCount);
                    const natIds = new Set(nats.map((n) => n.urn));
                    const privateRts = ofType(plan(), "aws:ec2/routeTable:RouteTable").filter((r) => r.name.includes("private"));
                    const used = new Set<string>();
                    for (const rt of privateRts) {
                        const route = inputsOf(rt).routes.find((x: any) => x.cidrBlock === "0.0.0.0/0");
                        assert.ok(route?.natGatewayId, `${rt.name} has a default route through NAT`);
                        const dep = rt.propertyDependencies.routes.find((u) => natIds.has(u));
                        assert.ok(dep, `${rt.name} depends on a NAT gateway`);
                        used.add(dep);
                    }
                    assert.equal(used.size, nats.length, "each NAT gateway serves its AZ");
                    // NAT gateways live in public subnets.
                    for (const n of nats) {
                        const subnetUrn = n.propertyDependencies.subnetId[0];
                        assert.match(subnetUrn, /public/);
                    }
                });

                it("attaches the S3 gateway endpoint to every route table", () => {
                    const ep = one(plan(), "aws:ec2/vpcEndpoint:VpcEndpoint");
                    const i = inputsOf(ep);
                    assert.equal(i.vpcEndpointType, "Gateway");
                    assert.equal(i.serviceName, `com.amazonaws.${plan().config.region}.s3`);
                    const rts = ofType(plan(), "aws:ec2/routeTable:RouteTable")
                        .map((r) => r.urn)
                        .sort();
                    assert.deepEqual([...ep.propertyDependencies.routeTableIds].sort(), rts);
                });
            });
        },
    );

    it("changes NAT gateways with the setting alone", async () => {
        const perAz = await planWith("dev", { "bdok:natGateways": "perAz", "bdok:azCount": 3 });
        assert.equal(ofType(perAz, "aws:ec2/natGateway:NatGateway").length, 3);
        const rtNats = ofType(perAz, "aws:ec2/routeTable:RouteTable")
            .filter((r) => r.name.includes("private"))
            .map((r) => r.propertyDependencies.routes.find((u) => u.includes("NatGateway")));
        assert.equal(new Set(rtNats).size, 3);
    });
});
