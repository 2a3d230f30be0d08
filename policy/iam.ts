// IAM: policy documents parsed, no admin or IAM wildcards, no users or access keys.
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { T, UNKNOWN, arr, is, isObj, list, read } from "./props";
import { common, forTypes, label } from "./config";

export interface Statement {
    Effect?: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    Principal?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
}

/** A policy document from a JSON string or an object; undefined when unreadable or unknown. */
export function parsePolicyDocument(v: unknown): { Statement: Statement[] } | undefined {
    let d: unknown = v;
    if (v === UNKNOWN) return undefined;
    if (typeof v === "string") {
        try {
            d = JSON.parse(v);
        } catch {
            return undefined;
        }
    }
    if (!isObj(d)) return undefined;
    const st = read(d, "Statement");
    return { Statement: arr(st).filter(isObj) as Statement[] };
}

/** Allow statements granting every action on every resource (or everything but a few, on "*"). */
export function adminWildcardStatements(doc: { Statement: Statement[] } | undefined): Statement[] {
    if (!doc) return [];
    return doc.Statement.filter((s) => {
        if (s.Effect !== "Allow") return false;
        const resources = list(s.Resource);
        const anyResource = resources.includes("*");
        return anyResource && (list(s.Action).includes("*") || s.NotAction !== undefined);
    });
}

/** Allowed actions that grant all of IAM ("iam:*" or "*"). */
export function iamWildcardActions(doc: { Statement: Statement[] } | undefined): string[] {
    if (!doc) return [];
    return doc.Statement.filter((s) => s.Effect === "Allow")
        .flatMap((s) => list(s.Action))
        .filter((a) => a === "*" || /^iam:\*$/i.test(a));
}

export const ADMIN_POLICY_ARNS = [/^arn:aws[a-z-]*:iam::aws:policy\/AdministratorAccess$/, /^arn:aws[a-z-]*:iam::aws:policy\/IAMFullAccess$/];

const iamDocs = (args: ResourceValidationArgs): Array<{ where: string; doc: { Statement: Statement[] } | undefined }> => {
    if (is(T.iamPolicyDoc, args.type)) return [{ where: "policy", doc: parsePolicyDocument(read(args.props, "policy")) }];
    if (is(T.iamRole, args.type)) {
        return arr(read(args.props, "inlinePolicies")).map((p, i) => ({ where: `inlinePolicies[${i}]`, doc: parsePolicyDocument(read(p, "policy")) }));
    }
    return [];
};

export const iamNoAdmin: ResourceValidationPolicy = {
    ...common,
    name: "iam-no-admin-wildcard",
    description: 'No IAM policy allows Action "*" on Resource "*" (or attaches AdministratorAccess).',
    enforcementLevel: "mandatory",
    tags: ["aws", "iam"],
    validateResource: forTypes([...T.iamPolicyDoc, ...T.iamRole, ...T.iamAttachment], (args, report) => {
        for (const { where, doc } of iamDocs(args)) {
            if (adminWildcardStatements(doc).length) {
                report(`${label(args)}: ${where} allows every action on every resource ("*" on "*"); grant the named actions on the named resources instead.`);
            }
        }
        const arns = [read(args.props, "policyArn"), ...arr(read(args.props, "managedPolicyArns"))].filter((a): a is string => typeof a === "string");
        for (const a of arns) {
            if (ADMIN_POLICY_ARNS.some((re) => re.test(a)))
                report(`${label(args)}: attaches ${a}; administrator policies are not allowed, attach a least-privilege policy.`);
        }
    }),
};

export const iamNoIamWildcard: ResourceValidationPolicy = {
    ...common,
    name: "iam-no-iam-wildcard",
    description: "No IAM policy allows iam:* (full control of IAM is privilege escalation).",
    enforcementLevel: "mandatory",
    tags: ["aws", "iam"],
    validateResource: forTypes([...T.iamPolicyDoc, ...T.iamRole], (args, report) => {
        for (const { where, doc } of iamDocs(args)) {
            const bad = iamWildcardActions(doc);
            if (bad.length) report(`${label(args)}: ${where} allows ${[...new Set(bad)].join(", ")}; list the IAM actions needed instead of a wildcard.`);
        }
    }),
};

export const iamNoUsers: ResourceValidationPolicy = {
    ...common,
    name: "iam-no-users",
    description: "No IAM users: people use SSO roles, pods use EKS Pod Identity roles.",
    enforcementLevel: "mandatory",
    tags: ["aws", "iam"],
    validateResource: forTypes(T.iamUser, (args, report) => {
        report(`${label(args)}: IAM users are not allowed; use an IAM role (EKS Pod Identity for pods, SSO/OIDC for people and CI).`);
    }),
};

export const iamNoAccessKeys: ResourceValidationPolicy = {
    ...common,
    name: "iam-no-access-keys",
    description: "No IAM access keys: long-lived AWS keys are never created.",
    enforcementLevel: "mandatory",
    tags: ["aws", "iam"],
    validateResource: forTypes(T.iamAccessKey, (args, report) => {
        report(`${label(args)}: IAM access keys are not allowed; workloads get temporary credentials from an IAM role (PodRole / EKS Pod Identity).`);
    }),
};
