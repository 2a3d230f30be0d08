// Stack names prefix names AWS keeps unique per account: the boundaries are AWS's, not ours.
import { strict as assert } from "assert";
import { baseTags, MAX_STACK_NAME, prefix, stackNameIssues, stackNames } from "./naming";

describe("naming", () => {
    it("accepts exactly the stack names every derived name allows (table-driven boundaries)", () => {
        const cases: [string, boolean][] = [
            ["a", true],
            ["dev", true],
            ["prod-eu", true],
            ["s3", true],
            ["a1-b2-c3", true],
            ["x".repeat(MAX_STACK_NAME), true],
            ["x".repeat(MAX_STACK_NAME + 1), false],
            ["", false],
            ["1dev", false],
            ["-dev", false],
            ["dev-", false],
            ["a--b", false],
            ["Dev", false],
            ["dev_1", false],
            ["dev.1", false],
            ["dev 1", false],
        ];
        for (const [name, ok] of cases) {
            const issues = stackNameIssues(name);
            assert.equal(issues.length === 0, ok, `${JSON.stringify(name)}: ${issues.join("; ")}`);
            if (!ok) assert.match(issues[0], new RegExp(`stack "${name}": allowed: .*up to ${MAX_STACK_NAME} characters`));
        }
    });

    it("allows the longest stack name whose Airflow log bucketPrefix fits S3's 37 characters, and no longer", () => {
        const bucketPrefix = (stack: string) => `${prefix(stack)}-airflow-logs-`;
        assert.ok(bucketPrefix("x".repeat(MAX_STACK_NAME)).length <= 37);
        assert.ok(bucketPrefix("x".repeat(MAX_STACK_NAME + 1)).length > 37);
    });

    it("derives per-stack names from the prefix; Iceberg databases without hyphens (Glue's ^[a-z0-9_]+$)", () => {
        assert.equal(prefix("dev"), "bdok-dev");
        const n = stackNames(prefix("prod-eu"));
        assert.deepEqual(n, {
            clusterName: "bdok-prod-eu-eks",
            rdsIdentifier: "bdok-prod-eu-postgres",
            rdsFinalSnapshot: "bdok-prod-eu-postgres-final",
            glueDatabase: "bdok-prod-eu-database",
            icebergDatabases: { imdb: "bdok_prod_eu_imdb", realtime: "bdok_prod_eu_realtime" },
        });
        for (const db of Object.values(n.icebergDatabases)) assert.match(db, /^[a-z0-9_]{1,252}$/);
        assert.deepEqual(baseTags("dev"), { Project: "bdok", Stack: "dev", ManagedBy: "pulumi" });
    });
});
