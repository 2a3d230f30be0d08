// The Elasticsearch exporter (prometheus-community/elasticsearch_exporter) beside the ECK cluster:
// ECK exposes no Prometheus endpoint of its own. It reads cluster health and every node's stats
// over HTTPS with the cluster's CA, as its own file-realm user (not `elastic`) holding only the
// privileges its flags need.
import { images } from "../../versions";
import { ES_HTTP_CA_KEY, ES_HTTP_CA_SECRET, ES_URL } from "../elastic/values";
import { NAMESPACE, resources } from "../k8s/objects";
import { ES_EXPORTER } from "./monitors";

/**
 * The exporter's Elasticsearch login (ECK file realm, as the realtime sink's): a
 * kubernetes.io/basic-auth Secret (username, password, roles) in spec.auth.fileRealm, which ECK
 * hashes into the realm itself ("a username and password in Kubernetes secrets", ECK "Users and
 * roles"), and its role's roles.yml in a Secret in spec.auth.roles.
 */
export const ES_EXPORTER_USER = {
    user: "bdok-es-exporter",
    role: "bdok_es_exporter",
    userSecret: "bdok-es-exporter-user",
    rolesSecret: "bdok-es-exporter-role",
} as const;

/** The exporter's flags (main.go at v1.11.0): es.all (every node's stats, for each data disk), es.ca. */
export const EXPORTER_FLAGS = [`--es.uri=${ES_URL}`, "--es.all", "--es.ca=/ca/ca.crt", `--web.listen-address=:${ES_EXPORTER.port}`];

/**
 * Its role: cluster `monitor` only, which its defaults (cluster health, node stats; es.all only
 * widens the node set) need; no index privilege, as it runs without es.indices, es.shards and
 * es.indices_settings (the exporter's README, "Elasticsearch 7.x security privileges").
 */
export function exporterRoles(): Record<string, unknown> {
    return { [ES_EXPORTER_USER.role]: { cluster: ["monitor"], indices: [] } };
}

export function elasticsearchExporterDeployment() {
    const labels = { "app.kubernetes.io/name": ES_EXPORTER.name, "app.kubernetes.io/part-of": "bdok" };
    return {
        metadata: { name: ES_EXPORTER.name, namespace: NAMESPACE.elastic, labels },
        spec: {
            replicas: 1,
            selector: { matchLabels: { "app.kubernetes.io/name": ES_EXPORTER.name } },
            template: {
                metadata: { labels },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name: "exporter",
                            image: images.elasticsearchExporter,
                            args: EXPORTER_FLAGS,
                            env: [
                                // main.go reads ES_USERNAME / ES_PASSWORD when the URI carries no credentials.
                                { name: "ES_USERNAME", valueFrom: { secretKeyRef: { name: ES_EXPORTER_USER.userSecret, key: "username" } } },
                                { name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: ES_EXPORTER_USER.userSecret, key: "password" } } },
                            ],
                            ports: [{ name: ES_EXPORTER.portName, containerPort: ES_EXPORTER.port }],
                            readinessProbe: { httpGet: { path: "/healthz", port: ES_EXPORTER.portName } },
                            resources: resources("5m", "32Mi", "100m", "64Mi"),
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                            volumeMounts: [{ name: "ca", mountPath: "/ca", readOnly: true }],
                        },
                    ],
                    volumes: [{ name: "ca", secret: { secretName: ES_HTTP_CA_SECRET, items: [{ key: ES_HTTP_CA_KEY, path: "ca.crt" }] } }],
                },
            },
        },
    };
}
