import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../config";
import { MAX_STACK_NAME } from "../lib/naming";
import { Captured, PlanRun } from "../tools/harness";
import { loadStackConfig } from "../tools/stack-files";
import { descendants, inputsOf, ofType, one, planAs, planOf, STACKS, transitiveDeps, describeEachStack } from "../test/support";

describe("AWS layer", () => {
    it("has dev and prod stacks", () => {
        assert.ok(STACKS.includes("dev") && STACKS.includes("prod"), `stacks: ${STACKS}`);
    });

    describeEachStack(
        (stack) => `stack ${stack}`,
        (plan) => {
            it("declares the four AWS components at the top level", () => {
                const root = one(plan(), "pulumi:pulumi:Stack");
                for (const t of ["bdok:aws:Network", "bdok:aws:DataLake", "bdok:aws:Database", "bdok:aws:Cluster"]) {
                    assert.equal(one(plan(), t).parent, root.urn, `${t} is a child of the stack`);
                }
            });

            describe("dependency graph", () => {
                it("creates RDS after its subnet group, and neither RDS nor the buckets wait for EKS", () => {
                    const eks = one(plan(), "eks:index:Cluster");
                    const groups = ofType(plan(), "eks:index:ManagedNodeGroup").map((g) => g.urn);
                    const waitsForCluster = (r: Captured) => {
                        const deps = transitiveDeps(plan(), r.urn);
                        return deps.has(eks.urn) || groups.some((g) => deps.has(g));
                    };
                    const db = one(plan(), "aws:rds/instance:Instance");
                    assert.ok(db.dependencies.includes(one(plan(), "aws:rds/subnetGroup:SubnetGroup").urn));
                    assert.equal(waitsForCluster(db), false, "RDS instance waits for EKS");
                    for (const b of ofType(plan(), "aws:s3/bucket:Bucket")) assert.equal(waitsForCluster(b), false, `${b.name} waits for EKS`);
                    for (const d of ofType(plan(), "aws:glue/catalogDatabase:CatalogDatabase")) {
                        assert.equal(waitsForCluster(d), false, `${d.name} waits for EKS`);
                    }
                    const awsWaiting = plan().captured.filter(
                        (r) =>
                            r.type.startsWith("aws:") &&
                            waitsForCluster(r) &&
                            descendants(plan(), one(plan(), "bdok:aws:Database").urn).some((d) => d.urn === r.urn),
                    );
                    assert.deepEqual(
                        awsWaiting.map((r) => r.type),
                        ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
                        "only the ingress rule naming the cluster's security group waits for EKS",
                    );
                });
            });
        },
    );
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
        runs.qa = await planAs("qa", loadStackConfig("dev"));
    });

    it("differ between stacks sharing an account and region (RDS, Glue, IAM, S3, ECR, EKS, snapshot)", () => {
        const names = Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, physicalNames(r)]));
        const types = new Set([...names.prod.keys()].map((k) => k.split(" ")[0]));
        for (const t of [
            "aws:rds/instance:Instance",
            "aws:rds/subnetGroup:SubnetGroup",
            "aws:rds/parameterGroup:ParameterGroup",
            "aws:glue/catalogDatabase:CatalogDatabase",
            "aws:iam/role:Role",
            "aws:s3/bucket:Bucket",
            "aws:ecr/repository:Repository",
            "eks:index:Cluster",
        ])
            assert.ok(types.has(t), `no physical name of ${t} checked`);
        assert.ok(
            [...names.prod.keys()].some((k) => k.includes("finalSnapshotIdentifier=")),
            "prod's final snapshot is checked",
        );
        for (const [a, b] of [
            ["dev", "prod"],
            ["dev", "qa"],
            ["prod", "qa"],
        ]) {
            const shared = [...names[a].keys()].filter((k) => names[b].has(k));
            assert.deepEqual(shared, [], `${a} and ${b} collide`);
        }
        assert.notEqual(runs.dev.plan.outputs.lakeBucket, runs.qa.plan.outputs.lakeBucket);
    });

    it("carry the stack's Glue databases to their users: Trino's and Spark's policies, the queries, the job arguments", () => {
        for (const run of Object.values(runs)) {
            const hive = String(run.plan.outputs.glueDatabase);
            const dbs = run.plan.outputs.icebergDatabases as { imdb: string; realtime: string };
            assert.ok(String(run.plan.outputs.batchTrinoQuery).includes(`iceberg."${dbs.imdb}".`));
            assert.ok(String(run.plan.outputs.realtimeTrinoQuery).includes(`iceberg."${dbs.realtime}".`));
            const policies = ofType(run, "aws:iam/rolePolicy:RolePolicy").map((p) => inputsOf(p).policy as string);
            const trino = policies.filter((p) => p.includes("glue:GetTables") && !p.includes("glue:CreateTable"));
            assert.equal(trino.length, 1);
            for (const d of [hive, dbs.imdb, dbs.realtime]) assert.ok(trino[0].includes(`:database/${d}"`), `Trino reads ${d}`);
            const writers = policies.filter((p) => p.includes("glue:UpdateTable"));
            assert.equal(writers.length, 2, "the two Spark roles commit Iceberg tables");
            assert.ok(writers.every((p) => p.includes(`:table/${dbs.realtime}/*"`)));
            const streaming = ofType(run, "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication").map(inputsOf);
            assert.ok(streaming.every((a) => a.spec.arguments[a.spec.arguments.indexOf("--lake-database") + 1] === dbs.realtime));
        }
    });

    it("refuses a stack name that cannot prefix S3, RDS and IAM names, with a clear message", () => {
        for (const bad of ["Dev", "dev_1", "a--b", "dev-", "x".repeat(MAX_STACK_NAME + 1)]) {
            assert.throws(
                () => parseConfig(loadStackConfig("dev"), bad),
                (e: Error) =>
                    e instanceof ConfigError && e.message.includes(`stack "${bad}"`) && /lower-case letters, digits and single hyphens/.test(e.message),
                bad,
            );
        }
        assert.doesNotThrow(() => parseConfig(loadStackConfig("dev"), "staging-eu-1"));
    });
});
