// The Elasticsearch sink and the Kibana data-view Job log in as their own file-realm users with
// roles limited to what each does, not as `elastic`. Checked as ECK reads the Secrets (pkg/controller/elasticsearch/user/user_provided.go)
// and as Elasticsearch maps the sink's requests to privileges.
import { strict as assert } from "assert";
import * as YAML from "yaml";
import { ES_ELASTIC_USER_SECRET, ES_SINK, KIBANA_DATA_VIEW_USER } from "../../platform/elastic/values";
import { ES_EXPORTER_USER } from "../../platform/observability/exporter";
import { CONNECTORS, DATA_VIEW } from "./values";
import type { Captured, PlanRun } from "../../tools/harness";
import { mockRandomStateOf } from "../../tools/mocks";
import { validateCustomResource } from "../../tools/schemas";
import { inputsOf, ofType, planWith, transitiveDeps, describeEachStack } from "../../test/support";
import { readPipelineFile } from "../files";
import { FILES } from "./values";

const ES = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";
const SECRET = "kubernetes:core/v1:Secret";
const secretNamed = (run: PlanRun, name: string): Captured => {
    const found = ofType(run, SECRET).filter((s) => inputsOf(s).metadata.name === name);
    assert.equal(found.length, 1, name);
    return found[0];
};

/**
 * The requests kafka-connect-elasticsearch makes, as Elasticsearch actions, and the named
 * privileges that grant each (Elasticsearch security privileges reference).
 */
const SINK_ACTIONS: Array<{ what: string; cluster?: string; index?: string; grantedBy: string[] }> = [
    { what: "GET / (version check)", cluster: "cluster:monitor/main", grantedBy: ["monitor", "manage", "all"] },
    { what: "HEAD /<index>", index: "indices:admin/get", grantedBy: ["view_index_metadata", "manage", "all"] },
    { what: "PUT /<index>", index: "indices:admin/create", grantedBy: ["create_index", "manage", "all"] },
    { what: "GET /<index>/_mapping", index: "indices:admin/mappings/get", grantedBy: ["view_index_metadata", "manage", "all"] },
    // Not `write`: it covers an explicit mapping put only through 8.x's deprecated compatibility path.
    { what: "PUT /<index>/_mapping", index: "indices:admin/mapping/put", grantedBy: ["indices:admin/mapping/put", "manage", "all"] },
    { what: "POST /_bulk (index)", index: "indices:data/write/bulk", grantedBy: ["write", "index", "create", "create_doc", "all"] },
];

/**
 * The calls kibana_data_view.py makes, and what Kibana 8.19 / Elasticsearch require for each:
 * - POST /api/data_views/data_view: API privilege `indexPatterns:manage`
 *   (data_views server/rest_api_routes/public/create_data_view.ts, security.authz.requiredPrivileges),
 *   held only by feature `indexPatterns` at `all` (x-pack/platform/plugins/shared/features/server/oss_features.ts,
 *   "Data View Management": all.api ['indexPatterns:manage'], all.savedObject.all ['index-pattern']);
 * - GET /api/data_views/data_view/{id}: the saved-objects client's read of `index-pattern`
 *   (get_data_view.ts: authz disabled, "Authorization provided by saved objects client"), held by
 *   `indexPatterns` at read or all;
 * - both answer with the fields (toSpec fieldName ['*']) read as the user: field capabilities,
 *   granted by view_index_metadata, read, manage or all (Elasticsearch security privileges).
 * A feature privilege is the Elasticsearch application privilege `feature_<id>.<privilege>` of
 * application `kibana-.kibana` (Kibana security plugin privilege_serializer.ts, common/constants.ts).
 */
const KIBANA_CALLS: Array<{ method: string; path: RegExp; feature?: string[]; index?: string[] }> = [
    {
        method: "GET",
        path: /^\/api\/data_views\/data_view\/[^/]+$/,
        feature: ["feature_indexPatterns.read", "feature_indexPatterns.all", "all"],
        index: ["view_index_metadata", "read", "manage", "all"],
    },
    {
        method: "POST",
        path: /^\/api\/data_views\/data_view$/,
        feature: ["feature_indexPatterns.all", "all"],
        index: ["view_index_metadata", "read", "manage", "all"],
    },
];

