// A small evaluator of identity policies, for the statements this program writes: does a request
// (action, resource, request context keys) match an Allow and no Deny? Wildcards as IAM reads
// them (* and ?, case-insensitive actions); conditions StringLike/StringEquals/Bool (and their
// IfExists forms): a key the request does not carry fails the condition.
import type { PolicyDocument, Statement } from "../lib/iam";

export interface Request {
    action: string;
    resource: string;
    /** Request context keys, e.g. { "s3:prefix": "bronze/" }; absent keys are not sent; a list is multivalued (aws:TagKeys). */
    context?: Record<string, string | string[]>;
}

function glob(pattern: string, value: string, ignoreCase = false): boolean {
    const re = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${re}$`, ignoreCase ? "i" : "").test(value);
}

const list = (v: string | string[] | boolean): string[] => ([] as (string | boolean)[]).concat(v).map(String);

function conditionHolds(condition: Statement["Condition"], context: Record<string, string | string[]>): boolean {
    for (const [rawOp, keys] of Object.entries(condition ?? {})) {
        // ForAllValues: every value of a multivalued key must match; an absent key matches.
        const forAll = rawOp.startsWith("ForAllValues:");
        const bare = forAll ? rawOp.slice("ForAllValues:".length) : rawOp;
        const ifExists = bare.endsWith("IfExists");
        const op = ifExists ? bare.slice(0, -"IfExists".length) : bare;
        for (const [key, expected] of Object.entries(keys)) {
            const got = context[key];
            if (got === undefined) {
                if (ifExists || forAll) continue;
                return false;
            }
            if (Array.isArray(got) !== forAll) return false;
            if (forAll) {
                if (!(got as string[]).every((g) => conditionHolds({ [op]: { [key]: expected } }, { [key]: g }))) return false;
                continue;
            }
            const actual = got as string;
            const values = list(expected);
            let ok: boolean;
            switch (op) {
                case "StringLike":
                    ok = values.some((p) => glob(p, actual));
                    break;
                case "StringEquals":
                    ok = values.includes(actual);
                    break;
                case "Bool":
                    ok = values.map((v) => v.toLowerCase()).includes(actual.toLowerCase());
                    break;
                default:
                    throw new Error(`condition operator ${rawOp} is not modelled`);
            }
            if (!ok) return false;
        }
    }
    return true;
}

function matches(s: Statement, r: Request): boolean {
    const actions = list(s.Action);
    const resources = list(s.Resource);
    return actions.some((a) => glob(a, r.action, true)) && resources.some((p) => glob(p, r.resource)) && conditionHolds(s.Condition, r.context ?? {});
}

/** The identity-policy decision: an explicit Deny wins, then any Allow; otherwise implicitly denied. */
export function isAllowed(policies: PolicyDocument | PolicyDocument[], r: Request): boolean {
    const statements = ([] as PolicyDocument[]).concat(policies).flatMap((d) => d.Statement);
    if (statements.some((s) => s.Effect === "Deny" && matches(s, r))) return false;
    return statements.some((s) => s.Effect === "Allow" && matches(s, r));
}

/**
 * The authorizations S3 checks for one API call (Service Authorization Reference, and S3's rule
 * that a HEAD/GET of a missing key answers 404 only to a caller allowed s3:ListBucket; that
 * check carries no s3:prefix).
 */
export function s3Requests(bucket: string, call: S3Call): Request[] {
    const b = `arn:aws:s3:::${bucket}`;
    switch (call.op) {
        case "HeadObject":
        case "GetObject":
            return call.missing
                ? [
                      { action: "s3:GetObject", resource: `${b}/${call.key}` },
                      { action: "s3:ListBucket", resource: b },
                  ]
                : [{ action: "s3:GetObject", resource: `${b}/${call.key}` }];
        case "ListObjectsV2":
            return [{ action: "s3:ListBucket", resource: b, context: { "s3:prefix": call.prefix } }];
        case "PutObject":
        case "CreateMultipartUpload":
        case "UploadPart":
        case "CompleteMultipartUpload":
        case "CopyObject":
            return [{ action: "s3:PutObject", resource: `${b}/${call.key}` }];
        case "DeleteObject":
            return [{ action: "s3:DeleteObject", resource: `${b}/${call.key}` }];
        case "AbortMultipartUpload":
            return [{ action: "s3:AbortMultipartUpload", resource: `${b}/${call.key}` }];
        case "ListParts":
            return [{ action: "s3:ListMultipartUploadParts", resource: `${b}/${call.key}` }];
        case "ListMultipartUploads":
            // Its prefix parameter is no s3:prefix condition key (only listings of objects carry one).
            return [{ action: "s3:ListBucketMultipartUploads", resource: b }];
        case "GetBucketLocation":
            return [{ action: "s3:GetBucketLocation", resource: b }];
    }
}

export type S3Call =
    | { op: "HeadObject" | "GetObject"; key: string; missing?: boolean }
    | { op: "ListObjectsV2"; prefix: string }
    | {
          op:
              | "PutObject"
              | "CreateMultipartUpload"
              | "UploadPart"
              | "CompleteMultipartUpload"
              | "CopyObject"
              | "DeleteObject"
              | "AbortMultipartUpload"
              | "ListParts";
          key: string;
      }
    | { op: "ListMultipartUploads" }
    | { op: "GetBucketLocation" };

/** Whether every authorization of the call is allowed. */
export function s3Allowed(policies: PolicyDocument | PolicyDocument[], bucket: string, call: S3Call): boolean {
    return s3Requests(bucket, call).every((r) => isAllowed(policies, r));
}
