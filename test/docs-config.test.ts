// docs/configuration.md is generated from the schema; these checks read it as a user does.
import { strict as assert } from "assert";
import * as fs from "fs";
import { ConfigError, parseConfig } from "../config";
import { loadStackConfig } from "../tools/stack-files";
import { CONFIG_DOC, NOTES, ON_EXISTING, renderConfigDoc } from "../tools/docs-config";
import { STACKS } from "./support";

const doc = () => fs.readFileSync(CONFIG_DOC, "utf8");

/** Every key path of a parsed configuration, map entries as <name>, list items not descended. */
function leafPaths(v: unknown, at: string, out: Set<string>, inMap = false): Set<string> {
    if (at) out.add(at);
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        for (const [k, sub] of Object.entries(v)) {
            const key = inMap ? "<name>" : k;
            // nodeGroups and node-group labels are maps: their keys are the user's.
            leafPaths(sub, at ? `${at}.${key}` : key, out, (k === "nodeGroups" && !at) || false);
        }
    }
    return out;
}

/** Pulumi's `config set --path` (CLI reference: `a.b` nests maps, `a[0]` lists; true/false and integers typed). */
function setPath(cfg: Record<string, unknown>, key: string, value: string, type?: "string"): void {
    const [ns, rest] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
    const parts = rest.split(/\.|(?=\[)/).map((p) => (/^\[\d+\]$/.test(p) ? Number(p.slice(1, -1)) : p));
    const top = `${ns}:${parts[0]}`;
    const typed = type === "string" ? value : value === "true" ? true : value === "false" ? false : /^-?\d+$/.test(value) ? Number(value) : value;
    if (parts.length === 1) {
        cfg[top] = value;
        return;
    }
    const root = cfg[top] === undefined ? (typeof parts[1] === "number" ? [] : {}) : JSON.parse(String(cfg[top]));
    let node: any = root;
    for (let i = 1; i < parts.length - 1; i++) {
        if (node[parts[i]] === undefined) node[parts[i]] = typeof parts[i + 1] === "number" ? [] : {};
        node = node[parts[i]];
    }
    node[parts[parts.length - 1]] = typed;
    cfg[top] = JSON.stringify(root);
}

function issuesOf(raw: Record<string, unknown>): string[] {
    try {
        parseConfig(raw, "dev");
        return [];
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return (e as ConfigError).message.split("\n");
    }
}

describe("docs/configuration.md", () => {
    it("is what `npm run docs:config` generates from the schema (not stale)", () => {
        assert.equal(doc(), renderConfigDoc(), "docs/configuration.md is stale: run `npm run docs:config`");
    });

    it("names every key a parsed stack configuration has, with its bdok: prefix", () => {
        const text = doc();
        for (const stack of STACKS) {
            const bdok = { ...(parseConfig(loadStackConfig(stack), stack) as unknown as Record<string, unknown>) };
            // Added by the parser, not keys of the bdok: namespace.
            for (const k of ["region", "stack", "ha"]) delete bdok[k];
            const keys = [...leafPaths(bdok, "", new Set())].filter((k) => k !== "nodeGroups.<name>" && !/^nodeGroups\.<name>\.labels\./.test(k));
            assert.ok(keys.includes("karpenter.pools.workloads.expireAfter"), "the walk reaches nested keys");
            const missing = keys.filter((k) => !text.includes(`\`bdok:${k}\``));
            assert.deepEqual(missing, [], `${stack}: keys missing from docs/configuration.md`);
        }
    });

    it("notes only keys that exist", () => {
        for (const k of Object.keys(NOTES)) assert.ok(doc().includes(`| \`${k}\` |`), `note for unknown key ${k}`);
        for (const k of Object.keys(ON_EXISTING)) assert.ok(doc().includes(`| \`${k}\` |`), `existing-stack note for unknown key ${k}`);
    });

    it("says for every key whether it can change on an existing stack; the network's keys cannot", () => {
        const rows = doc()
            .split("\n")
            .filter((l) => /^\| `(bdok|aws):/.test(l));
        assert.ok(rows.length > 40);
        // | key | type | default | allowed | on an existing stack | set with |: 6 columns, escaped pipes aside.
        for (const row of rows) assert.ok(row.replace(/\\\|/g, "").split("|").length - 2 === 6 && !/\|\s*\|\s*`pulumi/.test(row), row);
        for (const k of ["bdok:vpcCidr", "bdok:azCount", "aws:region"])
            assert.match(
                rows.find((l) => l.startsWith(`| \`${k}\` |`))!,
                /\| \*\*no\*\*/,
            );
        assert.match(
            rows.find((l) => l.startsWith("| `bdok:kubernetesVersion` |"))!,
            /never down/,
        );
    });

    it("every documented `pulumi config set --path` command, given the key's current value, leaves the configuration valid", () => {
        const commands = [...doc().matchAll(/`pulumi config set --path( --type string)? '?([^' `]+)'? ([^`]+)`/g)].map((m) => ({
            key: m[2],
            type: m[1] ? ("string" as const) : undefined,
        }));
        assert.ok(commands.length > 40, `found ${commands.length} commands`);
        const parsed = parseConfig(loadStackConfig("dev"), "dev") as unknown as Record<string, unknown>;
        let tried = 0;
        for (const { key, type } of commands) {
            const concrete = key.replace("<name>", "system");
            const current = concrete
                .slice("bdok:".length)
                .split(/\.|(?=\[)/)
                .reduce<any>((node, p) => (node === undefined ? undefined : node[/^\[\d+\]$/.test(p) ? Number(p.slice(1, -1)) : p]), parsed);
            if (current === undefined || typeof current === "object") continue;
            // A list item of a list the stack file does not set would replace the default list (documented).
            if (concrete.includes("[") && !JSON.stringify(loadStackConfig("dev")).includes(concrete.split(/[.[]/).slice(-2, -1)[0])) continue;
            const raw: Record<string, unknown> = { ...loadStackConfig("dev") };
            setPath(raw, concrete, String(current), type);
            assert.deepEqual(issuesOf(raw), [], `pulumi config set --path ${type ? "--type string " : ""}${concrete} ${current}`);
            tried++;
        }
        assert.ok(tried > 40, `tried ${tried}`);
        // The examples in the docs' header, with their values.
        for (const [key, value] of [
            ["bdok:spark.maxExecutors", "8"],
            ["bdok:nodeGroups.system.desiredSize", "1"],
            ["bdok:adminRoleArns[0]", "arn:aws:iam::123456789012:role/admin"],
        ]) {
            assert.ok(doc().includes(`pulumi config set --path ${key.includes("[") ? `'${key}'` : key} `), key);
            const raw: Record<string, unknown> = { ...loadStackConfig("dev") };
            setPath(raw, key, value);
            assert.deepEqual(issuesOf(raw), [], `${key} ${value}`);
        }
    });
});

