import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { elasticsearchResource, kibanaResource } from "./specs";
import {
    ECK_RELEASE,
    ElasticsearchAuth,
    ES_ELASTIC_USER_KEY,
    ES_ELASTIC_USER_SECRET,
    ES_HTTP_CA_KEY,
    ES_HTTP_CA_SECRET,
    ES_NAME,
    ES_URL,
    KIBANA_HTTP_CA_SECRET,
    KIBANA_URL,
    elasticPasswordCommand,
    kibanaPortForwardCommand,
    operatorValues,
} from "./values";
import { releaseTimeout } from "../../lib/await";
import { charts } from "../../versions";
import { exposureDependencies, type PlatformContext } from "../context";
import type { CustomResourceObject } from "../k8s/objects";
import { customResource } from "../k8s/resources";
import { pinnedChart } from "../k8s/objects";

export interface ElasticArgs {
    platform: PlatformContext;
    namespace: k8s.core.v1.Namespace;
    /** File-realm users and roles (Secrets of the elastic namespace) for ECK to load. */
    auth?: ElasticsearchAuth;
    /**
     * Karpenter's controller and NodePools: Elasticsearch and Kibana run on the pools and wait for
     * them (and go before them on destroy); the operator, on the system group, installs meanwhile.
     */
    pools: pulumi.Resource[];
    /** What the data nodes' volumes need (the EBS CSI add-on, the gp3 class): they wait for it. */
    storage: pulumi.Resource[];
}

/** The ECK operator, then an Elasticsearch cluster and Kibana it manages (TLS on, 8.x). */
export class Elastic extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly elasticsearchName: string = ES_NAME;
    readonly elasticsearchUrl: string = ES_URL;
    readonly kibanaUrl: string = KIBANA_URL;
    readonly elasticUserSecret = { name: ES_ELASTIC_USER_SECRET, key: ES_ELASTIC_USER_KEY };
    readonly httpCaSecret = { name: ES_HTTP_CA_SECRET, key: ES_HTTP_CA_KEY };
    readonly kibanaCaSecret = { name: KIBANA_HTTP_CA_SECRET, key: ES_HTTP_CA_KEY };
    readonly kibanaPortForwardCommand: string = kibanaPortForwardCommand();
    readonly elasticPasswordCommand: string = elasticPasswordCommand();
    readonly elasticsearch: k8s.apiextensions.CustomResource;
    readonly kibana: k8s.apiextensions.CustomResource;

    constructor(name: string, args: ElasticArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:platform:Elastic", name, {}, opts);
        const cfg = args.platform.config;
        const ns = args.namespace.metadata.name;

        const operator = new k8s.helm.v3.Release(
            `${name}-operator`,
            {
                name: ECK_RELEASE,
                ...pinnedChart("eck"),
                namespace: ns,
                values: operatorValues(),
                timeout: releaseTimeout(charts.eck.chart),
                maxHistory: 5,
            },
            { parent: this },
        );

        // The CRDs come with the operator release: both resources wait for it.
        const custom = (id: string, obj: CustomResourceObject, extraDeps: pulumi.Resource[] = []) =>
            customResource(`${name}-${id}`, obj, { parent: this, dependsOn: [operator, ...extraDeps] }, { namespace: ns });
        this.elasticsearch = custom("elasticsearch", elasticsearchResource(cfg, args.platform.storageClass, args.auth), [...args.pools, ...args.storage]);
        // Kibana's Service may be a LoadBalancer: it goes before the controller that owns its NLB. ECK
        // rolls Kibana out only once its elasticsearchRef association is set up, so its await starts
        // after Elasticsearch's, and on destroy it goes first.
        this.kibana = custom("kibana", kibanaResource(cfg), [...exposureDependencies(args.platform), ...args.pools, this.elasticsearch]);

        this.namespace = ns;
        this.registerOutputs({
            namespace: this.namespace,
            elasticsearchUrl: this.elasticsearchUrl,
            kibanaUrl: this.kibanaUrl,
            kibanaPortForwardCommand: this.kibanaPortForwardCommand,
        });
    }
}
