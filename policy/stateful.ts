// Stateful resources (RDS, S3, Glue) are protected in prod.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { T } from "./props";
import { common, forTypes, label, prodOnly } from "./config";

export const STATEFUL_TYPES = [...T.rdsInstance, ...T.rdsCluster, ...T.bucket, ...T.glueDatabase];

export const statefulProtectedProd: ResourceValidationPolicy = {
    ...common,
    name: "stateful-protected-prod",
    description: "In prod, stateful resources (RDS, S3 data buckets, the Glue database) are protected or retained on delete.",
    enforcementLevel: "mandatory",
    tags: ["aws", "prod-only", "teardown"],
    validateResource: forTypes(
        STATEFUL_TYPES,
        prodOnly((args, report) => {
            const opts = args.opts as typeof args.opts & { retainOnDelete?: boolean };
            if (!opts.protect && !opts.retainOnDelete) {
                report(
                    `${label(args)}: neither protect nor retainOnDelete is set in a prod stack; set bdok:protectStatefulResources: true so destroy keeps the data.`,
                );
            }
        }),
    ),
};
