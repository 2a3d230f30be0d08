// Pod Security: every namespace the stack creates enforces the baseline standard, and every pod the
// program and the real charts create there meets it (else enforcing it would stop the platform).
// The baseline's controls are Kubernetes' Pod Security Standards page ("Baseline" table: HostProcess,
// Host Namespaces, Privileged Containers, Capabilities, HostPath Volumes, Host Ports); the predicate
// is the policy pack's, which the program never imports.
import { strict as assert } from "assert";
import { privilegedPodSettings } from "../policy/kubernetes";
import { renderPlan } from "../tools/render";
import { worldOf } from "../tools/references";
import { planOf, STACKS } from "./support";
import { POD_KINDS } from "../tools/pod-spec";

describe("Pod Security: baseline enforced where the platform runs pods", () => {
    for (const stack of STACKS) {
        it(`${stack}: every namespace the stack creates enforces baseline or restricted`, async () => {
            const run = await planOf(stack);
            const namespaces = run.captured.filter((r) => r.type === "kubernetes:core/v1:Namespace");
            assert.ok(namespaces.length >= 6, `${namespaces.length} namespaces`);
            for (const ns of namespaces) {
                const labels = (ns.inputs as any).metadata?.labels ?? {};
                assert.ok(
                    ["baseline", "restricted"].includes(labels["pod-security.kubernetes.io/enforce"]),
                    `${(ns.inputs as any).metadata?.name}: enforce=${labels["pod-security.kubernetes.io/enforce"]}`,
                );
            }
        });

        it(`${stack}: every pod the program and the charts create in them meets baseline`, async function () {
            this.timeout(300_000);
            const run = await planOf(stack);
            const enforced = new Set(
                run.captured.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => (r.inputs as any).metadata?.name as string),
            );
            const world = worldOf(run.captured, renderPlan(run));
            const pods = world.filter((o) => POD_KINDS.includes(o.kind) && o.namespace !== null && enforced.has(o.namespace));
            assert.ok(pods.length >= 10, `${pods.length} pod-bearing objects`);
            const bad = pods.flatMap((o) => privilegedPodSettings({ spec: o.body.spec }).map((h) => `${o.kind} ${o.namespace}/${o.name}: ${h.path}: ${h.why}`));
            assert.deepEqual(bad, []);
        });
    }

    it("the baseline predicate sees what the standard forbids (the check can fail)", () => {
        const pod = (spec: Record<string, unknown>) => privilegedPodSettings({ spec: { template: { spec } } }).length;
        assert.equal(pod({ containers: [{ name: "c", securityContext: { privileged: true } }] }), 1);
        assert.equal(pod({ hostPID: true, containers: [] }), 1);
        assert.equal(pod({ volumes: [{ name: "v", hostPath: { path: "/" } }] }), 1);
        assert.equal(pod({ containers: [{ name: "c", ports: [{ containerPort: 80, hostPort: 80 }] }] }), 1);
        assert.equal(pod({ containers: [{ name: "c", securityContext: { capabilities: { add: ["NET_RAW", "CHOWN"] } } }] }), 1);
        assert.equal(pod({ containers: [{ name: "c", securityContext: { capabilities: { add: ["CHOWN"], drop: ["ALL"] } } }] }), 0);
    });
});
