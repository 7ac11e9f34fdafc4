"""Importing beside other caisses: the ids the database already uses are left alone, the archive's
are shifted above them, consistently (foreign keys, account codes, keys and references in text),
and an account whose e-mail is already here is that account."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import User
from caisse.backup import Archive
from caisse.backup.archive import TableRows
from caisse.backup.remap import IdMap, remap_table
from caisse.backup.scope import USERS
from caisse.settings import Settings
from tests.ledger_checks import build_money_world

from .checks import archive_balances, assert_same_rows, export_from, import_into, ledger_and_balances, rows_of
from .history import balances

ALREADY_HERE = "staff@demo.caisse-commune.fr"


def _inferred_ids(before: Archive, after: Archive) -> IdMap:
    """The shift of each table, read off the two archives (ids keep their order); users by e-mail."""
    ids = IdMap()
    for name, rows in before.tables.items():
        if name != USERS and "id" in rows.columns and rows.rows:
            ids.offsets[name] = min(r["id"] for r in rows_of(after.tables[name])) - min(
                r["id"] for r in rows_of(rows)
            )
    now = {r["email"]: r["id"] for r in rows_of(after.tables[USERS])}
    ids.users = {r["id"]: now[r["email"]] for r in rows_of(before.tables[USERS])}
    return ids


def _without(tables: dict[str, TableRows], email: str) -> dict[str, TableRows]:
    users = tables[USERS]
    at = users.columns.index("email")
    return {**tables, USERS: TableRows(users.columns, [r for r in users.rows if r[at] != email])}


async def test_import_beside_other_caisses_shifts_ids_consistently(
    db: AsyncSession, settings: Settings, history_archive: Archive
) -> None:
    await build_money_world(db)
    here = await auth.create_user(db, email=ALREADY_HERE, display_name="Samir", password="une autre phrase")
    await db.commit()
    here_id, kept_hash, other_balances = here.id, here.password_hash, await balances(db, "ssa")

    report = await import_into(settings, history_archive)
    again = await export_from(settings)

    assert not report.ids_kept
    assert {"caisse", "member", "ledger_account", USERS} <= set(report.shifted_tables)
    assert report.existing_users == [ALREADY_HERE]
    ids = _inferred_ids(history_archive, again)
    assert ids.offsets["member"] > 0 and ids.offsets["ballot"] == 0  # this database had no ballot
    expected = {name: remap_table(name, rows, ids) for name, rows in history_archive.tables.items()}
    assert_same_rows(_without(expected, ALREADY_HERE), _without(again.tables, ALREADY_HERE))
    ledger, found = await ledger_and_balances(settings)
    assert ledger.ok, ledger.problems
    assert found == archive_balances(expected)
    db.expire_all()
    assert await balances(db, "ssa") == other_balances
    assert await db.scalar(select(User.password_hash).where(User.email == ALREADY_HERE)) == kept_hash
    grants = [g for g in rows_of(again.tables["role_grant"]) if g["user_id"] == here_id]
    assert [g["role"] for g in grants] == ["staff"]
