// What a row's source must look like: a link to the lines that do the thing (issue 21, item 2).
// Code is cited at a pinned ref (a tag or a commit, never a branch) with a line anchor; a docs
// page with the anchor of its section; an issue or pull request by its number (a thread is fixed).

/** Refs that move: a citation at one of these points at whatever the branch holds today. */
const MOVING_REFS = new Set(["main", "master", "HEAD", "develop", "trunk", "latest", "stable"]);

export interface SourceProblem {
    url: string;
    problem: string;
}

/** Every https URL in a source (a string, or an object whose string fields hold them). */
export function sourceUrls(source: unknown): string[] {
    const texts =
        typeof source === "string"
            ? [source]
            : source && typeof source === "object"
              ? Object.values(source).filter((v): v is string => typeof v === "string")
              : [];
    return texts.flatMap((t) => [...t.matchAll(/https?:\/\/[^\s)'",;]+/g)].map((m) => m[0].replace(/[.:]+$/, "")));
}

const GITHUB_CODE = /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/blob\/([^/]+)\/(.+?)(#.*)?$/;
const RAW_CODE = /^https:\/\/raw\.githubusercontent\.com\/[\w.-]+\/[\w.-]+\/([^/]+)\/(.+?)(#.*)?$/;
const GITHUB_THREAD = /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/(issues|pull|discussions)\/\d+(#[\w-]+)?$/;
const LINES = /^#L(\d+)(?:-L(\d+))?$/;

/** What is wrong with one cited URL, or undefined when it points at pinned lines or an anchored section. */
export function urlProblem(url: string): string | undefined {
    if (!url.startsWith("https://")) return "not https";
    if (GITHUB_THREAD.test(url)) return undefined;
    const code = GITHUB_CODE.exec(url) ?? RAW_CODE.exec(url);
    if (code) {
        const [, ref, , anchor] = code;
        if (MOVING_REFS.has(ref)) return `ref "${ref}" is a branch; cite a tag or a commit`;
        if (RAW_CODE.test(url)) return "a raw file has no line anchor; cite github.com/<org>/<repo>/blob/<tag>/<path>#Lx-Ly";
        const lines = anchor === undefined ? null : LINES.exec(anchor);
        if (!lines) return "no line anchor (#Lx or #Lx-Ly)";
        if (lines[2] !== undefined && Number(lines[2]) < Number(lines[1])) return "line range ends before it starts";
        return undefined;
    }
    if (/^https:\/\/github\.com\/[^/]+\/[^/]+\/(tree|commits?)\//.test(url)) return "a folder or history, not lines";
    if (!/#[^#\s]+$/.test(url)) return "a docs page without the anchor of its section";
    return undefined;
}

/** Problems of one row's source: none cited, or a URL that is not pinned lines or an anchored section. */
export function sourceProblems(source: unknown): SourceProblem[] {
    const urls = sourceUrls(source);
    if (urls.length === 0) return [{ url: "", problem: "no URL: cite the upstream lines or docs section" }];
    return urls.flatMap((url) => {
        const problem = urlProblem(url);
        return problem ? [{ url, problem }] : [];
    });
}

const isSourceKey = (k: string) => k === "source" || /^[a-z]\w*Source$/.test(k);

/** Every source of a table (`source`, `<fact>Source`, or the `url` of a row that has no source), with where it sits. */
export function tableSources(table: unknown, at = ""): Array<{ at: string; source: unknown }> {
    if (Array.isArray(table)) return table.flatMap((v, i) => tableSources(v, `${at}[${i}]`));
    if (!table || typeof table !== "object") return [];
    const entries = Object.entries(table);
    const own = entries.some(([k]) => isSourceKey(k)) ? [] : entries.filter(([k]) => k === "url").map(([k, v]) => ({ at: `${at}.${k}`, source: v }));
    return [...own, ...entries.flatMap(([k, v]) => (isSourceKey(k) ? [{ at: `${at}.${k}`, source: v }] : tableSources(v, `${at}.${k}`)))];
}
