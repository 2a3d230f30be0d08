// What pipelines ask of the Kafka platform, as data: topics, and a Connect cluster with the plugins,
// file mounts, Secret reads and ACLs their connectors need. No need, nothing built.
import type { Acl } from "./users";
import type { ConnectSecretMount } from "./specs";

/** A Strimzi `spec.build.plugins` entry. */
export interface ConnectPlugin {
    name: string;
    artifacts: Record<string, unknown>[];
}

/** Secrets Connect may read (through the secrets config provider) in one namespace. */
export interface SecretRead {
    /** Part of the Role's Pulumi name. */
    id: string;
    namespace: string;
    secrets: string[];
}

export interface ConnectNeeds {
    plugins: ConnectPlugin[];
    secretMounts: ConnectSecretMount[];
    secretReads: SecretRead[];
    /** The connectors' ACLs, beside the Connect workers' own. */
    connectorAcls: Acl[];
}

export interface KafkaNeeds {
    /** Topic key (Pulumi name part) -> topic name. */
    topics: Record<string, string>;
    connect?: ConnectNeeds;
}

/** The union of several pipelines' needs; two pipelines may not claim one key for different topics. */
export function mergeKafkaNeeds(needs: KafkaNeeds[]): KafkaNeeds {
    const topics: Record<string, string> = {};
    for (const n of needs) {
        for (const [k, t] of Object.entries(n.topics)) {
            if (topics[k] !== undefined && topics[k] !== t) throw new Error(`topic key ${k}: ${topics[k]} and ${t}; allowed: one topic per key`);
            topics[k] = t;
        }
    }
    const connects = needs.map((n) => n.connect).filter((c): c is ConnectNeeds => c !== undefined);
    if (!connects.length) return { topics };
    const byName = new Map<string, ConnectPlugin>();
    for (const c of connects) for (const p of c.plugins) byName.set(p.name, p);
    return {
        topics,
        connect: {
            plugins: [...byName.values()],
            secretMounts: connects.flatMap((c) => c.secretMounts),
            secretReads: connects.flatMap((c) => c.secretReads),
            connectorAcls: connects.flatMap((c) => c.connectorAcls),
        },
    };
}
