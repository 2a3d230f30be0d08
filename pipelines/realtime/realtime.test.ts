// The customers realtime pipeline on every stack: CRD validity of the connectors and the streaming
// SparkApplication, credentials only by reference, topics, TLS, idempotent Jobs, and dependencies.
import { API_TOPIC } from "../api/specs";
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    ES_ELASTIC_USER_SECRET,
    ES_HTTP_CA_SECRET,
    ES_SINK,
    ES_URL,
    KIBANA_DATA_VIEW_USER,
    KIBANA_HTTP_CA_SECRET,
    KIBANA_URL,
} from "../../platform/elastic/values";
import { BOOTSTRAP_SERVERS_TLS, CLUSTER_CA_SECRET, CONNECT_NAME, POSTGRES_CONNECT_SECRET, TOPICS } from "../../platform/kafka/values";
import { contentName, sha256 } from "../../lib/hash";
import { readPipelineFile } from "../files";
import { CHECKPOINT_KEY, CONNECTORS, ES_CA_COPY, ES_CA_FILE_IN_CONNECT, KAFKA_CA_MOUNT, KAFKA_USER_MOUNT, STREAMING_PREFIX } from "./values";
import { USER_SECRET_KEYS } from "../../platform/kafka/users";
import { POSTGRES_LOGINS, SQL_MOUNT, tableJobCommand } from "./jobs";
import { streamingSizing } from "./streaming";
import { SPARK_SERVICE_ACCOUNT } from "../../platform/spark-operator/values";
import { Captured, PlanRun, ROOT } from "../../tools/harness";
import { queryFile } from "../lake";
import { mockRandomStateOf } from "../../tools/mocks";
import { validateCustomResource } from "../../tools/schemas";
import { images, sparkPackages } from "../../versions";
import { byUrn, descendants, inputsOf, ofType, one, transitiveDeps, describeEachStack } from "../../test/support";
import { RDS_CA_FILE } from "../../lib/rds-ca";

const CONNECTOR = "kubernetes:kafka.strimzi.io/v1:KafkaConnector";
const SPARK_APP = "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication";
const JOB = "kubernetes:batch/v1:Job";
const SECRET = "kubernetes:core/v1:Secret";

function component(run: PlanRun): Captured {
    return one(run, "bdok:pipelines:RealtimePipeline");
}
function mine(run: PlanRun): Captured[] {
    return descendants(run, component(run).urn);
}
function mineOf(run: PlanRun, type: string): Captured[] {
    return mine(run).filter((c) => c.type === type);
}
function named(run: PlanRun, type: string, name: string | RegExp): Captured {
    const found = mineOf(run, type).filter((c) => {
        const n = inputsOf(c).metadata?.name as string;
        return typeof name === "string" ? n === name : name.test(n);
    });
    assert.equal(found.length, 1, `one ${type} named ${name}`);
    return found[0];
}
/** A custom resource as the API server receives it. */
function asObject(c: Captured) {
    const i = inputsOf(c);
    return { apiVersion: i.apiVersion, kind: i.kind, metadata: i.metadata, spec: i.spec };
}
function config(run: PlanRun, connector: string): Record<string, string> {
    return inputsOf(named(run, CONNECTOR, connector)).spec.config;
}
function kafkaChild(run: PlanRun, type: string, pred: (i: any) => boolean): Captured {
    const kafka = one(run, "bdok:platform:Kafka");
    const found = descendants(run, kafka.urn).filter((c) => c.type === type && pred(inputsOf(c)));
    assert.equal(found.length, 1, `one ${type} in the Kafka component`);
    return found[0];
}
function elasticChild(run: PlanRun, kind: string): Captured {
    const elastic = one(run, "bdok:platform:Elastic");
    const found = descendants(run, elastic.urn).filter((c) => inputsOf(c).kind === kind);
    assert.equal(found.length, 1, `one ${kind}`);
    return found[0];
}
function dependsOn(run: PlanRun, from: Captured, to: Captured): boolean {
    return transitiveDeps(run, from.urn).has(to.urn);
}
function env(container: any): Record<string, any> {
    return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}
