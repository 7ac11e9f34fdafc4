"""`caisse export SLUG --out FILE` and `caisse import FILE`: one caisse as a backup archive.

A refused archive (wrong version, bad checksum, truncated, slug taken, ledger not verified) is a
one-line `Error: ...` with exit status 2; nothing is written.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click
import msgspec
from sqlalchemy.ext.asyncio import AsyncEngine

from caisse.backup import (
    Archive,
    ArchiveRefused,
    ImportReport,
    export_caisse,
    import_archive,
    read_archive,
    write_archive,
)
from caisse.cli.support import domain_errors_exit, print_json
from caisse.db.engine import make_engine
from caisse.settings import Settings

T = TypeVar("T")


class Refused(click.ClickException):
    exit_code = 2


def _with_engine(work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = make_engine(Settings.from_env())
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except ArchiveRefused as exc:
        raise Refused(exc.detail) from None


class ExportSummary(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    file: str
    bytes: int
    rows: int
    tables: dict[str, int]
    schema_revision: str
    format_version: int
    checksum: str
    seconds: float


@click.command("export")
@click.argument("slug")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Archive file."
)
@click.option("--gzip/--no-gzip", "compress", default=None, help="Compress (default: when FILE ends in .gz).")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@domain_errors_exit
def export(slug: str, out: Path, compress: bool | None, as_json: bool) -> None:
    """Write every row of caisse SLUG, read in one consistent snapshot, to an archive FILE."""
    started = time.perf_counter()
    archive: Archive = _with_engine(lambda engine: export_caisse(engine, slug))
    size = write_archive(archive, out, compress=out.name.endswith(".gz") if compress is None else compress)
    summary = ExportSummary(
        slug=slug,
        file=str(out),
        bytes=size,
        rows=archive.row_count,
        tables=archive.counts,
        schema_revision=archive.schema_revision,
        format_version=archive.format_version,
        checksum=archive.checksum,
        seconds=round(time.perf_counter() - started, 3),
    )
    if as_json:
        print_json(summary)
        return
    click.echo(
        f"caisse '{slug}' exported to {out}: {summary.rows} rows in {len(summary.tables)} tables, "
        f"{size} bytes, schema {summary.schema_revision}, {summary.checksum}"
    )


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print what was imported as JSON.")
@domain_errors_exit
def import_(file: Path, as_json: bool) -> None:
    """Import the caisse archived in FILE into this database (all or nothing, ledger verified)."""
    try:
        archive = read_archive(file)
    except ArchiveRefused as exc:
        raise Refused(exc.detail) from None
    except OSError as exc:
        raise Refused(f"Cannot read {file}: {exc.strerror or exc}.") from None
    report: ImportReport = _with_engine(lambda engine: import_archive(engine, archive))
    if as_json:
        print_json(report)
        return
    ids = "ids kept" if report.ids_kept else f"ids shifted in {', '.join(report.shifted_tables)}"
    click.echo(f"caisse '{report.slug}' imported as id {report.caisse_id}: {report.rows} rows, {ids}")
    if report.existing_users:
        click.echo(f"accounts already here, kept as they were: {', '.join(report.existing_users)}")
    click.echo(report.ledger)


COMMANDS = (export, import_)
