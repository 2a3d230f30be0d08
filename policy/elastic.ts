// Elastic (ECK): enough Elasticsearch nodes in prod, TLS kept on.
import { UNKNOWN, arr, isElasticsearch, isKibana, read, toNumber } from "./props";
import { label, resourceRule } from "./config";

/** The Elasticsearch node count: the sum of spec.nodeSets[].count. */
export function elasticsearchNodes(spec: unknown): number | typeof UNKNOWN {
    let sum = 0;
    for (const ns of arr(read(spec, "nodeSets"))) {
        const c = read(ns, "count");
        if (c === UNKNOWN) return UNKNOWN;
        sum += toNumber(c) ?? 0;
    }
    return sum;
}

export const elasticsearchNodesProd = resourceRule({
    name: "elasticsearch-nodes-prod",
    description: "In prod, Elasticsearch runs at least three nodes (sum of nodeSets[].count).",
    tags: ["kubernetes", "elasticsearch", "prod-only"],
    types: isElasticsearch,
    check: (args, report) => {
        const n = elasticsearchNodes(read(args.props, "spec"));
        if (n !== UNKNOWN && n < 3)
            report(`${label(args)}: ${n} node(s) (sum of spec.nodeSets[].count) in a prod stack; allowed: 3 or more (set bdok:elasticsearch.nodes).`);
    },
});

export const elasticTls = resourceRule({
    name: "elastic-tls",
    description: "Elasticsearch and Kibana keep TLS on their HTTP endpoints.",
    tags: ["kubernetes", "elasticsearch"],
    types: (t) => isElasticsearch(t) || isKibana(t),
    check: (args, report) => {
        const disabled = read(args.props, "spec", "http", "tls", "selfSignedCertificate", "disabled");
        if (disabled === true || disabled === "true") report(`${label(args)}: spec.http.tls.selfSignedCertificate.disabled is true; TLS must stay on.`);
    },
});
