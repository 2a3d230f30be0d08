// Stack files as Pulumi reads them (project defaults, Pulumi.<stack>.yaml, overrides), without the
// program: a command can refuse a bad configuration before it loads the program and the SDK.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, PROJECT } from "../config";
import { closest, isPlainObject, printable } from "../lib/validate";
import { readProblem } from "./cli";

const ROOT = path.resolve(__dirname, "..");

/** Stack configuration as Pulumi would see it: project defaults, the stack file, then overrides. */
export function loadStackConfig(stack: string, overrides?: Record<string, unknown>): Record<string, string> {
    const stackFile = path.join(ROOT, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        const known = fs
            .readdirSync(ROOT)
            .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
            .map((f) => f.split(".")[1]);
        throw new ConfigError([`stack "${stack}": no Pulumi.${stack}.yaml; known stacks: ${known.join(", ")}`]);
    }
    const project = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { config?: Record<string, unknown> };
    const merged: Record<string, unknown> = {};
    for (const [k, decl] of Object.entries(project.config ?? {})) {
        const d = decl as { default?: unknown };
        if (d.default !== undefined) merged[k.includes(":") ? k : `${PROJECT}:${k}`] = d.default;
    }
    Object.assign(merged, readStackFile(stackFile).config ?? {});
    if (overrides) Object.assign(merged, overrides);
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(merged)) {
        flat[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return flat;
}

/** Parses YAML the way Pulumi's loader does: YAML 1.1 merge keys (`<<: *base`) are merged. */
export function parseYaml(text: string): unknown {
    // logLevel "error": YAML warnings would print to stderr beside the one message.
    return YAML.parse(text, { merge: true, logLevel: "error" });
}

/**
 * Reads a stack-shaped YAML file (`config:` map). An unreadable or malformed file is a
 * configuration error naming the file; `config:` with every entry commented out (null) is empty.
 */
export function readStackFile(file: string): { config?: Record<string, unknown> } {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new ConfigError([`${file}: cannot read the file: ${readProblem(e)}; allowed: a readable stack file with a top-level "config:" map`]);
    }
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch (e) {
        const msg = (e as Error).message.split("\n")[0];
        throw new ConfigError([`${file}: not valid YAML (${msg}); allowed: a stack file with a top-level "config:" map`]);
    }
    if (doc === null || doc === undefined) return {};
    if (!isPlainObject(doc) || (doc.config !== undefined && doc.config !== null && !isPlainObject(doc.config))) {
        throw new ConfigError([
            `${file}: got ${printable(JSON.stringify(doc).slice(0, 60))}; allowed: a stack file with a top-level "config:" map of "namespace:key": value`,
        ]);
    }
    const extra = Object.keys(doc).filter((k) => !["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"].includes(k));
    if (extra.length) {
        const hint = extra.map((k) => closest(k, ["config"])).find(Boolean);
        throw new ConfigError([
            `${file}: unknown top-level key(s) ${extra.map(printable).join(", ")}${hint ? `; did you mean "${hint}"?` : ""}; allowed: config`,
        ]);
    }
    // Pulumi reads a `config:` whose entries are all commented out as no configuration.
    return { config: (doc.config ?? undefined) as Record<string, unknown> | undefined };
}
