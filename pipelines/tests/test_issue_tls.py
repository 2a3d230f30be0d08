import base64
import datetime as dt
import importlib.util
import unittest

from pipelines.platform import issue_tls

HAS_CRYPTOGRAPHY = importlib.util.find_spec("cryptography") is not None
SKIP = "the cryptography package is not installed (it ships in the apache/airflow image the Job runs)"
NAMES = ("trino", "trino.trino", "trino.trino.svc", "trino.trino.svc.cluster.local")
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
ENV = {"TARGET_NAMESPACE": "trino", "TARGET_SECRET": "trino-tls", "CA_SECRET": "trino-tls-ca", "DNS_NAMES": ",".join(NAMES)}


class Api:
    """Two Secrets, by name: the server's (`data`) and the CA's (`ca`)."""

    def __init__(self, data=None, patch_status=200, ca=None):
        self.secrets = {"trino-tls": data, "trino-tls-ca": ca}
        self.patch_status, self.requests = patch_status, []

    @property
    def data(self):
        return self.secrets["trino-tls"]

    @property
    def ca(self):
        return self.secrets["trino-tls-ca"]

    def __call__(self, method, path, body, content_type):
        # The Kubernetes API path of a Secret: /api/v1/namespaces/<namespace>/secrets/<name>.
        assert path.startswith("/api/v1/namespaces/trino/secrets/"), path
        # A PATCH of some keys is a JSON merge patch (RFC 7386), which the API server takes by this type.
        assert content_type == ("application/merge-patch+json" if method == "PATCH" else None), content_type
        name = path.rsplit("/", 1)[-1]
        self.requests.append((method, name, body))
        if method == "GET":
            return 200, {"data": self.secrets[name]}
        if self.patch_status == 200:
            self.secrets[name] = {**(self.secrets[name] or {}), **body["data"]}
        return self.patch_status, None


class SettingsTest(unittest.TestCase):
    def test_names_and_defaults(self):
        s = issue_tls.settings_from_env(ENV)
        self.assertEqual(s.dns_names, NAMES)
        self.assertEqual((s.valid_days, s.renew_days), (825, 30))

    def test_bad_input_is_a_clear_error(self):
        with self.assertRaisesRegex(ValueError, "DNS_NAMES"):
            issue_tls.settings_from_env({k: v for k, v in ENV.items() if k != "DNS_NAMES"})
        with self.assertRaisesRegex(ValueError, "RENEW_DAYS"):
            issue_tls.settings_from_env({**ENV, "RENEW_DAYS": "900"})
        with self.assertRaisesRegex(ValueError, "CA_SECRET"):
            issue_tls.settings_from_env({k: v for k, v in ENV.items() if k != "CA_SECRET"})
        with self.assertRaisesRegex(ValueError, "CA_VALID_DAYS"):
            issue_tls.settings_from_env({**ENV, "CA_VALID_DAYS": "800"})

    def test_a_failed_read_names_the_secret_and_status(self):
        with self.assertRaisesRegex(RuntimeError, "trino/trino-tls.*403"):
            issue_tls._get(lambda *request: (403, None), "trino", "trino-tls")

    def test_environment_table(self):
        # The Job's environment (the module's docstring): days from VALID_DAYS, RENEW_DAYS, CA_VALID_DAYS.
        # A renewal window inside the validity (0 < renew < valid); a CA outliving its certificates.
        cases = [
            ({"VALID_DAYS": "100", "RENEW_DAYS": "1", "CA_VALID_DAYS": "101"}, (100, 1, 101)),
            ({"VALID_DAYS": "100", "RENEW_DAYS": "99", "CA_VALID_DAYS": "5000"}, (100, 99, 5000)),
            ({"VALID_DAYS": "100", "RENEW_DAYS": "0"}, "RENEW_DAYS"),
            ({"VALID_DAYS": "100", "RENEW_DAYS": "100"}, "RENEW_DAYS"),
            ({"VALID_DAYS": "100", "RENEW_DAYS": "10", "CA_VALID_DAYS": "100"}, "CA_VALID_DAYS"),
        ]
        for extra, want in cases:
            with self.subTest(extra=extra):
                if isinstance(want, str):
                    with self.assertRaisesRegex(ValueError, want):
                        issue_tls.settings_from_env({**ENV, **extra})
                else:
                    s = issue_tls.settings_from_env({**ENV, **extra})
                    self.assertEqual((s.valid_days, s.renew_days, s.ca_valid_days), want)
                    self.assertEqual((s.namespace, s.secret, s.ca_secret), ("trino", "trino-tls", "trino-tls-ca"))


