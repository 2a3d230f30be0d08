// Bad input: every file in test/fixtures/bad-config is an overrides file in stack-file shape that
// must be rejected. Its header says what the message must contain:
//   # expect-key: <the key the message names>
//   # expect-allowed: <part of what is allowed>     and/or
//   # expect-suggest: <the closest valid key, for a typo>
//   # expect-absent: <text that must not appear, e.g. a credential>
//   # stack: <stack whose file it overrides> (default dev)
// They run through the real entry paths: readStackFile + loadStackConfig + parseConfig, and a few
// through the plan CLI as a child process (exit code 2, the message on stderr, no stack trace).
import { strict as assert } from "assert";

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, parseConfig } from "../config";
import { assertCapacity, estimate } from "../tools/estimate";
import { CapacityError } from "../tools/estimate/capacity";
import { loadStackConfig, readStackFile } from "../tools/stack-files";
import { runInProcess } from "./in-process";
import { planAs, ProcessResult, STACKS } from "./support";

const DIR = path.join(__dirname, "fixtures", "bad-config");

interface Fixture {
    file: string;
    name: string;
    stack: string;
    key: string;
    allowed?: string;
    suggest?: string;
    absent?: string;
}

function fixtures(): Fixture[] {
    return fs
        .readdirSync(DIR)
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .map((f) => {
            const file = path.join(DIR, f);
            const header = (k: string) => new RegExp(`^# ${k}: (.*)$`, "m").exec(fs.readFileSync(file, "utf8"))?.[1].trim();
            return {
                file,
                name: f.replace(/\.yaml$/, ""),
                stack: header("stack") ?? "dev",
                key: header("expect-key")!,
                allowed: header("expect-allowed"),
                suggest: header("expect-suggest"),
                absent: header("expect-absent"),
            };
        });
}

/** The configuration error of a fixture through the library entry path (or a failure if accepted). */
function errorOf(fx: Fixture): ConfigError {
    try {
        const overrides = readStackFile(fx.file).config ?? {};
        parseConfig(loadStackConfig(fx.stack, overrides), fx.stack);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${(e as Error)?.stack ?? e}`);
        return e;
    }
    return assert.fail(`${fx.name}: configuration was accepted`);
}

/** The issue naming the key: "<key>: ..." (a file's path may stand before a file-level key). */
function issueFor(issues: string[], key: string): string | undefined {
    return issues.find((i) => i.startsWith(`${key}: `) || i.includes(`/${key}: `));
}

function checkMessage(fx: Fixture, issues: string[], message: string): void {
    const issue = issueFor(issues, fx.key);
    assert.ok(issue, `no issue names ${fx.key}:\n${issues.join("\n")}`);
    if (fx.allowed) {
        const allowed = issue.slice(issue.indexOf("allowed: "));
        assert.ok(issue.includes("allowed: "), `"${issue}" does not say what is allowed`);
        assert.ok(allowed.includes(fx.allowed), `"${issue}" should allow "${fx.allowed}"`);
    }
    if (fx.suggest) assert.ok(issue.includes(`did you mean "${fx.suggest}"?`), `"${issue}" should suggest ${fx.suggest}`);
    if (fx.absent) assert.ok(!message.includes(fx.absent), `the message repeats "${fx.absent}"`);
}

describe("bad configuration is rejected with a message naming the key and what is allowed", () => {
    const all = fixtures();

    it("has at least 25 fixtures, each saying what its message must contain", () => {
        assert.ok(all.length >= 25, `${all.length} fixtures`);
        for (const fx of all) {
            assert.ok(fx.key, `${fx.name}: no expect-key`);
            assert.ok(fx.allowed || fx.suggest, `${fx.name}: no expect-allowed or expect-suggest`);
        }
        assert.ok(all.filter((f) => f.suggest).length >= 3, "typo fixtures");
    });

    for (const fx of all) {
        it(fx.name, () => {
            const e = errorOf(fx);
            checkMessage(fx, e.issues, e.message);
            assert.doesNotMatch(e.message, /^\s+at /m);
        });
    }

    it("the stack files themselves are valid (the fixtures fail for their own reason)", () => {
        for (const stack of STACKS) assert.doesNotThrow(() => parseConfig(loadStackConfig(stack), stack));
    });
});

describe("capacity failures lead with the key to change", () => {
    // test/fixtures/bad-config/capacity: valid configuration whose pods do not fit (exit 3 from npm run plan).
    const CAPACITY = path.join(DIR, "capacity");
    const files = fs
        .readdirSync(CAPACITY)
        .filter((f) => f.endsWith(".yaml"))
        .sort();
    for (const f of files) {
        it(f.replace(/\.yaml$/, ""), async function () {
            this.timeout(60000);
            const file = path.join(CAPACITY, f);
            const header = (k: string) => new RegExp(`^# ${k}: (.*)$`, "m").exec(fs.readFileSync(file, "utf8"))![1].trim();
            const run = await planAs("dev", loadStackConfig("dev", readStackFile(file).config ?? {}));
            const e = estimate(run);
            assert.equal(e.capacity.fits, false);
            assert.throws(
                () => assertCapacity(e, "dev"),
                (err: unknown) => {
                    assert.ok(err instanceof CapacityError);
                    const [first, ...rest] = err.message.split("\n");
                    assert.ok(first.startsWith(`capacity of stack "dev": ${header("expect-key")}: `), first);
                    assert.ok(first.slice(first.indexOf("allowed: ")).includes(header("expect-allowed")), first);
                    assert.ok(rest.length <= 6, err.message);
                    return true;
                },
            );
        });
    }
});

