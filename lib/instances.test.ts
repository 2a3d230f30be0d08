import { strict as assert } from "assert";
import { archOf } from "./instances";

describe("instance types", () => {
    it("derives CPU architecture from the instance family", () => {
        assert.equal(archOf("m7g.xlarge"), "arm64");
        assert.equal(archOf("t4g.small"), "arm64");
        assert.equal(archOf("m7i.xlarge"), "x86_64");
        assert.equal(archOf("t3a.large"), "x86_64");
    });
});
