"""Start a caisse's simulation run, read it back, list its runs (the API and the officials' pages
both call these)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import defer

from caisse.auth.actor import Actor
from caisse.caisses.models import Caisse
from caisse.db.base import utcnow
from caisse.db.locks import lock_row
from caisse.errors import NotFound, ValidationFailed
from caisse.simulations import jobs
from caisse.simulations.compute import computation
from caisse.simulations.limits import (
    MAX_ACTIVE_PER_CAISSE,
    MAX_ACTIVE_PER_USER,
    MAX_ACTIVE_TOTAL,
    TooManyRuns,
)
from caisse.simulations.models import ACTIVE_STATUSES, RunKind, RunStatus, SimulationRun
from caisse.simulations.scenarios import prepare
from caisse.simulations.schemas import ScenarioInput, SimulationRequest


class NotComparable(ValidationFailed):
    """A run picked for a comparison is not a finished forecast of the caisse; `run_id` names it."""

    def __init__(self, run_id: int, detail: str) -> None:
        super().__init__(detail, [{"field": "runs", "message": detail}])
        self.run_id = run_id


async def start_run(
    session: AsyncSession, caisse: Caisse, request: SimulationRequest, actor: Actor
) -> SimulationRun:
    """Validate `request`, record the run (queued), commit, and start computing it in this worker.

    ValidationFailed (422) names what to change; TooManyRuns (429) when the caisse, the person or
    the server already has as many runs under way as it may. Commits: the run must be visible to
    every worker before its computation starts."""
    prepared = await prepare(session, caisse, request)
    await _check_room(session, caisse, actor)
    now = utcnow()
    run = SimulationRun(
        caisse_id=caisse.id,
        kind=prepared.kind,
        status=RunStatus.QUEUED,
        label=prepared.label,
        paths_done=0,
        paths_total=prepared.paths_total,
        request=msgspec.json.encode(prepared.document()).decode(),
        requested_by_user_id=actor.user_id,
        worker=jobs.worker(),
        heartbeat_at=now,
        created_at=now,
    )
    session.add(run)
    await session.commit()
    bind = session.bind
    if not isinstance(bind, AsyncEngine):
        raise RuntimeError("simulation runs need the session bound to the application's async engine")
    jobs.launch(bind, run.id, computation(prepared))
    return run


async def _check_room(session: AsyncSession, caisse: Caisse, actor: Actor) -> None:
    """TooManyRuns when the caisse, the person or the server already has as many runs under way
    as it may. Takes the caisse's lock first (NO KEY UPDATE: payments naming the caisse go on), so
    that two starts for one caisse count one after the other; the server's bound stays a soft one
    across caisses."""
    await lock_row(session, Caisse, Caisse.id == caisse.id)
    await jobs.mark_stale_runs(session)
    this_caisse = case((SimulationRun.caisse_id == caisse.id, 1), else_=0)
    this_user = case((SimulationRun.requested_by_user_id == actor.user_id, 1), else_=0)
    row = (
        await session.execute(
            select(func.count(), func.sum(this_caisse), func.sum(this_user)).where(
                SimulationRun.status.in_(ACTIVE_STATUSES)
            )
        )
    ).one()
    total, of_caisse, of_user = (int(value or 0) for value in row)
    if of_caisse >= MAX_ACTIVE_PER_CAISSE:
        raise TooManyRuns(
            "caisse",
            f"The caisse already has {of_caisse} simulation runs under way (at most "
            f"{MAX_ACTIVE_PER_CAISSE}); wait for one to finish, then start this one.",
        )
    if actor.user_id is not None and of_user >= MAX_ACTIVE_PER_USER:
        raise TooManyRuns(
            "user",
            f"You already have {of_user} simulation runs under way (at most {MAX_ACTIVE_PER_USER}); "
            "wait for one to finish, then start this one.",
        )
    if total >= MAX_ACTIVE_TOTAL:
        raise TooManyRuns(
            "server",
            f"The server is computing as many simulation runs as it can ({MAX_ACTIVE_TOTAL}); "
            "wait a few minutes, then start this one.",
        )


async def get_run(session: AsyncSession, caisse: Caisse, run_id: int) -> SimulationRun:
    """Run `run_id` of this caisse (NotFound otherwise), as the database has it now."""
    await jobs.mark_stale_runs(session, caisse.id)
    run = await session.scalar(
        select(SimulationRun)
        .where(SimulationRun.id == run_id, SimulationRun.caisse_id == caisse.id)
        .execution_options(populate_existing=True)
    )
    if run is None:
        raise NotFound(f"No simulation run {run_id} in caisse '{caisse.slug}'.")
    return run


async def list_runs(session: AsyncSession, caisse: Caisse, *, limit: int = 50) -> Sequence[SimulationRun]:
    """The caisse's most recent runs, newest first."""
    await jobs.mark_stale_runs(session, caisse.id)
    rows = await session.scalars(
        select(SimulationRun)
        .where(SimulationRun.caisse_id == caisse.id)
        .order_by(SimulationRun.created_at.desc(), SimulationRun.id.desc())
        .limit(limit)
        # A list shows where runs stand: their (large) request and result stay in the database.
        .options(defer(SimulationRun.request), defer(SimulationRun.result))
        .execution_options(populate_existing=True)
    )
    return rows.all()


async def compare_runs(
    session: AsyncSession, caisse: Caisse, run_ids: Sequence[int], actor: Actor
) -> SimulationRun:
    """Start a comparison of the caisse's finished forecasts `run_ids` (the first is the reference):
    their scenarios run again together on the first one's seed and paths, so that their differences
    are measured on the same futures. NotComparable names a run that is not a finished forecast of
    the caisse (a failed run, a comparison, another caisse's); the rest as :func:`start_run`."""
    runs = []
    for run_id in run_ids:
        run = await session.scalar(
            select(SimulationRun).where(SimulationRun.id == run_id, SimulationRun.caisse_id == caisse.id)
        )
        if run is None or run.kind is not RunKind.SIMULATE or run.status is not RunStatus.DONE:
            raise NotComparable(run_id, f"Run {run_id} is not a finished forecast of caisse '{caisse.slug}'.")
        runs.append(run)
    stored = [msgspec.json.decode(run.request) for run in runs]
    comparison = SimulationRequest(
        kind=RunKind.COMPARE, paths=int(stored[0]["paths"]), seed=int(stored[0]["seed"]),
        scenarios=[ScenarioInput(scenario=document["scenarios"][0]) for document in stored],
    )  # fmt: skip
    return await start_run(session, caisse, comparison, actor)
