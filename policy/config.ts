// The pack's configuration (which stack, which exposure) and the wrappers every rule is built with.
import type {
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidation,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

// ---------------------------------------------------------------------------------------------
// Configuration: which stack the pack is looking at
// ---------------------------------------------------------------------------------------------

export const EXPOSURES = ["clusterIp", "internalLoadBalancer", "publicLoadBalancer"] as const;
export type Exposure = (typeof EXPOSURES)[number];

export interface BdokPolicyConfig {
    /** The stack name; defaults to the one in the resources' URNs. */
    stack: string;
    /** Whether the prod-only rules apply: the stack's `bdok:profile` is `ha`. Unset: they apply (never guessed from the stack's name). */
    isProd: boolean;
    /** The stack's bdok:exposure; decides whether LoadBalancer services and public 443 are allowed. */
    exposure: Exposure;
}

/** Every policy takes the same configuration, so one generated file configures the whole pack. */
export const configSchema: PolicyConfigSchema = {
    properties: {
        stack: { type: "string", description: "Stack name (defaults to the stack in the resource URNs)" },
        isProd: {
            type: "boolean",
            description: "Apply the prod-only rules: true when the stack's bdok:profile is ha (npm run policy -- --emit-config writes it); unset applies them",
        },
        exposure: { type: "string", enum: [...EXPOSURES], default: "clusterIp", description: "The stack's bdok:exposure setting" },
    },
};

/** "urn:pulumi:<stack>::<project>::<type>::<name>" → stack. */
export function stackOfUrn(urn: string | undefined): string | undefined {
    const m = /^urn:pulumi:([^:]+)::/.exec(urn ?? "");
    return m ? m[1] : undefined;
}

/** Fills what the policy configuration leaves out: the stack from the URN; without a profile the strict rules apply. */
export function resolveConfig(raw: Partial<BdokPolicyConfig> | undefined, urn?: string): BdokPolicyConfig {
    const r = raw ?? {};
    const stack = typeof r.stack === "string" && r.stack !== "" ? r.stack : (stackOfUrn(urn) ?? "unknown");
    const isProd = typeof r.isProd === "boolean" ? r.isProd : true;
    const exposure = (EXPOSURES as readonly string[]).includes(r.exposure as string) ? (r.exposure as Exposure) : "clusterIp";
    return { stack, isProd, exposure };
}

// ---------------------------------------------------------------------------------------------
// Policy helpers
// ---------------------------------------------------------------------------------------------

export function configOf(args: { getConfig<T extends object>(): T }, urn?: string): BdokPolicyConfig {
    return resolveConfig(args.getConfig<Partial<BdokPolicyConfig>>(), urn);
}

export function stackConfigOf(args: StackValidationArgs): BdokPolicyConfig {
    return configOf(args, args.resources[0]?.urn);
}

/** Runs `fn` for resources of the given types only. */
export function forTypes(types: readonly string[] | ((type: string) => boolean), fn: ResourceValidation): ResourceValidation {
    const match = typeof types === "function" ? types : (t: string) => types.includes(t);
    return (args, report) => (match(args.type) ? fn(args, report) : undefined);
}

/** A resource rule that applies only to prod stacks; elsewhere it reports itself not applicable. */
export function prodOnly(fn: (args: ResourceValidationArgs, report: ReportViolation, cfg: BdokPolicyConfig) => void): ResourceValidation {
    return (args, report) => {
        const cfg = configOf(args, args.urn);
        if (!cfg.isProd) args.notApplicable(`prod stacks only (stack "${cfg.stack}")`);
        fn(args, report, cfg);
    };
}

export function prodOnlyStack(fn: (args: StackValidationArgs, report: ReportViolation, cfg: BdokPolicyConfig) => void): StackValidation {
    return (args, report) => {
        const cfg = stackConfigOf(args);
        if (!cfg.isProd) args.notApplicable(`prod stacks only (stack "${cfg.stack}")`);
        fn(args, report, cfg);
    };
}

export const label = (args: { type: string; name: string }) => `${args.type.split(":").pop()} "${args.name}"`;

export const common = { configSchema };

// ---------------------------------------------------------------------------------------------
// Rule factory: every rule is mandatory, takes the pack's configuration, and is prod-only exactly
// when tagged "prod-only" (the tag the report and PROD_ONLY read is the switch, so they cannot disagree).
// ---------------------------------------------------------------------------------------------

export const PROD_ONLY_TAG = "prod-only";

export interface RuleSpec {
    name: string;
    description: string;
    tags: string[];
    /** Mandatory unless said otherwise. */
    enforcementLevel?: EnforcementLevel;
}

type Check<A> = (args: A, report: ReportViolation, cfg: BdokPolicyConfig) => void;

/** A resource rule; `types` narrows it to some resource types (a list or a predicate), else it sees every resource. */
export function resourceRule(
    spec: RuleSpec & { types?: readonly string[] | ((type: string) => boolean); check: Check<ResourceValidationArgs> },
): ResourceValidationPolicy {
    const { types, check, ...meta } = spec;
    const body: ResourceValidation = meta.tags.includes(PROD_ONLY_TAG) ? prodOnly(check) : (args, report) => check(args, report, configOf(args, args.urn));
    return { ...common, enforcementLevel: "mandatory", ...meta, validateResource: types === undefined ? body : forTypes(types, body) };
}

/** A rule over the whole stack (for checks that relate resources to each other). */
export function stackRule(spec: RuleSpec & { check: Check<StackValidationArgs> }): StackValidationPolicy {
    const { check, ...meta } = spec;
    const body: StackValidation = meta.tags.includes(PROD_ONLY_TAG) ? prodOnlyStack(check) : (args, report) => check(args, report, stackConfigOf(args));
    return { ...common, enforcementLevel: "mandatory", ...meta, validateStack: body };
}