function rdsAddress(run: PlanRun): string {
    return String(run.plan.outputs.rdsEndpoint).split(":")[0];
}

/** The generation annotation every KafkaTopic of the plan carries (one value: they are one set). */
function topicGeneration(run: PlanRun): string {
    const gens = new Set(
        run.captured
            .filter((r) => r.type === "kubernetes:kafka.strimzi.io/v1:KafkaTopic")
            .map((r) => (r.rawInputs as any).metadata.annotations?.["bdok.io/topic-generation"]),
    );
    assert.equal(gens.size, 1, `one generation on every topic: ${[...gens].join(", ")}`);
    const [g] = gens;
    assert.match(String(g), /^[0-9a-f]+$/);
    return g;
}

describeEachStack(
    (stack) => `Pipelines: realtime on ${stack}`,
    (plan) => {
        it("validates both connectors and the streaming SparkApplication strictly against the CRDs", () => {
            const crs = [...mineOf(plan(), CONNECTOR), ...mineOf(plan(), SPARK_APP)];
            assert.equal(crs.length, 3);
            for (const c of crs) assert.deepEqual(validateCustomResource(asObject(c)), [], c.name);
            for (const c of mineOf(plan(), CONNECTOR)) {
                assert.equal(inputsOf(c).metadata.labels["strimzi.io/cluster"], CONNECT_NAME);
                assert.equal(inputsOf(c).metadata.namespace, "kafka");
                assert.equal(inputsOf(c).spec.autoRestart.enabled, true);
            }
        });

        it("JDBC source: timestamp mode on dt_update, public.customers → src-customers, TLS to RDS", () => {
            const c = config(plan(), CONNECTORS.source);
            assert.equal(inputsOf(named(plan(), CONNECTOR, CONNECTORS.source)).spec.class, "io.confluent.connect.jdbc.JdbcSourceConnector");
            assert.equal(c.mode, "timestamp");
            assert.equal(c["timestamp.column.name"], "dt_update");
            assert.equal(c["table.whitelist"], "public.customers");
            assert.equal(c["topic.prefix"] + "customers", TOPICS.source);
            assert.equal(c["connection.url"], `jdbc:postgresql://${rdsAddress(plan())}:5432/postgres?sslmode=verify-full&sslrootcert=${RDS_CA_FILE}`);
            assert.equal(c["value.converter"], "org.apache.kafka.connect.json.JsonConverter");
            assert.equal(c["value.converter.schemas.enable"], "true");
        });

        it("ES sink: customers-transformed over https, ECK's CA as a PEM file, keyed documents, typed mapping", () => {
            const c = config(plan(), CONNECTORS.sink);
            assert.equal(inputsOf(named(plan(), CONNECTOR, CONNECTORS.sink)).spec.class, "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector");
            assert.equal(c.topics, TOPICS.transformed);
            assert.equal(c["connection.url"], ES_URL);
            assert.match(c["connection.url"], /^https:\/\//);
            // Its own file-realm user, not `elastic` (es-role.test.ts).
            assert.equal(c["connection.username"], `\${secrets:elastic/${ES_SINK.userSecret}:username}`);
            assert.equal(c["elastic.security.protocol"], "SSL");
            assert.equal(c["elastic.https.ssl.truststore.type"], "PEM");
            assert.equal(c["elastic.https.ssl.truststore.location"], ES_CA_FILE_IN_CONNECT);
            assert.equal(c["elastic.https.ssl.endpoint.identification.algorithm"], undefined, "hostname verification stays on");
            assert.equal(c["key.ignore"], "false");
            assert.equal(c["schema.ignore"], "false");
        });

        it("the sink's CA file is ECK's CA: copied from its Secret into the Secret the Connect pods mount", () => {
            const copy = named(plan(), SECRET, ES_CA_COPY.secret);
            assert.equal(inputsOf(copy).metadata.namespace, "kafka");
            assert.equal(inputsOf(copy).data, undefined, "no CA material in the program");
            assert.ok(copy.ignoreChanges.includes("data"), "Pulumi never resets the copied data");
            const job = named(plan(), JOB, /^es-ca-copy-[0-9a-f]{10}$/);
            const e = env(inputsOf(job).spec.template.spec.containers[0]);
            assert.equal(`${e.SOURCE_NAMESPACE}/${e.SOURCE_SECRET}:${e.SOURCE_KEY}`, `elastic/${ES_HTTP_CA_SECRET}:ca.crt`);
            assert.equal(`${e.TARGET_NAMESPACE}/${e.TARGET_SECRET}:${e.TARGET_KEY}`, `kafka/${ES_CA_COPY.secret}:${ES_CA_COPY.key}`);
            assert.equal(path.posix.basename(ES_CA_FILE_IN_CONNECT), ES_CA_COPY.key);
            // The Connect pods mount the copy where the sink's truststore points (optional: never blocking Connect).
            const connect = inputsOf(kafkaChild(plan(), "kubernetes:kafka.strimzi.io/v1:KafkaConnect", () => true)).spec;
            const vol = connect.template.pod.volumes.find((v: any) => v.secret?.secretName === ES_CA_COPY.secret);
            assert.ok(vol, "a Connect pod volume for the CA copy");
            assert.equal(vol.secret.optional, true);
            const m = connect.template.connectContainer.volumeMounts.find((x: any) => x.name === vol.name);
            assert.equal(`${m.mountPath}/${ES_CA_COPY.key}`, ES_CA_FILE_IN_CONNECT);
            const cron = named(plan(), "kubernetes:batch/v1:CronJob", "es-ca-copy");
            assert.deepEqual(inputsOf(cron).spec.jobTemplate.spec.template.spec.containers[0].env, inputsOf(job).spec.template.spec.containers[0].env);
        });

        it("connector credentials are ${secrets:...} references; the RDS password is only in Kubernetes Secrets", () => {
            const src = config(plan(), CONNECTORS.source);
            assert.equal(src["connection.user"], `\${secrets:kafka/${POSTGRES_CONNECT_SECRET}:username}`);
            assert.equal(src["connection.password"], `\${secrets:kafka/${POSTGRES_CONNECT_SECRET}:password}`);
            assert.equal(config(plan(), CONNECTORS.sink)["connection.password"], `\${secrets:elastic/${ES_SINK.userSecret}:password}`);
            for (const c of mineOf(plan(), CONNECTOR)) {
                for (const [k, v] of Object.entries(inputsOf(c).spec.config as Record<string, string>)) {
                    if (/password|user$|secret/.test(k)) assert.match(v, /^\$\{secrets:[a-z0-9-]+\/[a-z0-9-]+:[A-Za-z0-9._-]+\}$/, k);
                }
            }
            const master = one(plan(), "random:index/randomPassword:RandomPassword", "database-master");
            const pw = mockRandomStateOf(master).result;
            const holders = plan()
                .captured.filter((c) => JSON.stringify(c.rawInputs).includes(pw))
                .map((c) => c.type);
            assert.ok(holders.length > 0, "the mocked password is visible to this check");
            const allowed = new Set([SECRET, "aws:rds/instance:Instance"]);
            assert.deepEqual(
                holders.filter((t) => !allowed.has(t)),
                [],
                "the RDS password outside Secrets and RDS",
            );
            // Of the pipeline, only the admin Secret holds it, and only the table Job reads that Secret.
            const holding = mine(plan()).filter((c) => JSON.stringify(c.rawInputs).includes(pw));
            assert.deepEqual(
                holding.map((c) => inputsOf(c).metadata.name),
                [POSTGRES_LOGINS.admin.secret],
            );
            const readers = mine(plan()).filter((c) => JSON.stringify(c.rawInputs).includes(`"name":"${POSTGRES_LOGINS.admin.secret}"`) && c.type !== SECRET);
            assert.deepEqual(
                readers.map((c) => c.type),
                [JOB],
            );
            assert.match(inputsOf(readers[0]).metadata.name, /^customers-table-/);
        });

        it("streaming SparkApplication: src-customers → customers-transformed over TLS, checkpoints in the lake, restarts", () => {
            const app = asObject(named(plan(), SPARK_APP, "customers-streaming"));
            const lake = String(plan().plan.outputs.lakeBucket);
            const objects = mineOf(plan(), "aws:s3/bucketObjectv2:BucketObjectv2");
            assert.deepEqual(objects.map((o) => inputsOf(o).key).sort(), [`${STREAMING_PREFIX}/streaming_job.py`]);
            const upload = objects.filter((o) => inputsOf(o).key === `${STREAMING_PREFIX}/streaming_job.py`);
            assert.equal(inputsOf(upload[0]).bucket, lake);
            assert.equal(inputsOf(upload[0]).sourceHash, sha256(readPipelineFile("realtime/streaming_job.py")));
            assert.equal(app.metadata.namespace, "kafka");
            assert.equal(app.spec.type, "Python");
            assert.equal(app.spec.mainApplicationFile, `s3a://${lake}/${STREAMING_PREFIX}/streaming_job.py`);
            assert.deepEqual(app.spec.deps.packages, [sparkPackages.hadoopAws, sparkPackages.kafka, sparkPackages.icebergRuntime]);
            // The lake module from the kafka namespace's lake ConfigMap (test/spark-submission.test.ts).
            assert.deepEqual(app.spec.deps.pyFiles, ["local:///opt/bdok/lake/tables.py"]);
            assert.equal(app.spec.deps.files, undefined);
            assert.equal(app.spec.driver.serviceAccount, SPARK_SERVICE_ACCOUNT);
            assert.equal(app.spec.executor.serviceAccount, SPARK_SERVICE_ACCOUNT);
            const size = streamingSizing(plan().config.ha, plan().config.spark.executors);
            assert.equal(app.spec.executor.instances, size.executors);
            assert.equal(app.spec.driver.coreRequest, size.driverCoreRequest);
            assert.equal(app.spec.executor.coreRequest, size.executorCoreRequest);
            assert.equal(app.spec.driver.annotations["bdok.io/code-sha256"], inputsOf(upload[0]).sourceHash);
            const args: string[] = app.spec.arguments;
            const arg = (flag: string) => args[args.indexOf(flag) + 1];
            assert.equal(arg("--bootstrap-servers"), BOOTSTRAP_SERVERS_TLS);
            assert.equal(arg("--source-topic"), TOPICS.source);
            assert.equal(arg("--target-topic"), TOPICS.transformed);
            // Both checkpoints live under the generation every topic carries (created and deleted with them).
            const gen = topicGeneration(plan());
            assert.equal(arg("--checkpoint"), `s3a://${lake}/spark-checkpoint/${gen}/${CHECKPOINT_KEY.replace("spark-checkpoint/", "")}`);
            assert.equal(arg("--fail-on-data-loss"), String(plan().config.lake.failOnDataLoss));
            // The Iceberg sink: the stack's realtime database, its own checkpoint, the stack's commit interval.
            assert.equal(arg("--bucket"), lake);
            assert.equal(arg("--region"), plan().config.region);
            assert.equal(arg("--lake-database"), (plan().plan.outputs.icebergDatabases as any).realtime);
            assert.equal(arg("--lake-checkpoint"), `s3a://${lake}/spark-checkpoint/${gen}/customers-lake/`);
            assert.equal(arg("--commit-interval"), plan().config.lake.commitInterval);
            const options = args.filter((_, i) => args[i - 1] === "--kafka-option");
            assert.deepEqual(options.slice(0, 3), ["security.protocol=SSL", "ssl.truststore.type=PEM", `ssl.truststore.location=${KAFKA_CA_MOUNT}/ca.crt`]);
            // The keystore options (mutual TLS): platform/kafka/kafka-auth.test.ts.
            // The cluster CA is mounted where the truststore points, in the driver AND the executors.
            const volume = app.spec.volumes.find((v: any) => v.secret?.secretName === CLUSTER_CA_SECRET);
            assert.ok(volume, "the Strimzi cluster CA volume");
            for (const role of ["driver", "executor"]) {
                assert.ok(
                    app.spec[role].volumeMounts.some((m: any) => m.name === volume.name && m.mountPath === KAFKA_CA_MOUNT),
                    `${role} mounts the CA`,
                );
            }
            assert.equal(app.spec.restartPolicy.type, "Always");
            assert.ok(
                app.spec.restartPolicy.onFailureRetryInterval > 0 && app.spec.restartPolicy.onSubmissionFailureRetryInterval > 0,
                "retry intervals (the operator cannot schedule a retry without them)",
            );
        });

        it("streaming_job.py's own parse_args accepts the application's arguments (lake, database, interval), with nothing from the environment", () => {
            const app = asObject(named(plan(), SPARK_APP, "customers-streaming"));
            // The user's Secret as the pods mount it (the keystore password is read from its file).
            const mount = fs.mkdtempSync(path.join(os.tmpdir(), "kafka-user-"));
            fs.writeFileSync(path.join(mount, USER_SECRET_KEYS.password), "x");
            const args = (app.spec.arguments as string[]).map((x) => x.split(`${KAFKA_USER_MOUNT}/`).join(`${mount}/`));
            const code = [
                "import json, sys",
                "from pipelines.realtime.streaming_job import parse_args",
                "a = parse_args(json.loads(sys.argv[1]), env={})",
                "print(json.dumps({'bucket': a.bucket, 'region': a.region, 'db': a.lake_database, 'interval': a.commit_interval, 'lake': a.lake_checkpoint, 'kafka': a.checkpoint, 'failOnDataLoss': a.fail_on_data_loss}))",
            ].join("\n");
            const r = spawnSync("python3", ["-c", code, JSON.stringify(args)], {
                cwd: ROOT,
                encoding: "utf8",
                env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
            });
            fs.rmSync(mount, { recursive: true, force: true });
            assert.equal(r.status, 0, r.stderr);
            const a = JSON.parse(r.stdout);
            const lake = String(plan().plan.outputs.lakeBucket);
            assert.deepEqual(a, {
                bucket: lake,
                region: plan().config.region,
                db: (plan().plan.outputs.icebergDatabases as any).realtime,
                interval: plan().config.lake.commitInterval,
                lake: `s3a://${lake}/spark-checkpoint/${topicGeneration(plan())}/customers-lake/`,
                kafka: `s3a://${lake}/spark-checkpoint/${topicGeneration(plan())}/${CHECKPOINT_KEY.replace("spark-checkpoint/", "")}`,
                failOnDataLoss: plan().config.lake.failOnDataLoss,
            });
        });

        it("outputs customers per age band in the last hour, the query of queries.json on the stack's realtime database", () => {
            const q = queryFile().queries.customers_by_age_band_last_hour;
            assert.equal(q.table, "realtime.customers");
            const db = (plan().plan.outputs.icebergDatabases as any).realtime;
            assert.equal(plan().plan.outputs.realtimeTrinoQuery, q.sql.replace("{database}", db));
            const r = spawnSync("python3", ["-m", "pipelines.queries", "customers_by_age_band_last_hour", db], { cwd: ROOT, encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stdout.trim(), plan().plan.outputs.realtimeTrinoQuery);
        });

        it("topics: the streaming job and connectors use exactly the KafkaTopics the Kafka layer declares", () => {
            // A KafkaTopic's topic is spec.topicName, else its metadata.name (Strimzi).
            const declared = ofType(plan(), "kubernetes:kafka.strimzi.io/v1:KafkaTopic")
                .map((t) => inputsOf(t).spec.topicName ?? inputsOf(t).metadata.name)
                .sort();
            // The API producer's topic too when it is on: its DAG writes it, the streaming job's API query reads it.
            const api = plan().config.pipelines.api ? [API_TOPIC] : [];
            assert.deepEqual([...declared], [TOPICS.source, TOPICS.transformed, ...api].sort());
            assert.deepEqual([TOPICS.source, TOPICS.transformed], ["src-customers", "customers-transformed"]);
            // What each reads and writes, from its own configuration.
            const args: string[] = asObject(named(plan(), SPARK_APP, "customers-streaming")).spec.arguments;
            const arg = (flag: string) => {
                assert.equal(args.filter((a) => a === flag).length, 1, flag);
                return args[args.indexOf(flag) + 1];
            };
            const source = config(plan(), CONNECTORS.source);
            // Table mode: the JDBC source writes each table to topic.prefix + the table's name (no schema).
            const tables = source["table.whitelist"].split(",");
            assert.equal(tables.length, 1, source["table.whitelist"]);
            const jdbcTopic = `${source["topic.prefix"]}${tables[0].split(".").pop()}`;
            const sinkTopics = config(plan(), CONNECTORS.sink).topics.split(",");
            const apiDag = ofType(plan(), "kubernetes:core/v1:ConfigMap").find((c) => "api_users.json" in (inputsOf(c).data ?? {}));
            const apiWrites = apiDag ? [JSON.parse(inputsOf(apiDag).data["api_users.json"]).producer.topic] : [];
            const apiReads = args.includes("--api-topic") ? [arg("--api-topic")] : [];
            assert.deepEqual(apiReads, apiWrites, "the streaming job reads what the API producer writes");
            const used = {
                jdbcSource: [jdbcTopic],
                streamingReads: [arg("--source-topic"), ...apiReads],
                streamingWrites: [arg("--target-topic")],
                sink: sinkTopics,
                apiProducer: apiWrites,
            };
            for (const [who, topics] of Object.entries(used))
                for (const t of topics) assert.ok(declared.includes(t), `${who} uses ${t}, which no KafkaTopic declares`);
            // The pipeline: JDBC source -> streaming job -> sink, and no declared topic unused.
            assert.equal(arg("--source-topic"), jdbcTopic);
            assert.deepEqual(sinkTopics, [arg("--target-topic")]);
            assert.deepEqual([...new Set(Object.values(used).flat())].sort(), declared);
        });

        it("table Job: idempotent SQL by psql over TLS, credentials by secretKeyRef, content-named, garbage-collected", () => {
            const job = named(plan(), JOB, /^customers-table-[0-9a-f]{10}$/);
            const spec = inputsOf(job).spec;
            assert.equal(contentName("customers-table", spec), inputsOf(job).metadata.name);
            assert.ok(spec.ttlSecondsAfterFinished > 0 && spec.backoffLimit > 0);
            assert.equal(inputsOf(job).metadata.annotations["pulumi.com/replaceUnready"], "true");
            const c = spec.template.spec.containers[0];
            assert.equal(c.image, images.postgresClient);
            const e = env(c);
            assert.equal(e.PGSSLMODE, "verify-full");
            assert.equal(e.PGSSLROOTCERT, RDS_CA_FILE);
            assert.equal(e.PGHOST, rdsAddress(plan()));
            // As the master user, it creates the pipeline's roles with the passwords of their Secrets.
            assert.deepEqual(e.PGUSER, { secretKeyRef: { name: POSTGRES_LOGINS.admin.secret, key: "username" } });
            assert.deepEqual(e.PGPASSWORD, { secretKeyRef: { name: POSTGRES_LOGINS.admin.secret, key: "password" } });
            const copies = POSTGRES_LOGINS.rolePasswords;
            assert.deepEqual(e.SOURCE_PASSWORD, { secretKeyRef: { name: copies.secret, key: copies.source } });
            assert.deepEqual(e.SIMULATOR_PASSWORD, { secretKeyRef: { name: copies.secret, key: copies.simulator } });
            // The Job, its SQL and the master's login live in db-bootstrap (where no workload creates
            // pods); the copies it sets are the passwords the source and the simulator log in with.
            const ns = (r: any) => inputsOf(r).metadata.namespace;
            const secret = (n: string) => named(plan(), "kubernetes:core/v1:Secret", new RegExp(`^${n}$`));
            assert.equal(ns(job), "db-bootstrap");
            assert.equal(ns(secret(POSTGRES_LOGINS.admin.secret)), "db-bootstrap");
            assert.equal(ns(secret(copies.secret)), "db-bootstrap");
            assert.equal(inputsOf(secret(copies.secret)).stringData[copies.source], inputsOf(secret(POSTGRES_CONNECT_SECRET)).stringData.password);
            assert.equal(inputsOf(secret(copies.secret)).stringData[copies.simulator], inputsOf(secret(POSTGRES_LOGINS.simulator.secret)).stringData.password);
            const sqlMap = named(plan(), "kubernetes:core/v1:ConfigMap", /^customers-sql-/);
            const files = { "customers.sql": readPipelineFile("realtime/customers.sql"), "roles.sql": readPipelineFile("realtime/roles.sql") };
            assert.deepEqual(inputsOf(sqlMap).data, files);
            assert.equal(inputsOf(sqlMap).metadata.name, contentName("customers-sql", files));
            assert.ok(c.command.join(" ").includes(tableJobCommand(SQL_MOUNT)), "runs both files");
            assert.match(inputsOf(sqlMap).data["customers.sql"], /CREATE TABLE IF NOT EXISTS public\.customers/);
        });

        it("simulator: one pod on the Airflow image, configured rate, password by reference, sized", () => {
            const d = named(plan(), "kubernetes:apps/v1:Deployment", "customers-simulator");
            const spec = inputsOf(d).spec;
            assert.equal(spec.replicas, 1);
            assert.equal(spec.strategy.type, "Recreate");
            const c = spec.template.spec.containers[0];
            assert.equal(c.image, images.airflow);
            const e = env(c);
            assert.equal(Number(e.SIM_ROWS_PER_SECOND), plan().config.pipelines.simulatorRowsPerSecond);
            // Its own role (INSERT only), not the master user.
            assert.deepEqual(e.PGUSER, { secretKeyRef: { name: POSTGRES_LOGINS.simulator.secret, key: "username" } });
            assert.deepEqual(e.PGPASSWORD, { secretKeyRef: { name: POSTGRES_LOGINS.simulator.secret, key: "password" } });
            const login = mine(plan()).find((x) => x.type === SECRET && inputsOf(x).metadata.name === POSTGRES_LOGINS.simulator.secret)!;
            assert.equal(inputsOf(login).stringData.username, POSTGRES_LOGINS.simulator.role);
            assert.equal(login.inputs.stringData, "[secret]");
            assert.equal(e.PGSSLMODE, "verify-full");
            assert.equal(e.PGSSLROOTCERT, RDS_CA_FILE);
            for (const k of ["requests", "limits"]) assert.ok(c.resources[k].cpu && c.resources[k].memory, k);
            assert.equal(spec.template.metadata.annotations["bdok.io/script-sha256"], sha256(readPipelineFile("realtime/simulator.py")));
        });

        it("Kibana data view Job: in elastic, https with Kibana's CA, its own login by reference", () => {
            const job = named(plan(), JOB, /^kibana-data-view-[0-9a-f]{10}$/);
            assert.equal(inputsOf(job).metadata.namespace, "elastic");
            const pod = inputsOf(job).spec.template.spec;
            const c = pod.containers[0];
            const e = env(c);
            assert.equal(e.KIBANA_URL, KIBANA_URL);
            assert.match(e.KIBANA_URL, /^https:\/\//);
            assert.deepEqual(e.ES_USERNAME, { secretKeyRef: { name: KIBANA_DATA_VIEW_USER.userSecret, key: "username" } });
            assert.deepEqual(e.ES_PASSWORD, { secretKeyRef: { name: KIBANA_DATA_VIEW_USER.userSecret, key: "password" } });
            assert.ok(!JSON.stringify(pod).includes(ES_ELASTIC_USER_SECRET), "never the elastic superuser's Secret");
            const caVolume = pod.volumes.find((v: any) => v.secret?.secretName === KIBANA_HTTP_CA_SECRET);
            const mount = c.volumeMounts.find((m: any) => m.name === caVolume.name);
            assert.equal(e.KIBANA_CA_FILE, `${mount.mountPath}/ca.crt`);
            assert.deepEqual(caVolume.secret.items, [{ key: "ca.crt", path: "ca.crt" }]);
        });

        it("waits for what each piece needs, and nothing unrelated", () => {
            const connect = kafkaChild(plan(), "kubernetes:kafka.strimzi.io/v1:KafkaConnect", () => true);
            // The JDBC source's login is the pipeline's own Secret, in the kafka namespace.
            const pg = descendants(plan(), one(plan(), "bdok:pipelines:RealtimePipeline").urn).find(
                (c) => c.type === SECRET && inputsOf(c).metadata?.name === POSTGRES_CONNECT_SECRET,
            )!;
            assert.ok(pg, "the realtime pipeline owns the JDBC source's Secret");
            const topics = ofType(plan(), "kubernetes:kafka.strimzi.io/v1:KafkaTopic");
            const sparkRelease = descendants(plan(), one(plan(), "bdok:platform:SparkOperator").urn).find((c) => c.type === "kubernetes:helm.sh/v3:Release")!;
            const es = elasticChild(plan(), "Elasticsearch");
            const kibana = elasticChild(plan(), "Kibana");
            const table = named(plan(), JOB, /^customers-table-/);
            const copyJob = named(plan(), JOB, /^es-ca-copy-/);
            const kibanaJob = named(plan(), JOB, /^kibana-data-view-/);
            const source = named(plan(), CONNECTOR, CONNECTORS.source);
            const sink = named(plan(), CONNECTOR, CONNECTORS.sink);
            const streaming = named(plan(), SPARK_APP, "customers-streaming");
            const simulator = named(plan(), "kubernetes:apps/v1:Deployment", "customers-simulator");

            assert.ok(dependsOn(plan(), table, pg), "table Job ← RDS credentials Secret");
            assert.ok(dependsOn(plan(), simulator, table), "simulator ← table");
            assert.ok(dependsOn(plan(), source, connect) && dependsOn(plan(), source, table), "JDBC source ← Connect, table");
            assert.ok(
                dependsOn(plan(), sink, connect) && dependsOn(plan(), sink, copyJob) && dependsOn(plan(), sink, es),
                "ES sink ← Connect, CA copy, Elasticsearch",
            );
            assert.ok(dependsOn(plan(), streaming, sparkRelease), "streaming ← Spark operator");
            for (const t of topics) assert.ok(dependsOn(plan(), streaming, t), `streaming ← topic ${inputsOf(t).metadata.name}`);
            assert.ok(dependsOn(plan(), kibanaJob, kibana), "data view ← Kibana");
            for (const n of [KIBANA_DATA_VIEW_USER.userSecret, KIBANA_DATA_VIEW_USER.rolesSecret])
                assert.ok(dependsOn(plan(), kibanaJob, named(plan(), SECRET, n)), `data view ← its login ${n}`);
            assert.ok(dependsOn(plan(), copyJob, es), "CA copy ← Elasticsearch");

            assert.ok(!dependsOn(plan(), streaming, connect), "the streaming job does not wait for the Connect build");
            assert.ok(!dependsOn(plan(), table, connect), "the table does not wait for Connect");
            assert.ok(!dependsOn(plan(), kibanaJob, connect) && !dependsOn(plan(), kibanaJob, table), "the data view waits for Kibana only");
            assert.ok(!dependsOn(plan(), source, es), "the source does not wait for Elasticsearch");
            // Jobs must be able to finish: every one has a deadline and a retry budget.
            for (const j of [table, copyJob, kibanaJob]) {
                const s = inputsOf(j).spec;
                assert.ok(s.activeDeadlineSeconds > 0 && s.backoffLimit > 0 && s.ttlSecondsAfterFinished > 0, j.name);
                assert.ok(byUrn(plan(), j.urn), j.name);
            }
        });
    },
);
