import { strict as assert } from "assert";
import { AIRFLOW_WORKER_SERVICE_ACCOUNT, SPARK_JOB_NAMESPACES, SPARK_SERVICE_ACCOUNT } from "./values";
import { poolPlacement, sparkApplicationSpec } from "./specs";
import { podPlacement } from "../karpenter/nodepools";
import type { RbacRule } from "../k8s/objects";
import { sparkPodPolicy } from "./iam";
import { Captured, PlanRun } from "../../tools/harness";
import { MOCK_ACCOUNT } from "../../tools/mocks";
import { chartDefaults, unknownValuesKeys, validateCustomResource } from "../../tools/schemas";
import { apiVersions, apps, crdManifests, images, sparkPackages } from "../../versions";
import { helmTemplate, parseManifest } from "../../tools/helm";
import { memoryMiB, storageGiB } from "../../lib/quantities";
import {
    CRD_GROUP,
    crdGroupUrls,
    byUrn,
    descendants,
    inputsOf,
    ofType,
    one,
    transitiveDeps,
    assertPinnedRelease,
    describeEachStack,
    rbacAllows,
    stackSetting,
} from "../../test/support";

const RELEASE = "kubernetes:helm.sh/v3:Release";

function sparkComponent(run: PlanRun): Captured {
    return one(run, "bdok:platform:SparkOperator");
}

function sparkRelease(run: PlanRun): Captured {
    const rels = descendants(run, sparkComponent(run).urn).filter((r) => r.type === RELEASE);
    assert.equal(rels.length, 1, "one spark-operator release");
    return rels[0];
}

/** The lake bucket's ARN as the DataLake's own TLS-only bucket policy names it. */
function lakeArn(run: PlanRun): string {
    const policy = JSON.parse(inputsOf(one(run, "aws:s3/bucketPolicy:BucketPolicy", "datalake-lake")).policy);
    return policy.Statement[0].Resource[0];
}

const base = {
    name: "imdb-bronze",
    namespace: "airflow" as const,
    mainApplicationFile: "s3a://lake/spark-jobs/imdb_bronze.py",
    lakeBucket: "lake",
    arguments: ["--bucket", "lake"],
    sizing: { executors: 2, executorMemory: "2g" },
    region: "us-east-1",
};

