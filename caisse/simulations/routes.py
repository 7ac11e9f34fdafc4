"""HTTP routes of the simulations: start a budget forecast, a comparison or a solve as a background
job, follow its progress, read its result; the runs of a caisse.

Under `/api/v1/caisses/{slug}/simulations` like every resource of one caisse: the role guards read
the caisse from the path, and a run (and a population "from the caisse's members") belongs to it.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from caisse.auth.guards import STAFF, requires
from caisse.auth.models import Role
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.http.params import RowId
from caisse.simulations.limits import MAX_BODY_BYTES
from caisse.simulations.models import SimulationRun
from caisse.simulations.schemas import RunDetail, RunSummary, SimulationRequest
from caisse.simulations.service import get_run, list_runs, start_run

GUARD = requires(*STAFF, Role.OFFICIAL)
Limit = Annotated[int, QueryParameter(ge=1, le=200)]


def run_url(slug: str, run_id: int) -> str:
    return f"/api/v1/caisses/{slug}/simulations/{run_id}"


def _progress(run: SimulationRun) -> float:
    return round(run.paths_done / run.paths_total, 4) if run.paths_total else 0.0


def summary_of(run: SimulationRun, slug: str) -> RunSummary:
    return RunSummary(
        id=run.id, kind=run.kind, status=run.status, label=run.label, paths_done=run.paths_done,
        paths_total=run.paths_total, progress=_progress(run), created_at=run.created_at,
        started_at=run.started_at, finished_at=run.finished_at,
        requested_by_user_id=run.requested_by_user_id, error=run.error, url=run_url(slug, run.id),
    )  # fmt: skip


def detail_of(run: SimulationRun, slug: str) -> RunDetail:
    summary = summary_of(run, slug)
    result: dict[str, Any] | None = None if run.result is None else msgspec.json.decode(run.result)
    return RunDetail(
        **msgspec.structs.asdict(summary), request=msgspec.json.decode(run.request), result=result
    )


class SimulationController(Controller):
    path = "/caisses/{slug:str}/simulations"
    tags = ("simulations",)
    guards = (GUARD,)

    @post(
        "/",
        status_code=HTTP_202_ACCEPTED,
        # A scenario document is a few kilobytes; its lists are bounded in `prepare` too.
        request_max_body_size=MAX_BODY_BYTES,
        summary="Start a forecast, a comparison or a solve (a background job)",
        description=(
            "Answers 202 with the run (status `queued`) and its `url`: poll it until `status` is `done` "
            "(then "
            "`result` holds the JSON of `caisse simulate --json`, or `results` and `differences` for a "
            "comparison) or `failed` (`error` says why). 422 names the scenario, table and key at fault, or "
            "the limit exceeded (paths × months × household types × credit ages); 413 when the body is "
            "larger than 256 KiB; 429 when the caisse already has runs under way."
        ),
    )
    async def start(
        self, caisse: PathCaisse, actor: Caller, db_session: DbSession, data: JSONBody[SimulationRequest]
    ) -> Response[RunDetail]:
        run = await start_run(db_session, caisse, data, actor)
        return Response(detail_of(run, caisse.slug), headers={"Location": run_url(caisse.slug, run.id)})

    @get("/", summary="The caisse's runs, newest first (without their results)")
    async def runs(self, caisse: PathCaisse, db_session: DbSession, limit: Limit = 50) -> list[RunSummary]:
        return [summary_of(run, caisse.slug) for run in await list_runs(db_session, caisse, limit=limit)]

    @get("/{run_id:int}", summary="A run: status, progress (paths done of all), then its result")
    async def run(self, caisse: PathCaisse, db_session: DbSession, run_id: RowId) -> RunDetail:
        return detail_of(await get_run(db_session, caisse, run_id), caisse.slug)


CONTROLLERS = (SimulationController,)
