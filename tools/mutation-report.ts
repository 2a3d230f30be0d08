// The mutation score per module, from Stryker's JSON report (mutation-testing-elements schema) and
// `mutmut results --all true`, written as markdown (npm run mutation writes docs/mutation.md).
// A Stryker run (often one group of files: MUTATE=...) is folded into reports/stryker-summary.json,
// which keeps each file's last result, so runs of different groups add up to one report.
//
//   ts-node tools/mutation-report.ts <stryker.json|-> <mutmut.txt> <out.md>   ("-": no new run)
import * as fs from "fs";
import * as path from "path";

export interface ModuleScore {
    module: string;
    killed: number;
    timeout: number;
    survived: number;
    noCoverage: number;
    /** Mutants that never ran (compile/runtime errors, ignored, not checked). */
    other: number;
}

/** Killed or timed out, over every mutant that ran or had no test (Stryker's definition). */
export function score(m: ModuleScore): number {
    const valid = m.killed + m.timeout + m.survived + m.noCoverage;
    return valid === 0 ? NaN : (m.killed + m.timeout) / valid;
}

/** Killed only: a timeout may be a slow survivor on a loaded machine, so it is shown apart. */
export function killedScore(m: ModuleScore): number {
    const valid = m.killed + m.timeout + m.survived + m.noCoverage;
    return valid === 0 ? NaN : m.killed / valid;
}

const empty = (module: string): ModuleScore => ({ module, killed: 0, timeout: 0, survived: 0, noCoverage: 0, other: 0 });

export interface Survivor {
    module: string;
    where: string;
    what: string;
    /** Stryker's: the line and the judgement key's "<mutator> -> <replacement>" (mutmut's survivors have neither). */
    line?: number;
    mutant?: string;
}