@unittest.skipUnless(HAS_CRYPTOGRAPHY, SKIP)
class IssueTest(unittest.TestCase):
    def test_server_certificate_is_signed_by_the_ca_for_the_names(self):
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        files = issue_tls.issue(NAMES, NOW, 825)
        chain = x509.load_pem_x509_certificates(files["tls.crt"])
        ca = x509.load_pem_x509_certificate(files["ca.crt"])
        self.assertEqual(chain[1], ca)
        chain[0].verify_directly_issued_by(ca)
        sans = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
        self.assertEqual(sans, list(NAMES))
        self.assertTrue(ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
        self.assertFalse(chain[0].extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
        key = serialization.load_pem_private_key(files["tls.key"], None)
        self.assertEqual(key.public_key(), chain[0].public_key())
        # Trino's PEM keystore: the key and the chain in one file.
        self.assertEqual(files["tls.pem"], files["tls.key"] + files["tls.crt"])

    def test_issues_once_then_keeps_the_certificate(self):
        api = Api(data=None)
        s = issue_tls.settings_from_env(ENV)
        self.assertEqual(issue_tls.run(api, s, NOW), "issued with a new CA")
        first = dict(api.data)
        self.assertEqual(set(first), set(issue_tls.KEYS))
        self.assertEqual(set(api.ca), set(issue_tls.CA_KEYS))
        self.assertNotIn("ca.key", first, "the CA's key stays out of the Secret Trino mounts")
        self.assertEqual(issue_tls.run(api, s, NOW + dt.timedelta(days=100)), "unchanged")
        self.assertEqual(api.data, first)
        self.assertEqual(
            [(m, n) for m, n, _ in api.requests],
            [("GET", "trino-tls-ca"), ("PATCH", "trino-tls-ca"), ("PATCH", "trino-tls"), ("GET", "trino-tls-ca"), ("GET", "trino-tls")],
        )

    def test_a_renewal_changes_the_server_certificate_only(self):
        # A client that saved ca.crt at the first issue still trusts the renewed certificate.
        from cryptography import x509

        api = Api(data=None)
        s = issue_tls.settings_from_env(ENV)
        issue_tls.run(api, s, NOW)
        saved_ca, ca_secret, first_leaf = api.data["ca.crt"], dict(api.ca), api.data["tls.crt"]
        self.assertEqual(issue_tls.run(api, s, NOW + dt.timedelta(days=800)), "issued")
        self.assertEqual(api.ca, ca_secret, "the CA's Secret is untouched")
        self.assertEqual(api.data["ca.crt"], saved_ca)
        self.assertNotEqual(api.data["tls.crt"], first_leaf)
        leaf = x509.load_pem_x509_certificates(base64.b64decode(api.data["tls.crt"]))[0]
        leaf.verify_directly_issued_by(x509.load_pem_x509_certificate(base64.b64decode(saved_ca)))
        self.assertGreater(leaf.not_valid_after_utc, NOW + dt.timedelta(days=1600))

    def test_renews_near_expiry_or_when_the_names_change(self):
        api = Api(data=None)
        s = issue_tls.settings_from_env(ENV)
        issue_tls.run(api, s, NOW)
        self.assertEqual(issue_tls.run(api, s, NOW + dt.timedelta(days=800)), "issued")
        other = issue_tls.settings_from_env({**ENV, "DNS_NAMES": "trino,trino.example.internal"})
        self.assertEqual(issue_tls.run(api, other, NOW + dt.timedelta(days=801)), "issued")
        cert = base64.b64decode(api.data["tls.crt"])
        self.assertIn(b"BEGIN CERTIFICATE", cert)

    def test_a_new_ca_only_when_missing_or_ending(self):
        api = Api(data=None)
        s = issue_tls.settings_from_env(ENV)
        issue_tls.run(api, s, NOW)
        first_ca = api.ca["ca.crt"]
        # Within a server certificate's life of its end, the CA is replaced (and the certificate with it).
        self.assertEqual(issue_tls.run(api, s, NOW + dt.timedelta(days=3650 - 800)), "issued with a new CA")
        self.assertNotEqual(api.ca["ca.crt"], first_ca)
        self.assertEqual(api.data["ca.crt"], api.ca["ca.crt"])
        # A certificate signed by another CA than the kept one is reissued.
        api.secrets["trino-tls-ca"] = None
        self.assertEqual(issue_tls.run(api, s, NOW + dt.timedelta(days=3000)), "issued with a new CA")

    def test_a_failed_write_is_an_error(self):
        with self.assertRaisesRegex(RuntimeError, "PATCH secret trino/trino-tls-ca failed with HTTP 403"):
            issue_tls.run(Api(data=None, patch_status=403), issue_tls.settings_from_env(ENV), NOW)


def stored(files):
    """The server Secret's data as run() writes it: base64 of each PEM file."""
    return {k: base64.b64encode(files[k]).decode() for k in issue_tls.KEYS}


@unittest.skipUnless(HAS_CRYPTOGRAPHY, SKIP)
class CertificateTest(unittest.TestCase):
    def test_still_good_boundaries(self):
        from cryptography import x509

        files = issue_tls.issue(NAMES, NOW, 90)
        leaf = x509.load_pem_x509_certificates(files["tls.crt"])[0]
        renew_at = leaf.not_valid_after_utc - dt.timedelta(days=30)  # renewal window of 30 days
        other_ca = issue_tls.new_ca(NAMES, NOW, 400)["ca.crt"]
        data = stored(files)
        cases = [
            ("fresh", data, NOW, None, True),
            ("one second before the renewal window", data, renew_at - dt.timedelta(seconds=1), None, True),
            ("at the renewal window", data, renew_at, None, False),
            ("signed by the kept CA", data, NOW, files["ca.crt"], True),
            ("another CA kept", data, NOW, other_ca, False),
            # ca.crt says the kept CA but another signed the certificate: verify_directly_issued_by raises
            # cryptography.exceptions.InvalidSignature.
            ("signed by another CA", {**data, "ca.crt": base64.b64encode(other_ca).decode()}, NOW, other_ca, False),
            ("not a certificate", {**data, "tls.crt": base64.b64encode(b"garbage").decode()}, NOW, None, False),
        ] + [(f"no {k}", {**data, k: ""}, NOW, None, False) for k in issue_tls.KEYS]
        for what, d, now, ca, want in cases:
            with self.subTest(what):
                self.assertEqual(issue_tls.still_good(d, NAMES, now, 30, ca), want)

    def test_ca_still_good_boundaries(self):
        from cryptography import x509

        ca_files = issue_tls.new_ca(NAMES, NOW, 1000)
        end = x509.load_pem_x509_certificate(ca_files["ca.crt"]).not_valid_after_utc
        data = {k: base64.b64encode(ca_files[k]).decode() for k in issue_tls.CA_KEYS}
        # Kept while it outlives a certificate issued now (valid_days 90), strictly.
        cases = [
            ("fresh", data, NOW, True),
            ("one second more than a certificate's life left", data, end - dt.timedelta(days=90, seconds=1), True),
            ("exactly a certificate's life left", data, end - dt.timedelta(days=90), False),
            ("not a certificate", {**data, "ca.crt": base64.b64encode(b"garbage").decode()}, NOW, False),
        ] + [(f"no {k}", {**data, k: ""}, NOW, False) for k in issue_tls.CA_KEYS]
        for what, d, now, want in cases:
            with self.subTest(what):
                self.assertEqual(issue_tls.ca_still_good(d, now, 90), want)

    def test_ca_fields(self):
        # The CA signs servers only (pathLenConstraint 0, RFC 5280 4.2.1.9), is named after the first name and
        # is valid from a little before now.
        from cryptography import x509
        from cryptography.x509.oid import NameOID

        ca = x509.load_pem_x509_certificate(issue_tls.new_ca(NAMES, NOW, 1000)["ca.crt"])
        constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
        self.assertEqual((constraints.value.ca, constraints.value.path_length, constraints.critical), (True, 0, True))
        named = x509.load_pem_x509_certificate(issue_tls.new_ca(("alpha.example", "beta.example"), NOW, 1000)["ca.crt"])
        self.assertIn("alpha.example", named.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
        self.assertNotIn("beta", named.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
        self.assertLess(ca.not_valid_before_utc, NOW)
        self.assertEqual(ca.not_valid_after_utc, NOW + dt.timedelta(days=1000))
        # Key usage of a CA that only signs certificates (and CRLs), critical as RFC 5280 4.2.1.3 advises.
        usage = ca.extensions.get_extension_for_class(x509.KeyUsage)
        self.assertTrue(usage.critical)
        granted = {
            n
            for n in (
                "digital_signature",
                "content_commitment",
                "key_encipherment",
                "data_encipherment",
                "key_agreement",
                "key_cert_sign",
                "crl_sign",
            )
            if getattr(usage.value, n)
        }
        self.assertEqual(granted, {"key_cert_sign", "crl_sign"})

    def test_a_certificate_from_another_ca_is_reissued_by_run(self):
        # The Secret holds a complete, valid certificate for the names, but signed by a CA other than the kept one.
        api = Api(data=None)
        s = issue_tls.settings_from_env(ENV)
        issue_tls.run(api, s, NOW)
        foreign = issue_tls.issue(NAMES, NOW, 825)
        api.secrets["trino-tls"] = {**stored(foreign), "ca.crt": api.data["ca.crt"]}
        self.assertEqual(issue_tls.run(api, s, NOW + dt.timedelta(days=1)), "issued")

    def test_leaf_fields(self):
        # Subject: the first name; valid from a little before now (clock skew), the CA outliving it; the SAN
        # non-critical as RFC 5280 4.2.1.6 asks when the subject is not empty.
        from cryptography import x509
        from cryptography.x509.oid import NameOID

        files = issue_tls.issue(NAMES, NOW, 90)
        leaf, ca = x509.load_pem_x509_certificates(files["tls.crt"])
        self.assertEqual(leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value, NAMES[0])
        self.assertLess(leaf.not_valid_before_utc, NOW)
        self.assertGreater(leaf.not_valid_before_utc, NOW - dt.timedelta(hours=1))
        self.assertEqual(leaf.not_valid_after_utc, NOW + dt.timedelta(days=90))
        self.assertGreaterEqual(ca.not_valid_after_utc, leaf.not_valid_after_utc + dt.timedelta(days=365))
        self.assertFalse(leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).critical)


if __name__ == "__main__":
    unittest.main()
