// Resolves a Release's chart reference the way the Kubernetes provider does, with the real pinned
// helm and every network access refused: a well-formed reference gets as far as asking the registry
// or repository for the chart (the URL it asks is in helm's error), a malformed one fails before.
//
// The provider's translation of Release inputs into Helm's ChartPathOptions, from
// pulumi/pulumi-kubernetes provider/pkg/provider/helm_release.go (same lines at tag v4.32.0 and at
// 94977969, the newest commit read; lines 1707-1731
// chartPathOptionsFromRelease, 1746-1760 resolveChartName, 1581-1676 locateChart):
//   - a chart starting with oci:// (helm registry.IsOCI) is pulled by that reference; repositoryOpts.repo is dropped;
//   - else a repositoryOpts.repo that parses as a URL (Go url.ParseRequestURI) becomes RepoURL, which
//     locateChart hands to repo.FindChartInAuthAndTLSAndPassRepoURL (the classic index.yaml lookup);
//   - else a chart without "/" becomes "<repo>/<chart>" (a repository added with `helm repo add`).
// `helm pull <chart> [--repo <RepoURL>] --version <v>` runs the same lookups (helm's own
// action.ChartPathOptions.LocateChart, of which the provider's locateChart is a copy).
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { helmBinary } from "./helm";

export interface ReleaseChartInputs {
    chart: string;
    version?: string;
    repositoryOpts?: { repo?: string };
}

/** Go's url.ParseRequestURI accepts an absolute URI (scheme:...) or an absolute path. */
function parsesAsRequestUri(s: string): boolean {
    return /^[A-Za-z][A-Za-z0-9+.-]*:\S*$/.test(s) || s.startsWith("/");
}

/** The `helm pull` arguments for what the provider would ask Helm for (see the header). */
export function providerPullArgs(rel: ReleaseChartInputs): string[] {
    let chart = rel.chart.trim();
    let repoUrl = "";
    const repo = rel.repositoryOpts?.repo;
    if (rel.repositoryOpts && !chart.startsWith("oci://")) {
        if (repo !== undefined && parsesAsRequestUri(repo)) repoUrl = repo;
        else if (!chart.includes("/") && repo) chart = `${repo}/${chart}`;
    }
    return ["pull", chart, ...(repoUrl ? ["--repo", repoUrl] : []), ...(rel.version ? ["--version", rel.version.trim()] : [])];
}

export interface Resolution {
    args: string[];
    /** The URL helm asked for when the network was refused; undefined if it failed before asking. */
    requested?: string;
    /** helm's message (its exit status was never 0: nothing can be downloaded). */
    message: string;
}

/** A TCP listener that closes every connection: the proxy all of helm's traffic is sent to. */
function refusingProxy(): Promise<net.Server> {
    return new Promise((resolve, reject) => {
        const server = net.createServer((socket) => socket.destroy());
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => resolve(server));
    });
}

/** Runs the pinned helm on a Release's chart reference; no byte leaves the machine. */
export async function resolveReleaseChart(rel: ReleaseChartInputs): Promise<Resolution> {
    const args = providerPullArgs(rel);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-resolve-"));
    const proxy = await refusingProxy();
    try {
        const port = (proxy.address() as net.AddressInfo).port;
        const proxyUrl = `http://127.0.0.1:${port}`;
        const env = {
            PATH: process.env.PATH ?? "",
            HOME: home,
            HELM_CACHE_HOME: `${home}/c`,
            HELM_CONFIG_HOME: `${home}/f`,
            HELM_DATA_HOME: `${home}/d`,
            HTTPS_PROXY: proxyUrl,
            HTTP_PROXY: proxyUrl,
            NO_PROXY: "",
        };
        // Run in an empty folder: the provider (like helm) first looks for a local chart of that name.
        const out = await new Promise<{ status: number | null; text: string }>((resolve) => {
            const p = spawn(helmBinary(), [...args, "-d", home], { cwd: home, env });
            let text = "";
            p.stdout.on("data", (d) => (text += d));
            p.stderr.on("data", (d) => (text += d));
            p.on("error", (e) => (text += String(e)));
            p.on("close", (status) => resolve({ status, text }));
        });
        if (out.status === 0) throw new Error(`helm ${args.join(" ")} succeeded with the network refused: ${out.text}`);
        const m = /Get "([^"]+)": /.exec(out.text);
        return { args, requested: m?.[1], message: out.text.trim() };
    } finally {
        proxy.close();
        fs.rmSync(home, { recursive: true, force: true });
    }
}
