// Password rotation's pure parts (lib/passwords.ts): which generation a password has, the keepers
// that make the random provider replace it, and the pod annotation that restarts its readers.
// The random provider replaces a RandomPassword when a keeper's value changes
// (terraform-provider-random internal/provider/resource_password.go, "keepers": RequiresReplaceIfValuesNotNull),
// and a Deployment rolls when its pod template's annotations change (Kubernetes docs, Deployments:
// "A Deployment's rollout is triggered if and only if the Deployment's Pod template is changed").
import { strict as assert } from "assert";
import { GENERATIONS_ANNOTATION, NOT_ROTATABLE, ROTATABLE, generationOf, generationsAnnotation, keepersOf, withPodAnnotations } from "./passwords";

// Rotatable names from the table itself: one with today's generation, one without.
const withInitial = Object.keys(ROTATABLE).find((n) => ROTATABLE[n].initial !== undefined)!;
const withoutInitial = Object.keys(ROTATABLE).find((n) => ROTATABLE[n].initial === undefined)!;
const notRotatable = Object.keys(NOT_ROTATABLE)[0];

describe("password rotation (lib/passwords.ts)", () => {
    it("the table has both kinds of rotatable password, and no name in both tables", () => {
        assert.ok(withInitial && withoutInitial);
        for (const n of Object.keys(ROTATABLE)) assert.ok(!(n in NOT_ROTATABLE), n);
    });

    it("a password's generation: the stack's setting, else today's, else none (table-driven)", () => {
        const cases: [string, Record<string, string>, string, string | undefined][] = [
            ["setting wins over today's", { [withInitial]: "7" }, withInitial, "7"],
            ["today's when not set", {}, withInitial, ROTATABLE[withInitial].initial],
            ["another password's setting is not this one's", { [withoutInitial]: "2" }, withInitial, ROTATABLE[withInitial].initial],
            ["none before a first rotation", {}, withoutInitial, undefined],
            ["a first rotation", { [withoutInitial]: "2" }, withoutInitial, "2"],
            ["a name outside the tables has none", {}, "no-such-password", undefined],
            ["unless the setting names it", { "no-such-password": "3" }, "no-such-password", "3"],
        ];
        for (const [what, rotation, name, want] of cases) assert.equal(generationOf(rotation, name), want, what);
    });

    it("keepers carry the generation, and are absent until there is one (today's plans unchanged)", () => {
        assert.deepEqual(keepersOf({}, withoutInitial), {});
        assert.ok(!("keepers" in keepersOf({}, withoutInitial)), "no keepers key: adding {} would still be a diff");
        assert.deepEqual(keepersOf({ [withoutInitial]: "2" }, withoutInitial), { keepers: { generation: "2" } });
        assert.deepEqual(keepersOf({}, withInitial), { keepers: { generation: ROTATABLE[withInitial].initial } });
        // A new generation is a new keeper value: the provider replaces the password.
        assert.notDeepEqual(keepersOf({ [withInitial]: "next" }, withInitial), keepersOf({}, withInitial));
    });

    it("the pod annotation names the rotated generations of the passwords a pod reads, in a stable order", () => {
        const [a, b] = Object.keys(ROTATABLE).sort();
        assert.deepEqual(generationsAnnotation({}, [a, b]), {}, "nothing rotated: no annotation, so pods do not restart");
        assert.deepEqual(generationsAnnotation({ [a]: "2" }, [b]), {}, "a rotation of a password the pod does not read");
        assert.deepEqual(generationsAnnotation({ [notRotatable]: "2" }, [notRotatable]), {}, "a password that is not rotatable");
        const both = generationsAnnotation({ [a]: "2", [b]: "5" }, [b, a]);
        assert.deepEqual(Object.keys(both), [GENERATIONS_ANNOTATION]);
        assert.equal(both[GENERATIONS_ANNOTATION], `${a}=2,${b}=5`, "sorted by name, so the order of the list does not restart pods");
        assert.deepEqual(generationsAnnotation({ [a]: "2", [b]: "5" }, [a, b]), both);
        assert.notDeepEqual(generationsAnnotation({ [a]: "3", [b]: "5" }, [a, b]), both, "a new generation changes it");
        assert.equal(generationsAnnotation({ [a]: "2" }, [a, b])[GENERATIONS_ANNOTATION], `${a}=2`, "only the rotated ones");
    });

    it("adds annotations to a pod template, keeping what the spec and the template already have", () => {
        const spec = { replicas: 1, template: { metadata: { labels: { app: "x" }, annotations: { keep: "1", over: "old" } }, spec: { containers: [] } } };
        assert.equal(withPodAnnotations(spec, {}), spec, "no annotations: the spec itself");
        assert.deepEqual(withPodAnnotations(spec, { over: "new", add: "2" }), {
            replicas: 1,
            template: { metadata: { labels: { app: "x" }, annotations: { keep: "1", over: "new", add: "2" } }, spec: { containers: [] } },
        });
        assert.deepEqual(spec.template.metadata.annotations, { keep: "1", over: "old" }, "the input is not changed");
        // A template without metadata, and a spec without a template (a Job's spec built bare).
        assert.deepEqual(withPodAnnotations({ template: { spec: {} } }, { a: "1" }), { template: { spec: {}, metadata: { annotations: { a: "1" } } } });
        assert.deepEqual(withPodAnnotations({ template: { metadata: { name: "n" } } }, { a: "1" }), {
            template: { metadata: { name: "n", annotations: { a: "1" } } },
        });
        assert.deepEqual(withPodAnnotations({ backoffLimit: 2 }, { a: "1" }), { backoffLimit: 2, template: { metadata: { annotations: { a: "1" } } } });
    });
});
