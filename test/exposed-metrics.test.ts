// The one loader of model/metrics/exposed.json: the real file passes its shape check, each kind of
// bad edit is refused naming where it is, and no check reads the file around the loader.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXPOSED_JSON, exporterMetrics, exposureProblems, loadExposure } from "./exposed-metrics";
import { ROOT } from "../tools/harness";

const real = () => JSON.parse(fs.readFileSync(EXPOSED_JSON, "utf8"));

describe("model/metrics/exposed.json: one loader, its shape checked", () => {
    it("the real file loads, with the Spark driver's metrics the engines tier scrapes", () => {
        assert.deepEqual(exposureProblems(real()), []);
        const model = loadExposure();
        assert.ok(exporterMetrics(model, "spark-driver").includes("metrics_executor_memoryUsed_bytes"));
        assert.ok(model.jmx.kafka.length > 0 && model.jmx.connect.length > 0 && model.jmx.trino.length > 0);
    });

    const cases: [string, (m: any) => void, string][] = [
        ["no exporters", (m) => (m.exporters = []), "exporters: not a non-empty list"],
        ["an exporter without a target", (m) => delete m.exporters[0].target, "exporters[0] (kafka-exporter): target missing"],
        ["an exporter id twice", (m) => (m.exporters[1].id = m.exporters[0].id), "exporters[1] (kafka-exporter): id repeated"],
        ["an exporter with no metrics", (m) => (m.exporters[2].metrics = []), "exporters[2] (spark-driver): metrics not a non-empty list"],
        [
            "a metric name Prometheus refuses",
            (m) => (m.exporters[0].metrics[0].name = "kafka-lag"),
            'exporters[0] (kafka-exporter).metrics[0]: name "kafka-lag" is not a metric name',
        ],
        ["a metric without its source", (m) => (m.exporters[0].metrics[1].source = " "), "exporters[0] (kafka-exporter).metrics[1]: source missing"],
        ["no JMX lines for Trino", (m) => delete m.jmx.trino, "jmx.trino: not a non-empty list"],
        ["a JMX line without its input", (m) => delete m.jmx.connect[0].input, "jmx.connect[0]: input missing"],
    ];
    for (const [what, edit, problem] of cases) {
        it(`refuses ${what}, naming where`, () => {
            const m = real();
            edit(m);
            assert.deepEqual(exposureProblems(m), [problem]);
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bdok-exposed-")), "exposed.json");
            fs.writeFileSync(file, JSON.stringify(m));
            assert.throws(
                () => loadExposure(file),
                (e: Error) => e.message.startsWith(`${file}:`) && e.message.includes(problem),
            );
        });
    }

    it("a file that is not JSON, or an exporter id the model lacks, is an error naming it", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bdok-exposed-")), "exposed.json");
        fs.writeFileSync(file, "{ not json");
        assert.throws(
            () => loadExposure(file),
            (e: Error) => e.message.startsWith(`${file}: `),
        );
        assert.throws(() => exporterMetrics(loadExposure(), "spark-drivr"), /no exporter "spark-drivr" \(it has kafka-exporter, .*spark-driver/);
    });

    it("no other file reads exposed.json: every check goes through this loader", () => {
        const files = execFileSync("git", ["grep", "-l", "exposed.json", "--", "*.ts", "*.js", "*.py"], { cwd: ROOT, encoding: "utf8" })
            .split("\n")
            .filter(Boolean);
        const readers = files.filter((f) =>
            /metrics\/exposed\.json["'`]|["'`]metrics["'`],\s*["'`]exposed\.json/.test(fs.readFileSync(path.join(ROOT, f), "utf8")),
        );
        assert.deepEqual(readers, ["test/exposed-metrics.ts"]);
    });
});
