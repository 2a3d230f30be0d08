import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { verifiedManifest } from "../../lib/manifests";

/** The type the CRDs' component had before (a ConfigFile let the provider download the URL unchecked). */
export const FORMER_CRD_COMPONENT = "kubernetes:yaml/v2:ConfigFile";

/**
 * The CRDs of `urls` as one ConfigGroup of the verified text (lib/manifests.ts verifiedManifest).
 * Aliased to the ConfigFile of the same name that held them before: the engine gives children their
 * parent's aliases (pulumi pkg/resource/deploy/step_generator.go, generateAliases: "multiply out any
 * aliases our parent had"), so each CRD keeps its URN; a CRD deleted and re-created would delete
 * every custom resource of its kind.
 */
export function pinnedCrds(name: string, urls: readonly string[], opts: pulumi.ComponentResourceOptions): k8s.yaml.v2.ConfigGroup {
    const yaml = pulumi.output(Promise.all(urls.map((u) => verifiedManifest(u)))).apply((texts) => texts.map((t) => t.replace(/\n*$/, "\n")).join("---\n"));
    return new k8s.yaml.v2.ConfigGroup(name, { yaml }, { ...opts, aliases: [...(opts.aliases ?? []), { type: FORMER_CRD_COMPONENT }] });
}
