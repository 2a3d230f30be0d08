// What the realtime pipeline needs from the platform, as data the platform components consume:
// its two topics, and a Connect cluster with the JDBC source and Elasticsearch sink plugins, ECK's
// CA as a file, read access to its two logins, and its connectors' ACLs.
import { ES_HTTP_CA_SECRET, ES_SINK } from "../../platform/elastic/values";
import type { ConnectPlugin, KafkaNeeds } from "../../platform/kafka/needs";
import { POSTGRES_CONNECT_SECRET, TOPICS } from "../../platform/kafka/values";
import { NAMESPACE } from "../../platform/k8s/objects";
import { connectPlugins } from "../../versions";
import { connectorAcls } from "./streaming";
import { esCaConnectMount } from "./values";
import { RDS_CA } from "../../lib/rds-ca";

interface MavenCoordinates {
    group: string;
    artifact: string;
    version: string;
}
const maven = (c: MavenCoordinates, repository?: string) => ({
    type: "maven",
    ...(repository ? { repository } : {}),
    group: c.group,
    artifact: c.artifact,
    version: c.version,
    // Runtime dependencies only: connect-api / kafka-clients are `provided` by the Connect image.
    includeScope: "runtime",
});

/** The connector plugins of the book's realtime pipeline (the JDBC driver sits beside the JDBC connector). */
export function realtimeConnectPlugins(): ConnectPlugin[] {
    return [
        {
            name: "kafka-connect-jdbc",
            artifacts: [maven(connectPlugins.jdbc, connectPlugins.confluentRepository), maven(connectPlugins.postgresDriver)],
        },
        {
            name: "kafka-connect-elasticsearch",
            artifacts: [maven(connectPlugins.elasticsearch, connectPlugins.confluentRepository)],
        },
    ];
}

export function realtimeKafkaNeeds(): KafkaNeeds {
    return {
        topics: { ...TOPICS },
        connect: {
            plugins: realtimeConnectPlugins(),
            // ECK's CA for the sink; the RDS CA bundle for the JDBC source's verify-full (jdbcUrl).
            secretMounts: [esCaConnectMount(), { volume: RDS_CA.volume, configMapName: RDS_CA.configMap, mountPath: RDS_CA.mountPath }],
            secretReads: [
                { id: "kafka", namespace: NAMESPACE.kafka, secrets: [POSTGRES_CONNECT_SECRET] },
                // The sink's own login (not `elastic`) and ECK's public CA.
                { id: "elastic", namespace: NAMESPACE.elastic, secrets: [ES_SINK.userSecret, ES_HTTP_CA_SECRET] },
            ],
            connectorAcls: connectorAcls(),
        },
    };
}
