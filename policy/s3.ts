// S3: encryption, versioning, public access, TLS-only bucket policies, ownership, and prod's buckets kept.
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { T, UNKNOWN, depsOf, is, list, read, show, walk } from "./props";
import { Statement, iamPattern, parsePolicyDocument } from "./iam";
import { label, resourceRule, stackRule } from "./config";

// ---------------------------------------------------------------------------------------------
// Pure predicates
// ---------------------------------------------------------------------------------------------

export const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

/** The SSE algorithms declared anywhere in an encryption configuration (or a bucket's inline one). */
export function sseAlgorithms(config: unknown): string[] {
    const found: string[] = [];
    walk({ config }, (_h, k, v) => {
        if (k === "sseAlgorithm" && typeof v === "string") found.push(v);
    });
    return found;
}

export function hasValidSse(config: unknown): boolean {
    const algs = sseAlgorithms(config);
    return algs.length > 0 && algs.every((a) => SSE_ALGORITHMS.includes(a));
}

/** BucketVersioning's versioningConfiguration.status, or a bucket's inline versioning. */
export function versioningEnabled(props: unknown): boolean | typeof UNKNOWN {
    const status = read(props, "versioningConfiguration", "status");
    if (status === UNKNOWN) return UNKNOWN;
    if (status !== undefined) return status === "Enabled";
    const inline = read(props, "versioning");
    const first = Array.isArray(inline) ? read(inline, 0) : inline;
    return read(first, "enabled") === true;
}

export const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

/** The public access block flags that are not true. */
export function publicAccessGaps(props: unknown): string[] {
    return PUBLIC_ACCESS_FLAGS.filter((f) => {
        const v = read(props, f);
        return v !== true && v !== "true" && v !== UNKNOWN;
    });
}

/**
 * Whether Resource patterns cover a bucket itself and its objects, matched as IAM does ("*", "?").
 * Without the bucket's name (known after create), a pattern without "/" stands for the bucket and
 * one ending in "/*" for its objects.
 */
export function s3Coverage(resources: string[], bucket: string | undefined): { bucket: boolean; objects: boolean } {
    if (bucket === undefined) {
        const s3 = resources.filter((p) => p === "*" || /^arn:[^:]*:s3:::/.test(p));
        return { bucket: s3.some((p) => !p.includes("/")), objects: s3.some((p) => p === "*" || p.endsWith("/*")) };
    }
    const arn = (suffix: string) => (p: string) => {
        const partition = /^arn:([^:]*):/.exec(p)?.[1] ?? "aws";
        return iamPattern(p).test(`arn:${partition}:s3:::${bucket}${suffix}`);
    };
    return { bucket: resources.some(arn("")), objects: resources.some(arn("/any/object")) };
}

/**
 * True when the document denies every request made without TLS (aws:SecureTransport = false) on the
 * bucket and on its objects: a Resource of the bucket ARN alone leaves GetObject/PutObject on plain HTTP.
 */
export function isTlsOnlyPolicy(doc: { Statement: Statement[] } | undefined, bucket?: string): boolean {
    if (!doc) return false;
    const stmts = doc.Statement.filter((s) => {
        if (s.Effect !== "Deny") return false;
        const principalAll = s.Principal === "*" || list(read(s.Principal, "AWS")).includes("*");
        const actions = list(s.Action);
        const allActions = actions.includes("s3:*") || actions.includes("*");
        const cond = read(s.Condition, "Bool", "aws:SecureTransport");
        return principalAll && allActions && (cond === false || cond === "false");
    });
    const resources = stmts.flatMap((s) => list(s.Resource));
    const c = s3Coverage(resources, bucket);
    return stmts.length > 0 && c.bucket && c.objects;
}

/** Resources of `types` that configure `bucket`: children of it, or naming it in their `bucket` input. */
export function attachedToBucket(bucket: PolicyResource, resources: PolicyResource[], types: readonly string[]): PolicyResource[] {
    const name = read(bucket.props, "bucket");
    return resources.filter((r) => {
        if (!types.includes(r.type)) return false;
        if (r.parent?.urn === bucket.urn) return true;
        if (depsOf(r, "bucket").some((d) => d.urn === bucket.urn)) return true;
        const b = read(r.props, "bucket");
        return typeof name === "string" && typeof b === "string" && b === name;
    });
}

// ---------------------------------------------------------------------------------------------
// The policies
// ---------------------------------------------------------------------------------------------

const buckets = (args: StackValidationArgs) => args.resources.filter((r) => is(T.bucket, r.type));

