// Upstream CRD and Helm values schemas, read from outside the repository: $BDOK_SCHEMAS_DIR, or
// ../shared/schemas beside the project (scripts/fetch-schemas.sh downloads the pinned files).
import * as fs from "fs";
import * as path from "path";
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import * as YAML from "yaml";
import { isPlainObject } from "../lib/validate";

const ROOT = path.resolve(__dirname, "..");

export function schemasDir(): string {
    const candidates = [process.env.BDOK_SCHEMAS_DIR, path.resolve(ROOT, "..", "shared", "schemas"), path.join(ROOT, ".schemas")].filter(
        (c): c is string => !!c,
    );
    const found = candidates.find((c) => fs.existsSync(path.join(c, "VERSIONS.md")) || fs.existsSync(path.join(c, "strimzi")));
    if (!found) {
        throw new Error(`upstream schemas not found (looked in ${candidates.join(", ")}); run scripts/fetch-schemas.sh or set BDOK_SCHEMAS_DIR`);
    }
    return found;
}

/**
 * `kubectl --validate=strict` for ajv: CRDs never forbid unknown fields (the API server prunes
 * them), so close every object that lists its properties and does not preserve unknown fields.
 */
export function strictify(schema: unknown, combinatorBranch = false): unknown {
    if (Array.isArray(schema)) return schema.map((s) => strictify(s));
    if (!isPlainObject(schema)) return schema;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema)) {
        // "properties" maps names to schemas: recurse into each value, not the map itself.
        // oneOf/anyOf/allOf/not branches only constrain part of the object (e.g. Strimzi's
        // trustedCertificates: secretName plus one of certificate|pattern): never close them.
        out[k] =
            k === "properties" && isPlainObject(v)
                ? Object.fromEntries(Object.entries(v).map(([name, s]) => [name, strictify(s)]))
                : ["oneOf", "anyOf", "allOf"].includes(k) && Array.isArray(v)
                  ? v.map((s) => strictify(s, true))
                  : strictify(v, k === "not");
    }
    if (!combinatorBranch && isPlainObject(out.properties) && out.additionalProperties === undefined && out["x-kubernetes-preserve-unknown-fields"] !== true) {
        out.additionalProperties = false;
    }
    return out;
}

/**
 * CRD patterns are Go RE2, which takes inline flags such as `(?i)` (prometheus-operator's
 * PodMonitor, e.g. `^(?i)(abort|warn)?$`); JavaScript has no inline flags, so the flag moves out.
 */
function goRegExp(pattern: string, flags: string): RegExp {
    return pattern.includes("(?i)") ? new RegExp(pattern.split("(?i)").join(""), flags.includes("i") ? flags : `${flags}i`) : new RegExp(pattern, flags);
}

function newAjv(): Ajv {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, code: { regExp: goRegExp as any } });
    addFormats(ajv);
    ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
    ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    return ajv;
}

interface CrdEntry {
    file: string;
    validators: Map<string, ValidateFunction>;
    raw: Map<string, unknown>;
}
let crdIndex: Map<string, CrdEntry> | undefined;

function loadCrds(): Map<string, CrdEntry> {
    if (crdIndex) return crdIndex;
    crdIndex = new Map();
    const dir = schemasDir();
    for (const sub of fs.readdirSync(dir)) {
        const subdir = path.join(dir, sub);
        if (!fs.statSync(subdir).isDirectory()) continue;
        for (const f of fs.readdirSync(subdir).filter((f) => f.endsWith(".crd.yaml") || f === "all-crds.yaml")) {
            for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(subdir, f), "utf8"))) {
                const crd = doc.toJS({ maxAliasCount: -1 });
                if (crd?.kind !== "CustomResourceDefinition") continue;
                const key = `${crd.spec.group}/${crd.spec.names.kind}`;
                const entry: CrdEntry = crdIndex.get(key) ?? { file: path.join(sub, f), validators: new Map(), raw: new Map() };
                for (const v of crd.spec.versions ?? []) {
                    if (v.served && v.schema?.openAPIV3Schema) entry.raw.set(v.name, v.schema.openAPIV3Schema);
                }
                crdIndex.set(key, entry);
            }
        }
    }
    return crdIndex;
}

/** Validates a custom resource (apiVersion, kind, metadata, spec) strictly; returns error texts. */
export function validateCustomResource(obj: { apiVersion: string; kind: string; [k: string]: unknown }): string[] {
    const kind = obj.kind;
    const [group, version] = obj.apiVersion.split("/");
    const entry = loadCrds().get(`${group}/${obj.kind}`);
    if (!entry) return [`no CRD for ${group}/${obj.kind} in ${schemasDir()}`];
    let validate = entry.validators.get(version);
    if (!validate) {
        const raw = entry.raw.get(version);
        if (!raw) return [`${kind}: version ${version} is not served by ${entry.file} (served: ${[...entry.raw.keys()].join(", ")})`];
        const schema = strictify(raw) as Record<string, any>;
        // metadata is validated by the API server itself, not the CRD schema.
        if (schema.properties?.metadata) schema.properties.metadata = { type: "object" };
        validate = newAjv().compile(schema);
        entry.validators.set(version, validate);
    }
    return validate(obj)
        ? []
        : (validate.errors ?? []).map(
              (e) =>
                  `${kind} ${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${(e.params as any).additionalProperty})` : ""}`,
          );
}

const defaultsText = new Map<string, string>();

/** The chart's default values.yaml (a fresh copy each call). */
export function chartDefaults(chartDir: string): Record<string, unknown> {
    const file = path.join(schemasDir(), chartDir, "values.yaml");
    let json = defaultsText.get(file);
    if (json === undefined) {
        json = JSON.stringify(YAML.parse(fs.readFileSync(file, "utf8")) ?? {});
        defaultsText.set(file, json);
    }
    return JSON.parse(json);
}

/** Helm's merge: maps merge recursively, everything else is replaced. */
export function deepMerge(base: unknown, over: unknown): unknown {
    if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
    return out;
}

/** Validates merged values against the chart's values.schema.json (Airflow). */
const valuesValidators = new Map<string, ValidateFunction>();

export function validateChartValues(chartDir: string, values: unknown): string[] {
    const file = path.join(schemasDir(), chartDir, "values.schema.json");
    let validate = valuesValidators.get(file);
    if (!validate) {
        validate = newAjv().compile(JSON.parse(fs.readFileSync(file, "utf8")));
        valuesValidators.set(file, validate);
    }
    const merged = deepMerge(chartDefaults(chartDir), values);
    return validate(merged)
        ? []
        : (validate.errors ?? []).map(
              (e) => `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${(e.params as any).additionalProperty})` : ""}`,
          );
}

/**
 * Keys set in `values` that the chart's values.yaml does not have. A default that is an empty map
 * or a scalar placeholder ends the check below it (free-form maps such as annotations).
 */
export function unknownValuesKeys(values: unknown, defaults: unknown, prefix = ""): string[] {
    if (!isPlainObject(values)) return [];
    const missing: string[] = [];
    for (const [k, v] of Object.entries(values)) {
        const p = prefix ? `${prefix}.${k}` : k;
        if (!isPlainObject(defaults) || !(k in defaults)) {
            missing.push(p);
            continue;
        }
        const d = defaults[k];
        if (isPlainObject(d) && Object.keys(d).length > 0) missing.push(...unknownValuesKeys(v, d, p));
    }
    return missing;
}
