// Kubernetes workloads: no load balancer beyond the stack's exposure, no literal credentials.
import { T, UNKNOWN, WORKLOAD_KINDS, arr, is, isCustomResourceType, k8sTypeOf, keysOf, read, walk } from "./props";
import { Exposure, label, resourceRule } from "./config";
import { coversInternet } from "./network";

/** Key names whose plain string value is a credential (normalised: lower case, letters and digits). */
const CREDENTIAL_SUFFIXES = [
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "token",
    "apikey",
    "accesskey",
    "accesskeyid",
    "secretkey",
    "secretaccesskey",
    "privatekey",
    "clientsecret",
    "sharedsecret",
    "jwtsecret",
    "fernetkey",
    "signingkey",
    "encryptionkey",
    "authtoken",
    "bearertoken",
    "connectionstring",
];
/** Keys that name where a credential lives (a Secret name, a file, a switch), not the credential. */
const REFERENCE_KEY =
    /(secretname|secretref|keyref|existingsecret|fromsecret|secretkeyname|file|path|dir|enabled|enable|length|policy|type|mode|ttl|expiry|expiration|rotation|header|field|env|envname|mount|class|provider|providers|algorithm|method|ref|serviceaccounttoken)$/;

export function isCredentialKey(key: string): boolean {
    const k = key.toLowerCase().replace(/[^a-z0-9]/g, "");
    if (k === "pass") return true;
    if (REFERENCE_KEY.test(k)) return false;
    return CREDENTIAL_SUFFIXES.some((s) => k.endsWith(s));
}

/**
 * A value that points at a credential instead of being one: a config-provider reference
 * (`${secrets:ns/name:key}`, `${env:X}`, `${file:...}`), a Kubernetes env expansion `$(VAR)`, a Helm
 * template, a mounted file path, or nothing at all.
 */
export function isReferenceValue(v: string): boolean {
    const s = v.trim();
    return s === "" || /^\$\{[^}]+\}$/.test(s) || /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(s) || /^\{\{[\s\S]*\}\}$/.test(s) || /^\/[\w./-]+$/.test(s);
}

/** Objects of this shape point at a Secret: their string values are key names, not credentials. */
const SECRET_POINTER_KEYS = ["secretName", "secretKeyRef", "existingSecret", "valueFrom", "secretRef"];

/** Keys naming program source (ConfigMap data of scripts and DAGs): no settings inside. */
const CODE_FILE = /\.(py|sh|bash|js|mjs|ts|sql|rb|go|java|scala|r|pl|ps1)$/i;

/** A setting's value that is a bare token (a credential), not an expression such as f(x) or a[b]. */
function isPlainToken(v: string): boolean {
    return v !== "" && !/[\s()[\]{}<>,;]/.test(v.replace(/^\$\{[^}]*\}$/, ""));
}

export interface CredentialHit {
    path: string;
    why: string;
}

