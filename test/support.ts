// Shared access to the offline plans of every stack: each stack runs once per test process.
import * as fs from "fs";
import { strict as assert } from "assert";
import { Captured, loadStackConfig, PlanRun, runPlan, ROOT } from "../tools/harness";
import { ChartName, charts } from "../versions";

export const STACKS = fs
    .readdirSync(ROOT)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map((f) => f.split(".")[1])
    .sort();

const cache = new Map<string, Promise<PlanRun>>();

/** The plan of a stack file as it is in the repository. */
export function planOf(stack: string): Promise<PlanRun> {
    let p = cache.get(stack);
    if (!p) {
        p = runPlan(stack, loadStackConfig(stack));
        cache.set(stack, p);
    }
    return p;
}

/** The plan of a stack with configuration overrides (not cached). */
export function planWith(stack: string, overrides: Record<string, unknown>): Promise<PlanRun> {
    return runPlan(stack, loadStackConfig(stack, overrides));
}

export function ofType(run: PlanRun, type: string): Captured[] {
    return run.captured.filter((r) => r.type === type);
}

export function one(run: PlanRun, type: string, name?: string): Captured {
    const found = ofType(run, type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
    }
    return found[0];
}

export function byUrn(run: PlanRun, urn: string): Captured {
    const r = run.captured.find((c) => c.urn === urn);
    if (!r) throw new Error(`no resource ${urn}`);
    return r;
}

/** Every URN `urn` waits for, directly or through other resources (dependencies and parents' deps). */
export function transitiveDeps(run: PlanRun, urn: string): Set<string> {
    const seen = new Set<string>();
    const stack = [urn];
    while (stack.length) {
        const current = stack.pop();
        const r = run.captured.find((c) => c.urn === current);
        if (!r) continue;
        for (const d of r.dependencies) {
            if (!seen.has(d)) {
                seen.add(d);
                stack.push(d);
                // Waiting for a component means waiting for its children.
                for (const c of run.captured)
                    if (c.parent === d && !seen.has(c.urn)) {
                        seen.add(c.urn);
                        stack.push(c.urn);
                    }
            }
        }
    }
    return seen;
}

/** The children (recursively) of a component. */
export function descendants(run: PlanRun, urn: string): Captured[] {
    const out: Captured[] = [];
    const walk = (u: string) =>
        run.captured
            .filter((c) => c.parent === u)
            .forEach((c) => {
                out.push(c);
                walk(c.urn);
            });
    walk(urn);
    return out;
}

/** The resources of a type below the one component of another type. */
export function within(run: PlanRun, parentType: string, type: string): Captured[] {
    return descendants(run, one(run, parentType).urn).filter((r) => r.type === type);
}

export function inputsOf<T = any>(r: Captured): T {
    return r.rawInputs as T;
}

/** A Helm release installs the chart, version and repository pinned in versions.ts into `namespace`. */
export function assertPinnedRelease(release: Captured, chart: ChartName, namespace: string): void {
    const rel = inputsOf(release);
    assert.equal(rel.chart, charts[chart].chart);
    assert.equal(rel.version, charts[chart].version);
    assert.equal(rel.repositoryOpts.repo, charts[chart].repo);
    assert.equal(rel.namespace, namespace);
}
