"""What the officials' pages share: the guard, the URLs, a run's result decoded for the page."""

from __future__ import annotations

from typing import Any

import msgspec

from caisse.auth.guards import STAFF, requires
from caisse.auth.models import Role
from caisse.simulations.models import RunKind, RunStatus, SimulationRun
from simulation.compare import Comparison
from simulation.results import SimulationResult

GUARD = [requires(*STAFF, Role.OFFICIAL)]


def base_url(slug: str) -> str:
    return f"/c/{slug}/simulations"


def run_url(slug: str, run_id: int) -> str:
    return f"{base_url(slug)}/{run_id}"


def forecast_of(run: SimulationRun) -> SimulationResult | None:
    """A finished forecast's result (None while it runs, or for another kind of run)."""
    if run.status is not RunStatus.DONE or run.kind is not RunKind.SIMULATE or run.result is None:
        return None
    return msgspec.json.decode(run.result, type=SimulationResult)


def comparison_of(run: SimulationRun) -> Comparison | None:
    if run.status is not RunStatus.DONE or run.kind is not RunKind.COMPARE or run.result is None:
        return None
    return msgspec.json.decode(run.result, type=Comparison)


def request_of(run: SimulationRun) -> dict[str, Any]:
    document: dict[str, Any] = msgspec.json.decode(run.request)
    return document
