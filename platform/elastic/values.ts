// Elastic's names (the ones ECK derives: Secrets, Services, URLs) for other components, the ECK
// operator's chart values and the sizes; the Elasticsearch and Kibana resources are in specs.ts.

export const ECK_RELEASE = "eck-operator";
export const ES_NAME = "bdok";
export const KIBANA_NAME = "bdok";

// Names ECK derives from the resource names (<name>-es-*, <name>-kb-*).
import { NAMESPACE } from "../k8s/objects";
export const ES_ELASTIC_USER_SECRET = `${ES_NAME}-es-elastic-user`;
export const ES_ELASTIC_USER_KEY = "elastic";
export const ES_HTTP_CA_SECRET = `${ES_NAME}-es-http-certs-public`;
export const ES_HTTP_CA_KEY = "ca.crt";
export const KIBANA_HTTP_CA_SECRET = `${KIBANA_NAME}-kb-http-certs-public`;
export const ES_HTTP_SERVICE = `${ES_NAME}-es-http`;
export const KIBANA_HTTP_SERVICE = `${KIBANA_NAME}-kb-http`;
export const ES_PORT = 9200;
export const KIBANA_PORT = 5601;
export const ES_URL = `https://${ES_HTTP_SERVICE}.${NAMESPACE.elastic}.svc:${ES_PORT}`;
export const KIBANA_URL = `https://${KIBANA_HTTP_SERVICE}.${NAMESPACE.elastic}.svc:${KIBANA_PORT}`;

/**
 * The ES sink connector's own login (ECK file realm), instead of `elastic`: a kubernetes.io/basic-auth
 * Secret (username, password, roles) in spec.auth.fileRealm, and its role in a Secret's roles.yml
 * (spec.auth.roles); ECK reads both (pkg/controller/elasticsearch/user/user_provided.go).
 */
export const ES_SINK = {
    user: "bdok-es-sink",
    role: "bdok_es_sink",
    userSecret: "bdok-es-sink-user",
    rolesSecret: "bdok-es-sink-role",
} as const;

/**
 * The Kibana data-view Job's own login (ECK file realm, as the sink's), instead of `elastic`: its
 * role grants Kibana's "Data View Management" feature and field reads on the one index
 * (pipelines/realtime/jobs.ts kibanaDataViewRoles).
 */
export const KIBANA_DATA_VIEW_USER = {
    user: "bdok-kibana-data-view",
    role: "bdok_kibana_data_view",
    userSecret: "bdok-kibana-data-view-user",
    rolesSecret: "bdok-kibana-data-view-role",
} as const;

/** Secrets of users and roles for ECK to load into the file realm. */
export interface ElasticsearchAuth {
    fileRealmSecrets: string[];
    roleSecrets: string[];
}

/** The data volume claim name ECK expects for Elasticsearch data. */
export const ES_DATA_CLAIM = "elasticsearch-data";

export function operatorValues(): Record<string, unknown> {
    return {
        // Only the platform's namespace, and no ClusterRole: the chart then binds the operator with a
        // Role in each managed namespace (templates/role-bindings.yaml), so it reads and writes Secrets
        // there only. Without cluster-scoped resources the chart refuses the validating webhook and
        // the storage-class check (templates/validate-chart.yaml); the CRDs still install.
        managedNamespaces: [NAMESPACE.elastic],
        createClusterScopedResources: false,
        webhook: { enabled: false },
        config: { validateStorageClass: false },
        installCRDs: true,
        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
        telemetry: { disabled: true },
    };
}

export function elasticsearchSizes(ha: boolean) {
    return ha
        ? { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } }
        : // One dev data node holding one small index: a 640m heap (ECK gives it half the container).
          { requests: { cpu: "500m", memory: "1280Mi" }, limits: { cpu: "1", memory: "1280Mi" } };
}

export function kibanaSizes(ha: boolean) {
    return ha
        ? { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } }
        : { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } };
}

export function kibanaPortForwardCommand(): string {
    return `kubectl -n ${NAMESPACE.elastic} port-forward svc/${KIBANA_HTTP_SERVICE} ${KIBANA_PORT}:${KIBANA_PORT}`;
}

/** How to read the `elastic` password (it stays in ECK's Secret; no copy in Pulumi state). */
export function elasticPasswordCommand(): string {
    return `kubectl -n ${NAMESPACE.elastic} get secret ${ES_ELASTIC_USER_SECRET} -o jsonpath='{.data.${ES_ELASTIC_USER_KEY}}' | base64 -d`;
}
