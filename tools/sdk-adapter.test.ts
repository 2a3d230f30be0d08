// The SDK seam on its own: a small program under the mock engine, decoded through the adapter. An
// SDK upgrade that changes the monitor, the request types or the wire encoding fails here first.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { checkSdk, decodeRegistration, normalize, ProgramFailed, Registration, resolveOutput, runUnderMocks, SDK_VERSION, SdkChanged } from "./sdk-adapter";

class Thing extends pulumi.CustomResource {
    constructor(name: string, props: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
        super("test:index:Thing", name, props, opts);
    }
}

const mocks: pulumi.runtime.Mocks = {
    newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }),
    call: (a) => a.inputs,
};

describe("the Pulumi SDK adapter (tools/sdk-adapter.ts)", () => {
    it("is read from the installed SDK version", () => {
        const installed = require("@pulumi/pulumi/package.json").version;
        assert.equal(
            installed,
            SDK_VERSION,
            `tools/sdk-adapter.ts was read from @pulumi/pulumi ${SDK_VERSION}, installed is ${installed}: check the adapter against the new SDK, then its SDK_VERSION`,
        );
    });

    it("finds the runtime functions and wire constants it reads in the installed SDK", () => {
        checkSdk();
    });

    it("names the adapter and each change when the SDK's wire constants or runtime functions change", () => {
        const rpc = { ...require("@pulumi/pulumi/runtime/rpc"), specialSecretSig: "changed" };
        const { setMocks: _gone, ...runtime } = pulumi.runtime as any;
        assert.throws(
            () => checkSdk(rpc, runtime),
            (e: unknown) =>
                e instanceof SdkChanged &&
                e.message.startsWith(
                    'tools/sdk-adapter.ts: pulumi.runtime.setMocks is missing; runtime/rpc.js specialSecretSig is "changed", not 1b47061264138c4ac30d75fd1eb44270;',
                ) &&
                e.message.endsWith("adapt this file to the new SDK"),
        );
    });

    it("decodes what a program registers: type, name, parent, dependencies, options, secret inputs", async () => {
        const seen: (Registration & { urn?: string })[] = [];
        const out = await runUnderMocks(
            mocks,
            "proj",
            "adaptertest",
            { "proj:key": "v" },
            () => {
                const comp = new pulumi.ComponentResource("test:index:Comp", "comp", {}, {});
                const a = new Thing("a", { plain: "x", hidden: pulumi.secret("s3cret") }, { parent: comp, protect: true, customTimeouts: { create: "7m" } });
                const b = new Thing("b", { ref: a.id, list: [1, 2] }, { dependsOn: [a], ignoreChanges: ["list"], deleteBeforeReplace: true });
                return { bId: b.id, secretOut: pulumi.secret("hidden"), config: new pulumi.Config("proj").get("key") };
            },
            (r) => {
                const entry: Registration & { urn?: string } = { ...r };
                seen.push(entry);
                return { onUrn: (urn) => (entry.urn = urn) };
            },
        );
        const byName = new Map(seen.map((s) => [s.name, s]));
        const [comp, a, b] = ["comp", "a", "b"].map((n) => byName.get(n)!);
        assert.ok(comp && a && b, seen.map((s) => s.name).join());
        assert.equal(comp.custom, false);
        assert.equal(a.type, "test:index:Thing");
        assert.equal(a.custom, true);
        assert.equal(a.parent, comp.urn);
        assert.match(a.urn!, /^urn:pulumi:adaptertest::proj::test:index:Comp\$test:index:Thing::a$/);
        assert.equal(a.protect, true);
        assert.deepEqual(a.customTimeouts, { create: "7m" });
        assert.deepEqual(normalize(a.wireInputs), { plain: "x", hidden: "[secret]" });
        assert.deepEqual(normalize(a.wireInputs, true), { plain: "x", hidden: "s3cret" });
        assert.deepEqual(b.dependencies, [a.urn]);
        assert.deepEqual(b.propertyDependencies.ref, [a.urn]);
        assert.deepEqual(b.ignoreChanges, ["list"]);
        assert.equal(b.deleteBeforeReplace, true);
        assert.equal(b.protect, false);
        assert.equal(b.customTimeouts, undefined);
        assert.deepEqual(normalize(b.wireInputs), { ref: "a-id", list: [1, 2] });
        assert.equal(await resolveOutput(out.bId), "b-id");
        assert.equal(await resolveOutput(out.secretOut), "[secret]");
        assert.equal(out.config, "v");
    });

    it("turns the wire's special values into plain JSON", () => {
        // The SDK's own definitions (runtime/rpc.js:269-304), not the adapter's copies.
        const rpc = require("@pulumi/pulumi/runtime/rpc");
        const sig = rpc.specialSigKey;
        assert.equal(normalize(rpc.unknownValue), "[unknown]");
        assert.equal(normalize({ [sig]: rpc.specialSecretSig, value: "v" }), "[secret]");
        assert.equal(normalize({ [sig]: rpc.specialSecretSig, value: "v" }, true), "v");
        assert.deepEqual(normalize({ [sig]: rpc.specialResourceSig, urn: "urn:x" }), { resource: "urn:x" });
        assert.deepEqual(normalize({ [sig]: rpc.specialAssetSig, text: "abc" }), { asset: "text(3 chars)" });
        assert.deepEqual(normalize({ [sig]: rpc.specialArchiveSig, assets: { a: 1, b: 2 } }), { archive: ["a", "b"] });
    });

    it("names what changed when the SDK's request no longer has a method it reads", () => {
        const req = { getType: () => "t" };
        assert.throws(
            () => decodeRegistration(req),
            (e: unknown) =>
                e instanceof SdkChanged &&
                e.message.startsWith("tools/sdk-adapter.ts: the register request has no getName, getParent") &&
                e.message.includes(`@pulumi/pulumi ${SDK_VERSION}'s internals`),
        );
    });

    describe("a program that throws inside an apply fails the run promptly with the thrown message (as `pulumi up` does)", function () {
        // Before the fix a waiting case hung forever and a silent one resolved without the resource:
        // a short timeout makes the hang a failure here.
        this.timeout(10_000);
        const cases: { name: string; program: () => unknown; message: RegExp }[] = [
            {
                name: "an input computed by a throwing apply; a stack output waits on the resource",
                program: () => {
                    const a = new Thing("a", {});
                    const b = new Thing("b", { ref: a.id.apply((id) => thrower(`boom after ${id}`)) });
                    return { bId: b.id };
                },
                message: /^the program failed: .*boom after a-id/,
            },
            {
                name: "a resource that depends on the failed one (nothing else waits: it silently went missing)",
                program: () => {
                    const a = new Thing("a", {});
                    const b = new Thing("b", { ref: a.id.apply(() => thrower("b cannot be prepared")) });
                    new Thing("c", {}, { dependsOn: [b] });
                    return {};
                },
                message: /^the program failed: .*b cannot be prepared/,
            },
            {
                name: "an input from a rejected promise (an unpinned manifest's refusal)",
                program: () => {
                    new Thing("crds", { yaml: pulumi.output(Promise.reject(new Error("https://x/crd.yaml: no sha256 pinned"))) });
                    return {};
                },
                message: /^the program failed: .*no sha256 pinned/,
            },
            {
                name: "a resource created inside an apply, with a throwing input",
                program: () => {
                    const a = new Thing("a", {});
                    a.id.apply((id) => new Thing(`inner-${id}`, { v: pulumi.output(1).apply(() => thrower("inner boom")) }));
                    return {};
                },
                message: /^the program failed: .*inner boom/,
            },
            {
                name: "a stack output that throws",
                program: () => ({ out: pulumi.output(1).apply(() => thrower("output boom")) }),
                message: /^the program failed: .*output boom/,
            },
        ];
        for (const c of cases)
            it(c.name, async () => {
                const started = Date.now();
                await assert.rejects(
                    runUnderMocks(mocks, "proj", "failing", {}, c.program, () => ({ onUrn: () => undefined })),
                    (e: Error) => (e instanceof ProgramFailed && c.message.test(e.message)) || assert.fail(e.message),
                );
                assert.ok(Date.now() - started < 5_000, `failed after ${Date.now() - started} ms`);
            });

        it("a run after a failed one records only its own resources", async () => {
            await assert.rejects(runUnderMocks(mocks, "proj", "failing", {}, cases[0].program, () => ({ onUrn: () => undefined })));
            const names: string[] = [];
            await runUnderMocks(
                mocks,
                "proj",
                "next",
                {},
                () => {
                    new Thing("only", {});
                    return {};
                },
                (r) => {
                    names.push(r.name);
                    return { onUrn: () => undefined };
                },
            );
            assert.deepEqual(names, ["proj-next", "only"]);
        });
    });
});

function thrower(message: string): never {
    throw new Error(message);
}
