// A file-realm user of the ECK cluster (the realtime sink, the Kibana data-view Job, the
// Elasticsearch exporter): its login and its role, each in a Secret of the elastic namespace, which
// the Elasticsearch resource lists in spec.auth (fileRealm, roles) for ECK to load
// (pkg/controller/elasticsearch/user/user_provided.go; ECK "Users and roles").
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

/** A file-realm user's names: its login, its role, and the two Secrets that carry them. */
export interface FileRealmUser {
    user: string;
    role: string;
    userSecret: string;
    rolesSecret: string;
}

export interface FileRealmSecretsArgs {
    namespace: pulumi.Input<string>;
    password: pulumi.Input<string>;
    /** roles.yml's content: role name -> its privileges. */
    roles: Record<string, unknown>;
    labels?: Record<string, string>;
}

/**
 * The user's kubernetes.io/basic-auth Secret (username, password, roles: the shape ECK reads from a
 * fileRealm Secret) and its roles.yml Secret, named `<name>-user` and `<name>-role`. The login
 * Secret's data stays secret in the state (additionalSecretOutputs).
 */
export function fileRealmSecrets(
    name: string,
    user: FileRealmUser,
    args: FileRealmSecretsArgs,
    opts: pulumi.CustomResourceOptions,
): { user: k8s.core.v1.Secret; role: k8s.core.v1.Secret } {
    const metadata = (n: string) => ({ name: n, namespace: args.namespace, ...(args.labels ? { labels: { ...args.labels } } : {}) });
    return {
        user: new k8s.core.v1.Secret(
            `${name}-user`,
            {
                metadata: metadata(user.userSecret),
                type: "kubernetes.io/basic-auth",
                stringData: { username: user.user, password: pulumi.secret(args.password), roles: user.role },
            },
            { ...opts, additionalSecretOutputs: ["data", "stringData"] },
        ),
        role: new k8s.core.v1.Secret(
            `${name}-role`,
            { metadata: metadata(user.rolesSecret), type: "Opaque", stringData: { "roles.yml": YAML.stringify(args.roles) } },
            opts,
        ),
    };
}
