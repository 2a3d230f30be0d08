// The realtime pipeline's pure builders, without a plan: Jobs, connectors, the streaming application.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ES_HTTP_CA_SECRET } from "../../platform/elastic/values";
import { TOPICS } from "../../platform/kafka/values";
import { connectSecretMountTemplate } from "../../platform/kafka/specs";
import { contentName } from "../../lib/hash";
import { CHECKPOINT_KEY, checkpointUnder, ES_CA_COPY, esCaConnectMount, STREAMING_PREFIX } from "./values";
import { caSourceRules, caTargetRules, simulatorDeploymentSpec, tableJobSpec } from "./jobs";
import { jdbcSourceConnector } from "./connectors";
import { streamingSparkApplication, streamingUpload } from "./streaming";
import { images } from "../../versions";
import { planOf } from "../../test/support";

function env(container: any): Record<string, any> {
    return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

describe("Pipelines: realtime (pure builders)", () => {
    it("names the table Job after its content, so new SQL re-runs it and the same SQL does not", () => {
        const a = tableJobSpec({ host: "h", port: 5432, image: images.postgresClient, sqlConfigMap: contentName("customers-sql", "CREATE 1"), ha: false });
        const b = tableJobSpec({ host: "h", port: 5432, image: images.postgresClient, sqlConfigMap: contentName("customers-sql", "CREATE 2"), ha: false });
        const a2 = tableJobSpec({ host: "h", port: 5432, image: images.postgresClient, sqlConfigMap: contentName("customers-sql", "CREATE 1"), ha: false });
        assert.notEqual(contentName("customers-table", a), contentName("customers-table", b));
        assert.equal(contentName("customers-table", a), contentName("customers-table", a2));
        assert.match(contentName("customers-table", a), /^customers-table-[0-9a-f]{10}$/);
        // Key order does not matter, content does.
        assert.equal(contentName("x", { a: 1, b: 2 }), contentName("x", { b: 2, a: 1 }));
    });

    it("the streaming job's upload hash follows its content and the spec carries it", async () => {
        const run = await planOf("dev");
        const one1 = streamingUpload(() => "v1");
        const two = streamingUpload(() => "v2");
        assert.notEqual(one1.sourceHash, two.sourceHash);
        assert.equal(one1.key, `${STREAMING_PREFIX}/streaming_job.py`);
        const app1 = streamingSparkApplication({ lakeBucket: "l", lakeDatabase: "d", topicGeneration: "0a1b", config: run.config, codeHash: one1.sourceHash });
        const app2 = streamingSparkApplication({ lakeBucket: "l", lakeDatabase: "d", topicGeneration: "0a1b", config: run.config, codeHash: two.sourceHash });
        // A spec change makes the operator invalidate and resubmit the running application.
        assert.notDeepEqual(app1.spec, app2.spec);
    });

    it("puts both checkpoints under the topics' generation: new topics, new (empty) checkpoints", async () => {
        const run = await planOf("dev");
        const args = (gen: string, failOnDataLoss = false) => {
            const a = streamingSparkApplication({
                lakeBucket: "l",
                lakeDatabase: "d",
                topicGeneration: gen,
                config: { ...run.config, lake: { ...run.config.lake, failOnDataLoss } },
                codeHash: "h",
            }).spec.arguments as string[];
            return (flag: string) => a[a.indexOf(flag) + 1];
        };
        const [g1, g2] = [args("0a1b2c3d"), args("99887766")];
        for (const flag of ["--checkpoint", "--lake-checkpoint"]) {
            assert.match(g1(flag), /^s3a:\/\/l\/spark-checkpoint\/0a1b2c3d\/[a-z-]+\/$/, flag);
            assert.notEqual(g1(flag), g2(flag), `${flag}: a new generation, a new checkpoint`);
        }
        assert.notEqual(g1("--checkpoint"), g1("--lake-checkpoint"), "each query its own checkpoint");
        // The stated policy reaches Spark's Kafka source, both ways.
        assert.equal(g1("--fail-on-data-loss"), "false");
        assert.equal(args("0a1b2c3d", true)("--fail-on-data-loss"), "true");
        assert.throws(() => checkpointUnder("../x", CHECKPOINT_KEY), /topic generation "\.\.\/x": allowed: a hex id/);
        assert.throws(() => checkpointUnder("0a", "warehouse/x/"), /allowed: a key under spark-checkpoint\//);
    });

    it("the JDBC source's table and prefix make exactly the topic src-customers", () => {
        const c = jdbcSourceConnector("db", 5432).spec.config;
        assert.equal(`${c["topic.prefix"]}${c["table.whitelist"].split(".").pop()}`, TOPICS.source);
        assert.equal(c.query, undefined, "query mode does not combine with table.whitelist");
    });

    it("the JDBC source keys each record by the table's primary key and polls 5 s short of now", () => {
        const c = jdbcSourceConnector("db", 5432).spec.config;
        const sql = fs.readFileSync(path.join(__dirname, "customers.sql"), "utf8");
        const pk = /^\s*(\w+)\s+\w+\s+PRIMARY KEY/m.exec(sql)![1];
        // ValueToKey copies the column into a struct key, ExtractField$Key keeps the bare value: every
        // version of a row hashes to one partition and stays in order.
        const chain = c.transforms.split(",").map((t: string) => ({ type: c[`transforms.${t}.type`], t }));
        assert.deepEqual(
            chain.map((x: { type: string }) => x.type),
            ["org.apache.kafka.connect.transforms.ValueToKey", "org.apache.kafka.connect.transforms.ExtractField$Key"],
        );
        assert.equal(c[`transforms.${chain[0].t}.fields`], pk);
        assert.equal(c[`transforms.${chain[1].t}.field`], pk);
        assert.ok(Number(c["timestamp.delay.interval.ms"]) > 0, "rows committed late behind now() are still read");
    });

    it("the simulator's rate comes from the configuration", () => {
        const spec = simulatorDeploymentSpec({
            host: "h",
            port: 5432,
            image: images.airflow,
            scriptConfigMap: "s",
            rowsPerSecond: 2.5,
            scriptHash: "x",
            ha: false,
        });
        assert.equal(env(spec.template.spec.containers[0]).SIM_ROWS_PER_SECOND, "2.5");
    });

    it("Connect mounts extra Secrets only under /mnt/, optionally, and nothing without them", () => {
        assert.deepEqual(connectSecretMountTemplate([]), { pod: {}, container: {} });
        const t = connectSecretMountTemplate([esCaConnectMount()]);
        assert.deepEqual(t.pod.volumes, [{ name: ES_CA_COPY.connectVolume, secret: { secretName: ES_CA_COPY.secret, optional: true } }]);
        assert.throws(() => connectSecretMountTemplate([{ volume: "x", secretName: "y", mountPath: "/etc/x" }]), /under \/mnt\//);
    });

    it("the CA copy may read ECK's CA Secret and patch its copy, nothing else", () => {
        assert.deepEqual(caSourceRules(), [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: [ES_HTTP_CA_SECRET] }]);
        assert.deepEqual(caTargetRules(), [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "patch"], resourceNames: [ES_CA_COPY.secret] }]);
    });
});
