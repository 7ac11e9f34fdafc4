"""Large runs stream their results: merged histograms for the percentiles (within one bin of numpy's),
exact sums and counts for everything else, the per-path figures comparisons pair."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import msgspec
import numpy as np
import pytest

from simulation.chunks import chunk_specs
from simulation.compare import _paired
from simulation.plan import build_plan
from simulation.results import (
    BINS,
    PERCENTILES,
    MonthlyHistogram,
    PathResults,
    ResultsFolder,
    StreamedResults,
    histogram_of,
    keeps_paths,
    merged,
)
from simulation.run import chunk_outcomes, simulate
from simulation.sources import build_population
from tests.unit.simulation.simulation_helpers import scenario

LEVELS = (0, 1, 5, 25, 50, 75, 95, 99, 100)

RANDOM: dict[str, Any] = {
    "scenario": {"months": 10, "paths": 230, "chunk_size": 16, "seed": 5},
    "participation": {"take_up": 0.5, "join_rate": 0.05, "leave_rate": 0.05},
    "spending": {"spend_through": 0.8, "concentration": 6.0, "redemption_lag_months": 1},
    "funding": {
        "initial_reserve": 3000.0,
        "subsidies": [{"amount": 5000.0, "period_months": 4, "renewal_probability": 0.5}],
    },
    "uncertainty": {"take_up": {"distribution": "truncated_normal", "mean": 0.5, "sd": 0.1}},
}


def _samples() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2027)
    paths = 3 * BINS + 17  # several bins per path range, and more paths than bins
    return {
        "normal": rng.normal(1e5, 3e4, (paths, 4)),
        "heavy tails": rng.standard_t(2, (paths, 3)) * 1e6 - 2e5,
        "lognormal": rng.lognormal(10, 1.5, (paths, 2)),
        "whole numbers": rng.binomial(400, 0.2, (paths, 3)).astype(float),
        "constant": np.full((paths, 2), 1234.5678),
        "tiny spread": 1e11 + rng.random((paths, 2)),
        "few paths": rng.normal(0, 1, (3, 5)),
    }


def _in_pieces(values: np.ndarray, sizes: list[int]) -> MonthlyHistogram:
    """The histogram of `values` built piece by piece, merged left to right."""
    pieces = np.split(values, np.cumsum(sizes)[:-1])
    histogram = histogram_of(pieces[0])
    for piece in pieces[1:]:
        histogram = merged(histogram, histogram_of(piece))
    return histogram


@pytest.mark.parametrize("name", list(_samples()))
def test_streamed_percentiles_are_within_one_bin_of_numpys(name: str) -> None:
    values = _samples()[name]
    histogram = histogram_of(values)
    exact = np.percentile(values, LEVELS, axis=0)
    found = histogram.percentiles(LEVELS)
    spread = values.max(axis=0) - values.min(axis=0)
    assert np.all(histogram.error_bound <= np.maximum(2 * spread / (BINS - 2), 2.0**-8))
    for level, row in zip(LEVELS, exact, strict=True):
        assert np.all(np.abs(found[f"p{level:02d}"] - row) <= histogram.error_bound), level


@pytest.mark.parametrize("name", ["normal", "heavy tails", "whole numbers", "tiny spread"])
def test_merged_histograms_do_not_depend_on_grouping_or_order(name: str) -> None:
    values = _samples()[name]
    whole = histogram_of(values)
    rng = np.random.default_rng(3)
    for _ in range(3):
        cuts = np.sort(rng.choice(np.arange(1, values.shape[0]), size=6, replace=False))
        sizes = np.diff(np.concatenate(([0], cuts, [values.shape[0]]))).tolist()
        for histogram in (_in_pieces(values, sizes), _in_pieces(values[::-1], sizes)):
            for field in ("exponent", "origin", "low", "high", "counts"):
                assert np.array_equal(getattr(histogram, field), getattr(whole, field)), field


def test_only_large_runs_stream_by_default() -> None:
    assert keeps_paths(20_000, 120) and keeps_paths(34_952, 120)
    assert not keeps_paths(34_953, 120) and not keeps_paths(1_000_000, 120)
    run = simulate(scenario(**RANDOM))
    assert isinstance(run.results, PathResults)


def _without_bands(data: dict[str, Any]) -> dict[str, Any]:
    kept = dict(data)
    for key, levels in PERCENTILES.items():
        kept[key] = {k: v for k, v in data[key].items() if k not in {f"p{level:02d}" for level in levels}}
    return kept


def test_a_streamed_run_gives_the_kept_runs_summary_with_bands_within_a_bin() -> None:
    chosen = scenario(**RANDOM)
    kept = simulate(chosen, keep_paths=True)
    streamed = simulate(chosen, keep_paths=False)
    assert isinstance(streamed.results, StreamedResults)
    full, light = msgspec.to_builtins(kept.summary()), msgspec.to_builtins(streamed.summary())
    # Means, risks, depletion, ratio, transfers and standard errors: the same numbers.
    assert _without_bands(light) == _without_bands(full)
    for key, levels in PERCENTILES.items():
        bound = streamed.results.histograms[key].error_bound + 0.005  # and the rounding to cents
        for level in levels:
            gap = np.abs(np.array(light[key][f"p{level:02d}"]) - np.array(full[key][f"p{level:02d}"]))
            assert np.all(gap <= bound), (key, level)


def test_a_streamed_run_keeps_what_comparisons_pair() -> None:
    chosen = scenario(**RANDOM)
    kept, streamed = simulate(chosen, keep_paths=True), simulate(chosen, keep_paths=False)
    assert isinstance(kept.results, PathResults)
    assert np.array_equal(kept.results.final_reserve, streamed.results.final_reserve)
    assert np.array_equal(kept.results.deficit_any_month, streamed.results.deficit_any_month)
    assert np.array_equal(kept.results.contributions_total, streamed.results.contributions_total)
    richer = simulate(scenario(**{**RANDOM, "funding": {"initial_reserve": 9000.0}}), keep_paths=False)
    assert _paired(streamed.results, richer.results, "x") == _paired(kept.results, richer.results, "x")
    with pytest.raises(ValueError, match="kept no per-path monthly reserve"):
        _ = streamed.results.reserve


def test_a_streamed_run_is_the_same_on_threads() -> None:
    chosen = scenario(**RANDOM)
    alone = simulate(chosen, keep_paths=False)
    with ThreadPoolExecutor(max_workers=2) as pool:
        parallel = simulate(chosen, keep_paths=False, executor=pool)
    assert alone.summary() == parallel.summary()


def test_chunks_are_folded_in_order() -> None:
    chosen = scenario(**RANDOM)
    plan = build_plan(chosen, build_population(chosen.population))
    outcomes = list(chunk_outcomes(plan, chunk_specs(40, 16, 5)))
    folder = ResultsFolder(keep_paths=False)
    folder.add(outcomes[1])
    with pytest.raises(ValueError, match="fold in order"):
        folder.add(outcomes[0])
