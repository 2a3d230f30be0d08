import { strict as assert } from "assert";
import {
    ECK_RELEASE,
    ES_DATA_CLAIM,
    ES_ELASTIC_USER_KEY,
    ES_ELASTIC_USER_SECRET,
    ES_HTTP_CA_KEY,
    ES_HTTP_CA_SECRET,
    ES_NAME,
    ES_URL,
    KIBANA_HTTP_CA_SECRET,
    KIBANA_URL,
    operatorValues,
} from "./values";
import { podPlacement } from "../karpenter/nodepools";
import { Captured, PlanRun } from "../../tools/harness";
import { helmTemplate, parseManifest } from "../../tools/helm";
import { chartDefaults, unknownValuesKeys, validateCustomResource } from "../../tools/schemas";
import { apps, apiVersions } from "../../versions";
import {
    descendants,
    inputsOf,
    isKarpenterRelease,
    ofType,
    one,
    transitiveDeps,
    assertPinnedRelease,
    describeEachStack,
    exposedService,
    plansOfEachExposure,
    stackSetting,
} from "../../test/support";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const ES = `kubernetes:${apiVersions.elasticsearch}:Elasticsearch`;
const KB = `kubernetes:${apiVersions.kibana}:Kibana`;

function mine(run: PlanRun): Captured[] {
    return descendants(run, one(run, "bdok:platform:Elastic").urn);
}
function operator(run: PlanRun): Captured {
    const r = mine(run).filter((c) => c.type === RELEASE);
    assert.equal(r.length, 1);
    return r[0];
}
function cr(run: PlanRun, type: string): any {
    const r = mine(run).filter((c) => c.type === type);
    assert.equal(r.length, 1, type);
    const i = inputsOf(r[0]);
    return { apiVersion: i.apiVersion, kind: i.kind, metadata: i.metadata, spec: i.spec };
}
type Health = "green" | "yellow" | "red";
const HEALTHS: Health[] = ["green", "yellow", "red"];
const count = (sets: any[]) => sets.reduce((n, s) => n + s.count, 0);

/**
 * How many data pods the PDB ECK reconciles for a spec lets an eviction take at a health (basic
 * license: one cluster-wide PDB). ECK 3.5.0 pkg/controller/elasticsearch/pdb/reconcile_default.go:
 * `{}` deletes the PDB (common/v1 IsDisabled), a user spec is used as is, else
 * allowedDisruptionsForSinglePDB.
 */
function eckAllowedDisruptions(spec: any, health: Health): number {
    const sets: any[] = spec.nodeSets;
    const nodes = count(sets);
    const pdb = spec.podDisruptionBudget;
    if (pdb && Object.keys(pdb).length === 0) return Infinity;
    const s = pdb?.spec ?? {};
    if (s.maxUnavailable !== undefined) return s.maxUnavailable;
    if (s.minAvailable !== undefined) return Math.max(0, nodes - s.minAvailable);
    if (nodes === 1) return 1;
    if (health !== "green") return 0;
    const withRole = (role: string) => count(sets.filter((n) => !n.config?.["node.roles"] || n.config["node.roles"].includes(role)));
    return ["master", "data", "ingest"].some((r) => withRole(r) === 1) ? 0 : 1;
}

function clone<T>(v: T): T {
    return JSON.parse(JSON.stringify(v));
}

describe("Elastic (names ECK derives)", () => {
    it("exports the Secret, Service and URL names other components rely on", () => {
        assert.equal(ES_NAME, "bdok");
        assert.deepEqual([ES_ELASTIC_USER_SECRET, ES_ELASTIC_USER_KEY], ["bdok-es-elastic-user", "elastic"]);
        assert.deepEqual([ES_HTTP_CA_SECRET, ES_HTTP_CA_KEY], ["bdok-es-http-certs-public", "ca.crt"]);
        assert.equal(KIBANA_HTTP_CA_SECRET, "bdok-kb-http-certs-public");
        assert.equal(ES_URL, "https://bdok-es-http.elastic.svc:9200");
        assert.equal(KIBANA_URL, "https://bdok-kb-http.elastic.svc:5601");
    });
});

