// Runs the policy pack's rules (policy/rules.ts) over an offline plan, the way the Pulumi engine
// runs them at `pulumi preview --policy-pack policy`: each resource goes to every validateResource
// with {type, props, urn, name, opts}, then the whole stack to every validateStack.
//
//   npm run policy -- plan/prod/plan.json [--config overrides.yaml] [--markdown]
//   npm run policy -- --emit-config prod [--config overrides.yaml] [--out policy-config.prod.json]
//
// The second form writes the `--policy-pack-config` file for a real preview of that stack.
import * as fs from "fs";
import type {
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { BdokPolicyConfig } from "../policy/config";
import { checkOutputFile, Io, parseArgs, processIo, readPlanFile, runCli, UsageError } from "./cli";
import type { ResourceLike } from "./plan-types";

/** A planned resource as in plan.json, or as captured by the harness (with unmasked rawInputs). */
export interface PlanResourceLike extends ResourceLike {
    /**
     * Inputs with secrets revealed. A real preview hands policies the plaintext of Pulumi secrets,
     * so the offline run uses these when the harness captured them; plan.json only has "[secret]".
     */
    rawInputs?: unknown;
}

export interface Violation {
    policy: string;
    enforcementLevel: string;
    message: string;
    urn?: string;
}

export interface NotApplicable {
    policy: string;
    reason: string;
    urn?: string;
}

export interface PolicyReport {
    violations: Violation[];
    notApplicable: NotApplicable[];
    /** Resources handed to the resource rules. */
    resources: number;
}

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

// The pack loads the Pulumi SDK: required on first use, so a bad argument fails fast.
const rules = () => require("../policy/rules") as typeof import("../policy/rules");

/** A rule that threw on the resources it was given (e.g. a hand-edited plan); BDOK_DEBUG=1 keeps the stack. */
export class PolicyCrash extends Error {}

class NotApplicableError extends Error {
    constructor(readonly reason: string) {
        super(reason);
    }
}

const notApplicable = (reason?: string): never => {
    throw new NotApplicableError(reason ?? "not applicable");
};

function propsOf(r: PlanResourceLike): Record<string, any> {
    const p = r.rawInputs !== undefined ? r.rawInputs : r.inputs;
    return (p && typeof p === "object" ? p : {}) as Record<string, any>;
}

/** The engine's resource options, plus retainOnDelete (the engine does not pass it; the plan has it). */
export function toOptions(r: PlanResourceLike): PolicyResourceOptions & { retainOnDelete: boolean } {
    return {
        protect: !!r.protect,
        retainOnDelete: !!r.retainOnDelete,
        ignoreChanges: r.ignoreChanges ?? [],
        deleteBeforeReplace: !!r.deleteBeforeReplace,
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        parent: r.parent ?? undefined,
    };
}

const typeCheck = (type: string) => (cls: unknown) => (cls as { __pulumiType?: string } | undefined)?.__pulumiType === type;

/** validateResource's argument for one planned resource. */
export function resourceArgs(r: PlanResourceLike, config: Partial<BdokPolicyConfig>): ResourceValidationArgs {
    const props = propsOf(r);
    const isType = typeCheck(r.type);
    return {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: toOptions(r),
        stackTags: new Map(),
        isType: isType as ResourceValidationArgs["isType"],
        asType: ((cls: unknown) => (isType(cls) ? props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => ({ ...config }) as T,
        notApplicable,
    };
}

/** validateStack's resources: parents, dependencies and property dependencies linked as objects. */
export function stackResources(resources: PlanResourceLike[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const out = resources.map((r) => {
        const props = propsOf(r);
        const isType = typeCheck(r.type);
        const pr: PolicyResource = {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: toOptions(r),
            dependencies: [],
            propertyDependencies: {},
            isType: isType as PolicyResource["isType"],
            asType: ((cls: unknown) => (isType(cls) ? props : undefined)) as PolicyResource["asType"],
        };
        byUrn.set(r.urn, pr);
        return pr;
    });
    resources.forEach((r, i) => {
        const pr = out[i];
        if (r.parent && byUrn.has(r.parent)) pr.parent = byUrn.get(r.parent);
        pr.dependencies = (r.dependencies ?? []).map((d) => byUrn.get(d)).filter((d): d is PolicyResource => !!d);
        for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
            pr.propertyDependencies[k] = urns.map((d) => byUrn.get(d)).filter((d): d is PolicyResource => !!d);
        }
    });
    return out;
}

/** Runs every enabled policy over the resources, collecting violations and not-applicable reports. */
export async function runPolicies(
    resources: PlanResourceLike[],
    config: Partial<BdokPolicyConfig>,
    policies: AnyPolicy[] = rules().policies,
): Promise<PolicyReport> {
    const violations: Violation[] = [];
    const na: NotApplicable[] = [];
    for (const p of policies) {
        const level = p.enforcementLevel ?? "mandatory";
        if (level === "disabled") continue;
        const reporter = (urn?: string) => (message: string, stackUrn?: string) => {
            violations.push({ policy: p.name, enforcementLevel: level === "remediate" ? "mandatory" : level, message, urn: stackUrn ?? urn });
        };
        const guard = async (fn: () => unknown, urn?: string) => {
            try {
                await fn();
            } catch (e) {
                if (e instanceof NotApplicableError) na.push({ policy: p.name, reason: e.reason, urn });
                else
                    throw new PolicyCrash(
                        `policy ${p.name} failed${urn ? ` on ${urn}` : ""}: ${(process.env.BDOK_DEBUG ? (e as Error).stack : String(e)) ?? e}`,
                    );
            }
        };
        if (rules().isStackPolicy(p)) {
            const args: StackValidationArgs = {
                resources: stackResources(resources),
                stackTags: new Map(),
                getConfig: <T extends object>() => ({ ...config }) as T,
                notApplicable,
            };
            await guard(() => p.validateStack(args, reporter()));
            continue;
        }
        const validations = p.validateResource === undefined ? [] : Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
        for (const r of resources) {
            for (const v of validations) await guard(() => v(resourceArgs(r, config), reporter(r.urn)), r.urn);
        }
    }
    return { violations, notApplicable: na, resources: resources.length };
}

/** The policy configuration of a parsed stack configuration. */
export function policyConfigOf(cfg: { stack: string; ha: boolean; exposure: string }): BdokPolicyConfig {
    return { stack: cfg.stack, isProd: cfg.ha, exposure: cfg.exposure as BdokPolicyConfig["exposure"] };
}

/** The `--policy-pack-config` file: the same settings for every policy (each has the same schema). */
export function policyPackConfig(cfg: BdokPolicyConfig, policies: AnyPolicy[] = rules().policies): Record<string, unknown> {
    return Object.fromEntries(policies.map((p) => [p.name, { ...cfg }]));
}

/** Runs the pack over a harness run (planOf/planWith), configured from the run's own stack config. */
export function checkPlanRun(
    run: { captured: PlanResourceLike[]; config: { stack: string; ha: boolean; exposure: string } },
    policies: AnyPolicy[] = rules().policies,
): Promise<PolicyReport> {
    return runPolicies(run.captured, policyConfigOf(run.config), policies);
}

export function renderReport(report: PolicyReport, title: string, markdown = false): string {
    const lines: string[] = [];
    const count = `${report.violations.length} violation(s) over ${report.resources} resources`;
    if (markdown) {
        lines.push(`### Policy check: ${title}`, "", count, "");
        if (report.violations.length) {
            lines.push("| level | policy | message |", "|---|---|---|");
            for (const v of report.violations) lines.push(`| ${v.enforcementLevel} | \`${v.policy}\` | ${v.message.replace(/\|/g, "\\|")} |`);
        }
    } else {
        lines.push(`policy check ${title}: ${count}`);
        for (const v of report.violations) lines.push(`  [${v.enforcementLevel}] ${v.policy}: ${v.message}${v.urn ? `\n      ${v.urn}` : ""}`);
    }
    return lines.join("\n");
}

const usage =
    "usage: npm run policy -- <plan.json> [--config <overrides.yaml>] [--markdown]\n       npm run policy -- --emit-config <stack> [--config <overrides.yaml>] [--out <file>]";

/** The CLI; resolves to the exit code (1 when a mandatory rule is violated). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, { "--emit-config": "value", "--config": "value", "--out": "value", "--markdown": "switch" }, usage, 1);
    const planFile = positionals[0];
    const emitFor = flags["--emit-config"] as string | undefined;
    const overridesFile = flags["--config"] as string | undefined;
    const out = flags["--out"] === undefined ? undefined : checkOutputFile(flags["--out"] as string);
    const markdown = flags["--markdown"] === true;
    if (!planFile === !emitFor) throw new UsageError(`${planFile ? "give a plan file or --emit-config, not both" : "no plan file given"}\n${usage}`);
    if (out && !emitFor) throw new UsageError(`--out goes with --emit-config\n${usage}`);

    const stackConfig = (stack: string) => {
        const { parseConfig } = require("../config") as typeof import("../config");
        const { loadStackConfig, readStackFile } = require("./stack-files") as typeof import("./stack-files");
        const overrides = overridesFile ? (readStackFile(overridesFile).config ?? {}) : undefined;
        return policyConfigOf(parseConfig(loadStackConfig(stack, overrides), stack));
    };

    if (emitFor) {
        const text = JSON.stringify(policyPackConfig(stackConfig(emitFor)), null, 2) + "\n";
        if (out) fs.writeFileSync(out, text);
        else io.stdout(text);
        return 0;
    }
    // The same reader as plan:diff: a bad file is one usage error naming it.
    const plan = readPlanFile(planFile!, usage) as { stack: string; config?: { stack: string; ha: boolean; exposure: string }; resources: PlanResourceLike[] };
    if (!plan.config && !overridesFile && typeof plan.stack !== "string")
        throw new UsageError(`${planFile}: the plan names no stack; allowed: a plan.json written by npm run plan`);
    // The plan's own configuration, unless overrides ask for another.
    const config = plan.config && !overridesFile ? policyConfigOf(plan.config) : stackConfig(plan.stack);
    const report = await runPolicies(plan.resources, config);
    io.stdout(`${renderReport(report, `\`${plan.stack}\``, markdown)}\n`);
    return report.violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
}

/** A policy that crashes on a resource is one line and exit 2. */
export function exitCodeOf(e: unknown): number | undefined {
    return e instanceof PolicyCrash ? 2 : undefined;
}

if (require.main === module) runCli(main, exitCodeOf);
