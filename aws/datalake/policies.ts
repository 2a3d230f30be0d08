import { doc, PolicyDocument, Statement } from "../../lib/iam";

/** TLS-only bucket policy: deny any request not made over HTTPS. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
    return doc({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    } as Statement);
}
