// The engines tier installs what the platform deploys: its pins must follow versions.ts.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { apps, testEngines } from "../../versions";

function pins(file: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of fs.readFileSync(path.join(__dirname, file), "utf8").split("\n")) {
        const m = /^([A-Za-z0-9_.-]+)(\[[^\]]*\])?==(\S+)/.exec(line.trim());
        if (m) out[m[1].toLowerCase()] = m[3];
    }
    return out;
}

describe("Engines: versions follow versions.ts", () => {
    it("pyspark in requirements-spark.txt is the platform's Spark (the image's)", () => {
        assert.equal(pins("requirements-spark.txt").pyspark, apps.spark);
    });

    it("the Trino the tier runs is never newer than the platform's, and the stand-in version is said", () => {
        assert.ok(Number(testEngines.trinoServer) <= Number(apps.trino), `${testEngines.trinoServer} > ${apps.trino}`);
    });
});
