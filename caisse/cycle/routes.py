"""HTTP routes of the monthly cycle: close a month (staff), list closed months (staff, officials).

Totals only: no personal data crosses these routes, so officials may read them.
"""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from caisse.auth.guards import STAFF, requires
from caisse.auth.models import Role
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.cycle.close import close_month
from caisse.cycle.schemas import CloseRequest, CloseResult, CycleStatus
from caisse.cycle.status import cycle_status
from caisse.http.openapi import replayed


class CycleController(Controller):
    path = "/caisses/{slug:str}/cycle"
    tags = ("cycle",)

    @post(
        "/close",
        guards=[requires(*STAFF)],
        summary="Close a month: contributions due, expiries, allocations (idempotent)",
        status_code=HTTP_201_CREATED,
        responses=replayed(CloseResult, "Closed before (`already_closed: true`): nothing posted."),
    )
    async def close(
        self, data: JSONBody[CloseRequest], caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> Response[CloseResult]:
        """201 with the month's totals; 200 with `already_closed: true` when it was closed before.
        A month out of order is a 409 naming the month to close first."""
        result = await close_month(db_session, caisse, data.month, actor=actor)
        return Response(result, status_code=HTTP_200_OK if result.already_closed else HTTP_201_CREATED)

    @get("/periods", guards=[requires(*STAFF, Role.OFFICIAL)], summary="Closed months and the next to close")
    async def periods(self, caisse: PathCaisse, db_session: DbSession) -> CycleStatus:
        return await cycle_status(db_session, caisse)


CONTROLLERS = (CycleController,)
