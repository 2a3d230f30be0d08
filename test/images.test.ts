// Supply chain: every image a node pulls for the platform is named by digest, the digest being the one
// versions.ts records with its upstream source; the images the program builds go to ECR repositories
// whose tags cannot move. The inventory comes from each stack's plan and its rendered charts
// (tools/images.ts), so a new chart default or a new pod is seen without anyone listing it.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { renderPlan } from "../tools/render";
import { worldOf, WorldObject } from "../tools/references";
import { imageUses, ImageUse, parseImage } from "../tools/images";
import { connectImageTag } from "../platform/kafka/specs";
import { imageTag as supersetImageTag } from "../platform/superset/values";
import { byDigest, imageDigests, images } from "../versions";
import { ofType, planOf, STACKS } from "./support";
import type { PlanRun } from "../tools/harness";
import { TAG_ONLY_EXCEPTIONS } from "../policy/images";
import { PlanResourceLike, policyConfigOf, runPolicies } from "../tools/policy-run";

/**
 * Images whose digest no citable upstream file gives: the policy pack's exceptions (with the reason),
 * which this suite keeps from growing (see "PENDING only shrinks").
 */
const PENDING = TAG_ONLY_EXCEPTIONS;

interface StackImages {
    run: PlanRun;
    uses: ImageUse[];
}

const cache = new Map<string, StackImages>();
async function imagesOf(stack: string): Promise<StackImages> {
    if (!cache.has(stack)) {
        const run = await planOf(stack);
        cache.set(stack, { run, uses: imageUses(worldOf(run.captured, renderPlan(run))) });
    }
    return cache.get(stack)!;
}

const tagged = (ref: string) => {
    const p = parseImage(ref);
    return p.tag === undefined ? p.repository : `${p.repository}:${p.tag}`;
};

/** Repository URLs of the plan's ECR repositories (mocked `<account>.dkr.ecr.<region>.amazonaws.com/<name>`) and their tag mutability. */
function ecrRepositories(run: PlanRun): Map<string, string> {
    return new Map(ofType(run, "aws:ecr/repository:Repository").map((r) => [String((r.inputs as any).name), String((r.inputs as any).imageTagMutability)]));
}

/** The ECR repository name of an image in the plan's account, if it is one. */
function ecrRepositoryName(image: string): string | undefined {
    return /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/([^:@]+)/.exec(image)?.[1];
}

/** Why an image reference fails the supply-chain rule, or undefined when it passes. */
function problem(u: ImageUse, ecr: Map<string, string>): string | undefined {
    const p = parseImage(u.image);
    const repo = ecrRepositoryName(u.image);
    if (repo !== undefined) {
        const mut = ecr.get(repo);
        if (mut === undefined) return `${u.image}: an ECR repository the plan does not create`;
        return mut === "IMMUTABLE" ? undefined : `${u.image}: built into ECR repository ${repo} whose tags are ${mut}`;
    }
    if (u.use === "push") return `${u.image}: a build pushes to a registry outside the plan`;
    if (p.digest === undefined) return PENDING[u.image] ? undefined : `${u.image} (${u.where}): by tag only, and not in PENDING`;
    if (!/^sha256:[0-9a-f]{64}$/.test(p.digest)) return `${u.image}: ${p.digest} is not a sha256 digest`;
    const recorded = Object.entries(imageDigests).filter(([ref]) => parseImage(ref).repository === p.repository && (!p.tag || tagged(ref) === tagged(u.image)));
    if (!recorded.some(([, d]) => d.digest === p.digest)) return `${u.image} (${u.where}): a digest versions.ts imageDigests does not record for it`;
    return undefined;
}

