// The shape of plan.json, shared by the harness that writes it and the tools that read it.
import type { StackConfig } from "../config";

/** What every secret value becomes in a plan. */
export const SECRET = "[secret]";

export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    provider: string | null;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    protect: boolean;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    ignoreChanges: string[];
    /** customTimeouts as duration strings ("20m"), where set. */
    customTimeouts?: { create?: string; update?: string; delete?: string };
    custom: boolean;
    remote: boolean;
    inputs: Record<string, unknown>;
}

export interface Plan {
    stack: string;
    config: StackConfig;
    resources: PlannedResource[];
    outputs: Record<string, unknown>;
    /** Filled by later stages (estimates); kept open here. */
    [extra: string]: unknown;
}

/** A resource as a reader may meet it: plan.json, a harness capture, or a hand-made fixture. */
export type ResourceLike = Pick<PlannedResource, "urn" | "type" | "name"> & Partial<Omit<PlannedResource, "urn" | "type" | "name">>;

export interface PlanLike {
    stack: string;
    resources: ResourceLike[];
}
