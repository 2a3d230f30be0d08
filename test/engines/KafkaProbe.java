// The engines tier's Kafka client, run as a single-file source program (`java -cp <kafka libs>
// KafkaProbe.java <command> <request.json>`), so the checks use Kafka's own client and converter
// code instead of a re-implementation. Commands:
//   setup  {admin, topics: [{name, partitions, replicas?, assignment?: [[node]], config?}], acls: [{principal, resourceType, name, patternType, operation}]}
//   delete-topics {admin, topics: [name]} (returns once the broker no longer lists them)
//   write-read {client, writes: [{topic, acks?, retries?, count, readBack? (default true)}]} -> [{topic, acks (effective), sent, read, error?}]
//   probe  {users: {<user>: <client props>}, probes: [{user, op, resource, name, topic?}]} -> [{..., result}]
//   produce-connect {client, topic, keySchema, valueSchema?, records: [{key, value}]} (JsonConverter, schemas.enable=true)
//   consume {client, topic, expect, timeoutMs} -> [{key, value}] (strings)
// Writes its answer as JSON on stdout; client properties are passed through unchanged.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.*;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.resource.*;
import org.apache.kafka.common.serialization.*;

public class KafkaProbe {
    static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        JsonNode req = JSON.readTree(Files.readString(Path.of(args[1])));
        Object out;
        switch (args[0]) {
            case "setup" -> out = setup(req);
            case "probe" -> out = probe(req);
            case "produce-connect" -> out = produceConnect(req);
            case "consume" -> out = consume(req);
            case "delete-topics" -> out = deleteTopics(req);
            case "write-read" -> out = writeRead(req);
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
        System.out.println(JSON.writeValueAsString(out));
    }

    static Properties props(JsonNode client) {
        Properties p = new Properties();
        client.fields().forEachRemaining(e -> p.put(e.getKey(), e.getValue().asText()));
        p.putIfAbsent("request.timeout.ms", "15000");
        p.putIfAbsent("default.api.timeout.ms", "20000");
        return p;
    }

    static Object setup(JsonNode req) throws Exception {
        try (Admin admin = Admin.create(props(req.get("admin")))) {
            List<NewTopic> topics = new ArrayList<>();
            for (JsonNode t : req.get("topics")) {
                NewTopic topic;
                if (t.has("assignment")) {
                    // Partition -> the node ids holding its replicas, leader first.
                    Map<Integer, List<Integer>> assignment = new HashMap<>();
                    for (int p = 0; p < t.get("assignment").size(); p++) {
                        List<Integer> nodes = new ArrayList<>();
                        t.get("assignment").get(p).forEach(n -> nodes.add(n.asInt()));
                        assignment.put(p, nodes);
                    }
                    topic = new NewTopic(t.get("name").asText(), assignment);
                } else topic = new NewTopic(t.get("name").asText(), t.get("partitions").asInt(), (short) t.path("replicas").asInt(1));
                Map<String, String> configs = new HashMap<>();
                t.path("config").fields().forEachRemaining(e -> configs.put(e.getKey(), e.getValue().asText()));
                topics.add(topic.configs(configs));
            }
            if (!topics.isEmpty()) admin.createTopics(topics).all().get();
            // On request, one record in each, so that a Read probe knows its fetch was answered.
            if (req.path("seed").asBoolean(false)) try (KafkaProducer<String, String> producer = new KafkaProducer<>(props(req.get("admin")), new StringSerializer(), new StringSerializer())) {
                for (NewTopic t : topics) producer.send(new ProducerRecord<>(t.name(), "setup", "setup")).get();
            }
            List<AclBinding> acls = new ArrayList<>();
            for (JsonNode a : req.get("acls")) {
                ResourcePattern pattern = new ResourcePattern(
                    ResourceType.valueOf(a.get("resourceType").asText()),
                    a.get("name").asText(),
                    PatternType.valueOf(a.get("patternType").asText()));
                acls.add(new AclBinding(pattern, new AccessControlEntry(
                    a.get("principal").asText(), a.get("host").asText(), AclOperation.valueOf(a.get("operation").asText()), AclPermissionType.ALLOW)));
            }
            if (!acls.isEmpty()) admin.createAcls(acls).all().get();
            // The ACLs as the broker now holds them, so the caller sees what was stored.
            ArrayNode stored = JSON.createArrayNode();
            for (AclBinding b : admin.describeAcls(AclBindingFilter.ANY).values().get()) stored.add(b.toString());
            return stored;
        }
    }

