"""`caisse import`: write an archive's caisse into this database, all or nothing, ledger verified.

One transaction. It first takes the write lock on every table it writes (PostgreSQL: a SHARE ROW
EXCLUSIVE lock, readers carry on; SQLite: BEGIN IMMEDIATE), so the ids it chooses stay free until
it commits. It refuses, writing nothing, an archive of another schema revision, a caisse whose slug
is taken, rows the database's constraints refuse, or a caisse whose ledger does not verify.
"""

from __future__ import annotations

import decimal
from typing import Any

import msgspec
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from caisse.backup.archive import Archive, ArchiveRefused, TableRows
from caisse.backup.remap import IdMap, remap_table
from caisse.backup.revision import current_schema_revision
from caisse.backup.scope import USERS, archive_plan
from caisse.backup.values import decoder
from caisse.caisses.models import Caisse
from caisse.db.engine import make_sessionmaker
from caisse.db.models import Base
from caisse.ledger.verify import verify_ledger

# Columns a database trigger keeps from other rows (an account's carried balance is the sum of
# its lines): written at their starting value, so the trigger rebuilds them as the rows go in.
DERIVED = {("ledger_account", "carried_balance_cents"): 0}
# E-mails looked up per query, below every driver's limit on bound parameters.
CHUNK = 500


class ImportReport(msgspec.Struct, frozen=True, kw_only=True):
    """What an import wrote: the caisse's new id, rows per table, which tables' ids were shifted,
    the e-mails of accounts that already existed (kept as they were), the ledger's verdict."""

    slug: str
    caisse_id: int
    rows: int
    tables: dict[str, int]
    ids_kept: bool
    shifted_tables: list[str]
    existing_users: list[str]
    ledger: str


async def import_archive(engine: AsyncEngine, archive: Archive) -> ImportReport:
    """Import `archive` (already checked by `caisse.backup.archive.decode`) in one transaction."""
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            return await _restore(session, archive)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise ArchiveRefused(
            f"The database refused the archive's rows ({reason}); nothing was imported."
        ) from None


async def _restore(session: AsyncSession, archive: Archive) -> ImportReport:
    connection = await session.connection()
    plan = [scope.table for scope in archive_plan()]
    await _lock(connection, plan)
    revision = await current_schema_revision(connection)
    if archive.schema_revision != revision:
        raise ArchiveRefused(
            f"The archive holds schema revision {archive.schema_revision}, this database is at "
            f"{revision}: import it with the version of the software that exported it, or migrate "
            "that installation first."
        )
    _check_tables(archive, plan)
    if await session.scalar(select(Caisse.id).where(Caisse.slug == archive.caisse_slug)) is not None:
        raise ArchiveRefused(
            f"A caisse '{archive.caisse_slug}' already exists in this database; nothing was imported."
        )
    ids = await _plan_ids(session, archive, plan)
    written: dict[str, int] = {}
    for table in plan:
        rows = archive.tables[table.name]
        if table.name == USERS:
            keep = rows.columns.index("id")
            rows = TableRows(rows.columns, [r for r in rows.rows if r[keep] not in ids.existing_users])
        values = _decoded(table, remap_table(table.name, rows, ids))
        if values:
            await session.execute(insert(table), values)
        written[table.name] = len(values)
    await _advance_sequences(connection, [t for t in plan if written[t.name] and "id" in t.c])
    caisse_id = ids.new_id("caisse", archive.caisse_id)
    report = await verify_ledger(session, caisse_id)
    if not report.ok:
        problems = "; ".join(f"{p.code}: {p.message}" for p in report.problems[:5])
        raise ArchiveRefused(
            f"The imported caisse fails the ledger verification ({problems}); nothing was imported."
        )
    return ImportReport(
        slug=archive.caisse_slug,
        caisse_id=caisse_id,
        rows=sum(written.values()),
        tables=written,
        ids_kept=not ids.shifted,
        shifted_tables=ids.shifted,
        existing_users=_emails(archive, ids.existing_users),
        ledger=report.summary(),
    )