/** A shell variable (`$PGPASSWORD`, `${PGPASSWORD}`): the value comes from the environment. */
const isShellVariable = (v: string) => /^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$/.test(v);
const unquote = (v: string) => v.replace(/^["']+|["']+$/g, "");

/** What in one string (a setting, a command, a list element) writes a credential out; `key` is its holder's key. */
function stringCredentials(key: string, value: string): string[] {
    const why: string[] = [];
    // scheme://user:password@host (jdbc:postgresql://u:p@h too)
    const uri = /[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:([^\s@/]+)@/i.exec(value);
    if (uri && !isReferenceValue(uri[1]) && !/^\$\{.*\}$|^\$\(.*\)$/.test(uri[1])) why.push("a URI with an embedded password");
    // ...?user=u&password=p (JDBC and libpq URLs)
    if (/:\/\/|^jdbc:/i.test(value)) {
        for (const m of value.matchAll(/[?&;]([A-Za-z0-9_.-]+)=([^&;\s'"]*)/g)) {
            if (isCredentialKey(m[1]) && !isReferenceValue(m[2]) && !isShellVariable(m[2])) why.push(`a URL with a "${m[1]}" parameter`);
        }
    }
    // properties/config text: "s3.aws-secret-key=..." lines (and "key: value" lines in multi-line
    // text), but not program source (a script in a ConfigMap assigns variables, it sets nothing).
    if (CODE_FILE.test(key)) return why;
    const multiLine = value.includes("\n");
    for (const line of value.split("\n")) {
        const m = (multiLine ? /^\s*([A-Za-z0-9_.-]+)\s*[=:]\s*(.*?)\s*$/ : /^\s*([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*$/).exec(line);
        const v = m ? unquote(m[2]) : "";
        if (m && isCredentialKey(m[1]) && isPlainToken(v) && !isReferenceValue(v)) why.push(`setting "${m[1]}" holds a literal value`);
    }
    // Words of a command line: PGPASSWORD=x, --password=x, --conf spark...secret.key=x
    const words = value
        .split(/\s+/)
        .map(unquote)
        .filter((w) => w !== "");
    if (words.length > 1) why.push(...wordCredentials(words).map(([, w]) => w));
    return why;
}

/** A flag whose argument names where a value lives (`--kafka-option-from-env k=ENV_VAR`, `--password-file f`). */
const REFERENCE_FLAG = /^--?[A-Za-z0-9_.-]*(from-env|from-file|from-secret|env|file|secret-ref)$/i;

/** Credentials in a list of command words: `NAME=value`, `--name=value`, and `--name value`; each with its word's index. */
function wordCredentials(words: string[]): Array<[number, string]> {
    const why: Array<[number, string]> = [];
    words.forEach((w, i) => {
        if (i > 0 && REFERENCE_FLAG.test(words[i - 1])) return;
        const kv = /^-{0,2}([A-Za-z0-9_.-]+)=(.*)$/.exec(w);
        if (kv) {
            const v = unquote(kv[2]);
            if (isCredentialKey(kv[1]) && isPlainToken(v) && !isReferenceValue(v) && !isShellVariable(v)) why.push([i, `"${kv[1]}=" holds a literal value`]);
            return;
        }
        const flag = /^--([A-Za-z0-9_.-]+)$/.exec(w);
        const next = words[i + 1];
        if (flag && isCredentialKey(flag[1]) && next !== undefined && !next.startsWith("-") && !isReferenceValue(next) && !isShellVariable(next))
            why.push([i, `argument "--${flag[1]}" is followed by a literal value`]);
    });
    return why;
}

/** Credentials written as literals anywhere under `root` (specs, Helm values, env lists, config text, lists of arguments). */
export function literalCredentials(root: unknown): CredentialHit[] {
    const hits: CredentialHit[] = [];
    const seen = new Set<string>();
    const hit = (path: string, why: string) => {
        if (!seen.has(path)) {
            seen.add(path);
            hits.push({ path, why });
        }
    };
    walk(root, (holder, key, value, path) => {
        if (Array.isArray(value)) {
            // Strings inside lists (command, args, arguments, additionalConfigProperties): the walk only visits object keys.
            const strings: Array<[string, string]> = [];
            const collect = (v: unknown, p: string) => {
                if (typeof v === "string") strings.push([p, v]);
                else if (Array.isArray(v)) arr(v).forEach((x, i) => collect(x, `${p}[${i}]`));
            };
            collect(value, path);
            strings.forEach(([p, v], i) => {
                if (i > 0 && REFERENCE_FLAG.test(strings[i - 1][1].trim())) return;
                for (const why of stringCredentials(key, v)) hit(p, why);
            });
            // Across elements: `--password`, `hunter2`; a word its own element already reported is not reported again.
            const words = strings.map(([, v]) => v.trim());
            for (const [i, why] of wordCredentials(words)) if (!seen.has(strings[i][0])) hit(path, why);
            return;
        }
        if (typeof value !== "string") return;
        const pointer = SECRET_POINTER_KEYS.some((k) => keysOf(holder).includes(k));
        // key: "literal"
        if (!pointer && isCredentialKey(key) && !isReferenceValue(value)) hit(path, `key "${key}" holds a literal value`);
        // { name: PASSWORD, value: "literal" } (container env, Airflow env, ...)
        if (key === "value") {
            const name = read(holder, "name");
            if (typeof name === "string" && isCredentialKey(name) && !isReferenceValue(value)) hit(path, `env "${name}" holds a literal value`);
        }
        for (const why of stringCredentials(key, value)) hit(path, why);
    });
    return hits;
}

export interface LoadBalancerHit {
    path: string;
    /** Explicitly internet-facing. */
    internetFacing: boolean;
    /** Explicitly internal. */
    internal: boolean;
    /**
     * Handled by the AWS Load Balancer Controller: `aws-load-balancer-type: external` with a target
     * type, or `loadBalancerClass: service.k8s.aws/nlb`. Otherwise the in-tree cloud provider takes
     * the Service, builds a Classic load balancer and ignores the controller's scheme annotation.
     */
    byController: boolean;
    /** The client ranges it declares (spec field, Strimzi configuration or annotation); undefined when none. */
    ranges: string[] | undefined;
}

function lbScheme(scope: unknown): { internetFacing: boolean; internal: boolean; byController: boolean } {
    let internetFacing = false;
    let internal = false;
    let external = false;
    let targetType = false;
    let nlbClass = false;
    walk({ scope }, (_h, k, v) => {
        const val = typeof v === "string" ? v.toLowerCase() : v;
        if (/aws-load-balancer-type$/.test(k) && val === "external") external = true;
        if (/aws-load-balancer-nlb-target-type$/.test(k) && (val === "ip" || val === "instance")) targetType = true;
        if (k === "loadBalancerClass" && val === "service.k8s.aws/nlb") nlbClass = true;
        if (/aws-load-balancer-scheme$/.test(k) || k === "scheme") {
            if (val === "internet-facing") internetFacing = true;
            if (val === "internal") internal = true;
        }
        if (/aws-load-balancer-internal$/.test(k)) {
            if (val === "true" || val === true || val === "0.0.0.0/0") internal = true;
            if (val === "false" || val === false) internetFacing = true;
        }
    });
    return { internetFacing, internal, byController: (external && targetType) || nlbClass };
}

/** Whether some object under `v` has a `type` or `serviceType` key: it declares a Service (or listener) of its own. */
function declaresType(v: unknown): boolean {
    let found = false;
    walk(v, (_h, k) => (found ||= k === "type" || k === "serviceType"));
    return found;
}

/**
 * The holder's parent as far as it speaks for the holder: without the children that declare a type
 * of their own (the holder itself, read on its own; a second Service in one values block, another
 * Strimzi listener), whose annotations are theirs.
 */
function parentScope(parent: unknown): Record<string, unknown> {
    const scope: Record<string, unknown> = {};
    for (const k of keysOf(parent)) {
        const v = read(parent, k);
        if (!declaresType(v)) scope[k] = v;
    }
    return scope;
}

/**
 * Every place under `root` that asks for a load balancer: a Service spec or Helm values with
 * `type`/`serviceType: LoadBalancer`, a Strimzi listener of type `loadbalancer`, an ECK http service.
 * The scheme is looked up in the holder and its parent (annotations sit beside or above the type),
 * never in a sibling Service's own block.
 */
export function loadBalancerServices(root: unknown): LoadBalancerHit[] {
    const hits: LoadBalancerHit[] = [];
    walk({ root }, (holder, key, value, path, ancestors) => {
        if ((key === "type" || key === "serviceType") && typeof value === "string" && value.toLowerCase() === "loadbalancer") {
            const parent = ancestors[ancestors.length - 1];
            const a = lbScheme(holder);
            const b = lbScheme(parentScope(parent));
            hits.push({
                path: path.replace(/^root\.?/, ""),
                internetFacing: a.internetFacing || b.internetFacing,
                internal: a.internal || b.internal,
                byController: a.byController || b.byController,
                ranges: sourceRangesOf(holder, parent),
            });
        }
    });
    return hits;
}

/** Whether a load balancer request is allowed under the stack's exposure; the reason if not. */
export function loadBalancerProblem(hit: LoadBalancerHit, exposure: Exposure): string | undefined {
    if (exposure === "clusterIp")
        return `a LoadBalancer service is not allowed with exposure clusterIp (use ClusterIP and kubectl port-forward, or set bdok:exposure)`;
    if (!hit.byController)
        return `the AWS Load Balancer Controller must handle it (annotations service.beta.kubernetes.io/aws-load-balancer-type: external and aws-load-balancer-nlb-target-type: ip, or loadBalancerClass service.k8s.aws/nlb); otherwise the in-tree provider builds a Classic load balancer and ignores the scheme`;
    if (exposure === "internalLoadBalancer" && (hit.internetFacing || !hit.internal)) {
        return `exposure is internalLoadBalancer, so the load balancer must be internal (annotation service.beta.kubernetes.io/aws-load-balancer-scheme: internal)`;
    }
    return undefined;
}

/** Where a resource asks for load balancers: Services, Helm values, custom resources. */
function lbScope(args: { type: string; props: Record<string, any> }): unknown {
    if (is(T.k8sService, args.type)) return args.props;
    if (is(T.helm, args.type)) return read(args.props, "values");
    if (isCustomResourceType(args.type)) return read(args.props, "spec");
    return undefined;
}

export const k8sNoLoadBalancer = resourceRule({
    name: "k8s-no-loadbalancer-service",
    description:
        "No Kubernetes LoadBalancer service (in a Service, Helm values or a custom resource) unless bdok:exposure allows it; internal exposure means internal load balancers.",
    tags: ["kubernetes", "network"],
    check: (args, report, cfg) => {
        const scope = lbScope(args);
        if (scope === undefined) return;
        for (const hit of loadBalancerServices(scope)) {
            const problem = loadBalancerProblem(hit, cfg.exposure);
            if (problem) report(`${label(args)}: ${hit.path || "spec.type"} is LoadBalancer; ${problem}.`);
        }
    },
});

/** Where credentials could be written: CR specs, Helm values, workload specs and ConfigMap data. */
function credentialScope(args: { type: string; props: Record<string, any> }): unknown {
    if (is(T.k8sSecret, args.type)) return undefined; // the one right place for them
    if (is(T.helm, args.type)) return { values: read(args.props, "values"), repositoryOpts: read(args.props, "repositoryOpts") };
    const t = k8sTypeOf(args.type);
    if (!t) return undefined;
    if (isCustomResourceType(args.type)) return { spec: read(args.props, "spec") };
    if (WORKLOAD_KINDS.has(t.kind)) return { spec: read(args.props, "spec"), data: read(args.props, "data") };
    return undefined;
}

export const noLiteralCredentials = resourceRule({
    name: "no-literal-credentials",
    description:
        "No credential as a literal in a custom resource, Helm values, container env or ConfigMap: reference a Kubernetes Secret (secretKeyRef, existingSecret, ${secrets:...}).",
    tags: ["kubernetes", "secrets"],
    check: (args, report) => {
        const scope = credentialScope(args);
        if (scope === undefined) return;
        for (const h of literalCredentials(scope)) {
            report(
                `${label(args)}: ${h.path}: ${h.why}; keep credentials in a Kubernetes Secret and reference it (secretKeyRef, existingSecret or a config provider such as \${secrets:<ns>/<secret>:<key>}).`,
            );
        }
    },
});

/** libpq's sslmode values (and asyncpg's `ssl`) that do not check the server's certificate and name. */
const WEAK_SSLMODES = new Set(["disable", "allow", "prefer", "require", "verify-ca"]);

/**
 * PostgreSQL clients told to trust the server unverified: a URL (JDBC, SQLAlchemy, libpq) whose
 * `sslmode` (or asyncpg's `ssl`) is weaker than verify-full, an env `PGSSLMODE` likewise, or a
 * PostgreSQL URL with no mode at all (libpq's and pgjdbc's default, prefer, verifies nothing).
 */
export function weakPostgresTls(root: unknown): CredentialHit[] {
    const hits: CredentialHit[] = [];
    const url = (path: string, value: string) => {
        for (const m of value.matchAll(/(?:jdbc:)?postgres(?:ql)?(?:\+[a-z0-9]+)?:\/\/[^\s'"]*/gi)) {
            const q = m[0].includes("?") ? m[0].slice(m[0].indexOf("?") + 1) : "";
            const params = new Map([...q.matchAll(/(?:^|[&;])([A-Za-z0-9_.-]+)=([^&;]*)/g)].map((x) => [x[1].toLowerCase(), x[2].toLowerCase()]));
            const mode = params.get("sslmode") ?? params.get("ssl");
            if (mode === undefined)
                hits.push({ path, why: `PostgreSQL URL ${m[0].replace(/\/\/[^@/]*@/, "//…@")} sets no sslmode (the default, prefer, verifies nothing)` });
            else if (WEAK_SSLMODES.has(mode) || mode === "true")
                hits.push({ path, why: `PostgreSQL URL with sslmode ${mode}, which does not verify the server` });
        }
    };
    walk(root, (holder, key, value, path) => {
        if (Array.isArray(value)) {
            arr(value).forEach((v, i) => typeof v === "string" && url(`${path}[${i}]`, v));
            return;
        }
        // Program source (a script in a ConfigMap) may mention a URL; it sets nothing.
        if (typeof value !== "string" || CODE_FILE.test(key)) return;
        if (key === "value" && read(holder, "name") === "PGSSLMODE" && WEAK_SSLMODES.has(value.trim().toLowerCase()))
            hits.push({ path, why: `env PGSSLMODE=${value}, which does not verify the server` });
        else if (/^(PGSSLMODE|sslmode)$/.test(key) && WEAK_SSLMODES.has(value.trim().toLowerCase()))
            hits.push({ path, why: `${key}=${value}, which does not verify the server` });
        url(path, value);
    });
    return hits;
}

export const postgresVerifyFull = resourceRule({
    name: "postgres-verify-full",
    description:
        "PostgreSQL clients verify the server (sslmode=verify-full with the RDS CA bundle as sslrootcert): no URL, PGSSLMODE or sslmode setting weaker than verify-full in a custom resource, Helm values, container env or ConfigMap.",
    tags: ["kubernetes", "network", "rds"],
    check: (args, report) => {
        const scope = credentialScope(args);
        if (scope === undefined) return;
        for (const h of weakPostgresTls(scope))
            report(
                `${label(args)}: ${h.path}: ${h.why}; use sslmode=verify-full (asyncpg: ssl=verify-full) with sslrootcert (PGSSLROOTCERT) naming the RDS CA bundle.`,
            );
    },
});

export const helmOciChartReference = resourceRule({
    name: "helm-oci-chart-reference",
    description:
        "An OCI chart is named by its full oci:// reference in the Release's chart, never by an oci:// repositoryOpts.repo: the provider asks such a repository for an index.yaml, which a registry does not serve.",
    tags: ["kubernetes", "helm"],
    check: (args, report) => {
        // The Release's resolution is the one cited (provider/pkg/provider/helm_release.go).
        if (args.type !== "kubernetes:helm.sh/v3:Release") return;
        const repo = read(args.props, "repositoryOpts", "repo");
        if (typeof repo !== "string" || !/^oci:\/\//i.test(repo.trim())) return;
        const chart = read(args.props, "chart");
        report(
            `${label(args)}: repositoryOpts.repo is the OCI address ${repo}; the provider treats repositoryOpts.repo as a classic chart repository and fails on \`up\` ("not a valid chart repository"). Set chart to "${repo.replace(/\/+$/, "")}/${typeof chart === "string" ? chart : "<chart>"}" and drop repositoryOpts.`,
        );
    },
});
// ---------------------------------------------------------------------------------------------
// Load balancer source ranges
// ---------------------------------------------------------------------------------------------

/** The annotation the AWS Load Balancer Controller reads when spec.loadBalancerSourceRanges is empty (its Service annotations guide). */
export const SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges";

/** The client ranges a LoadBalancer request declares (spec field or annotation, beside or above its type); undefined when none. */
export function sourceRangesOf(holder: unknown, parent: unknown): string[] | undefined {
    for (const scope of [holder, parent]) {
        const field = arr(read(scope, "loadBalancerSourceRanges")).filter((c): c is string => typeof c === "string");
        if (field.length) return field;
        // Strimzi listeners keep them under configuration.
        const strimzi = arr(read(scope, "configuration", "loadBalancerSourceRanges")).filter((c): c is string => typeof c === "string");
        if (strimzi.length) return strimzi;
        for (const ann of [read(scope, "annotations"), read(scope, "metadata", "annotations")]) {
            const a = read(ann, SOURCE_RANGES_ANNOTATION);
            if (typeof a === "string" && a.trim() !== "")
                return a
                    .split(",")
                    .map((x) => x.trim())
                    .filter((x) => x !== "");
        }
    }
    return undefined;
}

export const k8sLoadBalancerSourceRanges = resourceRule({
    name: "k8s-loadbalancer-source-ranges",
    description:
        "Every LoadBalancer service names its allowed client ranges (loadBalancerSourceRanges or the source-ranges annotation), and they do not cover the internet: without them the controller opens every port to 0.0.0.0/0.",
    tags: ["kubernetes", "network"],
    check: (args, report) => {
        const scope = lbScope(args);
        if (scope === undefined) return;
        for (const { path, ranges } of loadBalancerServices(scope)) {
            const where = path || "spec.type";
            if (!ranges || ranges.length === 0)
                report(
                    `${label(args)}: ${where} is LoadBalancer with no loadBalancerSourceRanges, which the load balancer controller opens to 0.0.0.0/0; set bdok:loadBalancerSourceRanges.`,
                );
            else if (coversInternet(ranges))
                report(
                    `${label(args)}: ${where} is LoadBalancer open to ${ranges.join(", ")}, which covers the internet; list the clients' ranges (bdok:loadBalancerSourceRanges).`,
                );
        }
    },
});

// ---------------------------------------------------------------------------------------------
// TLS on every internet-facing load balancer
// ---------------------------------------------------------------------------------------------

// The AWS Load Balancer Controller v3.5.0 (the pinned chart's appVersion), docs/guide/service/annotations.md:
// the scheme defaults to internal (l.651); ssl-cert names the ACM certificate(s) (l.555); ssl-ports
// lists the TLS ports by number or name, all the Service's ports when absent, and `*` matches no
// port (l.573-579). docs/guide/ingress/annotations.md: an ALB's scheme defaults to internal (l.30);
// listen-ports defaults to HTTP 80, or HTTPS 443 with certificate-arn (l.145-161); certificate-arn
// (l.971), or a certificate discovered from spec.tls hosts (cert_discovery.md); ssl-redirect turns
// every HTTP listener into a redirect to HTTPS (l.164-177).
const SSL_CERT = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert";
const SSL_PORTS = "service.beta.kubernetes.io/aws-load-balancer-ssl-ports";
const ALB = "alb.ingress.kubernetes.io/";

/** The annotations beside or above a load balancer request (holder, its metadata, its parent's). */
function annotationsNear(holder: unknown, parent: unknown): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const scope of [parent, holder])
        for (const ann of [read(scope, "annotations"), read(scope, "metadata", "annotations")])
            if (ann && typeof ann === "object") for (const k of keysOf(ann)) out[k] = read(ann, k);
    return out;
}

const setValue = (v: unknown) => v === UNKNOWN || (typeof v === "string" && v.trim() !== "");

/** The ports a load balancer request names (Service spec.ports, chart values' port/ports): numbers and names. */
function portsNear(holder: unknown): { port: string; name?: string }[] {
    const out: { port: string; name?: string }[] = [];
    for (const p of arr(read(holder, "ports"))) {
        const port = read(p, "port");
        const name = read(p, "name");
        if (typeof port === "number" || typeof port === "string") out.push({ port: String(port), name: typeof name === "string" ? name : undefined });
    }
    for (const k of ["port", "servicePort", "externalPort"]) {
        const port = read(holder, k);
        if (typeof port === "number" || typeof port === "string") out.push({ port: String(port) });
    }
    return out;
}

/**
 * Why an internet-facing load balancer under `root` carries a plain listener; one message each.
 * `tlsInPod` says the pods themselves serve TLS on every port (the NLB passes TCP through).
 */
export function publicLoadBalancerTlsProblems(root: unknown, tlsInPod: boolean): string[] {
    const out: string[] = [];
    walk({ root }, (holder, key, value, path, ancestors) => {
        if (!((key === "type" || key === "serviceType") && typeof value === "string" && value.toLowerCase() === "loadbalancer")) return;
        const parent = ancestors[ancestors.length - 1];
        const a = lbScheme(holder);
        const b = lbScheme(parent);
        const internetFacing = a.internetFacing || b.internetFacing;
        const internal = a.internal || b.internal;
        const byController = a.byController || b.byController;
        // The controller defaults to internal; the in-tree provider makes every load balancer internet-facing.
        if (!(internetFacing || (!internal && !byController))) return;
        // A Strimzi listener with tls: true terminates TLS in the broker.
        if (tlsInPod || read(holder, "tls") === true) return;
        const where = path.replace(/^root\.?/, "") || "spec.type";
        const ann = annotationsNear(holder, parent);
        if (!setValue(ann[SSL_CERT])) {
            out.push(`${where} is an internet-facing LoadBalancer without ${SSL_CERT}: its listeners are plain TCP`);
            return;
        }
        const sslPorts = ann[SSL_PORTS];
        if (sslPorts === undefined || sslPorts === UNKNOWN) return; // absent: TLS on every port
        const listed = String(sslPorts)
            .split(",")
            .map((x) => x.trim())
            .filter((x) => x !== "" && x !== "*");
        const ports = portsNear(holder);
        if (listed.length === 0) out.push(`${where}: ${SSL_PORTS} is ${JSON.stringify(sslPorts)}, which matches no port (the controller does not expand "*")`);
        for (const p of ports)
            if (!listed.includes(p.port) && !(p.name && listed.includes(p.name)))
                out.push(`${where}: port ${p.port}${p.name ? ` (${p.name})` : ""} is not in ${SSL_PORTS}: plain TCP`);
    });
    return out;
}

/** Why an internet-facing ALB Ingress (annotations `alb.ingress.kubernetes.io/*`) serves plain HTTP; one message each. */
export function publicIngressTlsProblems(annotations: unknown, tls: unknown, where: string): string[] {
    if (read(annotations, `${ALB}scheme`) !== "internet-facing") return [];
    const out: string[] = [];
    const cert = setValue(read(annotations, `${ALB}certificate-arn`)) || arr(tls).length > 0;
    if (!cert) out.push(`${where}: an internet-facing ALB without ${ALB}certificate-arn or spec.tls (no certificate)`);
    const raw = read(annotations, `${ALB}listen-ports`);
    if (raw === UNKNOWN) return out;
    let listeners: unknown[];
    if (raw === undefined) listeners = [cert && setValue(read(annotations, `${ALB}certificate-arn`)) ? { HTTPS: 443 } : { HTTP: 80 }];
    else {
        try {
            listeners = arr(JSON.parse(String(raw)));
        } catch {
            return [...out, `${where}: ${ALB}listen-ports is not JSON: ${String(raw)}`];
        }
    }
    const redirect = setValue(read(annotations, `${ALB}ssl-redirect`));
    for (const l of listeners)
        for (const proto of keysOf(l))
            if (proto.toUpperCase() !== "HTTPS" && !(proto.toUpperCase() === "HTTP" && redirect))
                out.push(`${where}: listener ${proto} ${String(read(l, proto))} is plain HTTP (list HTTPS ports, or set ${ALB}ssl-redirect)`);
    return out;
}

/** Ingress-shaped Helm values (charts' `ingress: {enabled, annotations, tls}`) and Ingress resources. */
function ingressProblems(args: { type: string; props: Record<string, any> }, where: string): string[] {
    if (k8sTypeOf(args.type)?.kind === "Ingress")
        return publicIngressTlsProblems(read(args.props, "metadata", "annotations"), read(args.props, "spec", "tls"), where);
    if (!is(T.helm, args.type)) return [];
    const out: string[] = [];
    walk({ values: read(args.props, "values") }, (_h, key, value, path) => {
        if (key !== "ingress" || !value || typeof value !== "object" || read(value, "enabled") === false) return;
        out.push(...publicIngressTlsProblems(read(value, "annotations"), read(value, "tls"), `${where} ${path}`));
    });
    return out;
}

/** Custom resources and charts whose pods serve TLS on every port of their load balancer. */
function servesTlsInPod(args: { type: string; props: Record<string, any> }): boolean {
    // ECK: HTTPS unless spec.http.tls.selfSignedCertificate.disabled (policy/elastic.ts elastic-tls).
    if (/:(kibana|elasticsearch)\.k8s\.elastic\.co\/[^:]+:(Kibana|Elasticsearch)$/.test(args.type))
        return read(args.props, "spec", "http", "tls", "selfSignedCertificate", "disabled") !== true;
    // Trino's chart serves HTTPS itself when server.config.https.enabled (trino-auth-when-exposed).
    if (is(T.helm, args.type) && /(^|\/)trino$/.test(String(read(args.props, "chart") ?? ""))) {
        const https = read(args.props, "values", "server", "config", "https", "enabled");
        return https === true || https === "true";
    }
    return false;
}

export const k8sPublicLoadBalancerTls = resourceRule({
    name: "k8s-public-lb-tls",
    description:
        "Every internet-facing load balancer serves TLS: a LoadBalancer Service (resource, Helm values, custom resource) carries an ACM certificate with TLS on every port, or its pods serve TLS themselves; an internet-facing ALB Ingress listens on HTTPS with a certificate.",
    tags: ["kubernetes", "network"],
    check: (args, report) => {
        const scope = lbScope(args);
        const problems = [...(scope === undefined ? [] : publicLoadBalancerTlsProblems(scope, servesTlsInPod(args))), ...ingressProblems(args, "")];
        for (const p of problems)
            report(`${label(args)}: ${p.trim()}; set bdok:loadBalancerCertificateArn (TLS at the load balancer) or serve TLS in the pod.`);
    },
});

// ---------------------------------------------------------------------------------------------
// Pods: the Pod Security Standards' baseline, and the namespaces that enforce it
// ---------------------------------------------------------------------------------------------

/** Capabilities the baseline profile allows a container to add (Pod Security Standards, "Capabilities"). */
export const BASELINE_CAPABILITIES = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/** What under `root` (pod specs, pod templates, Helm values) the baseline Pod Security Standard forbids. */
export function privilegedPodSettings(root: unknown): CredentialHit[] {
    const hits: CredentialHit[] = [];
    const on = (v: unknown) => v === true || v === "true";
    walk(root, (holder, key, value, path, ancestors) => {
        if (key === "privileged" && on(value)) hits.push({ path, why: "a privileged container (every device and capability of the node)" });
        if ((key === "hostNetwork" || key === "hostPID" || key === "hostIPC") && on(value)) hits.push({ path, why: `${key}: true (the node's namespaces)` });
        if (key === "hostPath" && value !== undefined && value !== null && value !== false)
            hits.push({ path, why: "a hostPath volume (the node's file system)" });
        if (key === "hostPort" && (toNum(value) ?? 0) > 0) hits.push({ path, why: "a hostPort" });
        if (key === "add" && read(ancestors[ancestors.length - 1], "capabilities") === holder) {
            const extra = arr(value).filter((c) => typeof c === "string" && !BASELINE_CAPABILITIES.includes(c.toUpperCase().replace(/^CAP_/, "")));
            if (extra.length) hits.push({ path, why: `capabilities ${extra.join(", ")} beyond the baseline set` });
        }
    });
    return hits;
}

/**
 * Why a pod spec fails the restricted Pod Security Standard, beyond baseline (Kubernetes docs,
 * "Pod Security Standards", Restricted table): volume types, allowPrivilegeEscalation false,
 * runAsNonRoot, runAsUser not 0, seccomp RuntimeDefault or Localhost, capabilities drop ALL and add
 * at most NET_BIND_SERVICE. Container-level settings override the pod's (the page's
 * "Restricted Fields" name both spec.securityContext and the containers' securityContext).
 */
export function restrictedPodViolations(podSpec: Record<string, any>): string[] {
    const out: string[] = [];
    const pod = podSpec.securityContext ?? {};
    for (const v of podSpec.volumes ?? []) {
        const type = Object.keys(v).find((k) => k !== "name");
        if (type && !RESTRICTED_VOLUME_TYPES.includes(type)) out.push(`volume ${v.name}: ${type} (not among the restricted volume types)`);
    }
    if (pod.runAsUser === 0) out.push("securityContext.runAsUser: 0");
    const seccompOk = (t: unknown) => t === "RuntimeDefault" || t === "Localhost";
    const containers = [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? []), ...(podSpec.ephemeralContainers ?? [])];
    for (const c of containers) {
        const sc = c.securityContext ?? {};
        const at = `container ${c.name}`;
        if (sc.allowPrivilegeEscalation !== false) out.push(`${at}: allowPrivilegeEscalation is not false`);
        if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) out.push(`${at}: runAsNonRoot is not true`);
        if (sc.runAsUser === 0) out.push(`${at}: runAsUser 0`);
        const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
        if (!seccompOk(seccomp)) out.push(`${at}: seccompProfile ${seccomp ?? "not set"}`);
        if (sc.seccompProfile?.type !== undefined && !seccompOk(sc.seccompProfile.type)) out.push(`${at}: seccompProfile ${sc.seccompProfile.type}`);
        const drop: string[] = sc.capabilities?.drop ?? [];
        if (!drop.includes("ALL")) out.push(`${at}: capabilities.drop lacks ALL`);
        const add = (sc.capabilities?.add ?? []).filter((x: string) => x !== "NET_BIND_SERVICE");
        if (add.length) out.push(`${at}: capabilities.add ${add.join(", ")}`);
    }
    if (pod.seccompProfile?.type !== undefined && !seccompOk(pod.seccompProfile.type)) out.push(`securityContext.seccompProfile ${pod.seccompProfile.type}`);
    return [...new Set(out)];
}

/** The volume types the restricted standard allows (Pod Security Standards, "Volume Types"). */
const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

const toNum = (v: unknown) => (typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined);

/** Where pod settings live: workload specs, custom resources' specs (pod templates), Helm values. */
export function podScope(args: { type: string; props: Record<string, any> }): unknown {
    if (is(T.helm, args.type)) return { values: read(args.props, "values") };
    const t = k8sTypeOf(args.type);
    if (!t) return undefined;
    if (isCustomResourceType(args.type) || (WORKLOAD_KINDS.has(t.kind) && !t.kind.startsWith("ConfigMap"))) return { spec: read(args.props, "spec") };
    return undefined;
}

export const k8sNoPrivilegedPods = resourceRule({
    name: "k8s-no-privileged-pods",
    description: "No privileged container, hostPath volume, host network/PID/IPC, hostPort or capability beyond the baseline Pod Security Standard.",
    tags: ["kubernetes", "pod-security"],
    check: (args, report) => {
        const scope = podScope(args);
        if (scope === undefined) return;
        for (const h of privilegedPodSettings(scope)) report(`${label(args)}: ${h.path}: ${h.why}; the baseline Pod Security Standard forbids it.`);
    },
});

/**
 * Egress rules of a NetworkPolicy that let its pods reach the internet on every port: a rule with
 * no ports whose peers are missing (every destination) or include ipBlocks that together cover the
 * internet. The platform opens the internet on 443 only, to the pods that call AWS.
 */
export function openEgressRules(spec: unknown): string[] {
    const out: string[] = [];
    arr(read(spec, "egress")).forEach((rule, i) => {
        const ports = arr(read(rule, "ports"));
        if (ports.length > 0 && ports.every((p) => read(p, "port") !== undefined)) return;
        const to = arr(read(rule, "to"));
        if (to.length === 0) {
            out.push(`egress[${i}] has no peers and no ports (every destination, every port)`);
            return;
        }
        const cidrs = to.map((peer) => read(peer, "ipBlock", "cidr")).filter((c) => typeof c === "string");
        if (coversInternet(cidrs)) out.push(`egress[${i}] admits ${cidrs.join(", ")} on every port`);
    });
    return out;
}

export const k8sNoOpenEgress = resourceRule({
    name: "k8s-no-open-egress",
    description: "No NetworkPolicy lets pods reach the internet on every port (egress to 0.0.0.0/0 or to anything without ports).",
    tags: ["kubernetes", "network"],
    types: ["kubernetes:networking.k8s.io/v1:NetworkPolicy"],
    check: (args, report) => {
        for (const why of openEgressRules(read(args.props, "spec")))
            report(`${label(args)}: ${why}; allow the internet on the ports a flow needs (443 for AWS APIs), to the pods that need it.`);
    },
});

export const POD_SECURITY_LEVELS = ["baseline", "restricted"];

export const k8sNamespacePodSecurity = resourceRule({
    name: "k8s-namespace-pod-security",
    description: "Every namespace the stack creates enforces the baseline or restricted Pod Security Standard (label pod-security.kubernetes.io/enforce).",
    tags: ["kubernetes", "pod-security"],
    types: ["kubernetes:core/v1:Namespace"],
    check: (args, report) => {
        const level = read(args.props, "metadata", "labels", "pod-security.kubernetes.io/enforce");
        if (typeof level !== "string" || !POD_SECURITY_LEVELS.includes(level))
            report(
                `${label(args)}: pod-security.kubernetes.io/enforce is ${level === undefined ? "not set" : JSON.stringify(level)}; set it to baseline or restricted so no account may start a privileged pod there.`,
            );
    },
});

// ---------------------------------------------------------------------------------------------
// Trino: authentication on whenever it is reachable through a load balancer
// ---------------------------------------------------------------------------------------------

const TRINO_AUTH_TYPES = ["PASSWORD", "OAUTH2", "JWT", "CERTIFICATE", "KERBEROS", "HEADER"];

/** Why a Trino chart's values let clients in without logging in over TLS; undefined when they do not. */
export function trinoAuthProblem(values: unknown): string | undefined {
    const type = read(values, "server", "config", "authenticationType");
    if (type === UNKNOWN) return undefined;
    const types = typeof type === "string" ? type.split(",").map((t) => t.trim().toUpperCase()) : [];
    if (!types.some((t) => TRINO_AUTH_TYPES.includes(t)))
        return `server.config.authenticationType is ${type === undefined ? "not set" : JSON.stringify(type)} (no login)`;
    if (types.includes("PASSWORD") && read(values, "auth") === undefined) return "authenticationType PASSWORD without auth (no password file)";
    const https = read(values, "server", "config", "https", "enabled");
    if (https !== true && https !== "true") return "server.config.https.enabled is not true (passwords would cross the network in clear)";
    const extra = arr(read(values, "additionalConfigProperties")).filter((x) => typeof x === "string" && /allow-insecure-over-http\s*=\s*true/.test(x));
    if (extra.length) return "http-server.authentication.allow-insecure-over-http=true";
    return undefined;
}

export const trinoAuthWhenExposed = resourceRule({
    name: "trino-auth-when-exposed",
    description: "Trino behind a load balancer (or with exposure other than clusterIp) requires a login over HTTPS.",
    tags: ["kubernetes", "trino"],
    types: T.helm,
    check: (args, report, cfg) => {
        if (!/(^|\/)trino$/.test(String(read(args.props, "chart") ?? ""))) return;
        const values = read(args.props, "values");
        const exposed = cfg.exposure !== "clusterIp" || loadBalancerServices(values).length > 0;
        if (!exposed) return;
        const problem = trinoAuthProblem(values);
        if (problem)
            report(
                `${label(args)}: Trino is exposed through a load balancer but ${problem}; keep authenticationType PASSWORD with auth.passwordAuthSecret and HTTPS.`,
            );
    },
});
