import { strict as assert } from "assert";
import { addressCount, parseCidr } from "../lib/cidr";
import { bookNames } from "../lib/naming";
import { apps } from "../versions";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseConfig } from "../config";
import { MAX_STACK_NAME } from "../lib/naming";
import { Captured, PlanRun, ROOT, loadStackConfig, runPlan } from "../tools/harness";
import { descendants, inputsOf, ofType, one, planOf, planWith, STACKS, transitiveDeps } from "./support";

/**
 * The provider's engine-version diff (aws_db_instance): a configured version matches the running
 * one when equal or a prefix of it ("17" matches "17.7"); anything else is planned as an upgrade,
 * which RDS refuses when it would go down ("Cannot upgrade postgres from 17.7 to 17.6").
 */
function engineVersionDiffers(configured: string, running: string): boolean {
    return !(running === configured || running.startsWith(`${configured}.`));
}

/** After AWS applies the next minor version (only when auto upgrades are on), `up` plans no change. */
function assertNoMinorDrift(engineVersion: string, autoMinorVersionUpgrade: boolean): void {
    const created = /^\d+$/.test(engineVersion) ? `${engineVersion}.6` : engineVersion; // RDS picks the default minor
    const [major, minor] = created.split(".").map(Number);
    const running = autoMinorVersionUpgrade ? `${major}.${minor + 1}` : created;
    assert.equal(engineVersionDiffers(engineVersion, created), false, "matches the version RDS creates");
    assert.equal(engineVersionDiffers(engineVersion, running), false,
        `engineVersion ${engineVersion} with autoMinorVersionUpgrade ${autoMinorVersionUpgrade}: after AWS moves to ${running} the next up downgrades`);
}

function component(run: PlanRun, type: string): Captured {
    return one(run, type);
}

function within(run: PlanRun, parentType: string, type: string): Captured[] {
    return descendants(run, component(run, parentType).urn).filter((r) => r.type === type);
}

