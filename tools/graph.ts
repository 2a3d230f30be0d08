// The one model of the engine's dependency graph, read by the lifecycle check (tools/lifecycle.ts),
// the estimator's critical path (tools/estimate/graph.ts) and the tests' helpers (test/support.ts).
// What it encodes, from Pulumi's own code:
// - a resource waits for its dependencies, property dependencies, provider and parent: the engine's
//   DependencyGraph.DependenciesOf (pulumi/pulumi pkg/resource/graph/dependency_graph.go) lists
//   exactly these, and `destroy` deletes in the reverse order (DependingOn, same file);
// - depending on a component is depending on what is inside it: the Node SDK expands a component
//   dependency through its children, stopping at custom resources and remote components
//   (node_modules/@pulumi/pulumi/runtime/dependsOn.js:53-90), and the engine expands any non-custom
//   dependency to its transitive children (DependenciesOf, `if !candidate.Custom`);
// - a child waits for its parent's URN (runtime/resource.js awaits `parent.urn`), which a component
//   resolves on registration and a custom resource once created; a child never waits for what is
//   inside its own ancestors (the SDK excludes the resource itself from the expansion).
import { isPlainObject } from "../lib/validate";

/** What the graph reads of a planned resource (the harness's capture and plan.json both have it). */
export interface GraphNode {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    provider?: string | null;
    custom: boolean;
    remote?: boolean;
    dependencies: string[];
    propertyDependencies?: Record<string, string[]>;
    inputs?: unknown;
}

/**
 * URNs of resources passed as inputs ({resource: urn} in the plan). The SDK leaves them out of a
 * remote component's dependencies (e.g. eks.ManagedNodeGroup's `cluster`), yet the component's
 * provider resolves them, so the component waits for them all the same.
 */
export function resourceRefs(inputs: unknown, out: string[] = []): string[] {
    if (Array.isArray(inputs)) inputs.forEach((x) => resourceRefs(x, out));
    else if (isPlainObject(inputs)) {
        if (typeof inputs.resource === "string" && inputs.resource.startsWith("urn:pulumi:") && Object.keys(inputs).length === 1) out.push(inputs.resource);
        else Object.values(inputs).forEach((x) => resourceRefs(x, out));
    }
    return out;
}

/** One direct wait: for `urn` to be done, or (a component parent) only registered. */
export interface Wait {
    urn: string;
    until: "done" | "registered";
}

/** The engine's graph: `a` waits for `b` on `up`, so `b` is deleted after `a` on `destroy`. */
export class Graph<R extends GraphNode = GraphNode> {
    readonly byUrn: Map<string, R>;
    private readonly kids = new Map<string, R[]>();
    private readonly memo = new Map<string, Set<string>>();

    constructor(readonly resources: R[]) {
        this.byUrn = new Map(resources.map((r) => [r.urn, r]));
        for (const r of resources) {
            if (!r.parent || !this.byUrn.has(r.parent)) continue;
            const list = this.kids.get(r.parent) ?? [];
            list.push(r);
            this.kids.set(r.parent, list);
        }
    }

    get(urn: string): R {
        const r = this.byUrn.get(urn);
        if (!r) throw new Error(`no resource ${urn} in the plan`);
        return r;
    }

    children(urn: string): R[] {
        return this.kids.get(urn) ?? [];
    }

    descendants(urn: string): R[] {
        const out: R[] = [];
        const walk = (u: string) =>
            this.children(u).forEach((c) => {
                out.push(c);
                walk(c.urn);
            });
        walk(urn);
        return out;
    }

    ancestors(urn: string): Set<string> {
        const out = new Set<string>();
        for (let p = this.byUrn.get(urn)?.parent; p && this.byUrn.has(p) && !out.has(p); p = this.byUrn.get(p)!.parent) out.add(p);
        return out;
    }

    /**
     * A component takes no time of its own: it is done when its children are. A remote component
     * whose children the plan does not show (eks:index:Cluster under mocks) counts as one resource.
     */
    isComponent(r: R): boolean {
        return !r.custom && (this.children(r.urn).length > 0 || !r.remote);
    }

    /** Direct waits: dependencies, property dependencies, resource inputs, provider (done), parent (registered if a component). */
    waits(r: R): Wait[] {
        const up = this.ancestors(r.urn);
        const out: Wait[] = [];
        const seen = new Set<string>();
        const add = (urn: string, until: Wait["until"]) => {
            if (seen.has(urn) || urn === r.urn || !this.byUrn.has(urn)) return;
            seen.add(urn);
            out.push({ urn, until });
        };
        for (const d of [...r.dependencies, ...Object.values(r.propertyDependencies ?? {}).flat(), ...resourceRefs(r.inputs)]) {
            // A dependency on one's own ancestor would deadlock; the SDK never sends one.
            if (!up.has(d)) add(d, "done");
        }
        if (r.provider) add(r.provider, "done");
        // The parent is an ancestor, so no dependency above named it.
        if (r.parent && this.byUrn.has(r.parent)) add(r.parent, this.isComponent(this.get(r.parent)) ? "registered" : "done");
        return out;
    }

    /** The URNs of the direct waits. */
    direct(r: R): string[] {
        return this.waits(r).map((w) => w.urn);
    }

    /**
     * The direct waits with each component expanded to what is inside it: waiting for a component
     * is waiting for its children, while a custom resource is done without its children, and a
     * child waits only for its parent's registration.
     */
    expanded(r: R): string[] {
        const up = this.ancestors(r.urn);
        const out = new Set<string>();
        for (const d of this.direct(r)) {
            out.add(d);
            if (!this.get(d).custom && !up.has(d)) for (const c of this.descendants(d)) if (c.urn !== r.urn) out.add(c.urn);
        }
        return [...out];
    }

    /** Everything `urn` waits for on `up` (and outlives it on `destroy`). */
    waitsFor(urn: string): Set<string> {
        const known = this.memo.get(urn);
        if (known) return known;
        const seen = new Set<string>();
        const stack = [urn];
        while (stack.length) {
            const r = this.byUrn.get(stack.pop()!);
            if (!r) continue;
            for (const f of this.expanded(r))
                if (!seen.has(f) && f !== urn) {
                    seen.add(f);
                    stack.push(f);
                }
        }
        this.memo.set(urn, seen);
        return seen;
    }

    /** On `destroy`, `survivor` is still there while `dependent` is deleted. */
    outlives(survivor: string, dependent: string): boolean {
        return this.waitsFor(dependent).has(survivor);
    }

    /** An order `up` may create in: each resource after everything it waits for. Throws on a cycle. */
    upOrder(): string[] {
        const order: string[] = [];
        const state = new Map<string, "visiting" | "done">();
        const visit = (urn: string, path: string[]) => {
            if (state.get(urn) === "done") return;
            if (state.get(urn) === "visiting") {
                const names = [...path.slice(path.indexOf(urn)), urn].map((u) => this.get(u).name);
                throw new Error(`dependency cycle in the plan: ${names.join(" -> ")}`);
            }
            state.set(urn, "visiting");
            for (const d of this.expanded(this.get(urn))) visit(d, [...path, urn]);
            state.set(urn, "done");
            order.push(urn);
        };
        for (const r of this.resources) visit(r.urn, []);
        return order;
    }

    /** An order `destroy` may delete in: dependents first, the reverse of `up`. */
    destroyOrder(): string[] {
        return this.upOrder().reverse();
    }
}
