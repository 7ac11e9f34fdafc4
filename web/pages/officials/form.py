"""The scenario form: start from an example scenario or from the caisse as it stands, move the levers
(`caisse.simulations.levers`), run. Each number is checked here against its range, with a message
next to its field; the scenario as a whole is then checked by the simulator (`start_run`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.errors import ValidationFailed
from caisse.simulations import ScenarioInput, SimulationRequest, start_run
from caisse.simulations.levers import LeverError, Levers, apply_levers
from caisse.simulations.limits import SERVER_MAX_PATHS, TooManyRuns, WorkTooLarge
from caisse.simulations.scenarios import Reserve, caisse_document, caisse_reserve, shipped_document
from caisse.simulations.schemas import PRESET_NAMES
from caisse.text import has_control_characters
from web.i18n import N_
from web.pages.officials.common import GUARD, base_url, busy_message, run_url, too_large, with_english
from web.render import formatter, page, translator

BASES = {
    "caisse": N_("The caisse as it stands (its rules, members and reserve)"),
    "montpellier": N_("Example: a Montpellier-like caisse"),
    "gironde": N_("Example: a Gironde-like caisse"),
    "national": N_("Example: the national proposal (150 € per person)"),
}
# A lever the base scenario's rules cannot take: the form field, and what to tell the official.
LEVER_FIELDS = {"contribution_scale": "contribution_percent", "allocation_scale": "allocation_percent"}
LEVER_MESSAGES = {
    "contribution_scale": N_(
        "These contribution rules (brackets or tiers) have no single scale: keep 100 here, or change "
        "them in a scenario sent through the API."
    ),
    "allocation_scale": N_(
        "A mutualist allocation shares out the contributions: keep 100 here and change the contributions."
    ),
}
Base = Annotated[str | None, QueryParameter(name="base", max_length=20)]
MAX_MONTHS = 120


class ScenarioForm(msgspec.Struct, kw_only=True):
    base: str = "caisse"
    name: str = ""
    months: str = ""
    paths: str = ""
    seed: str = ""
    contribution_percent: str = "100"
    allocation_percent: str = "100"
    subsidy_percent: str = "100"
    take_up_percent: str = ""
    initial_reserve: str = ""
    operating_costs: str = ""
    extra_subsidy: str = "0"
    extra_subsidy_renewal_percent: str = "100"


def _shown(value: float) -> str:
    return f"{value:.10g}"


async def base_document(session: AsyncSession, caisse: Caisse, base: str) -> dict[str, Any]:
    return await caisse_document(session, caisse) if base == "caisse" else shipped_document(base)


def form_from(document: dict[str, Any], base: str) -> ScenarioForm:
    """The form's starting values: the base scenario's own."""
    run, funding = document["scenario"], document.get("funding", {})
    return ScenarioForm(
        base=base,
        name=str(run.get("name", "")),
        months=str(run.get("months", 24)),
        paths=str(min(int(run.get("paths", 1000)), 1000)),
        seed=str(run.get("seed", "")),
        take_up_percent=_shown(100 * float(document.get("participation", {}).get("take_up", 1.0))),
        initial_reserve=_shown(float(funding.get("initial_reserve", 0.0))),
        operating_costs=_shown(float(funding.get("operating_costs", 0.0))),
    )


def _number(text: str) -> float | None:
    cleaned = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def number_in(
    form: msgspec.Struct, errors: dict[str, str], gettext: Callable[[str], str]
) -> Callable[..., float]:
    """A reader of the form's number fields: `number(field, low, high, message, whole=False)` gives
    the value, or records `message` (translated) next to the field and gives `low`."""

    def number(field: str, low: float, high: float, message: str, *, whole: bool = False) -> float:
        value = _number(getattr(form, field))
        if value is None or not low <= value <= high or (whole and value != int(value)):
            errors[field] = gettext(message)
            return low
        return value

    return number


@dataclass(frozen=True)
class RunSettings:
    """The run's own fields, asked the same way by the scenario form and the solver."""

    name: str
    months: int
    paths: int
    seed: int | None


def read_run_settings(
    form: Any, number: Callable[..., float], errors: dict[str, str], gettext: Callable[[str], str]
) -> RunSettings:
    """The name, months, paths and seed typed (a wrong one recorded in `errors` next to its field)."""
    name = form.name.strip()
    if not name or len(name) > 120 or has_control_characters(name):
        errors["name"] = gettext("Give the scenario a name (at most 120 characters).")
    months = number("months", 1, MAX_MONTHS, N_("Months: a whole number from 1 to 120."), whole=True)
    paths = number("paths", 1, SERVER_MAX_PATHS, N_("Paths: a whole number from 1 to 20 000."), whole=True)
    seed = None
    if form.seed.strip():
        seed = int(
            number("seed", 0, 2**53, N_("Seed: a whole number, 0 or more (or leave it empty)."), whole=True)
        )
    return RunSettings(name, int(months), int(paths), seed)


