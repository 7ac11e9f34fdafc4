"""The forecast from the caisse's own books (issue 7), for officials and staff.

* the **outlook** (`/c/{slug}/simulations/prevision`): the months so far and the forecast from the
  end of the last closed month on one chart — the caisse's free reserve (its cash less the food
  credit it has promised) — with the figures as a table, and what the books taught the forecast
  (the calibration, each estimate with its interval and what it rests on);
* its **track record** (`/c/{slug}/simulations/fiabilite`): the forecasts the caisse would have had
  at each past month, against what happened (the back-test);
* a short card of the outlook for the staff's dashboard and the officials' runs page.

Both are computed in a worker thread and kept by the application (`caisse.forecasting.cache`), so
a dashboard simulates once per closed month, not once per view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Template
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.routes.markers import DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.cycle.models import PeriodClose
from caisse.errors import ValidationFailed
from caisse.forecasting.backtest import Backtest, Point
from caisse.forecasting.cache import ForecastCache
from caisse.forecasting.calibration import MIN_MONTHS
from caisse.forecasting.service import LiveForecast, backtest_of, live_forecast_of
from web.charts import Bands, Series, fan_chart, line_chart
from web.pages.officials.common import GUARD, base_url
from web.render import formatter, page, translator

STATE_KEY = "forecast_cache"
BACKTEST_PATHS = 500  # per past month: 15 forecasts for a caisse of 18 months
BACKTEST_HORIZON = 12
SHOWN_HORIZON = 3  # the back-test chart: each month beside the forecast made this many months before
CARD_MONTHS = 12  # the dashboards' card: the last year, then the next one


@dataclass(frozen=True)
class Outlook:
    """The live forecast, or None with the closed months there are (fewer than MIN_MONTHS) or why
    the books could not be forecast (`problem`)."""

    live: LiveForecast | None
    closed_months: int
    problem: str | None = None


def _cache(state: State) -> ForecastCache:
    cache: ForecastCache = state.setdefault(STATE_KEY, ForecastCache())
    return cache


async def _closed(session: AsyncSession, caisse: Caisse) -> tuple[int, str | None]:
    count, last = (
        await session.execute(
            select(func.count(), func.max(PeriodClose.month)).where(PeriodClose.caisse_id == caisse.id)
        )
    ).one()
    return int(count or 0), last


async def live_outlook(state: State, session: AsyncSession, caisse: Caisse) -> Outlook:
    count, last = await _closed(session, caisse)
    if count < MIN_MONTHS:
        return Outlook(None, count)
    try:
        live = await _cache(state).get((caisse.id, "live", last), lambda: live_forecast_of(session, caisse))
    except ValidationFailed as error:
        return Outlook(None, count, error.detail)
    return Outlook(live, count)


def outlook_chart(
    request: Request[Any, Any, Any], live: LiveForecast, *, chart_id: str, months_before: int | None = None
) -> Markup:
    """The free reserve: the closed months (the last `months_before`, or all), then the forecast."""
    gettext, fmt = translator(request), formatter(request)
    actual = live.actual
    keep = slice(-months_before, None) if months_before else slice(None)
    months = actual.months[keep]
    bands = live.forecast.free_reserve
    assert bands is not None  # every live forecast keeps it

    def cents(values: list[float]) -> list[int]:
        return [round(v * 100) for v in values]

    return fan_chart(
        chart_id,
        gettext("Free reserve: so far, then forecast"),
        gettext(
            "The caisse's cash less the food credit it has promised, at the end of each month: as the "
            "books give it up to %(month)s, then the forecast's median and the ranges holding half and "
            "nine tenths of the possible futures."
        )
        % {"month": fmt.month(live.as_of)},
        [fmt.short_month(m) for m in [*months, *live.forecast.months]],
        cents(actual.free_reserve[keep]),
        Bands(cents(bands.p05), cents(bands.p25), cents(bands.p50), cents(bands.p75), cents(bands.p95)),
        (
            gettext("So far"),
            gettext("Forecast median"),
            gettext("Half the futures"),
            gettext("9 in 10 futures"),
        ),
        fmt.money_short,
    )


def card_context(request: Request[Any, Any, Any], outlook: Outlook) -> dict[str, Any]:
    """What the dashboards' outlook card shows."""
    if outlook.live is None:
        return {"outlook": outlook, "outlook_svg": None, "min_months": MIN_MONTHS}
    live = outlook.live
    bands = live.forecast.free_reserve
    assert bands is not None
    year = min(12, len(live.forecast.months)) - 1
    return {
        "outlook": outlook,
        "outlook_svg": outlook_chart(request, live, chart_id="outlook-card", months_before=CARD_MONTHS),
        "outlook_year": {
            "month": live.forecast.months[year],
            "p05": round(bands.p05[year] * 100),
            "p50": round(bands.p50[year] * 100),
            "p95": round(bands.p95[year] * 100),
        },
        "outlook_url": f"{base_url(live.caisse)}/prevision",
        "min_months": MIN_MONTHS,
    }


