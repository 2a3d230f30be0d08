import { strict as assert } from "assert";
import { hiveCatalog, nodeMemory, TRINO_SERVICE_ACCOUNT, trinoSizes } from "../lib/trino";
import { bookNames } from "../lib/naming";
import { Captured, PlanRun } from "../tools/harness";
import { MOCK_ACCOUNT } from "../tools/mocks";
import { chartDefaults, unknownValuesKeys } from "../tools/schemas";
import { apps } from "../versions";
import { descendants, inputsOf, ofType, one, planOf, planWith, transitiveDeps, assertPinnedRelease } from "./support";

const RELEASE = "kubernetes:helm.sh/v3:Release";

function mine(run: PlanRun): Captured[] {
    return descendants(run, one(run, "bdok:platform:Trino").urn);
}
function release(run: PlanRun): Captured {
    const r = mine(run).filter((c) => c.type === RELEASE);
    assert.equal(r.length, 1);
    return r[0];
}
function values(run: PlanRun): any {
    return inputsOf(release(run)).values;
}
/** "1536M" / "2048Mi" / "1075MB" → MiB (Trino's MB and the JVM's M are binary units). */
function mib(q: string): number {
    const m = /^(\d+)(M|Mi|MB|G|Gi|GB)$/.exec(q);
    assert.ok(m, `size ${q}`);
    return Number(m[1]) * (m[2].startsWith("G") ? 1024 : 1);
}
function properties(text: string): Record<string, string> {
    return Object.fromEntries(text.split("\n").filter((l) => l.trim() && !l.startsWith("#")).map((l) => {
        const i = l.indexOf("=");
        return [l.slice(0, i).trim(), l.slice(i + 1).trim()];
    }));
}

describe("Trino (pure builders)", () => {
    it("keeps query memory + headroom within the heap, and the heap within the container", () => {
        for (const mem of [1024, 2048, 3072, 4096, 12288, 65536]) {
            const m = nodeMemory(mem);
            assert.ok(mib(m.maxHeapSize) < mem, `${mem}: heap below the container`);
            assert.ok(mib(m.maxMemoryPerNode) + mib(m.heapHeadroomPerNode) <= mib(m.maxHeapSize), `${mem}: query + headroom <= heap`);
            assert.ok(mib(m.maxMemoryPerNode) > 0);
        }
    });

    it("configures the hive catalog on Glue with native S3 and no keys", () => {
        const p = properties(hiveCatalog("eu-west-1"));
        assert.equal(p["connector.name"], "hive");
        assert.equal(p["hive.metastore"], "glue");
        assert.equal(p["hive.metastore.glue.region"], "eu-west-1");
        assert.equal(p["fs.native-s3.enabled"], "true");
        assert.equal(p["s3.region"], "eu-west-1");
        assert.ok(!Object.keys(p).some((k) => /access-key|secret-key|iam-role/.test(k)), "credentials come from the pod");
    });
});

