import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { keepersOf } from "../../lib/passwords";
import { bookNames, stackNames } from "../../lib/naming";
import { engineVersionOwner, parameterFamily, POSTGRES_PORT } from "./engine";
import { RDS_CA_IDENTIFIER } from "../../lib/rds-ca";

export interface DatabaseArgs {
    prefix: string;
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string>[];
    /** The only security group admitted on 5432: the EKS cluster's (nodes and pods). */
    clientSecurityGroupId: pulumi.Input<string>;
    instanceClass: string;
    allocatedStorageGiB: number;
    maxAllocatedStorageGiB: number;
    engineVersion: string;
    multiAz: boolean;
    backupRetentionDays: number;
    protect: boolean;
    /** `bdok:passwordRotation` (lib/passwords.ts): the master password's generation. */
    passwordRotation?: Record<string, string>;
    tags: Record<string, string>;
}

export class Database extends pulumi.ComponentResource {
    readonly address: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    readonly endpoint: pulumi.Output<string>;
    readonly masterUsername: string = bookNames.rdsMasterUser;
    /** A Pulumi secret; it leaves Pulumi only inside Kubernetes Secrets. */
    readonly masterPassword: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    /** When RDS applies a modification (class, storage, engine): a stack output, so nobody waits on a "pending" preview. */
    readonly changesApply: "immediately" | "in the maintenance window";

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:aws:Database", name, {}, opts);
        const p = { parent: this };
        const names = stackNames(args.prefix);

        // RDS forbids / @ " and space; alphanumerics also keep connection URIs unescaped.
        // A new generation changes the master password in place, even on a protected instance: "the change
        // is asynchronously applied as soon as possible" (RDS API Reference, ModifyDBInstance, MasterUserPassword).
        const password = new random.RandomPassword(
            `${name}-master`,
            { length: 32, special: false, ...keepersOf(args.passwordRotation ?? {}, `${name}-master`) },
            p,
        );
        this.masterPassword = pulumi.secret(password.result);

        const subnets = new aws.rds.SubnetGroup(
            `${name}-subnets`,
            {
                namePrefix: `${args.prefix}-db-`,
                subnetIds: args.privateSubnetIds,
                tags: args.tags,
            },
            p,
        );

        const sg = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                namePrefix: `${args.prefix}-db-`,
                description: "bdok RDS PostgreSQL: reachable only from the EKS cluster",
                vpcId: args.vpcId,
                tags: { ...args.tags, Name: `${args.prefix}-db` },
            },
            p,
        );
        this.securityGroupId = sg.id;
        // A separate rule, so only it waits for the cluster; the instance does not.
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-from-cluster`,
            {
                securityGroupId: sg.id,
                referencedSecurityGroupId: args.clientSecurityGroupId,
                ipProtocol: "tcp",
                fromPort: POSTGRES_PORT,
                toPort: POSTGRES_PORT,
                description: "PostgreSQL from EKS nodes and pods",
            },
            p,
        );

        const params = new aws.rds.ParameterGroup(
            `${name}-params`,
            {
                namePrefix: `${args.prefix}-pg-`,
                family: parameterFamily(args.engineVersion),
                parameters: [
                    // Logical replication for change-data-capture connectors.
                    { name: "rds.logical_replication", value: "1", applyMethod: "pending-reboot" },
                    { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" },
                ],
                tags: args.tags,
            },
            p,
        );

        // Protected (prod) instances change in the maintenance window: until then RDS reports the
        // old value and every preview shows the change again (provider docs, rds.Instance).
        const applyImmediately = !args.protect;
        this.changesApply = applyImmediately ? "immediately" : "in the maintenance window";
        const db = new aws.rds.Instance(
            `${name}-postgres`,
            {
                identifier: names.rdsIdentifier,
                engine: "postgres",
                ...engineVersionOwner(args.engineVersion),
                // Only a changed engineVersion upgrades, and the provider docs (rds.Instance): "When
                // upgrading the major version of an engine, allowMajorVersionUpgrade must be set to
                // true"; "Changing this parameter does not result in an outage". RDS never moves a
                // major by itself (autoMinorVersionUpgrade is minors only).
                allowMajorVersionUpgrade: true,
                instanceClass: args.instanceClass,
                allocatedStorage: args.allocatedStorageGiB,
                maxAllocatedStorage: args.maxAllocatedStorageGiB || undefined,
                storageType: "gp3",
                storageEncrypted: true,
                username: bookNames.rdsMasterUser,
                password: this.masterPassword,
                port: POSTGRES_PORT,
                dbSubnetGroupName: subnets.name,
                vpcSecurityGroupIds: [sg.id],
                parameterGroupName: params.name,
                publiclyAccessible: false,
                // The clients verify the server (verify-full) against lib/rds-ca.ts's bundle, which holds this CA.
                caCertIdentifier: RDS_CA_IDENTIFIER,
                multiAz: args.multiAz,
                backupRetentionPeriod: args.backupRetentionDays,
                deletionProtection: args.protect,
                skipFinalSnapshot: !args.protect,
                finalSnapshotIdentifier: args.protect ? names.rdsFinalSnapshot : undefined,
                copyTagsToSnapshot: true,
                performanceInsightsEnabled: false,
                applyImmediately,
                tags: args.tags,
            },
            { parent: this, protect: args.protect, retainOnDelete: false },
        );

        this.address = db.address;
        this.port = db.port;
        this.endpoint = db.endpoint;
        this.registerOutputs({ address: this.address, port: this.port, masterPassword: this.masterPassword, changesApply: this.changesApply });
    }
}
