// Boundary tables for the Kubernetes rules' predicates (issue 21: the mutation survivors of
// policy/kubernetes.ts). Each row is an input a user writes and what the rule must say about it;
// the expectations come from upstream (cited per table), not from the rule's own constants.
import { strict as assert } from "assert";
import {
    isReferenceValue,
    literalCredentials,
    loadBalancerServices,
    openEgressRules,
    privilegedPodSettings,
    restrictedPodViolations,
    sourceRangesOf,
    trinoAuthProblem,
    weakPostgresTls,
} from "../policy/kubernetes";
import {
    Statement,
    adminWildcardStatements,
    escalationGrants,
    iamPattern,
    iamWildcardActions,
    isBroadIamResource,
    parsePolicyDocument,
    publicPrincipalStatements,
} from "../policy/iam";
import { missingLogTypes, publicEndpointProblem } from "../policy/eks";
import { imageProblem, imageReferences } from "../policy/images";
import { listenerProblem } from "../policy/kafka";
import { forceSslProblem } from "../policy/rds";
import { cidrRange, coversInternet, isHttpsOnly, prefixLength, publicAddresses, publicCidrs } from "../policy/network";
import { UNKNOWN } from "../policy/props";
import { attachedToBucket, hasValidSse, isTlsOnlyPolicy, publicAccessGaps, s3Coverage, versioningEnabled } from "../policy/s3";
import { runPolicies } from "../tools/policy-run";
import { res } from "./fixtures/policy-cases/builders";

const paths = (root: unknown) =>
    literalCredentials(root)
        .map((h) => h.path)
        .sort();

describe("policy boundaries: references vs literals (policy/kubernetes.ts)", () => {
    // A reference is the whole value: Kafka's config providers `${provider:path:key}` (KIP-297),
    // Kubernetes' `$(VAR)` expansion (core/v1 EnvVar.value doc), a Helm template, a mounted file.
    // Text around a reference makes the value a literal again.
    const ROWS: [string, boolean][] = [
        ["${secrets:ns/pg:password}", true],
        ["x${secrets:ns/pg:password}", false],
        ["${secrets:ns/pg:password}x", false],
        ["${}", false],
        ["$(PGPASSWORD)", true],
        ["x$(PGPASSWORD)", false],
        ["$(PGPASSWORD)x", false],
        ["$(1PG)", false],
        ["{{ .Values.pw }}", true],
        ["x{{ .Values.pw }}", false],
        ["{{ .Values.pw }}x", false],
        ["/etc/secrets/pw", true],
        ["x/etc/secrets/pw", false],
        ["/etc/secrets/pw x", false],
        ["  /etc/secrets/pw  ", true],
    ];
    for (const [v, ref] of ROWS) it(`${JSON.stringify(v)} is ${ref ? "a reference" : "a literal"}`, () => assert.equal(isReferenceValue(v), ref));
});

describe("policy boundaries: literal credentials in strings (policy/kubernetes.ts)", () => {
    // [what, root, flagged paths]
    const ROWS: [string, unknown, string[]][] = [
        // RFC 3986 userinfo: scheme "://" user ":" password "@"
        ["a URI with user:password", { spec: { url: "postgresql://app:hunter2@db:5432/x" } }, ["spec.url"]],
        ["a JDBC URI with user:password", { spec: { url: "jdbc:postgresql://app:hunter2@db/x" } }, ["spec.url"]],
        ["a URI with a user only", { spec: { url: "postgresql://app@db:5432/x" } }, []],
        ["a URI whose password is a config provider", { spec: { url: "postgresql://app:${secrets:ns/pg:password}@db/x" } }, []],
        ["a URI whose password is a $(VAR) expansion", { spec: { url: "postgresql://app:$(PGPASSWORD)@db/x" } }, []],
        ["a URI whose scheme starts with a digit", { spec: { note: "9x://app:hunter2@db" } }, ["spec.note"]],
        // pgjdbc / libpq query parameters
        ["a JDBC URL with a password parameter", { spec: { url: "jdbc:postgresql://db/x?user=app&password=hunter2" } }, ["spec.url"]],
        ["a URL with a password parameter after ;", { spec: { url: "jdbc:sqlserver://db;password=hunter2" } }, ["spec.url"]],
        ["a URL whose password parameter is a shell variable", { spec: { url: "postgresql://db/x?password=$PGPASSWORD" } }, []],
        ["a URL whose password parameter is ${VAR}", { spec: { url: "postgresql://db/x?password=${PGPASSWORD}" } }, []],
        ["a URL whose password parameter only starts with a variable", { spec: { url: "postgresql://db/x?password=$PW.x" } }, ["spec.url"]],
        ["a URL whose password parameter only ends with a variable", { spec: { url: "postgresql://db/x?password=x$PW" } }, ["spec.url"]],
        ["a URL whose password parameter is a config provider", { spec: { url: "jdbc:postgresql://db/x?password=${env:PG}" } }, []],
        ["a URL with no credential parameter", { spec: { url: "jdbc:postgresql://db/x?sslmode=verify-full&user=app" } }, []],
        ["a query string that is no URL", { spec: { note: "?password=hunter2" } }, []],
        // Java properties (key=value, key: value in multi-line text)
        ["a properties line", { data: { "catalog.properties": "s3.aws-secret-key=abc123" } }, ["data.catalog.properties"]],
        ["a properties line with spaces", { data: { "catalog.properties": "  s3.aws-secret-key  =  abc123  " } }, ["data.catalog.properties"]],
        ["a quoted properties value", { data: { "catalog.properties": "password='abc123'" } }, ["data.catalog.properties"]],
        ["a colon line in multi-line text", { data: { "app.conf": "user: app\npassword: abc123" } }, ["data.app.conf"]],
        ["a colon in one-line text is no setting", { data: { note: "password: hunter2" } }, []],
        ["a colon line with a blank before the colon", { data: { "app.conf": "user: app\npassword : abc123" } }, ["data.app.conf"]],
        ["a colon line with no blank after the colon", { data: { "app.conf": "user: app\npassword:abc123" } }, ["data.app.conf"]],
        ["a properties line with a reference", { data: { "catalog.properties": "password=${secrets:ns/pg:password}" } }, []],
        ["a properties line with an expression", { data: { "catalog.properties": "password=f(x)" } }, []],
        ["a properties line with an empty value", { data: { "catalog.properties": "password=" } }, []],
        ["a properties line of a harmless key", { data: { "catalog.properties": "user=app\nhost=db" } }, []],
        ["program source assigns, it sets nothing", { data: { "job.py": "password = os.environ['PW']\ntoken=abc" } }, []],
        ["program source of another language", { data: { "run.sh": "PGPASSWORD=abc psql" } }, []],
        // command lines (one string)
        ["NAME=value on a command line", { spec: { cmd: "env PGPASSWORD=hunter2 psql" } }, ["spec.cmd"]],
        ["--name=value on a command line", { spec: { cmd: "run --password=hunter2 --verbose" } }, ["spec.cmd"]],
        ["--name value on a command line", { spec: { cmd: "run --password hunter2" } }, ["spec.cmd"]],
        ["--name value with two blanks between", { spec: { cmd: "run --password  hunter2" } }, ["spec.cmd"]],
        ["--name followed by a flag", { spec: { cmd: "run --password --verbose" } }, []],
        ["--name as the last word", { spec: { cmd: "run --password" } }, []],
        ["--name value where the value is a shell variable", { spec: { cmd: "run --password $PW" } }, []],
        ["a flag naming an env var", { spec: { cmd: "run --password-from-env password=PW" } }, []],
        ["one word NAME=value is a setting", { spec: { cmd: "PGPASSWORD=hunter2" } }, ["spec.cmd"]],
        // lists of arguments
        ["a list: --password then a value", { spec: { args: ["run", "--password", "hunter2"] } }, ["spec.args"]],
        // One credential, one finding: the element that holds it (a user fixes one place, sees one line).
        ["a list: --password=value", { spec: { args: ["run", "--password=hunter2"] } }, ["spec.args[1]"]],
        ["a container's args: --password=value", { spec: { containers: [{ name: "c", args: ["--password=hunter2"] }] } }, ["spec.containers[0].args[0]"]],
        ["a list: NAME=value", { spec: { command: ["env", "PGPASSWORD=hunter2", "psql"] } }, ["spec.command[1]"]],
        ["a list: --name=value and a --name value pair", { spec: { args: ["--token=t0k", "--password", "hunter2"] } }, ["spec.args", "spec.args[0]"]],
        ["a list: padded words", { spec: { args: ["run", " --password ", " hunter2 "] } }, ["spec.args"]],
        ["a list: a reference flag before", { spec: { args: ["--from-file", "password=hunter2"] } }, []],
        ["a list: a padded reference flag before", { spec: { args: [" --from-file ", "password=hunter2"] } }, []],
        ["a nested list", { spec: { args: [["x", ["password=hunter2"]]] } }, ["spec.args[0][1][0]"]],
        // keys and env
        ["a credential key", { spec: { password: "hunter2" } }, ["spec.password"]],
        ["a credential key beside a Secret pointer", { spec: { password: "pw-key", secretName: "pg" } }, []],
        ["an env entry", { spec: { env: [{ name: "API_TOKEN", value: "t0k" }] } }, ["spec.env[0].value"]],
        ["an env entry with a reference", { spec: { env: [{ name: "API_TOKEN", value: "$(TOKEN)" }] } }, []],
        ["an env entry of a harmless name", { spec: { env: [{ name: "USER", value: "app" }] } }, []],
        ["an env entry whose name is no string", { spec: { env: [{ name: 5, value: "app" }] } }, []],
    ];
    for (const [what, root, want] of ROWS) it(what, () => assert.deepEqual(paths(root), want));

    it("names each place once, with the reason a user can act on", () => {
        const hits = literalCredentials({ spec: { password: "postgresql://a:b@h/x?password=c" } });
        assert.equal(hits.length, 1);
        assert.match(hits[0].why, /password/);
        const uri = literalCredentials({ spec: { url: "postgresql://app:pw@db/x" } });
        assert.match(uri[0].why, /URI/);
        const param = literalCredentials({ spec: { url: "jdbc:postgresql://db/x?password=pw" } });
        assert.match(param[0].why, /"password"/);
        const setting = literalCredentials({ data: { "c.properties": "s3.aws-secret-key=pw" } });
        assert.match(setting[0].why, /"s3\.aws-secret-key"/);
        const word = literalCredentials({ spec: { cmd: "x PGPASSWORD=pw" } });
        assert.match(word[0].why, /"PGPASSWORD="/);
        const flag = literalCredentials({ spec: { cmd: "x --token pw" } });
        assert.match(flag[0].why, /"--token"/);
        const key = literalCredentials({ spec: { apiKey: "pw" } });
        assert.match(key[0].why, /"apiKey"/);
        const env = literalCredentials({ spec: { env: [{ name: "PGPASSWORD", value: "pw" }] } });
        assert.match(env[0].why, /"PGPASSWORD"/);
    });
});

