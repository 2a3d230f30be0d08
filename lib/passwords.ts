// Generated passwords and their rotation (`bdok:passwordRotation`). Each rotatable password's
// RandomPassword takes its generation as `keepers`: the random provider replaces the resource when a
// keeper changes (terraform-provider-random internal/provider/resource_password.go, "keepers":
// RequiresReplaceIfValuesNotNull; docs: "Arbitrary map of values that, when changed, will trigger
// recreation of resource"), so a new generation is a new password, and everything built from it
// (Secrets, the RDS instance's password, content-named bootstrap Jobs, pod annotations) follows.

/** A password the stack file can rotate: its RandomPassword's resource name, and what reads it. */
export interface Rotatable {
    /** Today's generation (the keepers the stack already has); undefined: no keepers until a first rotation. */
    initial?: string;
    readers: string;
}

/** Keys are the RandomPasswords' resource names. */
export const ROTATABLE: Record<string, Rotatable> = {
    "database-master": {
        readers:
            "the RDS instance (updated in place) and the bootstrap Jobs' master Secrets; the Jobs read it only when they run, and no long-running pod logs in as the master",
    },
    "airflow-db": {
        initial: "1",
        readers: "Airflow's pods (env, read at start: rolled by bdok.io/metadata-sha256) and its db-init Job (runs again: ALTER ROLE)",
    },
    "airflow-api-key": { readers: "Airflow's pods (env, read at start: rolled by bdok.io/password-generations)" },
    "airflow-jwt": { readers: "Airflow's pods (env, read at start: rolled by bdok.io/password-generations); signed-in users sign in again" },
    "superset-db": {
        initial: "1",
        readers:
            "Superset's pods (the metastore URI from env, read at start: rolled by the Superset resource's spec.forceReload) and its db-init Job (runs again)",
    },
    "realtime-pipeline-postgres-simulator": {
        readers: "the customers-table Job (runs again: ALTER ROLE) and the simulator Deployment (env, read at start: rolled by bdok.io/password-generations)",
    },
    "realtime-pipeline-kibana-data-view": {
        readers:
            "Elasticsearch's file realm (ECK re-reads the user Secret; no restart) and the data-view Job (named after its content, which carries the generation: it runs again and logs in with the new password)",
    },
    "observability-es-exporter": {
        readers:
            "Elasticsearch's file realm (ECK re-reads the user Secret; no restart) and the exporter Deployment (env, read at start: rolled by bdok.io/password-generations)",
    },
};

/**
 * The generated passwords that cannot be rotated by the stack file yet, each with the reason (a
 * test checks that every RandomPassword of a plan is in one of the two tables).
 */
export const NOT_ROTATABLE: Record<string, string> = {
    "airflow-admin": "the UI user is created once (`airflow users create` is a no-op for an existing user): reset it with `airflow users reset-password`",
    "superset-admin": "the UI user is created once (`superset fab create-admin` leaves an existing user): reset it with `superset fab reset-password`",
    "observability-grafana-admin": "Grafana reads admin_password only when it creates its database: reset it with `grafana cli admin reset-admin-password`",
    "superset-secret-key":
        "Superset encrypts stored credentials with it: a new key needs the old one as previousSecretKeyFrom and the operator's lifecycle.rotate (superset-kubernetes-operator v0.2.0 CRD)",
    "trino-password":
        "Superset stores the Trino connection, password included, in its metadata database at its init task: a new password needs that connection edited",
    "trino-internal": "read by every Trino pod from env; the chart's pods have no annotation that follows it yet",
    "realtime-pipeline-postgres-source": "Kafka Connect resolves it when the JDBC source connector starts: a new password needs the connector restarted",
    "realtime-pipeline-es-sink": "Kafka Connect resolves it when the Elasticsearch sink connector starts: a new password needs the connector restarted",
};

/** The generation of `name` for a stack's `passwordRotation` setting: the setting, else today's. */
export function generationOf(rotation: Record<string, string>, name: string): string | undefined {
    // A name outside the table (a component under another name in a unit test) has no rotation;
    // test/password-rotation.test.ts checks the program's passwords are all in a table.
    return rotation[name] ?? ROTATABLE[name]?.initial;
}

/** The RandomPassword's keepers: none until a password has a generation (so today's plans stay as they are). */
export function keepersOf(rotation: Record<string, string>, name: string): { keepers?: { generation: string } } {
    const g = generationOf(rotation, name);
    return g === undefined ? {} : { keepers: { generation: g } };
}

export const GENERATIONS_ANNOTATION = "bdok.io/password-generations";

/**
 * A pod annotation naming the generations of the passwords a pod reads at start (env, or a file it
 * does not re-read): a rotation changes it, so the pods restart with the new Secret. Empty while
 * none of them was rotated by the stack file, so a stack without rotations plans as before.
 */
export function generationsAnnotation(rotation: Record<string, string>, names: string[]): Record<string, string> {
    const set = names.filter((n) => n in ROTATABLE && rotation[n] !== undefined).sort();
    return set.length ? { [GENERATIONS_ANNOTATION]: set.map((n) => `${n}=${rotation[n]}`).join(",") } : {};
}

/** A Deployment's or Job's spec with `annotations` on its pod template (the spec itself when there are none). */
export function withPodAnnotations<T extends object>(spec: T, annotations: Record<string, string>): T {
    if (!Object.keys(annotations).length) return spec;
    const t: { metadata?: { annotations?: Record<string, string> } } = (spec as { template?: object }).template ?? {};
    return { ...spec, template: { ...t, metadata: { ...t.metadata, annotations: { ...t.metadata?.annotations, ...annotations } } } };
}
