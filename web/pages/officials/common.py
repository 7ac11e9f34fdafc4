"""What the officials' pages share: the guard, the URLs, a run's result decoded for the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from markupsafe import Markup

from caisse.auth.guards import STAFF, requires
from caisse.auth.models import Role
from caisse.simulations.limits import TooManyRuns, WorkTooLarge
from caisse.simulations.models import RunKind, RunStatus, SimulationRun
from simulation.compare import Comparison
from simulation.results import SimulationResult
from simulation.solve import Solution
from web.i18n import N_

GUARD = [requires(*STAFF, Role.OFFICIAL)]
# Who already has as many runs under way as it may, and what to tell the official.
BUSY = {
    "caisse": N_("Two runs of this caisse are already under way. Wait for one to finish, then run again."),
    "user": N_("You already have two runs under way. Wait for one to finish, then run again."),
    "server": N_("The server is computing as many forecasts as it can. Wait a few minutes, then run again."),
}


def with_english(intro: str, detail: str) -> Markup:
    """`intro` in the page's language, then the simulator's own `detail`, marked as English (the
    words a screen reader must read with English rules)."""
    return Markup('{} <span lang="en">{}</span>').format(intro, detail)


def too_large(
    gettext: Callable[[str], str], number: Callable[[int], str], error: WorkTooLarge
) -> tuple[str, str]:
    """The form field to change when a run is too large for the server, and what to say there."""
    if error.max_paths >= 1:
        message = gettext(
            "Too large for the server: at most %(n)s paths with these months and this population."
        )
        return "paths", message % {"n": number(error.max_paths)}
    return "months", gettext("Too large for the server even with one path: lower the months.")


def busy_message(gettext: Callable[[str], str], error: TooManyRuns) -> str:
    return gettext(BUSY[error.scope])


def base_url(slug: str) -> str:
    return f"/c/{slug}/simulations"


def run_url(slug: str, run_id: int) -> str:
    return f"{base_url(slug)}/{run_id}"


def forecast_of(run: SimulationRun) -> SimulationResult | None:
    """A finished forecast's result, or a solve's forecast at the value found (None while it runs,
    or for a comparison)."""
    if run.status is not RunStatus.DONE or run.result is None:
        return None
    if run.kind is RunKind.SOLVE:
        solution = solution_of(run)
        return solution.forecast if solution is not None else None
    if run.kind is not RunKind.SIMULATE:
        return None
    return msgspec.json.decode(run.result, type=SimulationResult)


def solution_of(run: SimulationRun) -> Solution | None:
    """A finished solve's answer: the lever's value, the target's figure there, the forecast."""
    if run.status is not RunStatus.DONE or run.kind is not RunKind.SOLVE or run.result is None:
        return None
    return msgspec.json.decode(run.result, type=Solution)


def comparison_of(run: SimulationRun) -> Comparison | None:
    if run.status is not RunStatus.DONE or run.kind is not RunKind.COMPARE or run.result is None:
        return None
    return msgspec.json.decode(run.result, type=Comparison)


def request_of(run: SimulationRun) -> dict[str, Any]:
    document: dict[str, Any] = msgspec.json.decode(run.request)
    return document
