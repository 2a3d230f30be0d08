// EKS access entries keyed by the principal, not by list position. @pulumi/eks names each entry
// `<cluster>-<key>` (nodejs/eks/cluster/authenticationMode.ts v4.3.0 L184-L186) and the entry's
// principalArn cannot change in place, so a positional key would move a principal under another
// resource name when an earlier ARN is removed: a replacement that collides with the next entry.
import { sha256 } from "../../lib/hash";

/** `admin-<role name>-<8 hex of the ARN>`: readable, and stable whatever else the list holds. */
export function accessEntryKey(kind: "admin" | "viewer", arn: string): string {
    const name = arn
        .slice(arn.lastIndexOf("/") + 1)
        .replace(/[^A-Za-z0-9-]/g, "-")
        .slice(0, 40);
    return `${kind}-${name}-${sha256(arn).slice(0, 8)}`;
}

/**
 * The IAM role an ARN names, for comparing ARNs: IAM role names are unique per account and "not
 * distinguished by case", and the path is not part of that identity (IAM User Guide, IAM
 * identifiers / IAM object quotas). arn:aws:iam::1:role/ops/Admin and arn:aws:iam::1:role/admin
 * are the same principal to EKS, so both would be one access entry twice (409).
 */
export function principalOf(arn: string): string {
    const [, partition, , , account] = arn.split(":");
    return `${partition}:${account}:${arn.slice(arn.lastIndexOf("/") + 1).toLowerCase()}`;
}

/** One message per ARN listed twice, within a list or across the admin and viewer lists. */
export function accessEntryIssues(lists: { key: string; arns: string[] }[]): string[] {
    const seen = new Map<string, string>();
    const issues: string[] = [];
    for (const { key, arns } of lists) {
        arns.forEach((arn, i) => {
            const at = `${key}[${i}]`;
            const first = seen.get(principalOf(arn));
            if (first === undefined) seen.set(principalOf(arn), at);
            else
                issues.push(
                    `${at}: got ${arn}, the role already listed at ${first}; allowed: each role once across adminRoleArns and viewerRoleArns ` +
                        `(EKS holds one access entry per principal: a second fails with 409 ResourceInUseException; an admin needs no viewer entry)`,
                );
        });
    }
    return issues;
}
