"""The contribution a household chooses (self-determined schemes), checked against the grid in force."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse import rules
from caisse.caisses.models import Caisse
from caisse.caisses.service import decode_rule_set, rule_set_in_force
from caisse.cycle.models import PeriodClose
from caisse.periods import next_month


async def first_open_month(session: AsyncSession, caisse: Caisse) -> str:
    """The next month to be closed ("YYYY-MM"): the first one a new choice would be billed in."""
    last_closed = await session.scalar(
        select(func.max(PeriodClose.month)).where(PeriodClose.caisse_id == caisse.id)
    )
    return caisse.first_month if last_closed is None else next_month(last_closed)


async def contribution_scheme(session: AsyncSession, caisse: Caisse) -> rules.ContributionScheme:
    """The contribution scheme in force in the caisse's first open month."""
    row = await rule_set_in_force(session, caisse.id, await first_open_month(session, caisse))
    return decode_rule_set(row).contribution


def chosen_contribution_problem(scheme: rules.ContributionScheme, cents: int, persons: int) -> str | None:
    """Why a household of `persons` may not choose `cents` per month under `scheme` (None: it may)."""
    # caisse.rules speaks € as float (its billing unit); the bounds are whole cents, so this is exact enough.
    return rules.check_chosen(scheme, cents / 100, persons)
