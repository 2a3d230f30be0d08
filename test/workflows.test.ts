// The GitHub Actions workflows: they parse, and the jobs and steps the delivery process relies on
// exist with the right triggers, guards and inputs.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../tools/harness";

const DIR = path.join(ROOT, ".github", "workflows");

interface Step {
    name?: string;
    id?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, any>;
    env?: Record<string, string>;
    "working-directory"?: string;
}
interface Job {
    name?: string;
    needs?: string | string[];
    if?: string;
    environment?: string | { name: string };
    "runs-on"?: string | string[] | { group?: string; labels?: string | string[] };
    strategy?: any;
    permissions?: Record<string, string>;
    steps: Step[];
}
interface Workflow {
    name: string;
    on: any;
    jobs: Record<string, Job>;
    permissions?: Record<string, string>;
}

const load = (file: string): Workflow => YAML.parse(fs.readFileSync(path.join(DIR, file), "utf8"));
const step = (job: Job, name: string): Step => {
    const s = job.steps.find((x) => x.name === name);
    assert.ok(s, `no step "${name}" in job "${job.name}" (steps: ${job.steps.map((x) => x.name).join(", ")})`);
    return s;
};
const pulumiSteps = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
const needs = (job: Job) => ([] as string[]).concat(job.needs ?? []);
const envName = (job: Job) => (typeof job.environment === "string" ? job.environment : job.environment?.name);

/** The credentials that change stacks, and the read-only ones previews get (docs/security.md, "CI credentials"). */
const DEPLOY = { token: "${{ secrets.PULUMI_ACCESS_TOKEN }}", role: "${{ vars.AWS_ROLE_ARN }}", environments: ["dev", "production"] };
const PREVIEW = { token: "${{ secrets.PULUMI_PREVIEW_TOKEN }}", role: "${{ vars.AWS_PREVIEW_ROLE_ARN }}", environments: ["preview", "production-preview"] };
const mentions = (v: unknown, ref: string) => JSON.stringify(v).includes(ref.slice(4, -3).trim());

