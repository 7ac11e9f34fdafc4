"""One writer at a time per caisse, for the changes that read-then-write caisse-wide state:
closing a month, adopting rules, numbering new members, booking the opening reserve.

PostgreSQL: `SELECT ... FOR UPDATE` on the caisse row. A second close of the same caisse waits
there until the first commits, then finds the month closed. Every journal entry references its
caisse, and the foreign-key check takes a KEY SHARE lock on that row, which FOR UPDATE excludes:
postings in flight finish before the close reads any balance, and postings that arrive during the
close wait for it (a few seconds), so a close never sees half a payment.

SQLite serialises writers. The Python driver opens a transaction only at the first write, so the
lock is a no-op write on the caisse row: it waits (busy timeout) for any other writer to commit,
and everything the close reads afterwards is current. The unique (caisse, month) constraint of
PeriodClose stays the backstop on both backends. Both are `caisse.db.locks.lock_row`.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.db.locks import RowLock, lock_row
from caisse.errors import NotFound


async def lock_caisse(session: AsyncSession, caisse: Caisse | int) -> Caisse:
    """Take the caisse's lock for the rest of the transaction; return the refreshed caisse."""
    if isinstance(caisse, int):
        caisse_id = caisse
    else:
        # The primary key survives a rollback that expired the object; reading it loads nothing.
        identity = inspect(caisse).identity
        caisse_id = identity[0] if identity else caisse.id
    locked = await lock_row(session, Caisse, Caisse.id == caisse_id, mode=RowLock.UPDATE)
    if locked is None:
        raise NotFound(f"No caisse with id {caisse_id}.")
    return locked
