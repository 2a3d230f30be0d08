// A real Spark 4 driver (pyspark, local mode) with the configuration the platform's SparkApplications
// use (spark.ui.prometheus.enabled, the PrometheusServlet): its endpoints serve every metric that
// model/metrics/exposed.json lists for the Spark driver, which the dashboards read
// (platform/observability/metrics.test.ts checks the queries against that list).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { exporterMetrics, loadExposure } from "../exposed-metrics";
import { PYTHON, freePort, requireEngines, startServer, waitFor, type Server } from "./env";

/** Metric names of a Prometheus text exposition. */
function names(text: string): Set<string> {
    return new Set(
        text
            .split("\n")
            .filter((l) => l && !l.startsWith("#"))
            .map((l) => l.split(/[{ ]/)[0]),
    );
}

describe("engines: a Spark driver's Prometheus endpoints serve the metrics the dashboards read", function () {
    let server: Server | undefined;
    let port = 0;
    let stop = "";
    const get = async (p: string) => {
        const r = await fetch(`http://127.0.0.1:${port}${p}`);
        return { status: r.status, text: await r.text() };
    };

    before(async function () {
        requireEngines(this);
        this.timeout(600_000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-metrics-"));
        port = await freePort();
        stop = path.join(dir, "stop");
        server = startServer(PYTHON, [path.join(__dirname, "spark_metrics.py"), String(port), stop], { log: path.join(dir, "spark.log") });
        await waitFor(
            "the Spark driver's executors endpoint",
            async () => (await get("/metrics/executors/prometheus")).text.includes("metrics_executor_"),
            540_000,
            server,
        );
    });

    after(async () => {
        if (stop) fs.writeFileSync(stop, "");
        await server?.stop();
    });

    it("/metrics/executors/prometheus serves each metric the model lists for the driver", async () => {
        const served = names((await get("/metrics/executors/prometheus")).text);
        const listed = exporterMetrics(loadExposure(), "spark-driver");
        assert.ok(listed.length >= 4);
        assert.deepEqual(
            listed.filter((n) => !served.has(n)),
            [],
            `served: ${[...served].join(", ")}`,
        );
    });

    it("/metrics/prometheus/ (the PrometheusServlet) serves the driver's own metrics", async () => {
        const r = await get("/metrics/prometheus/");
        assert.equal(r.status, 200);
        assert.ok(
            [...names(r.text)].some((n) => n.includes("_driver_")),
            r.text.slice(0, 500),
        );
    });
});
