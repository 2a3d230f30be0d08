// A model of Kafka's ACL authorizer (StandardAuthorizer/AclAuthorizer), apart from the program: read
// only by checks. Kafka docs "Authorization and ACLs": a literal pattern matches the name, a prefixed
// one every name it starts; an allowed Read, Write, Delete or Alter implies Describe.
export type Op = "Read" | "Write" | "Create" | "Describe" | "DescribeConfigs";
export interface Need {
    type: "topic" | "group";
    name: string;
    op: Op;
}

/** Kafka's AclAuthorizer: literal or prefix match; Read, Write (and Delete, Alter) imply Describe. */
export function allows(acls: any[], need: Need): boolean {
    return acls.some((a) => {
        if ((a.type ?? "allow") !== "allow" || a.resource.type !== need.type) return false;
        const match = a.resource.patternType === "prefix" ? need.name.startsWith(a.resource.name) : a.resource.name === need.name;
        const ops: string[] = a.operations;
        return match && (ops.includes(need.op) || (need.op === "Describe" && ops.some((o) => ["Read", "Write"].includes(o))));
    });
}