function indexPrivileges(role: any, index: string): string[] {
    return (role.indices ?? [])
        .filter((i: any) => i.names.some((n: string) => n === index || (n.endsWith("*") && index.startsWith(n.slice(0, -1)))))
        .flatMap((i: any) => i.privileges);
}

describeEachStack(
    (stack) => `Elasticsearch sink login on stack ${stack}`,
    (plan) => {
        it("the Elasticsearch resource loads the sink's user and role into the file realm", () => {
            const es = inputsOf(ofType(plan(), ES)[0]);
            assert.deepEqual(validateCustomResource(es), []);
            // The sink's Secrets, beside the Elasticsearch exporter's (platform/observability/exporter.ts).
            assert.deepEqual(es.spec.auth, {
                fileRealm: [{ secretName: ES_SINK.userSecret }, { secretName: KIBANA_DATA_VIEW_USER.userSecret }, { secretName: ES_EXPORTER_USER.userSecret }],
                roles: [{ secretName: ES_SINK.rolesSecret }, { secretName: KIBANA_DATA_VIEW_USER.rolesSecret }, { secretName: ES_EXPORTER_USER.rolesSecret }],
            });
            for (const name of [ES_SINK.userSecret, ES_SINK.rolesSecret, KIBANA_DATA_VIEW_USER.userSecret, KIBANA_DATA_VIEW_USER.rolesSecret])
                assert.equal(inputsOf(secretNamed(plan(), name)).metadata.namespace, es.metadata.namespace);
        });

        // Each login's Secret is what ECK turns into one user with its own role: both basic-auth keys
        // present → one user; `roles` split on commas (user_provided.go).
        const LOGINS = [
            { what: "the sink", login: ES_SINK, password: "realtime-pipeline-es-sink" },
            { what: "the Kibana data-view Job", login: KIBANA_DATA_VIEW_USER, password: "realtime-pipeline-kibana-data-view" },
        ];
        for (const { what, login, password } of LOGINS)
            it(`${what}: the user Secret is what ECK turns into one user with its role`, () => {
                const s = secretNamed(plan(), login.userSecret);
                const i = inputsOf(s);
                assert.equal(i.type, "kubernetes.io/basic-auth");
                assert.deepEqual(
                    ["password", "username"].filter((k) => k in i.stringData),
                    ["password", "username"],
                );
                assert.equal(i.stringData.username, login.user);
                assert.deepEqual(i.stringData.roles.split(","), [login.role]);
                const pw = ofType(plan(), "random:index/randomPassword:RandomPassword").find((p) => p.name === password)!;
                assert.equal(i.stringData.password, mockRandomStateOf(pw).result);
                assert.equal(s.inputs.stringData, "[secret]", "masked in the plan");
            });

        it("the role may do what the sink does on its index, and nothing on any other index", () => {
            const roles = YAML.parse(inputsOf(secretNamed(plan(), ES_SINK.rolesSecret)).stringData["roles.yml"]);
            assert.deepEqual(Object.keys(roles), [ES_SINK.role]);
            const role = roles[ES_SINK.role];
            const sink = inputsOf(ofType(plan(), "kubernetes:kafka.strimzi.io/v1:KafkaConnector").find((c) => inputsOf(c).metadata.name === CONNECTORS.sink)!);
            // The connector writes to an index named after its topic.
            const index = sink.spec.config.topics;
            assert.equal(index, DATA_VIEW.id);
            for (const a of SINK_ACTIONS) {
                const held = a.cluster ? role.cluster : indexPrivileges(role, index);
                assert.ok(
                    held.some((p: string) => a.grantedBy.includes(p)),
                    `${a.what} (${a.cluster ?? a.index})`,
                );
            }
            for (const other of [".kibana", ".security-7", "customers", "other-index"]) assert.deepEqual(indexPrivileges(role, other), [], other);
            assert.deepEqual(role.cluster, ["monitor"], "no cluster privilege beyond the version check");
            assert.ok(!indexPrivileges(role, index).some((p: string) => ["all", "manage", "delete_index", "read"].includes(p)));
            assert.equal(role.run_as, undefined);
        });

        it("the sink connector uses that login, never the elastic superuser", () => {
            const sink = ofType(plan(), "kubernetes:kafka.strimzi.io/v1:KafkaConnector").find((c) => inputsOf(c).metadata.name === CONNECTORS.sink)!;
            const config = inputsOf(sink).spec.config;
            assert.equal(config["connection.username"], `\${secrets:elastic/${ES_SINK.userSecret}:username}`);
            assert.equal(config["connection.password"], `\${secrets:elastic/${ES_SINK.userSecret}:password}`);
            assert.ok(!JSON.stringify(config).includes(ES_ELASTIC_USER_SECRET) && !/"elastic"/.test(JSON.stringify(config)));
            const deps = transitiveDeps(plan(), sink.urn);
            for (const name of [ES_SINK.userSecret, ES_SINK.rolesSecret]) assert.ok(deps.has(secretNamed(plan(), name).urn), `waits for ${name}`);
        });

        it("the Kibana Job's role may make the Job's Kibana calls, and nothing else", () => {
            // The calls, read from the script the Job runs (its API path and methods).
            const py = readPipelineFile(FILES.kibana);
            const apiPath = /^API_PATH = "([^"]+)"/m.exec(py)![1];
            const calls = [...py.matchAll(/send\("(GET|POST)", (?:f?"([^"]+)"|(API_PATH))/g)].map((m) => ({
                method: m[1],
                path: (m[2] ?? m[3]).replace(/\{?API_PATH\}?/, apiPath).replace("{view_id}", DATA_VIEW.id),
            }));
            assert.deepEqual(
                calls.map((c) => c.method),
                ["GET", "POST"],
            );
            const roles = YAML.parse(inputsOf(secretNamed(plan(), KIBANA_DATA_VIEW_USER.rolesSecret)).stringData["roles.yml"]);
            assert.deepEqual(Object.keys(roles), [KIBANA_DATA_VIEW_USER.role]);
            const role = roles[KIBANA_DATA_VIEW_USER.role];
            const apps: any[] = role.applications ?? [];
            for (const call of calls) {
                const need = KIBANA_CALLS.find((k) => k.method === call.method && k.path.test(call.path));
                assert.ok(need, `${call.method} ${call.path} is modelled`);
                const held = apps
                    .filter((a) => a.application === "kibana-.kibana" && a.resources.some((r: string) => r === "space:default" || r === "*"))
                    .flatMap((a) => a.privileges);
                assert.ok(
                    held.some((p: string) => need!.feature!.includes(p)),
                    `${call.method} ${call.path}: Kibana privilege`,
                );
                assert.ok(
                    indexPrivileges(role, DATA_VIEW.id).some((p: string) => need!.index!.includes(p)),
                    `${call.method} ${call.path}: fields`,
                );
            }
            // Nothing beyond: no cluster privilege, no other index, no other Kibana feature or space, no run_as.
            assert.deepEqual(role.cluster ?? [], []);
            for (const other of [".kibana", ".security-7", "customers", "other-index"]) assert.deepEqual(indexPrivileges(role, other), [], other);
            assert.deepEqual(indexPrivileges(role, DATA_VIEW.id), ["view_index_metadata"]);
            assert.deepEqual(apps, [{ application: "kibana-.kibana", privileges: ["feature_indexPatterns.all"], resources: ["space:default"] }]);
            assert.equal(role.run_as, undefined);
        });
    },
);

describe("Elasticsearch without the realtime pipeline", () => {
    it("loads no extra user or role (the Elasticsearch exporter's only)", async () => {
        const run = await planWith("dev", { "bdok:pipelines": { batch: true, realtime: false } });
        assert.deepEqual(inputsOf(ofType(run, ES)[0]).spec.auth, {
            fileRealm: [{ secretName: ES_EXPORTER_USER.userSecret }],
            roles: [{ secretName: ES_EXPORTER_USER.rolesSecret }],
        });
        const pipelineSecrets: string[] = [ES_SINK.userSecret, ES_SINK.rolesSecret, KIBANA_DATA_VIEW_USER.userSecret, KIBANA_DATA_VIEW_USER.rolesSecret];
        assert.equal(ofType(run, SECRET).filter((s) => pipelineSecrets.includes(inputsOf(s).metadata.name)).length, 0);
    });
});