describe("GitHub workflows", () => {
    const files = fs
        .readdirSync(DIR)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
    const all = Object.fromEntries(files.map((f) => [f, load(f)]));

    it("pr.yml, main.yml and destroy.yml exist and parse", () => {
        for (const f of ["pr.yml", "main.yml", "destroy.yml"]) {
            assert.ok(files.includes(f), f);
            assert.ok(all[f].name && all[f].on && Object.keys(all[f].jobs).length > 0, f);
        }
    });

    it("never test secrets in an `if`", () => {
        for (const [f, wf] of Object.entries(all)) {
            for (const [id, job] of Object.entries(wf.jobs)) {
                assert.ok(!String(job.if ?? "").includes("secrets."), `${f} ${id}: secrets in if`);
                for (const s of job.steps) {
                    assert.ok(!String(s.if ?? "").includes("secrets."), `${f} ${id} "${s.name}": secrets in if`);
                }
            }
        }
    });

    // A tag can be moved to other code after review; a commit cannot (GitHub's "Security hardening for
    // GitHub Actions": "Pin actions to a full length commit SHA"). The tag stays beside it for readers
    // and for update tools. YAML drops comments, so this reads the text.
    it("pin every action by full commit SHA with its release tag in a trailing comment", () => {
        const pins = new Map<string, string>();
        let count = 0;
        for (const f of files) {
            fs.readFileSync(path.join(DIR, f), "utf8")
                .split("\n")
                .forEach((line, i) => {
                    if (!/^\s*(-\s+)?uses:/.test(line)) return;
                    count++;
                    const m = /^\s*(?:-\s+)?uses:\s+([\w.-]+\/[\w./-]+)@([0-9a-f]{40})\s+#\s+(v\d+\.\d+\.\d+)\s*$/.exec(line);
                    assert.ok(m, `${f}:${i + 1} not pinned as "owner/repo@<40-hex sha> # vX.Y.Z": ${line.trim()}`);
                    // One release, one commit: the same tag never names two SHAs across the workflows.
                    const key = `${m[1]}@${m[3]}`;
                    assert.equal(pins.get(key) ?? m[2], m[2], `${f}:${i + 1} ${key} pinned to two commits`);
                    pins.set(key, m[2]);
                });
        }
        assert.ok(count >= 10, `only ${count} uses: lines found`);
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
                const token = creds.env?.PULUMI_ACCESS_TOKEN ?? "";
                assert.ok([DEPLOY.token, PREVIEW.token].includes(token), `${f} ${id}: token ${token}`);
                assert.match(creds.run ?? "", /enabled=/);
                const roleStep = job.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
                assert.ok(roleStep?.with?.["role-to-assume"], `${f} ${id}: AWS access through a role (OIDC), no keys`);
                assert.equal(job.permissions?.["id-token"], "write", `${f} ${id}: OIDC needs id-token: write`);
                for (const p of pulumi) {
                    // The OIDC step's token when the check chose OIDC, else the secret the check looked at.
                    assert.equal(
                        p.env?.PULUMI_ACCESS_TOKEN,
                        `\${{ steps.pulumi-token.outputs.pulumi-access-token || ${token.slice(4, -3).trim()} }}`,
                        `${f} ${id}: the token`,
                    );
                    assert.ok(!JSON.stringify(p).match(/AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/), `${f} ${id}: AWS keys`);
                    if (p.with?.command === "destroy") continue;
                    assert.equal(p.with?.policyPacks, "policy", `${f} ${id}: the policy pack`);
                    assert.ok(fs.existsSync(path.join(ROOT, p.with!.policyPacks, "PulumiPolicy.yaml")));
                    const cfg = job.steps.find((s) => /npm run --silent policy -- --emit-config .* --out /.test(s.run ?? ""));
                    assert.ok(
                        cfg && cfg.run!.includes(`--out ${p.with?.policyPackConfigs}`),
                        `${f} ${id}: policy config written to ${p.with?.policyPackConfigs}`,
                    );
                }
            }
        }
    });

    // pulumi/auth-actions (action.yml inputs organization, requested-token-type, scope,
    // export-environment-variables; src/main.ts exchanges the job's GitHub id_token, audience
    // urn:pulumi:org:<org>, for a Pulumi access token at <cloud>/api/oauth/token).
    it("get the Pulumi token by OIDC before every Pulumi step when the environment names a token type", () => {
        let jobs = 0;
        for (const [f, wf] of Object.entries(all)) {
            for (const [id, job] of Object.entries(wf.jobs)) {
                const pulumi = pulumiSteps(job);
                if (pulumi.length === 0) continue;
                jobs++;
                const auth = job.steps.filter((s) => s.uses?.startsWith("pulumi/auth-actions@"));
                assert.equal(auth.length, 1, `${f} ${id}: one pulumi/auth-actions step`);
                assert.equal(auth[0].id, "pulumi-token", `${f} ${id}`);
                assert.match(auth[0].if ?? "", /(^|&& )steps\.creds\.outputs\.pulumi-oidc == 'true'$/, `${f} ${id}: only when the check chose OIDC`);
                assert.deepEqual(
                    auth[0].with,
                    {
                        organization: "${{ vars.PULUMI_ORG }}",
                        "requested-token-type": "${{ vars.PULUMI_OIDC_TOKEN_TYPE }}",
                        scope: "${{ vars.PULUMI_OIDC_SCOPE }}",
                        // Only the step's output carries it, into the Pulumi steps' env.
                        "export-environment-variables": false,
                    },
                    `${f} ${id}`,
                );
                for (const p of pulumi) assert.ok(job.steps.indexOf(auth[0]) < job.steps.indexOf(p), `${f} ${id}: the token before ${p.name}`);
                assert.equal(job.permissions?.["id-token"], "write", `${f} ${id}: the id_token needs id-token: write`);
            }
        }
        assert.ok(jobs >= 5, `${jobs} jobs run Pulumi`);
        for (const f of files)
            assert.ok(
                !/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id/.test(fs.readFileSync(path.join(DIR, f), "utf8")),
                `${f}: long-lived AWS keys`,
            );
    });

    // The check's own shell, run by bash with the environments a repository may have.
    const checkCases: { title: string; env: Record<string, string>; enabled: boolean; oidc: boolean; fork?: boolean }[] = [
        { title: "nothing configured", env: {}, enabled: false, oidc: false },
        { title: "the role and the token secret", env: { PULUMI_ACCESS_TOKEN: "pul-x", AWS_ROLE_ARN: "arn" }, enabled: true, oidc: false },
        {
            title: "the role and OIDC variables",
            env: { PULUMI_OIDC_TOKEN_TYPE: "urn:pulumi:token-type:access_token:organization", PULUMI_ORG: "acme", AWS_ROLE_ARN: "arn" },
            enabled: true,
            oidc: true,
        },
        {
            title: "OIDC variables and the secret: OIDC wins",
            env: { PULUMI_OIDC_TOKEN_TYPE: "t", PULUMI_ORG: "acme", PULUMI_ACCESS_TOKEN: "pul-x", AWS_ROLE_ARN: "arn" },
            enabled: true,
            oidc: true,
        },
        { title: "a token type without the organization", env: { PULUMI_OIDC_TOKEN_TYPE: "t", AWS_ROLE_ARN: "arn" }, enabled: false, oidc: false },
        { title: "OIDC variables without the role", env: { PULUMI_OIDC_TOKEN_TYPE: "t", PULUMI_ORG: "acme" }, enabled: false, oidc: true },
        {
            title: "a fork's pull request (pr.yml): no OIDC",
            env: { PULUMI_OIDC_TOKEN_TYPE: "t", PULUMI_ORG: "acme", AWS_ROLE_ARN: "arn", FROM_FORK: "true" },
            enabled: false,
            oidc: false,
            fork: true,
        },
    ];
    for (const c of checkCases) {
        it(`the credentials check, ${c.title}: ${c.enabled ? "runs" : "skips"}${c.oidc ? ", by OIDC" : ""}`, () => {
            for (const [f, wf] of Object.entries(all)) {
                if (c.fork && f !== "pr.yml") continue;
                for (const [id, job] of Object.entries(wf.jobs)) {
                    const creds = job.steps.find((s) => s.id === "creds");
                    if (!creds || pulumiSteps(job).length === 0) continue;
                    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bdok-creds-")), "out");
                    fs.writeFileSync(out, "");
                    const r = spawnSync("bash", ["-eo", "pipefail", "-c", creds.run!], {
                        env: { PATH: process.env.PATH, GITHUB_OUTPUT: out, ...c.env },
                        encoding: "utf8",
                    });
                    const outputs = Object.fromEntries(
                        fs
                            .readFileSync(out, "utf8")
                            .trim()
                            .split("\n")
                            .filter(Boolean)
                            .map((l) => l.split("=")),
                    );
                    fs.rmSync(path.dirname(out), { recursive: true, force: true });
                    assert.equal(outputs["pulumi-oidc"], String(c.oidc), `${f} ${id}: ${r.stdout}${r.stderr}`);
                    // destroy.yml fails instead of skipping: nothing to destroy without credentials is an error.
                    if (c.enabled) assert.equal(outputs.enabled, "true", `${f} ${id}`);
                    else assert.ok(outputs.enabled === "false" || r.status !== 0, `${f} ${id}: ${JSON.stringify(outputs)} exit ${r.status}`);
                }
            }
        });
    }

    it("keep the deploy credentials in the deploy environments, used only by pushes to main and manual runs", () => {
        let deployJobs = 0;
        for (const [f, wf] of Object.entries(all)) {
            const triggers = Object.keys(wf.on ?? {});
            assert.ok(!triggers.includes("pull_request_target"), `${f}: pull_request_target hands secrets to fork code`);
            for (const [id, job] of Object.entries(wf.jobs)) {
                const deploy = mentions(job, DEPLOY.token) || mentions(job, DEPLOY.role);
                const preview = mentions(job, PREVIEW.token) || mentions(job, PREVIEW.role);
                assert.ok(!(deploy && preview), `${f} ${id}: mixes deploy and preview credentials`);
                const commands = pulumiSteps(job).map((p) => p.with?.command);
                if (deploy) {
                    deployJobs++;
                    assert.ok(DEPLOY.environments.includes(envName(job) ?? ""), `${f} ${id}: deploy credentials outside the dev/production environments`);
                    assert.ok(
                        triggers.every((t) => t === "push" || t === "workflow_dispatch"),
                        `${f} ${id}: deploy credentials on ${triggers}`,
                    );
                    if (triggers.includes("push")) assert.deepEqual(wf.on.push.branches, ["main"]);
                }
                if (commands.some((c) => c !== "preview")) assert.ok(deploy, `${f} ${id}: ${commands} without the deploy credentials`);
                if (preview) {
                    assert.ok(PREVIEW.environments.includes(envName(job) ?? ""), `${f} ${id}: preview credentials outside a preview environment`);
                    assert.deepEqual(commands, ["preview"], `${f} ${id}: the read-only role only previews`);
                    const role = job.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
                    assert.equal(role?.with?.["role-to-assume"], PREVIEW.role, `${f} ${id}: the read-only role`);
                }
            }
        }
        assert.ok(deployJobs >= 3, "up dev, up prod and destroy dev use the deploy credentials");
    });

    // The prod runner sits in prod's VPC with access to its cluster: code from a pull request must
    // never run there (issue 20). Only jobs of the main-only production environments may use it.
    it("keep pull-request code off the prod runner and off any self-hosted runner", () => {
        let prodRunnerJobs = 0;
        for (const [f, wf] of Object.entries(all)) {
            const triggers = Object.keys(wf.on ?? {});
            const fromPullRequests = triggers.some((t) => t.startsWith("pull_request"));
            for (const [id, job] of Object.entries(wf.jobs)) {
                const runsOn = JSON.stringify(job["runs-on"] ?? "");
                const onProdRunner = runsOn.includes("PROD_RUNNER");
                const selfHosted = onProdRunner || /self-hosted/.test(runsOn) || typeof job["runs-on"] === "object";
                if (fromPullRequests) assert.ok(!selfHosted, `${f} ${id}: a pull-request job on ${runsOn}`);
                if (onProdRunner) {
                    prodRunnerJobs++;
                    assert.ok(
                        ["production", "production-preview"].includes(envName(job) ?? ""),
                        `${f} ${id}: the prod runner outside the production environments`,
                    );
                    assert.ok(
                        triggers.every((t) => t === "push" || t === "workflow_dispatch"),
                        `${f} ${id}: the prod runner on ${triggers}`,
                    );
                }
                // Any other self-hosted label is not allowed at all: GitHub-hosted or the prod runner.
                if (!onProdRunner) assert.ok(!selfHosted, `${f} ${id}: runs-on ${runsOn}`);
            }
        }
        assert.equal(prodRunnerJobs, 2, "preview-prod and up-prod");
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
            assert.match(comment.uses!, /^actions\/github-script@[0-9a-f]{40}$/);
            assert.match(comment.if!, /head\.repo\.full_name == github\.repository/, "skipped on forks");
            assert.match(comment.with!.script, /bdok-plan-diff/);
            assert.equal(job.permissions?.["pull-requests"], "write");
            assert.match(step(job, "Policy check of the offline plans").run!, /npm run --silent policy -- "\$PLANS\/head\/\$stack\/plan.json"/);
        });

        it("never sees the deploy credentials or prod's stack", () => {
            const text = fs.readFileSync(path.join(DIR, "pr.yml"), "utf8");
            for (const ref of [DEPLOY.token, DEPLOY.role]) assert.ok(!text.includes(ref.slice(4, -3).trim()), `pr.yml references ${ref}`);
            for (const [id, job] of Object.entries(wf().jobs)) {
                assert.ok(!DEPLOY.environments.includes(envName(job) ?? ""), `${id} runs in a deploy environment`);
                for (const p of pulumiSteps(job)) assert.ok(!JSON.stringify(p.with).includes("prod"), `${id} previews prod`);
            }
            assert.ok(!wf().jobs.preview.strategy.matrix.stack.includes("prod"), "reading prod's stack decrypts its secrets");
        });

        it("previews dev with pulumi/actions and the policy pack in the preview environment, only when credentials exist", () => {
            const job = wf().jobs.preview;
            assert.deepEqual(needs(job), ["plan"]);
            assert.equal(envName(job), "preview");
            assert.deepEqual(job.strategy.matrix.stack, ["dev"]);
            const [preview] = pulumiSteps(job);
            assert.match(preview.uses!, /^pulumi\/actions@[0-9a-f]{40}$/);
            assert.equal(preview.with?.command, "preview");
            assert.match(preview.with?.["stack-name"], /matrix\.stack/);
            const guard = "steps.creds.outputs.enabled == 'true'";
            for (const s of job.steps.filter((x) => x.id !== "creds"))
                assert.ok(s.if === guard || s.if?.startsWith(`${guard} && `), `"${s.name}" not guarded: ${s.if}`);
            assert.match(step(job, "Check cloud credentials").run!, /::notice::/);
        });
    });

    describe("main.yml", () => {
        const wf = () => all["main.yml"];

        it("runs on pushes to main", () => {
            assert.deepEqual(wf().on.push.branches, ["main"]);
        });

        it("tests, then updates dev, previews prod read-only, then updates prod behind the production environment", () => {
            const { test, "up-dev": dev, "preview-prod": preview, "up-prod": prod } = wf().jobs;
            assert.ok(test && dev && preview && prod, Object.keys(wf().jobs).join(", "));
            assert.equal(step(test, "Test").run, "npm test");
            assert.deepEqual(needs(dev), ["test"]);
            assert.deepEqual(needs(preview), ["up-dev"]);
            assert.deepEqual(needs(prod), ["preview-prod"]);
            assert.equal(envName(preview), "production-preview");
            assert.equal(pulumiSteps(preview)[0].with?.command, "preview");
            assert.match(pulumiSteps(preview)[0].with?.["stack-name"], /'prod'/);
            // prod's endpoint is private: both prod jobs run where the VPC is reachable when PROD_RUNNER is set.
            for (const j of [preview, prod]) assert.equal((j as any)["runs-on"], "${{ vars.PROD_RUNNER || 'ubuntu-latest' }}");
            assert.equal(envName(prod), "production");
            assert.notEqual(envName(dev), "production");
            for (const [job, stack] of [
                [dev, "dev"],
                [prod, "prod"],
            ] as const) {
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

// Every program `npm test` starts, found in what it runs (scripts/test.sh, the lint script, the
// executables the suites spawn, the commands they pass to sh), and where each comes from.
describe("the tools npm test runs are installed wherever it runs", () => {
    // On every Ubuntu runner and Debian machine, or given by setup-node.
    // unshare: util-linux (essential); openssl: on every Ubuntu runner, and Debian's base images (the TLS tests).
    const BASE = ["sh", "bash", "tar", "id", "chown", "runuser", "env", "node", "npm", "npx", "git", "unshare", "openssl"];
    // Only where the pinned helm cannot run (tools/helm.ts); the Linux x64 runners run the pinned one.
    const FALLBACK = ["helm"];
    // Debian/Ubuntu packages that ship a command (their package contents).
    const DEBIAN: Record<string, string> = { python3: "python3", psql: "postgresql", pg_ctl: "postgresql", initdb: "postgresql", postgres: "postgresql" };
    const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");
    const INSTALL = "scripts/install-test-tools.sh";

    function tsFiles(dir: string): string[] {
        return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
            const rel = path.join(dir, e.name);
            if (e.isDirectory()) return ["node_modules", "plan", ".charts", ".schemas", ".git"].includes(e.name) ? [] : tsFiles(rel);
            return e.name.endsWith(".ts") ? [rel] : [];
        });
    }

    function toolsNpmTestRuns(): Map<string, string> {
        const found = new Map<string, string>();
        const pkg = JSON.parse(read("package.json"));
        for (const cmd of [...read("scripts/test.sh").matchAll(/^\s*\(?\s*(?:npx\s+)?([a-z][\w-]*)\s/gm)].map((m) => m[1]))
            if (!["set", "cd", "mkdir", "log", "trap", "gates", "tests", "wait", "checked", "if", "cat", "echo", "fi"].includes(cmd))
                found.set(cmd, "scripts/test.sh");
        for (const part of String(pkg.scripts.lint).split("&&")) found.set(part.trim().split(/\s+/)[0], "npm run lint");
        for (const f of tsFiles(".")) {
            const src = read(f);
            for (const m of src.matchAll(/(?:spawnSync|spawn|runProcess|execFileSync|execSync)\(\s*"([^"]+)"/g)) found.set(m[1], f);
            for (const m of src.matchAll(/command -v ([a-z][\w-]*)/g)) found.set(m[1], f);
            // Commands the suites hand to sh: step(`initdb ...`), shell(dir, `pg_ctl ...`), run(`psql ...`).
            for (const m of src.matchAll(/(?:step|shell\(dir,|run)\(?\s*`([a-z][\w-]*)\s/g)) found.set(m[1], f);
        }
        return found;
    }

    it("every tool is on the runner, from npm ci, or installed by scripts/install-test-tools.sh", () => {
        const script = read(INSTALL);
        const pypi = read("requirements-dev.txt")
            .split("\n")
            .map((l) => l.trim().split(/[=<>~ ]/)[0])
            .filter((l) => l && !l.startsWith("#"));
        assert.match(script, /pip install .*-r requirements-dev\.txt/, "the script installs requirements-dev.txt");
        const tools = toolsNpmTestRuns();
        for (const t of ["tsc", "mocha", "eslint", "prettier", "flake8", "black", "python3", "psql", "pg_ctl"]) assert.ok(tools.has(t), `the scan finds ${t}`);
        const unprovided = [...tools].filter(([t]) => {
            if (BASE.includes(t) || FALLBACK.includes(t)) return false;
            if (fs.existsSync(path.join(ROOT, "node_modules", ".bin", t))) return false;
            if (pypi.includes(t)) return false;
            if (DEBIAN[t] && new RegExp(`apt_install [^\\n]*\\b${DEBIAN[t]}\\b`).test(script)) return false;
            return true;
        });
        assert.deepEqual(
            unprovided.map(([t, f]) => `${t} (run by ${f})`),
            [],
            `install these in ${INSTALL} (pin them) or add them to this test's list of where they come from`,
        );
    });

    it("each job that runs npm test first sets up Python and runs scripts/install-test-tools.sh; .ci/run does too", () => {
        const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
        let jobsWithTests = 0;
        for (const f of files) {
            for (const [id, job] of Object.entries(load(f).jobs)) {
                const at = job.steps.findIndex((s) => /\bnpm test\b/.test(s.run ?? ""));
                if (at < 0) continue;
                jobsWithTests++;
                const before = job.steps.slice(0, at);
                // Ubuntu's own python3 refuses pip installs (PEP 668): a setup-python interpreter takes them.
                assert.ok(
                    before.some((s) => s.uses?.startsWith("actions/setup-python@")),
                    `${f} ${id}: no actions/setup-python before npm test`,
                );
                assert.ok(
                    before.some((s) => (s.run ?? "").includes(`bash ${INSTALL}`) || (s.run ?? "").includes("bash scripts/install-test-tools.sh")),
                    `${f} ${id}: no ${INSTALL} before npm test`,
                );
            }
        }
        assert.ok(jobsWithTests >= 2, "pr.yml and main.yml run npm test");
        const ci = read(".ci/run");
        assert.ok(ci.indexOf(`bash ${INSTALL}`) >= 0 && ci.indexOf(`bash ${INSTALL}`) < ci.indexOf("npm test"), ".ci/run installs with the same script");
    });

    it("pr.yml plans the base branch with the head's pinned charts (BDOK_CHARTS_DIR for the whole job, filled before the tests)", () => {
        const job = load("pr.yml").jobs.plan as Job & { env?: Record<string, string> };
        assert.ok(job.env?.BDOK_CHARTS_DIR, "BDOK_CHARTS_DIR set on the job");
        const fetchAt = job.steps.findIndex((s) => /npm run --silent fetch:charts -- "\$BDOK_CHARTS_DIR" --sums/.test(s.run ?? ""));
        const testAt = job.steps.findIndex((s) => /\bnpm test\b/.test(s.run ?? ""));
        const baseAt = job.steps.findIndex((s) => s["working-directory"] === "base" && /npm run --silent plan/.test(s.run ?? ""));
        assert.ok(fetchAt >= 0 && fetchAt < testAt && testAt < baseAt, `fetch ${fetchAt}, test ${testAt}, base plan ${baseAt}`);
        assert.ok(!/BDOK_CHARTS_DIR\s*=/.test(job.steps[baseAt].run ?? ""), "the base plan keeps the job's charts");
    });
});
