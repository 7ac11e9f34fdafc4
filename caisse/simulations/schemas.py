"""What the simulations API reads and writes (msgspec Structs; amounts in € as in scenario files)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

import msgspec

from caisse.simulations.limits import MAX_SCENARIOS, SERVER_MAX_PATHS
from caisse.simulations.models import RunKind, RunStatus
from simulation.types import EngineName

# The shipped example scenarios (simulation/scenarios/*.toml), and "caisse": the caisse's current
# state (its rules in force, its active members, its reserve).
PresetName = Literal["caisse", "montpellier", "gironde", "national"]
PRESET_NAMES: tuple[str, ...] = get_args(PresetName)


class ScenarioInput(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One scenario: either a whole `scenario` document (the tables of a scenario file, see
    docs/scenario.md), or a `preset` with `overrides` merged into it table by table."""

    scenario: dict[str, Any] | None = None
    preset: PresetName | None = None
    overrides: dict[str, Any] | None = None


class SolveRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """What a solve looks for: `lever` (contribution_scale, allocation_scale, subsidy or
    initial_reserve), `target` such as "p_deficit_any_month <= 0.05", "self_financing >= 0.4" or
    "final_reserve_p05 >= 0", and optionally the lever's bounds (`min` and `max`, in its unit: a
    factor, or € — a year for the subsidy). See docs/solver.md."""

    lever: Annotated[str, msgspec.Meta(max_length=40)]
    target: Annotated[str, msgspec.Meta(max_length=80)]
    min: Annotated[float, msgspec.Meta(ge=-1e12, le=1e12)] | None = None
    max: Annotated[float, msgspec.Meta(ge=-1e12, le=1e12)] | None = None


class SimulationRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`kind`: "simulate" (one scenario), "compare" (2 to 4 scenarios with common random numbers: the
    same seed and paths for each) or "solve" (one scenario and `solve`). `paths` and `seed` override
    the (first) scenario's; without a seed anywhere, a fresh one is drawn and reported."""

    scenarios: Annotated[list[ScenarioInput], msgspec.Meta(min_length=1, max_length=MAX_SCENARIOS)]
    kind: RunKind = RunKind.SIMULATE
    paths: Annotated[int, msgspec.Meta(ge=1, le=SERVER_MAX_PATHS)] | None = None
    seed: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)] | None = None
    engine: EngineName = "stratified"
    solve: SolveRequest | None = None


class RunSummary(msgspec.Struct, frozen=True):
    """A run in a list: where it stands, without its result."""

    id: int
    kind: RunKind
    status: RunStatus
    label: str
    paths_done: int
    paths_total: int
    progress: float
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    requested_by_user_id: int | None
    error: str | None
    url: str


class RunDetail(msgspec.Struct, frozen=True):
    """A run: its status and progress (paths done out of all), the request as it was validated and,
    once done, its result (the JSON of `caisse simulate --json` for a forecast; `results` and
    `differences` for a comparison)."""

    id: int
    kind: RunKind
    status: RunStatus
    label: str
    paths_done: int
    paths_total: int
    progress: float
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    requested_by_user_id: int | None
    error: str | None
    url: str
    request: dict[str, Any]
    result: dict[str, Any] | None