/** Per file of a Stryker JSON report, with its survivors. */
export function strykerScores(report: { files: Record<string, { mutants: any[] }> }): { scores: ModuleScore[]; survivors: Survivor[] } {
    const scores: ModuleScore[] = [];
    const survivors: Survivor[] = [];
    for (const [file, { mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
        const s = empty(file);
        for (const m of mutants) {
            const k = { Killed: "killed", Timeout: "timeout", Survived: "survived", NoCoverage: "noCoverage" }[m.status as string] as
                keyof ModuleScore | undefined;
            if (k) (s[k] as number)++;
            else s.other++;
            if (m.status === "Survived" || m.status === "NoCoverage") {
                const mutant = `${m.mutatorName}${m.replacement !== undefined ? ` -> ${JSON.stringify(m.replacement).slice(0, 60).replace(/\]\(/g, "] (")}` : ""}`;
                survivors.push({
                    module: file,
                    where: `${file}:${m.location.start.line}`,
                    what: `${mutant}${m.status === "NoCoverage" ? " (no test covers it)" : ""}`,
                    line: m.location.start.line,
                    mutant,
                });
            }
        }
        scores.push(s);
    }
    return { scores, survivors };
}

/** A file's last Stryker result, as reports/stryker-summary.json keeps it. */
export interface FileResult {
    killed: number;
    timeout: number;
    survived: number;
    noCoverage: number;
    other: number;
    /** Survived and NoCoverage mutants: line, "<mutator> -> <replacement>", status. */
    survivors: [number, string, "Survived" | "NoCoverage"][];
    /** When and how the run that gave this result went. */
    run: string;
}
export type Summary = Record<string, FileResult>;
export const SUMMARY_FILE = path.join(__dirname, "..", "reports", "stryker-summary.json");

/**
 * The summary with each file of `report` replaced by its result in `report`; other files keep theirs.
 * With `mutated` (the run's --mutate globs), only those files: Stryker's report also carries results
 * from its incremental file, which may be older than the summary's.
 */
export function fold(summary: Summary, report: { files: Record<string, { mutants: any[] }> }, run: string, mutated?: string[]): Summary {
    const files = Object.entries(report.files).filter(([f]) => !mutated?.length || mutated.some((g) => globRe(g).test(f)));
    const { scores, survivors } = strykerScores({ files: Object.fromEntries(files) });
    const out: Summary = { ...summary };
    for (const s of scores) {
        const { module, ...counts } = s;
        out[module] = {
            ...counts,
            survivors: survivors
                .filter((x) => x.module === module)
                .map((x) => [x.line!, x.mutant!, x.what.endsWith("(no test covers it)") ? "NoCoverage" : "Survived"]),
            run,
        };
    }
    return out;
}

/** The summary as strykerScores gives a report: scores and survivors per file. */
export function summaryScores(summary: Summary): { scores: ModuleScore[]; survivors: Survivor[] } {
    const files = Object.keys(summary).sort((a, b) => a.localeCompare(b));
    return {
        scores: files.map((module) => {
            const { killed, timeout, survived, noCoverage, other } = summary[module];
            return { module, killed, timeout, survived, noCoverage, other };
        }),
        survivors: files.flatMap((module) =>
            summary[module].survivors.map(([line, mutant, status]) => ({
                module,
                where: `${module}:${line}`,
                what: `${mutant}${status === "NoCoverage" ? " (no test covers it)" : ""}`,
                line,
                mutant,
            })),
        ),
    };
}

/** The Stryker runs the summary's results come from, each with its files. */
export function runsNote(summary: Summary): string {
    const by = new Map<string, string[]>();
    for (const f of Object.keys(summary).sort((a, b) => a.localeCompare(b))) by.set(summary[f].run, [...(by.get(summary[f].run) ?? []), f]);
    return [
        "Stryker runs the results come from (reports/stryker-summary.json keeps each file's last):",
        ...[...by].map(([run, files]) => `- ${run} (${files.join(", ")})`),
    ].join("\n");
}

/** One file per line, sorted: runs of different groups merge in git without touching each other's lines. */
export function summaryText(summary: Summary): string {
    const files = Object.keys(summary).sort((a, b) => a.localeCompare(b));
    return `{\n${files.map((f) => `    ${JSON.stringify(f)}: ${JSON.stringify(summary[f])}`).join(",\n")}\n}\n`;
}

/**
 * Per module, from scripts/mutmut_summary.py's stable form ("module <m> killed=.. timeout=.. survived=..
 * no-tests=.. not-run=..", then "<status> <m> <function>: <before> => <after>" per mutant not killed) or
 * from `mutmut results --all true` lines ("    pipelines.tables.x_f__mutmut_3: survived").
 */
export function mutmutScores(text: string): { scores: ModuleScore[]; survivors: Survivor[] } {
    const by = new Map<string, ModuleScore>();
    const survivors: Survivor[] = [];
    for (const line of text.split("\n")) {
        const c = /^module (\S+) killed=(\d+) timeout=(\d+) survived=(\d+) no-tests=(\d+) not-run=(\d+)$/.exec(line);
        if (c) {
            const [killed, timeout, survived, noCoverage, other] = c.slice(2).map(Number);
            by.set(c[1], { module: c[1], killed, timeout, survived, noCoverage, other });
            continue;
        }
        const l = /^(survived|no tests) (\S+) (.+)$/.exec(line);
        if (l) {
            survivors.push({ module: l[2], where: `${l[2]} ${l[3]}`, what: l[1] === "no tests" ? "no test covers it" : "survived" });
            continue;
        }
        const m = /^\s*([\w.]+)\.(x\S*__mutmut_\d+): (.+)$/.exec(line);
        if (!m) continue;
        const [, module, name, status] = m;
        const s = by.get(module) ?? empty(module);
        by.set(module, s);
        const k = { killed: "killed", timeout: "timeout", survived: "survived", "no tests": "noCoverage" }[status.trim()] as keyof ModuleScore | undefined;
        if (k) (s[k] as number)++;
        else s.other++;
        if (status === "survived" || status === "no tests")
            survivors.push({ module, where: `${module} ${name.replace(/ǁ/g, ".")}`, what: status === "no tests" ? "no test covers it" : "survived" });
    }
    return { scores: [...by.values()].sort((a, b) => a.module.localeCompare(b.module)), survivors };
}

const pct = (x: number) => (Number.isNaN(x) ? "n/a" : `${(x * 100).toFixed(1)} %`);

function total(scores: ModuleScore[], module: string): ModuleScore {
    return scores.reduce(
        (t, s) => ({
            module,
            killed: t.killed + s.killed,
            timeout: t.timeout + s.timeout,
            survived: t.survived + s.survived,
            noCoverage: t.noCoverage + s.noCoverage,
            other: t.other + s.other,
        }),
        empty(module),
    );
}

/** The score with the judged survivors taken out of the mutants (an equivalent mutant cannot be killed). */
export function judgedScore(m: ModuleScore, judged: number): number {
    const valid = m.killed + m.timeout + m.survived + m.noCoverage - judged;
    return valid <= 0 ? NaN : (m.killed + m.timeout) / valid;
}

function table(title: string, scores: ModuleScore[], judged: Map<string, number> = new Map()): string {
    const all = [...judged.values()].reduce((a, b) => a + b, 0);
    const rows = [...scores.map((s) => [s, judged.get(s.module) ?? 0] as const), [total(scores, "**all**"), all] as const].map(
        ([s, j]) =>
            `| ${s.module} | ${s.killed} | ${s.timeout} | ${s.survived} | ${s.noCoverage} | ${s.other} | ${pct(score(s))} | ${pct(killedScore(s))} | ${j} | ${pct(judgedScore(s, j))} |`,
    );
    return [
        `### ${title}`,
        "",
        "| module | killed | timeout | survived | no test | not run | score | without timeouts | judged | score, judged out |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ...rows,
        "",
    ].join("\n");
}

/**
 * Survivors judged (equivalent, or why no test is worth it), from reports/mutation-equivalent.json:
 * "<file>:<line>: <mutator> -> <replacement>" (the survivor's line in docs/mutation.md) -> reason.
 * A survivor not listed there is work left: kill it or judge it.
 */
export const EQUIVALENT_FILE = path.join(__dirname, "..", "reports", "mutation-equivalent.json");
export const EQUIVALENT: Record<string, string> = fs.existsSync(EQUIVALENT_FILE) ? JSON.parse(fs.readFileSync(EQUIVALENT_FILE, "utf8")) : {};

/** Python survivors judged, by "<module> <function>: <before> => <after>" (reports/mutmut.txt), with the reason. */
export const EQUIVALENT_PY: Record<string, string> = JSON.parse(fs.readFileSync(`${__dirname}/../reports/mutation-equivalent-py.json`, "utf8"));

/** How far a judged line may have moved since it was judged (code edited above it). */
const DRIFT = 10;

/**
 * The judgement of a survivor: its exact key, else the same file, mutator and replacement judged
 * within DRIFT lines (the nearest), so the list stays true when code moves a little. A judgement in
 * `claimed` (its own mutant still survives at its line) does not drift to a neighbour.
 */
export function judgement(x: Survivor, judged: Record<string, string> = EQUIVALENT, claimed: ReadonlySet<string> = new Set()): string | undefined {
    if (x.line === undefined || x.mutant === undefined) return judged[x.where] ?? EQUIVALENT_PY[x.where];
    const exact = judged[`${x.where}: ${x.mutant}`];
    if (exact !== undefined) return exact;
    let best: [number, string] | undefined;
    for (const [key, why] of Object.entries(judged)) {
        const k = /^(.+):(\d+): (.+)$/.exec(key);
        if (!k || claimed.has(key) || k[1] !== x.module || k[3] !== x.mutant) continue;
        const d = Math.abs(Number(k[2]) - x.line);
        if (d <= DRIFT && (!best || d < best[0])) best = [d, why];
    }
    return best?.[1];
}

/** The judged keys whose own mutant is among `survivors`. */
export function claimedKeys(survivors: Survivor[], judged: Record<string, string> = EQUIVALENT): Set<string> {
    return new Set(survivors.map((x) => `${x.where}: ${x.mutant}`).filter((k) => judged[k] !== undefined));
}
let claimed: ReadonlySet<string> = new Set();
const equivalentReason = (x: Survivor) => judgement(x, EQUIVALENT, claimed);

/**
 * In the issue's scope but not mutated by `npm run mutation`, each with the reason. The plan-backed
 * suites share one plan per configuration (test/support.ts caches it, built before any mutant is
 * active), so under Stryker they judge code that reads a plan (policy/, tools/lifecycle.ts) but not
 * code that builds one: a builder is mutated once unit specs of its own cover it.
 */
export const NOT_MUTATED_TS: Record<string, string> = {
    "platform/airflow/{dags,iam,specs,values}.ts":
        "pure builders judged only through the plan (test/support.ts caches it across mutants: every mutant would survive); each joins `mutate` with unit specs of its own",
    "platform/elastic/{file-realm,specs,values}.ts": "as platform/airflow",
    "platform/k8s/{crds,objects,resources}.ts": "as platform/airflow",
    "platform/kafka/{iam,needs,values}.ts": "as platform/airflow",
    "platform/karpenter/chart.ts": "its spec renders the chart with the real helm (chart.test.ts), minutes per mutant",
    "platform/karpenter/iam.ts":
        "its unit spec (iam.test.ts) judges too little yet: a trial run on 2026-12-08 killed 162 of 327 (49.5 %); the survivors are statement-level (each Sid, action and resource of the controller policy), to be judged statement by statement against Karpenter's own controller policy (aws/karpenter-provider-aws, website/content/en/<version>/getting-started/getting-started-with-karpenter/cloudformation.yaml, of the pinned release) before it joins `mutate`",
    "platform/load-balancer-controller/{iam,values}.ts": "as platform/airflow",
    "platform/observability/{alerting,dashboards,exporter,jmx,monitors,rbac,rules,values}.ts": "as platform/airflow",
    "platform/spark-history/{events,iam,specs}.ts": "as platform/airflow",
    "platform/spark-operator/{iam,specs,values}.ts": "as platform/airflow",
    "platform/superset/{dashboard,specs,values}.ts": "as platform/airflow",
    "platform/trino/{iam,specs,values}.ts": "as platform/airflow",
    "aws/cluster/{access,addons,nodes}.ts, aws/container-logs/policy.ts, aws/database/engine.ts": "as platform/airflow (aws/**/*.test.ts are plan-backed)",
    "*/*/index.ts": "Pulumi components: they declare resources, judged by the plan-backed specs, not pure functions",
    "lib/price-table.ts":
        "no code to mutate: one typed export of estimates/prices.json, whose figures test/prices-upstream.test.ts checks against their upstream lines",
};

/** A `mutate` glob: "*" inside one path segment. */
const globRe = (g: string) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);

/**
 * Files stryker.config.json's `mutate` names (globs with "*" inside one path segment, "!" to
 * exclude) that the report has no result for: in scope, not run yet.
 */
export function unscored(mutate: string[], scored: string[], ls: (dir: string) => string[] = (d) => (fs.existsSync(d) ? fs.readdirSync(d) : [])): string[] {
    const expand = (g: string) =>
        g.includes("*")
            ? ls(path.posix.dirname(g))
                  .map((f) => path.posix.join(path.posix.dirname(g), f))
                  .filter((f) => globRe(g).test(f))
            : [g];
    const files = new Set(mutate.filter((g) => !g.startsWith("!")).flatMap(expand));
    for (const g of mutate.filter((x) => x.startsWith("!"))) for (const f of [...files]) if (globRe(g.slice(1)).test(f)) files.delete(f);
    return [...files].filter((f) => !scored.includes(f)).sort();
}

/** Functions kept out of mutmut by `# pragma: no mutate start (reason)` in the given Python sources. */
export function pythonExclusions(files: string[], read: (f: string) => string = (f) => fs.readFileSync(f, "utf8")): { where: string; why: string }[] {
    const out: { where: string; why: string }[] = [];
    for (const file of files) {
        const lines = read(file).split("\n");
        lines.forEach((line, i) => {
            const m = /^# pragma: no mutate start \((.+)\)$/.exec(line);
            const def = m && lines.slice(i + 1).find((l) => /^(def|class) /.test(l));
            if (m && def) out.push({ where: `${file}: ${/^(?:def|class) (\w+)/.exec(def)![1]}`, why: m[1] });
        });
    }
    return out;
}

function judgedCount(survivors: Survivor[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const x of survivors) if (equivalentReason(x)) out.set(x.module, (out.get(x.module) ?? 0) + 1);
    return out;
}

export function markdown(
    ts: ReturnType<typeof strykerScores>,
    py: ReturnType<typeof mutmutScores>,
    date: string,
    notMutated: { ts: Record<string, string>; py: { where: string; why: string }[] } = { ts: {}, py: [] },
    /** How the run went (command, minutes, load), from scripts/mutation.sh. */
    note = "",
): string {
    claimed = claimedKeys(ts.survivors);
    const list = (s: Survivor[]) => s.map((x) => `- ${x.where}: ${x.what}${equivalentReason(x) ? ` — ${equivalentReason(x)}` : ""}`).join("\n");
    const classified = [...ts.survivors, ...py.survivors].filter((x) => equivalentReason(x)).length;
    const excluded = [...Object.entries(notMutated.ts).map(([where, why]) => `- ${where}: ${why}`), ...notMutated.py.map((x) => `- ${x.where}: ${x.why}`)];
    // Each listed survivor carries its judgement: "equivalent: ..." or why it is listed at all.
    return [
        "# Mutation score",
        "",
        `Written by \`npm run mutation\` (scripts/mutation.sh) on ${date}: Stryker (mocha runner) over the modules of`,
        "`stryker.config.json`, mutmut over `[tool.mutmut]` of `pyproject.toml`. Score: killed or timed out over all",
        'mutants that ran or had no test; "without timeouts" counts killed only (a timeout on a loaded machine may be a',
        'slow survivor). "not run": Stryker\'s ignored static mutants (module-level tables such as',
        "lib/await.ts's conditions, which the plan-backed suites check: test/lifecycle.test.ts) and compile errors; mutmut's",
        `"no test" are functions no test in \`pipelines/tests\` calls. Survivors are listed below; ${classified} of them`,
        'with a judgement (reports/mutation-equivalent.json; "judged" and "score, judged out" take them out of the count), the others are work left. Targets (issue 21): 85 % TypeScript, 80 % Python.',
        "",
        ...(note ? [note, ""] : []),
        table("TypeScript (Stryker)", ts.scores, judgedCount(ts.survivors)),
        table("Python (mutmut)", py.scores, judgedCount(py.survivors)),
        ...(excluded.length ? ["## In scope, not mutated", "", ...excluded, ""] : []),
        "## Survivors (TypeScript)",
        "",
        list(ts.survivors),
        "",
        "## Survivors (Python)",
        "",
        list(py.survivors),
        "",
    ].join("\n");
}

/** The files of `mutate` the report has no result for, each with why. */
function notRun(ts: ReturnType<typeof strykerScores>): Record<string, string> {
    const mutate: string[] = JSON.parse(fs.readFileSync("stryker.config.json", "utf8")).mutate;
    const files = unscored(
        mutate,
        ts.scores.map((s) => s.module),
    );
    return Object.fromEntries(files.map((f) => [f, `in \`mutate\`, no result yet (the last runs did not reach it: \`MUTATE=${f} npm run mutation\`)`]));
}

if (require.main === module) {
    const [stryker, mutmut, out] = process.argv.slice(2);
    if (!stryker || !mutmut || !out) {
        console.error("usage: ts-node tools/mutation-report.ts <stryker.json|-> <mutmut.txt> <out.md>");
        process.exit(2);
    }
    let summary: Summary = fs.existsSync(SUMMARY_FILE) ? JSON.parse(fs.readFileSync(SUMMARY_FILE, "utf8")) : {};
    if (stryker !== "-") {
        const run = `${new Date().toISOString().slice(0, 10)}: ${process.env.BDOK_MUTATION_NOTE ?? "Stryker"}`;
        const mutated = (process.env.BDOK_MUTATE ?? "").split(",").filter(Boolean);
        summary = fold(summary, JSON.parse(fs.readFileSync(stryker, "utf8")), run, mutated);
        fs.writeFileSync(SUMMARY_FILE, summaryText(summary));
    }
    const ts = summaryScores(summary);
    const py = mutmutScores(fs.readFileSync(mutmut, "utf8"));
    // The Python sources mutmut mutates, from pyproject.toml's [tool.mutmut] source_paths.
    const toml = fs.readFileSync("pyproject.toml", "utf8");
    const sources = [...(/^source_paths = \[([^\]]*)\]/m.exec(toml)?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    fs.writeFileSync(
        out,
        markdown(ts, py, new Date().toISOString().slice(0, 10), { ts: { ...NOT_MUTATED_TS, ...notRun(ts) }, py: pythonExclusions(sources) }, runsNote(summary)),
    );
    for (const [what, s] of [
        ["TypeScript", total(ts.scores, "")],
        ["Python", total(py.scores, "")],
    ] as const) {
        const j = [...judgedCount(what === "TypeScript" ? ts.survivors : py.survivors).values()].reduce((a, b) => a + b, 0);
        console.log(
            `${what}: ${pct(score(s))} (${s.killed + s.timeout} of ${s.killed + s.timeout + s.survived + s.noCoverage}); ${pct(judgedScore(s, j))} with ${j} judged survivors out`,
        );
    }
    console.log(`wrote ${out}`);
}
