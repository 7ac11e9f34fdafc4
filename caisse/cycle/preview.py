"""What closing a month would post, before anyone confirms it.

The preview runs the close itself (`caisse.cycle.close.close_month`: the same checks, billing,
expiry and allocation code) inside a savepoint that is always rolled back, so its totals are
exactly those a close run now would store, and nothing of it stays: no PeriodClose row, no
journal entry, no withheld allocation (on PostgreSQL the ids drawn from the sequences are not given
back: a preview leaves gaps in the entry and line numbers).

The caisse's lock it takes does not last the same on both databases. PostgreSQL releases the row
lock (`FOR UPDATE`) when the savepoint is rolled back, so it is held only while the preview runs.
SQLite's lock is the whole database's write lock, taken by a write, and rolling back a savepoint
does not release it: it lasts until the caller's transaction ends, so a caller that has nothing else
to write should end its transaction right after the preview (every payment, in every caisse of the
file, waits for it until then). Being a whole close, a preview is also heavy: run it when asked for,
not on every page view.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.cycle.close import close_month
from caisse.cycle.schemas import CloseResult


async def preview_close(
    session: AsyncSession,
    caisse: Caisse,
    month: str,
    *,
    today: date | None = None,
    allow_future: bool = False,
) -> CloseResult:
    """The totals closing `month` would store (cents), computed by the close and rolled back.

    A month already closed returns its stored totals with `already_closed=True`. Raises what
    `close_month` raises (PeriodOutOfOrder, ValidationFailed) for a month that cannot be closed.
    """
    savepoint = await session.begin_nested()
    try:
        return await close_month(session, caisse, month, today=today, allow_future=allow_future)
    finally:
        await savepoint.rollback()
