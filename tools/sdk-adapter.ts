// The one place that touches the Pulumi SDK's internals for the offline plan: the mock engine,
// the resource monitor's registerResource (a gRPC request of the SDK's generated types) and the
// wire encoding of special values. An SDK upgrade that changes any of them breaks here, with one
// message naming what is missing, instead of somewhere in the harness.
import * as pulumi from "@pulumi/pulumi";
import { isPlainObject } from "../lib/validate";
import { ProgramFailed } from "./cli";
import { PlannedResource, SECRET } from "./plan-types";

export { ProgramFailed };

/** The SDK version these internals were read from (package.json pins it; one copy, see overrides). */
export const SDK_VERSION = "3.248.0";

// Pulumi's wire signatures for special values in a serialized property map
// (sdk/nodejs/runtime/rpc.ts: specialSigKey, specialSecretSig, specialResourceSig, specialAssetSig,
// specialArchiveSig; unknownValue).
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Converts serialized properties to plain JSON; secrets become "[secret]" unless `reveal`. */
export function normalize(v: unknown, reveal = false): unknown {
    if (v === UNKNOWN) return "[unknown]";
    if (Array.isArray(v)) return v.map((x) => normalize(x, reveal));
    if (!isPlainObject(v)) return v;
    switch (v[SIG]) {
        case SECRET_SIG:
            return reveal ? normalize(v.value, reveal) : SECRET;
        case RESOURCE_SIG:
            return { resource: v.urn };
        case ASSET_SIG:
            return { asset: v.path ?? (v.text !== undefined ? `text(${String(v.text).length} chars)` : v.uri) };
        case ARCHIVE_SIG:
            return { archive: v.path ?? (v.assets ? Object.keys(v.assets as object) : v.uri) };
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalize(x, reveal);
    return out;
}

/** What the engine is asked to register, decoded from the SDK's request: a planned resource before
 * its URN, with its inputs as serialized on the wire (see normalize). */
export type Registration = Omit<PlannedResource, "urn" | "inputs"> & { wireInputs: unknown; aliases: unknown[] };

/** The request methods read here: a missing one names the SDK change. */
const REQUEST_METHODS = [
    "getType",
    "getName",
    "getParent",
    "getProvider",
    "getDependenciesList",
    "getPropertydependenciesMap",
    "getProtect",
    "getRetainondelete",
    "getDeletebeforereplace",
    "getIgnorechangesList",
    "getCustom",
    "getRemote",
    "getObject",
] as const;

export class SdkChanged extends Error {
    constructor(what: string) {
        super(
            `tools/sdk-adapter.ts: ${what}; it reads @pulumi/pulumi ${SDK_VERSION}'s internals (installed: ${installedVersion()}): adapt this file to the new SDK`,
        );
    }
}

/** The wire constants above, as named in the SDK's runtime/rpc.js. */
const WIRE: Record<string, string> = {
    specialSigKey: SIG,
    specialSecretSig: SECRET_SIG,
    specialResourceSig: RESOURCE_SIG,
    specialAssetSig: ASSET_SIG,
    specialArchiveSig: ARCHIVE_SIG,
    unknownValue: UNKNOWN,
};

const RUNTIME_FUNCTIONS = ["setAllConfig", "setMocks", "getMonitor", "runInPulumiStack"] as const;

/**
 * Throws SdkChanged unless the installed SDK has what this file reads: the runtime functions and
 * the wire constants (`rpc` defaults to the SDK's runtime/rpc.js; tests pass others).
 */
export function checkSdk(rpc: Record<string, unknown> = require("@pulumi/pulumi/runtime/rpc"), runtime: Record<string, unknown> = pulumi.runtime as any): void {
    const problems = [
        ...RUNTIME_FUNCTIONS.filter((f) => typeof runtime[f] !== "function").map((f) => `pulumi.runtime.${f} is missing`),
        ...Object.entries(WIRE)
            .filter(([k, v]) => rpc[k] !== v)
            .map(([k, v]) => `runtime/rpc.js ${k} is ${JSON.stringify(rpc[k])}, not ${v}`),
    ];
    if (problems.length) throw new SdkChanged(problems.join("; "));
}

function installedVersion(): string {
    try {
        return require("@pulumi/pulumi/package.json").version;
    } catch {
        return "unknown";
    }
}

function providerUrn(ref: string): string | null {
    if (!ref) return null;
    const i = ref.lastIndexOf("::");
    return i > 0 ? ref.slice(0, i) : ref;
}

/** Decodes a RegisterResourceRequest of the SDK's generated gRPC types. */
export function decodeRegistration(req: any): Registration {
    const missing = REQUEST_METHODS.filter((m) => typeof req?.[m] !== "function");
    if (missing.length) throw new SdkChanged(`the register request has no ${missing.join(", ")}`);
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v: any, k: string) => {
        const urns = v.getUrnsList();
        if (urns.length) propertyDependencies[k] = urns;
    });
    const t = req.getCustomtimeouts?.();
    const timeouts = t ? Object.fromEntries(Object.entries({ create: t.getCreate(), update: t.getUpdate(), delete: t.getDelete() }).filter(([, v]) => v)) : {};
    return {
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent() || null,
        provider: providerUrn(req.getProvider()),
        dependencies: req.getDependenciesList(),
        propertyDependencies,
        protect: !!req.getProtect(),
        retainOnDelete: !!req.getRetainondelete(),
        deleteBeforeReplace: !!req.getDeletebeforereplace(),
        ignoreChanges: req.getIgnorechangesList(),
        ...(Object.keys(timeouts).length ? { customTimeouts: timeouts } : {}),
        custom: req.getCustom(),
        remote: req.getRemote(),
        wireInputs: req.getObject()?.toJavaScript() ?? {},
        // Alias specs ({ name, type, stack, project, parenturn, noparent }) or URNs, as sent.
        aliases: (req.getAliasesList?.() ?? []).map((a: any) => a.toObject()),
    };
}

