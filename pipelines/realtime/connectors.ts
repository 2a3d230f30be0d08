import { apiVersions } from "../../versions";
import { CONNECT_NAME, POSTGRES_CONNECT_KEYS, POSTGRES_CONNECT_SECRET, TOPICS, jdbcUrl, secretRef } from "../../platform/kafka/values";
import { ES_SINK, ES_URL } from "../../platform/elastic/values";
import { CONNECTORS, DATA_VIEW, ES_CA_FILE_IN_CONNECT, PART_OF } from "./values";
import { type CustomResourceObject, customResourceObject, NAMESPACE } from "../../platform/k8s/objects";

// ---------------------------------------------------------------------------------------------
// (3) + (5) connectors

const jsonConverters = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": "true",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "true",
};

function connector(name: string, cls: string, config: Record<string, string>): CustomResourceObject {
    return customResourceObject(
        apiVersions.strimzi,
        "KafkaConnector",
        { name, namespace: NAMESPACE.kafka, labels: { "strimzi.io/cluster": CONNECT_NAME, ...PART_OF } },
        {
            class: cls,
            tasksMax: 1,
            // A task failing while a dependency starts (RDS, Elasticsearch) is restarted by Strimzi.
            autoRestart: { enabled: true },
            state: "running",
            config,
        },
    );
}

/**
 * JDBC source on public.customers in timestamp mode (dt_update). Table mode names the topic
 * `topic.prefix + table` ("src-" + "customers"), the book's `src-customers`; the book's `query`
 * mode would not combine with table.whitelist. Credentials come from the Secret at runtime.
 */
export function jdbcSourceConnector(host: string, port: number): CustomResourceObject {
    const table = { schema: "public", name: "customers" };
    const prefix = "src-";
    if (`${prefix}${table.name}` !== TOPICS.source) throw new Error(`topic ${prefix}${table.name} is not ${TOPICS.source}`);
    return connector(CONNECTORS.source, "io.confluent.connect.jdbc.JdbcSourceConnector", {
        ...jsonConverters,
        "connection.url": jdbcUrl(host, port),
        "connection.user": secretRef(NAMESPACE.kafka, POSTGRES_CONNECT_SECRET, POSTGRES_CONNECT_KEYS.username),
        "connection.password": secretRef(NAMESPACE.kafka, POSTGRES_CONNECT_SECRET, POSTGRES_CONNECT_KEYS.password),
        "connection.attempts": "10",
        "connection.backoff.ms": "10000",
        "dialect.name": "PostgreSqlDatabaseDialect",
        "schema.pattern": table.schema,
        "table.whitelist": `${table.schema}.${table.name}`,
        mode: "timestamp",
        "timestamp.column.name": DATA_VIEW.timeField,
        // dt_update is now(), the start of its transaction: a row committed after a poll that passed
        // that time would never be read, so each poll stops 5 s short of the present.
        "timestamp.delay.interval.ms": "5000",
        // Keyed by the customer id, every version of a row goes to one partition, in order; unkeyed,
        // an update could overtake its insert downstream and Elasticsearch would keep the older one.
        transforms: "idKey,idOnly",
        "transforms.idKey.type": "org.apache.kafka.connect.transforms.ValueToKey",
        "transforms.idKey.fields": "id",
        "transforms.idOnly.type": "org.apache.kafka.connect.transforms.ExtractField$Key",
        "transforms.idOnly.field": "id",
        // customers.sql keeps dt_update in UTC.
        "db.timezone": "UTC",
        "topic.prefix": prefix,
        "poll.interval.ms": "5000",
    });
}

/**
 * Elasticsearch sink over TLS, as its own file-realm user (ES_SINK, esSinkRoles) by reference, ECK's CA as a PEM file
 * (ES_CA_COPY), hostname verification on (ECK's certificate names the service). key.ignore=false:
 * the streaming job keys each message with the customer id, so re-deliveries overwrite.
 */
/**
 * The sink's Elasticsearch role (roles.yml): the version check at start (cluster monitor), then on
 * its one index: create it, read and put its mapping, write documents. The mapping put is named as
 * an action: `write` allows it on 8.x only through a deprecated compatibility path
 * (IndicesPermission PRIVILEGE_NAME_SET_BWC_ALLOW_MAPPING_UPDATE), slated to go in the next major.
 */
export function esSinkRoles(): Record<string, unknown> {
    return {
        [ES_SINK.role]: {
            cluster: ["monitor"],
            indices: [{ names: [DATA_VIEW.id], privileges: ["create_index", "view_index_metadata", "write", "indices:admin/mapping/put"] }],
        },
    };
}

export function elasticsearchSinkConnector(): CustomResourceObject {
    return connector(CONNECTORS.sink, "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector", {
        ...jsonConverters,
        topics: TOPICS.transformed,
        "connection.url": ES_URL,
        "connection.username": secretRef(NAMESPACE.elastic, ES_SINK.userSecret, "username"),
        "connection.password": secretRef(NAMESPACE.elastic, ES_SINK.userSecret, "password"),
        "elastic.security.protocol": "SSL",
        "elastic.https.ssl.truststore.type": "PEM",
        "elastic.https.ssl.truststore.location": ES_CA_FILE_IN_CONNECT,
        "key.ignore": "false",
        "schema.ignore": "false",
        "behavior.on.null.values": "ignore",
        "max.retries": "10",
        "retry.backoff.ms": "1000",
    });
}
