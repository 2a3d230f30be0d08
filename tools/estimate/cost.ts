// What the plan costs a month at idle, by the price table (lib/prices.ts).
import { CapacityTable } from "./node-capacity";
import { EstResource, getPath } from "../../lib/plan-resource";
import { PriceTable, ec2HourlyPrice, eksHourlyRate, rdsHourlyPrice, supportedKubernetesVersions } from "../../lib/prices";
import { round } from "../../lib/quantities";
import { RenderedObjects } from "./objects";
import { workloads } from "./workloads";
import { charts } from "../../versions";

/** The estimate's line for metrics, dashboards and alerts (platform/observability). */
export const OBSERVABILITY_ITEM = "observability";

export interface CostItem {
    item: string;
    resource: string;
    quantity: number;
    unit: string;
    unitUsd: number;
    monthlyUsd: number;
    note?: string;
}

export interface MonthlyCost {
    totalUsd: number;
    items: CostItem[];
    warnings: string[];
    usageBased: PriceTable["usageBased"];
}

/**
 * What the plan costs a month with no traffic: every resource with a time-based price (EKS control
 * plane, NAT gateways, public IPv4 addresses, node group instances and their root volumes, RDS
 * instance and storage, KMS keys, interface endpoints, load balancers, persistent volumes the
 * program and its charts request, with `rendered` as in workloads()). Usage-based charges (data processing, S3 storage, logs) are listed, not added.
 */
