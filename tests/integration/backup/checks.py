"""Comparing archives and the databases they came from or went to."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from caisse.backup import Archive, ImportReport, export_caisse, import_archive
from caisse.backup.archive import TableRows
from caisse.db.engine import make_engine, make_sessionmaker
from caisse.ledger.verify import LedgerReport, verify_ledger
from caisse.settings import Settings

from .history import SLUG, balances


async def import_into(settings: Settings, archive: Archive) -> ImportReport:
    engine = make_engine(settings)
    try:
        return await import_archive(engine, archive)
    finally:
        await engine.dispose()


async def export_from(settings: Settings, slug: str = SLUG) -> Archive:
    engine = make_engine(settings)
    try:
        return await export_caisse(engine, slug)
    finally:
        await engine.dispose()


async def ledger_and_balances(settings: Settings, slug: str = SLUG) -> tuple[LedgerReport, dict[str, int]]:
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            return await verify_ledger(session), await balances(session, slug)
    finally:
        await engine.dispose()


def archive_balances(archive: Archive | dict[str, TableRows]) -> dict[str, int]:
    """Account code -> raw balance (cents), summed from the archive's own lines."""
    tables = archive.tables if isinstance(archive, Archive) else archive
    accounts = rows_of(tables["ledger_account"])
    totals: dict[int, int] = defaultdict(int)
    for line in rows_of(tables["journal_line"]):
        totals[line["account_id"]] += line["amount_cents"]
    return {account["code"]: totals[account["id"]] for account in accounts}


def assert_same_rows(expected: Archive | dict[str, TableRows], found: Archive | dict[str, TableRows]) -> None:
    """Table by table and row by row, naming the first difference."""
    want = expected.tables if isinstance(expected, Archive) else expected
    got = found.tables if isinstance(found, Archive) else found
    assert list(got) == list(want)
    for name, rows in want.items():
        assert got[name].columns == rows.columns, name
        assert len(got[name].rows) == len(rows.rows), name
        for before, after in zip(rows.rows, got[name].rows, strict=True):
            assert after == before, (name, dict(zip(rows.columns, before, strict=True)))


def rows_of(table: TableRows) -> list[dict[str, Any]]:
    return [dict(zip(table.columns, row, strict=True)) for row in table.rows]