describe("Platform: SparkOperator", () => {
    describe("sparkApplicationSpec (pure)", () => {
        it("uses the pinned image, API and Spark version, cluster-mode Python, the spark account", () => {
            const app = sparkApplicationSpec(base);
            assert.equal(app.apiVersion, apiVersions.sparkApplication);
            assert.equal(app.spec.image, images.spark);
            assert.equal(app.spec.sparkVersion, apps.spark);
            assert.equal(app.spec.type, "Python");
            assert.equal(app.spec.mode, "cluster");
            assert.deepEqual(app.spec.arguments, base.arguments);
            assert.equal(app.spec.driver.serviceAccount, SPARK_SERVICE_ACCOUNT);
            assert.equal(app.spec.executor.serviceAccount, SPARK_SERVICE_ACCOUNT);
            assert.equal(app.spec.executor.instances, 2);
            assert.equal(app.spec.executor.memory, "2g");
            assert.deepEqual(app.spec.restartPolicy, { type: "Never" });
        });

        it("always resolves hadoop-aws once and reads S3 through the SDK's default chain (Pod Identity)", () => {
            const app = sparkApplicationSpec({ ...base, packages: [sparkPackages.kafka, sparkPackages.hadoopAws] });
            assert.deepEqual(app.spec.deps.packages, [sparkPackages.hadoopAws, sparkPackages.kafka]);
            const conf = app.spec.sparkConf;
            assert.equal(conf["spark.hadoop.fs.s3a.impl"], "org.apache.hadoop.fs.s3a.S3AFileSystem");
            assert.equal(conf["spark.hadoop.fs.s3a.aws.credentials.provider"], "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider");
            assert.equal(conf["spark.hadoop.fs.s3a.endpoint.region"], "us-east-1");
            assert.ok(!Object.keys(conf).some((k) => /access\.key|secret\.key|session\.token/.test(k)), "no static AWS keys");
        });

        it("refuses py-files the controller cannot fetch, and mounts volumes read-only on both roles with env as Spark settings", () => {
            assert.throws(
                () => sparkApplicationSpec({ ...base, pyFiles: ["s3a://lake/spark-jobs/tables.py"] }),
                /imdb-bronze pyFiles: "s3a:\/\/lake\/spark-jobs\/tables\.py": expected a local, http, https URI/,
            );
            const volume = { name: "v", configMap: { name: "cm" } };
            const app = sparkApplicationSpec({ ...base, pyFiles: ["local:///m/a.py"], mounts: [{ volume, mountPath: "/m" }], env: { X_FILE: "/m/x" } });
            assert.deepEqual(app.spec.volumes, [volume]);
            for (const role of ["driver", "executor"]) assert.deepEqual(app.spec[role].volumeMounts, [{ name: "v", mountPath: "/m", readOnly: true }]);
            assert.equal(app.spec.sparkConf["spark.kubernetes.driverEnv.X_FILE"], "/m/x");
            assert.equal(app.spec.sparkConf["spark.executorEnv.X_FILE"], "/m/x");
            assert.deepEqual(validateCustomResource(app), []);
            assert.throws(
                () =>
                    sparkApplicationSpec({
                        ...base,
                        mounts: [
                            { volume, mountPath: "/a" },
                            { volume, mountPath: "/b" },
                        ],
                    }),
                /volume "v" given twice/,
            );
            assert.throws(() => sparkApplicationSpec({ ...base, env: { "BAD-NAME": "x" } }), /not an environment variable name/);
        });

        it("places on a pool with its whole podPlacement: a tainted pool's tolerations reach driver and executors", () => {
            const app = sparkApplicationSpec({ ...base, ...poolPlacement("stateful") });
            const stateful = podPlacement("stateful");
            assert.ok(stateful.tolerations.length > 0, "the stateful pool is tainted");
            for (const role of ["driver", "executor"]) {
                assert.deepEqual(app.spec[role].tolerations, stateful.tolerations, role);
                assert.equal(app.spec[role].nodeSelector["bdok.io/pool"], "stateful", role);
            }
            assert.equal(app.spec.driver.nodeSelector["karpenter.sh/capacity-type"], "on-demand");
            assert.deepEqual(validateCustomResource(app), []);
        });

        it("validates strictly against the SparkApplication CRD (batch and streaming shapes)", () => {
            const batch = sparkApplicationSpec(base);
            const streaming = sparkApplicationSpec({
                ...base,
                name: "customers-streaming",
                namespace: "kafka",
                packages: [sparkPackages.kafka],
                restartPolicy: { type: "Always", onFailureRetryInterval: 30, onSubmissionFailureRetryInterval: 30 },
            });
            assert.deepEqual(validateCustomResource(batch), []);
            assert.deepEqual(validateCustomResource(streaming), []);
        });

        it("is rejected by the strict validator when a field is misspelled or mistyped", () => {
            const app = sparkApplicationSpec(base);
            const typo = { ...app, spec: { ...app.spec, driver: { ...app.spec.driver, serviceAcount: "spark" } } };
            assert.ok(validateCustomResource(typo).some((e) => e.includes("serviceAcount")));
            const wrongType = { ...app, spec: { ...app.spec, executor: { ...app.spec.executor, instances: "two" } } };
            assert.ok(validateCustomResource(wrongType).length > 0);
        });

        it("gives Spark pods read on inputs and code, read-write on the warehouse and checkpoints, nothing else", () => {
            const arn = "arn:aws:s3:::lake-bucket";
            const pol = sparkPodPolicy(arn, { region: "r", accountId: "1", databases: ["a_imdb"] }, { reads: ["landing/"] });
            const sids = pol.Statement.map((s) => s.Sid);
            assert.equal(new Set(sids).size, sids.length, `unique Sids: ${sids}`);
            const objects = (write: boolean) =>
                pol.Statement.filter((s) => s.Sid?.endsWith("Objects") && ([] as string[]).concat(s.Action).includes("s3:PutObject") === write).flatMap((s) =>
                    ([] as string[]).concat(s.Resource),
                );
            assert.deepEqual(objects(false).sort(), [`${arn}/landing/*`, `${arn}/spark-jobs/*`]);
            assert.deepEqual(objects(true).sort(), [`${arn}/spark-checkpoint/*`, `${arn}/spark-events/*`, `${arn}/warehouse/*`]);
            for (const s of pol.Statement.filter((st) => [st.Action].flat().some((a) => a.startsWith("s3:")))) {
                for (const r of ([] as string[]).concat(s.Resource)) assert.ok(r === arn || r.startsWith(`${arn}/`), `resource ${r}`);
            }
            const glue = pol.Statement.filter((st) => [st.Action].flat().some((a) => a.startsWith("glue:")));
            assert.deepEqual(
                glue.flatMap((st) => [st.Resource].flat()),
                ["arn:aws:glue:r:1:catalog", "arn:aws:glue:r:1:database/a_imdb", "arn:aws:glue:r:1:table/a_imdb/*"],
            );
            // Without a pipeline's input or a written database: its code only, and no catalog grant.
            const bare = sparkPodPolicy(arn, { region: "r", accountId: "1", databases: [] });
            assert.ok(!JSON.stringify(bare).includes("landing/") && !JSON.stringify(bare).includes("glue:"), JSON.stringify(bare));
        });
    });

    describeEachStack(
        (stack) => `stack ${stack}`,
        (plan, stack) => {
            it("installs the pinned kubeflow chart in namespace spark-operator", () => {
                assertPinnedRelease(sparkRelease(plan()), "sparkOperator", "spark-operator");
            });

            it("sets only values keys that exist in the chart's values.yaml", () => {
                const values = inputsOf(sparkRelease(plan())).values;
                assert.deepEqual(unknownValuesKeys(values, chartDefaults("spark-operator")), []);
            });

            it("watches airflow and kafka and has the chart create the spark account and its RBAC there", () => {
                const { spark } = inputsOf(sparkRelease(plan())).values;
                for (const ns of ["airflow", "kafka"]) assert.ok(spark.jobNamespaces.includes(ns), `watches ${ns}`);
                assert.deepEqual(spark.serviceAccount, { create: true, name: "spark" });
                assert.equal(spark.rbac.create, true);
            });

            it("sizes controller and webhook with requests and limits; redundancy with profile ha only", () => {
                const v = inputsOf(sparkRelease(plan())).values;
                for (const part of [v.controller, v.webhook]) {
                    for (const kind of ["requests", "limits"]) {
                        assert.ok(part.resources[kind].cpu && part.resources[kind].memory, `${kind} set`);
                    }
                    assert.equal(part.replicas, stackSetting(stack, "profile") === "ha" ? 2 : 1);
                    assert.equal(part.podDisruptionBudget.enable, part.replicas > 1);
                }
            });

            it("renders a controller with memory for its threads' spark-submit JVMs at their measured peak (issue 18 item 14)", () => {
                const rel = sparkRelease(plan());
                const pod = parseManifest(
                    helmTemplate("sparkOperator", {
                        releaseName: inputsOf(rel).name,
                        namespace: "spark-operator",
                        values: inputsOf(rel).values,
                        kubeVersion: plan().config.kubernetesVersion,
                        skipCrds: true,
                    }),
                ).find((o) => o.kind === "Deployment" && o.metadata.name === "spark-operator-controller")!.spec.template.spec;
                const container = pod.containers.find((c: any) => c.name === "spark-operator-controller");
                // Each of --controller-threads reconciles may be running one spark-submit (submission.go runSparkSubmit).
                const threads = Number(/^--controller-threads=(\d+)$/.exec(container.args.find((a: string) => a.startsWith("--controller-threads=")))![1]);
                // Measured 2026-12-07 with tools/measure-spark-submit.sh (pyspark 4.0.1, OpenJDK 17.0.15, -Xmx256m, k8s
                // cluster mode, --packages hadoop-aws 3.4.1 + iceberg-spark-runtime-4.0 + iceberg-aws-bundle 1.10.1, since dropped,
                // through to the driver pod's creation): peak RSS 305,020 kB with a cold Ivy cache, 265,496 to
                // 302,724 kB warm; without -Xmx (host ergonomics) 309,256 kB.
                const submitPeakMiB = Math.ceil(309_256 / 1024);
                // The controller itself: the chart's example resources (spark-operator-chart 2.5.2 values.yaml,
                // controller.resources: "limits: ... memory: 300Mi").
                const controllerMiB = 300;
                const limit = memoryMiB(container.resources.limits.memory);
                assert.ok(
                    limit >= controllerMiB + threads * submitPeakMiB,
                    `limit ${limit} MiB < ${controllerMiB} + ${threads} threads x ${submitPeakMiB} MiB = ${controllerMiB + threads * submitPeakMiB} MiB`,
                );
                // Spark's launcher gives a cluster-mode spark-submit no -Xmx (checked with SPARK_PRINT_LAUNCH_COMMAND=1 on
                // pyspark 4.0.1: client mode gets -Xmx1g, k8s cluster mode none), so its heap would be a quarter of the
                // pod's limit; the measurement above ran with the heap the controller's SPARK_SUBMIT_OPTS sets.
                const opts = container.env?.find((e: any) => e.name === "SPARK_SUBMIT_OPTS")?.value ?? "";
                assert.match(opts, /(^|\s)-Xmx256m(\s|$)/, `SPARK_SUBMIT_OPTS ${JSON.stringify(opts)}`);
            });

            it("renders a controller with room for spark-submit's package resolution: a 4Gi /tmp holding spark.jars.ivy, the chart's other mounts kept", () => {
                const rel = sparkRelease(plan());
                const render = (values: any) =>
                    parseManifest(
                        helmTemplate("sparkOperator", {
                            releaseName: inputsOf(rel).name,
                            namespace: "spark-operator",
                            values,
                            kubeVersion: plan().config.kubernetesVersion,
                            skipCrds: true,
                        }),
                    ).find((o) => o.kind === "Deployment" && o.metadata.name === "spark-operator-controller")!.spec.template.spec;
                const values = inputsOf(rel).values;
                const pod = render(values);
                const chartDefault = render({ ...values, controller: { ...values.controller, volumes: undefined } });
                const container = pod.containers.find((c: any) => c.name === "spark-operator-controller");
                assert.equal(memoryMiB(container.resources.requests.memory), 1024);
                // Same volumes and mounts as the chart's defaults, only tmp's sizeLimit differs.
                assert.deepEqual(
                    pod.volumes.map((v: any) => v.name),
                    chartDefault.volumes.map((v: any) => v.name),
                );
                assert.deepEqual(container.volumeMounts, chartDefault.containers.find((c: any) => c.name === container.name).volumeMounts);
                // Ivy's cache and retrieved copy of hadoop-aws (with the ~500 MB AWS SDK bundle) and Iceberg: two copies, with margin.
                const ivy = sparkApplicationSpec(base).spec.sparkConf["spark.jars.ivy"];
                const mount = container.volumeMounts.find((m: any) => ivy.startsWith(m.mountPath.replace(/\/?$/, "/")));
                assert.ok(mount && !mount.readOnly, `${ivy} is on a writable mount`);
                const tmp = pod.volumes.find((v: any) => v.name === mount.name);
                assert.ok(storageGiB(tmp.emptyDir.sizeLimit) >= 4, `tmp sizeLimit ${tmp.emptyDir.sizeLimit}`);
                assert.ok(storageGiB(chartDefault.volumes.find((v: any) => v.name === mount.name).emptyDir.sizeLimit) < 4, "the chart's default is smaller");
            });

            it("waits only for namespaces and its CRD manifests: the release depends on no other release", () => {
                const rel = sparkRelease(plan());
                const all = rel.dependencies.map((u) => byUrn(plan(), u));
                assert.deepEqual(
                    all
                        .filter((d) => d.type === CRD_GROUP)
                        .flatMap(crdGroupUrls)
                        .sort(),
                    [...crdManifests.sparkOperator].sort(),
                );
                const deps = all.filter((d) => d.type !== CRD_GROUP);
                assert.ok(deps.length > 0);
                assert.ok(
                    deps.every((d) => d.type === "kubernetes:core/v1:Namespace"),
                    deps.map((d) => d.type).join(", "),
                );
                const names = deps.map((d) => inputsOf(d).metadata.name).sort();
                assert.deepEqual(names, ["airflow", "kafka", "spark-operator"]);
                const other = [...transitiveDeps(plan(), rel.urn)].map((u) => byUrn(plan(), u)).filter((r) => r.type === RELEASE);
                assert.deepEqual(
                    other.map((r) => r.name),
                    [],
                );
            });

            it("gives the spark account of each job namespace its own Pod Identity role, after the agent", () => {
                const agent = ofType(plan(), "aws:eks/addon:Addon").find((a) => inputsOf(a).addonName === "eks-pod-identity-agent")!;
                const assocs = descendants(plan(), sparkComponent(plan()).urn).filter(
                    (r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation",
                );
                assert.deepEqual(assocs.map((a) => inputsOf(a).namespace).sort(), [...SPARK_JOB_NAMESPACES].sort());
                for (const a of assocs) {
                    assert.equal(inputsOf(a).serviceAccount, "spark");
                    assert.ok(a.dependencies.includes(agent.urn), "waits for the Pod Identity agent");
                }
            });

            it("lets Spark pods use exactly the lake's prefixes and their namespace's Iceberg databases", () => {
                const arn = lakeArn(plan());
                const dbs = plan().plan.outputs.icebergDatabases as { imdb: string; realtime: string };
                const expected: Record<string, string[]> = { airflow: [dbs.imdb, dbs.realtime], kafka: [dbs.realtime] };
                const policies = descendants(plan(), sparkComponent(plan()).urn).filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy");
                assert.equal(policies.length, SPARK_JOB_NAMESPACES.length);
                const seen: string[] = [];
                for (const p of policies) {
                    const pol = JSON.parse(inputsOf(p).policy);
                    const ns = SPARK_JOB_NAMESPACES.find(
                        (n) =>
                            JSON.stringify(pol) ===
                            JSON.stringify(
                                // The IMDB jobs (airflow, batch on in every stack file) read landing/.
                                sparkPodPolicy(
                                    arn,
                                    { region: plan().config.region, accountId: MOCK_ACCOUNT, databases: expected[n] },
                                    n === "airflow" ? { reads: ["landing/"] } : {},
                                ),
                            ),
                    );
                    assert.ok(ns, `policy matches one namespace's scope: ${inputsOf(p).policy}`);
                    seen.push(ns!);
                    const actions = pol.Statement.flatMap((s: any) => [].concat(s.Action));
                    assert.ok(
                        actions.every((a: string) => /^(s3|glue):/.test(a) && !a.includes("*")),
                        actions.join(","),
                    );
                    assert.ok(!actions.includes("glue:CreateDatabase") && !actions.includes("glue:DeleteDatabase"), "the databases are Pulumi's");
                }
                assert.deepEqual(seen.sort(), [...SPARK_JOB_NAMESPACES].sort());
            });

            it("lets Airflow's worker create and follow SparkApplications in the airflow namespace", () => {
                const kids = descendants(plan(), sparkComponent(plan()).urn);
                const role = kids.find((r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:Role")!;
                const binding = kids.find((r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")!;
                const rules = inputsOf(role).rules as RbacRule[];
                assert.equal(inputsOf(role).metadata.namespace, "airflow");
                for (const verb of ["create", "get", "list", "watch", "delete"]) {
                    assert.ok(rbacAllows(rules, "sparkoperator.k8s.io", "sparkapplications", verb), verb);
                }
                assert.ok(rbacAllows(rules, "sparkoperator.k8s.io", "sparkapplications/status", "get"));
                assert.ok(rbacAllows(rules, "", "pods", "list") && rbacAllows(rules, "", "pods/log", "get"));
                assert.ok(!rbacAllows(rules, "", "secrets", "get"), "no secrets");
                assert.ok(
                    rules.every((r) => !r.verbs.includes("*") && !r.resources.includes("*")),
                    "no wildcards",
                );
                const b = inputsOf(binding);
                assert.equal(b.metadata.namespace, "airflow");
                assert.deepEqual(b.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: inputsOf(role).metadata.name });
                assert.deepEqual(b.subjects, [{ kind: "ServiceAccount", name: AIRFLOW_WORKER_SERVICE_ACCOUNT, namespace: "airflow" }]);
                assert.equal(AIRFLOW_WORKER_SERVICE_ACCOUNT, "airflow-worker");
            });

            it("builds SparkApplications for this stack's sizing that validate strictly", () => {
                const app = sparkApplicationSpec({
                    name: "probe",
                    namespace: "airflow",
                    mainApplicationFile: "s3a://xyz/spark-jobs/p.py",
                    lakeBucket: "xyz",
                    sizing: plan().config.spark,
                    region: plan().config.region,
                });
                assert.equal(app.spec.executor.instances, plan().config.spark.executors);
                assert.equal(app.spec.executor.memory, plan().config.spark.executorMemory);
                assert.deepEqual(validateCustomResource(app), []);
                // Any SparkApplication declared by the program validates too.
                for (const r of plan().captured.filter((c) => c.type.startsWith("kubernetes:sparkoperator.k8s.io/"))) {
                    assert.deepEqual(validateCustomResource(inputsOf(r)), [], r.name);
                }
            });
        },
    );
});
