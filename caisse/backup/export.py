"""`caisse export`: read one caisse's rows in one consistent snapshot into an Archive."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from caisse.backup.archive import Archive, TableRows, sealed
from caisse.backup.revision import current_schema_revision
from caisse.backup.scope import USERS, archive_plan, user_columns
from caisse.backup.values import to_archive
from caisse.caisses.models import Caisse
from caisse.db.models import Base
from caisse.errors import NotFound

# Users are looked up by id in chunks, below every driver's limit on bound parameters.
CHUNK = 500


@asynccontextmanager
async def snapshot(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One read-only transaction seeing the database as of its first read.

    PostgreSQL: REPEATABLE READ (a snapshot of the whole database, held to the end), read only.
    SQLite: an explicit BEGIN, since its driver opens no transaction for reads; in WAL mode the
    reader's snapshot holds while writers carry on."""
    async with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = await connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            async with connection.begin():
                yield connection
        else:
            await connection.exec_driver_sql("BEGIN")
            try:
                yield connection
            finally:
                await connection.rollback()


async def export_caisse(engine: AsyncEngine, slug: str, *, now: datetime | None = None) -> Archive:
    """Every row of caisse `slug` (see caisse.backup.scope), sealed with its checksum."""
    async with snapshot(engine) as connection:
        revision = await current_schema_revision(connection)
        caisse_id = await connection.scalar(select(Caisse.id).where(Caisse.slug == slug))
        if caisse_id is None:
            raise NotFound(f"No caisse '{slug}' in this database.")
        plan = archive_plan()
        tables: dict[str, TableRows] = {}
        user_ids: set[int] = set()
        for scope in plan:
            if scope.kind == "users":
                continue
            rows = await _rows(connection, scope.table, scope.select_rows(caisse_id))
            tables[scope.table.name] = rows
            for column in user_columns(scope.table):
                index = rows.columns.index(column)
                user_ids.update(row[index] for row in rows.rows if row[index] is not None)
        user_ids.update(_audited_users(tables["audit_event"]))
        tables[USERS] = await _users(connection, sorted(user_ids))
    ordered = {scope.table.name: tables[scope.table.name] for scope in plan}
    return sealed(
        Archive(
            schema_revision=revision,
            exported_at=(now or datetime.now(UTC)).isoformat(),
            source_dialect=engine.dialect.name,
            caisse_slug=slug,
            caisse_id=caisse_id,
            counts={name: len(rows.rows) for name, rows in ordered.items()},
            tables=ordered,
        )
    )


def _audited_users(events: TableRows) -> set[int]:
    """Users an audit event is about: their accounts go with the caisse, so the event names them."""
    kind, subject = events.columns.index("subject_type"), events.columns.index("subject_id")
    return {
        int(row[subject])
        for row in events.rows
        if row[kind] == "user" and row[subject].isascii() and row[subject].isdigit()
    }


async def _rows(connection: AsyncConnection, table: Table, query: Any) -> TableRows:
    result = await connection.execute(query)
    columns = list(result.keys())
    rows = [[to_archive(value) for value in row] for row in result]
    return TableRows(columns=columns, rows=_sorted(table, columns, rows))


def _sorted(table: Table, columns: list[str], rows: list[list[Any]]) -> list[list[Any]]:
    # In Python, not by ORDER BY: text keys (ballot receipts' hashes) sort by code point here on
    # every database, whatever PostgreSQL's collation.
    keys = [columns.index(column.name) for column in table.primary_key.columns]
    return sorted(rows, key=lambda row: tuple(row[k] for k in keys))


async def _users(connection: AsyncConnection, user_ids: Sequence[int]) -> TableRows:
    table = Base.metadata.tables[USERS]
    columns: list[str] = [column.name for column in table.c]
    rows: list[list[Any]] = []
    for start in range(0, len(user_ids), CHUNK):
        query = select(table).where(table.c.id.in_(user_ids[start : start + CHUNK]))
        rows.extend((await _rows(connection, table, query)).rows)
    return TableRows(columns=columns, rows=_sorted(table, columns, rows))
