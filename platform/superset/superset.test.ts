// Superset as the plan declares it: what the operator and Superset will do with it, checked against
// their schemas and sources (the CRD with additionalProperties false, the chart's values schema via
// helm's render), and what a user relies on: the secrets by reference, the dashboard built from the
// stack's own queries, nothing left with Superset off.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import * as YAML from "yaml";
import { Captured, PlanRun, ROOT } from "../../tools/harness";
import { renderPlan } from "../../tools/render";
import { validateCustomResource } from "../../tools/schemas";
import { apiVersions, apps, images, supersetDrivers } from "../../versions";
import {
    assertPinnedRelease,
    describeEachStack,
    descendants,
    inputsOf,
    ofType,
    one,
    planWith,
    plansOfEachExposure,
    exposedService,
    transitiveDeps,
} from "../../test/support";
import { NAMESPACE } from "../k8s/objects";
import { CHARTS, DATABASE_FILE } from "./dashboard";
import { BUNDLE_FILE, SETUP_SCRIPT } from "./specs";
import { METADATA_DB, secretKeys, secretNames } from "./values";
import { RDS_CA_FILE } from "../../lib/rds-ca";

const CR = `kubernetes:${apiVersions.superset}:Superset`;
const JOB = "kubernetes:batch/v1:Job";
const SECRET = "kubernetes:core/v1:Secret";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";

