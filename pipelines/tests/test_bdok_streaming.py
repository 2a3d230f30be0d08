import gzip
import io
import os
import random
import tempfile
import unittest
from pathlib import Path

from pipelines.batch.dags import bdok_streaming as streaming

MIB = 1024 * 1024
# What s3transfer's non-seekable path does with a 16 MiB part size, scaled down.
PART_SIZE = 256 * 1024


class RecordingFile(io.RawIOBase):
    """Compressed source that records every read the decompressor makes."""

    def __init__(self, path):
        super().__init__()
        self._file = open(path, "rb")
        self.read_sizes = []

    def readable(self):
        return True

    def readinto(self, buffer):
        self.read_sizes.append(len(buffer))
        return self._file.readinto(buffer)

    def read(self, size=-1):
        self.read_sizes.append(size)
        return self._file.read(size)

    def close(self):
        self._file.close()
        super().close()


class FakeUploader:
    """Mimics s3transfer.upload_fileobj for a non-seekable file object."""

    def __init__(self):
        self.parts = []

    def __call__(self, stream):
        assert stream.readable()
        # A seekable stream would make s3transfer seek to the end first.
        assert not stream.seekable(), "stream must not be seekable"
        while part := stream.read(PART_SIZE):
            self.parts.append(part)


class StreamGunzipUploadTest(unittest.TestCase):
    def setUp(self):
        rng = random.Random(7)
        # Mix of text (compresses) and random bytes (does not), ~2.5 MiB.
        lines = "".join(f"tt{n:07d}\tmovie\tTitle {n}\t\\N\t{rng.randint(1900, 2024)}\n" for n in range(30000))
        self.data = lines.encode() + rng.randbytes(MIB)
        handle, self.path = tempfile.mkstemp(suffix=".tsv.gz")
        with os.fdopen(handle, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as gz:
            gz.write(self.data)
        self.addCleanup(os.remove, self.path)
        self.assertGreater(len(self.data), 4 * PART_SIZE)

    def test_uploader_gets_every_byte_in_bounded_parts(self):
        source = RecordingFile(self.path)
        uploader = FakeUploader()

        count = streaming.stream_gunzip_upload(lambda: source, uploader)

        self.assertEqual(count, len(self.data))
        self.assertEqual(b"".join(uploader.parts), self.data)
        self.assertGreater(len(uploader.parts), 1)
        # Every part but the last is full-size (S3 rejects small middle parts).
        self.assertTrue(all(len(part) == PART_SIZE for part in uploader.parts[:-1]))
        self.assertLess(max(len(part) for part in uploader.parts), len(self.data))
        # The compressed side is read incrementally too, never in one go.
        self.assertGreater(len(source.read_sizes), 1)
        self.assertTrue(all(0 < size < len(self.data) for size in source.read_sizes))
        self.assertTrue(source.closed)

    def test_open_url_streams_from_a_url(self):
        uploader = FakeUploader()
        url = Path(self.path).as_uri()  # file:// keeps the test offline
        count = streaming.stream_gunzip_upload(lambda: streaming.open_url(url), uploader)
        self.assertEqual(count, len(self.data))
        self.assertEqual(b"".join(uploader.parts), self.data)

    def test_truncated_download_fails_the_upload(self):
        with open(self.path, "rb") as handle:
            truncated = handle.read()[: os.path.getsize(self.path) // 2]
        with self.assertRaises(EOFError):
            streaming.stream_gunzip_upload(lambda: io.BytesIO(truncated), FakeUploader())

    def test_stream_is_closed_after_upload_error(self):
        source = RecordingFile(self.path)

        def failing_upload(stream):
            stream.read(10)
            raise ConnectionError("S3 unreachable")

        with self.assertRaises(ConnectionError):
            streaming.stream_gunzip_upload(lambda: source, failing_upload)
        self.assertTrue(source.closed)


class NamingTest(unittest.TestCase):
    def test_five_book_tables(self):
        self.assertEqual(
            set(streaming.IMDB_TABLES),
            {"name.basics", "title.basics", "title.crew", "title.principals", "title.ratings"},
        )

    def test_url_and_landing_key(self):
        self.assertEqual(streaming.imdb_url("title.ratings"), "https://datasets.imdbws.com/title.ratings.tsv.gz")
        self.assertEqual(streaming.landing_key("title.ratings"), "landing/imdb/title.ratings.tsv")

    def test_unknown_table_is_rejected(self):
        with self.assertRaises(ValueError):
            streaming.imdb_url("title.akas")
        with self.assertRaises(ValueError):
            streaming.landing_key("../etc")
        with self.assertRaisesRegex(ValueError, "'title.akas'") as caught:
            streaming.imdb_url("title.akas")
        for known in streaming.IMDB_TABLES:  # the message lists what would have worked
            self.assertIn(known, str(caught.exception))

    def test_multipart_settings_fit_s3_limits(self):
        settings = streaming.MULTIPART_SETTINGS
        self.assertGreaterEqual(settings["multipart_chunksize"], 5 * MIB)  # S3 minimum part size
        # title.principals decompresses to a few GiB; 10,000 parts must cover far more.
        self.assertGreater(settings["multipart_chunksize"] * 10000, 100 * 1024 * MIB)


if __name__ == "__main__":
    unittest.main()
