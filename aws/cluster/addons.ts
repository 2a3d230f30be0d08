// The EKS add-on versions a cluster of a given Kubernetes version installs: all pinned (versions.ts),
// so neither a new AWS release nor @pulumi/eks's "most recent" lookup changes a running cluster.
import { eksAddons } from "../../versions";

export interface EksAddonVersions {
    vpcCni: string;
    kubeProxy: string;
    coredns: string;
    podIdentityAgent: string;
    ebsCsiDriver: string;
}

/** Why `kubernetesVersion` cannot be used for lack of pinned add-on versions, or undefined. */
export function addonVersionsProblem(kubernetesVersion: string, table: Record<string, EksAddonVersions> = eksAddons): string | undefined {
    if (Object.prototype.hasOwnProperty.call(table, kubernetesVersion)) return undefined;
    return `no EKS add-on versions (vpc-cni, kube-proxy, CoreDNS, Pod Identity agent, EBS CSI driver) are pinned for Kubernetes ${kubernetesVersion} in versions.ts eksAddons (pinned: ${Object.keys(table).join(", ")}); add them from the EKS add-on version tables before changing the version`;
}

/** The pinned add-on versions for `kubernetesVersion`; a clear error if there are none. */
export function eksAddonVersions(kubernetesVersion: string, table: Record<string, EksAddonVersions> = eksAddons): EksAddonVersions {
    const problem = addonVersionsProblem(kubernetesVersion, table);
    if (problem) throw new Error(problem);
    return table[kubernetesVersion];
}
