"""Where a caisse stands in its monthly cycle."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse, RuleSet
from caisse.cycle.close import summary
from caisse.cycle.models import PeriodClose
from caisse.cycle.schemas import CycleStatus
from caisse.periods import next_month


async def cycle_status(session: AsyncSession, caisse: Caisse) -> CycleStatus:
    """Every closed month with its totals (oldest first) and the next month to close."""
    rows = (
        await session.execute(
            select(PeriodClose, RuleSet)
            .join(RuleSet, RuleSet.id == PeriodClose.rule_set_id)
            .where(PeriodClose.caisse_id == caisse.id)
            .order_by(PeriodClose.month)
        )
    ).all()
    periods = [summary(period, rule_row) for period, rule_row in rows]
    last_closed = periods[-1].month if periods else None
    return CycleStatus(
        caisse=caisse.slug,
        first_month=caisse.first_month,
        last_closed=last_closed,
        next_month=caisse.first_month if last_closed is None else next_month(last_closed),
        credit_lifetime_months=caisse.credit_lifetime_months,
        credit_requires_payment=caisse.credit_requires_payment,
        periods=periods,
    )
