// The GitHub Actions workflows: they parse, and the jobs and steps the delivery process relies on
// exist with the right triggers, guards and inputs.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../tools/harness";

const DIR = path.join(ROOT, ".github", "workflows");

interface Step { name?: string; id?: string; uses?: string; run?: string; if?: string; with?: Record<string, any>; env?: Record<string, string>; "working-directory"?: string }
interface Job { name?: string; needs?: string | string[]; if?: string; environment?: string | { name: string }; strategy?: any; permissions?: Record<string, string>; steps: Step[] }
interface Workflow { name: string; on: any; jobs: Record<string, Job>; permissions?: Record<string, string> }

const load = (file: string): Workflow => YAML.parse(fs.readFileSync(path.join(DIR, file), "utf8"));
const step = (job: Job, name: string): Step => {
    const s = job.steps.find((x) => x.name === name);
    assert.ok(s, `no step "${name}" in job "${job.name}" (steps: ${job.steps.map((x) => x.name).join(", ")})`);
    return s;
};
const pulumiSteps = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
const needs = (job: Job) => ([] as string[]).concat(job.needs ?? []);
const envName = (job: Job) => (typeof job.environment === "string" ? job.environment : job.environment?.name);

describe("GitHub workflows", () => {
    const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
    const all = Object.fromEntries(files.map((f) => [f, load(f)]));

    it("pr.yml, main.yml and destroy.yml exist and parse", () => {
        for (const f of ["pr.yml", "main.yml", "destroy.yml"]) {
            assert.ok(files.includes(f), f);
            assert.ok(all[f].name && all[f].on && Object.keys(all[f].jobs).length > 0, f);
        }
    });

    it("pin every action to a version and never test secrets in an `if`", () => {
        for (const [f, wf] of Object.entries(all)) {
            for (const [id, job] of Object.entries(wf.jobs)) {
                assert.ok(!String(job.if ?? "").includes("secrets."), `${f} ${id}: secrets in if`);
                for (const s of job.steps) {
                    if (s.uses) assert.match(s.uses, /^[\w.-]+\/[\w.\/-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, `${f} ${id}: ${s.uses}`);
                    assert.ok(!String(s.if ?? "").includes("secrets."), `${f} ${id} "${s.name}": secrets in if`);
                }
            }
        }
    });

    it("run only npm scripts that package.json defines", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts;
        for (const [f, wf] of Object.entries(all)) {
            for (const job of Object.values(wf.jobs)) {
                for (const s of job.steps) {
                    for (const m of (s.run ?? "").matchAll(/npm run (?:--silent )?([\w:-]+)/g)) assert.ok(scripts[m[1]], `${f}: npm run ${m[1]}`);
                    if (/\bnpm test\b/.test(s.run ?? "")) assert.ok(scripts.test, "npm test");
                }
            }
        }
    });

    it("guard every Pulumi step with the credentials check and configure the policy pack per stack", () => {
        for (const [f, wf] of Object.entries(all)) {
            for (const [id, job] of Object.entries(wf.jobs)) {
                const pulumi = pulumiSteps(job);
                if (pulumi.length === 0) continue;
                const creds = job.steps.find((s) => s.id === "creds");
                assert.ok(creds, `${f} ${id}: no credentials check step`);
                assert.match(creds.env?.PULUMI_ACCESS_TOKEN ?? "", /\$\{\{ secrets\.PULUMI_ACCESS_TOKEN \}\}/);
                assert.match(creds.run ?? "", /enabled=/);
                const roleStep = job.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
                assert.ok(roleStep?.with?.["role-to-assume"], `${f} ${id}: AWS access through a role (OIDC), no keys`);
                assert.equal(job.permissions?.["id-token"], "write", `${f} ${id}: OIDC needs id-token: write`);
                for (const p of pulumi) {
                    assert.equal(p.env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
                    assert.ok(!JSON.stringify(p).match(/AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/), `${f} ${id}: AWS keys`);
                    if (p.with?.command === "destroy") continue;
                    assert.equal(p.with?.policyPacks, "policy", `${f} ${id}: the policy pack`);
                    assert.ok(fs.existsSync(path.join(ROOT, p.with!.policyPacks, "PulumiPolicy.yaml")));
                    const cfg = job.steps.find((s) => /npm run --silent policy -- --emit-config .* --out /.test(s.run ?? ""));
                    assert.ok(cfg && cfg.run!.includes(`--out ${p.with?.policyPackConfigs}`), `${f} ${id}: policy config written to ${p.with?.policyPackConfigs}`);
                }
            }
        }
    });

    describe("pr.yml", () => {
        const wf = () => all["pr.yml"];

        it("runs on pull requests", () => {
            assert.ok(wf().on.pull_request !== undefined);
        });

        it("installs, tests and plans every stack, then diffs against the base branch as job summary and PR comment", () => {
            const job = wf().jobs.plan;
            assert.equal(step(job, "Install").run, "npm ci --no-audit --no-fund");
            assert.equal(step(job, "Test").run, "npm test");
            assert.match(step(job, "Offline plan per stack").run!, /npm run --silent plan -- --stack "\$stack"/);
            assert.equal((wf() as Workflow & { env: Record<string, string> }).env.STACKS, "dev prod");
            const base = job.steps.find((s) => s.uses?.startsWith("actions/checkout@") && s.with?.path === "base");
            assert.ok(base, "base branch checked out into a subfolder");
            assert.equal(base.with?.ref, "${{ github.event.pull_request.base.sha }}");
            assert.match(step(job, "Offline plan of the base branch").run!, /npm run --silent plan -- --stack "\$stack" --out "\$PLANS\/base\/\$stack"/);
            const diff = step(job, "Plan diff against the base branch").run!;
            assert.match(diff, /npm run --silent plan:diff -- "\$PLANS\/base\/\$stack\/plan.json" "\$PLANS\/head\/\$stack\/plan.json" --markdown/);
            assert.match(step(job, "Job summary").run!, /GITHUB_STEP_SUMMARY/);
            const comment = step(job, "Comment on the pull request");
            assert.match(comment.uses!, /^actions\/github-script@v\d+$/);
            assert.match(comment.if!, /head\.repo\.full_name == github\.repository/, "skipped on forks");
            assert.match(comment.with!.script, /bdok-plan-diff/);
            assert.equal(job.permissions?.["pull-requests"], "write");
            assert.match(step(job, "Policy check of the offline plans").run!, /npm run --silent policy -- "\$PLANS\/head\/\$stack\/plan.json"/);
        });

        it("previews every stack with pulumi/actions and the policy pack, only when credentials exist", () => {
            const job = wf().jobs.preview;
            assert.deepEqual(needs(job), ["plan"]);
            assert.deepEqual(job.strategy.matrix.stack, ["dev", "prod"]);
            const [preview] = pulumiSteps(job);
            assert.match(preview.uses!, /^pulumi\/actions@v6$/);
            assert.equal(preview.with?.command, "preview");
            assert.match(preview.with?.["stack-name"], /matrix\.stack/);
            for (const s of job.steps.filter((x) => x.id !== "creds")) assert.equal(s.if, "steps.creds.outputs.enabled == 'true'", `"${s.name}" not guarded`);
            assert.match(step(job, "Check cloud credentials").run!, /::notice::/);
        });
    });

    describe("main.yml", () => {
        const wf = () => all["main.yml"];

        it("runs on pushes to main", () => {
            assert.deepEqual(wf().on.push.branches, ["main"]);
        });

        it("tests, then updates dev, then prod behind the production environment", () => {
            const { test, "up-dev": dev, "up-prod": prod } = wf().jobs;
            assert.ok(test && dev && prod, Object.keys(wf().jobs).join(", "));
            assert.equal(step(test, "Test").run, "npm test");
            assert.deepEqual(needs(dev), ["test"]);
            assert.deepEqual(needs(prod), ["up-dev"]);
            assert.equal(envName(prod), "production");
            assert.notEqual(envName(dev), "production");
            for (const [job, stack] of [[dev, "dev"], [prod, "prod"]] as const) {
                const [up] = pulumiSteps(job);
                assert.equal(up.with?.command, "up");
                assert.match(up.with?.["stack-name"], new RegExp(`'${stack}'`));
                assert.ok(!up.with?.["stack-name"].includes(stack === "dev" ? "'prod'" : "'dev'"));
            }
        });
    });

    describe("destroy.yml", () => {
        const wf = () => all["destroy.yml"];

        it("is manual, for dev only, with a confirmation input", () => {
            const inputs = wf().on.workflow_dispatch.inputs;
            assert.deepEqual(inputs.stack.options, ["dev"]);
            assert.equal(inputs.confirm.required, true);
            const job = wf().jobs.destroy;
            assert.match(job.if!, /inputs\.confirm == 'destroy dev'/);
            assert.match(job.if!, /inputs\.stack == 'dev'/);
            const [destroy] = pulumiSteps(job);
            assert.equal(destroy.with?.command, "destroy");
            assert.match(destroy.with?.["stack-name"], /'dev'/);
            assert.ok(!destroy.with?.["stack-name"].includes("prod"));
            assert.match(step(job, "Guard the stack").run!, /"\$STACK" = "dev"/);
            assert.match(wf().jobs.refuse.if!, /inputs\.confirm != 'destroy dev'/);
        });

        it("no other workflow destroys anything", () => {
            for (const [f, w] of Object.entries(all)) {
                if (f === "destroy.yml") continue;
                for (const job of Object.values(w.jobs)) for (const p of pulumiSteps(job)) assert.notEqual(p.with?.command, "destroy", f);
            }
        });
    });
});
