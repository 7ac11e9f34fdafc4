"""Contributions paid on time, a month late or never, drawn household by household (both engines
alike), the late payments of the month before the start, and the credit members already hold."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.population import population_from_households
from simulation.run import simulate
from simulation.scenario import ScenarioError, decode_scenario
from tests.unit.simulation.simulation_helpers import BASE, merged, one_type, scenario

HOUSEHOLDS, INCOME = 400, 2000.0  # one type: everyone owes 10 % of 2 000 € = 200 € a month
OWED = 0.1 * INCOME
UNPAID, LATE, PATHS = 0.05, 0.1, 600


@pytest.mark.parametrize("engine", ["stratified", "micro"])
def test_each_household_pays_on_time_late_or_never(engine: str) -> None:
    run = simulate(
        scenario(
            contribution={"unpaid_share": UNPAID, "late_share": LATE}, funding={"late_contributions": 1000.0}
        ),
        population=one_type(HOUSEHOLDS, INCOME),
        engine=engine,
        paths=PATHS,
        seed=4,
    )
    results = run.results
    received = (
        np.diff(results.reserve, axis=1, prepend=0.0) + results.sums["redemptions"] / PATHS
    )  # paths × months
    first, later = received[:, 0], received[:, 1:]
    owed = HOUSEHOLDS * OWED
    # The first month: the on-time payers, and the 1 000 € owed from before the start.
    on_time = 1 - UNPAID - LATE
    assert first.mean() == pytest.approx(on_time * owed + 1000.0, abs=4 * first.std(ddof=1) / np.sqrt(PATHS))
    # A household pays on time or not, independently: a binomial count of 200 € payments.
    assert first.var(ddof=1) == pytest.approx(HOUSEHOLDS * OWED**2 * on_time * (1 - on_time), rel=0.2)
    # Later months also bring last month's late payers: (1 − unpaid) of what is owed, on average.
    mean = later.mean()
    assert mean == pytest.approx((1 - UNPAID) * owed, abs=4 * later.std(ddof=1) / np.sqrt(later.size))


def test_without_unpaid_or_late_everyone_pays_on_time() -> None:
    run = simulate(scenario(), population=one_type(HOUSEHOLDS, INCOME), paths=20, seed=4)
    assert np.all(run.results.sums["contributions"] == 20 * HOUSEHOLDS * OWED)


def test_unpaid_and_late_cannot_exceed_everyone() -> None:
    with pytest.raises(ScenarioError, match="add up to more than 1"):
        decode_scenario(merged(BASE, {"contribution": {"unpaid_share": 0.6, "late_share": 0.5}}))


@pytest.mark.parametrize("engine", ["stratified", "micro"])
def test_the_credit_members_hold_is_spent_or_lapses_with_them(engine: str) -> None:
    member = np.array([True] * 100 + [False] * 50)
    ones, zeros = np.ones(150, dtype=np.int64), np.zeros(150, dtype=np.int64)
    held = np.where(member, 40.0, 0.0)  # each member holds 40 € already
    population = population_from_households(
        ones, zeros, zeros, np.full(150, INCOME), member=member, credit=held
    )
    assert population.credit is not None and population.credit.sum() == 4000.0
    run = simulate(
        scenario(
            scenario={"months": 2},
            participation={"leave_rate": 1.0},  # everyone leaves in the first month
            funding={"initial_reserve": 4000.0},
        ),
        population=population,
        engine=engine,
        paths=5,
        seed=2,
    )
    results = run.results
    # The 100 members left at once: the 4 000 € they held lapsed, and nobody is credited anything.
    assert np.all(results.members == 0)
    assert np.allclose(results.sums["expired"][0] / 5, 4000.0)
    assert np.allclose(results.free_reserve[:, 0], 4000.0)  # the cash, now promised to nobody
