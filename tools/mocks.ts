// Pulumi mocks that answer like the real providers would: every computed output the program reads
// (ids, ARNs, endpoints, the kubeconfig, generated passwords) comes back with a realistic value.
import * as crypto from "crypto";
import type * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT = "123456789012";

function h(...parts: string[]): string {
    return crypto.createHash("sha1").update(parts.join("/")).digest("hex");
}

/**
 * The value the mocked random provider generates: distinctive, so tests can look for leaks. It
 * derives from the keepers too, as the real provider makes a new value when they change (lib/passwords.ts):
 * a plan after a rotation shows every dependant of the password change.
 */
export function mockSecretValue(type: string, name: string, keepers?: Record<string, unknown>): string {
    const k = keepers && Object.keys(keepers).length ? [JSON.stringify(Object.entries(keepers).sort(([a], [b]) => (a < b ? -1 : 1)))] : [];
    return `MockSecret${h(type, name, ...k).slice(0, 24)}`;
}

/**
 * Every generated output of a mocked random resource (RandomPassword.result, RandomBytes.base64,
 * ...): tests rebuild them from a captured resource's type and name to look for leaks.
 */
export function mockRandomState(
    type: string,
    name: string,
    keepers?: Record<string, unknown>,
): { result: string; b64Std: string; base64: string; hex: string; bcryptHash: string } {
    const value = mockSecretValue(type, name, keepers);
    const b64 = Buffer.from(value.padEnd(32, "x").slice(0, 32)).toString("base64");
    // RandomBytes.base64 is standard base64 of `length` (here 32) bytes.
    // RandomPassword.bcryptHash has the provider's shape ($2a$, cost 10, 53 characters of salt + hash).
    const bcryptHash = `$2a$10$${Buffer.from(h(value) + h(`${value}/bcrypt`), "hex")
        .toString("base64")
        .replace(/[^A-Za-z0-9]/g, ".")
        .slice(0, 53)}`;
    return { result: value, b64Std: b64, base64: b64, hex: h(value), bcryptHash };
}

