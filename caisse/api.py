"""Every JSON route, under /api/v1. Each domain package contributes its controllers."""

from __future__ import annotations

from litestar import Router, get

from caisse.auth.routes import CONTROLLERS as AUTH_CONTROLLERS
from caisse.ballots.routes import CONTROLLERS as BALLOT_CONTROLLERS
from caisse.caisses.routes import CONTROLLERS as CAISSE_CONTROLLERS
from caisse.committee.routes import CONTROLLERS as COMMITTEE_CONTROLLERS
from caisse.cycle.routes import CONTROLLERS as CYCLE_CONTROLLERS
from caisse.http.deps import DEPENDENCIES
from caisse.http.openapi import document_errors
from caisse.ledger.routes import CONTROLLERS as LEDGER_CONTROLLERS
from caisse.members.routes import CONTROLLERS as MEMBER_CONTROLLERS
from caisse.money.routes import CONTROLLERS as MONEY_CONTROLLERS
from caisse.outlets.routes import CONTROLLERS as OUTLET_CONTROLLERS
from caisse.redemptions.routes import CONTROLLERS as REDEMPTION_CONTROLLERS
from caisse.reports.routes import CONTROLLERS as REPORT_CONTROLLERS
from caisse.simulations.routes import CONTROLLERS as SIMULATION_CONTROLLERS
from caisse.spending.routes import CONTROLLERS as SPENDING_CONTROLLERS


@get("/health", tags=["meta"], summary="Liveness check")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def api_router() -> Router:
    handlers: list[object] = [
        health, *AUTH_CONTROLLERS, *CAISSE_CONTROLLERS, *CYCLE_CONTROLLERS,
        *MEMBER_CONTROLLERS,
        *LEDGER_CONTROLLERS, *MONEY_CONTROLLERS, *REPORT_CONTROLLERS,
        *OUTLET_CONTROLLERS,
        *REDEMPTION_CONTROLLERS,
        *COMMITTEE_CONTROLLERS,
        *BALLOT_CONTROLLERS,
        *SPENDING_CONTROLLERS,
        *SIMULATION_CONTROLLERS,
    ]
    router = Router(path="/api/v1", route_handlers=handlers, dependencies=DEPENDENCIES)  # type: ignore[arg-type]
    return document_errors(router)
