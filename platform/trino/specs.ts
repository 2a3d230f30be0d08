import { TRINO_TLS_CA_SECRET, TRINO_TLS_ISSUER, TRINO_TLS_SECRET, trinoTlsNames } from "./values";
import { type RbacRule, secretRules, NAMESPACE } from "../k8s/objects";

// ---- The TLS issuer Job (runs pipelines/platform/issue_tls.py in the apache/airflow image) ----
export const TLS_SCRIPT_MOUNT = "/opt/bdok/scripts";

/** `get`/`patch` on the TLS and CA Secrets only (Pulumi creates them empty and never owns their data). */
export function tlsIssuerRules(): RbacRule[] {
    return secretRules([TRINO_TLS_SECRET, TRINO_TLS_CA_SECRET], ["get", "patch"]);
}

export function tlsIssuerPodSpec(image: string, scriptConfigMap: string) {
    return {
        restartPolicy: "Never",
        serviceAccountName: TRINO_TLS_ISSUER,
        // The script writes the Secret with this account's token.
        automountServiceAccountToken: true,
        securityContext: { runAsNonRoot: true, runAsUser: 50000, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } },
        volumes: [{ name: "scripts", configMap: { name: scriptConfigMap, defaultMode: 0o444 } }],
        containers: [
            {
                name: "issue",
                image,
                command: ["python", `${TLS_SCRIPT_MOUNT}/issue_tls.py`],
                env: [
                    { name: "TARGET_NAMESPACE", value: NAMESPACE.trino },
                    { name: "TARGET_SECRET", value: TRINO_TLS_SECRET },
                    // The CA is kept there across renewals: only the server certificate renews.
                    { name: "CA_SECRET", value: TRINO_TLS_CA_SECRET },
                    { name: "DNS_NAMES", value: trinoTlsNames().join(",") },
                ],
                volumeMounts: [{ name: "scripts", mountPath: TLS_SCRIPT_MOUNT, readOnly: true }],
                resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            },
        ],
    };
}

export function tlsIssuerJobSpec(image: string, scriptConfigMap: string) {
    return {
        backoffLimit: 3,
        activeDeadlineSeconds: 600,
        ttlSecondsAfterFinished: 86400,
        template: { metadata: { labels: { "app.kubernetes.io/name": TRINO_TLS_ISSUER } }, spec: tlsIssuerPodSpec(image, scriptConfigMap) },
    };
}

/** Weekly: renews the certificate in its last 30 days (the Job alone runs only when its spec changes). */
export function tlsIssuerCronJobSpec(image: string, scriptConfigMap: string) {
    return {
        schedule: "41 4 * * 1",
        concurrencyPolicy: "Forbid",
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: { spec: tlsIssuerJobSpec(image, scriptConfigMap) },
    };
}