describe("supply chain: images by digest", () => {
    for (const stack of STACKS) {
        describe(`stack ${stack}`, () => {
            let si: StackImages;
            before(async function () {
                this.timeout(600_000);
                si = await imagesOf(stack);
            });

            it("the inventory reaches pods, charts, custom resources, operator defaults and build bases", () => {
                const kinds = new Set(si.uses.map((u) => u.where.split(" ")[0]));
                for (const k of ["Deployment", "StatefulSet", "Job", "SparkApplication", "Kafka", "KafkaConnect", "Elasticsearch", "Superset", "ConfigMap"])
                    assert.ok(kinds.has(k), `no image read from a ${k}`);
                assert.ok(si.uses.some((u) => u.use === "build-base") && si.uses.some((u) => u.use === "push"));
                assert.ok(new Set(si.uses.map((u) => u.image)).size >= 25, `${new Set(si.uses.map((u) => u.image)).size} images`);
            });

            it("every image is pinned by a recorded digest, built into an immutable ECR repository, or PENDING", () => {
                const ecr = ecrRepositories(si.run);
                assert.deepEqual([...new Set(si.uses.map((u) => problem(u, ecr)).filter((x) => x !== undefined))], []);
            });

            it("every ECR repository the program pushes to keeps its tags immutable", () => {
                const ecr = ecrRepositories(si.run);
                assert.ok(ecr.size >= 1);
                for (const [name, mut] of ecr) assert.equal(mut, "IMMUTABLE", name);
            });
        });
    }

    it("PENDING only shrinks: each entry is still used by tag somewhere, and none is pinned", async function () {
        this.timeout(600_000);
        const used = new Set<string>();
        for (const stack of STACKS) for (const u of (await imagesOf(stack)).uses) used.add(u.image);
        for (const ref of Object.keys(PENDING)) {
            assert.ok(used.has(ref), `${ref} is PENDING but no stack pulls it by tag any more: remove it`);
            assert.ok(!imageDigests[ref], `${ref} has a digest in versions.ts: remove it from PENDING`);
        }
    });

    it("every recorded digest is used, and cites a file at a pinned commit", async function () {
        this.timeout(600_000);
        const uses: ImageUse[] = [];
        for (const stack of STACKS) uses.push(...(await imagesOf(stack)).uses);
        for (const [ref, d] of Object.entries(imageDigests)) {
            assert.match(d.digest, /^sha256:[0-9a-f]{64}$/, ref);
            assert.match(d.source, /^https:\/\/github\.com\/[^/]+\/[^/]+\/blob\/[0-9a-f]{40}\/\S+/, `${ref}: ${d.source}`);
            const repo = parseImage(ref).repository;
            assert.ok(
                uses.some((u) => parseImage(u.image).repository === repo && parseImage(u.image).digest === d.digest),
                `${ref}: recorded but no stack pulls it by that digest`,
            );
        }
    });

    it("the policy pack's rule sees the plan's images: prod with its digests removed, or Connect's tags mutable, is refused", async function () {
        this.timeout(600_000);
        const run = await planOf("prod");
        const cfg = policyConfigOf(run.config);
        const strip = (v: unknown): unknown =>
            typeof v === "string"
                ? v.replace(/@sha256:[0-9a-f]{64}/g, "")
                : Array.isArray(v)
                  ? v.map(strip)
                  : v && typeof v === "object"
                    ? Object.fromEntries(
                          Object.entries(v)
                              .filter(([k]) => k !== "digest")
                              .map(([k, x]) => [k, strip(x)]),
                      )
                    : v;
        const fired = async (resources: PlanResourceLike[]) =>
            (await runPolicies(resources, cfg)).violations.filter((v) => v.policy === "k8s-images-by-digest").map((v) => v.urn!.split("::").pop());
        assert.deepEqual(await fired(run.captured), []);
        const tagged = await fired(run.captured.map((r) => ({ ...r, rawInputs: strip(r.rawInputs) as Record<string, any> })));
        // (Helm values without a digest name no image: chart defaults are the inventory's to see, above.)
        for (const name of ["kafka-cluster", "kafka-connect", "superset-image-build"])
            assert.ok(tagged.includes(name), `${name} not refused: ${tagged.join(", ")}`);
        const mutable = run.captured.map((r) =>
            r.type === "aws:ecr/repository:Repository" ? { ...r, rawInputs: { ...(r.rawInputs as Record<string, any>), imageTagMutability: "MUTABLE" } } : r,
        );
        assert.deepEqual((await fired(mutable)).sort(), ["kafka-connect", "superset"]);
    });

    it("docs/security.md names every PENDING image among its known gaps", () => {
        const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "security.md"), "utf8");
        for (const ref of Object.keys(PENDING)) assert.ok(doc.includes(ref), `docs/security.md does not name ${ref}`);
    });

    it("the Connect image's tag changes with any image its Dockerfile names, so an immutable tag is never pushed twice", () => {
        const plugins = [{ name: "p", artifacts: [] }] as any;
        const base = connectImageTag(plugins, "arm64");
        assert.equal(connectImageTag(plugins, "arm64"), base);
        assert.notEqual(connectImageTag(plugins, "arm64", [byDigest(images.strimzi.kafka), "quay.io/strimzi/maven-builder@sha256:" + "0".repeat(64)]), base);
        assert.notEqual(connectImageTag(plugins, "arm64", ["quay.io/strimzi/kafka@sha256:" + "1".repeat(64), byDigest(images.strimzi.mavenBuilder)]), base);
        assert.notEqual(connectImageTag(plugins, "amd64"), base);
    });

    it("the Superset image's tag changes with its builder, so a new build Job never re-pushes an immutable tag", () => {
        const tag = supersetImageTag("arm64");
        assert.equal(supersetImageTag("arm64", images.kaniko), tag);
        assert.notEqual(supersetImageTag("arm64", `quay.io/strimzi/kaniko-executor:9@sha256:${"0".repeat(64)}`), tag);
        assert.notEqual(supersetImageTag("x86_64"), tag);
    });

    describe("the inventory model (tools/images.ts)", () => {
        const obj = (kind: string, body: Record<string, any>, namespace = "ns"): WorldObject => ({
            kind,
            apiVersion: "v1",
            namespace,
            name: kind.toLowerCase(),
            autoNamed: false,
            origin: "test",
            body,
        });
        const operator = obj("Deployment", {
            spec: {
                template: {
                    spec: {
                        containers: [
                            {
                                name: "op",
                                image: "quay.io/strimzi/operator:1",
                                env: [
                                    { name: "STRIMZI_KAFKA_IMAGES", value: "4.3.0=quay.io/strimzi/kafka:a\n4.3.1=quay.io/strimzi/kafka:b\n" },
                                    { name: "STRIMZI_KAFKA_CONNECT_IMAGES", value: "4.3.1=quay.io/strimzi/kafka:c\n" },
                                    { name: "STRIMZI_DEFAULT_MAVEN_BUILDER", value: "quay.io/strimzi/maven-builder:1" },
                                    { name: "STRIMZI_LOG_LEVEL", value: "INFO" },
                                ],
                            },
                        ],
                    },
                },
            },
        });
        const cases: { what: string; world: WorldObject[]; want: string[] }[] = [
            {
                what: "a CronJob's init and regular containers",
                world: [
                    obj("CronJob", {
                        spec: { jobTemplate: { spec: { template: { spec: { initContainers: [{ image: "i:1" }], containers: [{ image: "c:1" }] } } } } },
                    }),
                ],
                want: ["pull c:1", "pull i:1"],
            },
            {
                what: "a SparkApplication's driver image overrides spec.image; executors inherit it",
                world: [obj("SparkApplication", { spec: { image: "s:1", driver: { image: "d:1" }, executor: {} } })],
                want: ["pull d:1", "pull s:1"],
            },
            {
                what: "a Kafka without an image runs the operator's image for its version; the operator's defaults are pulled",
                world: [operator, obj("Kafka", { spec: { kafka: { version: "4.3.1" } } })],
                want: ["pull quay.io/strimzi/kafka:b", "pull quay.io/strimzi/maven-builder:1", "pull quay.io/strimzi/operator:1"],
            },
            {
                what: "a KafkaConnect build: its base (its own image, else the operator's) and its output",
                world: [operator, obj("KafkaConnect", { spec: { version: "4.3.1", build: { output: { image: "r/x:t" } } } })],
                want: ["build-base quay.io/strimzi/kafka:c", "pull quay.io/strimzi/maven-builder:1", "pull quay.io/strimzi/operator:1", "push r/x:t"],
            },
            {
                what: "ECK's default image for an Elasticsearch that names none, its own image otherwise",
                world: [obj("Elasticsearch", { spec: { version: "8.19.7" } }), obj("Kibana", { spec: { version: "8.19.7", image: "k:1" } })],
                want: ["pull docker.elastic.co/elasticsearch/elasticsearch:8.19.7", "pull k:1"],
            },
            {
                what: "a Dockerfile's FROM lines, and a Superset's repository and tag",
                world: [
                    obj("ConfigMap", { data: { Dockerfile: "FROM a:1 AS b\nRUN x\nfrom c:2\n", other: "FROM no:1" } }),
                    obj("Superset", { spec: { image: { repository: "r/s", tag: "t" } } }),
                ],
                want: ["build-base a:1", "build-base c:2", "pull r/s:t"],
            },
        ];
        for (const c of cases) {
            it(c.what, () => {
                assert.deepEqual(
                    imageUses(c.world)
                        .map((u) => `${u.use} ${u.image}`)
                        .sort(),
                    c.want,
                );
            });
        }

        it("parses repository, tag and digest, a registry's port included", () => {
            assert.deepEqual(parseImage("localhost:5000/a/b:1.0@sha256:ab"), { repository: "localhost:5000/a/b", tag: "1.0", digest: "sha256:ab" });
            assert.deepEqual(parseImage("quay.io/x/y@sha256:ab"), { repository: "quay.io/x/y", digest: "sha256:ab" });
            assert.deepEqual(parseImage("postgres"), { repository: "postgres", digest: undefined });
        });

        it("the rule refuses a tag-only image, a foreign digest, and a mutable ECR repository", () => {
            const ecr = new Map([
                ["m", "MUTABLE"],
                ["i", "IMMUTABLE"],
            ]);
            const u = (image: string, use: ImageUse["use"] = "pull"): ImageUse => ({ image, use, where: "t" });
            assert.match(problem(u("quay.io/x/y:1"), ecr)!, /by tag only/);
            assert.match(problem(u(`${images.strimzi.operator}@sha256:${"a".repeat(64)}`), ecr)!, /does not record/);
            assert.equal(problem(u(byDigest(images.strimzi.operator)), ecr), undefined);
            assert.match(problem(u("123456789012.dkr.ecr.us-east-1.amazonaws.com/m:t"), ecr)!, /MUTABLE/);
            assert.equal(problem(u("123456789012.dkr.ecr.us-east-1.amazonaws.com/i:t", "push"), ecr), undefined);
            assert.match(problem(u("docker.io/x/y:t", "push"), ecr)!, /outside the plan/);
        });
    });
});
