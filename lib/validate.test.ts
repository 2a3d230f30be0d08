// The configuration validator's boundaries (README "bad input -> a clear error"): every rule at and
// around its limits, and the messages a user reads. Expectations are the documented behaviour
// (docs/configuration.md: the allowed values), and textbook facts (edit distances).
import { strict as assert } from "assert";
import {
    ConfigError,
    Ctx,
    Rule,
    bool,
    closest,
    closestAll,
    dict,
    didYouMean,
    docOf,
    field,
    hiddenNote,
    int,
    levenshtein,
    list,
    num,
    obj,
    oneOf,
    printable,
    quoteHint,
    show,
    str,
    unknownKey,
} from "./validate";

function run<T>(rule: Rule<T>, v: unknown): { value: T | undefined; issues: string[] } {
    const ctx: Ctx = { issues: [] };
    return { value: rule(v, "bdok:x", ctx), issues: ctx.issues };
}

describe("configuration validator (lib/validate.ts)", () => {
    const NUM = (): [string, Rule<number>, unknown, number | undefined][] => [
        ["int at min", int(1, 5), 1, 1],
        ["int at max", int(1, 5), 5, 5],
        ["int below min", int(1, 5), 0, undefined],
        ["int above max", int(1, 5), 6, undefined],
        ["int as text (Pulumi passes scalars as strings)", int(1, 5), " 3 ", 3],
        ["int negative text", int(-5, 5), "-2", -2],
        ["int not whole", int(1, 5), 2.5, undefined],
        ["int text not whole", int(1, 5), "2.5", undefined],
        ["int text with junk", int(1, 5), "3x", undefined],
        ["int text with junk before", int(1, 5), "x3", undefined],
        ["int empty text", int(0, 5), "", undefined],
        ["int boolean", int(0, 5), true, undefined],
        ["int infinite", int(0, Infinity), Infinity, undefined],
        ["num fraction", num(0, 1), 0.5, 0.5],
        ["num fraction text", num(0, 1), "0.25", 0.25],
        ["num text '1.'", num(0, 5), "1.", undefined],
        ["num above max", num(0, 1), 1.01, undefined],
    ];
    for (const [i, [what]] of NUM().entries())
        it(`number: ${what}`, () => {
            const [, rule, v, want] = NUM()[i];
            const r = run(rule, v);
            assert.equal(r.value, want);
            assert.equal(r.issues.length, want === undefined ? 1 : 0);
        });
    it("number: the message names the path, the value and the range", () => {
        assert.deepEqual(run(int(1, 5), 9).issues, ["bdok:x: got 9; allowed: an integer from 1 to 5"]);
        assert.deepEqual(run(num(0, 1), "x").issues, ['bdok:x: got "x"; allowed: a number from 0 to 1']);
        assert.equal(docOf(int(1, 5))?.kind, "integer");
        assert.equal(docOf(num(1, 5))?.kind, "number");
    });

    const BOOL: [unknown, boolean | undefined][] = [
        [true, true],
        ["true", true],
        [false, false],
        ["false", false],
        ["yes", undefined],
        [1, undefined],
    ];
    for (const [v, want] of BOOL)
        it(`bool: ${JSON.stringify(v)}`, () => {
            const r = run(bool(), v);
            assert.equal(r.value, want);
            if (want === undefined) assert.deepEqual(r.issues, [`bdok:x: got ${JSON.stringify(v)}; allowed: true or false`]);
        });

    const STR = (): [string, Rule<string>, unknown, string | undefined, RegExp | undefined][] => [
        ["a string", str(), "a", "a", undefined],
        ["empty", str(), "", undefined, /allowed: a non-empty string$/],
        ["blank", str(), "  ", undefined, /allowed: a non-empty string$/],
        ["empty allowed", str({ nonEmpty: false }), "", "", undefined],
        ["a number (YAML)", str(), 17.6, undefined, /got 17\.6; allowed: a non-empty string \(got a number: YAML reads an unquoted 17\.6 as one/],
        ["oneOf hit", oneOf(["dev", "prod"]), "prod", "prod", undefined],
        ["oneOf miss", oneOf(["dev", "prod"]), "stage", undefined, /allowed: one of "dev", "prod"$/],
        ["oneOf version-like", oneOf(["1.30"]), "1.3", undefined, /one of "1\.30" \(YAML reads an unquoted 1\.30 as the number 1\.3/],
        ["oneOf with a hidden character", oneOf(["dev"]), "de\u200bv", undefined, /contains U\+200B: an invisible or look-alike character/],
        ["pattern hit", str({ pattern: /^[a-z]+$/, describe: "lower case" }), "abc", "abc", undefined],
        ["pattern miss", str({ pattern: /^[a-z]+$/, describe: "lower case" }), "aBc", undefined, /allowed: lower case$/],
        [
            "pattern miss, look-alike",
            str({ pattern: /^[a-z]+$/, describe: "lower case" }),
            "\u0430bc",
            undefined,
            /"\\u0430bc"; allowed: lower case \(contains U\+0430/,
        ],
        ["check hit", str({ check: (v) => (v === "ok" ? undefined : "ok only") }), "ok", "ok", undefined],
        ["check miss", str({ check: (v) => (v === "ok" ? undefined : "ok only") }), "no", undefined, /allowed: ok only$/],
    ];
    for (const [i, [what]] of STR().entries())
        it(`string: ${what}`, () => {
            const [, rule, v, want, msg] = STR()[i];
            const r = run(rule, v);
            assert.equal(r.value, want);
            assert.equal(r.issues.length, msg ? 1 : 0, r.issues.join("\n"));
            if (msg) assert.match(r.issues[0], msg);
        });

    const LIST = (): [string, Rule<number[]>, unknown, number[] | undefined, RegExp | undefined][] => [
        ["empty, min 0", list(int(0, 9)), [], [], undefined],
        ["at min", list(int(0, 9), { min: 2 }), [1, 2], [1, 2], undefined],
        ["below min", list(int(0, 9), { min: 2 }), [1], undefined, /got \[1\]; allowed: a list of 2 or more items$/],
        ["at max", list(int(0, 9), { max: 2 }), [1, 2], [1, 2], undefined],
        ["above max", list(int(0, 9), { min: 1, max: 2 }), [1, 2, 3], undefined, /allowed: a list of 1 to 2 items$/],
        ["JSON text", list(int(0, 9)), "[1, 2]", [1, 2], undefined],
        ["not JSON", list(int(0, 9)), "[1, 2", undefined, /got "\[1, 2"/],
        ["a bad item", list(int(0, 9)), [1, 10], undefined, /^bdok:x\[1\]: got 10/],
        ["not a list", list(int(0, 9)), { a: 1 }, undefined, /allowed: a list/],
    ];
    for (const [i, [what]] of LIST().entries())
        it(`list: ${what}`, () => {
            const [, rule, v, want, msg] = LIST()[i];
            const r = run(rule, v);
            assert.deepEqual(r.value, want);
            assert.equal(r.issues.length, msg ? 1 : 0, r.issues.join("\n"));
            if (msg) assert.match(r.issues[0], msg);
        });
    it("list: its description names the items", () =>
        assert.equal(docOf(list(int(0, 9), { min: 1 }))?.allowed, "a list of 1 or more items, each an integer from 0 to 9"));

    const DICT = (): [string, Rule<Record<string, number>>, unknown, Record<string, number> | undefined, RegExp | undefined][] => [
        ["empty, min 0", dict(int(0, 9)), {}, {}, undefined],
        ["min 1, empty", dict(int(0, 9), { min: 1 }), {}, undefined, /allowed: a map with at least 1 entry$/],
        ["min 2, one", dict(int(0, 9), { min: 2 }), { a: 1 }, undefined, /allowed: a map with at least 2 entries$/],
        ["JSON text", dict(int(0, 9)), '{"a": 1}', { a: 1 }, undefined],
        ["a list", dict(int(0, 9)), [1], undefined, /allowed: a map/],
        ["null", dict(int(0, 9)), null, undefined, /allowed: a map/],
        ["a bad key", dict(int(0, 9), { keyPattern: /^[a-z]+$/ }), { a: 1, B: 2 }, undefined, /^bdok:x key: got "B"; allowed: a key matching/],
        ["a described key", dict(int(0, 9), { keyPattern: /^[a-z]+$/, keyDescribe: "lower-case names" }), { B: 2 }, undefined, /allowed: lower-case names$/],
        ["a bad value", dict(int(0, 9)), { a: 10 }, undefined, /^bdok:x\.a: got 10/],
    ];
    for (const [i, [what]] of DICT().entries())
        it(`map: ${what}`, () => {
            const [, rule, v, want, msg] = DICT()[i];
            const r = run(rule, v);
            assert.deepEqual(r.value, want);
            assert.equal(r.issues.length, msg ? 1 : 0, r.issues.join("\n"));
            if (msg) assert.match(r.issues[0], msg);
        });

    const shape = () => ({ name: field(str(), "a name"), size: field(int(1, 9), "a size", 3), tags: field(list(str()), "tags", () => ["x"]) });
    const OBJ: [string, unknown, unknown, RegExp[]][] = [
        ["defaults filled", { name: "a" }, { name: "a", size: 3, tags: ["x"] }, []],
        ["null means absent", { name: "a", size: null }, { name: "a", size: 3, tags: ["x"] }, []],
        ["JSON text", '{"name": "a", "size": 2}', { name: "a", size: 2, tags: ["x"] }, []],
        ["required missing", { size: 2 }, undefined, [/^bdok:x\.name: is required; allowed: a name$/]],
        [
            "an unknown key, close to one",
            { name: "a", sise: 2 },
            undefined,
            [/^bdok:x\.sise: unknown key; did you mean "size"\?; allowed: known keys: name, size, tags$/],
        ],
        ["an unknown key, far from all", { name: "a", colour: 2 }, undefined, [/^bdok:x\.colour: unknown key; allowed: known keys/]],
        ["not an object", 3, undefined, [/got 3; allowed: an object with keys name, size, tags$/]],
    ];
    for (const [what, v, want, msgs] of OBJ)
        it(`object: ${what}`, () => {
            const r = run(obj(shape()), v);
            assert.deepEqual(r.value, want);
            assert.equal(r.issues.length, msgs.length, r.issues.join("\n"));
            msgs.forEach((m, i) => assert.match(r.issues[i], m));
        });

    // Textbook Levenshtein distances.
    const LEV: [string, string, number][] = [
        ["kitten", "sitting", 3],
        ["flaw", "lawn", 2],
        ["", "abc", 3],
        ["abc", "", 3],
        ["same", "same", 0],
        ["ab", "ba", 2],
    ];
    for (const [a, b, d] of LEV) it(`levenshtein(${a}, ${b}) = ${d}`, () => assert.equal(levenshtein(a, b), d));

    // A typo is "close" within max(2, a third of the key's length) edits, case-insensitively.
    const CLOSE: [string, string[], string | undefined][] = [
        ["regoin", ["region", "zones"], "region"],
        ["REGION", ["region"], "region"],
        ["xx", ["region"], undefined],
        ["ab", ["cd"], "cd"],
        ["abc", ["xyz"], undefined],
        ["endpointpublicaxxxxx", ["endpointPublicAccess"], "endpointPublicAccess"],
        ["endpointpublicxxxxxx", ["endpointPublicAccess"], "endpointPublicAccess"],
        ["endpointpubxxxxxxxxx", ["endpointPublicAccess"], undefined],
        ["a", [], undefined],
    ];
    for (const [k, known, want] of CLOSE) it(`closest(${k})`, () => assert.equal(closest(k, known), want));
    it("names every key at the smallest distance, up to a limit", () => {
        assert.deepEqual(closestAll("cat", ["bat", "hat", "cart", "dog"]), ["bat", "hat", "cart"]);
        assert.equal(didYouMean("cat", ["bat", "hat", "cart"], 2), 'did you mean "bat" or "hat"?');
        assert.equal(didYouMean("cat", ["zebra"]), "");
        assert.deepEqual(closestAll("cat", ["zebra"]), []);
        assert.equal(
            unknownKey("bdok:regoin", "regoin", ["region"], "bdok:"),
            'bdok:regoin: unknown key; did you mean "bdok:region"?; allowed: known keys: bdok:region',
        );
    });

    it("shows hidden and look-alike characters", () => {
        assert.equal(printable("a\u200bb"), "a\\u200bb");
        assert.equal(printable("plain ~"), "plain ~");
        assert.equal(printable("\u{1F600}"), "\\u1f600", "one code point, not two halves");
        assert.equal(hiddenNote("abc"), "");
        assert.equal(hiddenNote("a\u00e9\u00e9"), " (contains U+00E9: an invisible or look-alike character; retype it)");
    });

    it("shows values: strings quoted, long JSON cut at 80, the rest as text", () => {
        assert.equal(show("a"), '"a"');
        assert.equal(show([1, 2]), "[1,2]");
        assert.equal(show(undefined), "undefined");
        const long = show({ k: "x".repeat(100) });
        assert.equal(long.length, 80);
        assert.ok(long.endsWith("..."));
        assert.equal(show({ k: "x".repeat(72) }).length, 80, "exactly 80 is shown whole");
        assert.ok(!show({ k: "x".repeat(72) }).endsWith("..."));
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        assert.equal(show(cyclic), "[object Object]");
        assert.equal(show(10n), "10");
    });

    it("hints at YAML's numbers only for numbers and version-like text", () => {
        assert.match(quoteHint(1.3), /unquoted 1\.3 as one/);
        assert.match(quoteHint("1.30"), /write versions in quotes/);
        assert.equal(quoteHint("1.30a"), "");
        assert.equal(quoteHint("v1.30"), "");
        assert.equal(quoteHint("130"), "");
    });

    it("writes a hidden character's code in four hex digits at least, and lists each distinct one", () => {
        // Code points in at least four hex digits, as U+ notation writes them (The Unicode Standard, Appendix A "Notational Conventions").
        assert.equal(printable("caf\u00e9"), "caf\\u00e9");
        assert.equal(printable("\t"), "\\u0009");
        assert.equal(hiddenNote("\u00e9x\u200b\u00e9"), " (contains U+00E9, U+200B: an invisible or look-alike character; retype it)");
    });

    it("shows a long string whole (only JSON of other values is cut at 80)", () => {
        const s = "x".repeat(100);
        assert.equal(show(s), JSON.stringify(s));
    });

    it("hints at quotes for version-like text of any length, nothing for other text", () => {
        assert.match(quoteHint("17.6"), /write versions in quotes/);
        assert.match(quoteHint("1.30"), /write versions in quotes/);
        assert.equal(quoteHint("abc"), "");
        assert.equal(quoteHint(""), "");
        assert.equal(quoteHint(["1.30"]), "", "a list is no unquoted number, whatever its text");
    });

    it("number: numeric text only in plain decimal (table-driven)", () => {
        const cases: [unknown, number | undefined][] = [
            ["42", 42],
            ["-12", -12],
            ["0x10", undefined],
            ["1e3", undefined],
            ["12.5.1", undefined],
        ];
        for (const [v, want] of cases) assert.equal(run(num(-100, 2000), v).value, want, String(v));
    });

    it("list, map, object: a list holding one JSON text is none of them", () => {
        assert.equal(run(dict(int(0, 9)), ['{"a": 1}']).value, undefined);
        assert.equal(run(obj({ a: field(int(0, 9), "a") }), ['{"a": 1}']).value, undefined);
        assert.equal(run(list(int(0, 9)), 1).value, undefined);
    });

    it("the configuration reference's descriptions of each kind of rule (tools/docs-config.ts)", () => {
        assert.deepEqual(docOf(bool()), { kind: "boolean", allowed: "true or false" });
        assert.deepEqual(docOf(str()), { kind: "string", allowed: "a non-empty string" });
        assert.deepEqual(docOf(oneOf(["a", "b"])), { kind: "string", allowed: 'one of "a", "b"' });
        const item = int(0, 9);
        assert.deepEqual(docOf(list(item, { max: 2 })), { kind: "list", allowed: "a list of 0 to 2 items, each an integer from 0 to 9", item });
        assert.deepEqual(docOf(dict(item)), { kind: "map", allowed: "a map with at least 0 entries; keys: any keys", item });
        assert.deepEqual(docOf(dict(item, { min: 1, keyPattern: /^[a-z]+$/ })), {
            kind: "map",
            allowed: "a map with at least 1 entry; keys: keys matching /^[a-z]+$/",
            item,
        });
        const shape = { a: field(item, "a"), b: field(str(), "b") };
        assert.deepEqual(docOf(obj(shape)), { kind: "object", allowed: "an object with keys a, b", shape });
    });

    it("closest: of keys at the same distance, the first known one", () => {
        assert.equal(closest("ab", ["ax", "ay"]), "ax");
        assert.equal(closest("ab", ["ay", "ax"]), "ay");
    });

    it("ConfigError lists one problem inline, several as a list", () => {
        assert.equal(new ConfigError(["a: bad"]).message, "Invalid configuration: a: bad");
        assert.equal(new ConfigError(["a: bad", "b: bad"]).message, "Invalid configuration (2 problems):\n  - a: bad\n  - b: bad");
        assert.equal(new ConfigError([]).name, "ConfigError");
    });
});