export function monthlyCost(
    resources: EstResource[],
    config: { region: string; azCount: number },
    prices: PriceTable,
    opts: { asOf?: string; capacityTable?: CapacityTable; rendered?: RenderedObjects } = {},
): MonthlyCost {
    const H = prices.hoursPerMonth;
    const asOf = opts.asOf ?? prices.date;
    const items: CostItem[] = [];
    const warnings: string[] = [];
    if (config.region !== prices.region) warnings.push(`prices are for ${prices.region}; the stack deploys to ${config.region}`);
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const hasAncestorOfType = (r: EstResource, type: string) => {
        for (let p = r.parent; p && byUrn.has(p); p = byUrn.get(p)!.parent) if (byUrn.get(p)!.type === type) return true;
        return false;
    };
    const hourly = (item: string, resource: string, quantity: number, unit: string, perHour: number, note?: string) =>
        items.push({ item, resource, quantity, unit, unitUsd: perHour * H, monthlyUsd: quantity * perHour * H, note });
    const monthly = (item: string, resource: string, quantity: number, unit: string, perMonth: number, note?: string) =>
        items.push({ item, resource, quantity, unit, unitUsd: perMonth, monthlyUsd: quantity * perMonth, note });

    for (const r of resources) {
        const i = r.inputs ?? {};
        switch (r.type) {
            case "eks:index:Cluster":
            case "aws:eks/cluster:Cluster": {
                if (r.type === "aws:eks/cluster:Cluster" && hasAncestorOfType(r, "eks:index:Cluster")) break;
                const version = String(i.version ?? "");
                const rate = eksHourlyRate(version, asOf, prices);
                if (rate.support === "unknown")
                    warnings.push(`EKS version ${version || "(unset)"} is not in the price table's calendar; priced at the standard rate`);
                hourly("EKS control plane", r.name, 1, "cluster", rate.perHour, `Kubernetes ${version}, ${rate.support} support on ${asOf}`);
                const until = prices.eks.versionCalendar[version]?.standardUntil;
                const days = until ? (Date.parse(until) - Date.parse(asOf)) / 86400000 : Infinity;
                if (rate.support === "standard" && days <= 90) {
                    const newer = supportedKubernetesVersions(prices, asOf).filter((v) => Number(v.split(".")[1]) > Number(version.split(".")[1]));
                    warnings.push(
                        `EKS ${version} leaves standard support on ${until}; from then the control plane bills $${prices.eks.extendedPerHour}/h ($${round(prices.eks.extendedPerHour * H)}/month) instead of $${prices.eks.standardPerHour}/h${newer.length ? `: upgrade bdok:kubernetesVersion to ${newer[newer.length - 1]}` : ""}`,
                    );
                }
                break;
            }
            case "aws:ec2/natGateway:NatGateway":
                hourly("NAT gateway", r.name, 1, "gateway", prices.natGateway.perHour, `+ $${prices.natGateway.perGBProcessed}/GB processed (usage)`);
                break;
            case "aws:ec2/eip:Eip":
                hourly("public IPv4 address", r.name, 1, "address", prices.publicIpv4.perHour, "Elastic IP");
                break;
            case "eks:index:ManagedNodeGroup":
            case "aws:eks/nodeGroup:NodeGroup": {
                const types = (i.instanceTypes as string[] | undefined) ?? [];
                const n = Number(getPath(i, "scalingConfig.desiredSize") ?? 0);
                const spot = i.capacityType === "SPOT";
                // On-demand groups launch the first listed type (prioritized); spot may pick any: price the dearest.
                const priced = spot ? types.reduce((a, b) => (ec2HourlyPrice(b, prices) > ec2HourlyPrice(a, prices) ? b : a), types[0]) : types[0];
                const od = ec2HourlyPrice(priced, prices);
                hourly(
                    "EC2 instances",
                    r.name,
                    n,
                    `${priced} ${spot ? "spot" : "on-demand"}`,
                    spot ? od * prices.ec2.spot.factor : od,
                    spot ? `spot at ${prices.ec2.spot.factor} x on-demand $${od}/h` : undefined,
                );
                const disk = Number(i.diskSize ?? 20);
                const vt = prices.ebs.nodeRootVolumeType;
                monthly("EBS node root volumes", r.name, n * disk, `GiB ${vt}`, prices.ebs.perGBMonth[vt]);
                break;
            }
            case "aws:rds/instance:Instance": {
                const multi = i.multiAz === true;
                const f = multi ? prices.rds.multiAzFactor : 1;
                hourly(
                    "RDS instance",
                    r.name,
                    f,
                    `${i.instanceClass}${multi ? " (Multi-AZ: primary + standby)" : ""}`,
                    rdsHourlyPrice(String(i.instanceClass), prices),
                );
                const st = String(i.storageType ?? "gp2");
                const per = prices.rds.storagePerGBMonth[st];
                if (per === undefined) warnings.push(`no RDS storage price for ${st}`);
                else monthly("RDS storage", r.name, Number(i.allocatedStorage ?? 0) * f, `GiB ${st}${multi ? " (x2 Multi-AZ)" : ""}`, per);
                break;
            }
            case "aws:ecr/repository:Repository": {
                // Superset's own line: its image, built once per Dockerfile and kept.
                const gb = prices.ecr.storedGB[r.name];
                if (gb !== undefined) monthly("ECR image storage", r.name, gb, "GB", prices.ecr.perGBMonth, "one image, stored while the stack exists");
                break;
            }
            case "aws:kms/key:Key":
                monthly("KMS key", r.name, 1, "key", prices.kms.perKeyMonth);
                break;
            case "aws:ec2/vpcEndpoint:VpcEndpoint":
                if (i.vpcEndpointType === "Interface") {
                    const azs = Array.isArray(i.subnetIds) ? i.subnetIds.length : config.azCount;
                    hourly("VPC interface endpoint", r.name, azs, "AZ", prices.vpcInterfaceEndpoint.perHourPerAz);
                }
                break;
            case "aws:lb/loadBalancer:LoadBalancer":
            case "aws:alb/loadBalancer:LoadBalancer": {
                const app = (i.loadBalancerType ?? "application") === "application";
                hourly(
                    app ? "application load balancer" : "network load balancer",
                    r.name,
                    1,
                    "load balancer",
                    app ? prices.loadBalancer.albPerHour : prices.loadBalancer.nlbPerHour,
                );
                if (i.internal !== true) {
                    const azs = Array.isArray(i.subnets) ? i.subnets.length : config.azCount;
                    hourly("public IPv4 address", r.name, azs, "address", prices.publicIpv4.perHour, "internet-facing load balancer, one per AZ");
                }
                break;
            }
            case "aws:ebs/volume:Volume": {
                const t = String(i.type ?? "gp3");
                monthly("EBS volume", r.name, Number(i.size ?? 0), `GiB ${t}`, prices.ebs.perGBMonth[t] ?? prices.ebs.perGBMonth.gp3);
                break;
            }
        }
    }

    if (opts.capacityTable) {
        const w = workloads(resources, opts.capacityTable, opts.rendered);
        // Observability is its own line: its volumes priced there, and what its pods request (they run
        // on the node groups, whose nodes are priced above; dev's fit the system node).
        const observability = (source: string) => source.includes(`(helm ${charts.kubePrometheusStack.chart})`);
        const obsPods = w.pods.filter((p) => observability(p.source));
        if (obsPods.length) {
            const cpu = obsPods.reduce((n, p) => n + p.pods * p.cpuMillis, 0);
            const mem = obsPods.reduce((n, p) => n + p.pods * p.memoryMiB, 0);
            monthly(
                OBSERVABILITY_ITEM,
                obsPods[0].source,
                1,
                "stack",
                0,
                `${obsPods.reduce((n, p) => n + p.pods, 0)} pods requesting ${round(cpu / 1000, 2)} vCPU / ${round(mem / 1024, 2)} GiB on the node groups (priced with their nodes)`,
            );
        }
        for (const v of w.volumes) {
            monthly(
                observability(v.source) ? OBSERVABILITY_ITEM : "EBS persistent volumes",
                `${v.source} ${v.path}`,
                v.count * v.sizeGiB,
                "GiB gp3",
                prices.ebs.perGBMonth.gp3,
                v.count > 1 ? `${v.count} x ${round(v.sizeGiB)} GiB` : undefined,
            );
        }
        for (const lb of w.loadBalancers) {
            hourly(
                "network load balancer",
                `${lb.source} ${lb.path}`,
                1,
                "load balancer",
                prices.loadBalancer.nlbPerHour,
                lb.internetFacing ? "internet-facing" : "internal",
            );
            if (lb.internetFacing)
                hourly(
                    "public IPv4 address",
                    `${lb.source} ${lb.path}`,
                    config.azCount,
                    "address",
                    prices.publicIpv4.perHour,
                    "internet-facing load balancer, one per AZ",
                );
        }
    }

    for (const it of items) {
        it.unitUsd = round(it.unitUsd, 4);
        it.monthlyUsd = round(it.monthlyUsd, 2);
    }
    const totalUsd = round(
        items.reduce((s, it) => s + it.monthlyUsd, 0),
        2,
    );
    return { totalUsd, items, warnings, usageBased: prices.usageBased };
}
