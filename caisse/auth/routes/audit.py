"""The caisse's audit log of personal data: who read or changed what, newest first (admin)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from caisse.auth import audit
from caisse.auth.guards import requires
from caisse.auth.models import Role
from caisse.auth.routes.markers import DbSession, PathCaisse
from caisse.auth.schemas import AuditEventView
from caisse.http.params import Limit, Offset
from caisse.pagination import Page, check_window


class AuditController(Controller):
    path = "/caisses/{slug:str}/audit"
    tags = ("identity",)
    guards = (requires(Role.ADMIN),)

    @get("/", summary="The audit log, newest first (admin)")
    async def list_events(
        self,
        caisse: PathCaisse,
        db_session: DbSession,
        subject_type: Annotated[str | None, QueryParameter(max_length=40)] = None,
        subject_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[AuditEventView]:
        check_window(limit, offset)
        events, total = await audit.list_events(
            db_session, caisse_id=caisse.id, subject_type=subject_type, subject_id=subject_id,
            limit=limit, offset=offset,
        )
        return Page(items=[AuditEventView.of(e) for e in events], total=total, limit=limit, offset=offset)
