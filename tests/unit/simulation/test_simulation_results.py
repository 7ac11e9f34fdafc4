"""The forecast's summary: DESIGN.md §3 keys, deficit risks, depletion month and standard errors."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest

from simulation.results import PathResults, SimulationResult, summarise
from simulation.run import simulate
from tests.unit.simulation.simulation_helpers import scenario

DOCUMENTED = {
    "months",
    "paths",
    "seed",
    "reserve",
    "net_flow",
    "members",
    "contributions",
    "subsidies",
    "redemptions",
    "outstanding_credit",
    "p_deficit",
    "depletion_month",
    "self_financing_ratio",
    "net_transfer_by_decile",
}
BANDS = {
    "reserve": {"mean", "p05", "p25", "p50", "p75", "p95"},
    "net_flow": {"mean", "p05", "p50", "p95"},
    "members": {"mean", "p05", "p25", "p50", "p75", "p95"},
    "free_reserve": {"mean", "p05", "p25", "p50", "p75", "p95"},
    "contributions": {"mean"},
    "subsidies": {"mean"},
    "redemptions": {"mean"},
    "outstanding_credit": {"mean"},
}


def _results(reserve: list[list[float]]) -> PathResults:
    array = np.array(reserve, dtype=float)
    paths, months = array.shape
    zeros = np.zeros(months)
    return PathResults(
        reserve=array,
        net_flow=np.diff(array, axis=1, prepend=0.0),
        members=np.ones_like(array),
        free_reserve=array - 10.0,
        contributions_total=np.full(paths, 50.0),
        allocations_total=np.full(paths, 100.0),
        sums={
            key: zeros
            for key in (
                "contributions",
                "allocations",
                "subsidies",
                "redemptions",
                "costs",
                "outstanding",
                "expired",
            )
        },
        member_months=np.array([2.0] + [0.0] * 9),
        net_transfer=np.array([30.0] + [0.0] * 9),
    )


def _summary(reserve: list[list[float]]) -> SimulationResult:
    months = [f"2027-{m + 1:02d}" for m in range(len(reserve[0]))]
    return summarise(
        _results(reserve),
        name="t",
        engine="stratified",
        months=months,
        seed=1,
        chunk_size=2,
        households=1,
        types=1,
    )


def test_json_has_the_documented_keys_and_bands() -> None:
    data = msgspec.to_builtins(simulate(scenario(), paths=8).summary())
    assert set(data) >= DOCUMENTED
    for key, bands in BANDS.items():
        assert set(data[key]) == bands, key
        for values in data[key].values():
            assert len(values) == len(data["months"])
    assert set(data["depletion_month"]) == {"p_ever", "p50"}
    assert set(data["mc_standard_error"]) == {"p_deficit_any_month", "mean_final_reserve"}
    assert len(data["net_transfer_by_decile"]) == 10
    assert data["engine"] == "stratified" and data["paths"] == 8


def test_deficit_probabilities_and_depletion_month() -> None:
    summary = _summary([[10, -1, 5], [10, 5, -2], [10, 5, 5], [-1, 5, 5]])
    assert summary.p_deficit == [0.25, 0.25, 0.25]
    assert summary.depletion_month.p_ever == 0.75
    # Half the paths have been in deficit by the second month.
    assert summary.depletion_month.p50 == "2027-02"
    assert summary.mc_standard_error.p_deficit_any_month == pytest.approx(np.sqrt(0.75 * 0.25 / 4))
    assert summary.mc_standard_error.mean_final_reserve == pytest.approx(np.std([5, -2, 5, 5], ddof=1) / 2)


def test_depletion_month_is_null_when_fewer_than_half_the_paths_run_dry() -> None:
    summary = _summary([[10, -1], [10, 5], [10, 5]])
    assert summary.depletion_month.p50 is None
    assert summary.depletion_month.p_ever == pytest.approx(1 / 3)


def test_ratio_and_transfers_by_decile() -> None:
    summary = _summary([[1.0], [2.0]])
    assert summary.self_financing_ratio.mean == 0.5
    assert summary.net_transfer_by_decile == [15.0] + [None] * 9


def test_proportional_contribution_transfers_from_rich_to_poor_deciles() -> None:
    by_decile = simulate(scenario(population={"households": 2000}), paths=4).summary().net_transfer_by_decile
    transfers = [t for t in by_decile if t is not None]
    assert len(transfers) == 10
    assert transfers[0] > 0 > transfers[9]
    assert transfers == sorted(transfers, reverse=True)
