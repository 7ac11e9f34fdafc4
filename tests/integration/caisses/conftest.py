"""Helpers for caisse tests: closing a month by hand."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import RuleSet
from caisse.cycle.models import PeriodClose

CloseMonth = Callable[[int, str], Awaitable[None]]


@pytest.fixture
def close_month(db: AsyncSession) -> CloseMonth:
    """Record a month as closed (a PeriodClose row), as the monthly cycle would."""

    async def close(caisse_id: int, month: str) -> None:
        rule_set_id = await db.scalar(
            select(RuleSet.id).where(RuleSet.caisse_id == caisse_id).order_by(RuleSet.effective_from).limit(1)
        )
        db.add(
            PeriodClose(
                caisse_id=caisse_id,
                month=month,
                rule_set_id=rule_set_id,
                households=0,
                contributions_due_cents=0,
                allocations_cents=0,
            )
        )
        await db.commit()

    return close
