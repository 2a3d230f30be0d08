// Stateful resources (RDS, S3, Glue) are protected in prod.
import { T } from "./props";
import { label, resourceRule } from "./config";

export const STATEFUL_TYPES = [...T.rdsInstance, ...T.rdsCluster, ...T.bucket, ...T.glueDatabase];

export const statefulProtectedProd = resourceRule({
    name: "stateful-protected-prod",
    description: "In prod, stateful resources (RDS, S3 data buckets, the Glue database) are protected or retained on delete.",
    tags: ["aws", "prod-only", "teardown"],
    types: STATEFUL_TYPES,
    check: (args, report) => {
        const opts = args.opts as typeof args.opts & { retainOnDelete?: boolean };
        if (!opts.protect && !opts.retainOnDelete) {
            report(
                `${label(args)}: neither protect nor retainOnDelete is set in a prod stack; set bdok:protectStatefulResources: true so destroy keeps the data.`,
            );
        }
    },
});
