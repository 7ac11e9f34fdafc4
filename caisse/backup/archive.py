"""The archive file: one caisse's rows as a versioned, checksummed JSON document, gzip optional.

JSON rather than msgpack: a backup must stay readable for years by any tool (`zcat | jq`,
`python -m json.tool`) without this project, and gzip takes back most of the size msgpack would
save. msgspec encodes and decodes it about as fast as it does msgpack.

Layout (format version 1): the header fields of `Archive`, then `tables`, in the order rows are
inserted on import, each as column names and rows of values (a row is a list, not an object: the
names are not repeated on every row). `checksum` is the SHA-256 of the whole document with
`checksum` empty, encoded with sorted keys, so it checks the content whatever the file's
whitespace or compression.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import zlib
from pathlib import Path
from typing import Any

import msgspec

from caisse.errors import DomainError

FORMAT = "caisse-commune-archive"
FORMAT_VERSION = 1
GZIP_MAGIC = b"\x1f\x8b"


class ArchiveRefused(DomainError):
    """An archive that cannot be imported: wrong format or version, damaged, or conflicting with
    the database. Nothing was written."""

    code = "archive_refused"
    status_code = 422


class TableRows(msgspec.Struct, frozen=True):
    columns: list[str]
    rows: list[list[Any]]


class Archive(msgspec.Struct, frozen=True, kw_only=True):
    """One caisse's rows. `schema_revision` is the Alembic revision the rows fit; `counts` the
    rows per table (checked against `tables` on reading); `checksum` is `sha256:<hex>`."""

    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    schema_revision: str
    exported_at: str
    source_dialect: str
    caisse_slug: str
    caisse_id: int
    counts: dict[str, int]
    checksum: str = ""
    tables: dict[str, TableRows]

    @property
    def row_count(self) -> int:
        return sum(self.counts.values())


def content_checksum(archive: Archive) -> str:
    """`sha256:<hex>` of the archive with an empty checksum, keys sorted."""
    body = msgspec.json.encode(msgspec.structs.replace(archive, checksum=""), order="sorted")
    return f"sha256:{hashlib.sha256(body).hexdigest()}"


def sealed(archive: Archive) -> Archive:
    """The archive with its checksum filled in."""
    return msgspec.structs.replace(archive, checksum=content_checksum(archive))


def encode(archive: Archive, *, compress: bool) -> bytes:
    data = msgspec.json.encode(archive)
    # mtime=0: the same archive gives the same bytes, so two exports can be compared by hash.
    return gzip.compress(data, compresslevel=6, mtime=0) if compress else data


def write_archive(archive: Archive, path: Path, *, compress: bool) -> int:
    """Write the archive atomically (a temporary file renamed over `path`, so an interrupted export
    never leaves half an archive under the name); returns its size in bytes."""
    data = encode(archive, compress=compress)
    directory = path.resolve().parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return len(data)


def decode(data: bytes) -> Archive:
    """Check and decode an archive's bytes; ArchiveRefused says what is wrong with them."""
    if data.startswith(GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise ArchiveRefused(f"The archive is truncated or damaged (gzip: {exc}).") from None
    try:
        document = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise ArchiveRefused(f"The archive is truncated or is not JSON ({exc}).") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ArchiveRefused(f'This file is not a caisse archive (no "format": "{FORMAT}").')
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise ArchiveRefused(
            f"The archive is in format version {version!r}; this version of the software reads "
            f"version {FORMAT_VERSION} only."
        )
    try:
        archive = msgspec.convert(document, Archive)
    except msgspec.ValidationError as exc:
        raise ArchiveRefused(f"The archive's content is malformed: {exc}.") from None
    if archive.checksum != content_checksum(archive):
        raise ArchiveRefused("The archive's checksum does not match its content: it was altered or damaged.")
    _check_shape(archive)
    return archive


def _check_shape(archive: Archive) -> None:
    if set(archive.counts) != set(archive.tables):
        raise ArchiveRefused("The archive's row counts do not name the same tables as its content.")
    for name, table in archive.tables.items():
        if len(table.rows) != archive.counts[name]:
            raise ArchiveRefused(
                f"The archive holds {len(table.rows)} rows of {name}, its header says {archive.counts[name]}."
            )
        width = len(table.columns)
        if any(len(row) != width for row in table.rows):
            raise ArchiveRefused(f"A row of {name} does not have the table's {width} columns.")


def read_archive(path: Path) -> Archive:
    return decode(path.read_bytes())
