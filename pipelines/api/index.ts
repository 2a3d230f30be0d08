import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { contentName } from "../../lib/hash";
import { readPipelineFile } from "../files";
import { trinoQuery } from "../lake";
import { kafkaUser } from "../../platform/kafka/users";
import { images } from "../../versions";
import type { PlatformContext } from "../../platform/context";
import { customResource, roleWithBinding } from "../../platform/k8s/resources";
import {
    API_DAG_ID,
    API_KAFKA_COPY,
    API_QUERY,
    API_TABLE,
    API_TOPIC,
    API_USER,
    apiAcls,
    apiCopyCronJobSpec,
    apiCopyJobSpec,
    apiCopySourceRules,
    apiCopyTargetRules,
} from "./specs";

const PART_OF = { "app.kubernetes.io/part-of": "bdok" } as const;

export interface ApiProducerArgs {
    platform: PlatformContext;
    kafkaNamespace: k8s.core.v1.Namespace;
    airflowNamespace: k8s.core.v1.Namespace;
    /** What a KafkaUser waits for: the Strimzi release (its CRD) and the Kafka CR (its User Operator). */
    kafkaUserDependencies: pulumi.Resource[];
    /** The topic's KafkaTopic. */
    topic: pulumi.Resource;
    /** Glue database of the realtime namespace (the api_users table). */
    lakeDatabase: pulumi.Input<string>;
}

/**
 * The API producer's cluster side: its KafkaUser (write its topic, nothing else) and the copy of
 * the user's certificate into the airflow namespace, where the DAG's task pod mounts it. The DAG
 * files reach Airflow's DAG folder through the program (specs.ts apiDagFiles); the streaming job's
 * API query is the realtime pipeline's (its --api-topic).
 */
export class ApiProducer extends pulumi.ComponentResource {
    readonly dagId: string = API_DAG_ID;
    readonly topic: string = API_TOPIC;
    readonly user: string = API_USER;
    readonly table: string = API_TABLE;
    /** Distinct API users per country over the last hour (pipelines/queries.json). */
    readonly trinoQuery: pulumi.Output<string>;

    constructor(name: string, args: ApiProducerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bdok:pipelines:ApiProducer", name, {}, opts);
        const p = { parent: this };
        const kafkaNs = args.kafkaNamespace.metadata.name;
        const airflowNs = args.airflowNamespace.metadata.name;
        const meta = (n: pulumi.Input<string>, ns: pulumi.Input<string>) => ({ name: n, namespace: ns, labels: { ...PART_OF } });

        const user = customResource(
            `${name}-user`,
            kafkaUser(API_USER, apiAcls()),
            { parent: this, dependsOn: [...args.kafkaUserDependencies, args.topic] },
            { namespace: kafkaNs },
        );

        // Created empty: the copy Job fills `data` (Pulumi never owns it, so it never resets it).
        const copy = new k8s.core.v1.Secret(
            `${name}-kafka-client`,
            {
                metadata: { ...meta(API_KAFKA_COPY.secret, airflowNs), annotations: { "bdok.io/copied-from": `kafka/${API_USER}` } },
                type: "Opaque",
            },
            { parent: this, ignoreChanges: ["data", "stringData"] },
        );
        const copier = new k8s.core.v1.ServiceAccount(
            `${name}-copy`,
            { metadata: meta(API_KAFKA_COPY.serviceAccount, kafkaNs), automountServiceAccountToken: false },
            p,
        );
        const rbac: pulumi.Resource[] = [];
        for (const [id, ns, rules] of [
            ["source", kafkaNs, apiCopySourceRules()],
            ["target", airflowNs, apiCopyTargetRules()],
        ] as const) {
            const { role, binding } = roleWithBinding(
                `${name}-copy-${id}`,
                { metadata: meta(API_KAFKA_COPY.serviceAccount, ns), rules, serviceAccount: { name: copier.metadata.name, namespace: kafkaNs } },
                p,
            );
            rbac.push(role, binding);
        }
        const script = readPipelineFile("realtime/copy_secret_key.py");
        const scripts = new k8s.core.v1.ConfigMap(
            `${name}-copy-script`,
            { metadata: meta(contentName("api-producer-copy", script), kafkaNs), immutable: true, data: { "copy_secret_key.py": script } },
            p,
        );
        const copyArgs = scripts.metadata.name.apply((scriptConfigMap) => ({ image: images.airflow, scriptConfigMap }));
        const jobSpec = copyArgs.apply(apiCopyJobSpec);
        new k8s.batch.v1.Job(
            `${name}-copy`,
            {
                metadata: {
                    name: jobSpec.apply((s) => contentName("api-producer-copy", s)),
                    namespace: kafkaNs,
                    labels: { ...PART_OF },
                    // A failed run is replaced by the next `pulumi up` instead of blocking it.
                    annotations: { "pulumi.com/replaceUnready": "true" },
                },
                spec: jobSpec,
            },
            { parent: this, dependsOn: [user, copy, copier, ...rbac], customTimeouts: { create: "30m", update: "30m" } },
        );
        new k8s.batch.v1.CronJob(
            `${name}-copy`,
            { metadata: meta("api-producer-copy", kafkaNs), spec: copyArgs.apply(apiCopyCronJobSpec) },
            { parent: this, dependsOn: [user, copy, copier, ...rbac] },
        );

        this.trinoQuery = pulumi.output(args.lakeDatabase).apply((realtime) => trinoQuery(API_QUERY, { realtime }));
        this.registerOutputs({ dagId: this.dagId, topic: this.topic, user: this.user, table: this.table, trinoQuery: this.trinoQuery });
    }
}
