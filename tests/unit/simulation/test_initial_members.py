"""A forecast starting from the members a caisse has (`Population.members`): the first month starts
from them, with its leaving and joining, and no take-up is drawn — in both engines, alike."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.population import Population, population_from_households
from simulation.run import simulate
from tests.unit.simulation.simulation_helpers import scenario

# 300 members and 100 applicants of one composition, at two incomes (two types, members in each).
MEMBER = np.array([True] * 300 + [False] * 100)
INCOME = np.where(np.arange(400) % 2 == 0, 1200.0, 2400.0)


def _population() -> Population:
    n = MEMBER.size
    ones, zeros = np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    return population_from_households(ones, zeros, zeros, INCOME, member=MEMBER)


def test_the_population_counts_the_members_of_each_type() -> None:
    population = _population()
    assert population.households.tolist() == [200, 200]
    assert population.members is not None and population.members.tolist() == [150, 150]


@pytest.mark.parametrize("engine", ["stratified", "micro"])
def test_without_movement_the_members_are_those_there_are_whatever_the_take_up(engine: str) -> None:
    run = simulate(
        scenario(participation={"take_up": 0.1}), population=_population(), engine=engine, paths=20, seed=3
    )
    members = run.results.members
    assert np.all(members == 300)
    # The first month bills them all: 10 % of their incomes, paid in full.
    contributions = run.results.sums["contributions"][0] / run.results.paths
    assert contributions == pytest.approx(0.1 * INCOME[MEMBER].sum())


@pytest.mark.parametrize("engine", ["stratified", "micro"])
def test_the_first_month_has_its_leavers_and_joiners(engine: str) -> None:
    leave, join, paths = 0.05, 0.2, 400
    run = simulate(
        scenario(participation={"leave_rate": leave, "join_rate": join}),
        population=_population(),
        engine=engine,
        paths=paths,
        seed=5,
    )
    first = run.results.members[:, 0]
    # Binomial leavers among 300 members and joiners among 100 applicants, drawn independently.
    mean = 300 * (1 - leave) + 100 * join
    variance = 300 * leave * (1 - leave) + 100 * join * (1 - join)
    standard_error = np.sqrt(variance / paths)
    assert abs(first.mean() - mean) < 4 * standard_error
    assert first.var(ddof=1) == pytest.approx(variance, rel=0.25)  # about 3.5 standard errors of it


def test_the_free_reserve_is_the_reserve_less_the_credit_outstanding() -> None:
    run = simulate(
        scenario(spending={"spend_through": 0.6, "redemption_lag_months": 1}),
        population=_population(),
        paths=20,
        seed=7,
    )
    results = run.results
    # Nobody leaves and all spend the same share: the credit outstanding is the same on every path.
    outstanding = results.sums["outstanding"] / results.paths
    assert np.allclose(results.free_reserve, results.reserve - outstanding[None, :])
    summary = run.summary()
    assert summary.free_reserve is not None
    assert summary.free_reserve.p50 == pytest.approx(
        [round(v, 2) for v in np.median(results.reserve, axis=0) - outstanding], abs=0.011
    )


@pytest.mark.parametrize("engine", ["stratified", "micro"])
def test_without_rejoining_only_the_applicants_ever_join(engine: str) -> None:
    # Everyone leaves and every outsider would join at once: only the 100 applicants may.
    run = simulate(
        scenario(participation={"leave_rate": 1.0, "join_rate": 1.0, "rejoin": False}),
        population=_population(),
        engine=engine,
        paths=10,
        seed=9,
    )
    members = run.results.members
    assert np.all(members[:, 0] == 100)  # the first month: the 300 members leave, the applicants join
    assert np.all(members[:, 1:] == 0)  # then they leave too, and nobody is left to join


@pytest.mark.parametrize("engine", ["stratified", "micro"])
def test_with_rejoining_who_left_comes_back(engine: str) -> None:
    run = simulate(
        scenario(participation={"leave_rate": 1.0, "join_rate": 1.0}),
        population=_population(),
        engine=engine,
        paths=10,
        seed=9,
    )
    members = run.results.members
    assert np.all(members[:, 0] == 100) and np.all(members[:, 1] == 300)  # the leavers of month 1
