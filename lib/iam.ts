// IAM policy documents as pure functions: each workload gets exactly the resources it names.

export interface Statement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Action: string | string[];
    Resource: string | string[];
    Principal?: unknown;
    Condition?: Record<string, Record<string, string | string[] | boolean>>;
}
export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

/**
 * Actions IAM authorizes only on Resource "*" (no resource-level permissions, per the AWS Service
 * Authorization Reference). Each may stand alone in a statement on "*"; nothing else may.
 */
export const RESOURCE_WILDCARD_ONLY_ACTIONS: readonly string[] = ["ecr:GetAuthorizationToken"];

/** A statement for one such action, so the wildcard resource serves that action alone. */
export function wildcardOnly(sid: string, action: string): Statement {
    if (!RESOURCE_WILDCARD_ONLY_ACTIONS.includes(action)) throw new Error(`${action} supports resource-level permissions: name the resource`);
    return { Sid: sid, Effect: "Allow", Action: action, Resource: "*" };
}

export function doc(...statements: Statement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

export function assumeRole(service: string, extraActions: string[] = []): PolicyDocument {
    return doc({ Effect: "Allow", Principal: { Service: service }, Action: ["sts:AssumeRole", ...extraActions], Resource: "*" } as Statement);
}

export function serviceTrust(service: string): PolicyDocument {
    const d = assumeRole(service);
    delete (d.Statement[0] as Partial<Statement>).Resource;
    return d;
}

export interface S3PrefixOptions {
    /**
     * "prefixes" (default): s3:ListBucket only for listings under the prefixes.
     * "bucket": s3:ListBucket on the whole bucket (key names, never contents), for clients that
     * probe keys which may not exist (S3A's getFileStatus, Airflow's log append): S3 answers a
     * HEAD of a missing key with 404 only if the caller may list the bucket, and that check
     * carries no s3:prefix, so a prefix-conditioned grant turns every miss into a 403.
     */
    list?: "prefixes" | "bucket";
}

/** Read (and optionally write) objects under the given prefixes of one bucket. */
export function s3Prefixes(bucketArn: string, prefixes: string[], access: "read" | "readwrite", opts: S3PrefixOptions = {}): Statement[] {
    const clean = prefixes.map((p) => p.replace(/^\/+|\/+$/g, ""));
    const objectActions =
        access === "read" ? ["s3:GetObject"] : ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];
    const list: Statement =
        opts.list === "bucket"
            ? { Sid: "ListBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn }
            : {
                  Sid: "ListPrefixes",
                  Effect: "Allow",
                  Action: "s3:ListBucket",
                  Resource: bucketArn,
                  Condition: { StringLike: { "s3:prefix": clean.flatMap((p) => (p === "" ? ["*"] : [p, `${p}/*`])) } },
              };
    return [
        list,
        {
            // These requests carry no s3:prefix: under the listing's condition they would never match.
            Sid: "Bucket",
            Effect: "Allow",
            Action: access === "read" ? ["s3:GetBucketLocation"] : ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
            Resource: bucketArn,
        },
        {
            Sid: "Objects",
            Effect: "Allow",
            Action: objectActions,
            Resource: clean.map((p) => (p === "" ? `${bucketArn}/*` : `${bucketArn}/${p}/*`)),
        },
    ];
}

export function glueCatalogArns(region: string, accountId: string, database: string): { catalog: string; database: string; tables: string } {
    const base = `arn:aws:glue:${region}:${accountId}`;
    return { catalog: `${base}:catalog`, database: `${base}:database/${database}`, tables: `${base}:table/${database}/*` };
}
