import { strict as assert } from "assert";
import {
    claimedKeys,
    EQUIVALENT,
    fold,
    judgedScore,
    judgement,
    killedScore,
    markdown,
    mutmutScores,
    pythonExclusions,
    score,
    strykerScores,
    summaryScores,
    summaryText,
    unscored,
} from "./mutation-report";

describe("mutation report", () => {
    it("counts Stryker's statuses per file and lists survivors and uncovered mutants", () => {
        const m = (status: string, line = 1) => ({ status, mutatorName: "EqualityOperator", replacement: "a <= b", location: { start: { line } } });
        const { scores, survivors } = strykerScores({
            files: {
                "lib/b.ts": { mutants: [m("Killed"), m("Timeout"), m("Survived", 7), m("NoCoverage", 9), m("CompileError")] },
                "lib/a.ts": { mutants: [m("Killed")] },
            },
        });
        assert.deepEqual(
            scores.map((s) => s.module),
            ["lib/a.ts", "lib/b.ts"],
        );
        assert.deepEqual(scores[1], { module: "lib/b.ts", killed: 1, timeout: 1, survived: 1, noCoverage: 1, other: 1 });
        assert.equal(score(scores[1]), 0.5);
        assert.equal(score(scores[0]), 1);
        assert.deepEqual(
            survivors.map((s) => s.where),
            ["lib/b.ts:7", "lib/b.ts:9"],
        );
    });

    it("reads mutmut's results per module", () => {
        const { scores, survivors } = mutmutScores(
            [
                "    pipelines.tables.x_load__mutmut_1: killed",
                "    pipelines.tables.xǁDeclarationǁtable__mutmut_2: survived",
                "    pipelines.queries.x_q__mutmut_1: no tests",
                "junk",
            ].join("\n"),
        );
        assert.deepEqual(scores, [
            { module: "pipelines.queries", killed: 0, timeout: 0, survived: 0, noCoverage: 1, other: 0 },
            { module: "pipelines.tables", killed: 1, timeout: 0, survived: 1, noCoverage: 0, other: 0 },
        ]);
        assert.deepEqual(
            survivors.map((s) => s.where),
            ["pipelines.tables xǁDeclarationǁtable__mutmut_2".replace(/ǁ/g, "."), "pipelines.queries x_q__mutmut_1"],
        );
        assert.ok(Number.isNaN(score({ module: "x", killed: 0, timeout: 0, survived: 0, noCoverage: 0, other: 3 })));
    });

    it("a survivor judged in reports/mutation-equivalent.json carries its judgement; the others are listed bare", () => {
        const [key, why] = Object.entries(EQUIVALENT)[0];
        const k = /^(.+):(\d+): (\w+)(?: -> (.*))?$/.exec(key)!;
        const m = (line: number) => ({ status: "Survived", mutatorName: k[3], replacement: k[4] && JSON.parse(k[4]), location: { start: { line } } });
        const ts = strykerScores({ files: { [k[1]]: { mutants: [m(Number(k[2])), m(Number(k[2]) + 40)] } } });
        const md = markdown(ts, mutmutScores(""), "2026-01-01");
        assert.ok(md.includes(`- ${key} — ${why}`), md);
        assert.ok(md.includes(`- ${k[1]}:${Number(k[2]) + 40}: ${key.slice(key.indexOf(": ") + 2)}\n`), md);
        assert.match(md, /Survivors are listed below; 1 of them\nwith a judgement/);
        assert.ok(md.includes(`| ${k[1]} | 0 | 0 | 2 | 0 | 0 | 0.0 % | 0.0 % | 1 | 0.0 % |`), md);
    });

    // A judgement stays with its mutant while the code moves a little, and only with that mutant.
    const JUDGED = { 'policy/a.ts:20: Regex -> "/x/"': "equivalent: r1", 'policy/a.ts:40: Regex -> "/x/"': "equivalent: r2" };
    const DRIFT_ROWS: [string, number, string, string | undefined][] = [
        ["the judged line", 20, 'Regex -> "/x/"', "equivalent: r1"],
        ["moved down 10 lines", 30, 'Regex -> "/x/"', "equivalent: r1"],
        ["moved up 10 lines", 10, 'Regex -> "/x/"', "equivalent: r1"],
        ["moved 11 lines", 9, 'Regex -> "/x/"', undefined],
        ["nearer the second judgement", 31, 'Regex -> "/x/"', "equivalent: r2"],
        ["another replacement", 20, 'Regex -> "/y/"', undefined],
        ["another mutator", 20, 'StringLiteral -> "/x/"', undefined],
    ];
    for (const [what, line, mutant, want] of DRIFT_ROWS)
        it(`judgement: ${what}`, () => {
            assert.equal(judgement({ module: "policy/a.ts", where: `policy/a.ts:${line}`, what: mutant, line, mutant }, JUDGED), want);
            assert.equal(judgement({ module: "policy/b.ts", where: `policy/b.ts:${line}`, what: mutant, line, mutant }, JUDGED), undefined);
        });

    it("judgement: a judgement whose own mutant still survives does not drift to a neighbour", () => {
        const at = (line: number) => ({ module: "policy/a.ts", where: `policy/a.ts:${line}`, what: 'Regex -> "/x/"', line, mutant: 'Regex -> "/x/"' });
        const claimed = claimedKeys([at(20), at(25)], JUDGED);
        assert.deepEqual([...claimed], ['policy/a.ts:20: Regex -> "/x/"']);
        assert.equal(judgement(at(25), JUDGED, claimed), undefined);
        assert.equal(judgement(at(20), JUDGED, claimed), "equivalent: r1");
        assert.equal(judgement(at(35), JUDGED, claimed), "equivalent: r2");
    });

    it("the score with judged survivors out counts them as neither killed nor survived", () => {
        const m = { module: "x", killed: 80, timeout: 0, survived: 15, noCoverage: 5, other: 3 };
        assert.equal(judgedScore(m, 0), 0.8);
        assert.equal(judgedScore(m, 20), 1);
        assert.equal(judgedScore(m, 10), 80 / 90);
        assert.ok(Number.isNaN(judgedScore({ ...m, killed: 0, survived: 0, noCoverage: 0 }, 0)));
    });

    it("says how the run went when scripts/mutation.sh tells it", () => {
        const md = markdown(strykerScores({ files: {} }), mutmutScores(""), "d", { ts: {}, py: [] }, "Last Stryker run: 12 min at load 9.");
        assert.match(md, /\n\nLast Stryker run: 12 min at load 9\.\n\n### TypeScript/);
        assert.doesNotMatch(markdown(strykerScores({ files: {} }), mutmutScores(""), "d"), /Last Stryker run/);
    });

    it("names the files of `mutate` the report has no result for", () => {
        const ls = (d: string) => ({ lib: ["a.ts", "a.test.ts", "b.ts", "c.tsx"], policy: ["index.ts", "s3.ts"] })[d] ?? [];
        const mutate = ["lib/*.ts", "!lib/*.test.ts", "policy/*.ts", "!policy/index.ts", "tools/graph.ts"];
        assert.deepEqual(unscored(mutate, ["lib/a.ts", "policy/s3.ts"], ls), ["lib/b.ts", "tools/graph.ts"]);
        assert.deepEqual(unscored(mutate, ["lib/a.ts", "lib/b.ts", "policy/s3.ts", "tools/graph.ts"], ls), []);
    });

    it("every committed judgement gives a reason", () => {
        for (const [key, why] of Object.entries(EQUIVALENT)) {
            assert.match(key, /^[\w./-]+\.ts:\d+: \w+( -> .+)?$/, key);
            assert.match(why, /^(equivalent|not worth a test|killed by hand)[:,]/, `${key}: ${why}`);
        }
    });

    it("shows timeouts apart: the score counts them as kills, the second score does not", () => {
        const m = { module: "x", killed: 6, timeout: 2, survived: 2, noCoverage: 0, other: 5 };
        assert.equal(score(m), 0.8);
        assert.equal(killedScore(m), 0.6);
        const md = markdown(mutmutScores("    pipelines.x.x_f__mutmut_1: timeout\n    pipelines.x.x_f__mutmut_2: killed"), mutmutScores(""), "d");
        assert.match(md, /\| module \| killed \| timeout \| survived \| no test \| not run \| score \| without timeouts \| judged \| score, judged out \|/);
        assert.match(md, /\| \*\*all\*\* \| 1 \| 1 \| 0 \| 0 \| 0 \| 100\.0 % \| 50\.0 % \| 0 \| 100\.0 % \|/);
    });

    it("lists the Python functions a pragma keeps out, with the pragma's reason, and the TypeScript files left out", () => {
        const src = [
            "def pure(x):",
            "    return x",
            "",
            "",
            "# pragma: no mutate start (not pure: a live Spark session)",
            "@decorator",
            "def main(argv):",
            "    pass",
            "# pragma: no mutate end",
            "# pragma: no mutate start (not pure: HTTP)",
            "class Sender:",
        ].join("\n");
        const found = pythonExclusions(["pipelines/job.py"], () => src);
        assert.deepEqual(found, [
            { where: "pipelines/job.py: main", why: "not pure: a live Spark session" },
            { where: "pipelines/job.py: Sender", why: "not pure: HTTP" },
        ]);
        const md = markdown(strykerScores({ files: {} }), mutmutScores(""), "d", { ts: { "platform/x.ts": "plan-backed only" }, py: found });
        assert.match(md, /## In scope, not mutated\n\n- platform\/x\.ts: plan-backed only\n- pipelines\/job\.py: main: not pure: a live Spark session\n/);
    });

    it('shows a replacement that holds "](" without making it a markdown link', () => {
        const { survivors } = strykerScores({
            files: { "policy/x.ts": { mutants: [{ status: "Survived", mutatorName: "Regex", replacement: "/[a](b)/", location: { start: { line: 3 } } }] } },
        });
        assert.equal(survivors[0].what, 'Regex -> "/[a] (b)/"');
    });

    it("a run of one group replaces that group's files in the summary and keeps the others' results", () => {
        const m = (status: string, line = 1) => ({ status, mutatorName: "BooleanLiteral", replacement: "false", location: { start: { line } } });
        const first = fold({}, { files: { "lib/a.ts": { mutants: [m("Survived", 4)] }, "lib/b.ts": { mutants: [m("Killed")] } } }, "run 1");
        const second = fold(first, { files: { "lib/a.ts": { mutants: [m("Killed"), m("NoCoverage", 8)] } } }, "run 2");
        const { scores, survivors } = summaryScores(JSON.parse(summaryText(second)));
        assert.deepEqual(scores, [
            { module: "lib/a.ts", killed: 1, timeout: 0, survived: 0, noCoverage: 1, other: 0 },
            { module: "lib/b.ts", killed: 1, timeout: 0, survived: 0, noCoverage: 0, other: 0 },
        ]);
        // The same survivors as the report itself gives, so judgements keep matching.
        assert.deepEqual(survivors, strykerScores({ files: { "lib/a.ts": { mutants: [m("Killed"), m("NoCoverage", 8)] } } }).survivors);
        assert.equal(second["lib/b.ts"].run, "run 1");
        assert.equal(second["lib/a.ts"].run, "run 2");
        // A narrowed run replaces only the files it mutated, not results its report carries over.
        const narrowed = fold(second, { files: { "lib/a.ts": { mutants: [m("Survived", 2)] }, "lib/b.ts": { mutants: [m("Survived", 3)] } } }, "run 3", [
            "lib/a*.ts",
        ]);
        assert.equal(narrowed["lib/a.ts"].run, "run 3");
        assert.deepEqual(narrowed["lib/b.ts"], second["lib/b.ts"]);
        // One line per file: two groups' runs touch different lines.
        assert.equal(summaryText(second).split("\n").length, 5);
    });
});
