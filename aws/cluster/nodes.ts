import { archOf } from "../../lib/instances";

/** What a node itself needs; workloads get their own Pod Identity roles. */
export const NODE_ROLE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"];

export const controlPlaneLogTypes = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
/** EKS writes them to this group; left to EKS it never expires and outlives the cluster. */
export const controlPlaneLogGroup = (clusterName: string) => `/aws/eks/${clusterName}/cluster`;
export const CONTROL_PLANE_LOG_RETENTION_DAYS = 30;

/** Amazon Linux 2023 AMI type matching the node group's CPU architecture. */
export function amiTypeFor(instanceTypes: string[]): string {
    return archOf(instanceTypes[0]) === "arm64" ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}
