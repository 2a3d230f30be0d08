import { strict as assert } from "assert";
import { awaitedMetadata, countAt } from "./await";
import { apiVersions } from "../versions";

describe("await annotations (model/controllers.json podRunningResources)", () => {
    const es = (counts: number[]) =>
        awaitedMetadata(apiVersions.elasticsearch, "Elasticsearch", { name: "x" }, { nodeSets: counts.map((count) => ({ count })) }).annotations ?? {};

    it("sums a count path over a list in the spec", () => {
        assert.equal(countAt("spec.nodeSets[].count", { nodeSets: [{ count: 2 }, { count: 1 }] }), 3);
        assert.equal(countAt("spec.nodeSets[].count", {}), 0);
        assert.throws(() => countAt("nodeSets.count", {}), /allowed: spec.<list>\[\].<field>/);
    });

    it("awaits one Elasticsearch node on ECK's Ready phase, several (in any node sets) on green health", () => {
        assert.equal(es([1])["pulumi.com/waitFor"], "jsonpath={.status.phase}=Ready");
        assert.equal(es([1, 1])["pulumi.com/waitFor"], "jsonpath={.status.health}=green", "the total of the node sets counts");
        assert.equal(es([3])["pulumi.com/waitFor"], "jsonpath={.status.health}=green");
        assert.equal(es([1])["pulumi.com/timeoutSeconds"], es([3])["pulumi.com/timeoutSeconds"]);
    });
});
