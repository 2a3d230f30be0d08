import { strict as assert } from "assert";
import type { PlanRun } from "../../tools/harness";
import { ConfigError, parseConfig } from "../../config";
import { loadStackConfig } from "../../tools/stack-files";
import { cloudwatchObservabilityAddon } from "../../versions";
import { isAllowed } from "../../test/iam-eval";
import { describeEachStack, inputsOf, ofType, planWith, stackSetting, transitiveDeps } from "../../test/support";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../tools/harness";
import { ADDON_NAMESPACE, ADDON_SERVICE_ACCOUNT, addonConfiguration, containerLogGroup, containerLogsPolicy, retentionDays } from "./policy";

/** The add-on's configuration facts (model/addons: keys of the chart it installs, with their lines). */
const ADDON_MODEL = JSON.parse(fs.readFileSync(path.join(ROOT, "model", "addons", "amazon-cloudwatch-observability.json"), "utf8"));
type KeyFacts = Record<string, { type: string; default?: unknown }>;

/** Every path of `value` with the JSON type found there (objects also listed themselves). */
function pathsOf(value: unknown, prefix = ""): Array<[string, string]> {
    if (value === null || typeof value !== "object" || Array.isArray(value))
        return [[prefix, Array.isArray(value) ? "array" : value === null ? "null" : typeof value]];
    const out: Array<[string, string]> = prefix ? [[prefix, "object"]] : [];
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, prefix ? `${prefix}.${k}` : k));
    return out;
}

/** What the model says is wrong with a configuration: unknown keys and wrong types, at the add-on's level and in the agent's JSON config. */
function configurationProblems(config: Record<string, any>): string[] {
    const problems: string[] = [];
    const check = (value: unknown, facts: KeyFacts, where: string) => {
        for (const [p, type] of pathsOf(value)) {
            const fact = facts[p];
            if (!fact) problems.push(`${where}${p}: not a key of the chart's values`);
            else if (fact.type !== type) problems.push(`${where}${p}: a ${type}, the chart's is a ${fact.type}`);
        }
    };
    const { config: agentConfig, ...rest } = config.agent ?? {};
    check({ ...config, agent: rest }, ADDON_MODEL.keys, "");
    if (agentConfig !== undefined) {
        if (!ADDON_MODEL.keys["agent.config"]) problems.push("agent.config: not a key of the chart's values");
        const { description: _d, ...agentKeys } = ADDON_MODEL.agentConfigKeys;
        check(agentConfig, agentKeys, "agent.config.");
    }
    return problems;
}

const ADDON = "aws:eks/addon:Addon";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const arnOf = (name: string) => `arn:aws:logs:us-east-1:123456789012:log-group:${name}`;