def read_levers(form: ScenarioForm, gettext: Callable[[str], str]) -> tuple[Levers | None, dict[str, str]]:
    """The levers, or the message to show next to each field that is wrong."""
    errors: dict[str, str] = {}
    number = number_in(form, errors, gettext)
    run = read_run_settings(form, number, errors, gettext)
    contribution = number("contribution_percent", 0, 1000, N_("Contributions: a percentage from 0 to 1 000."))
    allocation = number("allocation_percent", 0, 1000, N_("Allocation: a percentage from 0 to 1 000."))
    subsidies = number("subsidy_percent", 0, 1000, N_("Subsidies: a percentage from 0 to 1 000."))
    take_up = number("take_up_percent", 0, 100, N_("Take-up: a percentage from 0 to 100."))
    reserve = number(
        "initial_reserve", -1e12, 1e12, N_("Initial reserve: an amount in euros (negative for a debt).")
    )
    costs = number(
        "operating_costs", 0, 1e12, N_("Operating costs: an amount in euros per month, 0 or more.")
    )
    extra = number("extra_subsidy", 0, 1e12, N_("New subsidy: an amount in euros per year, 0 or more."))
    renewal = number("extra_subsidy_renewal_percent", 0, 100, N_("Renewal: a percentage from 0 to 100."))
    if errors:
        return None, errors
    return (
        Levers(
            name=run.name, months=run.months, paths=run.paths, seed=run.seed,
            contribution_scale=contribution / 100, allocation_scale=allocation / 100,
            subsidy_scale=subsidies / 100, take_up=take_up / 100, initial_reserve=reserve,
            operating_costs=costs, extra_subsidy=extra, extra_subsidy_renewal=renewal / 100,
        ),
        {},
    )  # fmt: skip


def _form_page(
    request: Request[Any, Any, Any],
    caisse: Caisse,
    form: ScenarioForm,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    reserve: Reserve | None = None,
) -> Template:
    return page(
        request, "officials/form.html", status=status, caisse=caisse, caisse_nav=caisse, form=form,
        errors=errors or {}, form_error=form_error, bases=BASES, base_url=base_url(caisse.slug),
        max_paths=SERVER_MAX_PATHS, reserve=reserve,
    )  # fmt: skip


@get("/c/{slug:str}/simulations/nouvelle", name="officials-scenario-form", guards=GUARD)
async def scenario_form(
    request: Request[Any, Any, Any], caisse: PathCaisse, db_session: DbSession, base: Base = None
) -> Template:
    chosen = base if base in PRESET_NAMES else "caisse"
    form = form_from(await base_document(db_session, caisse, chosen), chosen)
    # The caisse's reserve is its free cash: say what it holds and what is already promised.
    reserve = await caisse_reserve(db_session, caisse) if chosen == "caisse" else None
    return _form_page(request, caisse, form, reserve=reserve)


@post("/c/{slug:str}/simulations/nouvelle", name="officials-scenario-run", guards=GUARD)
async def run_scenario(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[ScenarioForm],
) -> Response[Any]:
    gettext = translator(request)
    if data.base not in PRESET_NAMES:
        data.base = "caisse"
    levers, errors = read_levers(data, gettext)
    if levers is None:
        return _form_page(request, caisse, data, status=422, errors=errors)
    try:
        document = apply_levers(await base_document(db_session, caisse, data.base), levers)
    except LeverError as error:
        field = LEVER_FIELDS[error.lever]
        message = gettext(LEVER_MESSAGES[error.lever])
        return _form_page(request, caisse, data, status=422, errors={field: message})
    wanted = SimulationRequest(scenarios=[ScenarioInput(scenario=document)])
    refused = partial(_form_page, request, caisse, data)
    return await start_or_answer(request, db_session, caisse, actor, wanted, refused)


async def start_or_answer(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    caisse: Caisse,
    actor: Caller,
    wanted: SimulationRequest,
    refused: Callable[..., Template],
) -> Response[Any]:
    """Start the run and go to its page, or show the form again through `refused(status=, errors=,
    form_error=)` saying why not (the scenario form and the solver answer alike)."""
    gettext = translator(request)
    try:
        run = await start_run(db_session, caisse, wanted, actor)
    except WorkTooLarge as error:
        field, message = too_large(gettext, formatter(request).number, error)
        return refused(status=422, errors={field: message})
    except ValidationFailed as error:
        # The simulator's own words (in English, naming the table and key), after a sentence in the
        # page's language.
        message = with_english(gettext("The scenario cannot run as it is:"), error.detail)
        return refused(status=422, form_error=message)
    except TooManyRuns as error:
        return refused(status=429, form_error=busy_message(gettext, error))
    return Redirect(path=run_url(caisse.slug, run.id), status_code=303)
