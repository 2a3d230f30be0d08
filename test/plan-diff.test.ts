// plan:diff: resources added, removed and changed by URN, changed inputs as paths old → new,
// secrets masked; on synthetic plans, on real plans of two configurations, and through the CLI.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../tools/harness";
import { loadStackConfig } from "../tools/stack-files";
import { diffPlans, diffValues, PlanLike, renderMarkdown, renderText, ResourceLike, SECRET } from "../tools/plan-diff";
import { planOf, planWith } from "./support";

const r = (name: string, inputs: Record<string, unknown>, extra: Partial<ResourceLike> = {}): ResourceLike => ({
    urn: `urn:pulumi:dev::bdok::aws:s3/bucket:Bucket::${name}`,
    type: "aws:s3/bucket:Bucket",
    name,
    parent: null,
    provider: null,
    dependencies: [],
    protect: false,
    retainOnDelete: false,
    inputs,
    ...extra,
});
const plan = (...resources: ResourceLike[]): PlanLike => ({ stack: "dev", resources });

describe("plan diff", () => {
    it("lists added, removed and changed resources by URN", () => {
        const d = diffPlans(plan(r("a", { x: 1 }), r("b", { x: 1 }), r("c", { x: 1 })), plan(r("a", { x: 1 }), r("c", { x: 2 }), r("d", {})));
        assert.deepEqual(
            d.added.map((x) => x.name),
            ["d"],
        );
        assert.deepEqual(
            d.removed.map((x) => x.name),
            ["b"],
        );
        assert.deepEqual(
            d.changed.map((x) => [x.name, x.changes]),
            [["c", [{ path: "x", kind: "changed", old: 1, new: 2 }]]],
        );
        assert.equal(d.unchanged, 1);
    });

    it("names changed inputs by path, inside objects, arrays and JSON documents", () => {
        const before = { tags: { Name: "a", Old: "x" }, rules: [{ status: "Enabled" }], policy: JSON.stringify({ Statement: [{ Action: "s3:GetObject" }] }) };
        const after = {
            tags: { Name: "b", New: "y" },
            rules: [{ status: "Suspended" }, { status: "Enabled" }],
            policy: JSON.stringify({ Statement: [{ Action: "s3:*" }] }),
        };
        assert.deepEqual(diffValues(before, after), [
            { path: "policy<json>.Statement[0].Action", kind: "changed", old: "s3:GetObject", new: "s3:*" },
            { path: "rules[0].status", kind: "changed", old: "Enabled", new: "Suspended" },
            { path: "rules[1]", kind: "added", new: { status: "Enabled" } },
            { path: "tags.Name", kind: "changed", old: "a", new: "b" },
            { path: "tags.New", kind: "added", new: "y" },
            { path: "tags.Old", kind: "removed", old: "x" },
        ]);
    });

    it("reports option and dependency changes", () => {
        const d = diffPlans(
            plan(r("a", {})),
            plan(r("a", {}, { protect: true, retainOnDelete: true, dependencies: ["urn:pulumi:dev::bdok::aws:kms/key:Key::k"] })),
        );
        assert.deepEqual(
            d.changed[0].changes.map((c) => c.path),
            ["[protect]", "[retainOnDelete]", "[dependsOn]"],
        );
        assert.match(renderText(d), /\[dependsOn\]: aws:kms\/key:Key::k/);
    });

    it("keeps secrets masked: equal secrets are no change, and a secret never shows its value", () => {
        assert.deepEqual(diffValues({ password: SECRET }, { password: SECRET }), []);
        const d = diffPlans(plan(r("a", { password: "plain-old" })), plan(r("a", { password: SECRET })));
        assert.deepEqual(d.changed[0].changes, [{ path: "password", kind: "changed", old: "plain-old", new: SECRET }]);
        assert.match(renderText(d), /password: "plain-old" → \[secret\]/);
    });

    it("renders Markdown for a job summary and a PR comment", () => {
        const d = diffPlans(plan(r("a", { x: 1 }), r("b", {})), plan(r("a", { x: 2 }), r("c|d", {})));
        const md = renderMarkdown(d);
        assert.match(md, /^### Offline plan diff: `dev`/);
        assert.match(md, /\*\*1 to add, 1 to remove, 1 to change \(1 in place, 0 replaced, 0 refused\), 0 unchanged\*\*/);
        assert.match(md, /\| ➕ \| `aws:s3\/bucket:Bucket` \| c\\\|d \|/);
        assert.match(md, /<details><summary>.*a \(1 change\)<\/summary>/);
        assert.match(md, /! x: 1 → 2/);
        assert.match(renderMarkdown(diffPlans(plan(), plan())), /No changes\./);
        assert.ok(renderMarkdown(d, 50).includes("(cut: the full diff is in the job log)"));
    });

    describe("on real plans", () => {
        it("shows what a configuration change does to dev, with secrets still masked", async () => {
            const base = await planOf("dev");
            const db = JSON.parse(loadStackConfig("dev")["bdok:database"]);
            const head = await planWith("dev", { "bdok:azCount": 3, "bdok:database": { ...db, instanceClass: "db.t4g.small" } });
            const d = diffPlans(base.plan, head.plan);
            assert.equal(d.removed.length, 0);
            const added = d.added.map((x) => `${x.type} ${x.name}`);
            assert.ok(added.includes("aws:ec2/subnet:Subnet network-private-2"), added.join("\n"));
            assert.ok(added.includes("aws:ec2/subnet:Subnet network-public-2"));
            const rds = d.changed.find((c) => c.type === "aws:rds/instance:Instance");
            assert.ok(rds, "RDS instance unchanged?");
            assert.deepEqual(rds.changes, [{ path: "instanceClass", kind: "changed", old: "db.t4g.micro", new: "db.t4g.small" }]);
            const text = renderText(d) + renderMarkdown(d);
            assert.ok(!/MockSecret/.test(text), "a generated secret leaked into the diff");
            // The same plan against itself is empty.
            assert.equal(diffPlans(base.plan, base.plan).changed.length, 0);
        });
    });

    describe("CLI", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-plan-diff-"));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const cli = (...args: string[]) =>
            new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
                const p = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/plan-diff.ts", ...args], { cwd: ROOT });
                let stdout = "";
                let stderr = "";
                p.stdout.on("data", (x) => (stdout += x));
                p.stderr.on("data", (x) => (stderr += x));
                p.on("close", (status) => resolve({ status, stdout, stderr }));
            });

        it("`npm run plan:diff -- <base> <head> [--markdown]` prints text or Markdown; bad arguments exit 2", async function () {
            this.timeout(60000);
            const base = path.join(dir, "base.json");
            const head = path.join(dir, "head.json");
            fs.writeFileSync(base, JSON.stringify(plan(r("a", { x: 1 }))));
            fs.writeFileSync(head, JSON.stringify(plan(r("a", { x: 2 }), r("b", {}))));
            const [text, md, missing, usage] = await Promise.all([
                cli(base, head),
                cli(base, head, "--markdown"),
                cli(base, path.join(dir, "nope.json")),
                cli(base),
            ]);
            assert.equal(text.status, 0, text.stderr);
            assert.match(text.stdout, /1 to add, 0 to remove, 1 to change/);
            assert.match(text.stdout, /~ x: 1 → 2/);
            assert.equal(md.status, 0);
            assert.match(md.stdout, /^### Offline plan diff/);
            assert.equal(missing.status, 2);
            assert.match(missing.stderr, /no such plan file/);
            assert.equal(usage.status, 2);
            assert.match(usage.stderr, /usage: npm run plan:diff/);
        });
    });
});
