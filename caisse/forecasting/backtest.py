"""The back-test: how good would the forecast have been? For each past month k (from the third),
calibrate on the months up to k only, forecast the months after it from the caisse as it stood at
k's end, and set each forecast month beside what the books say happened.

Two figures are compared, those the books give exactly at every month's end: the **free reserve**
(fund less credit outstanding) and the **members**. For each, over every (month k, later month)
pair: how often the actual figure fell inside the forecast's 50 % band (25–75 %) and its 90 % band
(5–95 %) — a well-calibrated forecast gets about 50 % and 90 % — and the error of the median.

What the back-test cannot replay, it says: incomes and chosen contributions are today's (the caisse
keeps no dated copy), so a past month's households are billed at today's incomes.
"""

from __future__ import annotations

import msgspec
import numpy as np

from caisse.forecasting.calibration import MIN_MONTHS, calibrate
from caisse.forecasting.history import CaisseHistory
from caisse.forecasting.scenario import forecast_document, population_at
from simulation import ScenarioError, decode_scenario, simulate

HORIZON = 12  # months forecast from each past month
PATHS = 1000
SEED = 2027


class Point(msgspec.Struct, frozen=True, kw_only=True, array_like=False):
    """One forecast month beside what happened: the figure's bands and its actual value."""

    origin: str  # the last month the forecast knew
    month: str
    horizon: int  # months after the origin (1: the next month)
    actual: float
    p05: float
    p25: float
    p50: float
    p75: float
    p95: float

    @property
    def inside_50(self) -> bool:
        return self.p25 <= self.actual <= self.p75

    @property
    def inside_90(self) -> bool:
        return self.p05 <= self.actual <= self.p95


class Coverage(msgspec.Struct, frozen=True, kw_only=True):
    """How the forecasts of one figure did, over `points` (origin, month) pairs."""

    points: int
    inside_50: float  # share of the actual figures inside the 50 % band
    inside_90: float
    median_error: float  # mean of (median − actual): above 0, the forecast was too high
    median_absolute_error: float  # mean of |median − actual|


class FigureBacktest(msgspec.Struct, frozen=True, kw_only=True):
    overall: Coverage
    by_horizon: list[Coverage]  # horizon 1, 2, …
    points: list[Point]


class Backtest(msgspec.Struct, frozen=True, kw_only=True):
    """`caisse backtest --json`: the forecasts made at each past month and how they did."""

    caisse: str
    origins: list[str]
    horizon: int
    paths: int
    seed: int
    free_reserve: FigureBacktest  # €
    members: FigureBacktest  # households
    note: str


def backtest(
    history: CaisseHistory, *, horizon: int = HORIZON, paths: int = PATHS, seed: int = SEED
) -> Backtest:
    """Forecast from every past month with at least `MIN_MONTHS` months before it and a month after."""
    last = len(history.months) - 1
    origins = list(range(MIN_MONTHS - 1, last))
    if not origins:
        raise ValueError(
            f"{history.slug}: {last + 1} closed month(s); a back-test needs at least {MIN_MONTHS + 1} "
            f"({MIN_MONTHS} to calibrate on, one to compare with)."
        )
    free: list[Point] = []
    members: list[Point] = []
    free_actual = history.free_reserve_end / 100
    members_actual = history.members_end.astype(np.float64)
    for origin in origins:
        months = min(horizon, last - origin)
        document = forecast_document(
            history, calibrate(history, origin), origin, months=months, paths=paths, seed=seed
        )
        try:
            scenario = decode_scenario(document)
        except ScenarioError as error:
            raise ValueError(f"{history.slug}, forecast from {history.months[origin]}: {error}") from None
        run = simulate(scenario, population=population_at(history, origin))
        result = run.summary()
        assert result.free_reserve is not None and result.members.p25 is not None
        for h in range(months):
            target = origin + 1 + h
            free.append(_point(history, origin, target, free_actual[target], result.free_reserve, h))
            members.append(_point(history, origin, target, members_actual[target], result.members, h))
    return Backtest(
        caisse=history.slug,
        origins=[history.months[k] for k in origins],
        horizon=horizon,
        paths=paths,
        seed=seed,
        free_reserve=_figure(free),
        members=_figure(members),
        note="Incomes and chosen contributions are today's: the caisse keeps no dated copy of them.",
    )


def _point(history: CaisseHistory, origin: int, target: int, actual: float, bands: object, h: int) -> Point:
    def at(name: str) -> float:
        values = getattr(bands, name)
        return float(values[h])

    return Point(
        origin=history.months[origin],
        month=history.months[target],
        horizon=h + 1,
        actual=round(float(actual), 2),
        p05=at("p05"),
        p25=at("p25"),
        p50=at("p50"),
        p75=at("p75"),
        p95=at("p95"),
    )


def _coverage(points: list[Point]) -> Coverage:
    errors = np.array([p.p50 - p.actual for p in points])
    return Coverage(
        points=len(points),
        inside_50=float(np.mean([p.inside_50 for p in points])),
        inside_90=float(np.mean([p.inside_90 for p in points])),
        median_error=round(float(errors.mean()), 2),
        median_absolute_error=round(float(np.abs(errors).mean()), 2),
    )


def _figure(points: list[Point]) -> FigureBacktest:
    horizons = sorted({p.horizon for p in points})
    return FigureBacktest(
        overall=_coverage(points),
        by_horizon=[_coverage([p for p in points if p.horizon == h]) for h in horizons],
        points=points,
    )
