"""Export a caisse with history, import it into a fresh database, export it again: the same rows,
the same ids, the same balances, a verified ledger — on SQLite, on PostgreSQL, and from one to the
other (the caisse is built on SQLite, exported, then goes SQLite -> PostgreSQL -> PostgreSQL and
PostgreSQL -> SQLite)."""

from __future__ import annotations

from caisse.backup import Archive
from caisse.settings import Settings

from .checks import archive_balances, assert_same_rows, export_from, import_into, ledger_and_balances
from .conftest import FreshDatabase
from .history import AGREEMENTS


async def _through(settings: Settings, archive: Archive) -> Archive:
    """Import into `settings`' empty database, check its ledger and balances, export again."""
    report = await import_into(settings, archive)
    assert report.ids_kept and report.rows == archive.row_count
    ledger, found = await ledger_and_balances(settings)
    assert ledger.ok, ledger.problems
    assert found == archive_balances(archive)
    return await export_from(settings)


async def test_caisse_built_on_sqlite_comes_back_with_every_row_and_id(
    history_archive: Archive, fresh_database: FreshDatabase
) -> None:
    assert history_archive.source_dialect == "sqlite"
    assert_same_rows(history_archive, await _through(fresh_database("sqlite"), history_archive))


async def test_archive_from_sqlite_goes_through_postgresql_and_back_unchanged(
    history_archive: Archive, fresh_database: FreshDatabase, postgres_schema: str
) -> None:
    from_postgresql = await _through(fresh_database("postgresql"), history_archive)
    assert from_postgresql.source_dialect == "postgresql"
    assert_same_rows(history_archive, from_postgresql)
    assert_same_rows(history_archive, await _through(fresh_database("postgresql"), from_postgresql))
    assert_same_rows(history_archive, await _through(fresh_database("sqlite"), from_postgresql))


async def test_the_funders_grant_agreements_travel_with_the_caisse(
    history_archive: Archive, fresh_database: FreshDatabase
) -> None:
    def agreements(archive: Archive) -> list[tuple[object, ...]]:
        table = archive.tables["subsidy_source"]
        at = [table.columns.index(c) for c in ("agreed_amount_cents", "agreed_every_months", "agreed_until")]
        return [
            tuple(row[i] for i in at)
            for row in sorted(table.rows, key=lambda r: r[table.columns.index("id")])
        ]

    wanted = [*AGREEMENTS, (None, None, None)]
    assert agreements(history_archive)[: len(wanted)] == wanted
    back = await _through(fresh_database("sqlite"), history_archive)
    assert agreements(back) == agreements(history_archive)
