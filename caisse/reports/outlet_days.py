"""An outlet's takings by day, for its till's history: what it took, what it gave back, net.

Totals are over whole days (not only the payments on one page of the history), in one query for
any number of days. Amounts in cents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.spending.models import OutletPayment


@dataclass(frozen=True)
class DayTotal:
    """Payments taken on `day` (`count`, `taken_cents`), and the part of them since refunded."""

    day: date
    count: int
    taken_cents: int
    refunded_cents: int

    @property
    def net_cents(self) -> int:
        return self.taken_cents - self.refunded_cents


async def day_totals(
    session: AsyncSession, caisse_id: int, outlet_id: int, days: Iterable[date]
) -> dict[date, DayTotal]:
    """day -> the outlet's totals that day, for the `days` asked (days without payments: absent)."""
    wanted = sorted(set(days))
    if not wanted:
        return {}
    refunded = case((OutletPayment.refund_entry_id.is_not(None), OutletPayment.amount_cents), else_=0)
    rows = await session.execute(
        select(
            OutletPayment.paid_on,
            func.count(),
            func.sum(OutletPayment.amount_cents),
            func.sum(refunded),
        )
        .where(
            OutletPayment.caisse_id == caisse_id,
            OutletPayment.outlet_id == outlet_id,
            OutletPayment.paid_on.in_(wanted),
        )
        .group_by(OutletPayment.paid_on)
    )
    return {
        day: DayTotal(day, int(count), int(taken or 0), int(back or 0)) for day, count, taken, back in rows
    }