@get("/c/{slug:str}/simulations/prevision", name="officials-outlook", guards=GUARD)
async def outlook_page(
    request: Request[Any, Any, Any], caisse: PathCaisse, db_session: DbSession
) -> Template:
    outlook = await live_outlook(request.app.state, db_session, caisse)
    context: dict[str, Any] = {"outlook": outlook, "min_months": MIN_MONTHS, "chart": None, "rows": []}
    if outlook.live is not None:
        live = outlook.live
        context["chart"] = outlook_chart(request, live, chart_id="outlook")
        context["rows"] = _rows(live)
    return page(
        request, "officials/outlook.html", caisse=caisse, caisse_nav=caisse, base_url=base_url(caisse.slug),
        **context,
    )  # fmt: skip


def _rows(live: LiveForecast) -> list[dict[str, Any]]:
    """The chart's figures as table rows (cents): the closed months, then the forecast's."""
    bands = live.forecast.free_reserve
    assert bands is not None and live.forecast.members.p50 is not None
    rows: list[dict[str, Any]] = [
        {"month": m, "actual": round(v * 100), "members": n}
        for m, v, n in zip(live.actual.months, live.actual.free_reserve, live.actual.members, strict=True)
    ]
    for i, month in enumerate(live.forecast.months):
        rows.append(
            {
                "month": month,
                "p05": round(bands.p05[i] * 100),
                "p50": round(bands.p50[i] * 100),
                "p95": round(bands.p95[i] * 100),
                "members": round(live.forecast.members.p50[i]),
            }
        )
    return rows


@get("/c/{slug:str}/simulations/fiabilite", name="officials-backtest", guards=GUARD)
async def backtest_page(
    request: Request[Any, Any, Any], caisse: PathCaisse, db_session: DbSession
) -> Template:
    count, last = await _closed(db_session, caisse)
    context: dict[str, Any] = {
        "closed_months": count,
        "min_months": MIN_MONTHS + 1,
        "backtest": None,
        "problem": None,
    }
    if count > MIN_MONTHS:
        try:
            result: Backtest = await _cache(request.app.state).get(
                (caisse.id, "backtest", last),
                lambda: backtest_of(db_session, caisse, paths=BACKTEST_PATHS, horizon=BACKTEST_HORIZON),
            )
        except ValidationFailed as error:
            context["problem"] = error.detail
        else:
            context |= {"backtest": result, "chart": _backtest_chart(request, result.free_reserve.points)}
            context["shown_horizon"] = SHOWN_HORIZON
    return page(
        request, "officials/backtest.html", caisse=caisse, caisse_nav=caisse, base_url=base_url(caisse.slug),
        **context,
    )  # fmt: skip


def _backtest_chart(request: Request[Any, Any, Any], points: list[Point]) -> Markup | None:
    gettext, fmt = translator(request), formatter(request)
    shown = [p for p in points if p.horizon == SHOWN_HORIZON] or [p for p in points if p.horizon == 1]
    if not shown:
        return None
    horizon = shown[0].horizon
    return line_chart(
        "backtest",
        gettext("Free reserve: what happened and what was forecast %(n)s months before") % {"n": horizon},
        gettext(
            "For each month, the free reserve the books give, and the median of the forecast made "
            "%(n)s months earlier from the books of then."
        )
        % {"n": horizon},
        [fmt.short_month(p.month) for p in shown],
        [
            Series(gettext("What happened"), [round(p.actual * 100) for p in shown]),
            Series(gettext("Forecast median"), [round(p.p50 * 100) for p in shown]),
        ],
        fmt.money_short,
    )
