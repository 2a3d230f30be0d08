import { strict as assert } from "assert";
import { getPath, splitPath } from "./plan-resource";

describe("dotted paths into a planned resource's inputs", () => {
    it("split on dots, a backslash escapes a dot, empty segments dropped (table-driven)", () => {
        const cases: [string, string[]][] = [
            ["a.b", ["a", "b"]],
            ["metadata.annotations.pulumi\\.com/waitFor", ["metadata", "annotations", "pulumi.com/waitFor"]],
            ["a..b.", ["a", "b"]],
            ["", []],
            ["a\\b", ["a\\b"]],
            ["a\\", ["a\\"]],
            ["\\.x", [".x"]],
        ];
        for (const [path, want] of cases) assert.deepEqual(splitPath(path), want, path);
    });

    it("read a value by path, undefined through anything that is not an object", () => {
        const inputs = { metadata: { annotations: { "pulumi.com/waitFor": "condition=Ready" } }, list: [{ a: 1 }], n: 0 };
        assert.equal(getPath(inputs, "metadata.annotations.pulumi\\.com/waitFor"), "condition=Ready");
        assert.equal(getPath(inputs, ["metadata", "annotations", "pulumi.com/waitFor"]), "condition=Ready");
        assert.equal(getPath(inputs, "n"), 0);
        assert.equal(getPath(inputs, "list.0.a"), undefined, "arrays are not walked");
        assert.equal(getPath(inputs, "n.x"), undefined);
        assert.equal(getPath(inputs, "missing.x"), undefined);
        assert.deepEqual(getPath(inputs, ""), inputs);
    });
});
