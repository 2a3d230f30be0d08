// How long `pulumi up` takes: the critical path over the plan's dependency graph, each resource
// timed by the duration table (tools/estimate/durations.ts), over the one graph model (tools/graph.ts).
import { DurationTable, durationEntry, durationOf } from "./durations";
import { EstResource } from "../../lib/plan-resource";
import { Graph } from "../graph";

/** Resource types whose instances are the worker nodes pods run on. */
export const NODE_GROUP_TYPES = ["eks:index:ManagedNodeGroup", "aws:eks/nodeGroup:NodeGroup", "eks:index:NodeGroup", "eks:index:NodeGroupV2"];

export interface ChainLink {
    urn: string;
    type: string;
    name: string;
    minutes: number;
    start: number;
    finish: number;
}

export interface CriticalPath {
    minutes: number;
    chain: ChainLink[];
    /** When each top-level component (child of the stack) is done. */
    components: Array<{ name: string; type: string; finish: number }>;
    /** Start and finish of every resource (a component starts when it is registered). */
    schedule: Record<string, { start: number; finish: number }>;
}

type Ref = { kind: "finish" | "reg"; urn: string };
interface Timed {
    t: number;
    via: Ref | null;
}

/**
 * The longest chain of `pulumi up` over the plan's graph, with the engine's semantics:
 * - a custom resource starts when its dependencies, its provider and its parent are done (the SDK
 *   awaits the parent's URN, which a custom parent resolves only once created) and takes its
 *   duration from the table;
 * - a component takes no time: it is registered once its own dependencies (and parent) are done,
 *   and finished when all its children are; its children wait for its registration, so a
 *   component's dependsOn holds back everything inside it;
 * - depending on a component means waiting for all its descendants;
 * - a resource that waits for pods to be ready (`needsNodes` in the table, or `needsNodes(r)`)
 *   cannot finish before the plan's node groups are up, dependency or not: it is timed from
 *   the later of its own start and the node groups' finish.
 * A custom resource is always timed by the table (its children wait for it, as they wait for any
 * custom parent). A local component without children is empty (0 min); a remote component without
 * captured children (e.g. eks:index:Cluster under mocks) is timed as a whole from the table.
 */
export function criticalPath(
    resources: EstResource[],
    durations: DurationTable | ((r: EstResource) => number),
    opts: { needsNodes?: (r: EstResource) => boolean } = {},
): CriticalPath {
    const g = new Graph(resources);
    const byUrn = g.byUrn;
    const dur = typeof durations === "function" ? durations : (r: EstResource) => durationOf(r, durations);
    const needsNodes = opts.needsNodes ?? (typeof durations === "function" ? () => false : (r: EstResource) => durationEntry(r, durations).needsNodes);
    const nodeGroups = resources.filter((r) => NODE_GROUP_TYPES.includes(r.type));
    const isComponent = (r: EstResource) => g.isComponent(r);

    const gates = (r: EstResource): Ref[] => {
        const waits = g.waits(r);
        const refs: Ref[] = waits.filter((w) => w.urn !== r.parent).map((w): Ref => ({ kind: "finish", urn: w.urn }));
        if (!isComponent(r) && needsNodes(r)) {
            const up = g.ancestors(r.urn);
            for (const ng of nodeGroups) if (ng.urn !== r.urn && !up.has(ng.urn)) refs.push({ kind: "finish", urn: ng.urn });
        }
        for (const w of waits) if (w.urn === r.parent) refs.push({ kind: w.until === "registered" ? "reg" : "finish", urn: w.urn });
        return refs;
    };

    const memo = new Map<string, Timed>();
    const visiting = new Set<string>();
    const key = (ref: Ref) => `${ref.kind}:${ref.urn}`;

    const latest = (refs: Ref[]): Timed => {
        let best: Timed = { t: 0, via: null };
        for (const ref of refs) {
            const t = time(ref).t;
            if (best.via === null || t > best.t) best = { t, via: ref };
        }
        return best;
    };

    const time = (ref: Ref): Timed => {
        const k = key(ref);
        const known = memo.get(k);
        if (known) return known;
        if (visiting.has(k)) {
            const cycle = [...visiting].map((v) => v.split("::").pop()).join(" -> ");
            throw new Error(`dependency cycle in the plan at ${ref.urn} (${cycle})`);
        }
        visiting.add(k);
        const r = byUrn.get(ref.urn)!;
        let result: Timed;
        if (!isComponent(r)) {
            const start = latest(gates(r));
            result = { t: start.t + dur(r), via: start.via };
        } else if (ref.kind === "reg") {
            result = latest(gates(r));
        } else {
            const refs: Ref[] = [{ kind: "reg", urn: r.urn }, ...g.children(r.urn).map((c): Ref => ({ kind: "finish", urn: c.urn }))];
            result = latest(refs);
        }
        visiting.delete(k);
        memo.set(k, result);
        return result;
    };

    let end: Timed = { t: 0, via: null };
    for (const r of resources) {
        const f = time({ kind: "finish", urn: r.urn });
        if (end.via === null || f.t > end.t) end = { t: f.t, via: { kind: "finish", urn: r.urn } };
    }

    // Walk back from the last resource to finish, keeping the custom resources on the way.
    const chain: ChainLink[] = [];
    for (let ref: Ref | null = end.via; ref;) {
        const r = byUrn.get(ref.urn)!;
        const timed = time(ref);
        if (!isComponent(r) && ref.kind === "finish") {
            const minutes = dur(r);
            chain.push({ urn: r.urn, type: r.type, name: r.name, minutes, start: timed.t - minutes, finish: timed.t });
        }
        ref = timed.via;
    }
    chain.reverse();

    const roots = resources.filter((r) => !r.parent || !byUrn.has(r.parent));
    const top = roots.length === 1 && isComponent(roots[0]) ? g.children(roots[0].urn) : roots;
    const components = top.filter((r) => isComponent(r)).map((r) => ({ name: r.name, type: r.type, finish: time({ kind: "finish", urn: r.urn }).t }));
    const schedule: CriticalPath["schedule"] = {};
    for (const r of resources) {
        const finish = time({ kind: "finish", urn: r.urn }).t;
        schedule[r.urn] = { start: isComponent(r) ? time({ kind: "reg", urn: r.urn }).t : finish - dur(r), finish };
    }
    return { minutes: end.t, chain, components, schedule };
}
