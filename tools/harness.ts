// Runs the program for one stack under Pulumi's mock engine and records what `pulumi up` would
// register: every resource with its parent, provider, dependencies, options and (masked) inputs.

import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

import { PROJECT, parseConfig, StackConfig } from "../config";
import { isPlainObject } from "../lib/validate";
import { createBdok } from "../program";

import { BdokMocks, ZoneListing } from "./mocks";
import { Plan, PlannedResource, SECRET } from "./plan-types";

export { SECRET };
export type { Plan, PlannedResource };

export const ROOT = path.resolve(__dirname, "..");

/** A resource as captured, with its unmasked inputs for tests that look for leaks. */
export interface Captured extends PlannedResource {
    rawInputs: unknown;
}

export interface PlanRun {
    plan: Plan;
    config: StackConfig;
    captured: Captured[];
}

// Pulumi's wire signatures for special values in a serialized property map.
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Converts serialized properties to plain JSON; secrets become "[secret]" unless `reveal`. */
export function normalize(v: unknown, reveal = false): unknown {
    if (v === UNKNOWN) return "[unknown]";
    if (Array.isArray(v)) return v.map((x) => normalize(x, reveal));
    if (!isPlainObject(v)) return v;
    switch (v[SIG]) {
        case SECRET_SIG:
            return reveal ? normalize(v.value, reveal) : SECRET;
        case RESOURCE_SIG:
            return { resource: v.urn };
        case ASSET_SIG:
            return { asset: v.path ?? (v.text !== undefined ? `text(${String(v.text).length} chars)` : v.uri) };
        case ARCHIVE_SIG:
            return { archive: v.path ?? (v.assets ? Object.keys(v.assets as object) : v.uri) };
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalize(x, reveal);
    return out;
}

function customTimeoutsOf(req: any): { customTimeouts?: { create?: string; update?: string; delete?: string } } {
    const t = req.getCustomtimeouts?.();
    if (!t) return {};
    const out = Object.fromEntries(
        (
            [
                ["create", t.getCreate()],
                ["update", t.getUpdate()],
                ["delete", t.getDelete()],
            ] as [string, string][]
        ).filter(([, v]) => v),
    );
    return Object.keys(out).length ? { customTimeouts: out } : {};
}

function providerUrn(ref: string): string | null {
    if (!ref) return null;
    const i = ref.lastIndexOf("::");
    return i > 0 ? ref.slice(0, i) : ref;
}

let running = Promise.resolve();

/**
 * Runs the program for `stack` with the given flat configuration under mocks. Runs are serialised:
 * the Pulumi runtime is process-global.
 */
export function runPlan(stack: string, rawConfig: Record<string, string>, mocks: { zones?: ZoneListing } = {}): Promise<PlanRun> {
    const next = running.then(() => runPlanNow(stack, rawConfig, mocks));
    running = next.then(
        () => undefined,
        () => undefined,
    );
    return next;
}

async function runPlanNow(stack: string, rawConfig: Record<string, string>, mocks: { zones?: ZoneListing }): Promise<PlanRun> {
    // The SDK records a stack trace for every promise it makes; under ts-node's source maps that
    // is most of a plan's time. Set BDOK_PLAN_STACKS=1 to keep them while debugging the program.
    const limit = Error.stackTraceLimit;
    if (!process.env.BDOK_PLAN_STACKS) Error.stackTraceLimit = 0;
    try {
        return await planUnderMocks(stack, rawConfig, mocks);
    } finally {
        Error.stackTraceLimit = limit;
    }
}

async function planUnderMocks(stack: string, rawConfig: Record<string, string>, mocks: { zones?: ZoneListing }): Promise<PlanRun> {
    const config = parseConfig(rawConfig, stack); // throws ConfigError before any resource exists
    pulumi.runtime.setAllConfig(rawConfig);
    await pulumi.runtime.setMocks(new BdokMocks(config.region, mocks.zones), PROJECT, stack, false);

    const monitor = pulumi.runtime.getMonitor() as any;
    const captured: Captured[] = [];
    let pending = 0;
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: (err: unknown, resp: any) => void) => {
        pending++;
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((v: any, k: string) => {
            const urns = v.getUrnsList();
            if (urns.length) propertyDependencies[k] = urns;
        });
        const rawInputs = req.getObject()?.toJavaScript() ?? {};
        const entry: Captured = {
            urn: "",
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent() || null,
            provider: providerUrn(req.getProvider()),
            dependencies: req.getDependenciesList(),
            propertyDependencies,
            protect: !!req.getProtect(),
            retainOnDelete: !!req.getRetainondelete(),
            deleteBeforeReplace: !!req.getDeletebeforereplace(),
            ignoreChanges: req.getIgnorechangesList(),
            ...customTimeoutsOf(req),
            custom: req.getCustom(),
            remote: req.getRemote(),
            inputs: normalize(rawInputs) as Record<string, unknown>,
            rawInputs: normalize(rawInputs, true),
        };
        captured.push(entry);
        original(req, (err: unknown, resp: any) => {
            if (!err && resp) entry.urn = resp.getUrn();
            pending--;
            cb(err, resp);
        });
    };

    let programOutputs: Record<string, unknown> = {};
    await pulumi.runtime.runInPulumiStack(async () => {
        programOutputs = createBdok(config);
        return programOutputs;
    });
    // Registrations inside applies can trail the stack's completion; wait until quiet.
    for (let quiet = 0; quiet < 3;) {
        await new Promise((r) => setTimeout(r, pending > 0 ? 5 : 1));
        quiet = pending === 0 ? quiet + 1 : 0;
    }
    const outputs = await resolveOutputs(programOutputs);
    const resources = captured.map(({ rawInputs: _raw, ...r }) => r);
    // The validated configuration travels with the plan, so later readers (policies, diffs) agree.
    return { plan: { stack, config, resources, outputs }, config, captured };
}

async function resolveOutputs(outs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const result: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(outs)) {
        const o = pulumi.output(v) as any;
        const [value, secret] = await Promise.all([o.promise(), o.isSecret]);
        result[k] = secret ? SECRET : value;
    }
    return result;
}
