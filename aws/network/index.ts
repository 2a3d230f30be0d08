import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { subnetLayout } from "./cidr";
import { natIndexFor } from "./nat";
import { eksZones } from "./zones";

export interface NetworkArgs {
    prefix: string;
    cidr: string;
    azCount: number;
    natGateways: "single" | "perAz";
    /** Tag value for kubernetes.io/cluster/<name>, so load balancers find the subnets. */
    clusterName: string;
    tags: Record<string, string>;
}

export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly publicSubnetIds: pulumi.Output<string>[];
    readonly privateSubnetIds: pulumi.Output<string>[];
    /** Zone names as this account sees them, and the zone IDs the subnets are placed by. */
    readonly availabilityZones: pulumi.Output<string>[];
    readonly availabilityZoneIds: pulumi.Output<string>[];
    readonly natGatewayCount: number;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:aws:Network", name, {}, opts);
        const p = { parent: this };
        const layout = subnetLayout(args.cidr, args.azCount);
        const azs = aws.getAvailabilityZonesOutput({ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }, p);
        const zones = pulumi.all([azs.names, azs.zoneIds]).apply(([names, ids]) => eksZones(names, ids, args.azCount));
        this.availabilityZones = layout.private.map((_, i) => zones.apply((z) => z[i].name));
        this.availabilityZoneIds = layout.private.map((_, i) => zones.apply((z) => z[i].id));
        const tag = (n: string, extra: Record<string, string> = {}) => ({ ...args.tags, Name: `${args.prefix}-${n}`, ...extra });
        const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };

        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: args.cidr,
                enableDnsSupport: true,
                enableDnsHostnames: true,
                tags: tag("vpc"),
            },
            p,
        );
        this.vpcId = vpc.id;

        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tag("igw") }, p);
        const publicRt = new aws.ec2.RouteTable(
            `${name}-public`,
            {
                vpcId: vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
                tags: tag("public"),
            },
            p,
        );

        const publicSubnets = layout.public.map(
            (cidr, i) =>
                new aws.ec2.Subnet(
                    `${name}-public-${i}`,
                    {
                        vpcId: vpc.id,
                        cidrBlock: cidr,
                        // By ID: a name is a different zone in each account.
                        availabilityZoneId: this.availabilityZoneIds[i],
                        mapPublicIpOnLaunch: false,
                        tags: tag(`public-${i}`, { ...clusterTag, "kubernetes.io/role/elb": "1", "bdok/tier": "public" }),
                    },
                    p,
                ),
        );
        publicSubnets.forEach((s, i) => new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: s.id, routeTableId: publicRt.id }, p));

        this.natGatewayCount = args.natGateways === "single" ? 1 : args.azCount;
        const nats = Array.from({ length: this.natGatewayCount }, (_, i) => {
            const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: tag(`nat-${i}`) }, p);
            return new aws.ec2.NatGateway(
                `${name}-nat-${i}`,
                {
                    subnetId: publicSubnets[i].id,
                    allocationId: eip.id,
                    tags: tag(`nat-${i}`),
                },
                { parent: this, dependsOn: [igw] },
            );
        });

        const privateRts: aws.ec2.RouteTable[] = [];
        const privateSubnets = layout.private.map((cidr, i) => {
            const subnet = new aws.ec2.Subnet(
                `${name}-private-${i}`,
                {
                    vpcId: vpc.id,
                    cidrBlock: cidr,
                    availabilityZoneId: this.availabilityZoneIds[i],
                    // karpenter.sh/discovery: the EC2NodeClass launches Karpenter's nodes into these subnets only.
                    tags: tag(`private-${i}`, {
                        ...clusterTag,
                        "kubernetes.io/role/internal-elb": "1",
                        "bdok/tier": "private",
                        "karpenter.sh/discovery": args.clusterName,
                    }),
                },
                p,
            );
            const rt = new aws.ec2.RouteTable(
                `${name}-private-${i}`,
                {
                    vpcId: vpc.id,
                    routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[natIndexFor(i, args.natGateways)].id }],
                    tags: tag(`private-${i}`),
                },
                p,
            );
            privateRts.push(rt);
            new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: rt.id }, p);
            return subnet;
        });

        // S3 traffic (the lake, Spark, Airflow logs) bypasses the NAT: cheaper and private.
        const region = aws.getRegionOutput({}, p);
        new aws.ec2.VpcEndpoint(
            `${name}-s3`,
            {
                vpcId: vpc.id,
                serviceName: pulumi.interpolate`com.amazonaws.${region.region}.s3`,
                vpcEndpointType: "Gateway",
                routeTableIds: [publicRt.id, ...privateRts.map((rt) => rt.id)],
                tags: tag("s3"),
            },
            p,
        );

        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
        });
    }
}
