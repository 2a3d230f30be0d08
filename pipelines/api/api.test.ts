// The API producer's builders and its place in the plan: the DAG folder, its KafkaUser, the
// streaming job's third query, the certificate copy, and the config rule that ties it to realtime.
import { strict as assert } from "assert";
import { CLUSTER_CA_SECRET } from "../../platform/kafka/values";
import { USER_SECRET_KEYS } from "../../platform/kafka/users";
import { parseConfig } from "../../config";
import { rbacAllows, inputsOf, ofType, planOf, planWith, STACKS } from "../../test/support";
import { validateCustomResource } from "../../tools/schemas";
import {
    API_CHECKPOINT_KEY,
    API_KAFKA_COPY,
    API_POD_LABEL,
    API_TOPIC,
    API_USER,
    apiCopyJobSpec,
    apiCopySourceRules,
    apiCopyTargetRules,
    apiDagFiles,
    apiSettings,
} from "./specs";
import { streamingAcls, streamingArguments } from "../realtime/streaming";
import { checkpointUnder } from "../realtime/values";
import { readPipelineFile } from "../files";
import { estimate } from "../../tools/estimate";
import { recurringTaskPod } from "../../tools/estimate/objects";

const env = (c: any) => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value]));

describe("Pipelines: API producer (builders)", () => {
    it("the DAG folder gets the DAG, its module, the pinned requirements and the settings the module reads", () => {
        const files = apiDagFiles("https://randomuser.me/api/?results=10");
        assert.deepEqual(Object.keys(files).sort(), ["api_producer.py", "api_requirements.txt", "api_users.json", "api_users.py"]);
        assert.equal(files["api_producer.py"], readPipelineFile("api/api_producer.py"));
        const settings = JSON.parse(files["api_users.json"]);
        // api_producer.Settings' fields, no more, no fewer (load_settings refuses unknown keys).
        const fields = [...readPipelineFile("api/api_producer.py").matchAll(/^ {4}(\w+): (?:str|float|int)\b/gm)].map((m) => m[1]);
        assert.deepEqual(Object.keys(settings.producer).sort(), [...fields].sort());
        assert.equal(settings.producer.url, "https://randomuser.me/api/?results=10");
        assert.equal(settings.producer.topic, API_TOPIC);
        // The client files are the copied Secret's keys, under the task pod's mount.
        assert.deepEqual(
            [settings.producer.ca_file, settings.producer.cert_file, settings.producer.key_file],
            ["ca.crt", USER_SECRET_KEYS.certificate, USER_SECRET_KEYS.key].map((k) => `${API_KAFKA_COPY.mount}/${k}`),
        );
        assert.deepEqual(settings.pod, {
            secret: API_KAFKA_COPY.secret,
            mount: API_KAFKA_COPY.mount,
            labels: API_POD_LABEL,
            resources: { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
            recurring: { everyMinutes: 10, pool: "workloads" },
        });
    });

    it("the copy Job fills exactly the keys the settings point at, from the user's and the cluster CA's Secrets", () => {
        const spec = apiCopyJobSpec({ image: "apache/airflow:3.1.7", scriptConfigMap: "s" });
        const pod = spec.template.spec;
        const copies = [...pod.initContainers, ...pod.containers].map((c) => env(c));
        assert.deepEqual(
            copies.map((e) => [e.SOURCE_NAMESPACE, e.SOURCE_SECRET, e.SOURCE_KEY, e.TARGET_NAMESPACE, e.TARGET_SECRET]),
            [
                ["kafka", API_USER, "user.crt,user.key", "airflow", API_KAFKA_COPY.secret],
                ["kafka", CLUSTER_CA_SECRET, "ca.crt", "airflow", API_KAFKA_COPY.secret],
            ],
        );
        const keys = copies.flatMap((e) => e.SOURCE_KEY.split(","));
        const s = apiSettings("https://x.example/").producer;
        assert.deepEqual([s.ca_file, s.cert_file, s.key_file].map((f) => f.split("/").pop()).sort(), keys.sort());
        // Read both sources, update the copy; nothing more.
        assert.ok(rbacAllows(apiCopySourceRules(), "", "secrets", "get", API_USER));
        assert.ok(rbacAllows(apiCopySourceRules(), "", "secrets", "get", CLUSTER_CA_SECRET));
        assert.ok(!rbacAllows(apiCopySourceRules(), "", "secrets", "get", "customers-streaming"));
        assert.ok(!rbacAllows(apiCopySourceRules(), "", "secrets", "list"));
        assert.ok(rbacAllows(apiCopyTargetRules(), "", "secrets", "patch", API_KAFKA_COPY.secret));
        assert.ok(!rbacAllows(apiCopyTargetRules(), "", "secrets", "create"));
    });

    it("the streaming job reads the API topic and runs the API query only when the producer is on", () => {
        const lake = { bucket: "b", region: "r", database: "d", commitInterval: "60 seconds", topicGeneration: "0a1b2c3d", failOnDataLoss: false };
        assert.ok(!streamingArguments(lake).includes("--api-topic"));
        assert.ok(!JSON.stringify(streamingAcls()).includes(API_TOPIC));
        const args = streamingArguments({ ...lake, api: { topic: API_TOPIC, checkpointKey: API_CHECKPOINT_KEY } });
        assert.equal(args[args.indexOf("--api-topic") + 1], API_TOPIC);
        assert.equal(args[args.indexOf("--api-checkpoint") + 1], `s3a://b/${checkpointUnder("0a1b2c3d", API_CHECKPOINT_KEY)}`);
        assert.deepEqual(
            streamingAcls(API_TOPIC).filter((a) => a.resource.name === API_TOPIC),
            [{ resource: { type: "topic", name: API_TOPIC, patternType: "literal" }, operations: ["Read", "Describe"], host: "*" }],
        );
    });
});

describe("Pipelines: API producer (config)", () => {
    const base = { "aws:region": "us-east-1", "bdok:nodeGroups": { system: { instanceTypes: ["m7g.xlarge"], minSize: 1, desiredSize: 1, maxSize: 1 } } };
    const cases: Array<[string, Record<string, unknown>, RegExp | undefined]> = [
        ["off by default", {}, undefined],
        ["on with realtime", { "bdok:pipelines": { api: true } }, undefined],
        ["on without realtime", { "bdok:pipelines": { api: true, realtime: false } }, /pipelines\.api: got true with pipelines\.realtime false/],
        ["a plain http URL", { "bdok:pipelines": { apiUrl: "http://randomuser.me/api/" } }, /pipelines\.apiUrl/],
        ["a URL with credentials", { "bdok:pipelines": { apiUrl: "https://user:pw@randomuser.me/api/" } }, /pipelines\.apiUrl/],
        ["a URL with a quote", { "bdok:pipelines": { apiUrl: 'https://randomuser.me/api/?x="1"' } }, /pipelines\.apiUrl/],
        ["a URL with a port and query", { "bdok:pipelines": { apiUrl: "https://api.example.org:8443/users?results=5&nat=no" } }, undefined],
    ];
    for (const [what, extra, problem] of cases) {
        it(what, () => {
            const parse = () => parseConfig({ ...base, ...extra }, "t1");
            if (problem) assert.throws(parse, problem);
            else assert.doesNotThrow(parse);
        });
    }
    it("defaults: off, randomuser.me", () => {
        const cfg = parseConfig(base, "t1");
        assert.equal(cfg.pipelines.api, false);
        assert.equal(cfg.pipelines.apiUrl, "https://randomuser.me/api/?results=10");
    });
});

for (const stack of STACKS) {
    describe(`Pipelines: API producer in the ${stack} plan`, () => {
        it("its DAG in Airflow's folder, its topic, its user allowed to write that topic only, the streaming job reading it", async function () {
            this.timeout(300_000);
            const run = await planOf(stack);
            if (!run.config.pipelines.api) this.skip();
            const dagMap = ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => "api_users.py" in (inputsOf(c).data ?? {}));
            assert.ok(dagMap, "the DAG folder holds api_users.py");
            const settings = JSON.parse(inputsOf(dagMap).data["api_users.json"]);
            assert.equal(settings.producer.url, run.config.pipelines.apiUrl);
            const topics = ofType(run, "kubernetes:kafka.strimzi.io/v1:KafkaTopic").map((t) => inputsOf(t).spec.topicName ?? inputsOf(t).metadata.name);
            assert.ok(topics.includes(API_TOPIC));
            const users = new Map<string, any>(ofType(run, "kubernetes:kafka.strimzi.io/v1:KafkaUser").map((u) => [inputsOf(u).metadata.name, inputsOf(u)]));
            const user = users.get(API_USER);
            assert.deepEqual(user.spec.authentication, { type: "tls" });
            assert.deepEqual(user.spec.authorization.acls, [
                { resource: { type: "topic", name: API_TOPIC, patternType: "literal" }, operations: ["Write", "Describe"], host: "*" },
            ]);
            assert.deepEqual(validateCustomResource(user), []);
            // Nobody else writes the API topic.
            for (const [name, u] of users) {
                if (name === API_USER) continue;
                const writes = u.spec.authorization.acls.filter((a: any) => a.resource.name === API_TOPIC && a.operations.includes("Write"));
                assert.deepEqual(writes, [], `${name} writes ${API_TOPIC}`);
            }
            const [app] = ofType(run, "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication");
            const args: string[] = inputsOf(app).spec.arguments;
            assert.equal(args[args.indexOf("--api-topic") + 1], API_TOPIC);
            // The certificate's copy exists empty in the airflow namespace; the Job fills it.
            const copy = ofType(run, "kubernetes:core/v1:Secret").find((s) => inputsOf(s).metadata.name === API_KAFKA_COPY.secret);
            assert.ok(copy);
            assert.equal(inputsOf(copy).metadata.namespace, "airflow");
            assert.equal(inputsOf(copy).data, undefined);
        });
    });
}

