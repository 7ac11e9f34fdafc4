"""HTTP routes of caisses: creating them (superuser), reading their settings, and adopting dated
rule sets (admin). The grid is not personal data: any role in the caisse may read it."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.params import JSONBody

from caisse.auth.guards import authenticated, requires, superuser
from caisse.auth.models import Role
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses import service
from caisse.caisses.schemas import (
    CaisseDetail,
    CaisseSettingsPatch,
    CaisseSummary,
    NewCaisseRequest,
    NewRuleSetRequest,
    RuleSetView,
)

ANY_ROLE = tuple(Role)


class CaisseController(Controller):
    path = "/caisses"
    tags = ("caisses",)

    @post("/", guards=[superuser], summary="Create a caisse with a preset's rules (superuser)")
    async def create(self, data: JSONBody[NewCaisseRequest], db_session: DbSession) -> CaisseDetail:
        caisse = await service.create_caisse_with_preset(
            db_session,
            slug=data.slug,
            name=data.name,
            first_month=data.first_month,
            preset=data.preset,
            territory=data.territory,
            credit_lifetime_months=data.credit_lifetime_months,
            credit_requires_payment=data.credit_requires_payment,
            member_code_prefix=data.member_code_prefix,
        )
        return CaisseDetail.of(caisse, await service.list_rule_sets(db_session, caisse.id))

    @get("/", guards=[authenticated], summary="The caisses the caller holds a role in")
    async def list_caisses(self, actor: Caller, db_session: DbSession) -> list[CaisseSummary]:
        return [CaisseSummary.of(c, actor) for c in await service.caisses_visible_to(db_session, actor)]

    @get("/{slug:str}", guards=[requires(*ANY_ROLE)], summary="A caisse, its settings and rule sets")
    async def detail(self, caisse: PathCaisse, db_session: DbSession) -> CaisseDetail:
        return CaisseDetail.of(caisse, await service.list_rule_sets(db_session, caisse.id))

    @patch("/{slug:str}", guards=[requires(Role.ADMIN)], summary="Change the caisse's settings (admin)")
    async def update_settings(
        self, data: JSONBody[CaisseSettingsPatch], caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> CaisseDetail:
        """Name, convention term, ballot defaults, refund window and the caisse's bank account."""
        updated = await service.update_settings(db_session, caisse, data.changes(), actor=actor)
        return CaisseDetail.of(updated, await service.list_rule_sets(db_session, caisse.id))


class RuleSetController(Controller):
    path = "/caisses/{slug:str}/rule-sets"
    tags = ("caisses",)

    @get("/", guards=[requires(*ANY_ROLE)], summary="The caisse's dated rule sets, oldest first")
    async def list_rule_sets(self, caisse: PathCaisse, db_session: DbSession) -> list[RuleSetView]:
        return [RuleSetView.of(row) for row in await service.list_rule_sets(db_session, caisse.id)]

    @post("/", guards=[requires(Role.ADMIN)], summary="Adopt rules from a month on (admin)")
    async def adopt(
        self, data: JSONBody[NewRuleSetRequest], caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> RuleSetView:
        """A preset's current rules or a full definition; months already closed keep their rules (409)."""
        row = await service.adopt(
            db_session,
            caisse,
            effective_from=data.effective_from,
            preset=data.preset,
            definition=data.definition,
            created_by_user_id=actor.user_id,
        )
        return RuleSetView.of(row)


CONTROLLERS = (CaisseController, RuleSetController)
