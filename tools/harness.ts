// Runs the program for one stack under Pulumi's mock engine and records what `pulumi up` would
// register: every resource with its parent, provider, dependencies, options and (masked) inputs.
// The SDK's internals (mock engine, monitor, wire types) are behind tools/sdk-adapter.ts.

import * as path from "path";

import { PROJECT, parseConfig, StackConfig } from "../config";
import { createBdok } from "../program";

import { MANIFEST_CACHE_ENV } from "../lib/manifests";
import { offlineManifestCache } from "./manifest-cache";
import { BdokMocks, ZoneListing } from "./mocks";
import { Plan, PlannedResource, SECRET } from "./plan-types";
import { normalize, resolveOutput, runUnderMocks } from "./sdk-adapter";

export { SECRET };
export type { Plan, PlannedResource };

export const ROOT = path.resolve(__dirname, "..");

/** A resource as captured, with its unmasked inputs for tests that look for leaks. */
export interface Captured extends PlannedResource {
    rawInputs: unknown;
    /** The aliases the program sent (not part of the plan file). */
    aliases?: unknown[];
}

export interface PlanRun {
    plan: Plan;
    config: StackConfig;
    captured: Captured[];
}

/**
 * Runs the program for `stack` with the given flat configuration under mocks. Runs are serialised
 * (tools/sdk-adapter.ts): the Pulumi runtime is process-global.
 */
export async function runPlan(stack: string, rawConfig: Record<string, string>, mocks: { zones?: ZoneListing } = {}): Promise<PlanRun> {
    const config = parseConfig(rawConfig, stack); // throws ConfigError before any resource exists
    // Offline: the CRD manifests come from the pinned charts, never a download.
    process.env[MANIFEST_CACHE_ENV] = offlineManifestCache();
    const captured: Captured[] = [];
    const programOutputs = await runUnderMocks(
        new BdokMocks(config.region, mocks.zones),
        PROJECT,
        stack,
        rawConfig,
        () => createBdok(config),
        (r) => {
            const { wireInputs, aliases, ...rest } = r;
            const entry: Captured = {
                urn: "",
                ...rest,
                inputs: normalize(wireInputs) as Record<string, unknown>,
                rawInputs: normalize(wireInputs, true),
                aliases,
            };
            captured.push(entry);
            return { onUrn: (urn) => (entry.urn = urn) };
        },
    );
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(programOutputs)) outputs[k] = await resolveOutput(v);
    const resources = captured.map(({ rawInputs: _raw, aliases: _aliases, ...r }) => r);
    // The validated configuration travels with the plan, so later readers (policies, diffs) agree.
    return { plan: { stack, config, resources, outputs }, config, captured };
}
