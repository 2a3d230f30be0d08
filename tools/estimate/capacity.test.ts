import { strict as assert } from "assert";
import { nodeAllocatable } from "./node-capacity";
import { toYaml } from "../../pipelines/batch/specs";
import { sparkApplicationSpec } from "../../platform/spark-operator/specs";
import { cluster, deployment, nodeGroup, res } from "../../test/synthetic";
import { CapacityError, capacity, capacityReport } from "./capacity";
import { loadTables } from "./tables";

const tables = loadTables();

describe("estimates: capacity (synthetic)", () => {
    it("fails with the shortfall when requests exceed the allocatable", () => {
        const plan = [cluster(), nodeGroup(["t4g.small"], 1), deployment("big", 2, "2", "4Gi")];
        assert.throws(
            () => capacity(plan, { stack: "synthetic" }, tables.capacity),
            (e: unknown) => {
                assert.ok(e instanceof CapacityError);
                assert.match(e.message, /capacity of stack "synthetic"/);
                assert.match(e.message, /CPU: requested [\d.]+ vCPU > allocatable [\d.]+ vCPU \(short by [\d.]+ vCPU\)/);
                assert.match(e.message, /memory: requested [\d.]+ GiB > allocatable [\d.]+ GiB \(short by/);
                assert.match(e.message, /ng: 1 x t4g.small/);
                return true;
            },
        );
    });

    it("fails when a pod is larger than any node even though the total fits", () => {
        const plan = [cluster(), nodeGroup(["m7g.large"], 3), deployment("fat", 1, "500m", "10Gi")];
        const report = capacityReport(plan, tables.capacity);
        assert.ok(report.requested.memoryMiB < report.allocatable.memoryMiB);
        assert.equal(report.fits, false);
        assert.match(report.problems[0], /^fat \(Deployment\) spec: one pod requests 0\.5 vCPU and 10 GiB, more than any node offers \(m7g\.large: /);
        assert.deepEqual(
            report.oversized.map((o) => o.source),
            ["fat (Deployment)"],
        );
    });

    // A DAG folder ConfigMap holding SparkApplication templates, as lib/pipelines/batch.ts writes it.
    const sparkTemplate = (name: string, executors: number, memory: string) =>
        toYaml({
            apiVersion: "sparkoperator.k8s.io/v1beta2",
            kind: "SparkApplication",
            metadata: { name },
            spec: { type: "Python", mode: "cluster", driver: { cores: 1, memory: "1g" }, executor: { cores: 1, instances: executors, memory } },
        });
    const dagFolder = (files: Record<string, string>) =>
        res("dags", { type: "kubernetes:core/v1:ConfigMap", inputs: { data: { "dag.py": "print('no SparkApplication here')", ...files } } });

    it("counts the SparkApplications a DAG submits as transient demand: peak is idle plus the largest run", () => {
        const base = [cluster(), nodeGroup(["m7g.xlarge"], 3), deployment("app", 1, "1", "2Gi")];
        const without = capacityReport(base, tables.capacity);
        const withDag = capacityReport(
            [...base, dagFolder({ "spark__small.yaml": sparkTemplate("small", 1, "1g"), "spark__big.yaml": sparkTemplate("big", 2, "2g") })],
            tables.capacity,
        );
        assert.deepEqual(withDag.submitted.map((x) => x.file).sort(), ["spark__big.yaml", "spark__small.yaml"]);
        assert.equal(withDag.peakRun, "spark__big.yaml");
        const big = withDag.submitted.find((x) => x.file === "spark__big.yaml")!;
        // Python pods: memory + max(384 MiB, 40 %) of it: a 1g driver and two 2g executors.
        assert.equal(big.memoryMiB, 1.4 * 1024 + 2 * 1.4 * 2048);
        assert.equal(withDag.requested.memoryMiB - without.requested.memoryMiB, Math.round(big.memoryMiB));
        assert.equal(withDag.requested.cpuMillis - without.requested.cpuMillis, 3000);
        assert.deepEqual(withDag.idle, without.idle, "the templates are not running between batch runs");
        assert.ok(withDag.fits, withDag.problems.join("; "));
    });

    it("counts a run with dynamic allocation in its Spark settings at its maxExecutors, and refuses one without a maximum", () => {
        const app = sparkApplicationSpec({
            name: "dyn",
            namespace: "airflow",
            mainApplicationFile: "s3a://lake/spark-jobs/dyn.py",
            lakeBucket: "lake",
            sizing: { executors: 1, executorMemory: "2g" },
            region: "us-east-1",
            dynamicAllocation: { maxExecutors: 3 },
        });
        const base = [cluster(), nodeGroup(["m7g.xlarge"], 3)];
        const run = capacityReport([...base, dagFolder({ "spark__dyn.yaml": toYaml(app) })], tables.capacity);
        assert.equal(Math.round(run.submitted[0].memoryMiB), Math.round(1.4 * 1024 + 3 * 1.4 * 2048), "a 1g driver and three 2g executors");
        const unbounded = { ...app, spec: { ...app.spec, sparkConf: { "spark.dynamicAllocation.enabled": "true" } } };
        assert.throws(
            () => capacityReport([...base, dagFolder({ "spark__u.yaml": toYaml(unbounded) })], tables.capacity),
            /spark__u\.yaml.*without a maxExecutors/,
        );
    });

    it("rejects a submitted executor larger than every node, and a batch run that does not fit beside the idle pods", () => {
        const huge = capacityReport(
            [cluster(), nodeGroup(["m7g.xlarge"], 3), dagFolder({ "spark__job.yaml": sparkTemplate("job", 1, "512g") })],
            tables.capacity,
        );
        assert.equal(huge.fits, false);
        assert.equal(huge.oversized[0].submitted, "spark__job.yaml");
        assert.match(
            huge.problems[0],
            /^dags \(ConfigMap\) spark__job\.yaml spec\.executor: one pod requests 1 vCPU and 716\.8 GiB, more than any node offers/,
        );
        const idle = [cluster(), nodeGroup(["m7g.xlarge"], 1), deployment("app", 1, "2", "8Gi")];
        assert.ok(capacityReport(idle, tables.capacity).fits);
        const peak = capacityReport([...idle, dagFolder({ "spark__job.yaml": sparkTemplate("job", 2, "2g") })], tables.capacity);
        assert.equal(peak.fits, false, "the batch run does not fit beside the idle pods");
        assert.equal(peak.oversized.length, 0);
    });

    it("more nodes give more allocatable; system pods count per node", () => {
        const small = capacityReport([cluster(), nodeGroup(["m7g.xlarge"], 2)], tables.capacity);
        const large = capacityReport([cluster(), nodeGroup(["m7g.xlarge"], 3)], tables.capacity);
        const one = nodeAllocatable("m7g.xlarge", tables.capacity).allocatable;
        assert.equal(large.allocatable.cpuMillis - small.allocatable.cpuMillis, one.cpuMillis);
        assert.ok(large.system.cpuMillis > small.system.cpuMillis, "DaemonSet pods on the extra node");
    });
});
