// The policy pack: its shape, every rule against a fixture that violates it, the exceptions the
// rules allow, and the real offline plans of every stack (prod must be clean).
import { strict as assert } from "assert";
import type { ResourceValidation } from "@pulumi/policy";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { BdokPolicyConfig, configSchema, resolveConfig, resourceRule, stackOfUrn, stackRule } from "../policy/config";
import { isCredentialKey, isReferenceValue, literalCredentials, loadBalancerServices } from "../policy/kubernetes";
import { parsePolicyDocument, adminWildcardStatements } from "../policy/iam";
import { policies, PROD_ONLY } from "../policy/rules";
import { isTlsOnlyPolicy } from "../policy/s3";
import { UNKNOWN, read } from "../policy/props";
import { ROOT } from "../tools/harness";
import { checkPlanRun, main as policyCli, PolicyReport, policyPackConfig, resourceArgs, runPolicies, stackResources } from "../tools/policy-run";
import { eksCluster, prod, res } from "./fixtures/policy-cases/builders";
import { compliant } from "./fixtures/policy-cases/compliant";
import { violations } from "./fixtures/policy-cases/violations";
import { planOf, planWith, STACKS, stackSetting, PUBLIC_EXPOSURE_SETTINGS } from "./support";

const fmt = (r: PolicyReport) => r.violations.map((v) => `  [${v.policy}] ${v.message}`).join("\n");

