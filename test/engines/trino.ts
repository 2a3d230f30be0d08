// A one-node Trino (coordinator that also runs the splits) with catalogs of the plan, endpoints
// pointed at moto, started with the distribution's own launcher on Java 25, and a client for its
// REST protocol (POST /v1/statement, then follow nextUri until it is gone).
import * as fs from "fs";
import * as path from "path";
import { FAKE_AWS, JAVA25, Server, TRINO_HOME, freePort, startServer, tail, waitFor } from "./env";

/** Properties text -> map (the java.util.Properties subset the chart's values use: key=value lines). */
export function parseProperties(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (!line || line.startsWith("#")) continue;
        const i = line.indexOf("=");
        if (i < 0) throw new Error(`not a property line: ${line}`);
        out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    return out;
}

/** The endpoint settings that point a Glue + native-S3 catalog at moto; nothing else changes. */
export function localEndpoints(endpoint: string): Record<string, string> {
    return {
        "hive.metastore.glue.endpoint-url": endpoint,
        "s3.endpoint": endpoint,
        "s3.path-style-access": "true",
    };
}

export interface Trino extends Server {
    url: string;
    query(sql: string): Promise<QueryResult>;
}

export interface QueryResult {
    columns: string[];
    rows: unknown[][];
}

/**
 * Starts Trino with `catalogs` (name -> properties text, as the chart receives them). `onSpawn` gets
 * the server as soon as it is spawned, for a caller that may stop it before it is up.
 */
export async function startTrino(workDir: string, catalogs: Record<string, string>, onSpawn?: (server: Server) => void): Promise<Trino> {
    const port = await freePort();
    const etc = path.join(workDir, "trino-etc");
    fs.mkdirSync(path.join(etc, "catalog"), { recursive: true });
    const data = path.join(workDir, "trino-data");
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(etc, "node.properties"), `node.environment=engines\nnode.id=engines-${port}\nnode.data-dir=${data}\n`);
    fs.writeFileSync(
        path.join(etc, "config.properties"),
        [
            "coordinator=true",
            "node-scheduler.include-coordinator=true",
            `http-server.http.port=${port}`,
            `discovery.uri=http://127.0.0.1:${port}`,
            "query.max-memory=400MB",
            "query.max-memory-per-node=400MB",
            "",
        ].join("\n"),
    );
    fs.writeFileSync(
        path.join(etc, "jvm.config"),
        ["-server", "-Xmx1G", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError", "-Djdk.attach.allowAttachSelf=true", "-XX:TieredStopAtLevel=1", ""].join("\n"),
    );
    for (const [name, text] of Object.entries(catalogs)) fs.writeFileSync(path.join(etc, "catalog", `${name}.properties`), text);
    const env = { ...process.env, ...FAKE_AWS, JAVA_HOME: JAVA25, PATH: `${JAVA25}/bin:${process.env.PATH}` };
    const server = startServer(path.join(TRINO_HOME, "bin", "launcher"), ["run", `--etc-dir=${etc}`, `--data-dir=${data}`], {
        env,
        log: path.join(workDir, "trino.log"),
    });
    onSpawn?.(server);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
        "step trino: Trino",
        async () => {
            const r = await fetch(`${url}/v1/info`);
            if (!r.ok || ((await r.json()) as { starting?: boolean }).starting !== false) return false;
            // "Started" comes before the coordinator registers itself as a worker: until then a
            // query fails with NO_NODES_AVAILABLE (seen on a fast, idle machine).
            try {
                await query(url, "SELECT 1", server.log);
                return true;
            } catch {
                return false;
            }
        },
        180_000,
        server,
    );
    return { ...server, url, query: (sql) => queryWhenNodes(url, sql, server.log) };
}

/**
 * A query, retried while Trino answers NO_NODES_AVAILABLE: a catalog's tables are scheduled only on
 * nodes that announced that catalog, which can come seconds after SELECT 1 already runs (seen in
 * CI on the first table scan after start).
 */
async function queryWhenNodes(url: string, sql: string, log: string): Promise<QueryResult> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await query(url, sql, log);
        } catch (e) {
            if (attempt >= 30 || !/NO_NODES_AVAILABLE/.test(String(e))) throw e;
            await new Promise((r) => setTimeout(r, 2000));
        }
    }
}

async function query(url: string, sql: string, log: string): Promise<QueryResult> {
    const headers = { "X-Trino-User": "engines", "Content-Type": "text/plain" };
    let res = (await (await fetch(`${url}/v1/statement`, { method: "POST", body: sql, headers })).json()) as any;
    let columns: string[] = [];
    const rows: unknown[][] = [];
    for (;;) {
        if (res.error) throw new Error(`Trino: ${res.error.message} (${res.error.errorName})\nquery: ${sql}\n${tail(log, 5)}`);
        if (res.columns) columns = res.columns.map((c: { name: string }) => c.name);
        if (res.data) rows.push(...res.data);
        if (!res.nextUri) break;
        res = (await (await fetch(res.nextUri, { headers })).json()) as any;
    }
    return { columns, rows };
}
