// The lifecycle check (tools/lifecycle.ts) on small synthetic plans, each a plan the check must
// refuse (or pass), with the upstream fact it stands for. test/lifecycle.test.ts runs the same check
// on the stacks' real plans, where it must find nothing; these fixtures make it find something.
// [PK] pulumi-kubernetes at 94977969d64112b04e19945818a7d5d5f38f631d (the tree model/controllers.json
//      cites): provider/pkg/metadata/overrides.go:49-66 TimeoutDuration (customTimeouts first, then
//      a whole-number pulumi.com/timeoutSeconds, else the default), await.go:306-311 (default 10 min).
import { strict as assert } from "assert";
import type { Captured } from "./harness";
import { awaitedObjects, controllerTable, parseDuration } from "./lifecycle";

let seq = 0;
/** A planned resource; `spec`/`metadata` go to both inputs and rawInputs, as the harness captures them. */
function res(name: string, type: string, o: Partial<Captured> & { body?: Record<string, unknown> } = {}): Captured {
    const { body, ...rest } = o;
    return {
        urn: `urn:pulumi:t::p::${type}::${name}#${seq++}`,
        type,
        name,
        parent: null,
        provider: null,
        dependencies: [],
        propertyDependencies: {},
        protect: false,
        retainOnDelete: false,
        deleteBeforeReplace: false,
        ignoreChanges: [],
        custom: true,
        remote: false,
        inputs: { ...(body ?? {}) },
        rawInputs: { ...(body ?? {}) },
        ...rest,
    };
}
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const annotated = (annotations: Record<string, string>) => ({ metadata: { annotations } });

describe("lifecycle check on synthetic plans (tools/lifecycle.ts)", () => {
    describe("the timeout Pulumi applies to an awaited object [PK]", () => {
        const table = controllerTable();
        const rows: [string, Captured, number][] = [
            ["no annotation, no customTimeouts: the default", res("d", DEPLOYMENT), 600],
            ["pulumi.com/timeoutSeconds", res("d", DEPLOYMENT, { body: annotated({ "pulumi.com/timeoutSeconds": "1200" }) }), 1200],
            ["customTimeouts.create", res("d", DEPLOYMENT, { customTimeouts: { create: "15m" } }), 900],
            [
                "customTimeouts.create wins over the annotation (overrides.go:54-57)",
                res("d", DEPLOYMENT, { customTimeouts: { create: "15m" }, body: annotated({ "pulumi.com/timeoutSeconds": "300" }) }),
                900,
            ],
            [
                "an annotation strconv.Atoi refuses is ignored (overrides.go:58-62)",
                res("d", DEPLOYMENT, { body: annotated({ "pulumi.com/timeoutSeconds": "15m" }) }),
                600,
            ],
        ];
        for (const [what, r, want] of rows)
            it(`${what}: ${want} s`, () => {
                assert.deepEqual(
                    awaitedObjects([r], table).map((a) => a.timeoutSeconds),
                    [want],
                );
            });

        it("parses customTimeouts durations (the SDK's strings, e.g. 5m, 40s)", () => {
            for (const [s, want] of [
                ["15m", 900],
                ["40s", 40],
                ["1h30m", 5400],
                ["2.5m", 150],
                ["", 0],
            ] as const)
                assert.equal(parseDuration(s), want, s);
        });
    });
});
