"""Keep a long-lived self-signed CA and a server certificate for an in-cluster service in Secrets.

Used for Trino: password authentication needs HTTPS, and no certificate manager runs in this
cluster. The private keys are made here, in the cluster, so they never enter Pulumi state.
The target Secret exists already (created empty by the deployment, its data ignored there); it is
patched with ``tls.pem`` (server key + certificate chain, Trino's PEM keystore), ``tls.crt``,
``tls.key`` and ``ca.crt`` (what clients trust). The CA's key lives in its own Secret
(CA_SECRET: ``ca.crt``, ``ca.key``), which no pod mounts; only this Job's account reads it.

Idempotent: a certificate that is valid for more than RENEW_DAYS, carries the wanted names and is
signed by the kept CA is kept. A renewal replaces the server certificate only: the CA (valid
CA_VALID_DAYS) stays, so a ``ca.pem`` a client saved keeps working. The CA itself is replaced only
when it is missing or within a server certificate's life (VALID_DAYS) of its own end. Needs the
``cryptography`` package (a dependency of Airflow, so in the apache/airflow image).

Environment:
  TARGET_NAMESPACE, TARGET_SECRET, CA_SECRET, DNS_NAMES (comma-separated)   required
  VALID_DAYS (default 825), RENEW_DAYS (default 30), CA_VALID_DAYS (default 3650)
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
CA_KEYS = ("ca.crt", "ca.key")


@dataclass(frozen=True)
class Settings:
    namespace: str
    secret: str
    dns_names: tuple[str, ...]
    valid_days: int
    renew_days: int
    ca_secret: str = ""
    ca_valid_days: int = 3650


def settings_from_env(env: Mapping[str, str]) -> Settings:
    missing = [k for k in ("TARGET_NAMESPACE", "TARGET_SECRET", "CA_SECRET", "DNS_NAMES") if not env.get(k)]
    if missing:
        raise ValueError(f"missing environment variables: {', '.join(missing)}")
    names = tuple(n.strip() for n in env["DNS_NAMES"].split(",") if n.strip())
    valid, renew = int(env.get("VALID_DAYS", "825")), int(env.get("RENEW_DAYS", "30"))
    ca_valid = int(env.get("CA_VALID_DAYS", "3650"))
    if not 0 < renew < valid:
        raise ValueError(f"RENEW_DAYS must be between 0 and VALID_DAYS ({valid}), got {renew}")
    if ca_valid <= valid:
        raise ValueError(f"CA_VALID_DAYS must exceed VALID_DAYS ({valid}), got {ca_valid}")
    return Settings(env["TARGET_NAMESPACE"], env["TARGET_SECRET"], names, valid, renew, env["CA_SECRET"], ca_valid)


def _name(cn: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def new_ca(names: tuple[str, ...], now: dt.datetime, ca_valid_days: int) -> dict[str, bytes]:
    """A new self-signed CA for `names`, as PEM files ca.crt and ca.key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{names[0]} CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=ca_valid_days))
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
    pem = serialization.Encoding.PEM
    key_pem = ca_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return {"ca.crt": ca.public_bytes(pem), "ca.key": key_pem}


def issue(names: tuple[str, ...], now: dt.datetime, valid_days: int, ca_files: Mapping[str, bytes] | None = None) -> dict[str, bytes]:
    """A server certificate for `names` signed by the CA of `ca_files` (a new one when None), as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    ca_files = ca_files or new_ca(names, now, valid_days + 365)
    ca = x509.load_pem_x509_certificate(ca_files["ca.crt"])
    ca_key = serialization.load_pem_private_key(ca_files["ca.key"], None)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca.subject)
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


def still_good(data: Mapping[str, str], names: tuple[str, ...], now: dt.datetime, renew_days: int, ca_crt: bytes | None = None) -> bool:
    """Is the stored certificate complete, for these names, valid beyond the renewal window and (given `ca_crt`) signed by that CA?"""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature  # not in cryptography.x509: the except clause raised

    if not all(data.get(k) for k in KEYS):
        return False
    try:
        cert = x509.load_pem_x509_certificate(base64.b64decode(data["tls.crt"]))
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
        if ca_crt is not None:
            if base64.b64decode(data["ca.crt"]) != ca_crt:
                return False
            cert.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_crt))
    except (ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return False
    return set(sans) == set(names) and cert.not_valid_after_utc - now > dt.timedelta(days=renew_days)


def ca_still_good(data: Mapping[str, str], now: dt.datetime, valid_days: int) -> bool:
    """Is the kept CA complete and valid beyond the life of a certificate issued now?"""
    from cryptography import x509

    if not all(data.get(k) for k in CA_KEYS):
        return False
    try:
        ca = x509.load_pem_x509_certificate(base64.b64decode(data["ca.crt"]))
    except ValueError:
        return False
    return ca.not_valid_after_utc - now > dt.timedelta(days=valid_days)


def _get(send: Send, namespace: str, secret: str) -> Mapping[str, str]:
    status, current = send("GET", secret_path(namespace, secret), None, None)
    if status != 200:
        raise RuntimeError(f"GET secret {namespace}/{secret} failed with HTTP {status}")
    return (current or {}).get("data") or {}


def _patch(send: Send, namespace: str, secret: str, files: Mapping[str, bytes]) -> None:
    patch = {"data": {k: base64.b64encode(v).decode() for k, v in files.items()}}
    status, _ = send("PATCH", secret_path(namespace, secret), patch, "application/merge-patch+json")
    if status != 200:
        raise RuntimeError(f"PATCH secret {namespace}/{secret} failed with HTTP {status}")


def run(send: Send, s: Settings, now: dt.datetime) -> str:
    """ "unchanged", "issued" (server certificate, kept CA) or "issued with a new CA".

    RuntimeError when a Secret cannot be read or written."""
    ca_data = _get(send, s.namespace, s.ca_secret)
    new = not ca_still_good(ca_data, now, s.valid_days)
    if new:
        ca_files = new_ca(s.dns_names, now, s.ca_valid_days)
        _patch(send, s.namespace, s.ca_secret, ca_files)
    else:
        ca_files = {k: base64.b64decode(ca_data[k]) for k in CA_KEYS}
    if not new and still_good(_get(send, s.namespace, s.secret), s.dns_names, now, s.renew_days, ca_files["ca.crt"]):
        return "unchanged"
    _patch(send, s.namespace, s.secret, issue(s.dns_names, now, s.valid_days, ca_files))
    return "issued with a new CA" if new else "issued"


# pragma: no mutate start (not pure: the pod's environment and a live API server)
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


# pragma: no mutate end


if __name__ == "__main__":
    sys.exit(main())
