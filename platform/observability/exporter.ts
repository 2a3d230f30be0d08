// The Elasticsearch exporter (prometheus-community/elasticsearch_exporter) beside the ECK cluster:
// ECK exposes no Prometheus endpoint of its own. It reads cluster health and every node's stats
// over HTTPS with the cluster's CA, as the `elastic` user whose password ECK keeps in a Secret.
import { images } from "../../versions";
import { ES_ELASTIC_USER_KEY, ES_ELASTIC_USER_SECRET, ES_HTTP_CA_KEY, ES_HTTP_CA_SECRET, ES_URL } from "../elastic/values";
import { NAMESPACE, resources } from "../k8s/objects";
import { ES_EXPORTER } from "./monitors";

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
                            // Flags of main.go at v1.11.0: es.all (every node's stats, for each data disk), es.ca.
                            args: [`--es.uri=${ES_URL}`, "--es.all", "--es.ca=/ca/ca.crt", `--web.listen-address=:${ES_EXPORTER.port}`],
                            env: [
                                // main.go reads ES_USERNAME / ES_PASSWORD when the URI carries no credentials.
                                { name: "ES_USERNAME", value: "elastic" },
                                { name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: ES_ELASTIC_USER_SECRET, key: ES_ELASTIC_USER_KEY } } },
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
