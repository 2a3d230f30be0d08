import py_compile
import tempfile
import unittest
from pathlib import Path

PIPELINES = Path(__file__).resolve().parents[1]


class CompileTest(unittest.TestCase):
    def test_every_python_file_compiles(self):
        files = sorted(PIPELINES.rglob("*.py"))
        self.assertGreater(len(files), 10)
        with tempfile.TemporaryDirectory() as out:
            for index, path in enumerate(files):
                with self.subTest(path=str(path.relative_to(PIPELINES))):
                    py_compile.compile(str(path), cfile=f"{out}/{index}.pyc", doraise=True)


if __name__ == "__main__":
    unittest.main()
