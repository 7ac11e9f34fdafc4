"""Roles in a caisse, managed by its admins (only a superuser grants or withdraws `admin`)."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.params import JSONBody

from caisse.auth import service
from caisse.auth.guards import requires
from caisse.auth.models import Role
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.auth.schemas import GrantView, NewGrantRequest
from caisse.http.params import RowId


class GrantController(Controller):
    path = "/caisses/{slug:str}/grants"
    tags = ("identity",)
    guards = (requires(Role.ADMIN),)

    @get("/", summary="Who holds which role in the caisse (admin)")
    async def list_grants(self, caisse: PathCaisse, db_session: DbSession) -> list[GrantView]:
        return [GrantView.of(grant, user) for grant, user in await service.list_grants(db_session, caisse.id)]

    @post("/", summary="Grant a role in the caisse (admin; admin role: superuser)")
    async def create(
        self, data: JSONBody[NewGrantRequest], caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> GrantView:
        grant, user = await service.add_grant(
            db_session, actor, caisse_id=caisse.id, user_email=data.user_email, role=data.role,
            member_id=data.member_id, outlet_id=data.outlet_id,
        )
        return GrantView.of(grant, user)

    @delete("/{grant_id:int}", summary="Withdraw a role (admin; admin role: superuser)")
    async def remove(
        self,
        grant_id: RowId,
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
    ) -> None:
        await service.remove_grant(db_session, actor, caisse_id=caisse.id, grant_id=grant_id)