for (const stack of ["dev", "prod"]) {
    describe(`Trino on stack ${stack}`, () => {
        let run: PlanRun;
        before(async () => { run = await planOf(stack); });

        it("installs the pinned trino chart into namespace trino", () => {
            const rel = inputsOf(release(run));
            assertPinnedRelease(release(run), "trino", "trino");
            assert.equal(rel.version, "1.42.2");
            assert.equal(rel.name, "trino");
            assert.equal(values(run).image.tag, apps.trino);
        });

        it("sets only keys the chart's values.yaml has (catalogs is the chart's free-form name → properties map)", () => {
            const defaults = chartDefaults("trino");
            assert.deepEqual(unknownValuesKeys(values(run), { ...defaults, catalogs: {} }), []);
            // Against the raw defaults the only "unknown" key is the catalog's own name.
            assert.deepEqual(unknownValuesKeys(values(run), defaults), ["catalogs.hive"]);
            assert.deepEqual(unknownValuesKeys({ ...values(run), worker: { jvmm: {} } }, defaults).filter((k) => k !== "catalogs.hive"), ["worker.jvmm"], "a typo is caught");
        });

        it("runs the configured number of workers", async () => {
            assert.equal(values(run).server.workers, run.config.trino.workers);
            assert.equal(values(run).coordinator.config.nodeScheduler.includeCoordinator, false);
            const none = await planWith(stack, { "bdok:trino": { workers: 0 } });
            assert.equal(values(none).server.workers, 0);
            assert.equal(values(none).coordinator.config.nodeScheduler.includeCoordinator, true, "the coordinator works alone");
        });

        it("sizes containers, JVM heap and query memory consistently", () => {
            const v = values(run);
            const sizes = trinoSizes(run.config.isProd);
            for (const role of ["coordinator", "worker"] as const) {
                const n = v[role];
                for (const k of ["requests", "limits"]) assert.ok(n.resources[k].cpu && n.resources[k].memory, `${role} ${k}`);
                assert.equal(mib(n.resources.limits.memory), sizes[role].memoryMiB);
                assert.equal(n.resources.requests.memory, n.resources.limits.memory, `${role}: memory request = limit`);
                const heap = mib(n.jvm.maxHeapSize);
                assert.ok(heap <= 0.8 * mib(n.resources.limits.memory), `${role}: heap leaves room for off-heap memory`);
                assert.ok(mib(n.config.query.maxMemoryPerNode) + mib(n.config.memory.heapHeadroomPerNode) <= heap, `${role}: query + headroom <= heap`);
            }
            const perNode = mib(v.worker.config.query.maxMemoryPerNode);
            assert.equal(mib(v.server.config.query.maxMemory), perNode * Math.max(run.config.trino.workers, 1));
        });

        it("defines the hive catalog on Glue in the stack's region", () => {
            const p = properties(values(run).catalogs.hive);
            assert.equal(p["connector.name"], "hive");
            assert.equal(p["hive.metastore"], "glue");
            assert.equal(p["hive.metastore.glue.region"], run.config.region);
            assert.equal(p["fs.native-s3.enabled"], "true");
            assert.equal(p["s3.region"], run.config.region);
            assert.equal(run.plan.outputs.trinoCatalog, "hive");
        });

        it("runs under its own service account bound to a read-only Pod Identity role", () => {
            const sa = values(run).serviceAccount;
            assert.deepEqual(sa, { create: true, name: TRINO_SERVICE_ACCOUNT });
            const assoc = mine(run).filter((c) => c.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation").map(inputsOf);
            assert.deepEqual(assoc.map((a) => `${a.namespace}/${a.serviceAccount}`), [`trino/${sa.name}`]);
            const statements: any[] = JSON.parse(inputsOf(mine(run).find((c) => c.type === "aws:iam/rolePolicy:RolePolicy")!).policy).Statement;
            const base = `arn:aws:glue:${run.config.region}:${MOCK_ACCOUNT}`;
            const lake = `arn:aws:s3:::${run.plan.outputs.lakeBucket}`;
            for (const s of statements) {
                const actions: string[] = [s.Action].flat();
                const resources: string[] = [s.Resource].flat();
                assert.ok(resources.every((r) => r !== "*"), JSON.stringify(s));
                assert.ok(actions.every((a) => /^glue:(Get|BatchGet)/.test(a) || ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"].includes(a)), `read-only: ${actions}`);
                if (actions.some((a) => a.startsWith("glue:"))) {
                    assert.deepEqual(resources, [`${base}:catalog`, `${base}:database/${bookNames.glueDatabase}`, `${base}:table/${bookNames.glueDatabase}/*`]);
                }
            }
            const objects = statements.filter((s) => [s.Action].flat().includes("s3:GetObject")).flatMap((s) => [s.Resource].flat());
            assert.deepEqual(objects.sort(), [`${lake}/bronze/*`, `${lake}/silver/*`]);
            assert.ok(release(run).dependencies.some((d) => d.includes("bdok:aws:PodRole")), "pods start after their role exists");
        });

        it("exposes its service as the exposure setting says", () => {
            const svc = values(run).service;
            assert.equal(svc.type, stack === "dev" ? "ClusterIP" : "LoadBalancer");
            if (svc.type === "LoadBalancer") assert.equal(svc.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internal");
            else assert.deepEqual(svc.annotations, {});
            assert.equal(run.plan.outputs.trinoPortForward, "kubectl -n trino port-forward svc/trino 8080:8080");
        });

        it("does not wait for the Airflow or Elastic releases (only the load balancer controller, behind a load balancer)", () => {
            const deps = transitiveDeps(run, release(run).urn);
            const lbc = one(run, RELEASE, "load-balancer-controller");
            assert.equal(deps.has(lbc.urn), run.config.exposure !== "clusterIp");
            for (const o of ofType(run, RELEASE).filter((r) => r.urn !== release(run).urn && r.urn !== lbc.urn)) assert.ok(!deps.has(o.urn), `Trino waits for ${o.name}`);
        });
    });
}
