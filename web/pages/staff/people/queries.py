"""The one aggregate the staff's dashboard needs that no service offers: households by status,
counted in one grouped query (the `status` column is indexed)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.members.models import Member, MemberStatus


async def households_by_status(session: AsyncSession, caisse_id: int) -> dict[MemberStatus, int]:
    """How many households of the caisse hold each status (0 for a status nobody holds)."""
    rows = await session.execute(
        select(Member.status, func.count()).where(Member.caisse_id == caisse_id).group_by(Member.status)
    )
    counts = dict.fromkeys(MemberStatus, 0)
    counts.update({MemberStatus(status): int(count) for status, count in rows})
    return counts
