import { strict as assert } from "assert";
import * as YAML from "yaml";
import { EVENT_LOG_RETENTION_DAYS, eventLogConf, eventLogDir, SPARK_EVENTS_PREFIX } from "./events";
import { HISTORY_NAME, HISTORY_PORT, HISTORY_SERVICE_ACCOUNT, historyDeploymentSpec, historyProperties, propertiesText } from "./specs";
import { historyPolicy } from "./iam";
import { SPARK_METRICS_PATHS } from "../spark-operator/specs";
import type { PlanRun } from "../../tools/harness";
import { images, sparkHistoryJars } from "../../versions";
import { describeEachStack, inputsOf, ofType, one, planWith, transitiveDeps, EXPOSURES, exposedService, PUBLIC_EXPOSURE_SETTINGS } from "../../test/support";
import { s3Allowed } from "../../test/iam-eval";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SPARK_APP = "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication";

/** Every SparkApplication the plan submits: the DAG folder's templates (Airflow ConfigMap) and the program's own. */
function sparkApplications(run: PlanRun): { name: string; sparkConf: Record<string, string> }[] {
    const declared = ofType(run, SPARK_APP).map((r) => ({ name: r.name, sparkConf: inputsOf(r).spec.sparkConf }));
    const templates = ofType(run, "kubernetes:core/v1:ConfigMap").flatMap((c) =>
        Object.entries((inputsOf(c).data ?? {}) as Record<string, string>)
            .filter(([k, v]) => k.endsWith(".yaml") && v.includes("kind: SparkApplication"))
            .map(([k, v]) => ({ name: k, sparkConf: YAML.parse(v).spec.sparkConf })),
    );
    return [...declared, ...templates];
}

