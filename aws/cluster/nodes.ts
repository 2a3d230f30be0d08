import { archOf } from "../../lib/instances";

/** What a node itself needs; workloads get their own Pod Identity roles. */
export const NODE_ROLE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"];

export const controlPlaneLogTypes = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/** Amazon Linux 2023 AMI type matching the node group's CPU architecture. */
export function amiTypeFor(instanceTypes: string[]): string {
    return archOf(instanceTypes[0]) === "arm64" ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}
