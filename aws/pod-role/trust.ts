import { assumeRole, PolicyDocument, Statement } from "../../lib/iam";

/** Trust policy for EKS Pod Identity (the agent calls AssumeRole and TagSession). */
export function podIdentityTrust(): PolicyDocument {
    const d = assumeRole("pods.eks.amazonaws.com", ["sts:TagSession"]);
    // Trust policies carry no Resource element.
    delete (d.Statement[0] as Partial<Statement>).Resource;
    return d;
}
