import { strict as assert } from "assert";
import type { PlanRun } from "../../tools/harness";
import { ConfigError, parseConfig } from "../../config";
import { loadStackConfig } from "../../tools/stack-files";
import { cloudwatchObservabilityAddon } from "../../versions";
import { isAllowed } from "../../test/iam-eval";
import { describeEachStack, inputsOf, ofType, planWith, stackSetting, transitiveDeps } from "../../test/support";
import { ADDON_NAMESPACE, ADDON_SERVICE_ACCOUNT, containerLogGroup, containerLogsPolicy, retentionDays } from "./policy";

const ADDON = "aws:eks/addon:Addon";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const arnOf = (name: string) => `arn:aws:logs:us-east-1:123456789012:log-group:${name}`;

describe("AWS: container logs in CloudWatch Logs", () => {
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
