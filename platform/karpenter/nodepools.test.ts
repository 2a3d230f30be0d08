import { strict as assert } from "assert";
import { validateCustomResource } from "../../tools/schemas";
import { POOL_DEFAULTS, POOL_NAMES, allNodePools, ec2NodeClass, nodePools, parsePools, podPlacement, topologySpread, amiAlias } from "./nodepools";

const nodeClassArgs = {
    clusterName: "bdok-dev",
    nodeRoleName: "bdok-dev-karpenter-node",
    amiFamily: "al2023" as const,
    amiVersion: "v20260520",
    rootVolumeGiB: 50,
    tags: { "bdok:stack": "dev" },
};

/** Every key/value of `want` is in `got` (deep for values). */
function partial(got: any, want: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got?.[k], v, `${k} in ${JSON.stringify(got)}`);
}

describe("karpenter nodepools", () => {
    it("the EC2NodeClass validates strictly against the pinned CRD, and a typo is rejected", () => {
        const nc = ec2NodeClass(nodeClassArgs);
        assert.deepEqual(validateCustomResource(nc), []);
        const typo = JSON.parse(JSON.stringify(nc));
        typo.spec.metadataOptions.httpPutResponseHopLimt = 1;
        assert.ok(validateCustomResource(typo).join("\n").includes("httpPutResponseHopLimt"), validateCustomResource(typo).join("\n"));
        const bad = JSON.parse(JSON.stringify(nc));
        bad.spec.blockDeviceMappings[0].ebs.volumeType = "gp4";
        assert.notDeepEqual(validateCustomResource(bad), []);
    });

    it("the node class pins the alias, encrypts gp3 volumes, requires IMDSv2 at hop limit 1 and discovers by the cluster tag", () => {
        const nc = ec2NodeClass(nodeClassArgs).spec as any;
        assert.deepEqual(nc.amiSelectorTerms, [{ alias: "al2023@v20260520" }]);
        assert.equal(nc.role, "bdok-dev-karpenter-node");
        assert.equal(nc.blockDeviceMappings.length, 1);
        partial(nc.blockDeviceMappings[0], { deviceName: "/dev/xvda", rootVolume: true });
        partial(nc.blockDeviceMappings[0].ebs, { encrypted: true, volumeType: "gp3", volumeSize: "50Gi" });
        partial(nc.metadataOptions, { httpTokens: "required", httpPutResponseHopLimit: 1 });
        assert.deepEqual(nc.subnetSelectorTerms, [{ tags: { "karpenter.sh/discovery": "bdok-dev" } }]);
        assert.deepEqual(nc.securityGroupSelectorTerms, nc.subnetSelectorTerms);
        const br = ec2NodeClass({ ...nodeClassArgs, amiFamily: "bottlerocket", amiVersion: "1.50.0" });
        assert.deepEqual(validateCustomResource(br), []);
        assert.equal(
            (br.spec as any).blockDeviceMappings.every((b: any) => b.ebs.encrypted === true),
            true,
        );
    });

    it("refuses an unpinned or malformed alias, a reserved tag and a tiny root volume with a clear message", () => {
        assert.throws(() => amiAlias("al2023", "latest"), /allowed: al2023@vYYYYMMDD/);
        assert.throws(() => ec2NodeClass({ ...nodeClassArgs, amiVersion: "20260520" }), /al2023@20260520/);
        assert.throws(() => ec2NodeClass({ ...nodeClassArgs, tags: { "kubernetes.io/cluster/bdok-dev": "owned" } }), /Karpenter sets these/);
        assert.throws(() => ec2NodeClass({ ...nodeClassArgs, rootVolumeGiB: 8 }), /got 8 GiB/);
    });

    it("every NodePool validates strictly against the pinned CRD, and a typo is rejected", () => {
        const pools = allNodePools({
            ...POOL_DEFAULTS,
            workloads: { ...POOL_DEFAULTS.workloads, arch: ["arm64", "amd64"], instanceFamilies: ["m7g", "c7g", "m7i"] },
        });
        assert.deepEqual(
            pools.map((p) => p.metadata.name),
            ["stateful", "workloads", "workloads-amd64"],
        );
        for (const p of pools) assert.deepEqual(validateCustomResource(p), [], p.metadata.name);
        const typo = JSON.parse(JSON.stringify(pools[0]));
        typo.spec.disruption.consolidateAftr = "1h";
        assert.ok(validateCustomResource(typo).join("\n").includes("consolidateAftr"), validateCustomResource(typo).join("\n"));
        const badPolicy = JSON.parse(JSON.stringify(pools[0]));
        badPolicy.spec.disruption.consolidationPolicy = "WhenIdle";
        assert.notDeepEqual(validateCustomResource(badPolicy), []);
    });

    it("stateful: on-demand Graviton, tainted and labelled, only empty nodes consolidated one at a time, monthly expiry with a bounded drain", () => {
        const [p] = nodePools("stateful", POOL_DEFAULTS.stateful) as any[];
        const req = Object.fromEntries(p.spec.template.spec.requirements.map((r: any) => [r.key, r.values]));
        assert.deepEqual(req["karpenter.sh/capacity-type"], ["on-demand"]);
        assert.deepEqual(req["kubernetes.io/arch"], ["arm64"]);
        assert.deepEqual(p.spec.template.spec.taints, [{ key: "bdok.io/pool", value: "stateful", effect: "NoSchedule" }]);
        assert.deepEqual(p.spec.template.metadata.labels, { "bdok.io/pool": "stateful" });
        partial(p.spec.disruption, { consolidationPolicy: "WhenEmpty", consolidateAfter: "1h" });
        assert.deepEqual(p.spec.disruption.budgets, [{ nodes: "1" }]);
        // Expiry ignores the budget: a bounded drain keeps a lone do-not-disrupt broker from holding it.
        assert.equal(p.spec.template.spec.expireAfter, "720h");
        assert.equal(p.spec.template.spec.terminationGracePeriod, "24h");
        assert.deepEqual(p.spec.limits, { cpu: "32", memory: "128Gi" });
    });

    it("workloads: spot with on-demand fallback over several families, consolidation when underutilised, tainted, expiry with a bounded drain, arm64 preferred by weight", () => {
        const ps = nodePools("workloads", {
            ...POOL_DEFAULTS.workloads,
            arch: ["arm64", "amd64"],
            instanceFamilies: ["m7g", "c7g", "r7g", "m7i", "c7i"],
        }) as any[];
        const req = (p: any) => Object.fromEntries(p.spec.template.spec.requirements.map((r: any) => [r.key, r.values]));
        assert.deepEqual(req(ps[0])["karpenter.sh/capacity-type"], ["spot", "on-demand"]);
        assert.deepEqual(req(ps[0])["karpenter.k8s.aws/instance-family"], ["m7g", "c7g", "r7g"]);
        assert.deepEqual(req(ps[1])["karpenter.k8s.aws/instance-family"], ["m7i", "c7i"]);
        assert.deepEqual(req(ps[1])["kubernetes.io/arch"], ["amd64"]);
        assert.ok(ps[0].spec.weight > ps[1].spec.weight);
        assert.equal(ps[0].spec.disruption.consolidationPolicy, "WhenEmptyOrUnderutilized");
        assert.deepEqual(ps[0].spec.template.spec.taints, [{ key: "bdok.io/pool", value: "workloads", effect: "NoSchedule" }]);
        assert.equal(ps[0].spec.template.spec.expireAfter, "168h");
        assert.equal(ps[0].spec.template.spec.terminationGracePeriod, "2h");
        assert.equal(
            ps.every((p) => p.spec.template.metadata.labels["bdok.io/pool"] === "workloads"),
            true,
        );
    });

    it("the pool validator names the key, the value and what is allowed", () => {
        assert.deepEqual(parsePools(undefined), { pools: POOL_DEFAULTS, issues: [] });
        const { issues } = parsePools({
            stateful: { capacityTypes: ["spot"], expireAfter: "30d" },
            workloads: { instanceFamilies: ["m7g", "m7i"], cpuLimit: 0, instanceSizez: ["large"] },
        });
        const text = issues.join("\n");
        assert.ok(text.includes(`bdok:karpenter.pools.stateful.expireAfter: got "30d"; allowed: a duration such as 720h or Never`), text);
        assert.ok(text.includes(`bdok:karpenter.pools.workloads.cpuLimit: got 0; allowed: an integer from 1 to 10000`), text);
        assert.match(text, /bdok:karpenter\.pools\.workloads\.instanceSizez: unknown key; did you mean "instanceSizes"\?/);
        // An expiring pool without a bound on the drain: a do-not-disrupt pod would hold the node half-drained.
        assert.deepEqual(parsePools({ stateful: { expireAfter: "720h", terminationGracePeriod: "Never" } }).issues, [
            `bdok:karpenter.pools.stateful.terminationGracePeriod: got "Never" with expireAfter "720h"; allowed: a duration such as 2h (an expired node must not stay half-drained), or expireAfter "Never"`,
        ]);
        assert.deepEqual(parsePools({ stateful: { expireAfter: "720h", terminationGracePeriod: "1h" } }).issues, []);
        assert.deepEqual(parsePools({ stateful: { expireAfter: "Never", terminationGracePeriod: "Never" } }).issues, []);
        assert.match(
            parsePools({ workloads: { terminationGracePeriod: "2d" } }).issues.join(),
            /terminationGracePeriod: got "2d"; allowed: a duration such as 30m or 2h, or Never/,
        );
        const arch = parsePools({ workloads: { instanceFamilies: ["m7g", "m7i"] } }).issues;
        assert.deepEqual(arch, [`bdok:karpenter.pools.workloads.instanceFamilies[1]: got "m7i" (amd64); allowed: families of arm64 (the pool's arch)`]);
        assert.ok(
            parsePools({ stateful: { capacityTypes: ["spot", "on-demand"] } })
                .issues.join()
                .includes("bdok:karpenter.pools.stateful.capacityTypes"),
            parsePools({ stateful: { capacityTypes: ["spot", "on-demand"] } }).issues.join(),
        );
        assert.ok(
            parsePools({ workloads: { instanceFamilies: ["m7x"] } })
                .issues.join()
                .includes(`bdok:karpenter.pools.workloads.instanceFamilies[0]: got "m7x"; allowed: one of`),
            parsePools({ workloads: { instanceFamilies: ["m7x"] } }).issues.join(),
        );
        assert.ok(
            parsePools({ stateful: { instanceSizes: ["micro"] } })
                .issues.join()
                .includes(`bdok:karpenter.pools.stateful.instanceSizes[0]: got "micro"`),
            parsePools({ stateful: { instanceSizes: ["micro"] } }).issues.join(),
        );
    });

    it("podPlacement lands a pod on the pool's nodes: it tolerates exactly the pool's taints and selects its label", () => {
        for (const name of POOL_NAMES) {
            const [np] = nodePools(name, POOL_DEFAULTS[name]) as any[];
            const { nodeSelector, tolerations } = podPlacement(name);
            assert.deepEqual(nodeSelector, np.spec.template.metadata.labels);
            // One Equal toleration per taint of the pool, nothing broader (no catch-all Exists).
            assert.deepEqual(
                tolerations,
                np.spec.template.spec.taints.map((t: any) => ({ key: t.key, operator: "Equal", value: t.value, effect: t.effect })),
            );
        }
    });

    it("topologySpread spreads the replicas' own pods over zones and refuses an empty selector", () => {
        const c = topologySpread({ "strimzi.io/name": "bdok-kafka" });
        assert.deepEqual(c[0], {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: { "strimzi.io/name": "bdok-kafka" } },
        });
        assert.throws(() => topologySpread({}), /got no labels/);
    });
});