describe("nested keys set without --path", () => {
    // key as `pulumi config set <key> <value>` stores it (a top-level name with the dot in it).
    const cases: { key: string; value: string; want: RegExp; not?: RegExp }[] = [
        { key: "bdok:spark.maxExecutors", value: "8", want: /--path bdok:spark\.maxExecutors 8\b/ },
        { key: "bdok:nodeGroups.system.desiredSize", value: "2", want: /--path bdok:nodeGroups\.system\.desiredSize 2\b/ },
        { key: "bdok:adminRoleArns[0]", value: "arn:aws:iam::123456789012:role/x", want: /--path bdok:adminRoleArns\[0\] <value>/, not: /123456789012/ },
        {
            key: "bdok:database.multiAz",
            value: "true",
            want: /pulumi config rm bdok:database\.multiAz && pulumi config set --path bdok:database\.multiAz true/,
        },
        // Not a path into a known key: the ordinary unknown-key message.
        { key: "bdok:sparkk.maxExecutors", value: "8", want: /unknown key/, not: /--path/ },
    ];
    for (const c of cases) {
        it(`${c.key} ${c.value}`, () => {
            const issues = issuesOf({ ...loadStackConfig("dev"), [c.key]: c.value });
            assert.equal(issues.length, 1, issues.join("\n"));
            assert.match(issues[0], c.want);
            if (c.not) assert.doesNotMatch(issues[0], c.not);
        });
    }
});
