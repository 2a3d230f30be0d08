"""Keep a self-signed CA and a server certificate for an in-cluster service in a Secret.

Used for Trino: password authentication needs HTTPS, and no certificate manager runs in this
cluster. The private keys are made here, in the cluster, so they never enter Pulumi state.
The target Secret exists already (created empty by the deployment, its data ignored there); it is
patched with ``tls.pem`` (server key + certificate chain, Trino's PEM keystore), ``tls.crt``,
``tls.key`` and ``ca.crt`` (what clients trust).

Idempotent: a certificate that is valid for more than RENEW_DAYS and carries the wanted names is
kept. Needs the ``cryptography`` package (a dependency of Airflow, so in the apache/airflow image).

Environment:
  TARGET_NAMESPACE, TARGET_SECRET, DNS_NAMES (comma-separated)   required
  VALID_DAYS (default 825), RENEW_DAYS (default 30)
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

try:  # in the pod: both scripts sit side by side in one ConfigMap
    from copy_secret_key import Send, in_cluster_sender, secret_path
except ImportError:  # in the repository
    from pipelines.realtime.copy_secret_key import Send, in_cluster_sender, secret_path

log = logging.getLogger("issue_tls")

KEYS = ("tls.pem", "tls.crt", "tls.key", "ca.crt")


@dataclass(frozen=True)
class Settings:
    namespace: str
    secret: str
    dns_names: tuple[str, ...]
    valid_days: int
    renew_days: int


def settings_from_env(env: Mapping[str, str]) -> Settings:
    missing = [k for k in ("TARGET_NAMESPACE", "TARGET_SECRET", "DNS_NAMES") if not env.get(k)]
    if missing:
        raise ValueError(f"missing environment variables: {', '.join(missing)}")
    names = tuple(n.strip() for n in env["DNS_NAMES"].split(",") if n.strip())
    valid, renew = int(env.get("VALID_DAYS", "825")), int(env.get("RENEW_DAYS", "30"))
    if not 0 < renew < valid:
        raise ValueError(f"RENEW_DAYS must be between 0 and VALID_DAYS ({valid}), got {renew}")
    return Settings(env["TARGET_NAMESPACE"], env["TARGET_SECRET"], names, valid, renew)


def issue(names: tuple[str, ...], now: dt.datetime, valid_days: int) -> dict[str, bytes]:
    """A new CA and a server certificate for `names` signed by it, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name(f"{names[0]} CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=valid_days + 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(names[0]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    chain = cert.public_bytes(pem) + ca.public_bytes(pem)
    return {"tls.pem": key_pem + chain, "tls.crt": chain, "tls.key": key_pem, "ca.crt": ca.public_bytes(pem)}


def still_good(data: Mapping[str, str], names: tuple[str, ...], now: dt.datetime, renew_days: int) -> bool:
    """Is the stored certificate complete, for these names, and valid beyond the renewal window?"""
    from cryptography import x509

    if not all(data.get(k) for k in KEYS):
        return False
    try:
        cert = x509.load_pem_x509_certificate(base64.b64decode(data["tls.crt"]))
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    except (ValueError, x509.ExtensionNotFound):
        return False
    return set(sans) == set(names) and cert.not_valid_after_utc - now > dt.timedelta(days=renew_days)


def run(send: Send, s: Settings, now: dt.datetime) -> str:
    """ "unchanged" or "issued"; RuntimeError when the Secret cannot be read or written."""
    path = secret_path(s.namespace, s.secret)
    status, current = send("GET", path, None, None)
    if status != 200:
        raise RuntimeError(f"GET secret {s.namespace}/{s.secret} failed with HTTP {status}")
    if still_good((current or {}).get("data") or {}, s.dns_names, now, s.renew_days):
        return "unchanged"
    files = issue(s.dns_names, now, s.valid_days)
    patch = {"data": {k: base64.b64encode(v).decode() for k, v in files.items()}}
    status, _ = send("PATCH", path, patch, "application/merge-patch+json")
    if status != 200:
        raise RuntimeError(f"PATCH secret {s.namespace}/{s.secret} failed with HTTP {status}")
    return "issued"


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        s = settings_from_env(os.environ)
        outcome = run(in_cluster_sender(os.environ), s, dt.datetime.now(dt.timezone.utc))
    except (ValueError, RuntimeError, OSError) as error:
        log.error("%s", error)
        return 1
    log.info("%s/%s (%s): %s", s.namespace, s.secret, ",".join(s.dns_names), outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())
