"""HTTP routes of outlets and their conventioning, under /api/v1/caisses/{slug}/...

Roles: staff, admins and the committee enter outlets, a member may propose one (status
applicant); the committee decides by ballot (caisse.ballots), an admin records a decision taken in
a committee meeting (caisse.outlets.meeting), the committee or an admin puts an application under
review; the committee records assessments and, with admins, sets the criteria;
an outlet user sees and edits (contact, products, bank details) its own record only. The public
list of conventioned outlets needs no login and carries no personal data.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, TypeAlias

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.auth.guards import requires
from caisse.auth.models import Role
from caisse.caisses.models import Caisse
from caisse.errors import PermissionDenied, ValidationFailed
from caisse.http.params import Limit, Offset, RowId
from caisse.outlets import conventioning, fields, meeting, service
from caisse.outlets import grid as grids
from caisse.outlets.models import OutletKind, OutletStatus
from caisse.outlets.schemas import (
    AssessmentRequest,
    AssessmentView,
    ConventionView,
    CriterionPatch,
    CriterionRequest,
    CriterionView,
    DecisionRequest,
    DecisionView,
    GridView,
    OutletDetail,
    OutletPatch,
    OutletRequest,
    OutletSummary,
    PublicOutlet,
    RenewalView,
    StatusChangeView,
)
from caisse.pagination import Page
from caisse.periods import caisse_today

DbSession: TypeAlias = NamedDependency[AsyncSession]
ThisCaisse: TypeAlias = NamedDependency[Caisse]
Caller: TypeAlias = NamedDependency[Actor]
OptionalDay: TypeAlias = Annotated[date | None, QueryParameter(description="Default: today.")]

ENTERING = (Role.ADMIN, Role.STAFF, Role.COMMITTEE)
READING = (Role.ADMIN, Role.STAFF, Role.COMMITTEE)
DECIDING = (Role.ADMIN, Role.COMMITTEE)
CONTACT_FIELDS = ["contact_email", "contact_phone", "iban"]


def _own_outlet_only(actor: Actor, slug: str, outlet_id: int, *privileged: Role) -> bool:
    """True when the caller acts as the outlet itself; 403 for another outlet's record."""
    if actor.has_role(slug, *privileged):
        return False
    if actor.outlet_id_in(slug) != outlet_id:
        raise PermissionDenied("An outlet account can only see and change its own record.")
    return True