describe("Platform: Spark History Server and the event logs", () => {
    describe("pure builders", () => {
        it("names the event-log directory under the lake's spark-events/ prefix and refuses a path for a bucket", () => {
            assert.equal(eventLogDir("bdok-dev-lake-1"), "s3a://bdok-dev-lake-1/spark-events");
            assert.equal(SPARK_EVENTS_PREFIX, "spark-events/");
            for (const bad of ["", "a/b", "s3a://x", "Lake"]) assert.throws(() => eventLogDir(bad), /not an S3 bucket name/, bad);
            const conf = eventLogConf("lake");
            assert.equal(conf["spark.eventLog.enabled"], "true");
            assert.equal(conf["spark.eventLog.rolling.enabled"], "true");
        });

        it("reads the same directory the jobs write, with S3A through Pod Identity and no cleaner (read-only role)", () => {
            const props = historyProperties("lake", "eu-west-1");
            assert.equal(props["spark.history.fs.logDirectory"], eventLogConf("lake")["spark.eventLog.dir"]);
            assert.equal(props["spark.history.fs.cleaner.enabled"], "false");
            assert.equal(props["spark.hadoop.fs.s3a.aws.credentials.provider"], "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider");
            assert.equal(props["spark.hadoop.fs.s3a.endpoint.region"], "eu-west-1");
            assert.ok(!("spark.jars.ivy" in props));
            assert.match(propertiesText(props), /^spark\.history\.fs\.logDirectory=s3a:\/\/lake\/spark-events$/m);
            assert.throws(() => propertiesText({ "a b": "x" }), /would need escaping/);
        });

        it("runs the pinned Spark image as its non-root user on the system group, with verified jars and a heap under its limit", () => {
            for (const ha of [false, true]) {
                const spec = historyDeploymentSpec({ configMap: "cm", systemGroup: "system", ha });
                const pod = spec.template.spec;
                assert.equal(pod.serviceAccountName, HISTORY_SERVICE_ACCOUNT);
                assert.deepEqual(pod.nodeSelector, { "bdok/node-group": "system" });
                assert.ok(!("tolerations" in pod), "no pool toleration: never on a consolidated node");
                assert.equal(pod.securityContext.runAsNonRoot, true);
                const [init] = pod.initContainers;
                const [server] = pod.containers;
                for (const c of [init, server]) {
                    assert.equal(c.image, images.spark);
                    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
                    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
                }
                assert.deepEqual(JSON.parse(init.env[0].value), Object.values(sparkHistoryJars));
                for (const j of Object.values(sparkHistoryJars)) assert.match(j.sha256, /^[0-9a-f]{64}$/);
                assert.equal(server.ports[0].containerPort, HISTORY_PORT);
                const heapMiB = parseInt(server.env.find((e) => e.name === "SPARK_DAEMON_MEMORY")!.value, 10);
                const limitMiB = parseInt(server.resources.limits.memory, 10) * (server.resources.limits.memory.endsWith("Gi") ? 1024 : 1);
                // The JVM's heap plus its metaspace, threads and code cache (about 200 MiB here) fit the limit.
                assert.ok(heapMiB + 200 <= limitMiB, `heap ${heapMiB} MiB, limit ${limitMiB} MiB`);
            }
        });

        it("gives the server read on spark-events/ only: no write, no delete, no other prefix's contents", () => {
            const doc = historyPolicy("arn:aws:s3:::lake");
            const ok = (c: Parameters<typeof s3Allowed>[2]) => s3Allowed(doc, "lake", c);
            assert.ok(ok({ op: "ListObjectsV2", prefix: "spark-events/" }));
            // getFileStatus of the directory itself (the server's first scan): HEAD of its bare key.
            assert.ok(ok({ op: "HeadObject", key: "spark-events", missing: true }));
            assert.ok(ok({ op: "HeadObject", key: "spark-events/eventlog_v2_a/appstatus_a", missing: true }));
            assert.ok(ok({ op: "GetObject", key: "spark-events/eventlog_v2_a/events_1_a.zstd" }));
            for (const c of [
                { op: "PutObject", key: "spark-events/x" },
                { op: "DeleteObject", key: "spark-events/x" },
                { op: "GetObject", key: "warehouse/x" },
                { op: "GetObject", key: "spark-eventsX/x" },
            ] as const)
                assert.ok(!ok(c), JSON.stringify(c));
        });

        it("the contract with the monitoring stack: the driver's Prometheus paths", () => {
            assert.deepEqual(SPARK_METRICS_PATHS, { driver: "/metrics/prometheus/", executors: "/metrics/executors/prometheus" });
        });
    });

    describeEachStack(
        (stack) => `plan of stack ${stack}`,
        (plan) => {
            it("every SparkApplication (batch, maintenance, streaming) logs its events to the lake's spark-events/ and serves Prometheus", () => {
                const bucket = String(plan().plan.outputs.lakeBucket);
                const apps = sparkApplications(plan());
                assert.ok(apps.length >= 1, "the plan has SparkApplications");
                for (const a of apps) {
                    assert.equal(a.sparkConf["spark.eventLog.enabled"], "true", a.name);
                    assert.equal(a.sparkConf["spark.eventLog.dir"], `s3a://${bucket}/spark-events`, a.name);
                    assert.equal(a.sparkConf["spark.ui.prometheus.enabled"], "true", a.name);
                    assert.equal(a.sparkConf["spark.metrics.conf.*.sink.prometheusServlet.class"], "org.apache.spark.metrics.sink.PrometheusServlet", a.name);
                    assert.equal(a.sparkConf["spark.metrics.conf.*.sink.prometheusServlet.path"], "/metrics/prometheus/", a.name);
                }
            });

            it("the lake has the spark-events/ folder both sides need to exist, and expires old event logs", () => {
                const folder = ofType(plan(), "aws:s3/bucketObjectv2:BucketObjectv2").find((o) => inputsOf(o).key === SPARK_EVENTS_PREFIX);
                assert.ok(folder, "a spark-events/ folder object");
                const lifecycle = inputsOf(one(plan(), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "datalake-lake"));
                const rule = lifecycle.rules.find((r: any) => r.filter?.prefix === SPARK_EVENTS_PREFIX);
                assert.ok(rule && rule.status === "Enabled" && rule.expiration.days === EVENT_LOG_RETENTION_DAYS, JSON.stringify(lifecycle.rules));
            });

            it("runs one History Server on the system group, after its role and the cluster's readiness barrier, and outputs how to open it", () => {
                const run = plan();
                const dep = one(run, DEPLOYMENT, "spark-history");
                assert.equal(inputsOf(dep).metadata.namespace, "spark-operator");
                const deps = transitiveDeps(run, dep.urn);
                const assoc = ofType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation").find(
                    (a) => inputsOf(a).serviceAccount === HISTORY_SERVICE_ACCOUNT,
                );
                assert.ok(assoc && inputsOf(assoc).namespace === "spark-operator", "a Pod Identity association for its account");
                assert.ok(deps.has(assoc!.urn), "the pod starts with its role associated");
                assert.ok(
                    ofType(run, "eks:index:ManagedNodeGroup").every((g) => deps.has(g.urn)),
                    "waits for the node groups",
                );
                assert.match(String(run.plan.outputs.sparkHistoryPortForward), new RegExp(`port-forward svc/${HISTORY_NAME} ${HISTORY_PORT}`));
            });
        },
    );

    it("is off with bdok:sparkHistoryServer false: no Deployment, role or output; the jobs still log their events", async () => {
        const run = await planWith("dev", { "bdok:sparkHistoryServer": "false" });
        assert.equal(ofType(run, DEPLOYMENT).filter((d) => d.name === "spark-history").length, 0);
        assert.ok(!ofType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation").some((a) => inputsOf(a).serviceAccount === HISTORY_SERVICE_ACCOUNT));
        assert.ok(!("sparkHistoryPortForward" in run.plan.outputs));
        assert.ok(sparkApplications(run).every((a) => a.sparkConf["spark.eventLog.enabled"] === "true"));
    });

    for (const exposure of EXPOSURES) {
        it(`exposure ${exposure}: the Service is exposed like the other UIs`, async () => {
            const run = await planWith("dev", {
                "bdok:exposure": exposure,
                ...(exposure === "publicLoadBalancer" ? PUBLIC_EXPOSURE_SETTINGS : {}),
            });
            const svc = inputsOf(one(run, "kubernetes:core/v1:Service", "spark-history"));
            // TLS at the NLB on HTTPS's port when a certificate is given, as Airflow's and Grafana's.
            const tls = exposure !== "clusterIp" && Boolean(run.config.loadBalancerCertificateArn);
            const port = tls ? 443 : HISTORY_PORT;
            const want = exposedService(exposure, run.config, [port]);
            assert.equal(svc.spec.type, want.type);
            assert.deepEqual(svc.metadata.annotations ?? {}, want.annotations);
            assert.deepEqual(
                svc.spec.ports.map((p: { port: number; targetPort: string }) => [p.port, p.targetPort]),
                [[port, "http"]],
            );
            // kubectl port-forward names a Service port; the pod still answers plain HTTP.
            assert.match(String(run.plan.outputs.sparkHistoryPortForward), new RegExp(`svc/${HISTORY_NAME} ${HISTORY_PORT}:${port} `));
        });
    }
});