export function mockKubeconfig(clusterName: string, region: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            {
                name: clusterName,
                cluster: {
                    server: `https://${h(clusterName).slice(0, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
                    "certificate-authority-data": "TU9DSw==",
                },
            },
        ],
        contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
        "current-context": clusterName,
        users: [
            {
                name: clusterName,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region],
                    },
                },
            },
        ],
    });
}

/** One account's view of a region's zones (aws.getAvailabilityZones): parallel names and IDs. */
export interface ZoneListing {
    names: string[];
    zoneIds: string[];
}

/** A region's zone-ID prefix (us-east-1 -> use1, ap-southeast-2 -> apse2, ca-central-1 -> cac1). */
export function zoneIdPrefix(region: string): string {
    const [area, direction, n] = region.split("-");
    const dir = direction
        .replace(/north/g, "n")
        .replace(/south/g, "s")
        .replace(/east/g, "e")
        .replace(/west/g, "w")
        .replace(/central/g, "c");
    return `${area}${dir}${n}`;
}

/**
 * The default listing: six zones whose names map to IDs in order, so <region>c is <prefix>-az3,
 * one of the IDs EKS refuses in us-east-1 and ca-central-1: the default plans cross that zone.
 * Tests pass other listings (accounts map names to IDs differently) to runPlan.
 */
export function defaultZones(region: string): ZoneListing {
    const letters = ["a", "b", "c", "d", "e", "f"];
    return { names: letters.map((l) => `${region}${l}`), zoneIds: letters.map((_, i) => `${zoneIdPrefix(region)}-az${i + 1}`) };
}

export class BdokMocks implements pulumi.runtime.Mocks {
    constructor(
        readonly region: string,
        readonly zones: ZoneListing = defaultZones(region),
    ) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
        const { type, name, inputs } = args;
        const hex = h(type, name);
        const [pkg, mod] = type.split(":");
        const service = (mod ?? "").split("/")[0];
        const arn = (resource: string, svc = service) => `arn:aws:${svc}:${this.region}:${MOCK_ACCOUNT}:${resource}`;
        const state: Record<string, any> = { ...inputs };
        let id = `${name}-${hex.slice(0, 8)}`;

        switch (type) {
            case "aws:ec2/vpc:Vpc":
                id = `vpc-${hex.slice(0, 17)}`;
                Object.assign(state, { arn: arn(`vpc/${id}`), defaultSecurityGroupId: `sg-${hex.slice(1, 18)}`, mainRouteTableId: `rtb-${hex.slice(2, 19)}` });
                break;
            case "aws:ec2/subnet:Subnet":
                id = `subnet-${hex.slice(0, 17)}`;
                state.arn = arn(`subnet/${id}`);
                break;
            case "aws:ec2/securityGroup:SecurityGroup":
                id = `sg-${hex.slice(0, 17)}`;
                state.arn = arn(`security-group/${id}`);
                break;
            case "aws:ec2/natGateway:NatGateway":
                id = `nat-${hex.slice(0, 17)}`;
                break;
            case "aws:ec2/eip:Eip":
                id = `eipalloc-${hex.slice(0, 17)}`;
                state.publicIp = `198.51.100.${(parseInt(hex.slice(0, 2), 16) % 254) + 1}`;
                break;
            case "aws:s3/bucket:Bucket": {
                const bucket = inputs.bucket ?? `${inputs.bucketPrefix ?? name}${hex.slice(0, 12)}`;
                id = bucket;
                Object.assign(state, {
                    bucket,
                    arn: `arn:aws:s3:::${bucket}`,
                    bucketRegionalDomainName: `${bucket}.s3.${this.region}.amazonaws.com`,
                    region: this.region,
                });
                break;
            }
            case "aws:iam/role:Role": {
                const roleName = inputs.name ?? `${inputs.namePrefix ?? name}${hex.slice(0, 8)}`;
                id = roleName;
                Object.assign(state, {
                    name: roleName,
                    arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/${roleName}`,
                    uniqueId: `AROA${hex.slice(0, 17).toUpperCase()}`,
                });
                break;
            }
            case "aws:kms/key:Key":
                id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
                Object.assign(state, { arn: arn(`key/${id}`), keyId: id });
                break;
            case "aws:rds/instance:Instance": {
                const ident = inputs.identifier ?? name;
                const address = `${ident}.c${hex.slice(0, 11)}.${this.region}.rds.amazonaws.com`;
                id = `db-${hex.slice(0, 26).toUpperCase()}`;
                Object.assign(state, {
                    address,
                    port: inputs.port ?? 5432,
                    endpoint: `${address}:${inputs.port ?? 5432}`,
                    arn: arn(`db:${ident}`, "rds"),
                    resourceId: id,
                });
                break;
            }
            case "aws:ecr/repository:Repository": {
                const repoName = inputs.name ?? name;
                Object.assign(state, {
                    name: repoName,
                    arn: arn(`repository/${repoName}`, "ecr"),
                    repositoryUrl: `${MOCK_ACCOUNT}.dkr.ecr.${this.region}.amazonaws.com/${repoName}`,
                    registryId: MOCK_ACCOUNT,
                });
                id = repoName;
                break;
            }
            case "aws:sqs/queue:Queue": {
                const queueName = inputs.name ?? `${name}-${hex.slice(0, 8)}`;
                id = `https://sqs.${this.region}.amazonaws.com/${MOCK_ACCOUNT}/${queueName}`;
                Object.assign(state, { name: queueName, arn: arn(queueName, "sqs"), url: id });
                break;
            }
            case "aws:iam/policy:Policy": {
                const policyName = inputs.name ?? `${inputs.namePrefix ?? name}${hex.slice(0, 8)}`;
                Object.assign(state, {
                    name: policyName,
                    arn: `arn:aws:iam::${MOCK_ACCOUNT}:policy/${policyName}`,
                    policyId: `ANPA${hex.slice(0, 17).toUpperCase()}`,
                });
                id = state.arn;
                break;
            }
            case "eks:index:Cluster": {
                const clusterName = inputs.name ?? name;
                const clusterSg = `sg-${hex.slice(3, 20)}`;
                Object.assign(state, {
                    kubeconfigJson: mockKubeconfig(clusterName, this.region),
                    kubeconfig: JSON.parse(mockKubeconfig(clusterName, this.region)),
                    clusterSecurityGroupId: `sg-${hex.slice(0, 17)}`,
                    nodeSecurityGroupId: `sg-${hex.slice(1, 18)}`,
                    eksCluster: {
                        name: clusterName,
                        arn: arn(`cluster/${clusterName}`, "eks"),
                        endpoint: `https://${hex.slice(0, 32).toUpperCase()}.gr7.${this.region}.eks.amazonaws.com`,
                        vpcConfig: { clusterSecurityGroupId: clusterSg },
                    },
                });
                id = clusterName;
                break;
            }
            default:
                if (pkg === "random") {
                    Object.assign(state, mockRandomState(type, name, inputs.keepers));
                } else if (pkg === "aws") {
                    if (state.arn === undefined) state.arn = arn(`${(mod ?? "").split(":")[1] ?? "resource"}/${inputs.name ?? name}`);
                    if (state.name === undefined && inputs.namePrefix) state.name = `${inputs.namePrefix}${hex.slice(0, 8)}`;
                } else if (pkg === "kubernetes") {
                    if (type === "kubernetes:helm.sh/v3:Release") {
                        state.status = { name: inputs.name ?? name, namespace: inputs.namespace ?? "default", status: "deployed", version: inputs.version };
                    } else if (inputs.metadata && typeof inputs.metadata === "object" && !inputs.metadata.name && !inputs.metadata.generateName) {
                        // The provider auto-names objects without metadata.name: <resource name>-<random suffix>.
                        state.metadata = { ...inputs.metadata, name: `${name}-${hex.slice(0, 8)}` };
                    }
                }
        }
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        switch (args.token) {
            case "aws:index/getAvailabilityZones:getAvailabilityZones":
                return { names: [...this.zones.names], zoneIds: [...this.zones.zoneIds], id: this.region };
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/mock`, userId: "AIDAMOCK", id: MOCK_ACCOUNT };
            case "aws:index/getRegion:getRegion":
                return { name: this.region, region: this.region, id: this.region, endpoint: `ec2.${this.region}.amazonaws.com`, description: this.region };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
            case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
                return {
                    proxyEndpoint: `https://${MOCK_ACCOUNT}.dkr.ecr.${this.region}.amazonaws.com`,
                    userName: "AWS",
                    password: mockSecretValue("ecr", "token"),
                    authorizationToken: "bW9jaw==",
                };
            default:
                return args.inputs;
        }
    }
}

/** mockRandomState of a captured random resource: its type, name and keepers. */
export function mockRandomStateOf(r: { type: string; name: string; inputs?: Record<string, unknown> }): ReturnType<typeof mockRandomState> {
    return mockRandomState(r.type, r.name, r.inputs?.keepers as Record<string, unknown> | undefined);
}