class OutletController(Controller):
    path = "/caisses/{slug:str}/outlets"
    tags = ("outlets",)

    @post(
        "/",
        summary="Enter an outlet (staff, committee) or propose one (member)",
        description="Status applicant. A member's proposal records the household as proposer and carries no "
        "bank or legal details. 422 names the bad field (kind, distance_km, iban, siret, bic, …).",
        status_code=HTTP_201_CREATED,
        guards=[requires(*ENTERING, Role.MEMBER)],
    )
    async def create(
        self,
        data: JSONBody[OutletRequest],
        caisse: ThisCaisse,
        actor: Caller,
        db_session: DbSession,
    ) -> OutletDetail:
        values = data.values()
        proposer: int | None = None
        if not actor.has_role(caisse.slug, *ENTERING):
            proposer = actor.member_id_in(caisse.slug)
            if proposer is None:
                raise PermissionDenied("Only a member linked to a household can propose an outlet.")
            extra = sorted(k for k, v in values.items() if k not in fields.PROPOSAL_FIELDS and v is not None)
            if extra:
                raise ValidationFailed(
                    f"{extra[0]}: a member's proposal does not carry bank or legal details."
                )
            values = {k: v for k, v in values.items() if k in fields.PROPOSAL_FIELDS}
        outlet = await service.create_outlet(
            db_session, caisse, values=values, today=caisse_today(), by_user_id=actor.user_id,
            proposed_by_member_id=proposer,
        )  # fmt: skip
        await audit.record(
            db_session, actor=actor, caisse_id=caisse.id, action="outlet.create", subject_type="outlet",
            subject_ids=[outlet.id], fields=[k for k, v in values.items() if v is not None],
        )  # fmt: skip
        return OutletDetail.of(outlet, [], full_iban=False)

    @get("/", summary="Outlets, by name, with filters", guards=[requires(*READING, Role.OFFICIAL)])
    async def list_outlets(
        self,
        caisse: ThisCaisse,
        db_session: DbSession,
        kind: Annotated[OutletKind | None, QueryParameter()] = None,
        status: Annotated[OutletStatus | None, QueryParameter()] = None,
        commune: Annotated[str | None, QueryParameter(max_length=120)] = None,
        product: Annotated[str | None, QueryParameter(max_length=40)] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[OutletSummary]:
        """No contact details in the list; bank details masked."""
        filters = service.OutletFilter(kind=kind, commune=commune, status=status, product=product)
        rows, total = await service.list_outlets(db_session, caisse.id, filters, limit=limit, offset=offset)
        return Page(items=[OutletSummary.of(o) for o in rows], total=total, limit=limit, offset=offset)

    @get(
        "/{outlet_id:int}",
        summary="One outlet, with its conventions",
        guards=[requires(*READING, Role.OUTLET)],
    )
    async def detail(
        self, outlet_id: RowId, caisse: ThisCaisse, actor: Caller, db_session: DbSession
    ) -> OutletDetail:
        """Staff and committee see the contact and a masked IBAN; the outlet itself sees its full record."""
        own = _own_outlet_only(actor, caisse.slug, outlet_id, *READING)
        outlet = await service.get_outlet(db_session, caisse.id, outlet_id)
        conventions = await conventioning.conventions_of(db_session, outlet.id)
        await audit.record(
            db_session, actor=actor, caisse_id=caisse.id, action="outlet.read", subject_type="outlet",
            subject_ids=[outlet.id], fields=CONTACT_FIELDS,
        )  # fmt: skip
        return OutletDetail.of(outlet, conventions, full_iban=own)

    @patch(
        "/{outlet_id:int}",
        summary="Change an outlet's details",
        description="Staff and admins change any detail; the outlet itself its contact, products "
        "and bank details.",
        guards=[requires(Role.ADMIN, Role.STAFF, Role.OUTLET)],
    )
    async def update(
        self,
        outlet_id: RowId,
        data: JSONBody[OutletPatch],
        caisse: ThisCaisse,
        actor: Caller,
        db_session: DbSession,
    ) -> OutletDetail:
        own = _own_outlet_only(actor, caisse.slug, outlet_id, Role.ADMIN, Role.STAFF)
        values = data.values()
        outlet = await service.update_outlet(
            db_session, caisse.id, outlet_id, values, only=fields.OUTLET_EDITABLE if own else None
        )
        await audit.record(
            db_session, actor=actor, caisse_id=caisse.id, action="outlet.update", subject_type="outlet",
            subject_ids=[outlet.id], fields=sorted(values),
        )  # fmt: skip
        return OutletDetail.of(
            outlet, await conventioning.conventions_of(db_session, outlet.id), full_iban=own
        )

    @post(
        "/{outlet_id:int}/decisions",
        summary="Record a decision taken in a committee meeting (admin), or put an application under review",
        description="The committee decides by ballot (POST .../ballots). An admin records here a decision "
        "the committee took in a meeting, naming its minutes in decision_ref: convene / renew (a convention "
        "from effective_on for `months`, default: the term), suspend / end (no payment from effective_on), "
        "reject. The committee or an admin puts an application under review (review). effective_on at most "
        "60 days ahead. 409 while a ballot on the outlet is open, or naming the decisions allowed now; 403 "
        "to an admin with a declared link to the outlet.",
        status_code=HTTP_201_CREATED,
        guards=[requires(*DECIDING)],
    )
    async def decide(
        self,
        outlet_id: RowId,
        data: JSONBody[DecisionRequest],
        caisse: ThisCaisse,
        actor: Caller,
        db_session: DbSession,
    ) -> DecisionView:
        if data.decision not in meeting.PROCEDURAL and not actor.has_role(caisse.slug, Role.ADMIN):
            raise PermissionDenied(
                "The committee decides on outlets by ballot (POST .../ballots); only an admin records here "
                "a decision taken in a committee meeting."
            )
        done = await meeting.record_meeting_decision(
            db_session, caisse, outlet_id, decision=data.decision, effective_on=data.effective_on,
            reason=data.reason, decision_ref=data.decision_ref, months=data.months,
            by_user_id=actor.user_id, today=caisse_today(),
        )  # fmt: skip
        return DecisionView(
            change=StatusChangeView.of(done.change),
            convention=ConventionView.of(done.convention) if done.convention else None,
        )

    @get("/{outlet_id:int}/history", summary="Every status change, oldest first", guards=[requires(*READING)])
    async def history(
        self, outlet_id: RowId, caisse: ThisCaisse, db_session: DbSession
    ) -> list[StatusChangeView]:
        return [
            StatusChangeView.of(c)
            for c in await conventioning.outlet_history(db_session, caisse.id, outlet_id)
        ]

    @post(
        "/{outlet_id:int}/assessments",
        summary="Record a committee member's assessment of one criterion",
        description="value: true/false (yes/no), 1–5 (scale) or a number (threshold). A later assessment by "
        "the same person replaces their earlier one in the grid.",
        status_code=HTTP_201_CREATED,
        guards=[requires(Role.COMMITTEE)],
    )
    async def assess(
        self,
        outlet_id: RowId,
        data: JSONBody[AssessmentRequest],
        caisse: ThisCaisse,
        actor: Caller,
        db_session: DbSession,
    ) -> AssessmentView:
        row = await grids.record_assessment(
            db_session, caisse.id, outlet_id, data.criterion_id, value=data.value, evidence=data.evidence,
            evidence_url=data.evidence_url, by_user_id=actor.user_id,
        )  # fmt: skip
        return AssessmentView(id=row.id, criterion_id=row.criterion_id, at=row.at)

    @get(
        "/{outlet_id:int}/grid", summary="The outlet's criteria grid, filled in", guards=[requires(*READING)]
    )
    async def grid(self, outlet_id: RowId, caisse: ThisCaisse, db_session: DbSession) -> GridView:
        return GridView.of(outlet_id, await grids.outlet_grid(db_session, caisse.id, outlet_id))


class ConventionController(Controller):
    path = "/caisses/{slug:str}/conventions"
    tags = ("outlets",)
    guards = (requires(*READING),)

    @get("/due-for-renewal", summary="Active conventions ending within 60 days")
    async def due(
        self, caisse: ThisCaisse, db_session: DbSession, on: OptionalDay = None
    ) -> list[RenewalView]:
        found = await conventioning.conventions_due_for_renewal(db_session, caisse, on or caisse_today())
        return [
            RenewalView(outlet_id=o.id, outlet_name=o.name, convention=ConventionView.of(c)) for c, o in found
        ]


class CriteriaController(Controller):
    path = "/caisses/{slug:str}/criteria"
    tags = ("outlets",)
    guards = (requires(*DECIDING),)

    @get("/", summary="The caisse's criteria grid")
    async def list_criteria(self, caisse: ThisCaisse, db_session: DbSession) -> list[CriterionView]:
        return [CriterionView.of(c) for c in await grids.list_criteria(db_session, caisse.id)]

    @post("/", summary="Add a criterion", status_code=HTTP_201_CREATED)
    async def create(
        self, data: JSONBody[CriterionRequest], caisse: ThisCaisse, db_session: DbSession
    ) -> CriterionView:
        return CriterionView.of(await grids.create_criterion(db_session, caisse.id, data.values()))

    @post(
        "/defaults",
        summary="Add the default criteria (from real caisses) not there yet",
        status_code=HTTP_201_CREATED,
    )
    async def defaults(self, caisse: ThisCaisse, db_session: DbSession) -> list[CriterionView]:
        return [CriterionView.of(c) for c in await grids.install_default_grid(db_session, caisse.id)]

    @patch("/{criterion_id:int}", summary="Change a criterion")
    async def update(
        self, criterion_id: RowId, data: JSONBody[CriterionPatch], caisse: ThisCaisse, db_session: DbSession
    ) -> CriterionView:
        return CriterionView.of(
            await grids.update_criterion(db_session, caisse.id, criterion_id, data.values())
        )


class PublicOutletController(Controller):
    path = "/public/caisses/{slug:str}/outlets"
    tags = ("public",)

    @get("/", summary="Conventioned outlets today, with their criteria results (no login)")
    async def list_public(self, caisse: ThisCaisse, db_session: DbSession) -> list[PublicOutlet]:
        """No contact, bank details or assessor identities."""
        rows = await service.public_outlets(db_session, caisse.id, caisse_today())
        return [PublicOutlet.of(outlet, convention, grid) for outlet, convention, grid in rows]


CONTROLLERS = [OutletController, ConventionController, CriteriaController, PublicOutletController]
