// A DAG bundle configuration and what the real chart renders from it: shared by
// platform/airflow/bundles.test.ts and the engines tier's test/engines/bundles.test.ts.
import { strict as assert } from "assert";
import { planApiVersions, releasesOf, renderRelease } from "../tools/render";
import type { PlanRun } from "../tools/harness";

export const SAMPLE_BUNDLE = { name: "team_dags", url: "https://github.com/example/airflow-dags.git", ref: "main", subdir: "dags" };

/** `[dag_processor] dag_bundle_config_list` of the airflow.cfg the real chart renders from the plan. */
export function renderedBundleList(run: PlanRun): { list: string; env: Record<string, string> } {
    const rel = releasesOf(run.captured).find((r) => r.chart === "airflow");
    assert.ok(rel, "the Airflow release");
    const rendered = renderRelease(rel, run.config.kubernetesVersion, planApiVersions(run.captured));
    const cm = rendered.objects.find((o) => o.kind === "ConfigMap" && (o as any).data?.["airflow.cfg"]);
    assert.ok(cm, "the chart's airflow.cfg ConfigMap");
    const cfg = (cm as any).data["airflow.cfg"] as string;
    const section = /^\[dag_processor\]\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(cfg);
    assert.ok(section, "a [dag_processor] section");
    const line = /^dag_bundle_config_list = (.*)$/m.exec(section[1]);
    assert.ok(line, "dag_bundle_config_list in [dag_processor]");
    const env = Object.fromEntries(((rel.values as any).env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    return { list: line[1], env };
}
