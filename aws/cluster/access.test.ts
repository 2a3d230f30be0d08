import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../../config";
import { loadStackConfig } from "../../tools/stack-files";
import { inputsOf, one, planWith } from "../../test/support";

const A = "arn:aws:iam::123456789012:role/platform-admin";
const B = "arn:aws:iam::123456789012:role/ci/bdok-deploy";
const V = "arn:aws:iam::123456789012:role/bdok-ci-preview";

function issues(admins: string[], viewers: string[]): string[] {
    const raw = { ...loadStackConfig("dev"), "bdok:adminRoleArns": JSON.stringify(admins), "bdok:viewerRoleArns": JSON.stringify(viewers) };
    try {
        parseConfig(raw, "dev");
        return [];
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return (e as ConfigError).issues.filter((l) => /RoleArns/.test(l));
    }
}

describe("access entries", () => {
    // EKS keeps one access entry per principal (CreateAccessEntry: ResourceInUseException, 409),
    // and IAM role names are unique per account whatever their case or path (IAM User Guide,
    // "IAM identifiers": "Role names are not distinguished by case").
    const table: { name: string; admins: string[]; viewers: string[]; key?: string; first?: string }[] = [
        { name: "distinct roles", admins: [A, B], viewers: [V] },
        { name: "none at all", admins: [], viewers: [] },
        { name: "same role name in two accounts", admins: [A, A.replace("123456789012", "210987654321")], viewers: [] },
        { name: "an admin listed twice", admins: [A, B, A], viewers: [], key: "bdok:adminRoleArns[2]", first: "bdok:adminRoleArns[0]" },
        { name: "a viewer listed twice", admins: [], viewers: [V, V], key: "bdok:viewerRoleArns[1]", first: "bdok:viewerRoleArns[0]" },
        { name: "a role both admin and viewer", admins: [A], viewers: [V, A], key: "bdok:viewerRoleArns[1]", first: "bdok:adminRoleArns[0]" },
        { name: "the same role in another case", admins: [A, A.replace("platform-admin", "Platform-Admin")], viewers: [], key: "bdok:adminRoleArns[1]" },
        { name: "the same role under another path", admins: [B, B.replace("role/ci/", "role/")], viewers: [], key: "bdok:adminRoleArns[1]" },
    ];
    for (const row of table) {
        it(`${row.key ? "refuses" : "accepts"} ${row.name}`, () => {
            const got = issues(row.admins, row.viewers);
            if (!row.key) return assert.deepEqual(got, []);
            assert.equal(got.length, 1, got.join("\n"));
            assert.ok(got[0].startsWith(`${row.key}: `), got[0]);
            if (row.first) assert.match(got[0], new RegExp(`already listed at ${row.first.replace(/[[\]]/g, "\\$&")}`));
            assert.match(got[0], /each role once across adminRoleArns and viewerRoleArns/);
        });
    }

    it("keeps an entry's key and inputs when an ARN before it is removed", async () => {
        const entries = async (admins: string[]) =>
            inputsOf(one(await planWith("dev", { "bdok:adminRoleArns": admins, "bdok:viewerRoleArns": [V] }), "eks:index:Cluster")).accessEntries as Record<
                string,
                any
            >;
        const before = await entries([A, B]);
        const after = await entries([B]);
        const keyOf = (e: Record<string, any>, arn: string) => Object.keys(e).filter((k) => e[k].principalArn === arn);
        assert.equal(keyOf(before, B).length, 1);
        // @pulumi/eks names the AccessEntry `<cluster>-<key>` (authenticationMode.ts v4.3.0 L184-L186).
        assert.deepEqual(keyOf(after, B), keyOf(before, B), "B's resource name is unchanged");
        assert.deepEqual(after[keyOf(after, B)[0]], before[keyOf(before, B)[0]], "B's inputs are unchanged");
        assert.deepEqual(keyOf(after, V), keyOf(before, V), "the viewer's too");
        assert.deepEqual(keyOf(after, A), []);
        assert.equal(Object.keys(after).length, 2);
    });

    it("names entries after the role, so two roles never share a key", async () => {
        const e = inputsOf(one(await planWith("dev", { "bdok:adminRoleArns": [A, B] }), "eks:index:Cluster")).accessEntries as Record<string, any>;
        const keys = Object.keys(e).sort();
        assert.equal(keys.length, 2);
        assert.match(
            keys.find((k) => e[k].principalArn === A)!,
            /^admin-platform-admin-[0-9a-f]{8}$/,
        );
        assert.match(
            keys.find((k) => e[k].principalArn === B)!,
            /^admin-bdok-deploy-[0-9a-f]{8}$/,
        );
    });
});
