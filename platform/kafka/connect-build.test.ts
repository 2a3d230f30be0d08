// The Connect image build as Strimzi and Kaniko run it: which nodes the build pod and the Connect
// pods may land on (issue 18 item 4), and when Connect's user Secret exists (item 11).
import { strict as assert } from "assert";
import { readStackFile } from "../../tools/stack-files";
import { ROOT, PlanRun } from "../../tools/harness";
import { validateCustomResource } from "../../tools/schemas";
import { nodePoolShape, schedulable } from "../../tools/scheduling";
import { byUrn, inputsOf, one, ofType, planOf, planWith, STACKS, transitiveDeps } from "../../test/support";
import * as path from "path";

const STRIMZI = "kubernetes:kafka.strimzi.io/v1:";
const NODEPOOL = "kubernetes:karpenter.sh/v1:NodePool";

/** The stack file's bdok:karpenter with the workloads pool allowing both arches (a documented setting). */
function bothArches(stack: string, arch: string[]): Record<string, unknown> {
    const file = readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`)).config ?? {};
    const karpenter = structuredClone((file["bdok:karpenter"] ?? {}) as Record<string, any>);
    karpenter.pools ??= {};
    karpenter.pools.workloads = {
        ...karpenter.pools.workloads,
        arch,
        // Graviton and x86 families, so each arch has a NodePool.
        instanceFamilies: ["m7g", "c7g", "m7i", "c7i"],
    };
    return { "bdok:karpenter": karpenter };
}

/** The arches of the NodePools a pod template may be scheduled on (kube-scheduler's filter, Karpenter's pick). */
function archesFor(run: PlanRun, pod: any): string[] {
    const pools = ofType(run, NODEPOOL).map((r) => nodePoolShape(inputsOf(r)));
    const on = pools.filter((n) => schedulable({ affinity: pod?.affinity, tolerations: pod?.tolerations }, n));
    return [...new Set(on.flatMap((n) => n.labels["kubernetes.io/arch"] ?? ["any"]))].sort();
}

describe("Kafka Connect image build", () => {
    // Kaniko builds for the platform of the node it runs on (GoogleContainerTools/kaniko README,
    // flag --custom-platform: "Allows to build with another default platform than the host");
    // Strimzi 1.2.0 passes no such flag (KafkaConnectBuild.java:400-410 kanikoArguments: dockerfile,
    // digest file, destination, and additionalKanikoOptions, which we leave unset). The image can
    // only run on nodes of that arch.
    for (const [stack, arch] of [
        ["dev", ["arm64", "amd64"]],
        ["prod", ["amd64", "arm64"]],
    ] as const) {
        it(`${stack}, workloads pool arch ${JSON.stringify(arch)}: the build pod and Connect run on one arch, the one the image tag names`, async () => {
            const run = await planWith(stack, bothArches(stack, [...arch]));
            const poolArches = [...new Set(ofType(run, NODEPOOL).flatMap((r) => nodePoolShape(inputsOf(r)).labels["kubernetes.io/arch"] ?? []))].sort();
            assert.deepEqual(poolArches, ["amd64", "arm64"], "positive control: the NodePools offer both arches");
            const connect = inputsOf(one(run, `${STRIMZI}KafkaConnect`));
            assert.deepEqual(validateCustomResource(connect), [], "valid against Strimzi's CRD (additionalProperties: false)");
            // Strimzi 1.2.0 KafkaConnectBuild.java:173 takes spec.template.buildPod, :283 gives its
            // affinity to the Kaniko pod; KafkaConnectCluster uses spec.template.pod for Connect.
            const build = archesFor(run, connect.spec.template.buildPod);
            const pods = archesFor(run, connect.spec.template.pod);
            assert.deepEqual(build, [arch[0]], "the build pod lands on the preferred arch only");
            assert.deepEqual(pods, build, "Connect runs where the image was built");
            const tag = String(connect.spec.build.output.image).split(":").pop()!;
            assert.ok(tag.split("-").includes(arch[0]), `the tag ${tag} names ${arch[0]}`);
        });
    }

    it("the tag changes with the arch (an arm64 image is never reused for amd64)", async () => {
        const tagOf = async (arch: string[]) =>
            String(inputsOf(one(await planWith("dev", bothArches("dev", arch)), `${STRIMZI}KafkaConnect`)).spec.build.output.image)
                .split(":")
                .pop();
        assert.notEqual(await tagOf(["arm64", "amd64"]), await tagOf(["amd64", "arm64"]));
    });
});

describe("Kafka Connect waits for its KafkaUser", () => {
    for (const stack of STACKS) {
        it(`${stack}: KafkaConnect depends on the KafkaUser whose Secret it authenticates with, awaited until Ready`, async () => {
            const run = await planOf(stack);
            const connectRes = one(run, `${STRIMZI}KafkaConnect`);
            const connect = inputsOf(connectRes);
            // The User Operator writes a user's Secret under the KafkaUser's own name (Strimzi 1.2.0
            // KafkaUserModel.getSecretName: secretPrefix + name; the chart's default prefix is empty).
            const secret = connect.spec.authentication.certificateAndKey.secretName;
            const users = ofType(run, `${STRIMZI}KafkaUser`).filter((u) => inputsOf(u).metadata.name === secret);
            assert.equal(users.length, 1, `one KafkaUser named ${secret}`);
            // Strimzi 1.2.0 KafkaConnectAssemblyOperator.createOrUpdate builds the image at :172
            // (connectBuildOperator.reconcile), reads this Secret at :185 (authTlsHash ->
            // ReconcilerUtils.getValidatedSecret fails "Secret ... not found") and records the built
            // image on the pod set only at :197; ConnectBuildOperator.java:189 deletes the finished
            // build pod, so a reconcile failing at :185 makes the next one build and push again.
            assert.ok(transitiveDeps(run, connectRes.urn).has(users[0].urn), "KafkaConnect is created after its KafkaUser");
            // Pulumi waits for the user only with a condition to wait for: Ready is set once the
            // Secret is written (KafkaUserOperator.java:255-262, StatusUtils.java:173).
            assert.equal(inputsOf(users[0]).metadata.annotations?.["pulumi.com/waitFor"], "condition=Ready");
            // And the user itself waits for the Kafka cluster whose User Operator serves it.
            const kafka = one(run, `${STRIMZI}Kafka`);
            assert.ok(transitiveDeps(run, users[0].urn).has(kafka.urn));
            assert.deepEqual(validateCustomResource(inputsOf(users[0])), []);
            assert.equal(byUrn(run, users[0].urn).type, `${STRIMZI}KafkaUser`);
        });
    }
});
