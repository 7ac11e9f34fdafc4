"""The forecast from the caisse's own books, for the command line, the API and the pages.

* :func:`calibration_of` — the behaviour parameters estimated from the closed months;
* :func:`live_forecast_of` — the months so far and the forecast from the end of the last closed
  month (its free reserve and members), as the staff's and officials' dashboards show them;
* :func:`backtest_of` — the forecasts the caisse would have had at each past month, against what
  happened.

The books are read once (:func:`~caisse.forecasting.history.read_history`); what follows is pure
computation, run in a worker thread by the pages so the event loop keeps serving.
"""

from __future__ import annotations

import msgspec
from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.errors import ValidationFailed
from caisse.forecasting.backtest import Backtest, backtest
from caisse.forecasting.calibration import MIN_MONTHS, Calibration, CalibrationError, calibrate
from caisse.forecasting.history import CaisseHistory, read_history
from caisse.forecasting.scenario import HORIZON, PATHS, forecast_document, population_at
from simulation import ScenarioError, SimulationResult, decode_scenario, simulate

SEED = 2027  # the live forecast's: the same books give the same forecast, page after page


class ActualMonths(msgspec.Struct, frozen=True, kw_only=True):
    """The closed months as the books give them: free reserve (€) and members at each month's end."""

    months: list[str]
    free_reserve: list[float]
    members: list[int]


class LiveForecast(msgspec.Struct, frozen=True, kw_only=True):
    """The caisse's months so far, then the forecast from the end of the last one (`as_of`)."""

    caisse: str
    as_of: str
    actual: ActualMonths
    forecast: SimulationResult
    calibration: Calibration


async def _history(session: AsyncSession, caisse: Caisse) -> CaisseHistory:
    history = await read_history(session, caisse)
    closed = 0 if history is None else len(history.months)
    if history is None or closed < MIN_MONTHS:
        raise ValidationFailed(
            f"The caisse '{caisse.slug}' has {closed} closed month(s); a forecast from its own books needs "
            f"at least {MIN_MONTHS}: close its months as they end, and come back then."
        )
    return history


def _calibrated(history: CaisseHistory, through: int | None = None) -> Calibration:
    try:
        return calibrate(history, through)
    except CalibrationError as error:
        raise ValidationFailed(str(error)) from None


async def calibration_of(session: AsyncSession, caisse: Caisse) -> Calibration:
    return _calibrated(await _history(session, caisse))


def actual_months(history: CaisseHistory) -> ActualMonths:
    return ActualMonths(
        months=list(history.months),
        free_reserve=[round(int(c) / 100, 2) for c in history.free_reserve_end],
        members=[int(m) for m in history.members_end],
    )


def forecast_from(history: CaisseHistory, *, paths: int = PATHS, months: int = HORIZON) -> LiveForecast:
    """The live forecast of `history` (pure: run it in a worker thread from a request)."""
    last = len(history.months) - 1
    calibration = _calibrated(history)
    document = forecast_document(history, calibration, last, months=months, paths=paths, seed=SEED)
    try:
        population = population_at(history, last)
    except ValueError as error:
        raise ValidationFailed(str(error)) from None
    try:
        scenario = decode_scenario(document)
    except ScenarioError as error:  # books the simulator cannot take: say which figure
        raise ValidationFailed(f"The forecast of '{history.slug}' cannot run on its books: {error}") from None
    result = simulate(scenario, population=population).summary()
    return LiveForecast(
        caisse=history.slug,
        as_of=history.months[-1],
        actual=actual_months(history),
        forecast=result,
        calibration=calibration,
    )


async def live_forecast_of(session: AsyncSession, caisse: Caisse, *, paths: int = PATHS) -> LiveForecast:
    history = await _history(session, caisse)
    return await to_thread.run_sync(lambda: forecast_from(history, paths=paths))


async def backtest_of(session: AsyncSession, caisse: Caisse, *, paths: int, horizon: int) -> Backtest:
    history = await _history(session, caisse)
    try:  # backtest() says when the history is too short
        return await to_thread.run_sync(lambda: backtest(history, paths=paths, horizon=horizon))
    except ValueError as error:
        raise ValidationFailed(str(error)) from None