describe("stack files Pulumi accepts are accepted", () => {
    // test/fixtures/bad-config/accepted: overrides files that must parse, with the values they must give:
    //   # expect-value: <path in the parsed configuration> = <JSON value, or undefined>
    const ACCEPTED = path.join(DIR, "accepted");
    const files = fs
        .readdirSync(ACCEPTED)
        .filter((f) => f.endsWith(".yaml"))
        .sort();

    it("has fixtures for a commented-out config and for merge keys", () => {
        assert.ok(files.length >= 3, files.join(", "));
    });

    for (const f of files) {
        it(f.replace(/\.yaml$/, ""), () => {
            const file = path.join(ACCEPTED, f);
            const expects = [...fs.readFileSync(file, "utf8").matchAll(/^# expect-value: (\S+) = (.*)$/gm)];
            assert.ok(expects.length > 0, "no expect-value");
            const cfg = parseConfig(loadStackConfig("dev", readStackFile(file).config ?? {}), "dev");
            for (const [, at, value] of expects) {
                const got = at.split(".").reduce<any>((o, k) => o?.[k], cfg);
                assert.deepEqual(got, value === "undefined" ? undefined : JSON.parse(value), at);
            }
        });
    }
});

describe("a file that cannot be read is named, not reported as bad YAML", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-read-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    for (const [what, file, reason] of [
        ["a missing file", path.join(tmp, "missing.yaml"), "no such file"],
        ["a directory", tmp, "is a directory"],
        ["a path through a file", path.join(__filename, "x.yaml"), "a part of the path is not a directory"],
    ] as const) {
        it(what, () => {
            assert.throws(
                () => readStackFile(file),
                (e: unknown) => {
                    assert.ok(e instanceof ConfigError);
                    assert.equal(e.issues.length, 1);
                    assert.ok(e.issues[0].startsWith(`${file}: cannot read the file: ${reason}`), e.issues[0]);
                    assert.doesNotMatch(e.message, /YAML|ENOENT|EISDIR/);
                    return true;
                },
            );
        });
    }
});

// The plan CLI's main in-process (test/in-process.ts), in the suite's hook; the process boundary is
// tested by test/cli.test.ts.
const cliCases = ["az-count-out-of-range", "unknown-key-typo", "malformed-yaml"];
const cliOut = path.join(os.tmpdir(), `bdok-bad-config-${process.pid}-${Date.now()}`);
async function cliRuns(): Promise<Map<string, ProcessResult>> {
    const runs = new Map<string, ProcessResult>();
    for (const name of cliCases)
        runs.set(name, await runInProcess("plan", ["--stack", "dev", "--config", path.join(DIR, `${name}.yaml`), "--out", path.join(cliOut, name), "--quiet"]));
    return runs;
}

describe("bad configuration through the plan CLI", () => {
    let results: Map<string, ProcessResult>;
    const out = cliOut;

    before(async function () {
        this.timeout(180000);
        results = await cliRuns();
    });
    after(() => fs.rmSync(cliOut, { recursive: true, force: true }));

    for (const name of cliCases) {
        it(`${name}: exit code 2, the message on stderr, no stack trace, no plan written`, () => {
            const fx = fixtures().find((f) => f.name === name)!;
            const r = results.get(name)!;
            assert.equal(r.status, 2, `exit ${r.status}\n${r.stderr}`);
            const issues = r.stderr
                .split("\n")
                .map((l) => l.replace(/^(Invalid configuration: |\s+- )/, "").trim())
                .filter(Boolean);
            checkMessage(fx, issues, r.stderr + r.stdout);
            assert.doesNotMatch(r.stderr, /^\s+at /m, "stack trace on stderr");
            assert.ok(!fs.existsSync(path.join(out, name, "plan.json")), "a plan was written");
        });
    }
});
