// The CRD manifests' cache and download (lib/manifests.ts verifiedManifest): `pulumi up` uses only
// bytes whose sha256 is pinned, fetches each at most once, and says what to do when offline.
// The download runs against a local HTTP server (Node's own fetch, no stub of it).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { sha256 } from "./hash";
import { MANIFEST_CACHE_ENV, manifestCacheDir, verifiedManifest } from "./manifests";

describe("pinned manifests: cache and download (lib/manifests.ts)", () => {
    const body = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n";
    let tmp: string;
    let server: http.Server;
    let base: string;
    const served: string[] = [];
    const url = () => `${base}/crds.yaml`;
    const pins = () => ({ [url()]: sha256(body), [`${base}/missing.yaml`]: sha256(body) });

    before(async () => {
        server = http.createServer((req, res) => {
            served.push(req.url!);
            if (req.url === "/crds.yaml") res.end(body);
            else {
                res.statusCode = 404;
                res.end("not found");
            }
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-manifests-"));
        served.length = 0;
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("downloads once, caches the verified bytes as <sha256>.yaml (creating the folder), then reads the cache", async () => {
        const dir = path.join(tmp, "a", "b");
        assert.equal(await verifiedManifest(url(), { pins: pins(), dir }), body);
        assert.deepEqual(served, ["/crds.yaml"]);
        assert.deepEqual(fs.readdirSync(dir), [`${sha256(body)}.yaml`], "one file, no partial download left");
        assert.equal(fs.readFileSync(path.join(dir, `${sha256(body)}.yaml`), "utf8"), body);
        assert.equal(await verifiedManifest(url(), { pins: pins(), dir }), body);
        assert.deepEqual(served, ["/crds.yaml"], "the second call downloads nothing");
    });

    it("refuses a URL without a pin before any download", async () => {
        await assert.rejects(
            verifiedManifest(`${base}/other.yaml`, { pins: pins(), dir: tmp }),
            /other\.yaml: no sha256 pinned for this manifest in versions\.ts/,
        );
        await assert.rejects(verifiedManifest(`${base}/other.yaml`, { dir: tmp }), /no sha256 pinned/, "versions.ts's pins by default");
        assert.deepEqual(served, []);
    });

    it("refuses downloaded bytes that differ from the pin, and caches nothing", async () => {
        const wrong = { [url()]: sha256("something else") };
        await assert.rejects(
            verifiedManifest(url(), { pins: wrong, dir: tmp }),
            new RegExp(`sha256 ${sha256(body)} does not match the pinned ${sha256("something else")}`),
        );
        assert.deepEqual(fs.readdirSync(tmp), []);
    });

    it("refuses a changed cached copy, saying which file to delete", async () => {
        const file = path.join(tmp, `${sha256(body)}.yaml`);
        fs.writeFileSync(file, body + "# edited\n");
        await assert.rejects(verifiedManifest(url(), { pins: pins(), dir: tmp }), (e: Error) => {
            assert.match(e.message, /does not match the pinned/);
            assert.ok(e.message.endsWith(`(cached copy ${file}: delete it to download again)`), e.message);
            return true;
        });
        assert.deepEqual(served, [], "a bad cache is reported, not silently replaced");
    });

    it("uses the fetch it is given instead of downloading", async () => {
        const asked: string[] = [];
        const got = await verifiedManifest(url(), { pins: pins(), dir: tmp, fetch: async (u) => (asked.push(u), Buffer.from(body)) });
        assert.equal(got, body);
        assert.deepEqual(asked, [url()]);
        assert.deepEqual(served, []);
    });

    it("a failed download names the URL and the HTTP status, or says how to work offline", async () => {
        await assert.rejects(
            verifiedManifest(`${base}/missing.yaml`, { pins: pins(), dir: tmp }),
            new RegExp(`^Error: ${base}/missing\\.yaml: download failed \\(HTTP 404\\)$`),
        );
        // A port nothing listens on: the connection is refused.
        const closed = http.createServer();
        await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
        const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/crds.yaml`;
        await new Promise<void>((r) => closed.close(() => r()));
        await assert.rejects(verifiedManifest(dead, { pins: { [dead]: sha256(body) }, dir: tmp }), (e: Error) => {
            assert.ok(e.message.startsWith(`${dead}: download failed (`), e.message);
            assert.ok(e.message.endsWith(`); offline, put the file in ${MANIFEST_CACHE_ENV} as <its pinned sha256>.yaml`), e.message);
            return true;
        });
        assert.deepEqual(fs.readdirSync(tmp), []);
    });

    it("keeps the cache in $BDOK_MANIFEST_CACHE, else ~/.cache/bdok/manifests", () => {
        assert.equal(MANIFEST_CACHE_ENV, "BDOK_MANIFEST_CACHE", "the name docs/ tell users to set");
        assert.equal(manifestCacheDir({ BDOK_MANIFEST_CACHE: "/x/y" }), "/x/y");
        assert.equal(manifestCacheDir({}), path.join(os.homedir(), ".cache", "bdok", "manifests"));
        assert.equal(manifestCacheDir({ BDOK_MANIFEST_CACHE: "" }), path.join(os.homedir(), ".cache", "bdok", "manifests"), "empty is unset");
    });
});
