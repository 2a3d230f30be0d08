// Every EKS add-on the cluster installs has a pinned version, matching the cluster's Kubernetes
// version; a version without pinned add-ons is refused before anything is planned.
import { strict as assert } from "assert";
import { addonVersionsProblem, eksAddonVersions, EksAddonVersions } from "./addons";
import { supportedKubernetesVersions } from "../../lib/prices";
import { loadTables } from "../../tools/estimate/tables";
import { inputsOf, ofType, one, planWith } from "../../test/support";
import type { PlanRun } from "../../tools/harness";

// EKS add-on versions are major.minor.patch-eksbuild.build (EKS User Guide, managing-vpc-cni,
// "Considerations"); the kube-proxy add-on is built per Kubernetes minor ("kube-proxy versions"
// table: 1.35 -> v1.35.x, 1.34 -> v1.34.x).
const ADDON_VERSION = /^v\d+\.\d+\.\d+-eksbuild\.\d+$/;

const SOME: EksAddonVersions = {
    vpcCni: "v1.0.0-eksbuild.1",
    kubeProxy: "v1.35.0-eksbuild.1",
    coredns: "v1.0.0-eksbuild.1",
    podIdentityAgent: "v1.0.0-eksbuild.1",
    ebsCsiDriver: "v1.0.0-eksbuild.1",
};

describe("EKS add-on versions", () => {
    const table = { "1.35": SOME };
    const cases: { version: string; refused: boolean }[] = [
        { version: "1.35", refused: false },
        { version: "1.34", refused: true },
        { version: "1.36", refused: true },
        { version: "1.3", refused: true },
        { version: "constructor", refused: true },
    ];
    for (const c of cases) {
        it(`${c.version}: ${c.refused ? "refused, naming what is pinned" : "the pinned versions"}`, () => {
            if (c.refused) {
                assert.throws(
                    () => eksAddonVersions(c.version, table),
                    (e: Error) =>
                        new RegExp(
                            `no EKS add-on versions .* pinned for Kubernetes ${c.version.replace(".", "\\.")} in versions\\.ts eksAddons \\(pinned: 1\\.35\\)`,
                        ).test(e.message),
                );
            } else assert.deepEqual(eksAddonVersions(c.version, table), SOME);
        });
    }

    // The configuration accepts the versions in standard support (config.ts kubernetesVersion) and
    // refuses one without pinned add-ons through addonVersionsProblem.
    it("every Kubernetes version the configuration accepts has pinned add-ons, each in EKS's version format", () => {
        for (const v of supportedKubernetesVersions(loadTables().prices)) {
            assert.equal(addonVersionsProblem(v), undefined);
            const pinned = eksAddonVersions(v);
            for (const [addon, version] of Object.entries(pinned)) assert.match(version, ADDON_VERSION, `${v} ${addon}`);
            assert.ok(pinned.kubeProxy.startsWith(`v${v}.`), `kube-proxy ${pinned.kubeProxy} is not built for Kubernetes ${v}`);
        }
    });
});

describe("EKS add-ons in the plan", () => {
    for (const version of ["1.34", "1.35"]) {
        describe(`kubernetesVersion ${version}`, () => {
            let run: PlanRun;
            before(async function () {
                this.timeout(300_000);
                run = await planWith("dev", { "bdok:kubernetesVersion": version });
            });

            it("the cluster's vpc-cni and kube-proxy carry pinned versions, kube-proxy's for this Kubernetes minor", () => {
                const i = inputsOf(one(run, "eks:index:Cluster"));
                assert.equal(i.version, version);
                // Unset, @pulumi/eks v4.3.0 looks up the most recent (nodejs/eks/cluster/cluster.ts
                // L764-L777 kube-proxy, addons/cni-addon.ts L272-L283 vpc-cni).
                assert.match(String(i.vpcCniOptions?.addonVersion), ADDON_VERSION);
                assert.match(String(i.kubeProxyAddonOptions?.version), ADDON_VERSION);
                assert.ok(i.kubeProxyAddonOptions.version.startsWith(`v${version}.`), i.kubeProxyAddonOptions.version);
                assert.equal(i.useDefaultVpcCni, undefined, "vpcCniOptions would be ignored beside useDefaultVpcCni");
                assert.notEqual(i.kubeProxyAddonOptions.enabled, false);
            });

            it("CoreDNS is an EKS add-on with a pinned version, after the node groups; @pulumi/eks's own stays off", () => {
                const i = inputsOf(one(run, "eks:index:Cluster"));
                // Explicitly enabled, @pulumi/eks creates it inside the cluster component, before our node
                // groups exist (cluster.ts L1175-L1245): the add-on would wait for nodes that wait for it.
                assert.equal(i.corednsAddonOptions?.enabled, false);
                const addons = ofType(run, "aws:eks/addon:Addon");
                const coredns = addons.filter((a) => inputsOf(a).addonName === "coredns");
                assert.equal(coredns.length, 1);
                const groups = ofType(run, "eks:index:ManagedNodeGroup").map((g) => g.urn);
                for (const g of groups) assert.ok(coredns[0].dependencies.includes(g), `coredns waits for ${g}`);
                assert.equal(inputsOf(coredns[0]).resolveConflictsOnCreate, "OVERWRITE", "takes over the self-managed CoreDNS EKS created");
            });

            it("every add-on resource the stack creates names a pinned version", () => {
                const addons = ofType(run, "aws:eks/addon:Addon").map(inputsOf);
                assert.deepEqual(addons.map((a) => a.addonName).sort(), ["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent"]);
                for (const a of addons) assert.match(String(a.addonVersion), ADDON_VERSION, a.addonName);
            });
        });
    }
});
