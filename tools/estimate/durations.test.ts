import { strict as assert } from "assert";
import { loadTables } from "./tables";
import { durationEntry } from "./durations";

const tables = loadTables();

describe("estimates: data tables (durations)", () => {
    it("every duration figure has a source URL, and its range contains it", () => {
        for (const e of [...tables.durations.entries, { match: "default", ...tables.durations.default }]) {
            assert.match(e.source.url, /^https:\/\//, `${e.match}`);
            assert.ok(e.minutes >= 0, e.match);
            const range = (e as { range?: [number, number] }).range;
            if (range) assert.ok(range[0] <= e.minutes && e.minutes <= range[1], `${e.match}: ${e.minutes} in ${range}`);
        }
    });

    it("picks a duration by type and inputs (first matching entry)", () => {
        const m = (type: string, inputs: Record<string, unknown> = {}) => durationEntry({ type, inputs }, tables.durations).minutes;
        assert.ok(m("aws:rds/instance:Instance", { multiAz: true }) > m("aws:rds/instance:Instance", { multiAz: false }));
        assert.ok(m("kubernetes:helm.sh/v3:Release", { chart: "airflow" }) > m("kubernetes:helm.sh/v3:Release", { chart: "airflow", skipAwait: true }));
        const cr = "kubernetes:kafka.strimzi.io/v1:Kafka";
        assert.ok(
            m(cr, { metadata: { annotations: { "pulumi.com/waitFor": "condition=Ready" } } }) > m(cr, {}),
            "a Kafka CR is awaited only with pulumi.com/waitFor",
        );
        assert.ok(m("eks:index:Cluster") >= 8);
        assert.equal(durationEntry({ type: "aws:unknown/thing:Thing", inputs: {} }, tables.durations).index, -1);
    });
});
