// Content hashes decide when a Job is replaced: the name must change exactly when the content does.
import { strict as assert } from "assert";
import * as crypto from "crypto";
import { canonicalJson, contentName, sha256 } from "./hash";
import { verifyManifest } from "./manifests";

describe("content hashes", () => {
    it("sha256 is the hex digest of the bytes (a string and its Buffer agree)", () => {
        // FIPS 180-2 test vector for "abc".
        assert.equal(sha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert.equal(sha256(Buffer.from("abc")), sha256("abc"));
    });

    it("canonical JSON ignores key order and undefined members, keeps array order and every other value", () => {
        const cases: [unknown, unknown, boolean][] = [
            [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
            [{ a: 1, b: undefined }, { a: 1 }, true],
            [{ a: { x: 1, y: [1, 2] } }, { a: { y: [1, 2], x: 1 } }, true],
            [[1, 2], [2, 1], false],
            [{ a: null }, { a: undefined }, false],
            [{ a: "1" }, { a: 1 }, false],
            [{ a: 1 }, { a: 1, b: 0 }, false],
            [{ "a,b": 1 }, { a: 1, b: 1 }, false],
        ];
        for (const [x, y, same] of cases) assert.equal(canonicalJson(x) === canonicalJson(y), same, `${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
        // It is JSON: it parses back to the same value.
        const v = { z: [1, { b: "q", a: null }], a: true, m: "s" };
        assert.deepEqual(JSON.parse(canonicalJson(v)), v);
        assert.equal(canonicalJson({ b: 1, a: [true, "x"] }), '{"a":[true,"x"],"b":1}');
    });

    it("contentName is <base>-<10 hex of the canonical content>, changes with the content, and refuses non-DNS names", () => {
        const name = contentName("db-init", { sql: "x", n: 1 });
        assert.match(name, /^db-init-[0-9a-f]{10}$/);
        assert.equal(name, `db-init-${crypto.createHash("sha256").update('{"n":1,"sql":"x"}').digest("hex").slice(0, 10)}`);
        assert.equal(contentName("db-init", { n: 1, sql: "x" }), name, "key order does not matter");
        assert.notEqual(contentName("db-init", { sql: "y", n: 1 }), name, "the content does");
        // DNS-1123 label: lower case, at most 63 characters (base up to 52 plus "-" and 10 hex).
        assert.equal(contentName("a".repeat(52), 1).length, 63);
        for (const bad of ["a".repeat(53), "Upper", "under_score", "-lead", ""])
            assert.throws(() => contentName(bad, 1), /not a DNS-1123 label of at most 63 characters/, bad);
    });
});

describe("pinned manifests", () => {
    const url = "https://example.test/crds.yaml";
    const body = "kind: CustomResourceDefinition\n";
    const pins = { [url]: sha256(body) };

    it("accepts the pinned content, as a string or bytes", () => {
        assert.doesNotThrow(() => verifyManifest(url, body, pins));
        assert.doesNotThrow(() => verifyManifest(url, Buffer.from(body), pins));
    });

    it("refuses changed content and an URL without a pin, naming the URL", () => {
        assert.throws(() => verifyManifest(url, body + " ", pins), new RegExp(`^Error: ${url}: sha256 [0-9a-f]{64} does not match the pinned ${pins[url]}`));
        assert.throws(() => verifyManifest(`${url}?v=2`, body, pins), /\?v=2: no sha256 pinned for this manifest in versions\.ts/);
    });

    it("checks against versions.ts's pins by default", () => {
        assert.throws(() => verifyManifest(url, body), /no sha256 pinned/);
    });
});