describeEachStack(
    (stack) => `Elastic on stack ${stack}`,
    (plan, stack) => {
        it("installs the pinned eck-operator chart, watching only its namespace, with keys the chart has", () => {
            const rel = inputsOf(operator(plan()));
            assertPinnedRelease(operator(plan()), "eck", "elastic");
            assert.equal(rel.version, "3.5.0");
            assert.deepEqual(rel.values.managedNamespaces, ["elastic"]);
            assert.deepEqual(unknownValuesKeys(rel.values, chartDefaults("eck")), []);
            assert.deepEqual(unknownValuesKeys({ ...rel.values, managedNamespace: [] }, chartDefaults("eck")), ["managedNamespace"], "a typo is caught");
            for (const k of ["requests", "limits"]) assert.ok(rel.values.resources[k].cpu && rel.values.resources[k].memory);
        });

        it("declares Elasticsearch and Kibana that pass their CRD schemas strictly", () => {
            assert.deepEqual(validateCustomResource(cr(plan(), ES)), []);
            assert.deepEqual(validateCustomResource(cr(plan(), KB)), []);
        });

        it("would reject a typo in either resource (the validation can fail)", () => {
            const es = clone(cr(plan(), ES));
            es.spec.nodeSets[0].cuont = 3;
            assert.ok(validateCustomResource(es).some((e) => e.includes("cuont")));
            const kb = clone(cr(plan(), KB));
            kb.spec.elasticsearchRef = { nmae: ES_NAME };
            assert.ok(validateCustomResource(kb).some((e) => e.includes("nmae")));
            const wrong = clone(cr(plan(), ES));
            wrong.spec.volumeClaimDeletePolicy = "Never";
            assert.ok(validateCustomResource(wrong).length > 0, "enum enforced");
        });

        it("sizes Elasticsearch from the configuration: nodes, gp3 storage, resources", () => {
            const es = cr(plan(), ES);
            assert.equal(es.metadata.name, ES_NAME);
            assert.equal(es.metadata.namespace, "elastic");
            assert.equal(es.spec.version, apps.elastic);
            assert.match(es.spec.version, /^8\./);
            assert.equal(es.spec.nodeSets.length, 1);
            const ns = es.spec.nodeSets[0];
            assert.equal(ns.count, plan().config.elasticsearch.nodes);
            assert.equal(ns.count, stackSetting(stack, "elasticsearch").nodes);
            const vct = ns.volumeClaimTemplates;
            assert.equal(vct.length, 1);
            assert.equal(vct[0].metadata.name, ES_DATA_CLAIM);
            assert.equal(vct[0].spec.storageClassName, "gp3");
            assert.equal(vct[0].spec.resources.requests.storage, `${plan().config.elasticsearch.storageGiB}Gi`);
            for (const k of ["requests", "limits"]) assert.ok(ns.resources[k].cpu && ns.resources[k].memory, `ES ${k}`);
            assert.equal(ns.resources.requests.memory, ns.resources.limits.memory, "automatic heap = half of a fixed memory size");
            assert.equal(ns.config["node.store.allow_mmap"], false, "no vm.max_map_count init container needed");
            assert.equal(ns.podTemplate?.spec?.initContainers, undefined, "no privileged init container");
        });

        // One data node never turns green once an index keeps its default replica (the ES sink's).
        it("awaits green health with several data nodes, ECK's Ready phase with one (model/controllers.json)", () => {
            const es = cr(plan(), ES);
            const nodes = es.spec.nodeSets.reduce((n: number, s: any) => n + s.count, 0);
            assert.equal(nodes, plan().config.elasticsearch.nodes);
            const want = nodes === 1 ? "jsonpath={.status.phase}=Ready" : "jsonpath={.status.health}=green";
            assert.equal(es.metadata.annotations["pulumi.com/waitFor"], want);
            assert.equal(cr(plan(), KB).metadata.annotations["pulumi.com/waitFor"], "jsonpath={.status.health}=green", "Kibana: green once its pods are ready");
        });

        it("keeps TLS on and data according to the environment", () => {
            const es = cr(plan(), ES);
            assert.equal(es.spec.http?.tls?.selfSignedCertificate?.disabled, undefined);
            assert.doesNotMatch(JSON.stringify(es), /"disabled":true/);
            assert.equal(
                es.spec.volumeClaimDeletePolicy,
                plan().config.protectStatefulResources ? "DeleteOnScaledownOnly" : "DeleteOnScaledownAndClusterDeletion",
            );
            assert.equal(
                es.spec.volumeClaimDeletePolicy,
                stackSetting(stack, "protectStatefulResources") ? "DeleteOnScaledownOnly" : "DeleteOnScaledownAndClusterDeletion",
            );
        });

        it("leaves the PDB to ECK: a disruption only while green with several nodes, a lone node always drainable", () => {
            const es = cr(plan(), ES);
            const nodes = count(es.spec.nodeSets);
            for (const health of HEALTHS) {
                const allowed = eckAllowedDisruptions(es.spec, health);
                if (nodes === 1) assert.ok(allowed >= 1, `${health}: a lone node blocks drains`);
                else assert.equal(allowed, health === "green" ? 1 : 0, health);
            }
            // The model tells a fixed budget apart: maxUnavailable 1 would let a yellow cluster lose a node.
            assert.equal(eckAllowedDisruptions({ nodeSets: [{ count: 3 }], podDisruptionBudget: { spec: { maxUnavailable: 1 } } }, "yellow"), 1);
        });

        it("runs Kibana of the same version against bdok, exposed as the exposure setting says", async function () {
            this.timeout(180_000);
            const kb = cr(plan(), KB);
            const es = cr(plan(), ES);
            assert.equal(kb.spec.version, es.spec.version);
            assert.deepEqual(kb.spec.elasticsearchRef, { name: ES_NAME });
            for (const k of ["requests", "limits"]) assert.ok(kb.spec.resources[k].cpu && kb.spec.resources[k].memory, `Kibana ${k}`);
            assert.equal(kb.spec.http.tls, undefined, "Kibana keeps ECK's TLS");
            // The stack file's setting, then each setting on this stack.
            for (const run of await plansOfEachExposure(stack, plan())) {
                const svc = cr(run, KB).spec.http.service;
                const want = exposedService(run.config.exposure, run.config);
                assert.equal(svc.spec.type, want.type, run.config.exposure);
                assert.deepEqual(svc.metadata.annotations, want.annotations, run.config.exposure);
            }
        });

        it("places Kibana with the workloads pool's whole placement: its selector and its tolerations", () => {
            const spec = cr(plan(), KB).spec.podTemplate.spec;
            const want = podPlacement("workloads");
            assert.deepEqual(spec.nodeSelector, want.nodeSelector);
            assert.deepEqual(spec.tolerations, want.tolerations);
        });

        it("makes both resources wait for the operator release and nothing else of the platform (Kibana: its load balancer controller and its Elasticsearch)", () => {
            const rel = operator(plan());
            for (const t of [ES, KB]) {
                const r = mine(plan()).find((c) => c.type === t)!;
                assert.ok(r.dependencies.includes(rel.urn), `${t} depends on the ECK release`);
                const deps = transitiveDeps(plan(), r.urn);
                // Kibana's Service is a LoadBalancer unless exposure is clusterIp: it goes before its controller.
                const lbc = one(plan(), RELEASE, "load-balancer-controller");
                assert.equal(deps.has(lbc.urn), t === KB && plan().config.exposure !== "clusterIp", `${t} and the load balancer controller`);
                // Both select the stateful pool, so they wait for Karpenter's releases too.
                for (const other of ofType(plan(), RELEASE).filter((o) => o.urn !== rel.urn && o.urn !== lbc.urn && !isKarpenterRelease(o)))
                    assert.ok(!deps.has(other.urn), `${t} waits for ${other.name}`);
            }
            // ECK rolls Kibana out once its Elasticsearch association is set up: Kibana after ES, never the reverse.
            const es = mine(plan()).find((c) => c.type === ES)!;
            const kb = mine(plan()).find((c) => c.type === KB)!;
            assert.ok(kb.dependencies.includes(es.urn), "Kibana waits for Elasticsearch");
            assert.ok(!transitiveDeps(plan(), es.urn).has(kb.urn), "Elasticsearch does not wait for Kibana");
            const deps = transitiveDeps(plan(), rel.urn);
            // The operator runs on the system group: it waits for no other release, Karpenter's included.
            for (const other of ofType(plan(), RELEASE).filter((o) => o.urn !== rel.urn)) assert.ok(!deps.has(other.urn), `ECK waits for ${other.name}`);
        });

        it("publishes addresses and how to read the password, never the password", () => {
            const out = plan().plan.outputs;
            assert.equal(out.elasticsearchUrl, ES_URL);
            assert.equal(out.kibanaUrl, KIBANA_URL);
            assert.equal(out.kibanaPortForward, "kubectl -n elastic port-forward svc/bdok-kb-http 5601:5601");
            assert.match(String(out.elasticPasswordCommand), /get secret bdok-es-elastic-user/);
            assert.equal(mine(plan()).filter((c) => c.type === "kubernetes:core/v1:Secret").length, 0, "the password stays in ECK's Secret");
        });
    },
);

// Issue 20: the operator was bound cluster-wide to read and write Secrets in every namespace
// (createClusterScopedResources defaults to true). Rendered from the real chart with our values.
describe("ECK operator RBAC, as the pinned chart renders it", () => {
    it("grants Secrets only in the managed namespace: no ClusterRole, a Role and RoleBinding in elastic", () => {
        const objs = parseManifest(
            helmTemplate("eck", { releaseName: ECK_RELEASE, namespace: "elastic", values: operatorValues(), kubeVersion: apps.kubernetes }),
        );
        const cluster = objs.filter((o) => o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding").map((o) => `${o.kind}/${o.metadata.name}`);
        assert.deepEqual(cluster, []);
        const roles = objs.filter((o) => o.kind === "Role");
        const withSecrets = roles.filter((r: any) => (r.rules ?? []).some((x: any) => (x.resources ?? []).includes("secrets")));
        assert.ok(withSecrets.length > 0, "the operator still manages its Secrets");
        for (const r of withSecrets) assert.equal(r.metadata.namespace, "elastic", `Role ${r.metadata.name}`);
        assert.ok(!objs.some((o) => /WebhookConfiguration$/.test(o.kind)), "no cluster-wide webhook");
    });
});