describe("AWS: container logs in CloudWatch Logs", () => {
    describe("the add-on's version and configuration (model/addons/amazon-cloudwatch-observability.json)", () => {
        it("the pinned add-on is the build of the chart version the model was taken from", () => {
            assert.equal(cloudwatchObservabilityAddon, ADDON_MODEL.addonVersion);
            // EKS add-on builds are named v<chart version>-eksbuild.<n>.
            assert.equal(/^v(\d+\.\d+\.\d+)-eksbuild\.\d+$/.exec(cloudwatchObservabilityAddon)?.[1], ADDON_MODEL.chartVersion);
        });

        it("configurationValues holds only keys of that chart's values, with their types; Fluent Bit and its service account stay on", () => {
            const config = addonConfiguration() as Record<string, any>;
            assert.deepEqual(configurationProblems(config), []);
            assert.equal(config.containerLogs.enabled, true);
            // agent.enabled false would drop the cloudwatch-agent service account Fluent Bit runs as.
            assert.notEqual(config.agent?.enabled, false);
        });

        // What the add-on writes, read off its configurationValues: Fluent Bit its three groups
        // (values.yaml containerLogs.fluentBit.config, log_group_name /aws/containerinsights/<cluster>/<kind>);
        // the agent, per input of its JSON config (CloudWatch's Container Insights guide: the
        // kubernetes input writes performance events to /aws/containerinsights/<cluster>/performance;
        // Application Signals: /aws/application-signals/data). A config Helm sees as empty is
        // replaced by the chart's defaultConfig (values.yaml:1362-1377), which has both inputs.
        const writtenGroups = (config: Record<string, any>, cluster: string): string[] => {
            const out =
                config.containerLogs?.enabled === false ? [] : ["application", "dataplane", "host"].map((k) => `/aws/containerinsights/${cluster}/${k}`);
            const agentConfig = config.agent?.config && Object.keys(config.agent.config).length ? config.agent.config : ADDON_MODEL_DEFAULT_AGENT;
            const inputs = agentConfig.logs?.metrics_collected ?? {};
            if ("kubernetes" in inputs) out.push(`/aws/containerinsights/${cluster}/performance`);
            if ("application_signals" in inputs) out.push("/aws/application-signals/data");
            return out;
        };
        const ADDON_MODEL_DEFAULT_AGENT = { logs: { metrics_collected: { kubernetes: {}, application_signals: {} } } };

        it("every log group the add-on will write is one its role may write (no Container Insights metrics: no /performance)", () => {
            const cluster = "bdok-dev";
            const groups = ["application", "dataplane", "host"].map((k) => arnOf(containerLogGroup(cluster, k as "application")));
            const role = containerLogsPolicy(groups.map((g) => `${g}:*`));
            const written = writtenGroups(addonConfiguration(), cluster);
            assert.ok(!written.some((g) => g.endsWith("/performance")), "Container Insights metrics are off");
            for (const g of written) assert.ok(isAllowed(role, { action: "logs:PutLogEvents", resource: `${arnOf(g)}:log-stream:x` }), `${g}: AccessDenied`);
            // The check sees the chart's default and an agent left on Container Insights.
            for (const agent of [{}, { config: {} }, { config: { logs: { metrics_collected: { kubernetes: { enhanced_container_insights: false } } } } }])
                assert.ok(
                    writtenGroups({ containerLogs: { enabled: true }, agent }, cluster).some(
                        (g) => !isAllowed(role, { action: "logs:PutLogEvents", resource: `${arnOf(g)}:log-stream:x` }),
                    ),
                    JSON.stringify(agent),
                );
        });

        it("the check fails on a key the chart does not have, or a wrong type", () => {
            assert.deepEqual(configurationProblems({ containerLogs: { enabled: "yes" } }), ["containerLogs.enabled: a string, the chart's is a boolean"]);
            assert.deepEqual(configurationProblems({ containerLog: { enabled: true } }), [
                "containerLog: not a key of the chart's values",
                "containerLog.enabled: not a key of the chart's values",
            ]);
            assert.deepEqual(configurationProblems({ agent: { config: { logs: { metrics_collected: { kubernetes: { enhanced: false } } } } } }), [
                "agent.config.logs.metrics_collected.kubernetes.enhanced: not a key of the chart's values",
            ]);
        });
    });

    describe("pure", () => {
        // Retention: 0 is the profile's; anything else must be a value PutRetentionPolicy accepts.
        const cases: [number, boolean, number | RegExp][] = [
            [0, false, 7],
            [0, true, 30],
            [1, false, 1],
            [14, true, 14],
            [3653, false, 3653],
            [8, false, /got 8; allowed: 0 \(by profile\) or one of 1, 3, 5, 7/],
            [366, true, /got 366/],
        ];
        for (const [configured, ha, want] of cases) {
            it(`retentionDays(${configured}, ha=${ha}) -> ${want}`, () => {
                if (want instanceof RegExp) assert.throws(() => retentionDays(configured, ha), want);
                else assert.equal(retentionDays(configured, ha), want);
            });
        }

        it("names the groups the add-on's Fluent Bit writes (/aws/containerinsights/<cluster>/application ...)", () => {
            assert.equal(containerLogGroup("bdok-dev", "application"), "/aws/containerinsights/bdok-dev/application");
        });

        it("lets Fluent Bit write its groups' streams and nothing else (no metrics, no other group)", () => {
            const groups = ["application", "dataplane", "host"].map((k) => arnOf(containerLogGroup("c", k as "application")));
            const doc = containerLogsPolicy(groups.map((g) => `${g}:*`));
            const app = groups[0];
            for (const action of ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"])
                assert.ok(isAllowed(doc, { action, resource: `${app}:log-stream:ip-10-0-0-1.application.var.log.containers.x` }), action);
            assert.ok(isAllowed(doc, { action: "logs:CreateLogGroup", resource: app }), "auto_create_group on an existing group");
            for (const resource of [
                arnOf("/aws/containerinsights/c/performance"),
                arnOf("/aws/eks/c/cluster"),
                arnOf("/aws/containerinsights/other/application"),
            ])
                assert.ok(!isAllowed(doc, { action: "logs:PutLogEvents", resource: `${resource}:log-stream:x` }), resource);
            assert.ok(!isAllowed(doc, { action: "cloudwatch:PutMetricData", resource: "*" }));
            assert.ok(!isAllowed(doc, { action: "logs:DeleteLogGroup", resource: app }));
        });

        it("refuses a retention CloudWatch Logs does not accept, naming the key", () => {
            const raw = { ...loadStackConfig("dev"), "bdok:containerLogs": JSON.stringify({ retentionDays: 10 }) };
            assert.throws(
                () => parseConfig(raw, "dev"),
                (e: Error) => e instanceof ConfigError && /bdok:containerLogs\.retentionDays: got 10; allowed: 0/.test(e.message),
            );
        });
    });

    const check = (run: PlanRun, days: number) => {
        const groups = ofType(run, LOG_GROUP).filter((g) => String(inputsOf(g).name).startsWith("/aws/containerinsights/"));
        assert.deepEqual(groups.map((g) => String(inputsOf(g).name).split("/").pop()).sort(), ["application", "dataplane", "host"]);
        for (const g of groups) assert.equal(inputsOf(g).retentionInDays, days, inputsOf(g).name);
        const addon = ofType(run, ADDON).find((a) => inputsOf(a).addonName === "amazon-cloudwatch-observability");
        assert.ok(addon, "the add-on");
        assert.equal(inputsOf(addon!).addonVersion, cloudwatchObservabilityAddon);
        assert.equal(JSON.parse(inputsOf(addon!).configurationValues).containerLogs.enabled, true);
        const deps = transitiveDeps(run, addon!.urn);
        for (const g of groups) assert.ok(deps.has(g.urn), `the add-on waits for ${inputsOf(g).name} (and goes first on destroy)`);
        const assoc = ofType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation").find(
            (a) => inputsOf(a).namespace === ADDON_NAMESPACE && inputsOf(a).serviceAccount === ADDON_SERVICE_ACCOUNT,
        );
        assert.ok(assoc && deps.has(assoc.urn), "its Pod Identity association, before it");
        assert.match(String(run.plan.outputs.containerLogGroup), /^\/aws\/containerinsights\/.+\/application$/);
    };

    describeEachStack(
        (stack) => `plan of stack ${stack}`,
        (plan, stack) => {
            const on = stackSetting(stack, "containerLogs")?.enabled !== false;
            it(`${on ? "owns the log groups with the profile's retention, the pinned add-on after them and its role" : "ships no container logs (off in the stack file)"}`, () => {
                if (on) check(plan(), stackSetting(stack, "containerLogs")?.retentionDays || (stackSetting(stack, "profile") === "ha" ? 30 : 7));
                else assert.ok(!ofType(plan(), ADDON).some((a) => inputsOf(a).addonName === "amazon-cloudwatch-observability"));
            });
        },
    );

    it("dev with containerLogs on: the small profile's week of retention, or the configured days", async () => {
        check(await planWith("dev", { "bdok:containerLogs": JSON.stringify({ enabled: true }) }), 7);
        check(await planWith("dev", { "bdok:containerLogs": JSON.stringify({ enabled: true, retentionDays: 14 }) }), 14);
    });

    it("is off with bdok:containerLogs.enabled false", async () => {
        const run = await planWith("dev", { "bdok:containerLogs": JSON.stringify({ enabled: false }) });
        assert.ok(!ofType(run, ADDON).some((a) => inputsOf(a).addonName === "amazon-cloudwatch-observability"));
        assert.ok(!ofType(run, LOG_GROUP).some((g) => String(inputsOf(g).name).startsWith("/aws/containerinsights/")));
        assert.ok(!("containerLogGroup" in run.plan.outputs));
    });
});