describe("policy boundaries: load balancer scheme (policy/kubernetes.ts)", () => {
    const A = "service.beta.kubernetes.io/";
    // AWS Load Balancer Controller, "Service annotations": aws-load-balancer-type external with
    // aws-load-balancer-nlb-target-type ip|instance, or spec.loadBalancerClass service.k8s.aws/nlb,
    // hands the Service to the controller; aws-load-balancer-scheme internal|internet-facing.
    // In-tree cloud-provider-aws: aws-load-balancer-internal "true" (or a CIDR) makes it internal.
    type Want = { internetFacing: boolean; internal: boolean; byController: boolean };
    const ROWS: [string, Record<string, unknown>, Want][] = [
        ["no annotation", {}, { internetFacing: false, internal: false, byController: false }],
        [
            "external + ip",
            { [`${A}aws-load-balancer-type`]: "external", [`${A}aws-load-balancer-nlb-target-type`]: "ip" },
            { internetFacing: false, internal: false, byController: true },
        ],
        [
            "External + Instance",
            { [`${A}aws-load-balancer-type`]: "External", [`${A}aws-load-balancer-nlb-target-type`]: "Instance" },
            { internetFacing: false, internal: false, byController: true },
        ],
        ["external, no target type", { [`${A}aws-load-balancer-type`]: "external" }, { internetFacing: false, internal: false, byController: false }],
        ["target type only", { [`${A}aws-load-balancer-nlb-target-type`]: "ip" }, { internetFacing: false, internal: false, byController: false }],
        [
            "nlb (in-tree) + ip",
            { [`${A}aws-load-balancer-type`]: "nlb", [`${A}aws-load-balancer-nlb-target-type`]: "ip" },
            { internetFacing: false, internal: false, byController: false },
        ],
        [
            "external + an unknown target type",
            { [`${A}aws-load-balancer-type`]: "external", [`${A}aws-load-balancer-nlb-target-type`]: "alb" },
            { internetFacing: false, internal: false, byController: false },
        ],
        [
            "type suffix of another key",
            { [`${A}aws-load-balancer-type-x`]: "external", [`${A}aws-load-balancer-nlb-target-type`]: "ip" },
            { internetFacing: false, internal: false, byController: false },
        ],
        [
            "target-type suffix of another key",
            { [`${A}aws-load-balancer-type`]: "external", [`${A}aws-load-balancer-nlb-target-type-x`]: "ip" },
            { internetFacing: false, internal: false, byController: false },
        ],
        ["loadBalancerClass nlb", { loadBalancerClass: "service.k8s.aws/nlb" }, { internetFacing: false, internal: false, byController: true }],
        ["another loadBalancerClass", { loadBalancerClass: "example.com/lb" }, { internetFacing: false, internal: false, byController: false }],
        ["a class value under another key", { className: "service.k8s.aws/nlb" }, { internetFacing: false, internal: false, byController: false }],
        ["scheme internal", { [`${A}aws-load-balancer-scheme`]: "internal" }, { internetFacing: false, internal: true, byController: false }],
        ["scheme Internet-Facing", { [`${A}aws-load-balancer-scheme`]: "Internet-Facing" }, { internetFacing: true, internal: false, byController: false }],
        ["scheme suffix of another key", { [`${A}aws-load-balancer-scheme-x`]: "internal" }, { internetFacing: false, internal: false, byController: false }],
        ["ECK/values scheme key", { scheme: "internet-facing" }, { internetFacing: true, internal: false, byController: false }],
        ["internal true", { [`${A}aws-load-balancer-internal`]: "true" }, { internetFacing: false, internal: true, byController: false }],
        ["internal true (boolean)", { [`${A}aws-load-balancer-internal`]: true }, { internetFacing: false, internal: true, byController: false }],
        ["internal 0.0.0.0/0", { [`${A}aws-load-balancer-internal`]: "0.0.0.0/0" }, { internetFacing: false, internal: true, byController: false }],
        ["internal false", { [`${A}aws-load-balancer-internal`]: "false" }, { internetFacing: true, internal: false, byController: false }],
        ["internal false (boolean)", { [`${A}aws-load-balancer-internal`]: false }, { internetFacing: true, internal: false, byController: false }],
        ["internal suffix of another key", { [`${A}aws-load-balancer-internal-x`]: "true" }, { internetFacing: false, internal: false, byController: false }],
        ["internal with another value", { [`${A}aws-load-balancer-internal`]: "maybe" }, { internetFacing: false, internal: false, byController: false }],
    ];
    for (const [what, annotations, want] of ROWS)
        it(what, () => {
            const [hit] = loadBalancerServices({ svc: { type: "LoadBalancer", annotations } });
            assert.deepEqual({ internetFacing: hit.internetFacing, internal: hit.internal, byController: hit.byController }, want);
        });

    it("reads the scheme beside the type and one level above it; finds serviceType and every case of LoadBalancer", () => {
        const hits = loadBalancerServices({ a: { annotations: { [`${A}aws-load-balancer-scheme`]: "internal" }, service: { type: "loadbalancer" } } });
        assert.deepEqual(
            hits.map((h) => [h.path, h.internal]),
            [["a.service.type", true]],
        );
        const above = loadBalancerServices({ a: { annotations: { [`${A}aws-load-balancer-scheme`]: "internet-facing" }, service: { type: "LoadBalancer" } } });
        assert.equal(above[0].internetFacing, true);
        const others = loadBalancerServices({ b: { serviceType: "LoadBalancer" }, c: { type: "NodePort" }, d: { type: 3 } });
        assert.deepEqual(
            others.map((h) => [h.path, h.internal]),
            [["b.serviceType", false]],
        );
    });

    // A Helm values block or a Strimzi listener list declares several Services side by side: each
    // Service's annotations are its own (core/v1 ObjectMeta.annotations belong to one object), so a
    // sibling's scheme or controller annotations say nothing about this one.
    const internal = { [`${A}aws-load-balancer-scheme`]: "internal" };
    const controller = { [`${A}aws-load-balancer-type`]: "external", [`${A}aws-load-balancer-nlb-target-type`]: "ip" };
    const SIBLINGS: [string, unknown, [string, boolean, boolean][]][] = [
        [
            "two services in one values block, the second internal",
            { service: { type: "LoadBalancer" }, internalService: { type: "LoadBalancer", annotations: internal } },
            [
                ["service.type", false, false],
                ["internalService.type", true, false],
            ],
        ],
        [
            "a sibling handed to the controller",
            { web: { type: "LoadBalancer" }, api: { type: "LoadBalancer", annotations: controller } },
            [
                ["web.type", false, false],
                ["api.type", false, true],
            ],
        ],
        [
            "Strimzi listeners, one with an internal bootstrap annotation",
            {
                listeners: [
                    { name: "ext", type: "loadbalancer" },
                    { name: "int", type: "loadbalancer", configuration: { bootstrap: { annotations: internal } } },
                ],
            },
            [
                ["listeners[0].type", false, false],
                ["listeners[1].type", true, false],
            ],
        ],
        [
            "a ClusterIP sibling's annotations",
            { service: { type: "LoadBalancer" }, headless: { type: "ClusterIP", annotations: internal } },
            [["service.type", false, false]],
        ],
        [
            "a sibling that declares its serviceType (Helm values)",
            { service: { type: "LoadBalancer" }, admin: { serviceType: "ClusterIP", annotations: internal } },
            [["service.type", false, false]],
        ],
        [
            "the annotations above the type still count",
            { metadata: { annotations: { ...internal, ...controller } }, spec: { type: "LoadBalancer" } },
            [["spec.type", true, true]],
        ],
    ];
    for (const [what, root, want] of SIBLINGS)
        it(`siblings: ${what}`, () =>
            assert.deepEqual(
                loadBalancerServices(root).map((h) => [h.path, h.internal, h.byController]),
                want,
            ));

    // ALB controller "Service annotations": load-balancer-source-ranges is read when
    // spec.loadBalancerSourceRanges is empty; Strimzi: configuration.loadBalancerSourceRanges.
    const RANGES: [string, unknown, unknown, string[] | undefined][] = [
        ["spec field", { loadBalancerSourceRanges: ["10.0.0.0/8"] }, {}, ["10.0.0.0/8"]],
        ["Strimzi configuration", { configuration: { loadBalancerSourceRanges: ["10.0.0.0/8"] } }, {}, ["10.0.0.0/8"]],
        ["Strimzi configuration, non-strings dropped", { configuration: { loadBalancerSourceRanges: [1, "10.0.0.0/8"] } }, {}, ["10.0.0.0/8"]],
        [
            "annotation, comma-separated with blanks",
            { annotations: { "service.beta.kubernetes.io/load-balancer-source-ranges": " 10.0.0.0/8 , ,192.168.0.0/16" } },
            {},
            ["10.0.0.0/8", "192.168.0.0/16"],
        ],
        ["metadata annotation", { metadata: { annotations: { "service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8" } } }, {}, ["10.0.0.0/8"]],
        ["blank annotation", { annotations: { "service.beta.kubernetes.io/load-balancer-source-ranges": "  " } }, {}, undefined],
        ["in the parent", {}, { loadBalancerSourceRanges: ["10.0.0.0/8"] }, ["10.0.0.0/8"]],
        ["non-strings dropped", { loadBalancerSourceRanges: [1, "10.0.0.0/8"] }, {}, ["10.0.0.0/8"]],
        ["none", {}, {}, undefined],
    ];
    for (const [what, holder, parent, want] of RANGES) it(`source ranges: ${what}`, () => assert.deepEqual(sourceRangesOf(holder, parent), want));

    it("k8s-loadbalancer-source-ranges names the Service's own spec.type, and says whether ranges are missing or too wide", async () => {
        const svc = (ranges?: string[]) =>
            res("kubernetes:core/v1:Service", "web", { spec: { type: "LoadBalancer", ...(ranges ? { loadBalancerSourceRanges: ranges } : {}) } });
        const cfg = { stack: "prod", isProd: true, exposure: "publicLoadBalancer" as const };
        const msg = async (r: ReturnType<typeof svc>) =>
            (await runPolicies([r], cfg)).violations.filter((v) => v.policy === "k8s-loadbalancer-source-ranges").map((v) => v.message);
        const none = await msg(svc());
        assert.equal(none.length, 1);
        assert.match(none[0], /spec\.type is LoadBalancer with no loadBalancerSourceRanges/);
        const open = await msg(svc(["0.0.0.0/0", "10.0.0.0/8"]));
        assert.equal(open.length, 1);
        assert.match(open[0], /open to 0\.0\.0\.0\/0, 10\.0\.0\.0\/8,/);
        assert.deepEqual(await msg(svc(["10.0.0.0/8"])), []);
        assert.deepEqual(await msg(res("kubernetes:core/v1:ConfigMap", "cm", { data: { type: "LoadBalancer" } })), []);
    });
});

