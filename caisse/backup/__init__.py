"""Backup of one caisse: `caisse export` writes every row of it to a versioned, checksummed archive,
`caisse import` writes an archive back into a database, all or nothing, its ledger verified.
See docs/backup.md."""

from caisse.backup.archive import FORMAT_VERSION, Archive, ArchiveRefused, read_archive, write_archive
from caisse.backup.export import export_caisse
from caisse.backup.restore import ImportReport, import_archive

__all__ = [
    "FORMAT_VERSION",
    "Archive",
    "ArchiveRefused",
    "ImportReport",
    "export_caisse",
    "import_archive",
    "read_archive",
    "write_archive",
]
