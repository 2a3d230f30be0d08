// The trust policy of every Pod Identity role: EKS user guide, "Create an IAM role for EKS Pod
// Identity" gives it as Principal { Service: pods.eks.amazonaws.com }, Action sts:AssumeRole and
// sts:TagSession (the agent tags the session with the pod's namespace, service account, cluster).
import { strict as assert } from "assert";
import { podIdentityTrust } from "./trust";

describe("Pod Identity trust policy (podIdentityTrust)", () => {
    it("is the EKS user guide's policy exactly: the pods service may assume the role and tag its session", () => {
        assert.deepEqual(podIdentityTrust(), {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
        });
    });

    it("carries no Resource element (IAM refuses a trust policy with one: MalformedPolicyDocument, 'Has prohibited field Resource')", () => {
        for (const s of podIdentityTrust().Statement) assert.ok(!("Resource" in s));
    });
});
