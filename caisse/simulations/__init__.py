"""Budget forecasts run on the server for a caisse's officials and staff: requests validated
against limits, background jobs whose state lives in the database, populations from the caisse's
members. The computation is the `simulation` package's."""

from caisse.simulations.models import RunKind, RunStatus, SimulationRun
from caisse.simulations.schemas import ScenarioInput, SimulationRequest
from caisse.simulations.service import get_run, list_runs, start_run

__all__ = [
    "RunKind",
    "RunStatus",
    "ScenarioInput",
    "SimulationRequest",
    "SimulationRun",
    "get_run",
    "list_runs",
    "start_run",
]
