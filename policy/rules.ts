// The bdok policy pack's rules, one file per service, as plain @pulumi/policy objects. policy/index.ts
// hands `policies` to a PolicyPack (for `pulumi preview --policy-pack policy`); tools/policy-run.ts
// runs the very same objects over the offline plans in `npm test`.
//
// Only type imports from @pulumi/policy in every rule file: loading them starts nothing and needs no engine.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { s3Encryption, s3NoForceDestroyProd, s3Ownership, s3PublicAccessBlock, s3TlsOnly, s3Versioning } from "./s3";
import { rdsBackups, rdsDeletionProtectionProd, rdsEncrypted, rdsFinalSnapshotProd, rdsForceSsl, rdsMultiAzProd, rdsNotPublic } from "./rds";
import { noPublicIngress } from "./network";
import { eksEndpointRestrictedProd, eksLogging, eksPrivateNodes, eksSecretsEncryption } from "./eks";
import { iamNoAccessKeys, iamNoAdmin, iamNoEscalation, iamNoIamWildcard, iamNoPublicPrincipal, iamNoUsers } from "./iam";
import {
    helmOciChartReference,
    k8sLoadBalancerSourceRanges,
    k8sNamespacePodSecurity,
    k8sPublicLoadBalancerTls,
    k8sNoLoadBalancer,
    k8sNoOpenEgress,
    k8sNoPrivilegedPods,
    noLiteralCredentials,
    postgresVerifyFull,
    trinoAuthWhenExposed,
} from "./kubernetes";
import { kafkaBrokersProd, kafkaMinInsyncProd, kafkaReplicationProd, kafkaTlsAuth, kafkaTopicsProd } from "./kafka";
import { imdsLocked, kmsRotation } from "./keys-nodes";
import { elasticTls, elasticsearchNodesProd } from "./elastic";
import { statefulProtectedProd } from "./stateful";
import { k8sImagesByDigest } from "./images";

/** Every rule of the pack, in the order they are reported. */
export const policies: Array<ResourceValidationPolicy | StackValidationPolicy> = [
    s3Encryption,
    s3Versioning,
    s3PublicAccessBlock,
    s3TlsOnly,
    s3Ownership,
    s3NoForceDestroyProd,
    rdsEncrypted,
    rdsBackups,
    rdsNotPublic,
    rdsDeletionProtectionProd,
    rdsFinalSnapshotProd,
    rdsMultiAzProd,
    rdsForceSsl,
    noPublicIngress,
    eksSecretsEncryption,
    eksLogging,
    eksPrivateNodes,
    eksEndpointRestrictedProd,
    iamNoAdmin,
    iamNoIamWildcard,
    iamNoUsers,
    iamNoAccessKeys,
    iamNoEscalation,
    iamNoPublicPrincipal,
    kmsRotation,
    imdsLocked,
    k8sNoLoadBalancer,
    k8sLoadBalancerSourceRanges,
    k8sPublicLoadBalancerTls,
    k8sNoPrivilegedPods,
    k8sNamespacePodSecurity,
    k8sNoOpenEgress,
    trinoAuthWhenExposed,
    kafkaReplicationProd,
    kafkaMinInsyncProd,
    kafkaTopicsProd,
    kafkaBrokersProd,
    kafkaTlsAuth,
    elasticsearchNodesProd,
    elasticTls,
    noLiteralCredentials,
    postgresVerifyFull,
    helmOciChartReference,
    k8sImagesByDigest,
    statefulProtectedProd,
];

/** Names of the rules that only apply to prod stacks (tagged "prod-only"). */
export const PROD_ONLY = policies.filter((p) => p.tags?.includes("prod-only")).map((p) => p.name);

export function isStackPolicy(p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy {
    return typeof (p as StackValidationPolicy).validateStack === "function";
}