describe("Pipelines: API producer in the estimate", () => {
    it("its recurring task pod is idle demand on the workloads pool, at its pod_override's requests", async function () {
        this.timeout(300_000);
        const run = await planOf("dev");
        const settings = JSON.stringify(apiSettings("https://x.example/"));
        assert.deepEqual(recurringTaskPod(settings), {
            requests: { cpuMillis: 50, memoryMiB: 256 },
            pool: "workloads",
            note: "recurring task pod, every 10 min: counted at idle",
        });
        for (const bad of ["{}", "not json", JSON.stringify({ pod: { resources: {}, recurring: { everyMinutes: 10, pool: "workloads" } } })])
            assert.equal(recurringTaskPod(bad), undefined, bad);
        const idle = estimate(run).karpenter!.idle.nodes;
        const node = idle.find((n: any) => n.pods.some((p: string) => p.endsWith("data.api_users.json")));
        assert.ok(node, "an idle node holds the API producer's task pod");
        assert.equal(node.pool, "workloads");
    });
});

describe("Pipelines: API producer off", () => {
    it("leaves no DAG, topic, user, copy or egress policy, and no --api-topic", async function () {
        this.timeout(300_000);
        const run = await planWith("dev", { "bdok:pipelines": { batch: true, realtime: true, api: false } });
        const text = JSON.stringify(run.captured.map((c) => [c.type, c.name, inputsOf(c)]));
        for (const needle of ["api_users.py", API_USER, API_KAFKA_COPY.secret, "api-producer-egress", "--api-topic", `"${API_TOPIC}"`]) {
            assert.ok(!text.includes(needle), `${needle} left behind`);
        }
        assert.deepEqual(
            run.captured.filter((c) => c.name.startsWith("api-producer")).map((c) => c.name),
            [],
        );
    });
});
