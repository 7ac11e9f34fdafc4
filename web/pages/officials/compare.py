"""Compare scenarios side by side: pick two to four finished forecasts of the caisse (same number of
months); they run again together with common random numbers, so their differences are measured on
the same futures (`caisse.simulations.service.compare_runs`, kind "compare")."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.errors import ValidationFailed
from caisse.http.params import BodyId
from caisse.simulations import RunKind, RunStatus, list_runs
from caisse.simulations.limits import MAX_SCENARIOS, TooManyRuns
from caisse.simulations.models import SimulationRun
from caisse.simulations.service import NotComparable, compare_runs
from web.pages.officials.common import GUARD, base_url, busy_message, run_url, with_english
from web.render import page, translator

# The form lists at most this many forecasts: a longer list of ids did not come from it.
CHOICES = 100


class CompareForm(msgspec.Struct, kw_only=True):
    # One ticked box arrives as a single value, several as a list; ids bounded as the database's.
    runs: Annotated[list[BodyId], msgspec.Meta(max_length=CHOICES)] | BodyId | None = None

    def chosen(self) -> list[int]:
        picked = [] if self.runs is None else [self.runs] if isinstance(self.runs, int) else self.runs
        return list(dict.fromkeys(picked))


async def _choices(session: AsyncSession, caisse: Caisse) -> list[SimulationRun]:
    return [
        run
        for run in await list_runs(session, caisse, limit=CHOICES)
        if run.kind is RunKind.SIMULATE and run.status is RunStatus.DONE
    ]


async def _page(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    caisse: Caisse,
    *,
    chosen: list[int] | None = None,
    status: int = 200,
    error: str | None = None,
) -> Template:
    return page(
        request, "officials/compare.html", status=status, caisse=caisse, caisse_nav=caisse,
        choices=await _choices(session, caisse), chosen=chosen or [], error=error,
        base_url=base_url(caisse.slug), max_scenarios=MAX_SCENARIOS,
    )  # fmt: skip


@get("/c/{slug:str}/simulations/comparer", name="officials-compare-form", guards=GUARD)
async def compare_form(
    request: Request[Any, Any, Any], caisse: PathCaisse, db_session: DbSession
) -> Template:
    return await _page(request, db_session, caisse)


@post("/c/{slug:str}/simulations/comparer", name="officials-compare-run", guards=GUARD)
async def run_comparison(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[CompareForm],
) -> Response[Any]:
    gettext = translator(request)
    chosen = data.chosen()
    if not 2 <= len(chosen) <= MAX_SCENARIOS:
        message = gettext("Tick two to four forecasts to compare.")
        return await _page(request, db_session, caisse, chosen=chosen, status=422, error=message)
    try:
        run = await compare_runs(db_session, caisse, chosen, actor)
    except NotComparable:
        message = gettext("Only finished forecasts can be compared: tick among those listed.")
        return await _page(request, db_session, caisse, chosen=chosen, status=422, error=message)
    except ValidationFailed as error:
        message = with_english(gettext("These forecasts cannot be compared:"), error.detail)
        return await _page(request, db_session, caisse, chosen=chosen, status=422, error=message)
    except TooManyRuns as error:
        message = busy_message(gettext, error)
        return await _page(request, db_session, caisse, chosen=chosen, status=429, error=message)
    return Redirect(path=run_url(caisse.slug, run.id), status_code=303)