    /** "allowed", "denied" (an authorization error), or "error: ..." for anything else. */
    static String outcome(Runnable action) {
        try {
            action.run();
            return "allowed";
        } catch (Throwable e) {
            for (Throwable c = e; c != null; c = c.getCause()) if (c instanceof AuthorizationException) return "denied";
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            return "error: " + root;
        }
    }

    static <T> T await(org.apache.kafka.common.KafkaFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException | ExecutionException e) {
            throw new RuntimeException(e);
        }
    }

    static Object probe(JsonNode req) throws Exception {
        Map<String, Admin> admins = new HashMap<>();
        Map<String, KafkaProducer<String, String>> producers = new HashMap<>();
        ArrayNode results = JSON.createArrayNode();
        try {
            for (JsonNode p : req.get("probes")) {
                String user = p.get("user").asText();
                Properties client = props(req.get("users").get(user));
                String op = p.get("op").asText(), type = p.get("resource").asText(), name = p.get("name").asText();
                Admin admin = admins.computeIfAbsent(user, u -> Admin.create(client));
                String result;
                if (type.equals("topic")) {
                    result = switch (op) {
                        case "Describe" -> outcome(() -> await(admin.describeTopics(List.of(name)).allTopicNames()));
                        case "DescribeConfigs" -> outcome(() -> await(admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, name))).all()));
                        // validateOnly: the broker authorizes, then checks without creating.
                        // An existing topic answers TOPIC_ALREADY_EXISTS only to a caller it authorized
                        // (KafkaApis.handleCreateTopicsRequest filters unauthorized names first).
                        case "Create" -> outcome(() -> {
                            try {
                                await(admin.createTopics(List.of(new NewTopic(name, 1, (short) 1)), new CreateTopicsOptions().validateOnly(true)).all());
                            } catch (RuntimeException e) {
                                if (!(e.getCause() != null && e.getCause().getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) throw e;
                            }
                        });
                        case "Write" -> outcome(() -> {
                            KafkaProducer<String, String> producer = producers.computeIfAbsent(user, u -> {
                                Properties pp = (Properties) client.clone();
                                pp.put("max.block.ms", "15000");
                                return new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer());
                            });
                            try {
                                producer.send(new ProducerRecord<>(name, "probe", "probe")).get();
                            } catch (InterruptedException | ExecutionException e) {
                                throw new RuntimeException(e);
                            }
                        });
                        // No group: only the topic's Read is asked for (Fetch, with ListOffsets under Describe).
                        case "Read" -> outcome(() -> {
                            try {
                                readWith(client, null, name);
                            } catch (Exception e) {
                                throw new RuntimeException(e);
                            }
                        });
                        default -> throw new IllegalArgumentException("topic op " + op);
                    };
                } else if (type.equals("group") && op.equals("Read")) {
                    // A group's Read is what committing offsets in it asks for, on a topic the user may read.
                    result = outcome(() -> {
                        try {
                            readWith(client, name, p.get("topic").asText());
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    });
                } else {
                    throw new IllegalArgumentException(type + " op " + op);
                }
                ObjectNode r = ((ObjectNode) p.deepCopy()).put("result", result);
                results.add(r);
            }
        } finally {
            admins.values().forEach(Admin::close);
            producers.values().forEach(KafkaProducer::close);
        }
        return results;
    }

    static Admin admin(Properties client) {
        return ADMINS.computeIfAbsent(client.getProperty("ssl.keystore.location", "none"), k -> Admin.create(client));
    }

    static final Map<String, Admin> ADMINS = new HashMap<>();

    static void readWith(Properties client, String group, String topic) throws Exception {
        Properties cp = (Properties) client.clone();
        if (group != null) cp.put("group.id", group);
        cp.put("enable.auto.commit", "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            // Every partition (the setup record is in one of them); listing them asks for Describe only.
            List<TopicPartition> parts = new ArrayList<>();
            for (int p = 0; p < admin(client).describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size(); p++) parts.add(new TopicPartition(topic, p));
            consumer.assign(group != null ? List.of(tp) : parts);
            consumer.seekToBeginning(consumer.assignment());
            if (group != null) {
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(0)), Duration.ofSeconds(15));
                return;
            }
            // Denied: poll throws; allowed: the setup record arrives.
            long deadline = System.currentTimeMillis() + 15_000;
            while (consumer.poll(Duration.ofMillis(200)).isEmpty())
                if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no record and no error from " + topic);
        }
    }

    static Object produceConnect(JsonNode req) throws Exception {
        // Connect's own JsonConverter with schemas.enable=true, as the JDBC source's worker runs it.
        var keyConverter = new org.apache.kafka.connect.json.JsonConverter();
        var valueConverter = new org.apache.kafka.connect.json.JsonConverter();
        keyConverter.configure(Map.of("schemas.enable", "true"), true);
        valueConverter.configure(Map.of("schemas.enable", "true"), false);
        var keySchema = ConnectRecords.keySchema(req.get("keyType").asText());
        var valueSchema = ConnectRecords.valueSchema(req.get("fields"));
        String topic = req.get("topic").asText();
        Properties pp = props(req.get("client"));
        pp.put("max.block.ms", "20000");
        int sent = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (JsonNode rec : req.get("records")) {
                Object key = ConnectRecords.keyValue(keySchema, rec.get("key"));
                var value = ConnectRecords.struct(valueSchema, rec.get("value"));
                producer.send(new ProducerRecord<>(topic, keyConverter.fromConnectData(topic, keySchema, key), valueConverter.fromConnectData(topic, valueSchema, value))).get();
                sent++;
            }
        }
        return Map.of("sent", sent);
    }

    static Object deleteTopics(JsonNode req) throws Exception {
        List<String> names = new ArrayList<>();
        req.get("topics").forEach(t -> names.add(t.asText()));
        try (Admin admin = Admin.create(props(req.get("admin")))) {
            admin.deleteTopics(names).all().get();
            long deadline = System.currentTimeMillis() + 60_000;
            while (admin.listTopics().names().get().stream().anyMatch(names::contains)) {
                if (System.currentTimeMillis() > deadline) throw new IllegalStateException("topics still listed: " + names);
                Thread.sleep(200);
            }
        }
        return names;
    }

    /**
     * Writes `count` records to each topic with the given acks (absent: the client's default, as a
     * producer that does not set it gets), waits for each acknowledgement, then reads them back.
     */
    static Object writeRead(JsonNode req) throws Exception {
        ArrayNode results = JSON.createArrayNode();
        for (JsonNode w : req.get("writes")) {
            String topic = w.get("topic").asText();
            Properties pp = props(req.get("client"));
            pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            if (w.hasNonNull("acks")) pp.put(ProducerConfig.ACKS_CONFIG, w.get("acks").asText());
            // retries 0: the broker's first answer, not a delivery timeout after retrying it.
            if (w.hasNonNull("retries")) pp.put(ProducerConfig.RETRIES_CONFIG, w.get("retries").asText());
            // Timeouts only (a refused write fails in seconds, not after the default two minutes).
            pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
            pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
            pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
            // The acks the producer runs with, as the client resolves them (its default when unset).
            String acks = new ProducerConfig(pp).getString(ProducerConfig.ACKS_CONFIG);
            ObjectNode r = JSON.createObjectNode().put("topic", topic).put("acks", acks);
            String run = UUID.randomUUID().toString();
            int count = w.get("count").asInt(), sent = 0;
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
                for (int i = 0; i < count; i++) {
                    producer.send(new ProducerRecord<>(topic, run + "-" + i, "v" + i)).get();
                    sent++;
                }
            } catch (Exception e) {
                List<String> chain = new ArrayList<>();
                for (Throwable c = e; c != null; c = c.getCause()) chain.add(c.getClass().getSimpleName() + ": " + c.getMessage());
                r.put("error", String.join(" <- ", chain));
            }
            r.put("sent", sent);
            int read = 0;
            if (sent > 0 && w.path("readBack").asBoolean(true)) {
                Properties cp = props(req.get("client"));
                try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
                    List<TopicPartition> parts = new ArrayList<>();
                    for (var info : consumer.partitionsFor(topic, Duration.ofSeconds(20))) parts.add(new TopicPartition(topic, info.partition()));
                    consumer.assign(parts);
                    consumer.seekToBeginning(parts);
                    long deadline = System.currentTimeMillis() + 30_000;
                    while (read < sent && System.currentTimeMillis() < deadline)
                        for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(500))) if (rec.key() != null && rec.key().startsWith(run)) read++;
                }
            }
            results.add(r.put("read", read));
        }
        return results;
    }

    static Object consume(JsonNode req) throws Exception {
        Properties cp = props(req.get("client"));
        String topic = req.get("topic").asText();
        int expect = req.get("expect").asInt();
        long deadline = System.currentTimeMillis() + req.get("timeoutMs").asLong();
        ArrayNode out = JSON.createArrayNode();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (var info : consumer.partitionsFor(topic, Duration.ofSeconds(20))) parts.add(new TopicPartition(topic, info.partition()));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    out.add(JSON.createObjectNode().put("key", r.key()).put("value", r.value()).put("partition", r.partition()).put("offset", r.offset()));
                }
                if (out.size() >= expect) {
                    // One more poll so that a duplicate beyond the expected count shows too.
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofSeconds(2)))
                        out.add(JSON.createObjectNode().put("key", r.key()).put("value", r.value()).put("partition", r.partition()).put("offset", r.offset()));
                    break;
                }
            }
        }
        return out;
    }

    /** Connect schemas and values built from a JSON description (the JDBC source's types). */
    static class ConnectRecords {
        static org.apache.kafka.connect.data.Schema keySchema(String type) {
            return switch (type) {
                case "int32" -> org.apache.kafka.connect.data.Schema.INT32_SCHEMA;
                case "none" -> null;
                default -> throw new IllegalArgumentException("key type " + type);
            };
        }

        static Object keyValue(org.apache.kafka.connect.data.Schema schema, JsonNode v) {
            return schema == null || v == null || v.isNull() ? null : v.asInt();
        }

        static org.apache.kafka.connect.data.Schema valueSchema(JsonNode fields) {
            var b = org.apache.kafka.connect.data.SchemaBuilder.struct().name(fields.get("name").asText());
            for (JsonNode f : fields.get("fields")) {
                org.apache.kafka.connect.data.SchemaBuilder fb = switch (f.get("type").asText()) {
                    case "int32" -> org.apache.kafka.connect.data.SchemaBuilder.int32();
                    case "int64" -> org.apache.kafka.connect.data.SchemaBuilder.int64();
                    case "string" -> org.apache.kafka.connect.data.SchemaBuilder.string();
                    case "Timestamp" -> org.apache.kafka.connect.data.Timestamp.builder();
                    case "Date" -> org.apache.kafka.connect.data.Date.builder();
                    default -> throw new IllegalArgumentException("field type " + f.get("type"));
                };
                if (f.get("optional").asBoolean()) fb.optional();
                b.field(f.get("field").asText(), fb.build());
            }
            return b.build();
        }

        static org.apache.kafka.connect.data.Struct struct(org.apache.kafka.connect.data.Schema schema, JsonNode v) {
            var s = new org.apache.kafka.connect.data.Struct(schema);
            for (var f : schema.fields()) {
                JsonNode x = v.get(f.name());
                if (x == null || x.isNull()) continue;
                String logical = f.schema().name();
                if (org.apache.kafka.connect.data.Timestamp.LOGICAL_NAME.equals(logical) || org.apache.kafka.connect.data.Date.LOGICAL_NAME.equals(logical))
                    s.put(f, new java.util.Date(x.asLong())); // epoch milliseconds (a Date at midnight UTC)
                else if (f.schema().type() == org.apache.kafka.connect.data.Schema.Type.INT32) s.put(f, x.asInt());
                else if (f.schema().type() == org.apache.kafka.connect.data.Schema.Type.INT64) s.put(f, x.asLong());
                else s.put(f, x.asText());
            }
            return s;
        }
    }
}
