import { strict as assert } from "assert";
import { bookNames } from "../../lib/naming";
import { PlanRun } from "../../tools/harness";
import { inputsOf, ofType, one, planOf, within } from "../../test/support";

describe("AWS layer", () => {
    for (const stack of ["dev", "prod"]) {
        describe(`stack ${stack}`, () => {
            let run: PlanRun;
            before(async () => { run = await planOf(stack); });

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
        });
    }
});
