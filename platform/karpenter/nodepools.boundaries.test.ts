// The boundaries of the Karpenter builders, each from upstream: the EC2NodeClass CRD's tag rules and
// volume sizes (karpenter chart's ec2nodeclasses.karpenter.k8s.aws.crd.yaml), Karpenter's AMI alias
// forms, the pool rules of bdok:karpenter.pools, and what pods need of the NodePools they land on.
import { strict as assert } from "assert";
import { nodePoolShape, schedulable } from "../../tools/scheduling";
import { POOL_DEFAULTS, allNodePools, amiAlias, ec2NodeClass, nodePools, parsePools, podPlacement, topologySpread } from "./nodepools";

const base = {
    clusterName: "bdok-dev",
    nodeRoleName: "bdok-dev-karpenter-node",
    amiFamily: "al2023" as const,
    amiVersion: "v20260520",
    rootVolumeGiB: 50,
};

describe("karpenter builders at their boundaries", () => {
    it("amiAlias: al2023@vYYYYMMDD and bottlerocket@[v]x.y.z (Karpenter docs, amiSelectorTerms alias: family@version), nothing around them (table)", () => {
        const cases: ["al2023" | "bottlerocket", string, boolean][] = [
            ["al2023", "v20260520", true],
            ["al2023", "20260520", false],
            ["al2023", "v2026052", false],
            ["al2023", "v202605201", false],
            ["al2023", "xv20260520", false],
            ["al2023", "v20260520-1", false],
            ["al2023", "latest", false],
            ["bottlerocket", "1.20.3", true],
            ["bottlerocket", "v1.20.3", true],
            ["bottlerocket", "10.20.30", true],
            ["bottlerocket", "1.20", false],
            ["bottlerocket", "x1.20.3", false],
            ["bottlerocket", "1.20.3-x", false],
            ["bottlerocket", "latest", false],
        ];
        for (const [family, version, ok] of cases) {
            if (ok) assert.equal(amiAlias(family, version), `${family}@${version}`);
            else
                assert.throws(
                    () => amiAlias(family, version),
                    /Karpenter AMI alias: got .*; allowed: al2023@vYYYYMMDD or bottlerocket@<x.y.z>, pinned/,
                    `${family}@${version}`,
                );
        }
    });

    it("EC2NodeClass tags: the keys the CRD refuses (its x-kubernetes-validations) are refused up front; others pass into spec.tags", () => {
        const refused = [
            "eks:eks-cluster-name",
            "kubernetes.io/cluster/bdok-dev",
            "kubernetes.io/cluster",
            "karpenter.sh/nodepool",
            "karpenter.sh/nodeclaim",
            "karpenter.k8s.aws/ec2nodeclass",
        ];
        for (const k of refused) assert.throws(() => ec2NodeClass({ ...base, tags: { [k]: "x" } }), /EC2NodeClass tags: got .*Karpenter sets these/, k);
        const tags = { team: "data", "karpenter.sh/discovery-x": "y", "eks:other": "z" };
        assert.deepEqual(ec2NodeClass({ ...base, tags }).spec.tags, tags);
        assert.deepEqual(ec2NodeClass(base).spec.tags, {});
    });

    it("root volume: an integer of gp3's range the program allows, 20 to 16384 GiB (CRD volumeSize: gp3 1-16,384) (table)", () => {
        const cases: [number, boolean][] = [
            [19, false],
            [20, true],
            [16384, true],
            [16385, false],
            [50.5, false],
        ];
        for (const [gib, ok] of cases) {
            if (ok) assert.equal((ec2NodeClass({ ...base, rootVolumeGiB: gib }).spec as any).blockDeviceMappings[0].ebs.volumeSize, `${gib}Gi`);
            else assert.throws(() => ec2NodeClass({ ...base, rootVolumeGiB: gib }), new RegExp(`got ${gib} GiB; allowed: an integer from 20 to 16384`));
        }
    });

    it("volumes go with their node (deleteOnTermination), encrypted; Bottlerocket: OS on /dev/xvda, images and pods on the root /dev/xvdb (Bottlerocket's data volume)", () => {
        const al = (ec2NodeClass(base).spec as any).blockDeviceMappings;
        const br = (ec2NodeClass({ ...base, amiFamily: "bottlerocket", amiVersion: "1.20.3" }).spec as any).blockDeviceMappings;
        assert.deepEqual(
            br.map((m: any) => [m.deviceName, m.rootVolume ?? false, m.ebs.volumeSize]),
            [
                ["/dev/xvda", false, "4Gi"],
                ["/dev/xvdb", true, "50Gi"],
            ],
        );
        for (const m of [...al, ...br]) assert.deepEqual([m.ebs.deleteOnTermination, m.ebs.encrypted], [true, true]);
        // A customer managed key, when given, is every volume's.
        const kms = (
            ec2NodeClass({ ...base, amiFamily: "bottlerocket", amiVersion: "1.20.3", kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k" }).spec as any
        ).blockDeviceMappings;
        for (const m of kms) assert.equal(m.ebs.kmsKeyID, "arn:aws:kms:eu-west-1:123456789012:key/k");
    });

    it("the NodePools refer to the EC2NodeClass the builder makes: its group, kind and (by default) name", () => {
        const nc = ec2NodeClass(base);
        const [group] = nc.apiVersion.split("/");
        for (const np of [...allNodePools(POOL_DEFAULTS), ...nodePools("workloads", POOL_DEFAULTS.workloads)]) {
            assert.deepEqual((np.spec as any).template.spec.nodeClassRef, { group, kind: nc.kind, name: nc.metadata.name });
        }
        assert.equal(ec2NodeClass({ ...base, name: "gpu" }).metadata.name, "gpu");
        for (const np of allNodePools(POOL_DEFAULTS, "gpu")) assert.equal((np.spec as any).template.spec.nodeClassRef.name, "gpu");
    });

    it("a pod asking for its pool (and for Linux, as charts do) schedules on the pool's NodePools, in the sizes the pool allows", () => {
        for (const pool of ["stateful", "workloads"] as const) {
            const pod = { nodeSelector: { ...podPlacement(pool).nodeSelector, "kubernetes.io/os": "linux" }, tolerations: podPlacement(pool).tolerations };
            for (const np of nodePools(pool, POOL_DEFAULTS[pool])) {
                assert.ok(schedulable(pod, nodePoolShape(np as any)), `${pool}: ${np.metadata.name}`);
                const shape = nodePoolShape(np as any);
                assert.deepEqual(shape.labels["karpenter.k8s.aws/instance-size"], POOL_DEFAULTS[pool].instanceSizes);
                // A pod pinned to a size the pool does not allow never lands there.
                assert.equal(schedulable({ ...pod, nodeSelector: { ...pod.nodeSelector, "karpenter.k8s.aws/instance-size": "metal" } }, shape), false);
            }
        }
    });

    it("workloads: consolidation disrupts at most a fifth of the nodes at once (a budget, so spot churn never drains the pool)", () => {
        for (const np of nodePools("workloads", POOL_DEFAULTS.workloads)) assert.deepEqual((np.spec as any).disruption.budgets, [{ nodes: "20%" }]);
    });

    it("terminationGracePeriod Never leaves the field out (Karpenter: absent means no bound); a duration is passed on", () => {
        const never = nodePools("stateful", { ...POOL_DEFAULTS.stateful, expireAfter: "Never", terminationGracePeriod: "Never" });
        for (const np of never) assert.ok(!("terminationGracePeriod" in (np.spec as any).template.spec));
        const bounded = nodePools("stateful", { ...POOL_DEFAULTS.stateful, terminationGracePeriod: "3h" });
        for (const np of bounded) assert.equal((np.spec as any).template.spec.terminationGracePeriod, "3h");
    });

    it("topologySpread: at most one replica per node is preferred (hostname, ScheduleAnyway), counting the replicas' own pods only", () => {
        const labels = { app: "trino-worker" };
        const host = topologySpread(labels).find((c) => c.topologyKey === "kubernetes.io/hostname");
        assert.deepEqual(host, {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: labels },
        });
    });

    it("pool rules: each arch once and with a family of it, each capacity type once (table)", () => {
        const cases: [unknown, RegExp | null][] = [
            [{ workloads: { arch: ["arm64", "arm64"] } }, /workloads\.arch: got \["arm64","arm64"\]; allowed: each arch once/],
            [
                { workloads: { arch: ["arm64", "amd64"] } },
                /workloads\.arch: got \["arm64","amd64"\]; allowed: only arches some listed family has \(no amd64 family listed\)/,
            ],
            [{ workloads: { arch: ["arm64", "amd64"], instanceFamilies: ["m7g", "m7i"] } }, null],
            [{ workloads: { arch: ["amd64"], instanceFamilies: ["m7i"] } }, null],
            [{ stateful: { capacityTypes: ["on-demand", "on-demand"] } }, /stateful\.capacityTypes: got \["on-demand","on-demand"\]; allowed: each type once/],
            [{ workloads: { capacityTypes: ["on-demand", "spot"] } }, null],
        ];
        for (const [raw, want] of cases) {
            const issues = parsePools(raw).issues.join("\n");
            if (want) assert.match(issues, want, JSON.stringify(raw));
            else assert.equal(issues, "", JSON.stringify(raw));
        }
    });

    it("pool rules name what is allowed, listed readably", () => {
        assert.match(
            parsePools({ workloads: { arch: ["amd64"], instanceFamilies: ["m7i", "m7g"] } }).issues.join(),
            /instanceFamilies\[1\]: got "m7g" \(arm64\); allowed: families of amd64 \(the pool's arch\)/,
        );
        assert.match(
            parsePools({ workloads: { arch: ["arm64", "amd64"], instanceFamilies: ["m7i", "m7g"], instanceSizes: ["nano"] } }).issues.join(),
            /instanceSizes\[0\]: got "nano"; allowed: a size one of m7i, m7g comes in \(large, /,
        );
    });
});
