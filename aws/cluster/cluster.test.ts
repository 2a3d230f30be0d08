import { strict as assert } from "assert";

import { inputsOf, ofType, one, planWith, describeEachStack } from "../../test/support";

describe("AWS layer", () => {
    describeEachStack(
        (stack) => `stack ${stack}`,
        (plan) => {
            describe("Cluster", () => {
                it("configures EKS: API access entries, logging, secrets encryption, private nodes", () => {
                    const c = one(plan(), "eks:index:Cluster");
                    assert.equal(c.remote, true);
                    const i = inputsOf(c);
                    assert.equal(i.authenticationMode, "API");
                    assert.deepEqual([...i.enabledClusterLogTypes].sort(), ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
                    const key = one(plan(), "aws:kms/key:Key");
                    assert.ok(c.propertyDependencies.encryptionConfigKeyArn.includes(key.urn));
                    assert.equal(inputsOf(key).enableKeyRotation, true);
                    assert.equal(i.nodeAssociatePublicIpAddress, false);
                    assert.equal(i.skipDefaultNodeGroup, true);
                    assert.equal(i.skipDefaultSecurityGroups, true, "no unused cluster and node security groups");
                    // EKS's log group exists first, with an expiry, and goes with the stack.
                    const logs = one(plan(), "aws:cloudwatch/logGroup:LogGroup", "cluster-control-plane-logs");
                    assert.equal(inputsOf(logs).name, `/aws/eks/${i.name}/cluster`);
                    assert.ok(inputsOf(logs).retentionInDays > 0);
                    assert.ok(c.dependencies.includes(logs.urn), "created before the cluster");
                    assert.equal(i.version, plan().config.kubernetesVersion);
                });

                it("opens the public API endpoint only to the configured CIDRs; prod's is private", () => {
                    const i = inputsOf(one(plan(), "eks:index:Cluster"));
                    const cidrs = plan().config.endpointPublicAccessCidrs;
                    assert.equal(i.endpointPrivateAccess, true);
                    assert.equal(i.endpointPublicAccess, cidrs.length > 0);
                    // An empty list with the public endpoint on would be 0.0.0.0/0 to EKS.
                    assert.deepEqual(i.publicAccessCidrs, cidrs.length > 0 ? cidrs : undefined);
                    if (plan().config.ha) assert.deepEqual(cidrs, [], "prod reaches its API from inside the VPC only");
                });

                it("runs managed node groups in the private subnets, sized per stack", () => {
                    const groups = ofType(plan(), "eks:index:ManagedNodeGroup");
                    assert.equal(groups.length, Object.keys(plan().config.nodeGroups).length);
                    const privateSubnets = ofType(plan(), "aws:ec2/subnet:Subnet")
                        .filter((s) => inputsOf(s).tags["bdok/tier"] === "private")
                        .map((s) => s.urn)
                        .sort();
                    for (const g of groups) {
                        const i = inputsOf(g);
                        assert.deepEqual([...g.propertyDependencies.subnetIds].sort(), privateSubnets, `${g.name} in private subnets`);
                        const cfg = plan().config.nodeGroups[g.name.replace(/^cluster-/, "")];
                        assert.deepEqual(i.scalingConfig, { minSize: cfg.minSize, desiredSize: cfg.desiredSize, maxSize: cfg.maxSize });
                        assert.deepEqual(i.instanceTypes, cfg.instanceTypes);
                        assert.match(i.amiType, /^AL2023_/);
                    }
                });

                it("installs CoreDNS, the Pod Identity agent and the EBS CSI driver (with its own role) as EKS add-ons", () => {
                    const addons = ofType(plan(), "aws:eks/addon:Addon")
                        .map((a) => inputsOf(a).addonName)
                        // The container-log add-on is aws/container-logs' (its own test).
                        .filter((n) => n !== "amazon-cloudwatch-observability")
                        .sort();
                    assert.deepEqual(addons, ["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent"]);
                    const assoc = ofType(plan(), "aws:eks/podIdentityAssociation:PodIdentityAssociation")
                        .map(inputsOf)
                        .find((a) => a.serviceAccount === "ebs-csi-controller-sa");
                    assert.equal(assoc?.namespace, "kube-system");
                });

                it("makes an encrypted gp3 StorageClass the default, on the cluster's provider", () => {
                    const sc = one(plan(), "kubernetes:storage.k8s.io/v1:StorageClass");
                    const i = inputsOf(sc);
                    assert.equal(i.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
                    assert.equal(i.parameters.type, "gp3");
                    assert.equal(i.parameters.encrypted, "true");
                    assert.equal(sc.provider, one(plan(), "pulumi:providers:kubernetes").urn);
                });

                it("builds the Kubernetes provider from the cluster's kubeconfig, as a secret", () => {
                    const p = one(plan(), "pulumi:providers:kubernetes");
                    assert.equal(p.inputs.kubeconfig, "[secret]");
                    assert.deepEqual(p.propertyDependencies.kubeconfig, [one(plan(), "eks:index:Cluster").urn]);
                    assert.equal(plan().plan.outputs.kubeconfig, "[secret]");
                });
            });
        },
    );

    it("gives viewer roles (the CI preview role) read-only access entries", async () => {
        const arn = "arn:aws:iam::123456789012:role/bdok-ci-preview";
        const entries = inputsOf(one(await planWith("dev", { "bdok:viewerRoleArns": [arn] }), "eks:index:Cluster")).accessEntries;
        const viewers = Object.values(entries as Record<string, any>).filter((e) => e.principalArn === arn);
        assert.equal(viewers.length, 1);
        assert.deepEqual(
            Object.values(viewers[0].accessPolicies).map((p: any) => p.policyArn),
            ["arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"],
        );
    });
});
