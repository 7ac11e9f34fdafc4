"""The population of a forecast "from the caisse's current members": its active households as a
weighted table of household types (composition, monthly income, chosen contribution), handed to the
simulator through :func:`simulation.population_from_households`."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.errors import ValidationFailed
from caisse.members.models import Member, MemberStatus
from simulation import Population, population_from_households


async def members_population(session: AsyncSession, caisse: Caisse) -> Population:
    """The caisse's active households, grouped into types with identical rule inputs.

    Incomes are rounded to the euro: cents never change a contribution by more than a cent, and
    rounding lets households of the same composition and income share one type (fewer types, a
    faster run). A household without a chosen contribution gets the scenario's share of the grid's
    suggestion, as in the simulator."""
    rows = (
        await session.execute(
            select(
                Member.adults,
                Member.others_14_plus,
                Member.children_under_14,
                Member.monthly_income_cents,
                Member.chosen_contribution_cents,
            ).where(Member.caisse_id == caisse.id, Member.status == MemberStatus.ACTIVE)
        )
    ).all()
    if not rows:
        raise ValidationFailed(
            f"The caisse '{caisse.slug}' has no active member yet, so its members cannot form the "
            'population: use population source = "synthetic", or activate members first.'
        )
    table = np.array(
        [(a, o, c, income, np.nan if chosen is None else chosen) for a, o, c, income, chosen in rows],
        dtype=np.float64,
    )
    return population_from_households(
        table[:, 0].astype(np.int64),
        table[:, 1].astype(np.int64),
        table[:, 2].astype(np.int64),
        np.round(table[:, 3] / 100.0),
        table[:, 4] / 100.0,
    )
