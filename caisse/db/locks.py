"""Lock a row for the rest of the transaction, the same way on both backends.

Read-then-write changes (numbering, checking a balance before paying, closing a ballot) lock the
row that orders them, then read everything afresh.

PostgreSQL: `SELECT ... FOR <mode>`. `NO_KEY_UPDATE` excludes a second writer taking the same
lock but not the KEY SHARE lock a foreign-key check takes, so rows that merely reference the
locked one (a payment naming the caisse, a vote naming the ballot) are not held up. `UPDATE` also
waits for those (the month close wants postings in flight to finish). `SHARE` lets holders of
SHARE run side by side while excluding the two others.

SQLite serialises writers, and its driver opens a transaction only at the first write: the lock
is a write that changes nothing (the row's id set to itself, and columns with an `onupdate`,
such as `updated_at`, kept as they are), which waits (busy timeout) for any other writer to
commit, so everything read afterwards is current. `SHARE` writes nothing on SQLite: the caller's
own guarded write is its lock there.
"""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from sqlalchemy import inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

Row = TypeVar("Row")


class RowLock(enum.Enum):
    UPDATE = "update"
    NO_KEY_UPDATE = "no_key_update"
    SHARE = "share"


def _unchanged(model: Any) -> dict[Any, Any]:
    """The values of a no-op UPDATE: the primary key, and every column an UPDATE would change
    by itself (`onupdate`), each set to itself."""
    table = inspect(model).local_table
    key = table.primary_key.columns.values()[0]
    return {key: key} | {column: column for column in table.columns if column.onupdate is not None}


async def lock_row(
    session: AsyncSession,
    model: type[Row],
    *where: ColumnElement[bool],
    mode: RowLock = RowLock.NO_KEY_UPDATE,
) -> Row | None:
    """Lock the row of `model` matching `where` until the transaction ends and return it, read
    afresh (None when no row matches: nothing is locked)."""
    query = select(model).where(*where).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        if mode is RowLock.SHARE:
            query = query.with_for_update(read=True)
        else:
            query = query.with_for_update(key_share=mode is RowLock.NO_KEY_UPDATE)
    elif mode is not RowLock.SHARE:
        await session.execute(
            update(model).where(*where).values(_unchanged(model)).execution_options(synchronize_session=False)
        )
    return await session.scalar(query)
