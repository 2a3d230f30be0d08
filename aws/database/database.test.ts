import { strict as assert } from "assert";
import { apps } from "../../versions";

import { inputsOf, ofType, one, planWith, within, describeEachStack } from "../../test/support";

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
    assert.equal(
        engineVersionDiffers(engineVersion, running),
        false,
        `engineVersion ${engineVersion} with autoMinorVersionUpgrade ${autoMinorVersionUpgrade}: after AWS moves to ${running} the next up downgrades`,
    );
}

describe("AWS layer", () => {
    describeEachStack(
        (stack) => `stack ${stack}`,
        (plan, stack) => {
            describe("Database", () => {
                it("is private, encrypted, backed up and in the private subnet group", () => {
                    const db = one(plan(), "aws:rds/instance:Instance");
                    const i = inputsOf(db);
                    assert.equal(i.identifier, `bdok-${stack}-postgres`);
                    assert.equal(i.username, "postgres");
                    assert.equal(i.engine, "postgres");
                    assert.equal(i.publiclyAccessible, false);
                    assert.equal(i.storageEncrypted, true);
                    assert.ok(i.backupRetentionPeriod >= 1);
                    assert.equal(i.multiAz, plan().config.database.multiAz);
                    const sng = one(plan(), "aws:rds/subnetGroup:SubnetGroup");
                    assert.deepEqual(db.propertyDependencies.dbSubnetGroupName, [sng.urn]);
                    const privateSubnets = ofType(plan(), "aws:ec2/subnet:Subnet")
                        .filter((s) => inputsOf(s).tags["bdok/tier"] === "private")
                        .map((s) => s.urn)
                        .sort();
                    assert.deepEqual([...sng.propertyDependencies.subnetIds].sort(), privateSubnets);
                });

                it("keeps the password a secret from random to RDS", () => {
                    const db = one(plan(), "aws:rds/instance:Instance");
                    assert.equal(db.inputs.password, "[secret]");
                    const pw = one(plan(), "random:index/randomPassword:RandomPassword", "database-master");
                    assert.ok(db.propertyDependencies.password.includes(pw.urn));
                    assert.equal(plan().plan.outputs.rdsMasterPassword, "[secret]");
                });

                it("admits 5432 only from the cluster security group", () => {
                    const sg = within(plan(), "bdok:aws:Database", "aws:ec2/securityGroup:SecurityGroup");
                    assert.equal(sg.length, 1);
                    const sgi = inputsOf(sg[0]);
                    assert.equal(sgi.ingress, undefined, "no inline ingress");
                    const rules = ofType(plan(), "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) =>
                        r.propertyDependencies.securityGroupId?.includes(sg[0].urn),
                    );
                    assert.equal(rules.length, 1);
                    const r = inputsOf(rules[0]);
                    assert.equal(r.fromPort, 5432);
                    assert.equal(r.toPort, 5432);
                    assert.equal(r.cidrIpv4, undefined);
                    const eks = one(plan(), "eks:index:Cluster");
                    assert.deepEqual(rules[0].propertyDependencies.referencedSecurityGroupId, [eks.urn]);
                    assert.match(r.referencedSecurityGroupId, /^sg-/);
                });

                it("follows protection settings", () => {
                    const db = one(plan(), "aws:rds/instance:Instance");
                    const i = inputsOf(db);
                    const prot = plan().config.protectStatefulResources;
                    assert.equal(db.protect, prot);
                    assert.equal(i.deletionProtection, prot);
                    assert.equal(i.skipFinalSnapshot, !prot);
                    assert.equal(i.finalSnapshotIdentifier !== undefined, prot);
                });

                it("has one owner of the engine version: an AWS minor upgrade never makes the next `up` drift", () => {
                    const i = inputsOf(one(plan(), "aws:rds/instance:Instance"));
                    assertNoMinorDrift(i.engineVersion, i.autoMinorVersionUpgrade);
                    assert.equal(i.engineVersion, apps.postgresEngine, "the stacks take the pinned default");
                });

                it("says in its outputs when RDS applies a change, as the instance is told", () => {
                    const i = inputsOf(one(plan(), "aws:rds/instance:Instance"));
                    const out = plan().plan.outputs.rdsChangesApply;
                    assert.equal(out, i.applyImmediately ? "immediately" : "in the maintenance window");
                    // Protected stacks wait for the window rather than reboot a production database.
                    assert.equal(i.applyImmediately, !plan().config.protectStatefulResources);
                });

                it("allows logical replication", () => {
                    const pg = inputsOf(one(plan(), "aws:rds/parameterGroup:ParameterGroup"));
                    assert.equal(pg.family, `postgres${plan().config.database.engineVersion.split(".")[0]}`);
                    assert.ok(pg.parameters.some((p: any) => p.name === "rds.logical_replication" && p.value === "1"));
                });
            });
        },
    );

    // RDS API reference, ModifyDBInstance, AllowMajorVersionUpgrade: "Constraints: Major version
    // upgrades must be allowed when specifying a value for the EngineVersion parameter that's a
    // different major version than the DB instance's current version."
    for (const [from, to] of [
        ["16", "17"],
        ["16.9", "17.6"],
        ["17", "17.6"],
    ]) {
        it(`plans an engine change ${from} -> ${to} that RDS accepts`, async () => {
            const before = inputsOf(one(await planWith("dev", { "bdok:database": { engineVersion: from } }), "aws:rds/instance:Instance"));
            const afterPlan = await planWith("dev", { "bdok:database": { engineVersion: to } });
            const after = inputsOf(one(afterPlan, "aws:rds/instance:Instance"));
            assert.equal(after.engineVersion, to);
            if (before.engineVersion.split(".")[0] !== after.engineVersion.split(".")[0]) assert.equal(after.allowMajorVersionUpgrade, true);
            // The new major's parameter group family comes with it, in the same modification.
            assert.equal(inputsOf(one(afterPlan, "aws:rds/parameterGroup:ParameterGroup")).family, `postgres${to.split(".")[0]}`);
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
});
