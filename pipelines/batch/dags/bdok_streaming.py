"""Stream the IMDB datasets from their public URLs into the lake's landing zone.

Pure stdlib so it can be unit-tested without boto3 or network: the caller
passes an opener (returning the compressed HTTP body) and an uploader (e.g.
``s3.upload_fileobj``). Nothing here ever holds a whole file in memory: the
body is decompressed on the fly while the uploader reads it part by part.
"""

from __future__ import annotations

import gzip
import io
import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import BinaryIO

IMDB_BASE_URL = "https://datasets.imdbws.com"

# The five tables the book's consolidated table is built from.
IMDB_TABLES = (
    "name.basics",
    "title.basics",
    "title.crew",
    "title.principals",
    "title.ratings",
)

LANDING_PREFIX = "landing/imdb"

# Some CDNs refuse urllib's default "Python-urllib/x.y" agent.
USER_AGENT = "bdok-imdb-acquisition/1.0"

_MIB = 1024 * 1024

# boto3 TransferConfig arguments. A non-seekable upload keeps at most ~10 parts
# in memory (s3transfer's max_in_memory_upload_chunks), so 16 MiB parts bound
# the task at ~160 MiB while allowing objects up to 156 GiB (10,000 parts).
MULTIPART_SETTINGS = {
    "multipart_threshold": 16 * _MIB,
    "multipart_chunksize": 16 * _MIB,
    "max_concurrency": 4,
}


def imdb_url(table: str) -> str:
    """Download URL of one IMDB table (gzip-compressed TSV)."""
    _check_table(table)
    return f"{IMDB_BASE_URL}/{table}.tsv.gz"


def landing_key(table: str) -> str:
    """Object key of the decompressed TSV, the input of the bronze Spark job."""
    _check_table(table)
    return f"{LANDING_PREFIX}/{table}.tsv"


# pragma: no mutate start (not pure: HTTP to the live IMDb host)
def open_url(url: str, timeout: float = 60) -> BinaryIO:
    """Open ``url`` for streaming reads; ``timeout`` bounds each socket wait, not the download."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    return urllib.request.urlopen(request, timeout=timeout)


# pragma: no mutate end


def _check_table(table: str) -> None:
    if table not in IMDB_TABLES:
        raise ValueError(f"unknown IMDB table {table!r}; expected one of {', '.join(IMDB_TABLES)}")


class GunzipStream(io.RawIOBase):
    """Forward-only, decompressed view of a gzip byte stream.

    ``gzip.GzipFile`` claims to be seekable (it emulates seeking by
    re-decompressing). s3transfer would then seek to the end to size the
    upload, i.e. decompress everything first, and rewind a network stream it
    cannot rewind. Reporting ``seekable() == False`` makes it use its streaming
    path, which reads one part at a time.
    """

    def __init__(self, compressed: BinaryIO) -> None:
        super().__init__()
        self._gzip = gzip.GzipFile(fileobj=compressed, mode="rb")
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer) -> int:
        # GzipFile.readinto fills the whole buffer unless the stream ends, so
        # every multipart part except the last has exactly the requested size
        # (S3 rejects parts under 5 MiB). A truncated download raises EOFError
        # here, which aborts the multipart upload instead of landing half a file.
        count = self._gzip.readinto(buffer)
        self.bytes_read += count
        return count

    def close(self) -> None:
        if not self.closed:
            self._gzip.close()
        super().close()


def stream_gunzip_upload(
    open_source: Callable[[], AbstractContextManager[BinaryIO]],
    upload: Callable[[BinaryIO], object],
) -> int:
    """Decompress the stream returned by ``open_source`` into ``upload``.

    Returns the number of decompressed bytes handed to the uploader.
    """
    with open_source() as compressed, GunzipStream(compressed) as stream:
        upload(stream)
        return stream.bytes_read
