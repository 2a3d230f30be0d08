import { DO_NOT_DISRUPT, podPlacement, topologySpread } from "../karpenter/nodepools";
import type { StackConfig } from "../../config";
import { apiVersions, apps } from "../../versions";
import { serviceAnnotations, serviceType } from "../load-balancer-controller/values";
import { ES_DATA_CLAIM, ES_NAME, ElasticsearchAuth, KIBANA_NAME, elasticsearchSizes, kibanaSizes } from "./values";
import { type CustomResourceObject, customResourceObject, NAMESPACE } from "../k8s/objects";

/**
 * The Elasticsearch cluster. Choices:
 * - `node.store.allow_mmap: false` instead of a privileged init container raising vm.max_map_count:
 *   the namespace stays within the baseline Pod Security level; Elasticsearch then uses NIO for
 *   its index files, slower on very large indices, irrelevant at this size.
 * - JVM heap left to Elasticsearch's automatic sizing (50% of the container memory limit), so heap
 *   and resources cannot drift apart; memory request = limit.
 * - TLS stays on (ECK's self-signed CA; clients read it from ES_HTTP_CA_SECRET).
 */
export function elasticsearchResource(
    config: Pick<StackConfig, "elasticsearch" | "protectStatefulResources" | "ha">,
    storageClass: string,
    auth?: ElasticsearchAuth,
): CustomResourceObject {
    const nodes = config.elasticsearch.nodes;
    const authSpec =
        auth && (auth.fileRealmSecrets.length || auth.roleSecrets.length)
            ? {
                  auth: {
                      fileRealm: auth.fileRealmSecrets.map((secretName) => ({ secretName })),
                      roles: auth.roleSecrets.map((secretName) => ({ secretName })),
                  },
              }
            : {};
    const protect = config.protectStatefulResources;
    return customResourceObject(
        apiVersions.elasticsearch,
        "Elasticsearch",
        { name: ES_NAME, namespace: NAMESPACE.elastic, labels: { "app.kubernetes.io/part-of": "bdok" } },
        {
            version: apps.elastic,
            ...authSpec,
            // dev: data goes with the cluster; prod: volumes survive deletion of the cluster.
            volumeClaimDeletePolicy: protect ? "DeleteOnScaledownOnly" : "DeleteOnScaledownAndClusterDeletion",
            // No podDisruptionBudget: a spec of ours would replace ECK's default, which allows one
            // disruption only while health is green (none otherwise) and always one for a single
            // node, so a lone dev node stays drainable (ECK 3.5.0 pkg/controller/elasticsearch/pdb/
            // reconcile_default.go allowedDisruptionsForSinglePDB).
            nodeSets: [
                {
                    name: "default",
                    count: nodes,
                    config: { "node.store.allow_mmap": false },
                    resources: elasticsearchSizes(config.ha),
                    podTemplate: {
                        // A lone data node has no replica to fail over to: Karpenter must not disrupt it.
                        metadata: { labels: { "app.kubernetes.io/part-of": "bdok" }, ...(nodes < 2 ? { annotations: { ...DO_NOT_DISRUPT } } : {}) },
                        spec: {
                            // On Karpenter's on-demand stateful pool; several nodes spread over zones and hosts.
                            ...podPlacement("stateful"),
                            topologySpreadConstraints: nodes > 1 ? topologySpread({ "elasticsearch.k8s.elastic.co/cluster-name": ES_NAME }) : [],
                        },
                    },
                    volumeClaimTemplates: [
                        {
                            metadata: { name: ES_DATA_CLAIM },
                            spec: {
                                accessModes: ["ReadWriteOnce"],
                                storageClassName: storageClass,
                                resources: { requests: { storage: `${config.elasticsearch.storageGiB}Gi` } },
                            },
                        },
                    ],
                },
            ],
        },
    );
}

export function kibanaResource(config: Pick<StackConfig, "ha" | "exposure" | "loadBalancerSourceRanges" | "vpcCidr">): CustomResourceObject {
    return customResourceObject(
        apiVersions.kibana,
        "Kibana",
        { name: KIBANA_NAME, namespace: NAMESPACE.elastic, labels: { "app.kubernetes.io/part-of": "bdok" } },
        {
            version: apps.elastic,
            count: config.ha ? 2 : 1,
            elasticsearchRef: { name: ES_NAME },
            resources: kibanaSizes(config.ha),
            // A stateless UI: on the workloads pool, leaving the fixed system group to the operators;
            // the whole placement, so Kibana tolerates whatever taint the pool carries.
            podTemplate: { spec: { ...podPlacement("workloads") } },
            http: {
                service: {
                    metadata: { annotations: serviceAnnotations(config) },
                    spec: { type: serviceType(config.exposure) },
                },
            },
        },
    );
}
