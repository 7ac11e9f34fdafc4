"""The stratified engine's faster draws: binomial counts by thinning, the normal spend share of large
strata, and strata merged from types alike for the engine."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest
from scipy import stats

from simulation.engines.behaviour import NORMAL_ABOVE, beta_share, binomial_counts
from simulation.plan import build_plan
from simulation.run import simulate
from simulation.scenario import decode_scenario
from simulation.sources import build_population
from tests.unit.simulation.simulation_helpers import BASE, merged


def _chi_square_pvalue(counts: np.ndarray, n: int, p: float) -> float:
    """Goodness of fit of `counts` to Binomial(n, p), the upper tail lumped once expected < 5."""
    law = stats.binom(n, p)
    top = max(1, int(law.ppf(1 - 5 / counts.size)))
    expected = np.append(law.pmf(np.arange(top)), law.sf(top - 1)) * counts.size
    observed = np.append(np.bincount(np.minimum(counts, top), minlength=top + 1)[:top], (counts >= top).sum())
    return float(stats.chisquare(observed, expected).pvalue)


@pytest.mark.parametrize(
    ("trials", "probabilities"),
    [
        ((3, 40, 0, 7), (0.01, 0.002, 0.3, 0.0)),  # rare events: thinning
        ((50, 200, 9, 1), (0.3, 0.05, 0.5, 0.9)),  # many successes: numpy's sampler
    ],
)
def test_binomial_counts_follow_the_binomial_law_per_count(
    trials: tuple[int, ...], probabilities: tuple[float, ...]
) -> None:
    rng = np.random.default_rng(7)
    rows = 40_000
    counts = binomial_counts(rng, np.tile(trials, (rows, 1)), np.tile(probabilities, (rows, 1)))
    assert counts.shape == (rows, len(trials))
    for column, (n, p) in enumerate(zip(trials, probabilities, strict=True)):
        drawn = counts[:, column]
        assert drawn.min() >= 0 and drawn.max() <= n
        if n == 0 or p == 0.0:
            assert not drawn.any()
        else:
            assert _chi_square_pvalue(drawn, n, p) > 0.001, (n, p)


def test_binomial_counts_take_no_random_number_when_nothing_can_happen() -> None:
    rng, fresh = np.random.default_rng(3), np.random.default_rng(3)
    counts = binomial_counts(rng, np.array([[0, 5], [4, 0]]), np.array([[0.5, 0.0], [0.0, 0.2]]))
    assert not counts.any()
    assert rng.random() == fresh.random()


def test_thinned_counts_are_independent_between_neighbours() -> None:
    # Laid end to end, the trials of neighbouring counts must not share successes.
    rng = np.random.default_rng(11)
    counts = binomial_counts(rng, np.full((100_000, 2), 20), np.full((100_000, 2), 0.004))
    assert abs(np.corrcoef(counts[:, 0], counts[:, 1])[0, 1]) < 0.01


@pytest.mark.parametrize("mean", [0.5, 0.9, 0.99])
def test_normal_spend_share_is_within_the_documented_distance_of_the_beta(mean: float) -> None:
    c = NORMAL_ABOVE / min(mean, 1 - mean)  # the smaller Beta parameter at the threshold
    a, b = c * mean, c * (1 - mean)
    shares = beta_share(np.random.default_rng(5), np.full(100_000, mean), np.full(100_000, c))
    law = stats.beta(a, b)
    assert abs(shares.mean() - law.mean()) < 4 * law.std() / np.sqrt(shares.size)
    assert shares.std() == pytest.approx(law.std(), rel=0.01)
    # Kolmogorov distance: 0.0045 documented, plus the sampling error of 100 000 draws.
    assert stats.kstest(shares, law.cdf).statistic < 0.0045 + 1.63 / np.sqrt(shares.size)


def test_spend_shares_below_the_threshold_are_beta_draws() -> None:
    rng, fresh = np.random.default_rng(9), np.random.default_rng(9)
    s, c = np.full(1000, 0.9), np.full(1000, 50.0)
    assert np.array_equal(beta_share(rng, s, c), fresh.beta(c * s, c * (1 - s)))


MONTPELLIER = {
    "scenario": {"months": 12, "paths": 200, "chunk_size": 100, "seed": 8},
    "population": {"households": 3000, "income_bins": 20},
    "contribution": {"preset": "montpellier", "scheme": None},
    "allocation": {"preset": "montpellier", "rule": None},
    "participation": {"take_up": 0.2, "join_rate": 0.01, "leave_rate": 0.02, "net_cost_sensitivity": 0.5},
    "spending": {"spend_through": 0.9, "concentration": 20.0},
}


def test_strata_merge_types_alike_for_the_engine_and_keep_every_household() -> None:
    chosen = decode_scenario(merged(BASE, MONTPELLIER))
    population = build_population(chosen.population)
    plan = build_plan(chosen, population)
    strata = plan.strata
    assert strata.population.types < population.types
    assert strata.population.total_households == population.total_households
    assert np.allclose(strata.decile_share.sum(axis=1), 1.0)
    # Households by decile are those of the population.
    by_decile = strata.population.households @ strata.decile_share
    assert np.allclose(by_decile, np.bincount(population.decile, population.households, 10))
    # Every type's engine inputs are its stratum's.
    for t in range(population.types):
        column = (plan.tables.contribution[:, t], plan.tables.allocation[:, t], plan.net_cost[t])
        assert any(
            np.array_equal(column[0], strata.tables.contribution[:, s])
            and np.array_equal(column[1], strata.tables.allocation[:, s])
            and column[2] == strata.net_cost[s]
            for s in range(strata.population.types)
        )


def test_merged_strata_agree_with_the_micro_engine() -> None:
    chosen = decode_scenario(merged(BASE, MONTPELLIER))
    fast, reference = (simulate(chosen, engine=engine).summary() for engine in ("stratified", "micro"))
    for name in ("contributions", "allocations", "redemptions"):
        ours, theirs = getattr(fast, name).mean[-1], getattr(reference, name).mean[-1]
        assert ours == pytest.approx(theirs, rel=0.03), name
    members = np.array(fast.members.mean), np.array(reference.members.mean)
    assert np.allclose(*members, rtol=0.03)
    transfers = [
        (a, b)
        for a, b in zip(fast.net_transfer_by_decile, reference.net_transfer_by_decile, strict=True)
        if a and b
    ]
    assert len(transfers) == 10
    assert all(a == pytest.approx(b, rel=0.05, abs=1.0) for a, b in transfers)


def test_a_universal_scheme_draws_no_churn_and_keeps_everyone() -> None:
    universal = merged(BASE, {"participation": {"take_up": 1.0}, "scenario": {"months": 6, "paths": 20}})
    run = simulate(decode_scenario(universal), keep_paths=True)
    households = msgspec.convert(universal["population"], dict)["households"]
    assert isinstance(run.results.members, np.ndarray)
    assert np.all(run.results.members == households)
