"""Row locks for the committee's read-then-write changes (no overlapping terms, pseudonym numbers).

PostgreSQL: ``SELECT ... FOR NO KEY UPDATE`` on the row. It excludes a second writer taking the
same lock, but not the KEY SHARE locks that foreign keys take, so requests that merely reference
the row (an API token of that user, a volunteer of that draw) never wait for it.

SQLite serialises writers, and its driver opens a transaction only at the first write: the lock
is a no-op write on the row, which waits (busy timeout) for any other writer to commit, so
everything read afterwards is current. Both are `caisse.db.locks.lock_row`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.db import locks


async def lock_row(session: AsyncSession, model: Any, row_id: int) -> Any:
    """Lock the row of `model` with id `row_id` until the transaction ends; return it fresh, or
    None when there is no such row."""
    return await locks.lock_row(session, model, model.id == row_id)
