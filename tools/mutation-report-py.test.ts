import * as assert from "assert";
import * as fs from "fs";
import { EQUIVALENT_PY, markdown, mutmutScores, strykerScores } from "./mutation-report";

describe("mutation report: mutmut's stable form (scripts/mutmut_summary.py)", () => {
    const text = [
        "# comment",
        "module pipelines.a killed=8 timeout=1 survived=2 no-tests=1 not-run=3",
        "module pipelines.b killed=4 timeout=0 survived=0 no-tests=0 not-run=0",
        "survived pipelines.a f: x = 1 => x = 2",
        'survived pipelines.a C.m: return "a" => return "XXaXX"',
        "no tests pipelines.a g: return y => return None",
        "timeout pipelines.a h: while a: => while not a:",
    ].join("\n");

    it("reads the counts per module and the mutants left, keyed by function and change", () => {
        const { scores, survivors } = mutmutScores(text);
        assert.deepEqual(scores, [
            { module: "pipelines.a", killed: 8, timeout: 1, survived: 2, noCoverage: 1, other: 3 },
            { module: "pipelines.b", killed: 4, timeout: 0, survived: 0, noCoverage: 0, other: 0 },
        ]);
        assert.deepEqual(
            survivors.map((s) => [s.where, s.what]),
            [
                ["pipelines.a f: x = 1 => x = 2", "survived"],
                ['pipelines.a C.m: return "a" => return "XXaXX"', "survived"],
                ["pipelines.a g: return y => return None", "no test covers it"],
            ],
        );
    });

    it("a survivor judged in reports/mutation-equivalent-py.json carries its reason", () => {
        const [key, reason] = Object.entries(EQUIVALENT_PY)[0] ?? [];
        if (!key) return assert.deepEqual(EQUIVALENT_PY, {});
        const [status, rest] = ["survived", key];
        const md = markdown(strykerScores({ files: {} }), mutmutScores(`${status} ${rest}`), "d");
        assert.ok(md.includes(`- ${key}: survived — ${reason}`), md);
    });

    it("every judgement in reports/mutation-equivalent-py.json is of a mutant the committed results list", () => {
        const listed = new Set(mutmutScores(fs.readFileSync(`${__dirname}/../reports/mutmut.txt`, "utf8")).survivors.map((s) => s.where));
        const stale = Object.keys(EQUIVALENT_PY).filter((k) => !listed.has(k));
        assert.deepEqual(stale, [], "judged mutants no longer listed (killed or changed): drop or re-judge them");
    });
});