describe("policy pack", () => {
    it("has at least 20 uniquely named rules, each described, configurable and mandatory or advisory", () => {
        assert.ok(policies.length >= 20, `${policies.length} rules`);
        assert.equal(new Set(policies.map((p) => p.name)).size, policies.length, "duplicate rule names");
        for (const p of policies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, p.name);
            assert.ok(p.description.length > 20, `${p.name}: description`);
            assert.ok(p.enforcementLevel === "mandatory" || p.enforcementLevel === "advisory", `${p.name}: ${p.enforcementLevel}`);
            assert.equal(p.configSchema, configSchema, `${p.name}: the shared config schema`);
        }
        const advisory = policies.filter((p) => p.enforcementLevel === "advisory").map((p) => p.name);
        assert.deepEqual(advisory, ["s3-ownership-enforced"]);
    });

    it("is a runnable pack: PulumiPolicy.yaml, package.json with the root's versions, and an entry point", () => {
        const dir = path.join(ROOT, "policy");
        const meta = YAML.parse(fs.readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8"));
        assert.equal(meta.runtime, "nodejs");
        assert.ok(typeof meta.description === "string" && meta.description.length > 10);
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
        const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        for (const dep of ["@pulumi/policy", "@pulumi/pulumi"]) assert.equal(pkg.dependencies[dep], root.dependencies[dep], dep);
        const tsconfig = JSON.parse(fs.readFileSync(path.join(dir, "tsconfig.json"), "utf8"));
        assert.deepEqual(tsconfig.files.sort(), ["index.ts", "rules.ts"]);
        // Constructing a PolicyPack starts a gRPC server, so the entry point is checked as text.
        const index = fs.readFileSync(path.join(dir, "index.ts"), "utf8");
        assert.match(index, /new PolicyPack\("bdok",/);
        assert.match(index, /import \{ policies \} from "\.\/rules"/);
        // The pack resolves its dependencies from the root's node_modules (npm ci at the root).
        // realpath: a sandbox (Stryker's) links the root's node_modules, and require.resolve follows the link.
        const rootModules = fs.realpathSync(path.join(ROOT, "node_modules"));
        for (const dep of ["@pulumi/policy", "@pulumi/pulumi"]) assert.ok(require.resolve(dep, { paths: [dir] }).startsWith(rootModules), dep);
    });

    it("derives the stack from URNs, never prod-ness from the stack's name: unconfigured, the strict rules apply", () => {
        assert.equal(stackOfUrn("urn:pulumi:prod::bdok::aws:s3/bucket:Bucket::x"), "prod");
        assert.deepEqual(resolveConfig({}, "urn:pulumi:prod-eu::bdok::t::n"), { stack: "prod-eu", isProd: true, exposure: "clusterIp" });
        assert.deepEqual(resolveConfig({}, "urn:pulumi:dev::bdok::t::n"), { stack: "dev", isProd: true, exposure: "clusterIp" });
        assert.deepEqual(resolveConfig({ isProd: false }, "urn:pulumi:prod::bdok::t::n"), { stack: "prod", isProd: false, exposure: "clusterIp" });
        assert.deepEqual(resolveConfig({ stack: "staging", isProd: true, exposure: "publicLoadBalancer" }), {
            stack: "staging",
            isProd: true,
            exposure: "publicLoadBalancer",
        });
        assert.equal(resolveConfig({ exposure: "bogus" as any }).exposure, "clusterIp");
    });

    it("writes a --policy-pack-config with the stack's settings for every rule", () => {
        const cfg = policyPackConfig({ stack: "prod", isProd: true, exposure: "internalLoadBalancer" });
        assert.deepEqual(Object.keys(cfg).sort(), policies.map((p) => p.name).sort());
        for (const v of Object.values(cfg)) assert.deepEqual(v, { stack: "prod", isProd: true, exposure: "internalLoadBalancer" });
    });
});

describe("policy predicates", () => {
    it("tell credential keys from keys that name where a credential lives", () => {
        for (const k of [
            "password",
            "connection.password",
            "PGPASSWORD",
            "webserverSecretKey",
            "fernetKey",
            "apiKey",
            "api_key",
            "AWS_SECRET_ACCESS_KEY",
            "s3.aws-secret-key",
            "token",
            "pass",
            "jwtSecret",
            "clientSecret",
        ]) {
            assert.ok(isCredentialKey(k), k);
        }
        for (const k of [
            "fernetKeySecretName",
            "existingSecret",
            "passwordSecret",
            "secretKeyRef",
            "caSecret",
            "passwordAuthSecret",
            "tokenPath",
            "passwordFile",
            "automountServiceAccountToken",
            "username",
            "spark.hadoop.fs.s3a.aws.credentials.provider",
            "config.providers.secrets.class",
        ]) {
            assert.ok(!isCredentialKey(k), k);
        }
    });

    it("accept references, reject literals (a masked Pulumi secret is a literal too)", () => {
        for (const v of ["${secrets:kafka/pg:password}", "${env:PG}", "${ENV:SHARED}", "$(PGPASSWORD)", "{{ .Values.x }}", "/var/run/secrets/token", "", "  "])
            assert.ok(isReferenceValue(v), v);
        for (const v of ["hunter2", "[secret]", "changeme", "${unterminated"]) assert.ok(!isReferenceValue(v), v);
    });

    it("find literal credentials with their path", () => {
        const hits = literalCredentials({
            spec: { config: { "connection.password": "x", "connection.user": "u" }, template: { env: [{ name: "API_TOKEN", value: "t" }] } },
        });
        assert.deepEqual(hits.map((h) => h.path).sort(), ["spec.config.connection.password", "spec.template.env[0].value"]);
    });

    it("find LoadBalancer requests and their scheme", () => {
        const hits = loadBalancerServices({
            web: { service: { type: "LoadBalancer", annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" } } },
            other: { type: "ClusterIP" },
        });
        assert.deepEqual(hits, [{ path: "web.service.type", internetFacing: false, internal: true, byController: false, ranges: undefined }]);
        const handled = loadBalancerServices({
            spec: {
                type: "LoadBalancer",
                annotations: {
                    "service.beta.kubernetes.io/aws-load-balancer-type": "external",
                    "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
                },
            },
        });
        assert.equal(handled[0].byController, true);
        assert.equal(loadBalancerServices({ spec: { type: "LoadBalancer", loadBalancerClass: "service.k8s.aws/nlb" } })[0].byController, true);
    });

    it("read TLS-only and admin statements from policy documents", () => {
        const tls = parsePolicyDocument(
            JSON.stringify({
                Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": false } } }],
            }),
        );
        assert.ok(isTlsOnlyPolicy(tls));
        assert.equal(adminWildcardStatements(tls).length, 0, "a Deny is never admin");
        assert.equal(parsePolicyDocument("not json"), undefined);
    });

    it("treat values the engine does not know yet as unknown, not as violations", () => {
        const proxy = new Proxy(
            {},
            {
                get: () => {
                    const e = new Error("unknown");
                    e.name = "UnknownValueError";
                    throw e;
                },
            },
        );
        assert.equal(read({ a: proxy }, "a", "b"), UNKNOWN);
        assert.equal(read({ a: "[unknown]" }, "a"), UNKNOWN);
    });
});

describe("rule factory (policy/config.ts)", () => {
    // One rule built by the factory, recording what its check saw.
    const probe = (tags: string[], types?: string[]) => {
        const seen: Array<{ type: string; cfg: BdokPolicyConfig }> = [];
        const rule = resourceRule({
            name: "probe",
            description: "records its calls",
            tags,
            types,
            check: (a, report, cfg) => (seen.push({ type: a.type, cfg }), report("hit")),
        });
        const run = (type: string, config: Partial<BdokPolicyConfig>) => {
            const reports: string[] = [];
            let skipped: string | undefined;
            try {
                (rule.validateResource as ResourceValidation)(resourceArgs(res(type, "r", {}), config), (m: string) => reports.push(m));
            } catch (e) {
                skipped = (e as Error).message;
            }
            return { reports, skipped };
        };
        return { rule, seen, run };
    };
    const dev = { stack: "dev", isProd: false, exposure: "clusterIp" as const };
    const ha = { stack: "any", isProd: true, exposure: "publicLoadBalancer" as const };

    for (const [tags, config, fires] of [
        [["aws", "prod-only"], dev, false],
        [["aws", "prod-only"], ha, true],
        [["aws"], dev, true],
        [["aws"], ha, true],
    ] as const) {
        it(`tags ${JSON.stringify(tags)} on isProd ${config.isProd}: ${fires ? "checks" : "steps aside as not applicable"}`, () => {
            const p = probe([...tags]);
            const { reports, skipped } = p.run("aws:s3/bucket:Bucket", config);
            assert.deepEqual(reports, fires ? ["hit"] : []);
            if (fires) assert.deepEqual(p.seen[0].cfg, config, "the check gets the resolved configuration");
            else assert.match(String(skipped), /prod stacks only \(stack "dev"\)/);
        });
    }

    it("is mandatory unless told, shares the config schema, and sees only the listed types", () => {
        const p = probe(["aws"], ["aws:s3/bucket:Bucket"]);
        assert.equal(p.rule.enforcementLevel, "mandatory");
        assert.equal(p.rule.configSchema, configSchema);
        assert.deepEqual(p.run("aws:rds/instance:Instance", dev).reports, []);
        assert.deepEqual(p.run("aws:s3/bucket:Bucket", dev).reports, ["hit"]);
        assert.equal(
            resourceRule({ name: "a", description: "d", tags: [], enforcementLevel: "advisory", check: () => undefined }).enforcementLevel,
            "advisory",
        );
    });

    it("a stack rule is prod-only by the same tag and gets the configuration of the stack's URNs", () => {
        const cfgs: BdokPolicyConfig[] = [];
        const mk = (tags: string[]) => stackRule({ name: "s", description: "d", tags, check: (_a, _r, cfg) => void cfgs.push(cfg) });
        const args = (config: Partial<BdokPolicyConfig>) => ({
            resources: stackResources([res("aws:s3/bucket:Bucket", "b", {})]),
            getConfig: <T extends object>() => ({ ...config }) as T,
            notApplicable: (reason?: string): never => {
                throw new Error(reason);
            },
        });
        assert.throws(() => mk(["prod-only"]).validateStack(args({ isProd: false }) as any, () => undefined), /prod stacks only/);
        mk(["prod-only"]).validateStack(args({ isProd: true }) as any, () => undefined);
        mk([]).validateStack(args({ isProd: false }) as any, () => undefined);
        assert.deepEqual(
            cfgs.map((c) => c.isProd),
            [true, false],
        );
        assert.equal(cfgs[0].stack, stackOfUrn(res("aws:s3/bucket:Bucket", "b", {}).urn));
    });
});

describe("policy runner (offline adapter)", () => {
    it("hands each resource to validateResource as the engine does: type, props, urn, name, opts", () => {
        const r = res("aws:rds/instance:Instance", "db", { multiAz: true }, { protect: true, retainOnDelete: true, parent: "urn:p" });
        const args = resourceArgs({ ...r, rawInputs: { multiAz: true, password: "plain" } }, { stack: "prod" });
        assert.equal(args.type, "aws:rds/instance:Instance");
        assert.equal(args.name, "db");
        assert.equal(args.urn, r.urn);
        assert.equal(args.props.password, "plain", "revealed inputs, as a preview sees them");
        assert.equal(args.opts.protect, true);
        assert.equal((args.opts as any).retainOnDelete, true);
        assert.equal(args.opts.parent, "urn:p");
        assert.deepEqual(args.getConfig(), { stack: "prod" });
        assert.throws(() => args.notApplicable("x"));
    });

    it("links parents and (property) dependencies as objects for validateStack", () => {
        const a = res("aws:s3/bucket:Bucket", "a", {});
        const b = res("aws:s3/bucketVersioning:BucketVersioning", "a", {}, { parent: a.urn, dependencies: [a.urn], propertyDependencies: { bucket: [a.urn] } });
        const [ra, rb] = stackResources([a, b]);
        assert.equal(rb.parent, ra);
        assert.deepEqual(rb.dependencies, [ra]);
        assert.deepEqual(rb.propertyDependencies.bucket, [ra]);
    });
});

describe("every rule reports a fixture that violates it", () => {
    const table = violations();

    it("covers every rule of the pack", () => {
        assert.deepEqual(Object.keys(table).sort(), policies.map((p) => p.name).sort());
    });

    for (const [rule, cases] of Object.entries(table)) {
        for (const c of cases) {
            it(`${rule}: ${c.what}`, async () => {
                const report = await runPolicies(c.resources, c.config);
                const mine = report.violations.filter((v) => v.policy === rule);
                assert.ok(mine.length > 0, `no ${rule} violation; got:\n${fmt(report) || "  (none)"}`);
                for (const v of mine) assert.ok(v.message.length > 30, `unclear message: ${v.message}`);
                if (c.at) {
                    const at = c.resources.find((r) => r.name === c.at && mine.some((v) => v.urn === r.urn));
                    assert.ok(at, `${rule} should point at "${c.at}"; points at ${mine.map((v) => v.urn).join(", ")}`);
                }
            });
        }
    }
});

describe("rules allow what they should", () => {
    for (const c of compliant()) {
        it(`${c.rules.join(", ")}: ${c.what}`, async () => {
            const report = await runPolicies(c.resources, c.config);
            const bad = report.violations.filter((v) => c.rules.includes(v.policy));
            assert.deepEqual(bad, [], fmt({ ...report, violations: bad }));
        });
    }

    // README ("CI and the prod cluster"): an allow-list is "never wider than /8, which the rule refuses".
    // Written out per prefix, not from the rule's constant: moving the boundary fails a row.
    const ENDPOINT_BOUNDARY: [string[], boolean][] = [
        [["0.0.0.0/0"], false],
        [["0.0.0.0/1"], false],
        [["10.0.0.0/2"], false],
        [["10.0.0.0/7"], false],
        [["10.0.0.0/8"], true],
        [["10.128.0.0/9"], true],
        [["203.0.113.0/24"], true],
        [["198.51.100.7/32"], true],
        [["203.0.113.0/24", "10.0.0.0/7"], false],
        [[], false], // public endpoint with no list: EKS opens it to 0.0.0.0/0
    ];
    for (const [cidrs, allowed] of ENDPOINT_BOUNDARY) {
        it(`eks-endpoint-restricted-prod: a public endpoint open to [${cidrs.join(", ")}] is ${allowed ? "allowed" : "refused"} in prod`, async () => {
            for (const r of [
                eksCluster({ endpointPublicAccess: true, publicAccessCidrs: cidrs }),
                res("aws:eks/cluster:Cluster", "raw", { vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: cidrs } }),
            ]) {
                const report = await runPolicies([r], prod);
                const fired = report.violations.filter((v) => v.policy === "eks-endpoint-restricted-prod");
                assert.equal(fired.length, allowed ? 0 : 1, `${r.type}: ${fmt({ ...report, violations: fired })}`);
            }
        });
    }

    it("prod-only rules are not applicable to dev", async () => {
        const prodCases = Object.entries(violations()).filter(([rule]) => PROD_ONLY.includes(rule));
        assert.ok(prodCases.length >= 8);
        for (const [rule, cases] of prodCases) {
            const report = await runPolicies(cases[0].resources, { stack: "dev", isProd: false, exposure: "clusterIp" });
            assert.ok(!report.violations.some((v) => v.policy === rule), `${rule} fired on dev`);
            assert.ok(
                report.notApplicable.some((n) => n.policy === rule && /prod stacks only/.test(n.reason)),
                `${rule} not reported as not applicable`,
            );
        }
    });
});

describe("the offline plans pass the policy pack", () => {
    for (const stack of STACKS) {
        it(`${stack}: no violation${stackSetting(stack, "profile") === "ha" ? "" : "; only prod-only rules are not applicable"}`, async () => {
            const run = await planOf(stack);
            const report = await checkPlanRun(run);
            assert.ok(report.resources > 50, `${report.resources} resources`);
            assert.deepEqual(report.violations, [], `\n${fmt(report)}`);
            const na = [...new Set(report.notApplicable.map((n) => n.policy))];
            if (run.config.ha) {
                assert.deepEqual(na, []);
            } else {
                for (const p of na) assert.ok(PROD_ONLY.includes(p), `${p} not applicable on ${stack}`);
                // The prod-only rules about resources every stack has did run and stepped aside.
                for (const p of ["rds-multi-az-prod", "rds-deletion-protection-prod", "stateful-protected-prod", "s3-no-force-destroy-prod"])
                    assert.ok(na.includes(p), p);
            }
        });
    }

    it("prod with exposure publicLoadBalancer (and client ranges) passes, its load balancers included", async () => {
        const run = await planWith("prod", { "bdok:exposure": "publicLoadBalancer", ...PUBLIC_EXPOSURE_SETTINGS });
        const report = await checkPlanRun(run);
        assert.deepEqual(report.violations, [], `\n${fmt(report)}`);
        // The rules did see the internet-facing load balancers (Airflow, Trino, Kibana, the Spark History Server, Superset, Grafana).
        const lbs = run.captured.filter((r) => JSON.stringify(r.inputs).includes('"internet-facing"'));
        assert.equal(lbs.length, 6, lbs.map((r) => r.name).join(", "));
        // Grafana's Service sits in kube-prometheus-stack's values (grafana.service): without its ranges the rule names it.
        const monitoring = run.captured.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as any).chart === "kube-prometheus-stack")!;
        const open = structuredClone(monitoring);
        // The pack reads the raw inputs (secrets unmasked) when the harness captured them.
        for (const props of [open.inputs, open.rawInputs] as any[])
            if (props) delete props.values.grafana.service.annotations["service.beta.kubernetes.io/load-balancer-source-ranges"];
        const caught = await checkPlanRun({ ...run, captured: run.captured.map((r) => (r === monitoring ? open : r)) });
        assert.deepEqual(
            caught.violations.map((v) => `${v.policy} ${/grafana\.service/.test(v.message)}`),
            ["k8s-loadbalancer-source-ranges true"],
            `\n${fmt(caught)}`,
        );
        // Each load balancer terminating TLS at the NLB, its certificate removed, is named by the TLS rule.
        const SSL_CERT = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert";
        const withCert = run.captured.filter((r) => JSON.stringify(r.inputs).includes(SSL_CERT));
        assert.ok(withCert.length >= 4, withCert.map((r) => r.name).join(", "));
        const plain = run.captured.map((r) => (withCert.includes(r) ? JSON.parse(JSON.stringify(r).replaceAll(SSL_CERT, "x-removed")) : r));
        const plainReport = await checkPlanRun({ ...run, captured: plain });
        assert.deepEqual(
            [...new Set(plainReport.violations.map((v) => `${v.policy} ${v.urn}`))].sort(),
            withCert.map((r) => `k8s-public-lb-tls ${r.urn}`).sort(),
            `\n${fmt(plainReport)}`,
        );
    });

    it("prod's rules look at what they guard (the RDS instance, the buckets, the EKS cluster)", async () => {
        const run = await planOf("prod");
        const types = new Set(run.captured.map((r) => r.type));
        for (const t of ["aws:rds/instance:Instance", "aws:s3/bucket:Bucket", "eks:index:Cluster", "aws:glue/catalogDatabase:CatalogDatabase"])
            assert.ok(types.has(t), t);
        // The same plan with the protection switched off is caught.
        const unprotected = run.captured.map((r) => ({ ...r, protect: false, retainOnDelete: false }));
        const report = await runPolicies(unprotected, { stack: "prod", isProd: true, exposure: run.config.exposure });
        const names = new Set(report.violations.filter((v) => v.policy === "stateful-protected-prod").map((v) => v.urn!.split("::").pop()));
        for (const n of ["database-postgres", "datalake-lake", "datalake-airflow-logs", "datalake-catalog"]) assert.ok(names.has(n), `${n} not flagged`);
    });

    it("`npm run policy -- --emit-config <stack> --out <file>` writes the preview's policy config", async () => {
        const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bdok-policy-")), "policy-config.json");
        assert.equal(await policyCli(["--emit-config", "prod", "--out", out]), 0);
        const parsed = JSON.parse(fs.readFileSync(out, "utf8"));
        assert.deepEqual(parsed["rds-multi-az-prod"], { stack: "prod", isProd: true, exposure: "internalLoadBalancer" });
        fs.rmSync(path.dirname(out), { recursive: true, force: true });
    });

    it("`npm run policy -- <plan.json>` passes prod's masked plan.json (exit 0) as a child process", async function () {
        this.timeout(120000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-policy-"));
        const file = path.join(dir, "plan.json");
        fs.writeFileSync(file, JSON.stringify((await planOf("prod")).plan));
        const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
            const p = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/policy-run.ts", file, "--markdown"], { cwd: ROOT });
            let stdout = "";
            let stderr = "";
            p.stdout.on("data", (d) => (stdout += d));
            p.stderr.on("data", (d) => (stderr += d));
            p.on("close", (status) => resolve({ status, stdout, stderr }));
        });
        fs.rmSync(dir, { recursive: true, force: true });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /### Policy check: `prod`\n\n0 violation\(s\) over \d+ resources/);
    });

    it("the masked plan.json of a violating stack fails the check (exit 1)", async () => {
        const run = await planOf("prod");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-policy-"));
        const file = path.join(dir, "plan.json");
        const broken = {
            ...run.plan,
            resources: run.plan.resources.map((r) =>
                r.type === "aws:rds/instance:Instance" ? { ...r, inputs: { ...r.inputs, publiclyAccessible: true } } : r,
            ),
        };
        fs.writeFileSync(file, JSON.stringify(broken));
        const logged: string[] = [];
        const io = { stdout: (t: string) => void logged.push(t), stderr: (t: string) => void logged.push(t) };
        try {
            assert.equal(await policyCli([file], io), 1);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.match(logged.join("\n"), /\[mandatory\] rds-not-public: Instance "database-postgres": publiclyAccessible is true/);
    });
});
