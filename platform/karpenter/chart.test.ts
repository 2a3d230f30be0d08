import { strict as assert } from "assert";
import { tolerates } from "../../tools/scheduling";
import { helmTemplate, parseManifest, K8sObject } from "../../tools/helm";
import { KARPENTER_NAMESPACE, KARPENTER_RELEASE, chartValues } from "./chart";

function renderKarpenter(values: unknown): K8sObject[] {
    return parseManifest(
        helmTemplate("karpenter", { releaseName: KARPENTER_RELEASE, namespace: KARPENTER_NAMESPACE, values, kubeVersion: "1.35", skipCrds: true }),
    );
}

const args = { clusterName: "bdok-prod", interruptionQueue: "bdok-prod", replicas: 2 as const, systemNodes: 2, systemNodeLabel: { "bdok.io/pool": "system" } };

describe("karpenter chart", () => {
    it("the controller Deployment gets the cluster, the queue, the service account, replicas, resources and the system nodes", () => {
        const objs = renderKarpenter(chartValues(args));
        const dep = objs.find((o) => o.kind === "Deployment" && o.metadata.name === "karpenter")!;
        assert.ok(dep, objs.map((o) => `${o.kind}/${o.metadata.name}`).join(" "));
        assert.equal(dep.metadata.namespace, "karpenter");
        assert.equal(dep.spec.replicas, 2);
        const pod = dep.spec.template.spec;
        assert.equal(pod.serviceAccountName, "karpenter");
        const sa = objs.find((o) => o.kind === "ServiceAccount")!;
        assert.deepEqual([sa.metadata.name, sa.metadata.namespace], ["karpenter", "karpenter"]);
        const env = Object.fromEntries(pod.containers[0].env.filter((e: any) => "value" in e).map((e: any) => [e.name, e.value]));
        assert.equal(env.CLUSTER_NAME, "bdok-prod");
        assert.equal(env.INTERRUPTION_QUEUE, "bdok-prod");
        assert.deepEqual(pod.containers[0].resources, { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } });
        assert.deepEqual(pod.nodeSelector, { "kubernetes.io/os": "linux", "bdok.io/pool": "system" });
        assert.deepEqual(pod.tolerations, [{ key: "CriticalAddonsOnly", operator: "Exists" }]);
        // The chart still keeps it off Karpenter's own nodes.
        assert.equal(
            pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key,
            "karpenter.sh/nodepool",
        );
    });

    it("one replica in dev, and a system taint is tolerated", () => {
        // A key the chart's own CriticalAddonsOnly toleration does not cover.
        const taint = { key: "bdok.io/system", value: "true", effect: "NoSchedule" as const };
        const objs = renderKarpenter(chartValues({ ...args, replicas: 1, systemNodes: 1, systemTaint: taint }));
        const dep = objs.find((o) => o.kind === "Deployment")!;
        assert.equal(dep.spec.replicas, 1);
        const tolerations = dep.spec.template.spec.tolerations;
        assert.ok(tolerates(tolerations, taint), JSON.stringify(tolerations));
        assert.ok(!tolerates(tolerations, { ...taint, value: "other" }), "only that taint's value");
        assert.ok(!tolerates(tolerations, { key: "bdok.io/pool", value: "workloads", effect: "NoSchedule" }), "never a Karpenter pool's taint");
    });

    it("refuses more replicas than system nodes (the chart's anti-affinity would leave one Pending)", () => {
        assert.throws(() => chartValues({ ...args, systemNodes: 1 }), /replicas: got 2 with 1 system node\(s\); allowed: at most one replica per system node/);
        assert.throws(() => chartValues({ ...args, systemNodeLabel: {} }), /systemNodeLabel: got \{\}/);
    });
});
