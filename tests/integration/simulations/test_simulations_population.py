"""A large caisse's members are grouped into about TYPES household types, so that a forecast of the
caisse as it stands fits the server's limits; the approximation keeps the total income of every
composition and the month's total contributions and allocations within 0.5 % under every shipped
rule."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from caisse import rules
from caisse.caisses.service import get_caisse
from caisse.members.models import Member, MemberStatus
from caisse.simulations.population import TYPES, grouped, members_population
from simulation import population_from_households
from simulation.plan import build_plan
from simulation.scenario import decode_scenario
from tests.conftest import World


def households(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    composition = np.stack([rng.integers(1, 3, n), rng.integers(0, 2, n), rng.integers(0, 4, n)], axis=1)
    income = np.round(rng.lognormal(7.3, 0.6, n))
    chosen = np.where(rng.random(n) < 0.3, np.round(income * 0.05, 2), np.nan)
    return composition, income, chosen


@pytest.mark.parametrize("preset", sorted(rules.PRESETS))
def test_grouping_keeps_the_months_contributions_and_allocations(preset: str) -> None:
    composition, income, chosen = households(10_000)
    scenario = decode_scenario(
        {
            "scenario": {"start": "2027-01", "months": 1},
            "contribution": {"preset": preset},
            "allocation": {"preset": preset},
        }
    )
    adults, others, children = composition.T
    exact = population_from_households(adults, others, children, income, chosen)
    approx = population_from_households(adults, others, children, *grouped(composition, income, chosen))
    assert exact.types > 5_000 and approx.types < 1.2 * TYPES
    for pick in ("contribution", "allocation"):
        totals = []
        for population in (exact, approx):
            table = getattr(build_plan(scenario, population).tables, pick)[0]
            totals.append(float(np.nansum(table * population.households)))
        assert totals[1] == pytest.approx(totals[0], rel=0.005), pick


def test_a_small_caisse_keeps_every_households_figures() -> None:
    composition, income, chosen = households(TYPES)
    assert grouped(composition, income, chosen)[0].tolist() == income.tolist()


async def test_the_members_of_a_large_caisse_form_few_types(db: AsyncSession, world: World) -> None:
    composition, income, _ = households(3 * TYPES, seed=2)
    for i in range(income.size):
        db.add(
            Member(
                caisse_id=world.caisse_id, code=f"T-{i:06d}", reference_person=f"Foyer {i}",
                adults=int(composition[i, 0]), others_14_plus=int(composition[i, 1]),
                children_under_14=int(composition[i, 2]), monthly_income_cents=int(income[i]) * 100 + 37,
                income_declared_on=date(2026, 12, 1), status=MemberStatus.ACTIVE,
                applied_on=date(2026, 12, 1),
            )
        )  # fmt: skip
    await db.commit()
    population = await members_population(db, await get_caisse(db, "test"))
    assert population.total_households == 3 * TYPES and population.types < 1.2 * TYPES
    assert float((population.monthly_income * population.households).sum()) == pytest.approx(
        income.sum(), rel=1e-6
    )