describe("AWS layer", () => {
    it("has dev and prod stacks", () => {
        assert.ok(STACKS.includes("dev") && STACKS.includes("prod"), `stacks: ${STACKS}`);
    });

    for (const stack of ["dev", "prod"]) {
        describe(`stack ${stack}`, () => {
            let run: PlanRun;
            before(async () => { run = await planOf(stack); });

            it("declares the four AWS components at the top level", () => {
                const root = one(run, "pulumi:pulumi:Stack");
                for (const t of ["bdok:aws:Network", "bdok:aws:DataLake", "bdok:aws:Database", "bdok:aws:Cluster"]) {
                    assert.equal(one(run, t).parent, root.urn, `${t} is a child of the stack`);
                }
            });

            describe("Network", () => {
                it("uses the configured CIDR with DNS support and hostnames", () => {
                    const vpc = inputsOf(one(run, "aws:ec2/vpc:Vpc"));
                    assert.equal(vpc.cidrBlock, run.config.vpcCidr);
                    assert.equal(vpc.enableDnsSupport, true);
                    assert.equal(vpc.enableDnsHostnames, true);
                });

                it("spreads a public and a private subnet over distinct AZs, inside the VPC, without overlap", () => {
                    const subnets = ofType(run, "aws:ec2/subnet:Subnet").map(inputsOf);
                    const pub = subnets.filter((s) => s.tags["bdok/tier"] === "public");
                    const priv = subnets.filter((s) => s.tags["bdok/tier"] === "private");
                    assert.equal(pub.length, run.config.azCount);
                    assert.equal(priv.length, run.config.azCount);
                    assert.equal(new Set(pub.map((s) => s.availabilityZone)).size, run.config.azCount);
                    assert.equal(new Set(priv.map((s) => s.availabilityZone)).size, run.config.azCount);
                    const vpc = parseCidr(run.config.vpcCidr)!;
                    const ranges = subnets.map((s) => parseCidr(s.cidrBlock)!).map((c) => [c.base, c.base + 2 ** (32 - c.prefix)]);
                    for (const [lo, hi] of ranges) assert.ok(lo >= vpc.base && hi <= vpc.base + 2 ** (32 - vpc.prefix));
                    ranges.sort((a, b) => a[0] - b[0]);
                    for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i][0] >= ranges[i - 1][1], "subnets overlap");
                    assert.ok(priv.every((s) => addressCount(s.cidrBlock) >= 1024), "private subnets leave room for pod IPs");
                });

                it("tags subnets for EKS load balancers", () => {
                    for (const s of ofType(run, "aws:ec2/subnet:Subnet").map(inputsOf)) {
                        const role = s.tags["bdok/tier"] === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb";
                        assert.equal(s.tags[role], "1");
                        assert.equal(s.tags[`kubernetes.io/cluster/bdok-${stack}-eks`], "shared");
                        assert.notEqual(s.mapPublicIpOnLaunch, true);
                    }
                });

                it("routes every private subnet through a NAT gateway, one or one per AZ as configured", () => {
                    const nats = ofType(run, "aws:ec2/natGateway:NatGateway");
                    assert.equal(nats.length, run.config.natGateways === "single" ? 1 : run.config.azCount);
                    const natIds = new Set(nats.map((n) => n.urn));
                    const privateRts = ofType(run, "aws:ec2/routeTable:RouteTable").filter((r) => r.name.includes("private"));
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
                    const ep = one(run, "aws:ec2/vpcEndpoint:VpcEndpoint");
                    const i = inputsOf(ep);
                    assert.equal(i.vpcEndpointType, "Gateway");
                    assert.equal(i.serviceName, `com.amazonaws.${run.config.region}.s3`);
                    const rts = ofType(run, "aws:ec2/routeTable:RouteTable").map((r) => r.urn).sort();
                    assert.deepEqual([...ep.propertyDependencies.routeTableIds].sort(), rts);
                });
            });

            describe("DataLake", () => {
                it("secures every bucket: SSE, versioning, public access block, ownership, TLS-only policy", () => {
                    const buckets = ofType(run, "aws:s3/bucket:Bucket");
                    assert.ok(buckets.length >= 2);
                    for (const b of buckets) {
                        const kids = run.captured.filter((c) => c.parent === b.urn);
                        const kid = (t: string) => {
                            const found = kids.filter((k) => k.type === t);
                            assert.equal(found.length, 1, `${b.name} has one ${t}`);
                            assert.ok(found[0].dependencies.includes(b.urn), `${t} targets ${b.name}`);
                            return inputsOf(found[0]);
                        };
                        const sse = kid("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
                        assert.match(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, /^(AES256|aws:kms)$/);
                        assert.equal(kid("aws:s3/bucketVersioning:BucketVersioning").versioningConfiguration.status, "Enabled");
                        const pab = kid("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
                        for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(pab[k], true, k);
                        assert.equal(kid("aws:s3/bucketOwnershipControls:BucketOwnershipControls").rule.objectOwnership, "BucketOwnerEnforced");
                        const policy = JSON.parse(kid("aws:s3/bucketPolicy:BucketPolicy").policy);
                        const deny = policy.Statement.find((s: any) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false");
                        assert.ok(deny, `${b.name} denies non-TLS access`);
                        const arn = `arn:aws:s3:::${inputsOf(b).bucketPrefix}`;
                        assert.equal(deny.Resource.length, 2);
                        assert.ok(deny.Resource[0].startsWith(arn) && deny.Resource[1] === `${deny.Resource[0]}/*`, "the policy covers the bucket and its objects");
                    }
                });

                it("creates the book's prefixes in the lake", () => {
                    const keys = within(run, "bdok:aws:DataLake", "aws:s3/bucketObjectv2:BucketObjectv2").map((o) => inputsOf(o).key).sort();
                    assert.deepEqual(keys, [...bookNames.lakePrefixes].sort());
                });

                it("catalogs the stack's database and crawls silver/imdb/consolidated with prefix imdb-", () => {
                    assert.equal(inputsOf(one(run, "aws:glue/catalogDatabase:CatalogDatabase")).name, `bdok-${stack}-database`);
                    const crawler = inputsOf(one(run, "aws:glue/crawler:Crawler"));
                    assert.equal(crawler.name, `bdok-${stack}-imdb_consolidated_crawler`);
                    assert.equal(crawler.databaseName, `bdok-${stack}-database`);
                    assert.equal(run.plan.outputs.glueDatabase, crawler.databaseName);
                    assert.equal(run.plan.outputs.glueCrawler, crawler.name);
                    assert.equal(crawler.tablePrefix, "imdb-");
                    assert.deepEqual(crawler.s3Targets.map((t: any) => t.path), [`s3://${run.plan.outputs.lakeBucket}/silver/imdb/consolidated`]);
                    assert.equal(crawler.schedule, undefined, "on demand: started by the DAG");
                });

                it("scopes the crawler's role to its prefix and its database", () => {
                    const crawler = one(run, "aws:glue/crawler:Crawler");
                    const roleUrn = crawler.propertyDependencies.role[0];
                    const role = run.captured.find((c) => c.urn === roleUrn)!;
                    assert.equal(JSON.parse(inputsOf(role).assumeRolePolicy).Statement[0].Principal.Service, "glue.amazonaws.com");
                    const policies = ofType(run, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.dependencies.includes(roleUrn));
                    assert.equal(policies.length, 1);
                    const attached = ofType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((p) => p.dependencies.includes(roleUrn));
                    assert.equal(attached.length, 0, "no broad managed policy such as AWSGlueServiceRole");
                    const doc = JSON.parse(inputsOf(policies[0]).policy);
                    const lake = `arn:aws:s3:::${run.plan.outputs.lakeBucket}`;
                    for (const s of doc.Statement) {
                        const resources = [s.Resource].flat();
                        assert.ok(!resources.includes("*"), `statement ${s.Sid} names its resources`);
                        if ([s.Action].flat().some((a: string) => a.startsWith("s3:"))) {
                            for (const r of resources) assert.ok(r === lake || r.startsWith(`${lake}/silver/imdb/consolidated`), `S3 scope: ${r}`);
                        }
                        if ([s.Action].flat().some((a: string) => a.startsWith("glue:"))) {
                            for (const r of resources) assert.ok([":catalog", `:database/bdok-${stack}-database`, `:table/bdok-${stack}-database/*`].some((x) => r.endsWith(x)), r);
                        }
                        assert.ok(![s.Action].flat().some((a: string) => a.endsWith("*")), "no wildcard actions");
                    }
                    const list = doc.Statement.find((s: any) => [s.Action].flat().includes("s3:ListBucket"));
                    assert.deepEqual(list.Condition.StringLike["s3:prefix"], ["silver/imdb/consolidated", "silver/imdb/consolidated/*"]);
                });
            });

            describe("Database", () => {
                it("is private, encrypted, backed up and in the private subnet group", () => {
                    const db = one(run, "aws:rds/instance:Instance");
                    const i = inputsOf(db);
                    assert.equal(i.identifier, `bdok-${stack}-postgres`);
                    assert.equal(i.username, "postgres");
                    assert.equal(i.engine, "postgres");
                    assert.equal(i.publiclyAccessible, false);
                    assert.equal(i.storageEncrypted, true);
                    assert.ok(i.backupRetentionPeriod >= 1);
                    assert.equal(i.multiAz, run.config.database.multiAz);
                    const sng = one(run, "aws:rds/subnetGroup:SubnetGroup");
                    assert.deepEqual(db.propertyDependencies.dbSubnetGroupName, [sng.urn]);
                    const privateSubnets = ofType(run, "aws:ec2/subnet:Subnet").filter((s) => inputsOf(s).tags["bdok/tier"] === "private").map((s) => s.urn).sort();
                    assert.deepEqual([...sng.propertyDependencies.subnetIds].sort(), privateSubnets);
                });

                it("keeps the password a secret from random to RDS", () => {
                    const db = one(run, "aws:rds/instance:Instance");
                    assert.equal(db.inputs.password, "[secret]");
                    const pw = one(run, "random:index/randomPassword:RandomPassword", "database-master");
                    assert.ok(db.propertyDependencies.password.includes(pw.urn));
                    assert.equal(run.plan.outputs.rdsMasterPassword, "[secret]");
                });

                it("admits 5432 only from the cluster security group", () => {
                    const sg = within(run, "bdok:aws:Database", "aws:ec2/securityGroup:SecurityGroup");
                    assert.equal(sg.length, 1);
                    const sgi = inputsOf(sg[0]);
                    assert.equal(sgi.ingress, undefined, "no inline ingress");
                    const rules = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                        .filter((r) => r.propertyDependencies.securityGroupId?.includes(sg[0].urn));
                    assert.equal(rules.length, 1);
                    const r = inputsOf(rules[0]);
                    assert.equal(r.fromPort, 5432);
                    assert.equal(r.toPort, 5432);
                    assert.equal(r.cidrIpv4, undefined);
                    const eks = one(run, "eks:index:Cluster");
                    assert.deepEqual(rules[0].propertyDependencies.referencedSecurityGroupId, [eks.urn]);
                    assert.match(r.referencedSecurityGroupId, /^sg-/);
                });

                it("follows protection settings", () => {
                    const db = one(run, "aws:rds/instance:Instance");
                    const i = inputsOf(db);
                    const prot = run.config.protectStatefulResources;
                    assert.equal(db.protect, prot);
                    assert.equal(i.deletionProtection, prot);
                    assert.equal(i.skipFinalSnapshot, !prot);
                    assert.equal(i.finalSnapshotIdentifier !== undefined, prot);
                });

                it("has one owner of the engine version: an AWS minor upgrade never makes the next `up` drift", () => {
                    const i = inputsOf(one(run, "aws:rds/instance:Instance"));
                    assertNoMinorDrift(i.engineVersion, i.autoMinorVersionUpgrade);
                    assert.equal(i.engineVersion, apps.postgresEngine, "the stacks take the pinned default");
                });

                it("allows logical replication", () => {
                    const pg = inputsOf(one(run, "aws:rds/parameterGroup:ParameterGroup"));
                    assert.equal(pg.family, `postgres${run.config.database.engineVersion.split(".")[0]}`);
                    assert.ok(pg.parameters.some((p: any) => p.name === "rds.logical_replication" && p.value === "1"));
                });
            });

            describe("Cluster", () => {
                it("configures EKS: API access entries, logging, secrets encryption, private nodes", () => {
                    const c = one(run, "eks:index:Cluster");
                    assert.equal(c.remote, true);
                    const i = inputsOf(c);
                    assert.equal(i.authenticationMode, "API");
                    assert.deepEqual([...i.enabledClusterLogTypes].sort(), ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
                    const key = one(run, "aws:kms/key:Key");
                    assert.ok(c.propertyDependencies.encryptionConfigKeyArn.includes(key.urn));
                    assert.equal(inputsOf(key).enableKeyRotation, true);
                    assert.equal(i.nodeAssociatePublicIpAddress, false);
                    assert.equal(i.skipDefaultNodeGroup, true);
                    assert.equal(i.version, run.config.kubernetesVersion);
                });

                it("opens the public API endpoint only to the configured CIDRs; prod's is private", () => {
                    const i = inputsOf(one(run, "eks:index:Cluster"));
                    const cidrs = run.config.endpointPublicAccessCidrs;
                    assert.equal(i.endpointPrivateAccess, true);
                    assert.equal(i.endpointPublicAccess, cidrs.length > 0);
                    // An empty list with the public endpoint on would be 0.0.0.0/0 to EKS.
                    assert.deepEqual(i.publicAccessCidrs, cidrs.length > 0 ? cidrs : undefined);
                    if (run.config.isProd) assert.deepEqual(cidrs, [], "prod reaches its API from inside the VPC only");
                });

                it("runs managed node groups in the private subnets, sized per stack", () => {
                    const groups = ofType(run, "eks:index:ManagedNodeGroup");
                    assert.equal(groups.length, Object.keys(run.config.nodeGroups).length);
                    const privateSubnets = ofType(run, "aws:ec2/subnet:Subnet").filter((s) => inputsOf(s).tags["bdok/tier"] === "private").map((s) => s.urn).sort();
                    for (const g of groups) {
                        const i = inputsOf(g);
                        assert.deepEqual([...g.propertyDependencies.subnetIds].sort(), privateSubnets, `${g.name} in private subnets`);
                        const cfg = run.config.nodeGroups[g.name.replace(/^cluster-/, "")];
                        assert.deepEqual(i.scalingConfig, { minSize: cfg.minSize, desiredSize: cfg.desiredSize, maxSize: cfg.maxSize });
                        assert.deepEqual(i.instanceTypes, cfg.instanceTypes);
                        assert.match(i.amiType, /^AL2023_/);
                    }
                });

                it("installs the Pod Identity agent and the EBS CSI driver with its own role", () => {
                    const addons = ofType(run, "aws:eks/addon:Addon").map((a) => inputsOf(a).addonName).sort();
                    assert.deepEqual(addons, ["aws-ebs-csi-driver", "eks-pod-identity-agent"]);
                    const assoc = ofType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation").map(inputsOf)
                        .find((a) => a.serviceAccount === "ebs-csi-controller-sa");
                    assert.equal(assoc?.namespace, "kube-system");
                });

                it("makes an encrypted gp3 StorageClass the default, on the cluster's provider", () => {
                    const sc = one(run, "kubernetes:storage.k8s.io/v1:StorageClass");
                    const i = inputsOf(sc);
                    assert.equal(i.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
                    assert.equal(i.parameters.type, "gp3");
                    assert.equal(i.parameters.encrypted, "true");
                    assert.equal(sc.provider, one(run, "pulumi:providers:kubernetes").urn);
                });

                it("builds the Kubernetes provider from the cluster's kubeconfig, as a secret", () => {
                    const p = one(run, "pulumi:providers:kubernetes");
                    assert.equal(p.inputs.kubeconfig, "[secret]");
                    assert.deepEqual(p.propertyDependencies.kubeconfig, [one(run, "eks:index:Cluster").urn]);
                    assert.equal(run.plan.outputs.kubeconfig, "[secret]");
                });
            });

            describe("dependency graph", () => {
                it("creates RDS after its subnet group, and neither RDS nor the buckets wait for EKS", () => {
                    const eks = one(run, "eks:index:Cluster");
                    const groups = ofType(run, "eks:index:ManagedNodeGroup").map((g) => g.urn);
                    const waitsForCluster = (r: Captured) => {
                        const deps = transitiveDeps(run, r.urn);
                        return deps.has(eks.urn) || groups.some((g) => deps.has(g));
                    };
                    const db = one(run, "aws:rds/instance:Instance");
                    assert.ok(db.dependencies.includes(one(run, "aws:rds/subnetGroup:SubnetGroup").urn));
                    assert.equal(waitsForCluster(db), false, "RDS instance waits for EKS");
                    for (const b of ofType(run, "aws:s3/bucket:Bucket")) assert.equal(waitsForCluster(b), false, `${b.name} waits for EKS`);
                    for (const t of ["aws:glue/crawler:Crawler", "aws:glue/catalogDatabase:CatalogDatabase"]) {
                        assert.equal(waitsForCluster(one(run, t)), false, `${t} waits for EKS`);
                    }
                    const awsWaiting = run.captured.filter((r) => r.type.startsWith("aws:") && waitsForCluster(r)
                        && descendants(run, one(run, "bdok:aws:Database").urn).some((d) => d.urn === r.urn));
                    assert.deepEqual(awsWaiting.map((r) => r.type), ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
                        "only the ingress rule naming the cluster's security group waits for EKS");
                });
            });
        });
    }

    it("turns automatic minor upgrades off when a stack pins a full engine version", async () => {
        const pinned = await planWith("dev", { "bdok:database": { engineVersion: "17.6" } });
        const i = inputsOf(one(pinned, "aws:rds/instance:Instance"));
        assert.equal(i.engineVersion, "17.6");
        assert.equal(i.autoMinorVersionUpgrade, false);
        assertNoMinorDrift(i.engineVersion, i.autoMinorVersionUpgrade);
        assert.equal(inputsOf(one(pinned, "aws:rds/parameterGroup:ParameterGroup")).family, "postgres17");
    });

    it("gives viewer roles (the CI preview role) read-only access entries", async () => {
        const arn = "arn:aws:iam::123456789012:role/bdok-ci-preview";
        const entries = inputsOf(one(await planWith("dev", { "bdok:viewerRoleArns": [arn] }), "eks:index:Cluster")).accessEntries;
        const viewers = Object.values(entries as Record<string, any>).filter((e) => e.principalArn === arn);
        assert.equal(viewers.length, 1);
        assert.deepEqual(Object.values(viewers[0].accessPolicies).map((p: any) => p.policyArn), ["arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"]);
    });

    it("changes NAT gateways with the setting alone", async () => {
        const perAz = await planWith("dev", { "bdok:natGateways": "perAz", "bdok:azCount": 3 });
        assert.equal(ofType(perAz, "aws:ec2/natGateway:NatGateway").length, 3);
        const rtNats = ofType(perAz, "aws:ec2/routeTable:RouteTable").filter((r) => r.name.includes("private"))
            .map((r) => r.propertyDependencies.routes.find((u) => u.includes("NatGateway")));
        assert.equal(new Set(rtNats).size, 3);
    });
});

// Fields that name a resource itself (not a reference to another one).
const OWN_NAME_FIELDS = ["name", "namePrefix", "bucketPrefix", "identifier", "finalSnapshotIdentifier"];

/** type + field + value of every physical name an AWS resource of the plan gets. */
function physicalNames(run: PlanRun): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of run.captured) {
        if (!r.type.startsWith("aws:") && r.type !== "eks:index:Cluster") continue;
        const i = inputsOf(r);
        for (const f of OWN_NAME_FIELDS) if (typeof i[f] === "string") out.set(`${r.type} ${f}=${i[f]}`, `${r.name}`);
    }
    return out;
}

describe("account-global names", () => {
    const runs: Record<string, PlanRun> = {};
    before(async () => {
        runs.dev = await planOf("dev");
        runs.prod = await planOf("prod");
        // A third stack with dev's settings: only its name differs.
        runs.qa = await runPlan("qa", loadStackConfig("dev"));
    });

    it("differ between stacks sharing an account and region (RDS, Glue, IAM, S3, ECR, EKS, snapshot)", () => {
        const names = Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, physicalNames(r)]));
        const types = new Set([...names.prod.keys()].map((k) => k.split(" ")[0]));
        for (const t of [
            "aws:rds/instance:Instance", "aws:rds/subnetGroup:SubnetGroup", "aws:rds/parameterGroup:ParameterGroup",
            "aws:glue/catalogDatabase:CatalogDatabase", "aws:glue/crawler:Crawler", "aws:iam/role:Role", "aws:s3/bucket:Bucket",
            "aws:ecr/repository:Repository", "eks:index:Cluster",
        ]) assert.ok(types.has(t), `no physical name of ${t} checked`);
        assert.ok([...names.prod.keys()].some((k) => k.includes("finalSnapshotIdentifier=")), "prod's final snapshot is checked");
        for (const [a, b] of [["dev", "prod"], ["dev", "qa"], ["prod", "qa"]]) {
            const shared = [...names[a].keys()].filter((k) => names[b].has(k));
            assert.deepEqual(shared, [], `${a} and ${b} collide`);
        }
        assert.notEqual(runs.dev.plan.outputs.lakeBucket, runs.qa.plan.outputs.lakeBucket);
    });

    it("carry the stack's Glue database and crawler to their users: Trino's policy, the query, the DAG's env", () => {
        for (const run of Object.values(runs)) {
            const database = String(run.plan.outputs.glueDatabase);
            const crawler = String(run.plan.outputs.glueCrawler);
            assert.ok(String(run.plan.outputs.batchTrinoQuery).includes(`hive."${database}".`));
            const airflow = ofType(run, "kubernetes:helm.sh/v3:Release").find((r) => inputsOf(r).chart === "airflow")!;
            const env = (inputsOf(airflow).values.env as { name: string; value: string }[]);
            assert.equal(env.find((e) => e.name === "BDOK_GLUE_CRAWLER")?.value, crawler);
            const trinoPolicies = ofType(run, "aws:iam/rolePolicy:RolePolicy").map((p) => inputsOf(p).policy as string)
                .filter((p) => p.includes("glue:GetTables") && !p.includes("glue:CreateTable"));
            assert.equal(trinoPolicies.length, 1);
            assert.ok(trinoPolicies[0].includes(`:database/${database}"`), "Trino reads the stack's database");
        }
        const dag = fs.readFileSync(path.join(ROOT, "pipelines/batch/dags/imdb_pipeline.py"), "utf8");
        assert.match(dag, /GLUE_CRAWLER = os\.environ\.get\("BDOK_GLUE_CRAWLER"/, "the DAG starts the crawler the stack names");
    });

    it("refuses a stack name that cannot prefix S3, RDS and IAM names, with a clear message", () => {
        for (const bad of ["Dev", "dev_1", "a--b", "dev-", "x".repeat(MAX_STACK_NAME + 1)]) {
            assert.throws(() => parseConfig(loadStackConfig("dev"), bad), (e: Error) =>
                e instanceof ConfigError && e.message.includes(`stack "${bad}"`) && /lower-case letters, digits and single hyphens/.test(e.message), bad);
        }
        assert.doesNotThrow(() => parseConfig(loadStackConfig("dev"), "staging-eu-1"));
    });
});
