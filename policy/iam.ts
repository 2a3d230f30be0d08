// IAM: policy documents parsed, no admin or IAM wildcards, no users or access keys.
import type { ResourceValidationArgs } from "@pulumi/policy";
import { T, UNKNOWN, arr, is, isObj, list, read } from "./props";
import { label, resourceRule } from "./config";

export interface Statement {
    Effect?: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
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

/**
 * AWS-managed policies that grant a service (or everything) wholesale: AdministratorAccess and its
 * variants, PowerUserAccess (everything but IAM), every *FullAccess, and the administrator job
 * functions (AWS managed policies for job functions, IAM user guide).
 */
export const ADMIN_POLICY_ARNS = [
    /^arn:aws[a-z-]*:iam::aws:policy\/(.+\/)?AdministratorAccess(-[A-Za-z0-9]+)*$/,
    /^arn:aws[a-z-]*:iam::aws:policy\/(.+\/)?PowerUserAccess$/,
    /^arn:aws[a-z-]*:iam::aws:policy\/(.+\/)?[A-Za-z0-9]*FullAccess(V\d+)?$/,
    /^arn:aws[a-z-]*:iam::aws:policy\/job-function\/[A-Za-z]*Administrator$/,
];

/**
 * IAM actions that let their holder raise its own privileges (pass any role to a service, attach or
 * write a policy, make a policy version default, mint credentials for another principal, change who
 * may assume a role). Granted on every role, user, group or policy, each is administrator access.
 */
export const ESCALATION_ACTIONS = [
    "iam:PassRole",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AddUserToGroup",
];

/** An IAM wildcard pattern ("iam:Put*", "arn:aws:s3:::b-?/*") as a regular expression; actions match case-insensitively, ARNs do not. */
export function iamPattern(pattern: string, flags: "" | "i" = ""): RegExp {
    const body = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${body}$`, flags);
}

/** A resource that names every role, user, group or policy: "*", "arn:aws:iam::<account>:role/*", "arn:*". */
export function isBroadIamResource(r: string): boolean {
    const s = r.trim();
    return s === "*" || /^arn:\*/.test(s) || /^arn:[^:]*:iam::[^:]*:(\*|[a-z-]+\/\*)$/i.test(s);
}

/** Allowed escalation actions (matched through wildcards) on a broad resource: [action pattern, escalation action]. */
export function escalationGrants(doc: { Statement: Statement[] } | undefined): Array<{ action: string; grants: string[] }> {
    if (!doc) return [];
    const out: Array<{ action: string; grants: string[] }> = [];
    for (const s of doc.Statement) {
        if (s.Effect !== "Allow" || s.Action === undefined) continue;
        if (!list(s.Resource).some(isBroadIamResource) && s.NotResource === undefined) continue;
        for (const a of list(s.Action)) {
            const re = iamPattern(a, "i");
            const grants = ESCALATION_ACTIONS.filter((e) => re.test(e));
            if (grants.length && a !== "*") out.push({ action: a, grants });
        }
    }
    return out;
}

/** Condition keys that pin a public principal to an account, organisation or principal ARN. */
const PRINCIPAL_SCOPE_KEYS = /^aws:(PrincipalOrgID|PrincipalAccount|PrincipalArn|SourceAccount|SourceArn|SourceOrgID|PrincipalOrgPaths|SourceVpc|SourceVpce)$/i;

/** Whether a statement's Principal is anyone: "*", {AWS: "*"} or {AWS: "arn:aws:iam::*:root"}. */
export function isPublicPrincipal(p: unknown): boolean {
    if (p === "*") return true;
    return list(read(p, "AWS")).some((a) => a === "*" || /^arn:[^:]*:iam::\*:/.test(a));
}

/** Allow statements open to any AWS principal with no condition naming whose principals they accept. */
export function publicPrincipalStatements(doc: { Statement: Statement[] } | undefined): Statement[] {
    if (!doc) return [];
    return doc.Statement.filter((s) => {
        if (s.Effect !== "Allow" || !isPublicPrincipal(s.Principal)) return false;
        const keys = Object.values(s.Condition ?? {}).flatMap((c) => (isObj(c) ? Object.keys(c) : []));
        return !keys.some((k) => PRINCIPAL_SCOPE_KEYS.test(k));
    });
}

const iamDocs = (args: ResourceValidationArgs): Array<{ where: string; doc: { Statement: Statement[] } | undefined }> => {
    if (is(T.iamPolicyDoc, args.type)) return [{ where: "policy", doc: parsePolicyDocument(read(args.props, "policy")) }];
    if (is(T.iamRole, args.type)) {
        return arr(read(args.props, "inlinePolicies")).map((p, i) => ({ where: `inlinePolicies[${i}]`, doc: parsePolicyDocument(read(p, "policy")) }));
    }
    return [];
};

export const iamNoAdmin = resourceRule({
    name: "iam-no-admin-wildcard",
    description:
        'No IAM policy allows Action "*" on Resource "*", nor attaches an administrator-class managed policy (AdministratorAccess, PowerUserAccess, *FullAccess).',
    tags: ["aws", "iam"],
    types: [...T.iamPolicyDoc, ...T.iamRole, ...T.iamAttachment],
    check: (args, report) => {
        for (const { where, doc } of iamDocs(args)) {
            if (adminWildcardStatements(doc).length) {
                report(`${label(args)}: ${where} allows every action on every resource ("*" on "*"); grant the named actions on the named resources instead.`);
            }
        }
        const arns = [read(args.props, "policyArn"), ...arr(read(args.props, "managedPolicyArns"))].filter((a): a is string => typeof a === "string");
        for (const a of arns) {
            if (ADMIN_POLICY_ARNS.some((re) => re.test(a)))
                report(
                    `${label(args)}: attaches ${a}; administrator-class managed policies (AdministratorAccess, PowerUserAccess, *FullAccess) are not allowed, attach a least-privilege policy.`,
                );
        }
    },
});

export const iamNoIamWildcard = resourceRule({
    name: "iam-no-iam-wildcard",
    description: "No IAM policy allows iam:* (full control of IAM is privilege escalation).",
    tags: ["aws", "iam"],
    types: [...T.iamPolicyDoc, ...T.iamRole],
    check: (args, report) => {
        for (const { where, doc } of iamDocs(args)) {
            const bad = iamWildcardActions(doc);
            if (bad.length) report(`${label(args)}: ${where} allows ${[...new Set(bad)].join(", ")}; list the IAM actions needed instead of a wildcard.`);
        }
    },
});

export const iamNoUsers = resourceRule({
    name: "iam-no-users",
    description: "No IAM users: people use SSO roles, pods use EKS Pod Identity roles.",
    tags: ["aws", "iam"],
    types: T.iamUser,
    check: (args, report) => {
        report(`${label(args)}: IAM users are not allowed; use an IAM role (EKS Pod Identity for pods, SSO/OIDC for people and CI).`);
    },
});

export const iamNoAccessKeys = resourceRule({
    name: "iam-no-access-keys",
    description: "No IAM access keys: long-lived AWS keys are never created.",
    tags: ["aws", "iam"],
    types: T.iamAccessKey,
    check: (args, report) => {
        report(`${label(args)}: IAM access keys are not allowed; workloads get temporary credentials from an IAM role (PodRole / EKS Pod Identity).`);
    },
});

export const iamNoEscalation = resourceRule({
    name: "iam-no-privilege-escalation",
    description: "No IAM policy allows an escalation action (iam:PassRole, iam:Attach*/Put* policy, CreatePolicyVersion, ...) on every role, user or policy.",
    tags: ["aws", "iam"],
    types: [...T.iamPolicyDoc, ...T.iamRole],
    check: (args, report) => {
        for (const { where, doc } of iamDocs(args)) {
            for (const g of escalationGrants(doc)) {
                report(
                    `${label(args)}: ${where} allows ${g.action} (${g.grants.join(", ")}) on every resource; name the roles/policies it may act on (e.g. iam:PassRole on the node role's ARN only).`,
                );
            }
        }
    },
});

/** Where a resource carries a resource-based policy (who may use it), by type. */
const RESOURCE_POLICY_PROPS: Record<string, string> = {
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:s3/bucket:Bucket": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:sqs/queue:Queue": "policy",
    "aws:kms/key:Key": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
};

export const iamNoPublicPrincipal = resourceRule({
    name: "iam-no-public-principal",
    description: 'No trust or resource policy allows Principal "*" / AWS "*" unless a condition pins the account, organisation or principal.',
    tags: ["aws", "iam"],
    types: Object.keys(RESOURCE_POLICY_PROPS),
    check: (args, report) => {
        const prop = RESOURCE_POLICY_PROPS[args.type];
        for (const s of publicPrincipalStatements(parsePolicyDocument(read(args.props, prop)))) {
            report(
                `${label(args)}: ${prop} allows ${JSON.stringify(s.Action ?? s.NotAction)} to any AWS principal (${JSON.stringify(s.Principal)}); name the trusted principal (a service, a role ARN) or pin it with aws:PrincipalAccount / aws:PrincipalOrgID.`,
            );
        }
    },
});
