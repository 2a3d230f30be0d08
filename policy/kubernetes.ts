// Kubernetes workloads: no load balancer beyond the stack's exposure, no literal credentials.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { T, WORKLOAD_KINDS, is, isCustomResourceType, k8sTypeOf, keysOf, read, walk } from "./props";
import { Exposure, common, configOf, label } from "./config";

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

/** Credentials written as literals anywhere under `root` (specs, Helm values, env lists, config text). */
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
        if (typeof value !== "string") return;
        const pointer = SECRET_POINTER_KEYS.some((k) => keysOf(holder).includes(k));
        // key: "literal"
        if (!pointer && isCredentialKey(key) && !isReferenceValue(value)) hit(path, `key "${key}" holds a literal value`);
        // { name: PASSWORD, value: "literal" } (container env, Airflow env, ...)
        if (key === "value") {
            const name = read(holder, "name");
            if (typeof name === "string" && isCredentialKey(name) && !isReferenceValue(value)) hit(path, `env "${name}" holds a literal value`);
        }
        // scheme://user:password@host
        const uri = /[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:([^\s@/]+)@/i.exec(value);
        if (uri && !isReferenceValue(uri[1]) && !/^\$\{.*\}$|^\$\(.*\)$/.test(uri[1])) hit(path, "a URI with an embedded password");
        // properties/config text: "s3.aws-secret-key=..." lines (and "key: value" lines in multi-line
        // text), but not program source (a script in a ConfigMap assigns variables, it sets nothing).
        if (CODE_FILE.test(key)) return;
        const multiLine = value.includes("\n");
        for (const line of value.split("\n")) {
            const m = (multiLine ? /^\s*([A-Za-z0-9_.-]+)\s*[=:]\s*(.*?)\s*$/ : /^\s*([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*$/).exec(line);
            const v = m?.[2].replace(/^["']|["']$/g, "") ?? "";
            if (m && isCredentialKey(m[1]) && isPlainToken(v) && !isReferenceValue(v)) hit(path, `setting "${m[1]}" holds a literal value`);
        }
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

/**
 * Every place under `root` that asks for a load balancer: a Service spec or Helm values with
 * `type`/`serviceType: LoadBalancer`, a Strimzi listener of type `loadbalancer`, an ECK http service.
 * The scheme is looked up in the holder and its parent (annotations sit beside or above the type).
 */
export function loadBalancerServices(root: unknown): LoadBalancerHit[] {
    const hits: LoadBalancerHit[] = [];
    walk({ root }, (holder, key, value, path, ancestors) => {
        if ((key === "type" || key === "serviceType") && typeof value === "string" && value.toLowerCase() === "loadbalancer") {
            const parent = ancestors[ancestors.length - 1];
            const a = lbScheme(holder);
            const b = lbScheme(parent);
            hits.push({
                path: path.replace(/^root\.?/, ""),
                internetFacing: a.internetFacing || b.internetFacing,
                internal: a.internal || b.internal,
                byController: a.byController || b.byController,
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

export const k8sNoLoadBalancer: ResourceValidationPolicy = {
    ...common,
    name: "k8s-no-loadbalancer-service",
    description:
        "No Kubernetes LoadBalancer service (in a Service, Helm values or a custom resource) unless bdok:exposure allows it; internal exposure means internal load balancers.",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "network"],
    validateResource: (args, report) => {
        const scope = lbScope(args);
        if (scope === undefined) return;
        const cfg = configOf(args, args.urn);
        for (const hit of loadBalancerServices(scope)) {
            const problem = loadBalancerProblem(hit, cfg.exposure);
            if (problem) report(`${label(args)}: ${hit.path || "spec.type"} is LoadBalancer; ${problem}.`);
        }
    },
};

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

export const noLiteralCredentials: ResourceValidationPolicy = {
    ...common,
    name: "no-literal-credentials",
    description:
        "No credential as a literal in a custom resource, Helm values, container env or ConfigMap: reference a Kubernetes Secret (secretKeyRef, existingSecret, ${secrets:...}).",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "secrets"],
    validateResource: (args, report) => {
        const scope = credentialScope(args);
        if (scope === undefined) return;
        for (const h of literalCredentials(scope)) {
            report(
                `${label(args)}: ${h.path}: ${h.why}; keep credentials in a Kubernetes Secret and reference it (secretKeyRef, existingSecret or a config provider such as \${secrets:<ns>/<secret>:<key>}).`,
            );
        }
    },
};

export const helmOciChartReference: ResourceValidationPolicy = {
    ...common,
    name: "helm-oci-chart-reference",
    description:
        "An OCI chart is named by its full oci:// reference in the Release's chart, never by an oci:// repositoryOpts.repo: the provider asks such a repository for an index.yaml, which a registry does not serve.",
    enforcementLevel: "mandatory",
    tags: ["kubernetes", "helm"],
    validateResource: (args, report) => {
        // The Release's resolution is the one cited (provider/pkg/provider/helm_release.go).
        if (args.type !== "kubernetes:helm.sh/v3:Release") return;
        const repo = read(args.props, "repositoryOpts", "repo");
        if (typeof repo !== "string" || !/^oci:\/\//i.test(repo.trim())) return;
        const chart = read(args.props, "chart");
        report(
            `${label(args)}: repositoryOpts.repo is the OCI address ${repo}; the provider treats repositoryOpts.repo as a classic chart repository and fails on \`up\` ("not a valid chart repository"). Set chart to "${repo.replace(/\/+$/, "")}/${typeof chart === "string" ? chart : "<chart>"}" and drop repositoryOpts.`,
        );
    },
};
