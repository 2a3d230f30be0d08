// The README fits on a screen or two and every link in it and in docs/ leads somewhere.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../tools/harness";

const DOCS = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).map((f) => `docs/${f}`)].filter((f) => f.endsWith(".md"));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(md: string): Set<string> {
    return new Set(
        [...md.matchAll(/^#+\s+(.*)$/gm)].map((m) =>
            m[1]
                .trim()
                .toLowerCase()
                .replace(/[^\p{L}\p{N}\s_-]/gu, "")
                .replace(/\s/g, "-"),
        ),
    );
}

describe("README and docs/", () => {
    it("README.md is under 150 lines and starts with the two commands", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        assert.ok(readme.split("\n").length < 150, `${readme.split("\n").length} lines`);
        const first = readme.slice(0, 600);
        assert.match(first, /npm ci && npm run plan -- --stack dev/);
        assert.match(first, /npm ci && npm test/);
    });

    it("every relative link resolves to a file, and every #anchor to a heading", () => {
        const broken: string[] = [];
        for (const f of DOCS) {
            const text = fs.readFileSync(path.join(ROOT, f), "utf8");
            for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
                const link = m[1];
                if (/^[a-z]+:/.test(link)) continue;
                const [file, anchor] = link.split("#");
                const target = file ? path.resolve(path.dirname(path.join(ROOT, f)), file) : path.join(ROOT, f);
                if (!fs.existsSync(target)) broken.push(`${f}: ${link}`);
                else if (anchor && target.endsWith(".md") && !anchors(fs.readFileSync(target, "utf8")).has(anchor)) broken.push(`${f}: ${link} (no heading)`);
            }
        }
        assert.deepEqual(broken, []);
    });
});
