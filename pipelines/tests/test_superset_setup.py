"""superset_setup's pure parts: reading an asset bundle and giving the Trino password to its database files."""

import json
import tempfile
import unittest
from pathlib import Path

from pipelines.platform import superset_setup as setup


class BundleTest(unittest.TestCase):
    def write(self, document):
        path = Path(tempfile.mkdtemp()) / "bundle.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        return str(path)

    def test_reads_a_bundle_as_text_files(self):
        path = self.write({"metadata.yaml": "version: 1.0.0\n", "databases/trino.yaml": "x: ü", "n": 1})
        self.assertEqual(setup.load_bundle(path), {"metadata.yaml": "version: 1.0.0\n", "databases/trino.yaml": "x: ü", "n": "1"})

    def test_refuses_what_is_not_a_bundle(self):
        for document in ({"charts/a.yaml": ""}, ["metadata.yaml"], "metadata.yaml"):
            with self.subTest(document=document):
                path = self.write(document)
                with self.assertRaisesRegex(ValueError, f"^{path}: not an asset bundle \\(no metadata.yaml\\)$"):
                    setup.load_bundle(path)

    def test_the_password_goes_to_database_files_only(self):
        bundle = {
            "metadata.yaml": "",
            "databases/trino.yaml": "",
            "databases/other.yaml": "",
            "datasets/trino/x.yaml": "",
            "x/databases/y": "",
        }
        self.assertEqual(setup.passwords_for(bundle, "pw"), {"databases/trino.yaml": "pw", "databases/other.yaml": "pw"})
        for none in (None, ""):
            self.assertEqual(setup.passwords_for(bundle, none), {})


if __name__ == "__main__":
    unittest.main()