describe("policy boundaries: pod security (policy/kubernetes.ts)", () => {
    // Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards), Baseline:
    // privileged, hostNetwork/hostPID/hostIPC, hostPath volumes, hostPort (0 = not set), capabilities
    // beyond the listed set (with or without the CAP_ prefix).
    const BASELINE: [string, unknown, string[]][] = [
        ["privileged true", { c: { securityContext: { privileged: true } } }, ["c.securityContext.privileged"]],
        ['privileged "true"', { c: { securityContext: { privileged: "true" } } }, ["c.securityContext.privileged"]],
        ["privileged false", { c: { securityContext: { privileged: false } } }, []],
        ["hostNetwork", { s: { hostNetwork: true } }, ["s.hostNetwork"]],
        ["hostPID", { s: { hostPID: true } }, ["s.hostPID"]],
        ['hostIPC "true"', { s: { hostIPC: "true" } }, ["s.hostIPC"]],
        ["hostNetwork false", { s: { hostNetwork: false } }, []],
        ["hostPath volume", { v: { hostPath: { path: "/var" } } }, ["v.hostPath"]],
        ["hostPath false", { v: { hostPath: false } }, []],
        ["hostPath null", { v: { hostPath: null } }, []],
        ["hostPort 1", { p: { hostPort: 1 } }, ["p.hostPort"]],
        ['hostPort "8080"', { p: { hostPort: "8080" } }, ["p.hostPort"]],
        ["hostPort 0", { p: { hostPort: 0 } }, []],
        ['hostPort "0"', { p: { hostPort: "0" } }, []],
        ['hostPort "x1"', { p: { hostPort: "x1" } }, []],
        ['hostPort "1x"', { p: { hostPort: "1x" } }, []],
        ["capability NET_ADMIN", { c: { capabilities: { add: ["NET_ADMIN"] } } }, ["c.capabilities.add"]],
        ["capability CAP_SYS_ADMIN", { c: { capabilities: { add: ["CAP_SYS_ADMIN"] } } }, ["c.capabilities.add"]],
        ["capability cap_chown", { c: { capabilities: { add: ["cap_chown", "kill"] } } }, []],
        ["capability X_CAP_CHOWN", { c: { capabilities: { add: ["X_CAP_CHOWN"] } } }, ["c.capabilities.add"]],
        ["an add list outside capabilities", { c: { features: { add: ["NET_ADMIN"] } } }, []],
        ["a capability that is no string", { c: { capabilities: { add: [5] } } }, []],
        ["hostPath undefined", { v: { hostPath: undefined } }, []],
    ];
    for (const [what, root, want] of BASELINE)
        it(`baseline: ${what}`, () =>
            assert.deepEqual(
                privilegedPodSettings(root)
                    .map((h) => h.path)
                    .sort(),
                want,
            ));

    it("baseline: each hit says what the node gives away", () => {
        const why = (root: unknown) => privilegedPodSettings(root).map((h) => h.why);
        assert.match(why({ privileged: true })[0], /privileged/);
        assert.match(why({ hostPID: true })[0], /hostPID/);
        assert.match(why({ hostPath: {} })[0], /hostPath/);
        assert.match(why({ hostPort: 80 })[0], /hostPort/);
        assert.match(why({ capabilities: { add: ["NET_ADMIN", "CHOWN", "SYS_ADMIN"] } })[0], /capabilities NET_ADMIN, SYS_ADMIN beyond/);
        assert.doesNotMatch(why({ capabilities: { add: ["NET_ADMIN", "CHOWN"] } })[0], /CHOWN/);
    });

    // Restricted: allowPrivilegeEscalation false, runAsNonRoot true, runAsUser != 0, seccomp
    // RuntimeDefault|Localhost, drop ALL, add only NET_BIND_SERVICE; container settings override the pod's.
    const good = { allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" }, capabilities: { drop: ["ALL"] } };
    const RESTRICTED: [string, Record<string, any>, RegExp[]][] = [
        ["a compliant container", { containers: [{ name: "a", securityContext: good }] }, []],
        ["Localhost seccomp", { containers: [{ name: "a", securityContext: { ...good, seccompProfile: { type: "Localhost" } } }] }, []],
        [
            "pod-level runAsNonRoot and seccomp",
            {
                securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                containers: [{ name: "a", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
            },
            [],
        ],
        [
            "escalation allowed",
            { containers: [{ name: "a", securityContext: { ...good, allowPrivilegeEscalation: true } }] },
            [/container a: allowPrivilegeEscalation/],
        ],
        ["runAsUser 0 in the container", { containers: [{ name: "a", securityContext: { ...good, runAsUser: 0 } }] }, [/container a: runAsUser 0/]],
        ["runAsUser 1000", { containers: [{ name: "a", securityContext: { ...good, runAsUser: 1000 } }] }, []],
        [
            "runAsUser 0 in the pod",
            { securityContext: { runAsUser: 0 }, containers: [{ name: "a", securityContext: good }] },
            [/^securityContext\.runAsUser: 0$/],
        ],
        [
            "Unconfined seccomp in the container",
            { containers: [{ name: "a", securityContext: { ...good, seccompProfile: { type: "Unconfined" } } }] },
            [/container a: seccompProfile Unconfined/],
        ],
        [
            "Unconfined seccomp in the pod, overridden",
            { securityContext: { seccompProfile: { type: "Unconfined" } }, containers: [{ name: "a", securityContext: good }] },
            [/^securityContext\.seccompProfile Unconfined$/],
        ],
        [
            "no seccomp anywhere",
            { containers: [{ name: "a", securityContext: { ...good, seccompProfile: undefined } }] },
            [/container a: seccompProfile not set/],
        ],
        ["no drop ALL", { containers: [{ name: "a", securityContext: { ...good, capabilities: {} } }] }, [/container a: capabilities\.drop lacks ALL/]],
        ["add NET_BIND_SERVICE", { containers: [{ name: "a", securityContext: { ...good, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } } }] }, []],
        [
            "add CHOWN",
            { containers: [{ name: "a", securityContext: { ...good, capabilities: { drop: ["ALL"], add: ["CHOWN", "NET_BIND_SERVICE"] } } }] },
            [/container a: capabilities\.add CHOWN$/],
        ],
        [
            "add CHOWN and KILL",
            { containers: [{ name: "a", securityContext: { ...good, capabilities: { drop: ["ALL"], add: ["CHOWN", "KILL"] } } }] },
            [/container a: capabilities\.add CHOWN, KILL$/],
        ],
        [
            "an init container",
            { initContainers: [{ name: "i" }], containers: [{ name: "a", securityContext: good }] },
            [/container i: allowPrivilegeEscalation/, /container i: runAsNonRoot/, /container i: seccompProfile not set/, /container i: capabilities\.drop/],
        ],
        ["an ephemeral container", { ephemeralContainers: [{ name: "e", securityContext: good }] }, []],
        ["a hostPath volume", { volumes: [{ name: "v", hostPath: { path: "/" } }], containers: [] }, [/volume v: hostPath/]],
        [
            "allowed volume types",
            {
                volumes: [
                    { name: "a", emptyDir: {} },
                    { name: "b", secret: {} },
                    { name: "c", projected: {} },
                ],
                containers: [],
            },
            [],
        ],
    ];
    for (const [what, spec, want] of RESTRICTED)
        it(`restricted: ${what}`, () => {
            const got = restrictedPodViolations(spec);
            assert.equal(got.length, want.length, got.join("; "));
            want.forEach((re, i) => assert.match(got[i], re));
        });

    it("k8s-no-privileged-pods looks at workloads, custom resources and Helm values, not ConfigMaps", async () => {
        const priv = { template: { spec: { containers: [{ name: "a", securityContext: { privileged: true } }] } } };
        const fired = async (r: ReturnType<typeof res>) =>
            (await runPolicies([r], { stack: "prod", isProd: true, exposure: "clusterIp" })).violations.filter((v) => v.policy === "k8s-no-privileged-pods")
                .length;
        assert.equal(await fired(res("kubernetes:apps/v1:Deployment", "d", { spec: priv })), 1);
        assert.equal(await fired(res("kubernetes:example.com/v1:Thing", "t", { spec: priv })), 1);
        assert.equal(await fired(res("kubernetes:helm.sh/v3:Release", "h", { values: priv })), 1);
        assert.equal(await fired(res("kubernetes:core/v1:ConfigMap", "c", { data: { privileged: "true" }, spec: priv })), 0);
        assert.equal(await fired(res("aws:s3/bucket:Bucket", "b", { spec: priv })), 0);
    });
});

describe("policy boundaries: egress, namespaces, Trino, PostgreSQL TLS (policy/kubernetes.ts)", () => {
    // NetworkPolicy (networking.k8s.io/v1): an egress rule without ports allows every port; one
    // without `to` allows every destination.
    const EGRESS: [string, unknown, RegExp[]][] = [
        ["no peers, no ports", { egress: [{}] }, [/egress\[0\] has no peers and no ports/]],
        ["0.0.0.0/0, no ports", { egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] }, [/egress\[0\] admits 0\.0\.0\.0\/0 on every port/]],
        [
            "two halves, no ports",
            { egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/1" } }, { ipBlock: { cidr: "128.0.0.0/1" } }] }] },
            [/egress\[0\] admits 0\.0\.0\.0\/1, 128\.0\.0\.0\/1 on every port/],
        ],
        ["0.0.0.0/0 on 443", { egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 443 }] }] }, []],
        ["0.0.0.0/0, a port entry without a port", { egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP" }] }] }, [/admits/]],
        [
            "0.0.0.0/0, one of two port entries without a port",
            { egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 443 }, { protocol: "UDP" }] }] },
            [/admits/],
        ],
        ["a pod selector peer", { egress: [{ to: [{ podSelector: {} }] }] }, []],
        [
            "0.0.0.0/0 and a pod peer",
            { egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }, { podSelector: {} }] }] },
            [/egress\[0\] admits 0\.0\.0\.0\/0 on every port$/],
        ],
        ["a private block and a pod peer", { egress: [{}, { to: [{ ipBlock: { cidr: "10.0.0.0/8" } }, { podSelector: {} }] }] }, [/egress\[0\]/]],
    ];
    for (const [what, spec, want] of EGRESS)
        it(`egress: ${what}`, () => {
            const got = openEgressRules(spec);
            assert.equal(got.length, want.length, got.join("; "));
            want.forEach((re, i) => assert.match(got[i], re));
        });

    // Pod Security Admission: the enforce label takes privileged|baseline|restricted.
    const NS: [string, Record<string, string> | undefined, RegExp | undefined][] = [
        ["baseline", { "pod-security.kubernetes.io/enforce": "baseline" }, undefined],
        ["restricted", { "pod-security.kubernetes.io/enforce": "restricted" }, undefined],
        ["privileged", { "pod-security.kubernetes.io/enforce": "privileged" }, /enforce is "privileged"/],
        ["no label", undefined, /enforce is not set/],
    ];
    for (const [what, labels, want] of NS)
        it(`namespace: ${what}`, async () => {
            const r = res("kubernetes:core/v1:Namespace", "ns", { metadata: { labels } });
            const got = (await runPolicies([r], { stack: "prod", isProd: true, exposure: "clusterIp" })).violations.filter(
                (v) => v.policy === "k8s-namespace-pod-security",
            );
            assert.equal(got.length, want ? 1 : 0);
            if (want) assert.match(got[0].message, want);
        });

    // Trino docs, "Password file authentication": http-server.authentication.type=PASSWORD needs a
    // password file and HTTPS; allow-insecure-over-http=true lets passwords cross in clear.
    const auth = { server: { config: { authenticationType: "PASSWORD", https: { enabled: true } } }, auth: { passwordAuth: "u:h" } };
    const TRINO: [string, unknown, RegExp | undefined][] = [
        ["PASSWORD + auth + https", auth, undefined],
        [
            "password, oauth2 (lower case, list)",
            { ...auth, server: { config: { authenticationType: " password , oauth2", https: { enabled: "true" } } } },
            undefined,
        ],
        ["OAUTH2 without auth", { server: { config: { authenticationType: "OAUTH2", https: { enabled: true } } } }, undefined],
        ["not set", { server: { config: {} } }, /authenticationType is not set/],
        ["an unknown type", { server: { config: { authenticationType: "NONE" } } }, /authenticationType is "NONE"/],
        ["a type the engine does not know yet", { server: { config: { authenticationType: "[unknown]" } } }, undefined],
        ["PASSWORD without auth", { server: { config: { authenticationType: "PASSWORD", https: { enabled: true } } } }, /without auth/],
        ["https off", { ...auth, server: { config: { authenticationType: "PASSWORD", https: { enabled: false } } } }, /https\.enabled is not true/],
        [
            "allow-insecure-over-http",
            { ...auth, additionalConfigProperties: ["http-server.authentication.allow-insecure-over-http = true"] },
            /allow-insecure-over-http=true/,
        ],
        ["allow-insecure-over-http false", { ...auth, additionalConfigProperties: ["http-server.authentication.allow-insecure-over-http=false"] }, undefined],
    ];
    for (const [what, values, want] of TRINO)
        it(`trino: ${what}`, () => {
            const got = trinoAuthProblem(values);
            if (want) assert.match(got ?? "", want);
            else assert.equal(got, undefined);
        });

    it("trino-auth-when-exposed: only the trino chart, only when exposed", async () => {
        const bad = { server: { config: {} } };
        const fired = async (chart: string, values: unknown, exposure: "clusterIp" | "internalLoadBalancer") =>
            (await runPolicies([res("kubernetes:helm.sh/v3:Release", "t", { chart, values })], { stack: "prod", isProd: true, exposure })).violations.filter(
                (v) => v.policy === "trino-auth-when-exposed",
            ).length;
        assert.equal(await fired("trino", bad, "internalLoadBalancer"), 1);
        assert.equal(await fired("oci://x/charts/trino", bad, "internalLoadBalancer"), 1);
        assert.equal(await fired("trino-gateway", bad, "internalLoadBalancer"), 0);
        assert.equal(await fired("trino", bad, "clusterIp"), 0);
        assert.equal(await fired("trino", { ...bad, service: { type: "LoadBalancer" } }, "clusterIp"), 1);
    });

    // libpq "SSL Support": only verify-full checks the server's name; no sslmode means prefer.
    const PG: [string, unknown, number][] = [
        ["verify-full", { url: "postgresql://db/x?sslmode=verify-full" }, 0],
        ["require", { url: "postgresql://db/x?sslmode=require" }, 1],
        ["no mode", { url: "postgresql://db/x" }, 1],
        ["postgres:// with no mode", { url: "postgres://db/x" }, 1],
        ["verify-full after another parameter", { url: "postgresql://db/x?application_name=a&sslmode=verify-full" }, 0],
        ["PGSSLMODE require on another env name", { env: [{ name: "OTHER", value: "require" }] }, 0],
        ["a key ending in sslmode", { x_sslmode: "require" }, 0],
        ["a key starting with sslmode", { sslmode_x: "require" }, 0],
        ["sslmode with blanks", { sslmode: " require " }, 1],
        ["asyncpg ssl=true", { url: "postgresql+asyncpg://db/x?ssl=true" }, 1],
        ["in a list", { args: ["x", "jdbc:postgresql://db/x?sslmode=disable"] }, 1],
        ["PGSSLMODE env", { env: [{ name: "PGSSLMODE", value: "Require " }] }, 1],
        ["PGSSLMODE env verify-full", { env: [{ name: "PGSSLMODE", value: "verify-full" }] }, 0],
        ["sslmode key", { sslmode: "prefer" }, 1],
        ["a script mentions a URL", { "job.py": "postgresql://db/x" }, 0],
    ];
    it("postgres TLS: each finding says what is weak, without the URL's password", () => {
        const why = (root: unknown) => weakPostgresTls(root).map((h) => h.why);
        assert.deepEqual(why({ url: "postgresql://app:pw@db/x" }), [
            "PostgreSQL URL postgresql://…@db/x sets no sslmode (the default, prefer, verifies nothing)",
        ]);
        assert.deepEqual(why({ url: "postgresql://db/x?sslmode=require" }), ["PostgreSQL URL with sslmode require, which does not verify the server"]);
        assert.deepEqual(why({ env: [{ name: "PGSSLMODE", value: "allow" }] }), ["env PGSSLMODE=allow, which does not verify the server"]);
        assert.deepEqual(why({ sslmode: "disable" }), ["sslmode=disable, which does not verify the server"]);
        assert.deepEqual(
            weakPostgresTls({ args: ["x", "postgresql://db/x"] }).map((h) => h.path),
            ["args[1]"],
        );
    });
    for (const [what, root, n] of PG) it(`postgres TLS: ${what}`, () => assert.equal(weakPostgresTls(root).length, n, JSON.stringify(weakPostgresTls(root))));
});

