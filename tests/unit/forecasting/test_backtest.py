"""The back-test of histories drawn from known behaviour, like the demo's (120 households, 18
months): forecasts made at each past month from the books up to it hold what happened about as
often as their bands say — over many histories, since one history's months are not independent
draws (a month that surprised every forecast made before it counts against each of them)."""

from __future__ import annotations

import numpy as np
import pytest

from caisse.forecasting.backtest import Backtest, backtest
from caisse.forecasting.service import forecast_from
from tests.unit.forecasting.synthetic import Behaviour, synthetic_history

HISTORIES = 20
DEMO_LIKE = Behaviour(leave=0.015, join=0.4, applicants=0.15)


@pytest.fixture(scope="module")
def backtests() -> list[Backtest]:
    return [
        backtest(synthetic_history(seed, households=120, b=DEMO_LIKE, agreement=True), paths=400, horizon=6)
        for seed in range(HISTORIES)
    ]


def test_the_90_percent_bands_hold_what_happened_80_to_98_percent_of_the_time(
    backtests: list[Backtest],
) -> None:
    inside = np.array([b.free_reserve.overall.inside_90 for b in backtests])
    # Histories differ (0.7 to 1 here): their mean is the forecast's calibration.
    assert 0.80 <= inside.mean() <= 0.98, inside.round(2)
    members = np.array([b.members.overall.inside_90 for b in backtests])
    assert 0.80 <= members.mean() <= 1.0, members.round(2)


def test_the_50_percent_bands_hold_it_about_half_the_time(backtests: list[Backtest]) -> None:
    inside = np.array([b.free_reserve.overall.inside_50 for b in backtests])
    assert 0.35 <= inside.mean() <= 0.65, inside.round(2)


def test_the_median_is_not_biased(backtests: list[Backtest]) -> None:
    # The error of the median, in units of each forecast's own spread (90 % band / 3.29).
    z = np.array(
        [(p.actual - p.p50) / ((p.p95 - p.p05) / 3.29) for b in backtests for p in b.free_reserve.points]
    )
    # Points of one history are correlated: count one independent draw per history.
    assert abs(z.mean()) < 3 * z.std() / np.sqrt(HISTORIES)


def test_each_past_month_is_forecast_from_the_books_up_to_it() -> None:
    history = synthetic_history(0, households=60, months=8, b=DEMO_LIKE, agreement=True)
    result = backtest(history, paths=100, horizon=3)
    assert result.origins == history.months[2:7]
    for point in result.free_reserve.points:
        assert point.origin < point.month <= history.months[-1]
        assert point.p05 <= point.p25 <= point.p50 <= point.p75 <= point.p95
        k = history.months.index(point.month)
        assert point.actual == pytest.approx(history.free_reserve_end[k] / 100)
    assert [c.points for c in result.free_reserve.by_horizon] == [5, 4, 3]


def test_too_short_a_history_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 4"):
        backtest(synthetic_history(0, months=3), paths=100)


def test_a_large_caisse_is_forecast_however_narrow_its_posteriors() -> None:
    # 10 000 households over 18 months: hundreds of thousands of member-months make posteriors far
    # narrower than a scenario's distribution may be; they are kept within it, with their mean.
    history = synthetic_history(1, households=10_000, b=DEMO_LIKE, agreement=True)
    live = forecast_from(history, paths=50, months=3)
    assert live.forecast.free_reserve is not None and len(live.forecast.months) == 3
