"""Conventions that reached their end date without a renewal: the outlet's file says so.

Payments already stop on the day after `ends_on` (a convention covers only its term), so this
is bookkeeping, not enforcement: the convention is marked ended and the outlet's status becomes
`ended`, with an "expire" change in its history, dated the day after the term. Run it daily
(`caisse outlets expire`); running it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.outlets.models import Convention, ConventionStatus, Outlet, OutletStatus, OutletStatusChange

EXPIRING = (OutletStatus.CONVENTIONED, OutletStatus.SUSPENDED)


@dataclass(frozen=True)
class Expired:
    outlet_id: int
    outlet_name: str
    convention_id: int
    ended_on: date  # the convention's last day


async def expire_conventions(session: AsyncSession, caisse: Caisse, today: date) -> list[Expired]:
    """End every open convention of the caisse whose term finished before `today`.

    An outlet whose last convention lapsed becomes `ended`; one that holds a later convention
    (renewed in advance) keeps its status.
    """
    lapsed = await session.execute(
        select(Convention, Outlet)
        .join(Outlet, Outlet.id == Convention.outlet_id)
        .where(
            Convention.caisse_id == caisse.id,
            Convention.status != ConventionStatus.ENDED,
            Convention.ends_on < today,
        )
        .order_by(Outlet.name, Convention.id)
        .with_for_update(of=Convention)
    )
    expired: list[Expired] = []
    for convention, outlet in lapsed:
        convention.status = ConventionStatus.ENDED
        expired.append(Expired(outlet.id, outlet.name, convention.id, convention.ends_on))
        if outlet.status in EXPIRING and not await _has_later_convention(session, convention):
            session.add(
                OutletStatusChange(
                    outlet_id=outlet.id,
                    from_status=outlet.status,
                    to_status=OutletStatus.ENDED,
                    effective_on=convention.ends_on + timedelta(days=1),
                    decision="expire",
                    reason=f"convention ended on {convention.ends_on.isoformat()} without renewal",
                )
            )
            outlet.status = OutletStatus.ENDED
    await session.flush()
    return expired


async def _has_later_convention(session: AsyncSession, convention: Convention) -> bool:
    later = await session.scalar(
        select(Convention.id)
        .where(
            Convention.outlet_id == convention.outlet_id,
            Convention.id != convention.id,
            Convention.status != ConventionStatus.ENDED,
            Convention.ends_on >= convention.ends_on,
        )
        .limit(1)
    )
    return later is not None
