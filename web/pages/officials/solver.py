"""The solver form: "how much must contributions rise, or how large a grant or reserve is needed, for
the caisse to meet a target?" — start from a scenario, pick the lever and the target, run. The
search itself is `simulation.solve` (docs/solver.md), run as a background job like a forecast; its
page shows the value found and the forecast there (`runs.py`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import URLEncodedBody
from litestar.response import Template

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.simulations import ScenarioInput, SimulationRequest
from caisse.simulations.limits import SERVER_MAX_PATHS
from caisse.simulations.models import RunKind
from caisse.simulations.scenarios import merge
from caisse.simulations.schemas import PRESET_NAMES, SolveRequest
from web.i18n import N_
from web.pages.officials.common import GUARD, base_url
from web.pages.officials.form import (
    BASES,
    Base,
    base_document,
    number_in,
    read_run_settings,
    start_or_answer,
)
from web.render import page, translator

LEVER_WORDS = {
    "contribution_scale": N_("Contributions (a factor on the scenario's rules)"),
    "allocation_scale": N_("Food allocation (a factor on the scenario's rules)"),
    "subsidy": N_("A new subsidy, euros a year"),
    "initial_reserve": N_("Reserve at the start, euros"),
}
METRIC_WORDS = {
    "p_deficit_any_month": N_("Chance of a deficit in at least one month: at most, in %"),
    "self_financing": N_("Self-financing (contributions over allocations): at least, in %"),
    "final_reserve_p05": N_("Final reserve reached in 95 futures out of 100: at least, in euros"),
}
# The target's bound as typed: a percentage for the two ratios, euros for the reserve.
IN_PERCENT = ("p_deficit_any_month", "self_financing")
SOLVER_PATHS = 500  # a solve runs about 20 forecasts: fewer paths each than a forecast's 1 000


class SolverForm(msgspec.Struct, kw_only=True):
    base: str = "caisse"
    name: str = ""
    months: str = ""
    paths: str = str(SOLVER_PATHS)
    seed: str = ""
    lever: str = "contribution_scale"
    metric: str = "p_deficit_any_month"
    bound: str = "5"
    lowest: str = ""
    highest: str = ""


def _form_page(
    request: Request[Any, Any, Any],
    caisse: Caisse,
    form: SolverForm,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
) -> Template:
    gettext = translator(request)
    return page(
        request, "officials/solver.html", status=status, caisse=caisse, caisse_nav=caisse, form=form,
        errors=errors or {}, form_error=form_error, bases=BASES, base_url=base_url(caisse.slug),
        lever_options=[(k, gettext(v)) for k, v in LEVER_WORDS.items()],
        metric_options=[(k, gettext(v)) for k, v in METRIC_WORDS.items()], max_paths=SERVER_MAX_PATHS,
    )  # fmt: skip


@get("/c/{slug:str}/simulations/solveur", name="officials-solver-form", guards=GUARD)
async def solver_form(
    request: Request[Any, Any, Any], caisse: PathCaisse, db_session: DbSession, base: Base = None
) -> Template:
    chosen = base if base in PRESET_NAMES else "caisse"
    run = (await base_document(db_session, caisse, chosen))["scenario"]
    form = SolverForm(base=chosen, name=str(run.get("name", "")), months=str(run.get("months", 24)))
    return _form_page(request, caisse, form)


def read_solver(
    form: SolverForm, gettext: Callable[[str], str]
) -> tuple[dict[str, Any] | None, SolveRequest | None, dict[str, str]]:
    """The scenario's run settings and what to solve, or the message next to each wrong field."""
    errors: dict[str, str] = {}
    number = number_in(form, errors, gettext)
    settings = read_run_settings(form, number, errors, gettext)
    if form.lever not in LEVER_WORDS:
        errors["lever"] = gettext("Choose the lever to move.")
    if form.metric not in METRIC_WORDS:
        errors["metric"] = gettext("Choose the target.")
        return None, None, errors
    if form.metric == "p_deficit_any_month":
        bound = number("bound", 0, 99.9, N_("A chance in %, from 0 to 99.9, such as 5.")) / 100
    elif form.metric == "self_financing":
        bound = number("bound", 0.1, 1000, N_("A share in %, more than 0, such as 40.")) / 100
    else:
        bound = number("bound", -1e12, 1e12, N_("An amount in euros, such as 0."))
    lowest = highest = None
    if form.lowest.strip() or form.highest.strip():
        lowest = number("lowest", -1e12, 1e12, N_("Give both ends of the range as numbers, or neither."))
        highest = number("highest", -1e12, 1e12, N_("Give both ends of the range as numbers, or neither."))
        if "lowest" not in errors and "highest" not in errors and lowest >= highest:
            errors["highest"] = gettext("The upper end must be above the lower end.")
    if errors:
        return None, None, errors
    operator = "<=" if form.metric == "p_deficit_any_month" else ">="
    run = {"name": settings.name, "months": settings.months, "paths": settings.paths}
    if settings.seed is not None:
        run["seed"] = settings.seed
    wanted = SolveRequest(
        lever=form.lever, target=f"{form.metric} {operator} {bound:.10g}", min=lowest, max=highest
    )
    return run, wanted, {}


@post("/c/{slug:str}/simulations/solveur", name="officials-solver-run", guards=GUARD)
async def run_solver(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[SolverForm],
) -> Response[Any]:
    gettext = translator(request)
    if data.base not in PRESET_NAMES:
        data.base = "caisse"
    run_settings, wanted, errors = read_solver(data, gettext)
    if run_settings is None or wanted is None:
        return _form_page(request, caisse, data, status=422, errors=errors)
    document = merge(await base_document(db_session, caisse, data.base), {"scenario": run_settings})
    solving = SimulationRequest(
        kind=RunKind.SOLVE, scenarios=[ScenarioInput(scenario=document)], solve=wanted
    )
    refused = partial(_form_page, request, caisse, data)
    return await start_or_answer(request, db_session, caisse, actor, solving, refused)