function mine(run: PlanRun): Captured[] {
    return descendants(run, one(run, "bdok:platform:Superset").urn);
}
function crOf(run: PlanRun): any {
    const i = inputsOf(one(run, CR));
    return { apiVersion: i.apiVersion, kind: i.kind, metadata: i.metadata, spec: i.spec };
}
function appSecret(run: PlanRun): Record<string, string> {
    const s = mine(run).filter((c) => c.type === SECRET && inputsOf(c).metadata.name === secretNames.app);
    assert.equal(s.length, 1);
    return inputsOf(s[0]).stringData;
}
/** The bundle the init task imports: the setup ConfigMap's bundle.json. */
function bundleOf(run: PlanRun): Record<string, string> {
    const cms = mine(run).filter((c) => c.type === CONFIGMAP && inputsOf(c).data?.[BUNDLE_FILE] !== undefined);
    assert.equal(cms.length, 1, "one setup ConfigMap");
    return JSON.parse(inputsOf(cms[0]).data[BUNDLE_FILE]);
}
/** The stack's query as pipelines/queries.py prints it (the Python side of queries.json). */
function pythonQuery(name: string, database: string): string {
    const r = spawnSync("python3", ["-m", "pipelines.queries", name, database], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
}

describeEachStack(
    (stack) => `${stack} stack: Superset`,
    (plan, stack) => {
        it("the operator is the pinned chart in the superset namespace, CRDs left to Pulumi, and it runs without cluster-wide rights", () => {
            const rel = mine(plan()).filter((c) => c.type === "kubernetes:helm.sh/v3:Release");
            assert.equal(rel.length, 1);
            assertPinnedRelease(rel[0], "supersetOperator", NAMESPACE.superset);
            assert.equal(inputsOf(rel[0]).skipCrds, true);
            // watch.scope namespaces: "manager RBAC is rendered as Role + RoleBinding per watched
            // namespace with no manager ClusterRole" (the chart's values.yaml).
            const objects = renderPlan(plan()).find((r) => r.chart === "supersetOperator")!.objects;
            const cluster = objects.filter((o) => o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding").map((o) => o.metadata.name);
            assert.deepEqual(cluster, []);
            assert.ok(objects.some((o) => o.kind === "Role" && o.metadata.namespace === NAMESPACE.superset));
        });

        it("one Superset, valid against the CRD (additionalProperties false), awaited until Available", () => {
            const cr = crOf(plan());
            assert.deepEqual(validateCustomResource(cr), []);
            assert.equal(cr.metadata.annotations["pulumi.com/waitFor"], "condition=Available");
            assert.equal(ofType(plan(), CR).length, 1);
        });

        it("secrets by reference only: Production mode, no inline key, password or admin user (the CRD's CEL rules refuse them there)", () => {
            const spec = crOf(plan()).spec;
            assert.equal(spec.environment, "Production");
            for (const inline of ["secretKey", "previousSecretKey"]) assert.equal(spec[inline], undefined, inline);
            assert.equal(spec.metastore.uri, undefined);
            assert.equal(spec.metastore.password, undefined);
            assert.equal(spec.lifecycle.init.adminUser, undefined);
            // The references resolve to the Secret the program writes, key by key.
            const data = appSecret(plan());
            assert.equal(spec.secretKeyFrom.name, secretNames.app);
            assert.ok(data[spec.secretKeyFrom.key] !== undefined, spec.secretKeyFrom.key);
            assert.equal(spec.metastore.uriFrom.name, secretNames.app);
            assert.ok(data[spec.metastore.uriFrom.key] !== undefined);
            for (const e of spec.lifecycle.podTemplate.container.env.filter((e: any) => e.valueFrom)) {
                assert.equal(e.valueFrom.secretKeyRef.name, secretNames.app, e.name);
                assert.ok(data[e.valueFrom.secretKeyRef.key] !== undefined, `${e.name}: ${e.valueFrom.secretKeyRef.key}`);
            }
        });

        it("the metadata DB: the db-init Job creates the role and database the URI names, over TLS, the passwords by secretKeyRef", () => {
            const jobs = mine(plan()).filter((c) => c.type === JOB && /^superset-db-init-/.test(inputsOf(c).metadata.name));
            assert.equal(jobs.length, 1);
            const env = Object.fromEntries(inputsOf(jobs[0]).spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));
            assert.equal(env.APP_USER.value, METADATA_DB.user);
            assert.equal(env.APP_DB.value, METADATA_DB.database);
            assert.equal(env.PGSSLMODE.value, "verify-full");
            assert.equal(env.PGSSLROOTCERT.value, RDS_CA_FILE);
            assert.deepEqual(env.APP_PASSWORD.valueFrom.secretKeyRef, { name: secretNames.dbAppPassword, key: "password" });
            assert.equal(env.PGPASSWORD.valueFrom.secretKeyRef.name, secretNames.dbMaster);
            // The master password stays in db-bootstrap, where no account may create pods (test/secret-isolation.test.ts).
            assert.equal(inputsOf(jobs[0]).metadata.namespace, "db-bootstrap");
            // What Superset connects with: that user, that database, verify-full against the mounted RDS CA bundle (the psycopg2 scheme).
            const uri = new URL(appSecret(plan())[secretKeys.metadataUri].replace(/^postgresql\+psycopg2:/, "postgresql:"));
            assert.equal(decodeURIComponent(uri.username), METADATA_DB.user);
            assert.equal(uri.pathname, `/${METADATA_DB.database}`);
            assert.equal(uri.searchParams.get("sslmode"), "verify-full");
            assert.equal(uri.searchParams.get("sslrootcert"), RDS_CA_FILE);
            // Superset starts after the database exists.
            assert.ok(transitiveDeps(plan(), one(plan(), CR).urn).has(jobs[0].urn));
        });

        it("the image: built by the Kaniko Job from the lean image plus the pinned drivers, the one Superset runs, for the system group's arch", () => {
            const builds = mine(plan()).filter((c) => c.type === JOB && /^superset-image-build-/.test(inputsOf(c).metadata.name));
            assert.equal(builds.length, 1);
            const pod = inputsOf(builds[0]).spec.template.spec;
            const dest = pod.containers[0].args.find((a: string) => a.startsWith("--destination=")).slice("--destination=".length);
            const spec = crOf(plan()).spec;
            assert.equal(`${spec.image.repository}:${spec.image.tag}`, dest);
            assert.equal(pod.containers[0].image, images.kaniko);
            const dockerfile = mine(plan()).find((c) => c.type === CONFIGMAP && inputsOf(c).data?.Dockerfile)!;
            const text: string = inputsOf(dockerfile).data.Dockerfile;
            assert.match(text, new RegExp(`^FROM apache/superset:${apps.superset.replace(/\./g, "\\.")}\\n`));
            for (const [pkg, v] of Object.entries(supersetDrivers)) assert.ok(text.includes(` ${pkg}==${v}`), `${pkg}==${v}`);
            // Kaniko builds for its node's arch: the pod's arch is the system group's, where Superset runs.
            const sys = plan().config.nodeGroups.system;
            const arch = /^[a-z]\d+g/.test(sys.instanceTypes[0]) ? "arm64" : "amd64";
            assert.equal(pod.nodeSelector["kubernetes.io/arch"], arch);
            assert.ok(dest.endsWith(`-${arch}`) || dest.includes(`-${arch}-`), dest);
            assert.deepEqual(spec.podTemplate.nodeSelector, { "bdok/node-group": "system" });
            assert.ok(transitiveDeps(plan(), one(plan(), CR).urn).has(builds[0].urn), "Superset waits for its image");
        });

        it("the dashboard's datasets are the stack's own queries (queries.json, as pipelines/queries.py prints them), one chart each", () => {
            const bundle = bundleOf(plan());
            const dbs = plan().plan.outputs.icebergDatabases as Record<string, string>;
            const want = [
                { chart: CHARTS.batch, db: dbs.imdb },
                { chart: CHARTS.realtime, db: dbs.realtime },
            ];
            for (const { chart, db } of want) {
                const ds = YAML.parse(bundle[`datasets/Lake_Trino/${chart.dataset}.yaml`]);
                assert.equal(ds.sql, pythonQuery(chart.query, db), chart.query);
                const c = YAML.parse(bundle[`charts/${chart.dataset}.yaml`]);
                assert.equal(c.slice_name, chart.title);
                assert.equal(c.dataset_uuid, ds.uuid);
            }
            assert.deepEqual(
                ["John Wick films", "Customers per age band over the last hour"],
                want.map((w) => w.chart.title),
            );
            const dash = YAML.parse(bundle[`dashboards/bdok-lake.yaml`]);
            const chartUuids = Object.values(dash.position)
                .filter((n: any) => n?.type === "CHART")
                .map((n: any) => n.meta.uuid)
                .sort();
            assert.deepEqual(chartUuids, want.map((w) => YAML.parse(bundle[`charts/${w.chart.dataset}.yaml`]).uuid).sort());
            // The iceberg catalog, through the Trino Service.
            const db = YAML.parse(bundle[DATABASE_FILE]);
            assert.match(db.sqlalchemy_uri, /^trino:\/\/[^@]+@trino\.trino\.svc:\d+\/iceberg$/);
        });

        it("the init task imports the bundle with the setup script, re-run when (and only when) either changes", async () => {
            const spec = crOf(plan()).spec;
            const mount = spec.lifecycle.podTemplate.container.volumeMounts[0].mountPath;
            assert.ok(spec.lifecycle.init.command.join(" ").includes(`python ${mount}/${SETUP_SCRIPT}`));
            // A second, separate run of the same program (the default stated explicitly): the same
            // ConfigMap, the same trigger, so a re-run of `up` changes nothing.
            const again = await planWith(stack, { "bdok:superset": { enabled: true } });
            assert.notEqual(again, plan());
            assert.deepEqual(crOf(again).spec.lifecycle, spec.lifecycle);
            assert.deepEqual(bundleOf(again), bundleOf(plan()));
        });
    },
);

describe("Superset: settings", () => {
    it("superset.enabled false: no namespace, operator, image, database role or output", async () => {
        const run = await planWith("dev", { "bdok:superset": { enabled: false } });
        const left = run.captured.filter((c) => /superset/i.test(c.name) || /superset/i.test(c.type) || JSON.stringify(c.inputs ?? {}).includes('"superset"'));
        assert.deepEqual(
            left.map((c) => `${c.type} ${c.name}`),
            [],
        );
        assert.deepEqual(
            Object.keys(run.plan.outputs).filter((k) => /superset/i.test(k)),
            [],
        );
    });

    it("a pipeline that is off has no chart; with both off the dashboard goes, Trino stays registered", async () => {
        const cases: [Record<string, boolean>, string[]][] = [
            [{ batch: true, realtime: false }, [CHARTS.batch.dataset]],
            [{ batch: false, realtime: true }, [CHARTS.realtime.dataset]],
            [{ batch: false, realtime: false }, []],
        ];
        for (const [pipelines, datasets] of cases) {
            const run = await planWith("dev", { "bdok:pipelines": pipelines });
            const bundle = bundleOf(run);
            const names = Object.keys(bundle)
                .filter((f) => f.startsWith("charts/"))
                .map((f) => path.basename(f, ".yaml"));
            assert.deepEqual(names.sort(), [...datasets].sort(), JSON.stringify(pipelines));
            assert.equal(
                Object.keys(bundle).some((f) => f.startsWith("dashboards/")),
                datasets.length > 0,
            );
            assert.ok(bundle[DATABASE_FILE]);
        }
    });

    it("each exposure: the web server's Service as the other UIs', Trino over HTTPS with its password and CA once Trino asks for one", async () => {
        const own = await planWith("dev", {});
        for (const run of await plansOfEachExposure("dev", own)) {
            const spec = crOf(run).spec;
            const want = exposedService(run.config.exposure, run.config);
            assert.equal(spec.webServer.service.type, want.type);
            // With a certificate the NLB's listener on the web port is TLS (the controller's Service annotations guide, "TLS").
            const cert = run.config.exposure !== "clusterIp" ? run.config.loadBalancerCertificateArn : undefined;
            const tls = cert
                ? {
                      "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": cert,
                      "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": String(spec.webServer.service.port),
                  }
                : {};
            assert.deepEqual(spec.webServer.service.annotations, { ...want.annotations, ...tls });
            if (run.config.exposure === "publicLoadBalancer") assert.ok(cert, "public exposure carries a certificate");
            const db = YAML.parse(bundleOf(run)[DATABASE_FILE]);
            const secured = run.config.exposure !== "clusterIp";
            // Trino's port and scheme follow its own authentication switch (platform/trino: PASSWORD over HTTPS).
            assert.match(db.sqlalchemy_uri, secured ? /:8443\/iceberg$/ : /:8080\/iceberg$/);
            assert.equal(db.extra.engine_params?.connect_args?.http_scheme, secured ? "https" : undefined);
            const env = spec.lifecycle.podTemplate.container.env.map((e: any) => e.name);
            assert.equal(env.includes("BDOK_TRINO_PASSWORD"), secured);
            assert.equal(
                ofType(run, JOB).some((j) => inputsOf(j).metadata.name?.startsWith?.("superset-trino-ca-copy")),
                secured,
            );
            if (secured) {
                const mount = spec.podTemplate.container.volumeMounts.find((m: any) => m.name === "trino-ca").mountPath;
                assert.equal(db.extra.engine_params.connect_args.verify, `${mount}/ca.crt`);
                assert.equal(appSecret(run)[secretKeys.trinoPassword] !== undefined, true);
            }
        }
    });
});
