// Core Kubernetes objects checked against the API schema (types, required fields, formats) with
// kubernetes-models, the newest release that runs on Node 20 (its schemas include 1.33 fields).
// Custom resources are not core: tools/schemas.ts validates them strictly against their CRDs.
import * as fs from "fs";
import * as path from "path";

const MODELS = path.dirname(require.resolve("kubernetes-models/package.json"));

type Model = new (data: unknown) => { validate(): void };
const models = new Map<string, Model | null>();

/** The kubernetes-models class for an apiVersion/kind, or null when it is not a built-in type. */
export function coreModel(apiVersion: string, kind: string): Model | null {
    const key = `${apiVersion}/${kind}`;
    if (models.has(key)) return models.get(key)!;
    const file = path.join(MODELS, apiVersion.includes("/") ? apiVersion : `v1`, `${kind}.js`);
    let model: Model | null = null;
    if (/^[\w.]+(\/v\w+)?$/.test(apiVersion) && fs.existsSync(file)) {
        const mod = require(file) as Record<string, Model>;
        model = mod[kind] ?? null;
    }
    models.set(key, model);
    return model;
}

/** The schema errors of a core object ("" when valid); undefined when the type is not built in. */
export function coreSchemaErrors(obj: { apiVersion?: string; kind?: string; [k: string]: unknown }): string | undefined {
    if (!obj.apiVersion || !obj.kind) return "missing apiVersion or kind";
    const Model = coreModel(obj.apiVersion, obj.kind);
    if (!Model) return undefined;
    try {
        new Model(obj).validate();
        return "";
    } catch (e) {
        return (e as Error).message;
    }
}