export const s3Encryption = stackRule({
    name: "s3-bucket-encryption",
    description: "Every S3 bucket has default server-side encryption (SSE-S3 or SSE-KMS).",
    tags: ["aws", "s3"],
    check: (args, report) => {
        for (const b of buckets(args)) {
            const configs = attachedToBucket(b, args.resources, T.sse);
            const inline = read(b.props, "serverSideEncryptionConfiguration");
            if (configs.length === 0 && !hasValidSse(inline)) {
                report(
                    `S3 bucket "${b.name}" has no default encryption: add a BucketServerSideEncryptionConfiguration with sseAlgorithm AES256 or aws:kms.`,
                    b.urn,
                );
            }
            for (const c of configs) {
                if (!hasValidSse(read(c.props, "rules"))) {
                    report(
                        `S3 bucket "${b.name}": encryption configuration "${c.name}" sets sseAlgorithm ${show(sseAlgorithms(read(c.props, "rules")))}; allowed: ${SSE_ALGORITHMS.join(", ")}.`,
                        c.urn,
                    );
                }
            }
        }
    },
});

export const s3Versioning = stackRule({
    name: "s3-bucket-versioning",
    description: "Every S3 bucket has versioning enabled.",
    tags: ["aws", "s3"],
    check: (args, report) => {
        for (const b of buckets(args)) {
            const v = attachedToBucket(b, args.resources, T.versioning);
            const states = v.map((x) => versioningEnabled(x.props));
            if (states.includes(UNKNOWN)) continue;
            if (!states.includes(true) && versioningEnabled(b.props) !== true) {
                report(`S3 bucket "${b.name}" is not versioned: add a BucketVersioning with versioningConfiguration.status "Enabled".`, b.urn);
            }
        }
    },
});

export const s3PublicAccessBlock = stackRule({
    name: "s3-public-access-block",
    description: "Every S3 bucket has a public access block with all four settings true.",
    tags: ["aws", "s3"],
    check: (args, report) => {
        for (const b of buckets(args)) {
            const blocks = attachedToBucket(b, args.resources, T.publicAccessBlock);
            if (blocks.length === 0) {
                report(`S3 bucket "${b.name}" has no BucketPublicAccessBlock: add one with ${PUBLIC_ACCESS_FLAGS.join(", ")} all true.`, b.urn);
            }
            for (const pab of blocks) {
                const gaps = publicAccessGaps(pab.props);
                if (gaps.length)
                    report(`S3 bucket "${b.name}": public access block "${pab.name}" leaves ${gaps.join(", ")} not true; all four must be true.`, pab.urn);
            }
        }
    },
});

export const s3TlsOnly = stackRule({
    name: "s3-tls-only",
    description: "Every S3 bucket has a policy denying requests without TLS (aws:SecureTransport false).",
    tags: ["aws", "s3"],
    check: (args, report) => {
        for (const b of buckets(args)) {
            const policies = attachedToBucket(b, args.resources, T.bucketPolicy).map((p) => read(p.props, "policy"));
            policies.push(read(b.props, "policy"));
            if (policies.includes(UNKNOWN)) continue; // the document depends on the bucket's ARN: known after create
            const named = attachedToBucket(b, args.resources, T.bucketPolicy).map((p) => read(p.props, "bucket"));
            const bucketName = [read(b.props, "bucket"), ...named].find((n): n is string => typeof n === "string" && n !== "");
            if (!policies.some((p) => isTlsOnlyPolicy(parsePolicyDocument(p), bucketName))) {
                report(
                    `S3 bucket "${b.name}" accepts plain HTTP: add a BucketPolicy statement Deny s3:* for Principal "*" when aws:SecureTransport is "false", on the bucket ARN and on "<bucket ARN>/*" (its objects).`,
                    b.urn,
                );
            }
        }
    },
});

export const s3Ownership = stackRule({
    name: "s3-ownership-enforced",
    // Advisory: new buckets default to BucketOwnerEnforced (ACLs off) since 2023; declaring it only
    // guards against an explicit weakening, which the public access block already blocks.
    description: "Every S3 bucket declares object ownership BucketOwnerEnforced (ACLs disabled).",
    enforcementLevel: "advisory",
    tags: ["aws", "s3"],
    check: (args, report) => {
        for (const b of buckets(args)) {
            const ctl = attachedToBucket(b, args.resources, T.ownership);
            const ownerships = ctl.map((c) => read(c.props, "rule", "objectOwnership"));
            if (ownerships.includes(UNKNOWN)) continue;
            if (!ownerships.includes("BucketOwnerEnforced")) {
                report(
                    `S3 bucket "${b.name}" does not enforce bucket-owner object ownership: add BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced".`,
                    b.urn,
                );
            }
        }
    },
});

export const s3NoForceDestroyProd = resourceRule({
    name: "s3-no-force-destroy-prod",
    description: "In prod, S3 buckets are never force-destroyed with their objects.",
    tags: ["aws", "s3", "prod-only", "teardown"],
    types: T.bucket,
    check: (args, report) => {
        if (read(args.props, "forceDestroy") === true) {
            report(`${label(args)}: forceDestroy is true in a prod stack, so \`pulumi destroy\` would delete the data; set forceDestroy: false.`);
        }
    },
});
