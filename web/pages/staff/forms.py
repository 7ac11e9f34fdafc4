"""What the staff's pages share, people and money alike.

`refused_page`: a form refused with a 4xx is re-rendered with the page's personal data (a
household's details, a month's dues). The request's transaction is rolled back on a 4xx, and the
audit rows of those reads with it; so the refused page is built after that rollback, in a
transaction of its own that is committed: the audit log keeps what staff were shown.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse

T = TypeVar("T")


async def refused_page(db: AsyncSession, caisse: Caisse, build: Callable[[], Awaitable[T]]) -> T:
    """The page `build` makes for a refused form, its reads audit-logged for good: what the request
    wrote is rolled back first (as its 4xx would), the caisse read again, the page built (its
    services write their read-audit rows), and that transaction committed before the 4xx is sent."""
    await db.rollback()
    await db.refresh(caisse)
    built = await build()
    await db.commit()
    return built
