// The Pulumi side of platform/k8s/objects.ts: the custom-resource and Role helpers every
// component uses, so each object is created the same way everywhere.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { awaitedMetadata } from "../../lib/await";
import type { CustomResourceObject, RbacRule } from "./objects";

/** apiVersion and kind as plain strings: the provider needs them before any output resolves. */
export interface CustomResourceKind {
    apiVersion: string;
    kind: string;
}

/**
 * A custom resource from its pure object, awaited (lib/await.ts) when its kind runs pods.
 * A plain object may take its namespace from the Namespace resource (`namespace`), so it waits for
 * it; an object built from outputs names its `kind` up front and is checked against it.
 */
export function customResource(
    name: string,
    obj: CustomResourceObject | pulumi.Output<CustomResourceObject>,
    opts: pulumi.CustomResourceOptions,
    place: { namespace?: pulumi.Input<string>; kind?: CustomResourceKind } = {},
): k8s.apiextensions.CustomResource {
    if (!pulumi.Output.isInstance(obj)) {
        const metadata = place.namespace === undefined ? obj.metadata : { ...obj.metadata, namespace: place.namespace };
        return new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: obj.apiVersion,
                kind: obj.kind,
                metadata: awaitedMetadata(obj.apiVersion, obj.kind, metadata, obj.spec),
                spec: obj.spec,
            },
            opts,
        );
    }
    const kind = place.kind;
    if (!kind) throw new Error(`${name}: a custom resource built from outputs needs its apiVersion and kind`);
    const checked = obj.apply((o) => {
        if (o.apiVersion !== kind.apiVersion || o.kind !== kind.kind)
            throw new Error(`${name}: ${o.apiVersion}/${o.kind} is not ${kind.apiVersion}/${kind.kind}`);
        return o;
    });
    return new k8s.apiextensions.CustomResource(
        name,
        {
            apiVersion: kind.apiVersion,
            kind: kind.kind,
            metadata: checked.apply((o) => awaitedMetadata(o.apiVersion, o.kind, o.metadata, o.spec)),
            spec: checked.spec,
        },
        opts,
    );
}

export interface RoleWithBindingArgs {
    /** Of both the Role and its RoleBinding. */
    metadata: { name: pulumi.Input<string>; namespace: pulumi.Input<string>; labels?: Record<string, string> };
    rules: RbacRule[];
    /** The one service account the Role is granted to. */
    serviceAccount: { name: pulumi.Input<string>; namespace: pulumi.Input<string> };
}

/** A Role and the RoleBinding that grants it to one service account, both named `name`. */
export function roleWithBinding(
    name: string,
    args: RoleWithBindingArgs,
    opts: pulumi.CustomResourceOptions,
): { role: k8s.rbac.v1.Role; binding: k8s.rbac.v1.RoleBinding } {
    const role = new k8s.rbac.v1.Role(name, { metadata: args.metadata, rules: args.rules }, opts);
    const binding = new k8s.rbac.v1.RoleBinding(
        name,
        {
            metadata: args.metadata,
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: args.serviceAccount.name, namespace: args.serviceAccount.namespace }],
        },
        opts,
    );
    return { role, binding };
}
