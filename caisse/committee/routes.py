"""HTTP routes of the committee, under /api/v1/caisses/{slug}/committee/...

A seat on the committee is a public office: every role in the caisse sees who sits and their
terms; only staff and admins see e-mails (audit-logged). Staff and admins seat and unseat.
Declared links are seen by staff, admins and the committee; a committee member declares and
withdraws their own, staff record them for anyone on the committee.
The lottery's routes are in lottery_routes.py.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, TypeAlias

from litestar import Controller, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.auth.guards import STAFF, requires
from caisse.auth.models import Role
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.committee import links, membership
from caisse.committee.lottery_routes import LotteryController, PublicLotteryController
from caisse.committee.schemas import (
    EndSeatRequest,
    LinkRequest,
    LinkView,
    SeatRequest,
    SeatView,
    WithdrawLinkRequest,
)
from caisse.errors import PermissionDenied
from caisse.http.params import OptionalQueryId, RowId
from caisse.periods import caisse_today

Day: TypeAlias = Annotated[date | None, QueryParameter(description="Default: today (in France).")]
EVERY_ROLE = tuple(Role)
LINK_READERS = (Role.ADMIN, Role.STAFF, Role.COMMITTEE)


async def _seat_views(
    db_session: DbSession, actor: Actor, caisse: Caisse, seats: list[membership.Seat]
) -> list[SeatView]:
    with_email = actor.has_role(caisse.slug, *STAFF)
    if with_email and seats:
        await audit.record(
            db_session, actor=actor, caisse_id=caisse.id, action="committee.read", subject_type="user",
            subject_ids=sorted({s.membership.user_id for s in seats}), fields=["email"],
        )  # fmt: skip
    with_notes = actor.has_role(caisse.slug, *LINK_READERS)
    return [SeatView.of(s, with_email=with_email, with_notes=with_notes) for s in seats]


class CommitteeSeatController(Controller):
    path = "/caisses/{slug:str}/committee/members"
    tags = ("committee",)

    @get("/", summary="Who sits on the committee on a day", guards=[requires(*EVERY_ROLE)])
    async def sitting(
        self, caisse: PathCaisse, actor: Caller, db_session: DbSession, on: Day = None
    ) -> list[SeatView]:
        seats = await membership.sitting(db_session, caisse.id, on or caisse_today())
        return await _seat_views(db_session, actor, caisse, seats)

    @get("/history", summary="Every term, oldest first", guards=[requires(*EVERY_ROLE)])
    async def history(
        self, caisse: PathCaisse, actor: Caller, db_session: DbSession, user_id: OptionalQueryId = None
    ) -> list[SeatView]:
        seats = await membership.history(db_session, caisse.id, user_id)
        return await _seat_views(db_session, actor, caisse, seats)

    @get("/ending", summary="Seats whose term ends within 60 days", guards=[requires(*EVERY_ROLE)])
    async def ending(
        self, caisse: PathCaisse, actor: Caller, db_session: DbSession, on: Day = None
    ) -> list[SeatView]:
        seats = await membership.ending_soon(db_session, caisse.id, on or caisse_today())
        return await _seat_views(db_session, actor, caisse, seats)

    @post(
        "/",
        summary="Seat a person on the committee for a term",
        description="Grants the committee role in the caisse if the person lacks it. 409 when another term "
        "of the person overlaps; 422 names the bad field (dates, source, user).",
        status_code=HTTP_201_CREATED,
        guards=[requires(*STAFF)],
    )
    async def seat(
        self, data: JSONBody[SeatRequest], caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> SeatView:
        user = await membership.find_user(db_session, user_id=data.user_id, user_email=data.user_email)
        seat = await membership.seat_member(
            db_session, caisse, user_id=user.id, starts_on=data.starts_on, ends_on=data.ends_on,
            source=data.source, source_ref=data.source_ref, note=data.note, by_user_id=actor.user_id,
        )  # fmt: skip
        await audit.record(
            db_session, actor=actor, caisse_id=caisse.id, action="committee.seat", subject_type="user",
            subject_ids=[user.id], fields=["committee_membership"],
        )  # fmt: skip
        return SeatView.of(
            membership.Seat(seat, user.display_name, user.email), with_email=True, with_notes=True
        )

    @post(
        "/{membership_id:int}/end",
        summary="End a seat early",
        description="The member sits until the day before `left_on`. 409 when already ended.",
        status_code=HTTP_200_OK,
        guards=[requires(*STAFF)],
    )
    async def end(
        self,
        membership_id: RowId,
        data: JSONBody[EndSeatRequest],
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
    ) -> SeatView:
        seat = await membership.end_seat(
            db_session,
            caisse,
            membership_id,
            left_on=data.left_on,
            reason=data.reason,
            by_user_id=actor.user_id,
        )
        await audit.record(
            db_session, actor=actor, caisse_id=caisse.id, action="committee.end", subject_type="user",
            subject_ids=[seat.user_id], fields=["left_on", "left_reason"],
        )  # fmt: skip
        found = await membership.history(db_session, caisse.id, seat.user_id)
        shown = next(s for s in found if s.membership.id == seat.id)
        return SeatView.of(shown, with_email=True, with_notes=True)


class DeclaredLinkController(Controller):
    path = "/caisses/{slug:str}/committee/links"
    tags = ("committee",)
    guards = (requires(*LINK_READERS),)

    @get("/", summary="Declared links, by outlet then person")
    async def list_links(
        self,
        caisse: PathCaisse,
        db_session: DbSession,
        outlet_id: OptionalQueryId = None,
        user_id: OptionalQueryId = None,
        on: Annotated[date | None, QueryParameter(description="Only links standing on this day.")] = None,
    ) -> list[LinkView]:
        rows = await links.list_links(
            db_session, caisse.id, outlet_id=outlet_id, user_id=user_id, standing_on=on
        )
        return [LinkView.of(r) for r in rows]

    @post(
        "/",
        summary="Declare a link to an outlet (conflict of interest)",
        description="A committee member declares their own; staff record one for a member of the committee "
        "(user_id or user_email). The link recuses its holder from the outlet's ballots from `declared_on` "
        "(default today). 409 when the same link already stands.",
        status_code=HTTP_201_CREATED,
    )
    async def declare(
        self, data: JSONBody[LinkRequest], caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> LinkView:
        user_id = actor.user_id
        if data.user_id is not None or data.user_email is not None:
            if not actor.has_role(caisse.slug, *STAFF):
                raise PermissionDenied(
                    "A committee member declares their own links: leave user_id/user_email out."
                )
            user_id = (
                await membership.find_user(db_session, user_id=data.user_id, user_email=data.user_email)
            ).id
        today = caisse_today()
        link = await links.declare_link(
            db_session, caisse, user_id=user_id, outlet_id=data.outlet_id, nature=data.nature,
            description=data.description, declared_on=data.declared_on or today, today=today,
            by_user_id=actor.user_id,
        )  # fmt: skip
        rows = await links.list_links(db_session, caisse.id, user_id=user_id, outlet_id=link.outlet_id)
        return LinkView.of(next(r for r in rows if r.link.id == link.id))

    @post(
        "/{link_id:int}/withdraw",
        summary="Withdraw a declared link",
        description="No recusal from `withdrawn_on` (default today). A member withdraws their own links, "
        "from today on; staff any link, also from a past day.",
        status_code=HTTP_200_OK,
    )
    async def withdraw(
        self,
        link_id: RowId,
        data: JSONBody[WithdrawLinkRequest],
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
    ) -> LinkView:
        today = caisse_today()
        own = None if actor.has_role(caisse.slug, *STAFF) else actor.user_id
        link = await links.withdraw_link(
            db_session, caisse, link_id, withdrawn_on=data.withdrawn_on or today, today=today, own_user_id=own
        )
        rows = await links.list_links(db_session, caisse.id, user_id=link.user_id, outlet_id=link.outlet_id)
        return LinkView.of(next(r for r in rows if r.link.id == link.id))


CONTROLLERS = [CommitteeSeatController, DeclaredLinkController, LotteryController, PublicLotteryController]
