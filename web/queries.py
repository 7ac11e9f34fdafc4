"""The few aggregate reads the public pages need that no service offers as one query.

Each page runs a fixed number of queries, whatever the number of outlets, months or members: the
directory reads the outlets and then their current conventions in one query (not one per outlet),
and the transparency page reads its month-by-month series in one grouped query (not one month
report per month).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.members.models import Member, MemberStatus
from caisse.outlets import service as outlets
from caisse.outlets.conventioning import convention_covers
from caisse.outlets.models import Convention, Outlet, OutletStatus
from caisse.reports import balances
from caisse.reports.balances import MonthEnd

DIRECTORY_LIMIT = 500


@dataclass(frozen=True)
class ListedOutlet:
    outlet: Outlet
    convention_ends_on: date


async def conventioned_outlets(
    session: AsyncSession, caisse_id: int, filters: outlets.OutletFilter, today: date
) -> list[ListedOutlet]:
    """Outlets that may take the food credit today (status conventioned and a convention covering
    today, as in the public API), by name, with the end of their current convention."""
    wanted = outlets.OutletFilter(
        kind=filters.kind, commune=filters.commune, product=filters.product, status=OutletStatus.CONVENTIONED
    )
    rows, _ = await outlets.list_outlets(session, caisse_id, wanted, limit=DIRECTORY_LIMIT)
    if not rows:
        return []
    ends = dict(
        (
            await session.execute(
                select(Convention.outlet_id, func.max(Convention.ends_on))
                .where(Convention.outlet_id.in_([o.id for o in rows]), convention_covers(today))
                .group_by(Convention.outlet_id)
            )
        ).all()
    )
    return [ListedOutlet(o, ends[o.id]) for o in rows if o.id in ends]


async def directory_communes(session: AsyncSession, caisse_id: int) -> list[str]:
    """Communes of the conventioned outlets, for the directory's filter."""
    rows = await session.scalars(
        select(Outlet.commune)
        .distinct()
        .where(
            Outlet.caisse_id == caisse_id, Outlet.status == OutletStatus.CONVENTIONED, Outlet.commune != ""
        )
        .order_by(Outlet.commune)
    )
    return list(rows)


async def active_households(session: AsyncSession, caisse_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(Member.caisse_id == caisse_id, Member.status == MemberStatus.ACTIVE)
        )
        or 0
    )


async def month_end_series(session: AsyncSession, caisse_id: int, months: list[str]) -> list[MonthEnd]:
    """Reserve and outstanding credit at the end of each of `months` (sorted), from one grouped
    query of the reports' service (`caisse.reports.balances`)."""
    return await balances.month_end_series(session, caisse_id, months)