describe("policy boundaries: IAM documents (policy/iam.ts)", () => {
    // IAM JSON policy reference: Statement is an array or one object; Effect Allow|Deny; Action and
    // Resource take "*" and "?" wildcards; action names are case-insensitive, ARNs are not.
    const doc = (...Statement: unknown[]) => ({ Statement: Statement as Statement[] });

    it("parses a JSON string, an object and nothing else", () => {
        assert.deepEqual(parsePolicyDocument('{"Statement":[{"Effect":"Allow"},"x"]}'), { Statement: [{ Effect: "Allow" }] });
        assert.deepEqual(parsePolicyDocument({ Statement: { Effect: "Deny" } }), { Statement: [{ Effect: "Deny" }] });
        assert.deepEqual(parsePolicyDocument({}), { Statement: [] });
        for (const bad of ["{", '"text"', "[1]", 3, null, undefined, UNKNOWN]) assert.equal(parsePolicyDocument(bad), undefined, String(bad));
    });

    const ADMIN: [string, unknown, number][] = [
        ["* on *", { Effect: "Allow", Action: "*", Resource: "*" }, 1],
        ["* on * as lists", { Effect: "Allow", Action: ["s3:GetObject", "*"], Resource: ["arn:aws:s3:::b", "*"] }, 1],
        ["NotAction on *", { Effect: "Allow", NotAction: "iam:*", Resource: "*" }, 1],
        ["* on a bucket", { Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::b" }, 0],
        ["s3:* on *", { Effect: "Allow", Action: "s3:*", Resource: "*" }, 0],
        ["Deny * on *", { Effect: "Deny", Action: "*", Resource: "*" }, 0],
    ];
    for (const [what, s, n] of ADMIN) it(`admin wildcard: ${what}`, () => assert.equal(adminWildcardStatements(doc(s)).length, n));

    const IAM_WILDCARD: [string, unknown, string[]][] = [
        ["iam:*", { Effect: "Allow", Action: "iam:*" }, ["iam:*"]],
        ["IAM:* (any case)", { Effect: "Allow", Action: ["IAM:*"] }, ["IAM:*"]],
        ["*", { Effect: "Allow", Action: "*" }, ["*"]],
        ["iam:Get*", { Effect: "Allow", Action: "iam:Get*" }, []],
        ["xiam:*", { Effect: "Allow", Action: "xiam:*" }, []],
        ["iam:*x", { Effect: "Allow", Action: "iam:*x" }, []],
        ["Deny iam:*", { Effect: "Deny", Action: "iam:*" }, []],
    ];
    for (const [what, s, want] of IAM_WILDCARD) it(`iam wildcard: ${what}`, () => assert.deepEqual(iamWildcardActions(doc(s)), want));
    it("no document, no findings", () => {
        assert.deepEqual(adminWildcardStatements(undefined), []);
        assert.deepEqual(iamWildcardActions(undefined), []);
        assert.deepEqual(escalationGrants(undefined), []);
        assert.deepEqual(publicPrincipalStatements(undefined), []);
    });

    const BROAD: [string, boolean][] = [
        ["*", true],
        [" * ", true],
        ["arn:*", true],
        ["xarn:*", false],
        ["arn:aws:iam::123456789012:role/*", true],
        ["arn:aws:iam::123456789012:*", true],
        ["arn:aws:iam::*:policy/*", true],
        ["arn:aws:iam::123456789012:role/node", false],
        ["arn:aws:iam::123456789012:role/*x", false],
        ["x:arn:aws:iam::1:role/*", false],
        ["arn:aws:s3:::bucket/*", false],
    ];
    for (const [r, broad] of BROAD)
        it(`broad IAM resource: ${JSON.stringify(r)} is ${broad ? "" : "not "}broad`, () => assert.equal(isBroadIamResource(r), broad));

    const PATTERN: [string, string, "" | "i", boolean][] = [
        ["iam:Put*", "iam:PutRolePolicy", "i", true],
        ["IAM:put*", "iam:PutRolePolicy", "i", true],
        ["iam:Pass?ole", "iam:PassRole", "i", true],
        ["iam:Pass?ole", "iam:PassRRole", "i", false],
        ["arn:aws:s3:::b-?/*", "arn:aws:s3:::b-1/k", "", true],
        ["arn:aws:s3:::B-?/*", "arn:aws:s3:::b-1/k", "", false],
        ["a.b", "axb", "", false],
        ["a+b", "a+b", "", true],
        ["(x)", "(x)", "", true],
        ["x$", "x$", "", true],
        ["iam:Get", "iam:GetRole", "i", false],
    ];
    for (const [p, s, f, want] of PATTERN) it(`pattern ${p} ${want ? "matches" : "does not match"} ${s}`, () => assert.equal(iamPattern(p, f).test(s), want));

    const ESCALATION: [string, unknown, Array<[string, string[]]>][] = [
        ["PassRole on *", { Effect: "Allow", Action: "iam:PassRole", Resource: "*" }, [["iam:PassRole", ["iam:PassRole"]]]],
        [
            "iam:pass* on role/*",
            { Effect: "Allow", Action: ["s3:GetObject", "iam:pass*"], Resource: "arn:aws:iam::1:role/*" },
            [["iam:pass*", ["iam:PassRole"]]],
        ],
        [
            "iam:Put*Policy on NotResource",
            { Effect: "Allow", Action: "iam:Put*Policy", NotResource: "arn:aws:iam::1:role/x" },
            [["iam:Put*Policy", ["iam:PutRolePolicy", "iam:PutUserPolicy", "iam:PutGroupPolicy"]]],
        ],
        ["PassRole on one role", { Effect: "Allow", Action: "iam:PassRole", Resource: ["arn:aws:iam::1:role/node"] }, []],
        [
            "PassRole on one role and *",
            { Effect: "Allow", Action: "iam:PassRole", Resource: ["arn:aws:iam::1:role/node", "*"] },
            [["iam:PassRole", ["iam:PassRole"]]],
        ],
        ["Deny PassRole on *", { Effect: "Deny", Action: "iam:PassRole", Resource: "*" }, []],
        ["NotAction on * (the admin rule's case)", { Effect: "Allow", NotAction: "s3:*", Resource: "*" }, []],
        ["* on * (the admin rule's case)", { Effect: "Allow", Action: "*", Resource: "*" }, []],
        ["iam:Get* on *", { Effect: "Allow", Action: "iam:Get*", Resource: "*" }, []],
    ];
    for (const [what, s, want] of ESCALATION)
        it(`escalation: ${what}`, () =>
            assert.deepEqual(
                escalationGrants(doc(s)).map((g) => [g.action, g.grants]),
                want,
            ));

    // Principal "*" and {"AWS": "*"} are anyone; "arn:aws:iam::*:root" every account. The
    // condition keys aws:PrincipalAccount/PrincipalOrgID/SourceAccount... pin it.
    const PUBLIC: [string, unknown, number][] = [
        ["Principal *", { Effect: "Allow", Principal: "*", Action: "s3:GetObject" }, 1],
        ["AWS *", { Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject" }, 1],
        ["AWS every account root", { Effect: "Allow", Principal: { AWS: ["arn:aws:iam::1:root", "arn:aws:iam::*:root"] }, Action: "s3:GetObject" }, 1],
        ["AWS one account", { Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "s3:GetObject" }, 0],
        ["a service", { Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" }, 0],
        [
            "pinned by aws:PrincipalOrgID",
            { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1" } } },
            0,
        ],
        [
            "pinned by aws:sourceaccount (any case)",
            { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Condition: { StringEquals: { "aws:sourceaccount": "1" } } },
            0,
        ],
        [
            "a condition on something else",
            { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Condition: { Bool: { "aws:SecureTransport": "true" } } },
            1,
        ],
        ["a malformed condition", { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Condition: { StringEquals: "x" } }, 1],
        ["Deny to *", { Effect: "Deny", Principal: "*", Action: "s3:*" }, 0],
    ];
    for (const [what, s, n] of PUBLIC) it(`public principal: ${what}`, () => assert.equal(publicPrincipalStatements(doc(s)).length, n));

    const cfg = { stack: "prod", isProd: true, exposure: "clusterIp" as const };
    const messages = async (rule: string, r: ReturnType<typeof res>) =>
        (await runPolicies([r], cfg)).violations.filter((v) => v.policy === rule).map((v) => v.message);

    it("the IAM rules read policy documents, roles' inline policies and attachments, and say where and what", async () => {
        const wild = JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["iam:*", "iam:*"], Resource: "*" }] });
        const onPolicy = await messages("iam-no-iam-wildcard", res("aws:iam/policy:Policy", "p", { policy: wild }));
        assert.equal(onPolicy.length, 1);
        assert.match(onPolicy[0], /policy allows iam:\*;/);
        const onRole = await messages("iam-no-iam-wildcard", res("aws:iam/role:Role", "r", { inlinePolicies: [{ policy: "{}" }, { policy: wild }] }));
        assert.equal(onRole.length, 1);
        assert.match(onRole[0], /inlinePolicies\[1\] allows iam:\*;/);
        assert.deepEqual(await messages("iam-no-iam-wildcard", res("aws:s3/bucket:Bucket", "b", { policy: wild })), []);
        const two = await messages(
            "iam-no-iam-wildcard",
            res("aws:iam/policy:Policy", "p", { policy: { Statement: [{ Effect: "Allow", Action: ["iam:*", "*"], Resource: "arn:aws:s3:::b" }] } }),
        );
        assert.match(two[0], /policy allows iam:\*, \*;/);

        const admin = await messages(
            "iam-no-admin-wildcard",
            res("aws:iam/policy:Policy", "p", { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) }),
        );
        assert.equal(admin.length, 1);
        assert.match(admin[0], /policy allows every action on every resource/);

        const esc = await messages(
            "iam-no-privilege-escalation",
            res("aws:iam/policy:Policy", "p", { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "iam:Attach*", Resource: "*" }] }) }),
        );
        assert.equal(esc.length, 1);
        assert.match(esc[0], /allows iam:Attach\* \(iam:AttachRolePolicy, iam:AttachUserPolicy, iam:AttachGroupPolicy\) on every resource/);

        const pub = await messages(
            "iam-no-public-principal",
            res("aws:iam/role:Role", "r", { assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", NotAction: "s3:*" }] }) }),
        );
        assert.equal(pub.length, 1);
        assert.match(pub[0], /assumeRolePolicy allows "s3:\*" to any AWS principal \("\*"\)/);
    });

    // AWS managed policies: AdministratorAccess, PowerUserAccess, *FullAccess, job-function admins.
    const ARNS: [string, Record<string, unknown>, number][] = [
        ["policyArn AdministratorAccess", { policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }, 1],
        [
            "managedPolicyArns with one FullAccess",
            { managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", "arn:aws:iam::aws:policy/AmazonS3FullAccess"] },
            1,
        ],
        ["both", { policyArn: "arn:aws:iam::aws:policy/PowerUserAccess", managedPolicyArns: ["arn:aws:iam::aws:policy/job-function/NetworkAdministrator"] }, 2],
        ["least-privilege ones", { policyArn: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", managedPolicyArns: [3] }, 0],
    ];
    for (const [what, props, n] of ARNS)
        it(`iam-no-admin-wildcard: ${what}`, async () => {
            const got = await messages("iam-no-admin-wildcard", res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a", props));
            assert.equal(got.length, n, got.join("\n"));
            for (const m of got) assert.match(m, /attaches arn:aws:iam::aws:policy\//);
        });
});

describe("policy boundaries: S3 predicates (policy/s3.ts)", () => {
    // S3 API ServerSideEncryptionByDefault.SSEAlgorithm: AES256 | aws:kms | aws:kms:dsse.
    const SSE: [string, unknown, boolean][] = [
        ["AES256", { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, true],
        ["aws:kms and aws:kms:dsse", { rules: [{ x: { sseAlgorithm: "aws:kms" } }, { x: { sseAlgorithm: "aws:kms:dsse" } }] }, true],
        ["one valid, one unknown", { rules: [{ x: { sseAlgorithm: "aws:kms" } }, { x: { sseAlgorithm: "none" } }] }, false],
        ["none declared", { rules: [] }, false],
        ["a non-string algorithm", { rules: [{ x: { sseAlgorithm: 1 } }] }, false],
    ];
    for (const [what, config, ok] of SSE) it(`SSE: ${what}`, () => assert.equal(hasValidSse(config), ok));

    // BucketVersioning: versioningConfiguration.status Enabled|Suspended|Disabled; the v1 Bucket's
    // inline versioning { enabled } (an object, or the first of a list).
    const VERSIONING: [string, unknown, boolean | typeof UNKNOWN][] = [
        ["Enabled", { versioningConfiguration: { status: "Enabled" } }, true],
        ["Suspended", { versioningConfiguration: { status: "Suspended" } }, false],
        ["Suspended beside inline enabled", { versioningConfiguration: { status: "Suspended" }, versioning: { enabled: true } }, false],
        ["unknown", { versioningConfiguration: { status: "[unknown]" } }, UNKNOWN],
        ["inline object", { versioning: { enabled: true } }, true],
        ["inline list", { versioning: [{ enabled: true }] }, true],
        ['inline "true"', { versioning: { enabled: "true" } }, false],
        ["inline false", { versioning: [{ enabled: false }] }, false],
        ["nothing", {}, false],
    ];
    for (const [what, props, want] of VERSIONING) it(`versioning: ${what}`, () => assert.equal(versioningEnabled(props), want));

    const GAPS: [string, Record<string, unknown>, string[]][] = [
        ["all true", { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, []],
        ['all "true"', { blockPublicAcls: "true", blockPublicPolicy: "true", ignorePublicAcls: "true", restrictPublicBuckets: "true" }, []],
        ["one unknown", { blockPublicAcls: "[unknown]", blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, []],
        ["one false, one missing", { blockPublicAcls: false, blockPublicPolicy: true, ignorePublicAcls: true }, ["blockPublicAcls", "restrictPublicBuckets"]],
    ];
    for (const [what, props, want] of GAPS) it(`public access gaps: ${what}`, () => assert.deepEqual(publicAccessGaps(props), want));

    // IAM matching of Resource against the bucket ARN and an object ARN under it.
    const COVERAGE: [string, string[], string | undefined, { bucket: boolean; objects: boolean }][] = [
        ["bucket and objects by name", ["arn:aws:s3:::lake", "arn:aws:s3:::lake/*"], "lake", { bucket: true, objects: true }],
        ["bucket only", ["arn:aws:s3:::lake"], "lake", { bucket: true, objects: false }],
        ["objects only", ["arn:aws:s3:::lake/*"], "lake", { bucket: false, objects: true }],
        ["a wildcard name", ["arn:aws:s3:::la?e*"], "lake", { bucket: true, objects: true }],
        ["another bucket", ["arn:aws:s3:::other", "arn:aws:s3:::other/*"], "lake", { bucket: false, objects: false }],
        ["another partition", ["arn:aws-cn:s3:::lake", "arn:aws-cn:s3:::lake/*"], "lake", { bucket: true, objects: true }],
        ["*", ["*"], "lake", { bucket: true, objects: true }],
        ["name unknown: bucket and objects patterns", ["arn:aws:s3:::x", "arn:aws:s3:::x/*"], undefined, { bucket: true, objects: true }],
        ["name unknown: *", ["*"], undefined, { bucket: true, objects: true }],
        ["name unknown: objects only", ["arn:aws:s3:::x/*"], undefined, { bucket: false, objects: true }],
        ["name unknown: a prefix only", ["arn:aws:s3:::x/logs/"], undefined, { bucket: false, objects: false }],
        ["name unknown: another service", ["arn:aws:sqs:::x", "arn:aws:sqs:::x/*"], undefined, { bucket: false, objects: false }],
        ["name unknown: an s3 ARN inside text", ["x arn:aws:s3:::x"], undefined, { bucket: false, objects: false }],
        ["name unknown: bucket in one partition", ["arn:aws-us-gov:s3:::x"], undefined, { bucket: true, objects: false }],
    ];
    for (const [what, resources, bucket, want] of COVERAGE) it(`s3 coverage: ${what}`, () => assert.deepEqual(s3Coverage(resources, bucket), want));

    // AWS re:Post / S3 user guide "enforce encryption in transit": Deny, Principal *, s3:*,
    // Bool aws:SecureTransport false, on the bucket and its objects.
    const deny = {
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::lake", "arn:aws:s3:::lake/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
    const TLS: [string, unknown[], boolean][] = [
        ["the documented statement", [deny], true],
        ["condition as a boolean", [{ ...deny, Condition: { Bool: { "aws:SecureTransport": false } } }], true],
        ["AWS * principal and action *", [{ ...deny, Principal: { AWS: ["*"] }, Action: "*" }], true],
        ["Allow instead of Deny", [{ ...deny, Effect: "Allow" }], false],
        ["one principal", [{ ...deny, Principal: { AWS: "arn:aws:iam::1:root" } }], false],
        ["one action", [{ ...deny, Action: "s3:GetObject" }], false],
        ["SecureTransport true", [{ ...deny, Condition: { Bool: { "aws:SecureTransport": "true" } } }], false],
        ["no condition", [{ ...deny, Condition: undefined }], false],
        ["bucket ARN only", [{ ...deny, Resource: "arn:aws:s3:::lake" }], false],
        ["objects ARN only", [{ ...deny, Resource: "arn:aws:s3:::lake/*" }], false],
        [
            "bucket and objects in two statements",
            [
                { ...deny, Resource: "arn:aws:s3:::lake" },
                { ...deny, Resource: "arn:aws:s3:::lake/*" },
            ],
            true,
        ],
        [
            "objects covered only by an Allow",
            [
                { ...deny, Resource: "arn:aws:s3:::lake" },
                { ...deny, Effect: "Allow", Resource: "arn:aws:s3:::lake/*" },
            ],
            false,
        ],
        ["no statement", [], false],
    ];
    for (const [what, Statement, want] of TLS)
        it(`TLS-only: ${what}`, () => {
            assert.equal(isTlsOnlyPolicy({ Statement: Statement as Statement[] }, "lake"), want);
            assert.equal(isTlsOnlyPolicy({ Statement: Statement as Statement[] }, undefined), want);
        });
    it("TLS-only: no document is not TLS-only", () => assert.equal(isTlsOnlyPolicy(undefined), false));

    // A configuration resource belongs to a bucket as its child, through its `bucket` input's
    // dependency, or by naming the bucket.
    const bucket = { urn: "urn:b", type: "aws:s3/bucketV2:BucketV2", name: "b", props: { bucket: "lake" } } as any;
    const T1 = "aws:s3/bucketVersioningV2:BucketVersioningV2";
    const ATTACHED: [string, Record<string, any>, boolean][] = [
        ["a child", { urn: "urn:1", type: T1, props: {}, parent: { urn: "urn:b" } }, true],
        ["a child of another", { urn: "urn:1", type: T1, props: {}, parent: { urn: "urn:x" } }, false],
        ["no parent", { urn: "urn:1", type: T1, props: {} }, false],
        ["its bucket input depends on it", { urn: "urn:1", type: T1, props: {}, propertyDependencies: { bucket: [bucket] } }, true],
        ["its bucket input depends on another", { urn: "urn:1", type: T1, props: {}, propertyDependencies: { bucket: [{ urn: "urn:x" }] } }, false],
        ["another input depends on it", { urn: "urn:1", type: T1, props: {}, propertyDependencies: { other: [bucket] } }, false],
        ["names it", { urn: "urn:1", type: T1, props: { bucket: "lake" } }, true],
        ["names another", { urn: "urn:1", type: T1, props: { bucket: "other" } }, false],
        ["another type naming it", { urn: "urn:1", type: "aws:s3/bucketPolicy:BucketPolicy", props: { bucket: "lake" } }, false],
    ];
    for (const [what, r, want] of ATTACHED)
        it(`attached to the bucket: ${what}`, () => assert.equal(attachedToBucket(bucket, [r as any], [T1]).length, want ? 1 : 0));
    it("attached to the bucket: a bucket with no known name matches no name", () => {
        const unnamed = { ...bucket, props: {} };
        assert.equal(attachedToBucket(unnamed, [{ urn: "urn:1", type: T1, props: { bucket: "lake" } } as any], [T1]).length, 0);
        assert.equal(attachedToBucket(unnamed, [{ urn: "urn:1", type: T1, props: {} } as any], [T1]).length, 0);
    });
});

describe("policy boundaries: which resources the Kubernetes rules read (policy/kubernetes.ts)", () => {
    const cfg = (exposure: "clusterIp" | "internalLoadBalancer" | "publicLoadBalancer") => ({ stack: "prod", isProd: true, exposure });
    const fired = async (rule: string, r: ReturnType<typeof res>, exposure: "clusterIp" | "internalLoadBalancer" | "publicLoadBalancer" = "clusterIp") =>
        (await runPolicies([r], cfg(exposure))).violations.filter((v) => v.policy === rule).map((v) => v.message);

    // Where credentials may sit: a Secret is the right place; Helm values and repositoryOpts,
    // custom resources' spec, workloads' spec and ConfigMaps' data are not.
    const CRED: [string, ReturnType<typeof res>, number][] = [
        ["a Secret", res("kubernetes:core/v1:Secret", "s", { stringData: { password: "x" }, data: { password: "eA==" } }), 0],
        ["Helm values", res("kubernetes:helm.sh/v3:Release", "h", { values: { auth: { password: "x" } } }), 1],
        ["Helm repositoryOpts", res("kubernetes:helm.sh/v3:Release", "h", { repositoryOpts: { password: "x" } }), 1],
        ["a custom resource's spec", res("kubernetes:kafka.strimzi.io/v1beta2:KafkaConnector", "c", { spec: { config: { "connection.password": "x" } } }), 1],
        [
            "a Deployment's env",
            res("kubernetes:apps/v1:Deployment", "d", { spec: { template: { spec: { containers: [{ env: [{ name: "PGPASSWORD", value: "x" }] }] } } } }),
            1,
        ],
        ["a ConfigMap's data", res("kubernetes:core/v1:ConfigMap", "c", { data: { "app.properties": "password=x" } }), 1],
        ["a Service (no pod, no config)", res("kubernetes:core/v1:Service", "s", { spec: { password: "x" } }), 0],
        ["an AWS resource", res("aws:ssm/parameter:Parameter", "p", { password: "x" }), 0],
    ];
    for (const [what, r, n] of CRED)
        it(`no-literal-credentials: ${what}`, async () => {
            const got = await fired("no-literal-credentials", r);
            assert.equal(got.length, n, got.join("\n"));
            for (const m of got) assert.match(m, /password/i);
        });

    const PGTLS: [string, ReturnType<typeof res>, number][] = [
        ["a ConfigMap", res("kubernetes:core/v1:ConfigMap", "c", { data: { url: "postgresql://db/x" } }), 1],
        ["a Secret", res("kubernetes:core/v1:Secret", "s", { stringData: { url: "postgresql://db/x" } }), 0],
        ["Helm values", res("kubernetes:helm.sh/v3:Release", "h", { values: { env: [{ name: "PGSSLMODE", value: "require" }] } }), 1],
    ];
    for (const [what, r, n] of PGTLS)
        it(`postgres-verify-full: ${what}`, async () => {
            const got = await fired("postgres-verify-full", r);
            assert.equal(got.length, n, got.join("\n"));
            for (const m of got) assert.match(m, /verify-full/);
        });

    // pulumi-kubernetes provider/pkg/provider/helm_release.go: repositoryOpts.repo is a classic repo.
    const OCI: [string, Record<string, unknown>, RegExp | undefined][] = [
        ["an oci:// repo", { chart: "trino", repositoryOpts: { repo: "oci://ghcr.io/x/charts/" } }, /Set chart to "oci:\/\/ghcr\.io\/x\/charts\/trino"/],
        ["an OCI:// repo with blanks, no chart", { repositoryOpts: { repo: " OCI://r/c" } }, /Set chart to " OCI:\/\/r\/c\/<chart>"/],
        ["an https repo", { chart: "trino", repositoryOpts: { repo: "https://trinodb.github.io/charts" } }, undefined],
        ["an oci:// chart", { chart: "oci://ghcr.io/x/charts/trino" }, undefined],
    ];
    for (const [what, props, want] of OCI)
        it(`helm-oci-chart-reference: ${what}`, async () => {
            const got = await fired("helm-oci-chart-reference", res("kubernetes:helm.sh/v3:Release", "h", props));
            assert.equal(got.length, want ? 1 : 0, got.join("\n"));
            if (want) assert.match(got[0], want);
        });
    it("helm-oci-chart-reference: only the Release (Chart v4 resolves oci:// itself)", async () =>
        assert.deepEqual(await fired("helm-oci-chart-reference", res("kubernetes:helm.sh/v4:Chart", "h", { repositoryOpts: { repo: "oci://r/c" } })), []));

    // README "Exposure": clusterIp allows no LoadBalancer; internal load balancers need the
    // controller's internal scheme; internet ones need the controller too.
    const ctl = { "service.beta.kubernetes.io/aws-load-balancer-type": "external", "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip" };
    const svc = (annotations: Record<string, string>) =>
        res("kubernetes:core/v1:Service", "web", { metadata: { annotations }, spec: { type: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0/8"] } });
    const LB: [string, Record<string, string>, "clusterIp" | "internalLoadBalancer" | "publicLoadBalancer", RegExp | undefined][] = [
        [
            "clusterIp refuses any",
            { ...ctl, "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" },
            "clusterIp",
            /not allowed with exposure clusterIp/,
        ],
        [
            "internal + controller + internal scheme",
            { ...ctl, "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" },
            "internalLoadBalancer",
            undefined,
        ],
        ["internal + controller, no scheme", ctl, "internalLoadBalancer", /must be internal/],
        [
            "internal + controller + internet-facing",
            { ...ctl, "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" },
            "internalLoadBalancer",
            /must be internal/,
        ],
        [
            "internal, no controller",
            { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" },
            "internalLoadBalancer",
            /Load Balancer Controller must handle it/,
        ],
        [
            "internet + controller + internet-facing",
            { ...ctl, "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" },
            "publicLoadBalancer",
            undefined,
        ],
        ["internet + controller, no scheme", ctl, "publicLoadBalancer", undefined],
        ["internet, no controller", {}, "publicLoadBalancer", /Load Balancer Controller must handle it/],
    ];
    for (const [what, ann, exposure, want] of LB)
        it(`k8s-no-loadbalancer-service: ${what}`, async () => {
            const got = await fired("k8s-no-loadbalancer-service", svc(ann), exposure);
            assert.equal(got.length, want ? 1 : 0, got.join("\n"));
            if (want) assert.match(got[0], want);
            if (want) assert.match(got[0], /spec\.type is LoadBalancer/);
        });
    it("k8s-no-loadbalancer-service: Helm values and custom resources too, ConfigMaps not", async () => {
        assert.equal(
            (await fired("k8s-no-loadbalancer-service", res("kubernetes:helm.sh/v3:Release", "h", { values: { service: { type: "LoadBalancer" } } }))).length,
            1,
        );
        assert.equal(
            (
                await fired(
                    "k8s-no-loadbalancer-service",
                    res("kubernetes:kafka.strimzi.io/v1beta2:Kafka", "k", { spec: { listeners: [{ type: "LoadBalancer" }] } }),
                )
            ).length,
            1,
        );
        assert.equal((await fired("k8s-no-loadbalancer-service", res("kubernetes:core/v1:ConfigMap", "c", { data: { type: "LoadBalancer" } }))).length, 0);
    });
});

describe("policy boundaries: address ranges (policy/network.ts)", () => {
    // Sizes from the RFCs, not from the rule: RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 6598
    // (100.64/10), RFC 1122 loopback (127/8), RFC 3927 link-local (169.254/16); IPv6 ULA fc00::/7
    // (RFC 4193) and link-local fe80::/10 (RFC 4291).
    const p2 = (n: number) => 1n << BigInt(n);
    const V4_PRIVATE = p2(24) + p2(20) + p2(16) + p2(22) + p2(24) + p2(16);
    const V6_PRIVATE = p2(121) + p2(118);
    const RANGES: [string, string | undefined, [bigint, bigint] | undefined][] = [
        ["10.1.2.3/8", "v4", [10n << 24n, (11n << 24n) - 1n]],
        ["0.0.0.0/0", "v4", [0n, p2(32) - 1n]],
        ["192.0.2.7/32", "v4", [(192n << 24n) | (2n << 8n) | 7n, (192n << 24n) | (2n << 8n) | 7n]],
        [" 10.0.0.0/8 ", "v4", [10n << 24n, (11n << 24n) - 1n]],
        ["10.0.0.0/33", undefined, undefined],
        ["256.0.0.0/8", undefined, undefined],
        ["10.0.0/8", undefined, undefined],
        ["10.0.0.0", undefined, undefined],
        ["x10.0.0.0/8", undefined, undefined],
        ["::/0", "v6", [0n, p2(128) - 1n]],
        ["2001:db8::/32", "v6", [0x20010db8n << 96n, ((0x20010db8n + 1n) << 96n) - 1n]],
        ["::1/128", "v6", [1n, 1n]],
        ["fe80::/129", undefined, undefined],
        ["1:2:3:4:5:6:7:8/128", "v6", [0x00010002000300040005000600070008n, 0x00010002000300040005000600070008n]],
        ["1:2:3:4:5:6:7/128", undefined, undefined],
        ["1::2::3/128", undefined, undefined],
        ["12345::/16", undefined, undefined],
        ["g::/16", undefined, undefined],
        ["1:2:3:4:5:6:7:8:9/128", undefined, undefined],
        ["1:2:3:4:5:6:7:/128", undefined, undefined],
    ];
    for (const [cidr, family, want] of RANGES)
        it(`cidr ${JSON.stringify(cidr)}`, () => {
            const r = cidrRange(cidr);
            if (!want) return assert.equal(r, undefined);
            assert.deepEqual(r, { v6: family === "v6", lo: want[0], hi: want[1] });
        });

    const PUBLIC: [unknown[], bigint, bigint][] = [
        [["0.0.0.0/0"], p2(32) - V4_PRIVATE, 0n],
        [["0.0.0.0/1", "128.0.0.0/1"], p2(32) - V4_PRIVATE, 0n],
        [["0.0.0.0/0", "0.0.0.0/0", "10.0.0.0/8"], p2(32) - V4_PRIVATE, 0n],
        [["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16"], 0n, 0n],
        [["172.31.0.0/16"], 0n, 0n],
        [["172.32.0.0/16"], p2(16), 0n],
        [["9.0.0.0/8", "11.0.0.0/8"], p2(25), 0n],
        [["8.0.0.0/7", "9.0.0.0/8"], p2(25), 0n],
        [["8.0.0.0/8", "9.0.0.0/8"], p2(25), 0n],
        [["9.0.0.0/8", "8.0.0.0/8"], p2(25), 0n],
        [["8.0.0.0/8", "8.0.0.0/9"], p2(24), 0n],
        [["::/0"], 0n, p2(128) - V6_PRIVATE],
        [["fd00::/8", "fe80::/64"], 0n, 0n],
        [["2001:db8::/32", 7, null], 0n, p2(96)],
    ];
    for (const [cidrs, v4, v6] of PUBLIC) it(`public addresses of ${cidrs.join(", ")}`, () => assert.deepEqual(publicAddresses(cidrs), { v4, v6 }));

    // README ("CI and the prod cluster"): more than a /8's worth of public addresses is the internet.
    const COVERS: [unknown[], boolean][] = [
        [["0.0.0.0/0"], true],
        [["::/0"], true],
        [["8.0.0.0/8"], false],
        [["8.0.0.0/8", "9.0.0.0/32"], true],
        [["8.0.0.0/7"], true],
        [["2001::/8"], false],
        [["2001::/8", "3000::/128"], true],
        [["10.0.0.0/8", "172.16.0.0/12"], false],
        [[], false],
    ];
    for (const [cidrs, open] of COVERS)
        it(`${cidrs.join(", ") || "nothing"} ${open ? "covers" : "does not cover"} the internet`, () => assert.equal(coversInternet(cidrs), open));

    it("lists the CIDRs that admit any public address", () => {
        assert.deepEqual(publicCidrs(["10.0.0.0/8", "8.8.8.8/32", 3, "fd00::/8", "2001:db8::/64", "x"]), ["8.8.8.8/32", "2001:db8::/64"]);
    });

    const PREFIX: [string, number | undefined][] = [
        ["10.0.0.0/8", 8],
        [" ::/0 ", 0],
        ["10.0.0.0", undefined],
        ["x/8", undefined],
        ["10.0.0.0/8x", undefined],
    ];
    for (const [c, n] of PREFIX) it(`prefix length of ${JSON.stringify(c)}`, () => assert.equal(prefixLength(c), n));

    // EC2 IpPermission: IpProtocol "tcp" or its number 6; the port range is FromPort..ToPort.
    const HTTPS: [unknown, unknown, unknown, boolean][] = [
        [443, 443, "tcp", true],
        ["443", "443", "6", true],
        [443, 443, 6, true],
        [443, 444, "tcp", false],
        [442, 443, "tcp", false],
        [443, 443, "udp", false],
        [443, 443, "-1", false],
        [0, 65535, "tcp", false],
    ];
    for (const [f, t, p, ok] of HTTPS) it(`HTTPS only: ${f}-${t}/${p} is ${ok}`, () => assert.equal(isHttpsOnly(f, t, p), ok));
});

describe("policy boundaries: Kafka in prod (policy/kafka.ts)", () => {
    const prodCfg = { stack: "prod", isProd: true, exposure: "clusterIp" as const };
    const K = "kubernetes:kafka.strimzi.io/v1:Kafka";
    const good = { "default.replication.factor": 3, "min.insync.replicas": 2 };
    const kafka = (config: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
        res(K, "k", {
            metadata: { name: "bdok", namespace: "kafka" },
            spec: {
                kafka: {
                    config,
                    listeners: [{ name: "tls", tls: true, authentication: { type: "tls" } }],
                    authorization: { type: "simple" },
                    ...extra,
                },
            },
        });
    const run = async (rule: string, ...rs: ReturnType<typeof res>[]) =>
        (await runPolicies(rs, prodCfg)).violations.filter((v) => v.policy === rule).map((v) => v.message);

    // Kafka docs (broker configs): replication factor 3 and min.insync.replicas 2 for durability.
    const REPL: [string, Record<string, unknown>, RegExp[]][] = [
        ["3 and 2", good, []],
        ['"3" as text', { ...good, "default.replication.factor": "3" }, []],
        ["2", { ...good, "default.replication.factor": 2 }, [/"default\.replication\.factor"\] is 2 in a prod stack; allowed: 3 or more/]],
        ["not set", { "min.insync.replicas": 2 }, [/"default\.replication\.factor"\]/]],
        ["not a number", { ...good, "default.replication.factor": "three" }, [/"default\.replication\.factor"\]/]],
        ["unknown", { ...good, "default.replication.factor": "[unknown]" }, []],
        ["offsets topic 2", { ...good, "offsets.topic.replication.factor": 2 }, [/"offsets\.topic\.replication\.factor"\]/]],
        ["offsets topic 3", { ...good, "offsets.topic.replication.factor": 3 }, []],
        ["transaction log 1", { ...good, "transaction.state.log.replication.factor": 1 }, [/"transaction\.state\.log\.replication\.factor"\]/]],
    ];
    for (const [what, config, want] of REPL)
        it(`kafka-replication-prod: ${what}`, async () => {
            const got = await run("kafka-replication-prod", kafka(config));
            assert.equal(got.length, want.length, got.join("\n"));
            want.forEach((re, i) => assert.match(got[i], re));
        });

    const ISR: [string, Record<string, unknown>, number][] = [
        ["2", good, 0],
        ["1", { ...good, "min.insync.replicas": 1 }, 1],
        ["not set", { "default.replication.factor": 3 }, 1],
        ["transaction log isr 1", { ...good, "transaction.state.log.min.isr": 1 }, 1],
        ["transaction log isr 2", { ...good, "transaction.state.log.min.isr": 2 }, 0],
    ];
    for (const [what, config, n] of ISR)
        it(`kafka-min-insync-prod: ${what}`, async () => assert.equal((await run("kafka-min-insync-prod", kafka(config))).length, n));

    const topic = (spec: Record<string, unknown>) => res("kubernetes:kafka.strimzi.io/v1:KafkaTopic", "t", { spec });
    const TOPIC: [string, Record<string, unknown>, RegExp[]][] = [
        ["defaults", {}, []],
        ["3 replicas, isr 2", { replicas: 3, config: { "min.insync.replicas": 2 } }, []],
        ["2 replicas", { replicas: 2 }, [/spec\.replicas is 2 in a prod stack; allowed: 3 or more/]],
        ["replicas not a number", { replicas: "x" }, [/spec\.replicas is "?x"?/]],
        ["replicas unknown", { replicas: "[unknown]" }, []],
        ["isr 1", { config: { "min.insync.replicas": 1 } }, [/"min\.insync\.replicas"\] is 1 in a prod stack; allowed: 2 or more/]],
        ["isr unknown", { config: { "min.insync.replicas": "[unknown]" } }, []],
        ["isr not a number", { config: { "min.insync.replicas": "two" } }, [/"min\.insync\.replicas"\]/]],
    ];
    for (const [what, spec, want] of TOPIC)
        it(`kafka-topic-replication-prod: ${what}`, async () => {
            const got = await run("kafka-topic-replication-prod", topic(spec));
            assert.equal(got.length, want.length, got.join("\n"));
            want.forEach((re, i) => assert.match(got[i], re));
        });

    // Strimzi KafkaNodePool: spec.roles (broker|controller), spec.replicas; label strimzi.io/cluster.
    const pool = (name: string, replicas: unknown, roles: string[], cluster = "bdok", namespace: string | undefined = "kafka") =>
        res("kubernetes:kafka.strimzi.io/v1:KafkaNodePool", name, {
            metadata: { namespace, labels: { "strimzi.io/cluster": cluster } },
            spec: { replicas, roles },
        });
    const BROKERS: [string, ReturnType<typeof res>[], RegExp | undefined][] = [
        ["3 brokers in one pool", [pool("a", 3, ["broker"])], undefined],
        ["2 + 1 across pools", [pool("a", 2, ["broker", "controller"]), pool("b", "1", ["broker"])], undefined],
        ["2 brokers", [pool("a", 2, ["broker"])], /2 broker\(s\) across its KafkaNodePools/],
        ["3 controllers only", [pool("a", 3, ["controller"])], /0 broker\(s\)/],
        ["3 in another cluster's pool", [pool("a", 3, ["broker"], "other")], /0 broker\(s\)/],
        ["3 in another namespace", [pool("a", 3, ["broker"], "bdok", "elsewhere")], /0 broker\(s\)/],
        ["3 with no namespace on the pool", [pool("a", 3, ["broker"], "bdok", undefined)], undefined],
        ["replicas not a number", [pool("a", "x", ["broker"]), pool("b", 2, ["broker"])], /2 broker\(s\)/],
    ];
    for (const [what, pools, want] of BROKERS)
        it(`kafka-brokers-prod: ${what}`, async () => {
            const got = await run("kafka-brokers-prod", kafka(good), ...pools);
            assert.equal(got.length, want ? 1 : 0, got.join("\n"));
            if (want) assert.match(got[0], want);
        });
    it("kafka-brokers-prod: a cluster whose name is not known yet is skipped", async () => {
        const k = res(K, "k", { metadata: { name: "[unknown]" }, spec: {} });
        assert.deepEqual(await run("kafka-brokers-prod", k), []);
    });

    // Strimzi GenericKafkaListener: tls (boolean), authentication.type (tls, scram-sha-512, ...).
    const LISTENER: [string, unknown, RegExp | undefined][] = [
        ["tls + tls auth", { tls: true, authentication: { type: "tls" } }, undefined],
        ['"true" + scram', { tls: "true", authentication: { type: "scram-sha-512" } }, undefined],
        ["plaintext", { tls: false, authentication: { type: "scram-sha-512" } }, /tls is false \(plaintext/],
        ["tls unset", { authentication: { type: "tls" } }, /tls is/],
        ["no authentication", { tls: true }, /no authentication/],
        ["empty authentication type", { tls: true, authentication: { type: "" } }, /no authentication/],
        ["unknown tls", { tls: "[unknown]" }, undefined],
        ["unknown auth", { tls: false, authentication: { type: "[unknown]" } }, undefined],
    ];
    for (const [what, l, want] of LISTENER)
        it(`listener: ${what}`, () => {
            const got = listenerProblem(l);
            if (want) assert.match(got ?? "", want);
            else assert.equal(got, undefined);
        });

    const AUTHZ: [string, Record<string, unknown>, RegExp[]][] = [
        ["simple authorization", {}, []],
        ["no authorization", { authorization: undefined }, [/spec\.kafka\.authorization is/]],
        ["empty type", { authorization: { type: "" } }, [/spec\.kafka\.authorization is/]],
        ["allow.everyone true", { config: { ...good, "allow.everyone.if.no.acl.found": "true" } }, [/allow\.everyone\.if\.no\.acl\.found is true/]],
        ["allow.everyone false", { config: { ...good, "allow.everyone.if.no.acl.found": false } }, []],
        [
            "a plaintext listener",
            { listeners: [{ name: "plain", tls: false, authentication: { type: "tls" } }] },
            [/listeners\[0\] \("?plain"?\): tls is false/],
        ],
    ];
    for (const [what, extra, want] of AUTHZ)
        it(`kafka-tls-authn-authz: ${what}`, async () => {
            const base = kafka(good, extra);
            const got = await run("kafka-tls-authn-authz", base);
            assert.equal(got.length, want.length, got.join("\n"));
            want.forEach((re, i) => assert.match(got[i], re));
        });
});

describe("policy boundaries: RDS and EKS (policy/rds.ts, policy/eks.ts)", () => {
    const prodCfg = { stack: "prod", isProd: true, exposure: "clusterIp" as const };
    const run = async (rule: string, ...rs: ReturnType<typeof res>[]) =>
        (await runPolicies(rs, prodCfg)).violations.filter((v) => v.policy === rule).map((v) => v.message);
    const I = "aws:rds/instance:Instance";
    const C = "aws:rds/cluster:Cluster";

    // [rule, type, props, expected message or undefined]; RDS API: BackupRetentionPeriod 0 turns
    // automated backups off, 1..35 days keeps them.
    const RDS: [string, string, Record<string, unknown>, RegExp | undefined][] = [
        ["rds-storage-encrypted", I, { storageEncrypted: true }, undefined],
        ["rds-storage-encrypted", C, { storageEncrypted: false }, /storageEncrypted is false; set storageEncrypted: true/],
        ["rds-storage-encrypted", I, {}, /storageEncrypted is/],
        ["rds-storage-encrypted", I, { storageEncrypted: "[unknown]" }, undefined],
        ["rds-backup-retention", I, { backupRetentionPeriod: 1 }, undefined],
        ["rds-backup-retention", I, { backupRetentionPeriod: "7" }, undefined],
        ["rds-backup-retention", C, { backupRetentionPeriod: 0 }, /backupRetentionPeriod is 0; allowed: 1 to 35 days/],
        ["rds-backup-retention", I, { backupRetentionPeriod: "x" }, /backupRetentionPeriod is/],
        ["rds-backup-retention", I, { backupRetentionPeriod: "[unknown]" }, undefined],
        ["rds-not-public", I, { publiclyAccessible: true }, /publiclyAccessible is true/],
        ["rds-not-public", "aws:rds/clusterInstance:ClusterInstance", { publiclyAccessible: "true" }, /publiclyAccessible is true/],
        ["rds-not-public", I, { publiclyAccessible: false }, undefined],
        ["rds-deletion-protection-prod", I, { deletionProtection: true }, undefined],
        ["rds-deletion-protection-prod", C, {}, /deletionProtection is .* in a prod stack/],
        ["rds-deletion-protection-prod", I, { deletionProtection: "[unknown]" }, undefined],
        ["rds-final-snapshot-prod", I, { skipFinalSnapshot: false, finalSnapshotIdentifier: "final" }, undefined],
        [
            "rds-final-snapshot-prod",
            I,
            { skipFinalSnapshot: true, finalSnapshotIdentifier: "final" },
            /got skipFinalSnapshot true, finalSnapshotIdentifier "?final"?/,
        ],
        ["rds-final-snapshot-prod", I, { skipFinalSnapshot: false, finalSnapshotIdentifier: "" }, /final snapshot on delete/],
        ["rds-final-snapshot-prod", I, { skipFinalSnapshot: false }, /final snapshot on delete/],
        ["rds-final-snapshot-prod", I, { skipFinalSnapshot: false, finalSnapshotIdentifier: "[unknown]" }, undefined],
        ["rds-multi-az-prod", I, { multiAz: true }, undefined],
        ["rds-multi-az-prod", I, { multiAz: false }, /multiAz is false in a prod stack/],
        ["rds-multi-az-prod", I, { multiAz: "[unknown]" }, undefined],
        ["rds-multi-az-prod", C, { multiAz: false }, undefined],
    ];
    for (const [rule, type, props, want] of RDS)
        it(`${rule}: ${type.split(":").pop()} ${JSON.stringify(props)}`, async () => {
            const got = await run(rule, res(type, "db", props));
            assert.equal(got.length, want ? 1 : 0, got.join("\n"));
            if (want) assert.match(got[0], want);
        });

    // RDS user guide: rds.force_ssl defaults to 1 from PostgreSQL 15 on, 0 before.
    const FORCE: [unknown, unknown, RegExp | undefined][] = [
        ["postgres16", [], undefined],
        ["postgres15", undefined, undefined],
        ["postgres14", [], /not set and defaults to 0 on postgres14/],
        ["aurora-postgresql14", [], /defaults to 0/],
        ["postgres16", [{ name: "rds.force_ssl", value: "0" }], /rds\.force_ssl is "?0"?/],
        ["postgres14", [{ name: "rds.force_ssl", value: "1" }], undefined],
        ["postgres14", [{ name: "rds.force_ssl", value: 1 }], undefined],
        ["postgres14", [{ name: "other", value: "1" }], /not set/],
        ["postgres16", [{ name: "rds.force_ssl", value: "[unknown]" }], undefined],
        ["mysql8.0", [], undefined],
        ["xpostgres14", [], undefined],
        [3, [], undefined],
    ];
    for (const [family, params, want] of FORCE)
        it(`force_ssl: ${String(family)} ${JSON.stringify(params)}`, () => {
            const got = forceSslProblem(family, params);
            if (want) assert.match(got ?? "", want);
            else assert.equal(got, undefined);
        });
    it("rds-force-ssl reports on parameter groups", async () => {
        const got = await run("rds-force-ssl", res("aws:rds/parameterGroup:ParameterGroup", "pg", { family: "postgres14", parameters: [] }));
        assert.equal(got.length, 1);
        assert.match(got[0], /set rds\.force_ssl to 1/);
    });

    // EKS API: endpointPublicAccess defaults to true, publicAccessCidrs to 0.0.0.0/0.
    const ENDPOINT: [unknown, unknown, RegExp | undefined][] = [
        [false, undefined, undefined],
        ["false", ["0.0.0.0/0"], undefined],
        [UNKNOWN, [], undefined],
        [true, UNKNOWN, undefined],
        [true, [], /no publicAccessCidrs/],
        [true, undefined, /no publicAccessCidrs/],
        [true, ["203.0.113.0/24", UNKNOWN], undefined],
        [true, ["10.0.0.0/8"], undefined],
        [true, ["10.0.0.0/7"], /admits "?10\.0\.0\.0\/7"? \(broader than \/8\)/],
        [true, ["not a cidr"], /admits/],
        [true, [3], /admits/],
    ];
    for (const [on, cidrs, want] of ENDPOINT)
        it(`endpoint: ${String(on)} ${JSON.stringify(cidrs)}`, () => {
            const got = publicEndpointProblem(on, cidrs);
            if (want) assert.match(got ?? "", want);
            else assert.equal(got, undefined);
        });

    // EKS control-plane logging: api, audit, authenticator, controllerManager, scheduler.
    it("missing log types", () => {
        assert.deepEqual(missingLogTypes(["api", "audit", "authenticator", "controllerManager", "scheduler"]), []);
        assert.deepEqual(missingLogTypes("api"), ["audit", "authenticator", "controllerManager", "scheduler"]);
        assert.deepEqual(missingLogTypes(undefined), ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    });

    const EKS: [string, string, Record<string, unknown>, RegExp | undefined][] = [
        ["eks-secrets-encryption", "eks:index:Cluster", { encryptionConfigKeyArn: "arn:aws:kms:r:1:key/k" }, undefined],
        ["eks-secrets-encryption", "eks:index:Cluster", { encryptionConfigKeyArn: "" }, /encryptionConfigKeyArn is not set/],
        ["eks-secrets-encryption", "eks:index:Cluster", {}, /encryptionConfigKeyArn is not set/],
        ["eks-secrets-encryption", "eks:index:Cluster", { encryptionConfigKeyArn: "[unknown]" }, undefined],
        ["eks-secrets-encryption", "aws:eks/cluster:Cluster", { encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:k" } } }, undefined],
        [
            "eks-secrets-encryption",
            "aws:eks/cluster:Cluster",
            { encryptionConfig: { resources: ["configmaps"], provider: { keyArn: "arn:k" } } },
            /must cover resources \["secrets"\]/,
        ],
        ["eks-secrets-encryption", "aws:eks/cluster:Cluster", { encryptionConfig: { resources: ["secrets"], provider: {} } }, /KMS provider\.keyArn/],
        ["eks-secrets-encryption", "aws:eks/cluster:Cluster", { encryptionConfig: "[unknown]" }, undefined],
        [
            "eks-control-plane-logging",
            "aws:eks/cluster:Cluster",
            { enabledClusterLogTypes: ["api"] },
            /misses audit, authenticator, controllerManager, scheduler/,
        ],
        ["eks-control-plane-logging", "eks:index:Cluster", { enabledClusterLogTypes: "[unknown]" }, undefined],
        ["eks-private-nodes", "eks:index:Cluster", { nodeAssociatePublicIpAddress: false }, undefined],
        ["eks-private-nodes", "eks:index:Cluster", {}, /nodeAssociatePublicIpAddress is .*; set it to false/],
        ["eks-private-nodes", "eks:index:Cluster", { nodeAssociatePublicIpAddress: "[unknown]" }, undefined],
        ["eks-endpoint-restricted-prod", "eks:index:Cluster", { endpointPublicAccess: false }, undefined],
        ["eks-endpoint-restricted-prod", "eks:index:Cluster", {}, /no publicAccessCidrs/],
        ["eks-endpoint-restricted-prod", "aws:eks/cluster:Cluster", { vpcConfig: { publicAccessCidrs: ["0.0.0.0/0"] } }, /admits/],
        ["eks-endpoint-restricted-prod", "aws:eks/cluster:Cluster", { vpcConfig: { endpointPublicAccess: false } }, undefined],
    ];
    for (const [rule, type, props, want] of EKS)
        it(`${rule}: ${type} ${JSON.stringify(props)}`, async () => {
            const got = await run(rule, res(type, "c", props));
            assert.equal(got.length, want ? 1 : 0, got.join("\n"));
            if (want) assert.match(got[0], want);
        });
});

describe("policy boundaries: images by digest (policy/images.ts)", () => {
    const D = "a".repeat(64);
    // OCI distribution spec: a reference is name[:tag][@digest]; sha256 digests are 64 hex chars.
    const REFS: [string, unknown, Array<[string, string | typeof UNKNOWN, boolean?]>][] = [
        ["a string", { spec: { image: " nginx:1.27 " } }, [["spec.image", "nginx:1.27", false]]],
        ["an unknown string", { spec: { image: "[unknown]" } }, [["spec.image", UNKNOWN]]],
        ["an empty string", { spec: { image: "" } }, []],
        [
            "a build output",
            { spec: { build: { output: { image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/c:1" } } } },
            [["spec.build.output.image", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/c:1", true]],
        ],
        ["a Helm map", { image: { registry: "docker.io", repository: "trinodb/trino", tag: "480" } }, [["image", "docker.io/trinodb/trino:480"]]],
        ["a map with digest", { image: { repository: "x/y", digest: `sha256:${D}` } }, [["image", `x/y@sha256:${D}`]]],
        ["a map with a bare sha", { image: { name: "x", sha: D } }, [["image", `x@sha256:${D}`]]],
        ["a map with a prefixed sha", { image: { name: "x", tag: "1", sha: `sha256:${D}` } }, [["image", `x:1@sha256:${D}`]]],
        ["a map with a tag only", { image: { tag: "1.0" } }, [["image", "(the chart's repository):1.0"]]],
        ["a map with nothing", { image: { pullPolicy: "Always" } }, []],
        ["a map with an unknown part", { image: { repository: "x", tag: "[unknown]" } }, [["image", UNKNOWN]]],
        [
            "Airflow's default image",
            { defaultAirflowRepository: "apache/airflow", defaultAirflowTag: "3.1.7", defaultAirflowDigest: `sha256:${D}` },
            [["defaultAirflowRepository", `apache/airflow:3.1.7@sha256:${D}`]],
        ],
        ["Airflow's repository alone", { defaultAirflowRepository: "apache/airflow" }, [["defaultAirflowRepository", "apache/airflow"]]],
        ["Airflow's tag unknown", { defaultAirflowRepository: "apache/airflow", defaultAirflowTag: "[unknown]" }, [["defaultAirflowRepository", UNKNOWN]]],
        ["Airflow's repository empty", { defaultAirflowRepository: "" }, []],
    ];
    for (const [what, root, want] of REFS)
        it(`image references: ${what}`, () =>
            assert.deepEqual(
                imageReferences(root).map((r) => (r.push === undefined ? [r.path, r.image] : [r.path, r.image, r.push])),
                want,
            ));

    const ecr = new Map([
        ["app", "IMMUTABLE"],
        ["loose", "MUTABLE"],
    ]);
    const A = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
    const PROBLEMS: [string, string | typeof UNKNOWN, boolean | undefined, RegExp | undefined][] = [
        ["by digest", `nginx:1.27@sha256:${D}`, undefined, undefined],
        ["by tag", "nginx:1.27", undefined, /nginx:1\.27: by tag only/],
        ["a short digest", "nginx@sha256:abc", undefined, /by tag only/],
        ["a digest not at the end", `nginx@sha256:${D}x`, undefined, /by tag only/],
        ["a listed exception", "trinodb/trino:480", undefined, undefined],
        ["unknown", UNKNOWN, undefined, undefined],
        ["an immutable ECR repository of the stack", `${A}/app:1`, undefined, undefined],
        ["an ECR repository in China", `${A}.cn/app:1`, undefined, undefined],
        ["a mutable ECR repository", `${A}/loose:1`, undefined, /ECR repository loose lets its tags move \(imageTagMutability MUTABLE\)/],
        ["another ECR repository", `${A}/other:1`, undefined, /an ECR repository this stack does not create/],
        ["a build pushing elsewhere", "docker.io/me/c:1", true, /a build pushes outside/],
        ["an 11-digit account", "12345678901.dkr.ecr.eu-west-1.amazonaws.com/app:1", undefined, /by tag only/],
    ];
    for (const [what, image, push, want] of PROBLEMS)
        it(`image problem: ${what}`, () => {
            const got = imageProblem({ path: "p", image, push }, ecr);
            if (want) assert.match(got ?? "", want);
            else assert.equal(got, undefined);
        });

    it("k8s-images-by-digest reads the stack's ECR repositories (mutable unless said) and pod scopes", async () => {
        const cfg = { stack: "prod", isProd: true, exposure: "clusterIp" as const };
        const deploy = (image: string) => res("kubernetes:apps/v1:Deployment", "d", { spec: { template: { spec: { containers: [{ image }] } } } });
        const run = async (...rs: ReturnType<typeof res>[]) =>
            (await runPolicies(rs, cfg)).violations.filter((v) => v.policy === "k8s-images-by-digest").map((v) => v.message);
        assert.deepEqual(await run(res("aws:ecr/repository:Repository", "r", { name: "app", imageTagMutability: "IMMUTABLE" }), deploy(`${A}/app:1`)), []);
        const loose = await run(res("aws:ecr/repository:Repository", "r", { name: "app" }), deploy(`${A}/app:1`));
        assert.equal(loose.length, 1);
        assert.match(loose[0], /spec\.template\.spec\.containers\[0\]\.image: .* \(imageTagMutability MUTABLE\)/);
        assert.equal((await run(deploy("nginx:1"))).length, 1);
        assert.deepEqual(await run(res("kubernetes:core/v1:ConfigMap", "c", { data: { image: "nginx:1" } })), []);
    });
});