let running: Promise<unknown> = Promise.resolve();

/**
 * Runs `program` under the mock engine with `config`, calling `onRegister` for every resource
 * registration and, once the engine answers, `onUrn`. Runs are serialised: the runtime is
 * process-global. Resolves once registrations have been quiet for a few ticks (registrations
 * inside applies trail the stack's completion).
 */
export function runUnderMocks<T>(
    mocks: pulumi.runtime.Mocks,
    project: string,
    stack: string,
    config: Record<string, string>,
    program: () => T,
    onRegister: (r: Registration) => { onUrn(urn: string): void },
): Promise<T> {
    const next = running.then(async () => {
        // The SDK records a stack trace for every promise it makes; under ts-node's source maps
        // that is most of a plan's time. BDOK_PLAN_STACKS=1 keeps them while debugging the program.
        const limit = Error.stackTraceLimit;
        if (!process.env.BDOK_PLAN_STACKS) Error.stackTraceLimit = 0;
        try {
            return await runNow({ mocks, project, stack, config, program, onRegister });
        } finally {
            Error.stackTraceLimit = limit;
        }
    });
    running = next.then(
        () => undefined,
        () => undefined,
    );
    return next;
}

interface Job<T> {
    mocks: pulumi.runtime.Mocks;
    project: string;
    stack: string;
    config: Record<string, string>;
    program: () => T;
    onRegister: (r: Registration) => { onUrn(urn: string): void };
}

async function runNow<T>({ mocks, project, stack, config, program, onRegister }: Job<T>): Promise<T> {
    checkSdk();
    const runtime = pulumi.runtime as any;
    runtime.setAllConfig(config);
    await runtime.setMocks(mocks, project, stack, false);
    const monitor = runtime.getMonitor();
    if (typeof monitor?.registerResource !== "function") throw new SdkChanged("the mock monitor has no registerResource");
    let pending = 0;
    let open = true;
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: (err: unknown, resp: any) => void) => {
        pending++;
        const listener = open ? onRegister(decodeRegistration(req)) : { onUrn: () => undefined };
        original(req, (err: unknown, resp: any) => {
            if (!err && resp) listener.onUrn(resp.getUrn());
            pending--;
            cb(err, resp);
        });
    };
    // An error thrown in an apply (or a rejected input) fails the resource's preparation; the SDK
    // rethrows it into a promise nobody awaits and leaves the resource's urn and id unsettled
    // (runtime/resource.js:536-541, 561-568, 593-599 in 3.248), so whatever waits on them waits
    // forever. `pulumi up` fails the program on that unhandled rejection (cmd/run/run.js:367-408);
    // mocha re-emits it to no listener (runner.js:213-235). The run listens for it and fails alike.
    let failure: { error: unknown } | undefined;
    let fail!: () => void;
    const failed = new Promise<void>((resolve) => (fail = resolve));
    const onRejection = (error: unknown) => {
        failure ??= { error };
        fail();
    };
    process.on("unhandledRejection", onRejection);
    try {
        let result: T | undefined;
        await Promise.race([
            runtime
                .runInPulumiStack(async () => {
                    result = program();
                    return result;
                })
                .catch(onRejection),
            failed,
        ]);
        // Registrations inside applies trail the stack's completion; after a failure, the ones in
        // flight finish before the next run's mocks replace this monitor.
        for (let quiet = 0; quiet < 3;) {
            await new Promise((r) => setTimeout(r, pending > 0 ? 5 : 1));
            quiet = pending === 0 ? quiet + 1 : 0;
        }
        if (failure) throw programFailed(failure.error);
        return result as T;
    } finally {
        open = false;
        process.off("unhandledRejection", onRejection);
    }
}

function programFailed(e: unknown): ProgramFailed {
    const message = e instanceof Error ? e.message : String(e);
    return new ProgramFailed(`the program failed: ${message}`, { cause: e });
}

/** An output's value, or SECRET when it is secret. */
export async function resolveOutput(v: unknown): Promise<unknown> {
    const o = pulumi.output(v) as any;
    const [value, secret] = await Promise.all([o.promise(), o.isSecret]);
    return secret ? SECRET : value;
}