async def _lock(connection: AsyncConnection, tables: list[Table]) -> None:
    if connection.dialect.name == "postgresql":
        names = ", ".join(table.name for table in tables)
        await connection.exec_driver_sql(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
    else:
        # Its driver opens no transaction before the first write: take the write lock now.
        await connection.exec_driver_sql("BEGIN IMMEDIATE")


def _check_tables(archive: Archive, plan: list[Table]) -> None:
    expected = [table.name for table in plan]
    if sorted(archive.tables) != sorted(expected):
        missing = sorted(set(expected) - set(archive.tables))
        extra = sorted(set(archive.tables) - set(expected))
        raise ArchiveRefused(
            f"The archive's tables do not match the schema (missing {missing}, unknown {extra})."
        )
    for table in plan:
        columns = archive.tables[table.name].columns
        if sorted(columns) != sorted(table.c.keys()):
            raise ArchiveRefused(f"The archive's columns of {table.name} do not match the schema.")
    caisse = archive.tables["caisse"]
    slug_at, id_at = caisse.columns.index("slug"), caisse.columns.index("id")
    if [(row[slug_at], row[id_at]) for row in caisse.rows] != [(archive.caisse_slug, archive.caisse_id)]:
        raise ArchiveRefused("The archive's caisse row does not match its header.")


async def _plan_ids(session: AsyncSession, archive: Archive, plan: list[Table]) -> IdMap:
    ids = IdMap()
    for table in plan:
        if "id" not in table.c or table.name == USERS:
            continue
        rows = archive.tables[table.name]
        index = rows.columns.index("id")
        ids.offsets[table.name] = await _offset(session, table, [row[index] for row in rows.rows])
    users = archive.tables[USERS]
    id_at, email_at = users.columns.index("id"), users.columns.index("email")
    emails = {row[email_at]: row[id_at] for row in users.rows}
    table = Base.metadata.tables[USERS]
    names = list(emails)
    for start in range(0, len(names), CHUNK):
        found = await session.execute(
            select(table.c.email, table.c.id).where(table.c.email.in_(names[start : start + CHUNK]))
        )
        for email, user_id in found:
            ids.users[emails[email]] = user_id
            ids.existing_users.add(emails[email])
    newcomers = [row[id_at] for row in users.rows if row[id_at] not in ids.existing_users]
    offset = await _offset(session, table, newcomers)
    ids.users.update({old: old + offset for old in newcomers})
    return ids


async def _offset(session: AsyncSession, table: Table, archive_ids: list[int]) -> int:
    """0 when no row of `table` has an id in the archive's range; else the shift putting the
    archive's ids just above the table's highest id."""
    if not archive_ids:
        return 0
    low, high = min(archive_ids), max(archive_ids)
    taken = await session.scalar(select(func.count()).select_from(table).where(table.c.id.between(low, high)))
    if not taken:
        return 0
    top = await session.scalar(select(func.max(table.c.id)))
    return int(top) - low + 1


def _decoded(table: Table, rows: TableRows) -> list[dict[str, Any]]:
    decoders = [decoder(table.c[name]) for name in rows.columns]
    derived = [
        (rows.columns.index(c), v) for (t, c), v in DERIVED.items() if t == table.name and c in rows.columns
    ]
    values = []
    try:
        for row in rows.rows:
            decoded = [decode(value) for decode, value in zip(decoders, row, strict=True)]
            for index, start in derived:
                if decoded[index] is not None:
                    decoded[index] = start
            values.append(dict(zip(rows.columns, decoded, strict=True)))
    except (ValueError, TypeError, decimal.InvalidOperation) as exc:
        raise ArchiveRefused(f"A value of {table.name} cannot be read back ({exc}).") from None
    return values


async def _advance_sequences(connection: AsyncConnection, tables: list[Table]) -> None:
    """PostgreSQL: move each id sequence past the ids written (never back), so the next row the
    service inserts gets a free id. SQLite takes the next rowid from the table itself."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        sequence = await connection.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        if sequence is None:
            continue
        await connection.execute(
            text(
                f"SELECT setval(CAST(:s AS regclass), GREATEST((SELECT max(id) FROM {table.name}), "
                f"(SELECT last_value FROM {sequence})))"
            ),
            {"s": sequence},
        )


def _emails(archive: Archive, user_ids: set[int]) -> list[str]:
    users = archive.tables[USERS]
    id_at, email_at = users.columns.index("id"), users.columns.index("email")
    return sorted(row[email_at] for row in users.rows if row[id_at] in user_ids)
