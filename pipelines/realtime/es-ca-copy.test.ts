// The sink's copy of ECK's CA against ECK's own renewal window (issue 18 item 12): the operator's
// rotate-before comes from the chart as the real helm renders it, the copy's cadence from the
// CronJob in the plan.
import { strict as assert } from "assert";
import * as YAML from "yaml";
import { renderPlan } from "../../tools/render";
import { describeEachStack, inputsOf, ofType } from "../../test/support";

/** Go's time.ParseDuration for the units ECK's flags use (h, m, s), e.g. "24h", "8760h", "1h30m". */
function goDurationSeconds(s: string): number {
    const parts = [...String(s).matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)];
    if (!parts.length || parts.map((p) => p[0]).join("") !== String(s)) throw new Error(`not a Go duration: ${s}`);
    return parts.reduce((n, p) => n + Number(p[1]) * { h: 3600, m: 60, s: 1 }[p[2] as "h" | "m" | "s"], 0);
}

/** The values a cron field allows (numbers, ranges, steps, lists, `*`), as cron(8) reads them. */
function cronField(field: string, lo: number, hi: number): number[] {
    const out = new Set<number>();
    for (const part of field.split(",")) {
        const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
        if (!m) throw new Error(`cron field ${field}: cannot read ${part}`);
        const from = m[1] === "*" ? lo : Number(m[2]);
        const to = m[1] === "*" ? hi : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? hi : from;
        for (let v = from; v <= to; v += Number(m[4] ?? 1)) out.add(v);
    }
    return [...out].sort((a, b) => a - b);
}

/** The longest time between two runs of a schedule that fires every day (day, month and weekday `*`). */
function longestGapSeconds(schedule: string): number {
    const [min, hour, dom, mon, dow] = schedule.trim().split(/\s+/);
    assert.deepEqual([dom, mon, dow], ["*", "*", "*"], `${schedule}: only daily-repeating schedules are modelled`);
    const times = cronField(hour, 0, 23).flatMap((h) => cronField(min, 0, 59).map((m) => h * 60 + m));
    const gaps = times.map((t, i) => (i + 1 < times.length ? times[i + 1] - t : times[0] + 1440 - t));
    return Math.max(...gaps) * 60;
}

describe("cron reading used below", () => {
    // Boundaries, table-driven: what cron(8) does with each form.
    for (const [schedule, gapMinutes] of [
        ["17 3 * * *", 1440],
        ["17 * * * *", 60],
        ["*/15 * * * *", 15],
        ["0 */6 * * *", 360],
        ["0 1,2 * * *", 1380],
        ["5-10 0 * * *", 1435],
    ] as const) {
        it(`${schedule}: longest gap ${gapMinutes} min`, () => assert.equal(longestGapSeconds(schedule), gapMinutes * 60));
    }
    it("Go durations", () => {
        assert.equal(goDurationSeconds("24h"), 86400);
        assert.equal(goDurationSeconds("1h30m"), 5400);
        assert.throws(() => goDurationSeconds("1d"));
    });
});

describeEachStack(
    (stack) => `ECK CA copy, stack ${stack}`,
    (plan) => {
        it("copies the CA at least three times inside ECK's renewal window (a failed run or two still land in time)", () => {
            // What the operator runs with: the chart's ConfigMap eck.yaml, rendered by the real helm
            // from the pinned chart and our values. ECK 3.5.0 reads it as the flag ca-cert-rotate-before
            // (pkg/controller/common/operator/flags.go:10; default DefaultRotateBefore = 24h,
            // pkg/controller/common/certificates/expiration.go:14) and renews the CA that long before
            // expiry from the same private key (ca_reconcile.go:92-95), so the old copy keeps
            // verifying Elasticsearch only until the old CA expires, i.e. for that window.
            const objects = renderPlan(plan()).find((r) => r.chart === "eck")!.objects;
            const config = objects.find((o) => o.kind === "ConfigMap" && typeof o.data?.["eck.yaml"] === "string");
            assert.ok(config, "the operator's ConfigMap is rendered");
            const window = goDurationSeconds(YAML.parse(config.data["eck.yaml"])["ca-cert-rotate-before"]);
            assert.equal(window, 24 * 3600, "positive control: ECK's default 24 h, which the program leaves as is");

            const crons = ofType(plan(), "kubernetes:batch/v1:CronJob")
                .map(inputsOf)
                // ECK's CA copy (the API producer's certificate copy runs the same script from another source).
                .filter((c) =>
                    c.spec.jobTemplate.spec.template.spec.containers.some((k: any) =>
                        k.env?.some((e: any) => e.name === "SOURCE_NAMESPACE" && e.value === "elastic"),
                    ),
                );
            assert.equal(crons.length, 1, "one CronJob copies ECK's CA");
            const spec = crons[0].spec;
            const gap = longestGapSeconds(spec.schedule);
            // A run may take up to its deadline; kubelet then refreshes the Connect pods' Secret
            // volume within its sync period plus its cache TTL (Kubernetes docs, "Mounted Secrets are
            // updated automatically"; kubelet defaults 1 min each).
            const deadline = Number(spec.jobTemplate.spec.activeDeadlineSeconds);
            assert.ok(deadline > 0, "a run is bounded");
            const propagation = 120;
            const runsInWindow = Math.floor((window - deadline - propagation) / gap);
            assert.ok(
                runsInWindow >= 3,
                `schedule ${spec.schedule}: longest gap ${gap / 3600} h, ${runsInWindow} run(s) inside ECK's ${window / 3600} h window`,
            );
            assert.equal(spec.concurrencyPolicy, "Forbid", "a slow run is not doubled");
        });
    },
);
