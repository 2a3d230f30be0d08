import { PolicyDocument, doc, wildcardOnly } from "../../lib/iam";

// ---- AWS and RBAC for Connect ----

export const ECR_PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
];

/** The build pod may push to the Connect repository and nothing else (the token call has no resource). */
export function connectBuildPolicy(repositoryArn: string): PolicyDocument {
    return doc(wildcardOnly("EcrLogin", "ecr:GetAuthorizationToken"), {
        Sid: "PushConnectImage",
        Effect: "Allow",
        Action: ECR_PUSH_ACTIONS,
        Resource: repositoryArn,
    });
}

/**
 * Strimzi rebuilds push the same tag again (tags are MUTABLE); the superseded images become
 * untagged and expire, and at most 10 images are kept.
 */
export function ecrLifecyclePolicy(): Record<string, unknown> {
    return {
        rules: [
            {
                rulePriority: 1,
                description: "Expire untagged images (superseded Connect builds) after 7 days",
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: "Keep the 10 newest images",
                selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 },
                action: { type: "expire" },
            },
        ],
    };
}
