// The RDS CA bundle the PostgreSQL clients verify against (verify-full), read back with Node's own
// X.509 parser: the expectations come from the RDS User Guide ("Certificate authorities": RDS CAs
// are named "Amazon RDS <region> Root CA ..."; RDS Proxy uses Amazon Trust Services roots).
import { strict as assert } from "assert";
import { X509Certificate } from "crypto";
import { RDS_CA, RDS_CA_FILE, rdsCaBundle, rdsCaMount, rdsCaVolume } from "./rds-ca";

describe("RDS CA bundle (lib/rds-ca.ts)", () => {
    const pems = rdsCaBundle().match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];

    it("is a list of whole PEM certificates, one per line block, and nothing else", () => {
        assert.ok(pems.length > 10, `${pems.length} certificates`);
        assert.equal(pems.join(""), rdsCaBundle());
    });

    it("holds RDS CAs only (no Amazon Trust Services root, which also signs public ACM certificates)", () => {
        const subjects = pems.map((p) => new X509Certificate(p).subject);
        for (const s of subjects) assert.match(s, /Amazon RDS/, s);
        assert.ok(!subjects.some((s) => /CN=Amazon Root CA/.test(s)));
        assert.ok(
            subjects.some((s) => /CN=Amazon RDS eu-west-1 Root CA RSA2048 G1/.test(s)),
            "the rds-ca-rsa2048-g1 root of a region",
        );
    });

    it("is mounted read-only where the clients' sslrootcert points", () => {
        assert.deepEqual(rdsCaVolume(), { name: rdsCaMount().name, configMap: { name: RDS_CA.configMap, defaultMode: 0o444 } });
        assert.equal(rdsCaMount().readOnly, true);
        assert.equal(RDS_CA_FILE, `${rdsCaMount().mountPath}/${RDS_CA.key}`);
        assert.match(RDS_CA_FILE, /^\/mnt\//, "Strimzi mounts Connect's extra volumes under /mnt/ only");
    });
});
