// The AWS Load Balancer Controller as pure values: its chart values and the Service annotations
// it reads (its IAM policy: iam.ts). The in-tree cloud provider reads no scheme annotation and makes
// every `aws-load-balancer-type: nlb` internet-facing; this controller is what honours a scheme.
import type { StackConfig } from "../../config";

export const LBC_RELEASE = "aws-load-balancer-controller";
export const LBC_SERVICE_ACCOUNT = "aws-load-balancer-controller";
/** The tag the controller puts on every load balancer, target group and security group it creates. */
export const LBC_CLUSTER_TAG = "elbv2.k8s.aws/cluster";

/** The Service annotations the controller reads (pkg/annotations/constants.go). */
export const LB_ANNOTATION = {
    type: "service.beta.kubernetes.io/aws-load-balancer-type",
    targetType: "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type",
    scheme: "service.beta.kubernetes.io/aws-load-balancer-scheme",
    // Read when spec.loadBalancerSourceRanges is empty (the controller's Service annotations guide);
    // an annotation fits every chart, including Trino's, whose Service has no field for it.
    sourceRanges: "service.beta.kubernetes.io/load-balancer-source-ranges",
    // A TLS listener with this ACM certificate on the listed ports (the controller's Service
    // annotations guide, "TLS"); the targets still get plain TCP.
    sslCert: "service.beta.kubernetes.io/aws-load-balancer-ssl-cert",
    sslPorts: "service.beta.kubernetes.io/aws-load-balancer-ssl-ports",
} as const;

export type ExposureConfig = Pick<StackConfig, "exposure" | "loadBalancerSourceRanges" | "vpcCidr">;

/**
 * TLS at the load balancer for a Service whose pods speak plain HTTP (Airflow's API server): the
 * ACM certificate on `ports`; nothing without exposure or certificate.
 */
export function tlsAnnotations(config: Pick<StackConfig, "exposure" | "loadBalancerCertificateArn">, ports: number[]): Record<string, string> {
    if (config.exposure === "clusterIp" || !config.loadBalancerCertificateArn) return {};
    return { [LB_ANNOTATION.sslCert]: config.loadBalancerCertificateArn, [LB_ANNOTATION.sslPorts]: ports.join(",") };
}

/** The client ranges every load balancer admits: the configured ones, else (internal) the VPC's CIDR. */
export function sourceRanges(config: ExposureConfig): string[] {
    return config.loadBalancerSourceRanges.length > 0 ? [...config.loadBalancerSourceRanges] : [config.vpcCidr];
}

export type Exposure = StackConfig["exposure"];

/** The Kubernetes Service type for user-facing services, from the exposure setting. */
export function serviceType(exposure: Exposure): "ClusterIP" | "LoadBalancer" {
    return exposure === "clusterIp" ? "ClusterIP" : "LoadBalancer";
}

/**
 * What makes the controller, and not the in-tree provider, own a LoadBalancer Service: type
 * `external` with a target type (service_utils.go checkAWSLoadBalancerTypeAnnotation; the in-tree
 * provider skips `external`). Target type `ip`: NLB straight to the pod IPs (VPC CNI). The scheme
 * is always explicit; only `publicLoadBalancer` is internet-facing.
 */
export function serviceAnnotations(config: ExposureConfig): Record<string, string> {
    if (config.exposure === "clusterIp") return {};
    return {
        [LB_ANNOTATION.type]: "external",
        [LB_ANNOTATION.targetType]: "ip",
        [LB_ANNOTATION.scheme]: config.exposure === "publicLoadBalancer" ? "internet-facing" : "internal",
        [LB_ANNOTATION.sourceRanges]: sourceRanges(config).join(","),
    };
}

export interface ControllerValuesArgs {
    clusterName: string;
    region: string;
    vpcId: string;
    ha: boolean;
}

export function controllerValues(a: ControllerValuesArgs): Record<string, unknown> {
    const replicas = a.ha ? 2 : 1;
    return {
        clusterName: a.clusterName,
        // Given, so the pods never need the instance metadata service to find them.
        region: a.region,
        vpcId: a.vpcId,
        replicaCount: replicas,
        serviceAccount: { create: true, name: LBC_SERVICE_ACCOUNT },
        // Every Service here carries the annotations above. The mutating webhook would instead
        // intercept every Service CREATE in the cluster with failurePolicy Fail, so any chart
        // creating a Service while the controller is down would fail.
        enableServiceMutatorWebhook: false,
        // No Ingress in this platform.
        createIngressClassResource: false,
        defaultLoadBalancerScheme: "internal",
        defaultTargetType: "ip",
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        podDisruptionBudget: replicas > 1 ? { maxUnavailable: 1 } : {},
    };
}
