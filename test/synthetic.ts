// Synthetic plan resources for the estimator's unit tests: a graph of things and components, and
// the EKS and Kubernetes resources the capacity and cost models read.
import { EstResource } from "../lib/plan-resource";

let seq = 0;
export function res(name: string, o: Partial<EstResource> = {}): EstResource {
    const type = o.type ?? "test:index:Thing";
    return {
        urn: `urn:pulumi:t::p::${type}::${name}#${seq++}`,
        type,
        name,
        parent: o.parent ?? null,
        provider: o.provider ?? null,
        dependencies: o.dependencies ?? [],
        custom: o.custom ?? true,
        remote: o.remote ?? false,
        inputs: o.inputs ?? {},
    };
}
export const component = (name: string, o: Partial<EstResource> = {}) => res(name, { type: "test:index:Component", custom: false, ...o });

export const cluster = () => res("eks", { type: "eks:index:Cluster", custom: false, remote: true, inputs: { version: "1.34" } });
export const nodeGroup = (instanceTypes: string[], desiredSize: number, capacityType = "ON_DEMAND") =>
    res("ng", {
        type: "eks:index:ManagedNodeGroup",
        custom: false,
        remote: true,
        inputs: { instanceTypes, capacityType, diskSize: 20, scalingConfig: { minSize: 0, desiredSize, maxSize: 10 } },
    });
export const deployment = (name: string, replicas: number, cpu: string, memory: string) =>
    res(name, {
        type: "kubernetes:apps/v1:Deployment",
        inputs: { spec: { replicas, template: { spec: { containers: [{ name, resources: { requests: { cpu, memory } } }] } } } },
    });
export const release = (name: string, chart: string, values: Record<string, unknown>) =>
    res(name, { type: "kubernetes:helm.sh/v3:Release", inputs: { chart, values } });
