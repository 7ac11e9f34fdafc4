"""A caisse's runs: the list, one run (its progress while it runs — the page reloads itself through
the `Refresh` header, no script — then its results), its downloads (JSON, CSV, SVG) and a one-page
summary to print for a council meeting."""

from __future__ import annotations

import math
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import CacheControlHeader, State
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from caisse.auth.routes.markers import DbSession, PathCaisse
from caisse.errors import NotFound
from caisse.http.params import RowId
from caisse.simulations import get_run, list_runs
from caisse.simulations.export import forecasts_csv
from caisse.simulations.models import SimulationRun
from simulation.results import SimulationResult
from web.charts import Bar, Series, bar_chart, line_chart
from web.formatting import Formatter
from web.pages.officials.common import GUARD, base_url, comparison_of, forecast_of, run_url, solution_of
from web.pages.officials.outlook import card_context, live_outlook
from web.pages.officials.reserve_chart import reserve_svg
from web.pages.officials.solver import LEVER_WORDS, METRIC_WORDS
from web.render import formatter, page, translator

# Long enough for a screen reader to read the progress before the page starts again (WCAG 2.2.2),
# and the page has a link that stops it (`?suivre=0`).
REFRESH_SECONDS = 10
# Only a finished run has a chart, and a finished run never changes: the browser keeps it (for its
# user only: the pages are behind a login).
FINISHED_CHART = CacheControlHeader(private=True, max_age=24 * 3600, immutable=True)


@get("/c/{slug:str}/simulations", name="officials-runs", guards=GUARD)
async def runs(request: Request[Any, Any, Any], caisse: PathCaisse, db_session: DbSession) -> Template:
    outlook = await live_outlook(request.app.state, db_session, caisse)
    return page(
        request, "officials/runs.html", caisse=caisse, caisse_nav=caisse,
        runs=await list_runs(db_session, caisse), base_url=base_url(caisse.slug),
        **card_context(request, outlook),
    )  # fmt: skip


def _charts(request: Request[Any, Any, Any], result: SimulationResult) -> dict[str, Any]:
    gettext, fmt = translator(request), formatter(request)
    months = _spaced([fmt.short_month(m) for m in result.months])
    deficit = line_chart(
        "p-deficit",
        gettext("Probability of a deficit, month by month"),
        gettext("Share of the paths whose reserve is below zero at the end of each month."),
        months,
        [Series(gettext("P(deficit)"), [round(p * 1000) for p in result.p_deficit])],
        lambda v: fmt.percent(v / 1000, 0 if v % 10 == 0 else 1),
    )
    bars = [
        Bar(gettext("Decile %(n)s") % {"n": i + 1}, round((t or 0) * 100), _money(fmt, t))
        for i, t in enumerate(result.net_transfer_by_decile)
    ]
    deciles = bar_chart(
        "deciles",
        gettext("Net transfer by income decile"),
        gettext(
            "Mean allocation minus contribution per member household and month, by national income "
            "decile: positive, the household draws more than it pays in."
        ),
        bars,
    )
    return {"deficit_chart": deficit, "decile_chart": deciles, "decile_bars": bars}


def _spaced(labels: list[str]) -> list[str]:
    """Month labels for `line_chart`, which shows every k-th label and the last: the k-th label
    closest to the last is blanked when it would sit too near it, so that the two never overlap."""
    last = len(labels) - 1
    every = math.ceil(len(labels) / 5)
    near = (last // every) * every
    if 0 < last - near < max(2, (every + 1) // 2 + 1):
        labels[near] = ""
    return labels


def _money(fmt: Formatter, euros: float | None) -> str:
    return "–" if euros is None else fmt.money(round(euros * 100))


@get("/c/{slug:str}/simulations/{run_id:int}", name="officials-run", guards=GUARD)
async def run_page(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    db_session: DbSession,
    run_id: RowId,
    follow: Annotated[bool, QueryParameter(name="suivre")] = True,
) -> Template:
    run = await get_run(db_session, caisse, run_id)
    forecast, comparison = forecast_of(run), comparison_of(run)
    context: dict[str, Any] = {}
    if forecast is not None:
        context = _charts(request, forecast)
    response = page(
        request, "officials/run.html", caisse=caisse, caisse_nav=caisse, run=run, forecast=forecast,
        comparison=comparison, solution=solution_of(run), url=run_url(caisse.slug, run.id),
        base_url=base_url(caisse.slug), levers=LEVER_WORDS, metrics=METRIC_WORDS,
        refresh=REFRESH_SECONDS, follow=follow, **context,
    )  # fmt: skip
    if follow and not run.status.finished:
        # Reloads the page until the run is finished: a header, not <meta refresh> (axe flags that).
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@get("/c/{slug:str}/simulations/{run_id:int}/resume", name="officials-run-summary", guards=GUARD)
async def printable_summary(
    request: Request[Any, Any, Any], caisse: PathCaisse, db_session: DbSession, run_id: RowId
) -> Template:
    run = await get_run(db_session, caisse, run_id)
    forecast = forecast_of(run)
    if forecast is None:
        raise NotFound("This run has no finished forecast to summarise.")
    return page(
        request, "officials/summary.html", caisse=caisse, caisse_nav=caisse, run=run, forecast=forecast,
        url=run_url(caisse.slug, run.id), **_charts(request, forecast),
    )  # fmt: skip


def _finished(run: SimulationRun) -> tuple[SimulationResult, ...]:
    forecast, comparison = forecast_of(run), comparison_of(run)
    if forecast is not None:
        return (forecast,)
    if comparison is not None:
        return tuple(comparison.results)
    raise NotFound("This run has no finished result to download yet.")


def _download(content: str | bytes, media_type: str, name: str) -> Response[Any]:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@get("/c/{slug:str}/simulations/{run_id:int}/export.json", name="officials-run-json", guards=GUARD)
async def download_json(caisse: PathCaisse, db_session: DbSession, run_id: RowId) -> Response[Any]:
    run = await get_run(db_session, caisse, run_id)
    _finished(run)
    document = msgspec.json.format(run.result or "{}", indent=2)
    return _download(document, "application/json", f"simulation-{caisse.slug}-{run.id}.json")


@get("/c/{slug:str}/simulations/{run_id:int}/export.csv", name="officials-run-csv", guards=GUARD)
async def download_csv(caisse: PathCaisse, db_session: DbSession, run_id: RowId) -> Response[Any]:
    run = await get_run(db_session, caisse, run_id)
    return _download(
        # Litestar adds "; charset=utf-8" to a text/ media type itself.
        forecasts_csv(_finished(run)), "text/csv", f"simulation-{caisse.slug}-{run.id}.csv"
    )


@get(
    "/c/{slug:str}/simulations/{run_id:int}/reserve.svg",
    name="officials-run-svg",
    guards=GUARD,
    cache_control=FINISHED_CHART,
)
async def fan_chart(
    state: State, caisse: PathCaisse, db_session: DbSession, run_id: RowId, download: FromQuery[bool] = False
) -> Response[Any]:
    run = await get_run(db_session, caisse, run_id)
    svg = await reserve_svg(state, run.id, _finished(run))
    if download:
        return _download(svg, "image/svg+xml", f"simulation-{caisse.slug}-{run.id}.svg")
    return Response(svg, media_type="image/svg+xml")
