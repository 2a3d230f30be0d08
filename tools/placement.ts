// Every pod the cluster will run, with the selectors and tolerations that decide its node: the
// workloads the program and the charts declare, the pods operators make from custom resources,
// and the templates launched at run time (the KubernetesExecutor's pod, the DAG's SparkApplications).
import type { PlacementSpec } from "./scheduling";
import { WorldObject, workloadPodSpec } from "./references";

export interface PodPlacement {
    from: string;
    /** A DaemonSet's pods go on every node they tolerate, not where the scheduler picks. */
    daemon: boolean;
    spec: PlacementSpec;
}

function placement(ps: Record<string, any> | undefined): PlacementSpec {
    return { nodeSelector: ps?.nodeSelector, affinity: ps?.affinity, tolerations: ps?.tolerations };
}

/** Pod templates inside custom resources, by the operator that turns them into pods. */
function operatorPods(o: WorldObject): Array<[string, Record<string, any> | undefined]> {
    const spec = o.body.spec ?? {};
    switch (o.kind) {
        case "SparkApplication":
            return [
                ["driver", spec.driver],
                ["executor", spec.executor],
            ];
        case "Elasticsearch":
            return (spec.nodeSets ?? []).map((n: any) => [`nodeSet ${n.name}`, n.podTemplate?.spec]);
        case "Kibana":
            return [["kibana", spec.podTemplate?.spec]];
        // Strimzi's PodTemplate carries affinity and tolerations (no nodeSelector).
        case "KafkaNodePool":
            return [["broker", spec.template?.pod]];
        case "Kafka":
            return spec.entityOperator ? [["entity operator", spec.entityOperator.template?.pod]] : [];
        case "KafkaConnect":
            return [["connect", spec.template?.pod], ...(spec.build ? ([["build", spec.template?.buildPod]] as Array<[string, any]>) : [])];
        default:
            return [];
    }
}

export function podPlacements(world: WorldObject[]): PodPlacement[] {
    const out: PodPlacement[] = [];
    for (const o of world) {
        // Runtime rows stand for objects by name and service account only; their pods' placement
        // comes from the custom resource (a Connect build pod from spec.template.buildPod).
        if (o.origin.startsWith("runtime:")) continue;
        const from = `${o.kind}/${o.name} (${o.origin})`;
        const ps = workloadPodSpec(o);
        if (ps) out.push({ from, daemon: o.kind === "DaemonSet", spec: placement(ps) });
        for (const [role, ps] of operatorPods(o)) out.push({ from: `${from} ${role}`, daemon: false, spec: placement(ps) });
    }
    return out;
}
