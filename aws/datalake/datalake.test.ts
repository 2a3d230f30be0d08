import { strict as assert } from "assert";
import { declaration } from "../../pipelines/lake";
import { bookNames } from "../../lib/naming";

import { inputsOf, ofType, within, describeEachStack } from "../../test/support";

describe("AWS layer", () => {
    describeEachStack(
        (stack) => `stack ${stack}`,
        (plan, stack) => {
            describe("DataLake", () => {
                it("secures every bucket: SSE, versioning, public access block, ownership, TLS-only policy", () => {
                    const buckets = ofType(plan(), "aws:s3/bucket:Bucket");
                    assert.ok(buckets.length >= 2);
                    for (const b of buckets) {
                        const kids = plan().captured.filter((c) => c.parent === b.urn);
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
                        assert.ok(
                            deny.Resource[0].startsWith(arn) && deny.Resource[1] === `${deny.Resource[0]}/*`,
                            "the policy covers the bucket and its objects",
                        );
                    }
                });

                it("creates the book's prefixes in the lake", () => {
                    const keys = within(plan(), "bdok:aws:DataLake", "aws:s3/bucketObjectv2:BucketObjectv2")
                        .map((o) => inputsOf(o).key)
                        .sort();
                    assert.deepEqual(keys, [...bookNames.lakePrefixes].sort());
                });

                it("catalogs the Iceberg namespaces in two Glue databases that Iceberg's GlueCatalog accepts, kept like the data", () => {
                    const dbs = ofType(plan(), "aws:glue/catalogDatabase:CatalogDatabase");
                    const byName = Object.fromEntries(dbs.map((d) => [inputsOf(d).name, d]));
                    const expected = { imdb: `bdok_${stack}_imdb`, realtime: `bdok_${stack}_realtime` };
                    assert.deepEqual(plan().plan.outputs.icebergDatabases, expected);
                    assert.deepEqual(Object.keys(byName).sort(), [`bdok-${stack}-database`, expected.imdb, expected.realtime].sort());
                    // The namespaces tables.json declares, each with its database.
                    const namespaces = [...new Set(declaration().tables.map((t) => t.namespace))].sort();
                    assert.deepEqual(Object.keys(expected).sort(), namespaces);
                    const protect = plan().config.protectStatefulResources;
                    for (const name of Object.values(expected)) {
                        // IcebergToGlueConverter: ^[a-z0-9_]{1,252}$ (a hyphen fails every Iceberg call).
                        assert.match(name, /^[a-z0-9_]{1,252}$/);
                        const d = byName[name];
                        assert.equal(inputsOf(d).locationUri, undefined, "tables land under the catalog's warehouse/<db>.db/");
                        // Dev: Glue DeleteDatabase drops the tables with it; prod keeps the catalog and data.
                        assert.equal(d.protect, protect);
                        assert.equal(d.retainOnDelete, protect);
                    }
                });
            });
        },
    );
});
