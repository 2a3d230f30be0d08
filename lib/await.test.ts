import { strict as assert } from "assert";
import { awaitAnnotations, awaitedMetadata, releaseTimeout, runsPods } from "./await";
import { apiVersions, charts } from "../versions";

// The program's own choices; tools/lifecycle.ts checks them against the operators' facts (model/).
describe("await annotations", () => {
    const es = (counts: number[]) =>
        awaitedMetadata(apiVersions.elasticsearch, "Elasticsearch", { name: "x" }, { nodeSets: counts.map((count) => ({ count })) }).annotations ?? {};

    it("awaits one Elasticsearch node on ECK's Ready phase, several (in any node sets) on green health", () => {
        assert.equal(es([1])["pulumi.com/waitFor"], "jsonpath={.status.phase}=Ready");
        assert.equal(es([1, 1])["pulumi.com/waitFor"], "jsonpath={.status.health}=green", "the total of the node sets counts");
        assert.equal(es([3])["pulumi.com/waitFor"], "jsonpath={.status.health}=green");
        assert.equal(es([1])["pulumi.com/timeoutSeconds"], es([3])["pulumi.com/timeoutSeconds"]);
    });

    it("leaves kinds that run no pods alone, keeping their annotations", () => {
        assert.equal(runsPods(apiVersions.strimzi, "KafkaTopic"), false);
        assert.deepEqual(awaitedMetadata(apiVersions.strimzi, "KafkaTopic", { name: "t", annotations: { a: "b" } }), { name: "t", annotations: { a: "b" } });
        const kafka = awaitedMetadata(apiVersions.strimzi, "Kafka", { name: "k", annotations: { a: "b" } }).annotations!;
        assert.equal(kafka.a, "b");
        assert.equal(kafka["pulumi.com/waitFor"], "condition=Ready");
        assert.match(kafka["pulumi.com/timeoutSeconds"], /^[1-9]\d*$/);
    });

    it("counts no node when the spec has no node sets (absent, or not a list): green health", () => {
        const waitFor = (spec: unknown) => awaitedMetadata(apiVersions.elasticsearch, "Elasticsearch", { name: "x" }, spec).annotations!["pulumi.com/waitFor"];
        assert.equal(waitFor(undefined), "jsonpath={.status.health}=green");
        assert.equal(waitFor({ nodeSets: { count: 1 } }), "jsonpath={.status.health}=green");
    });

    it("gives each chart it installs a timeout of at least Helm's 300 s, and refuses one without, naming the ones it knows", () => {
        for (const c of [charts.strimzi, charts.sparkOperator, charts.eck, charts.airflow, charts.trino, charts.awsLoadBalancerController]) {
            const t = releaseTimeout(c.chart);
            assert.ok(Number.isInteger(t) && t >= 300, `${c.chart}: ${t}`);
        }
        assert.throws(
            () => releaseTimeout("no-such-chart"),
            /^Error: no await timeout chosen for chart no-such-chart; allowed: .*airflow.* \(lib\/await\.ts\)$/,
        );
        assert.throws(
            () => awaitAnnotations(apiVersions.strimzi, "KafkaTopic"),
            /^Error: no readiness condition chosen for kafka\.strimzi\.io\/v1\/KafkaTopic; allowed: .*Kafka.* \(lib\/await\.ts\)$/,
        );
    });

    it("a refusal lists every known name, comma-separated, so the message reads as a list", () => {
        assert.throws(() => releaseTimeout("no-such-chart"), /; allowed: [^ ,]+(, [^ ,]+)+ \(lib\/await\.ts\)$/);
        assert.throws(() => awaitAnnotations(apiVersions.strimzi, "KafkaTopic"), /; allowed: [^ ,]+(, [^ ,]+)+ \(lib\/await\.ts\)$/);
    });
});
