"""HTTP routes of the lottery (tirage au sort).

Staff and admins announce, run, cancel a draw and seat those selected, and may register
volunteers; a member volunteers their own household while registration is open. The public
routes (no login) show each draw's record: the seed's commitment from the announcement on, the
seed once drawn or cancelled, volunteers as pseudonym and stratum, and the result once drawn. See
docs/lottery.md.
"""

from __future__ import annotations

import json
from typing import Annotated, TypeAlias

from litestar import Controller, get, post
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from caisse.auth import audit
from caisse.auth import service as auth
from caisse.auth.guards import STAFF, requires
from caisse.auth.models import Role
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.committee import draws, volunteers
from caisse.committee.lottery_schemas import (
    CancelRequest,
    DrawDetail,
    DrawRequest,
    DrawSummary,
    SeatingView,
    SeatSelectedRequest,
    VolunteerRequest,
    VolunteerView,
)
from caisse.committee.public import PublicDraw, PublicDrawSummary, PublicVolunteer, record_of, summary_of
from caisse.db.base import utcnow
from caisse.errors import NotFound, PermissionDenied, ValidationFailed
from caisse.members.service import get_member

DrawRef: TypeAlias = Annotated[str, PathParameter(max_length=40, description="e.g. TIRAGE-2027-01")]
REF = "/{reference:str}"


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", [{"field": field, "message": message}])


class LotteryController(Controller):
    path = "/caisses/{slug:str}/lotteries"
    tags = ("committee",)

    @post(
        "/",
        summary="Announce a draw and publish the commitment to its seed",
        description="Reference TIRAGE-<year>-<nn>. The seed is drawn by the server and kept secret until the "
        "draw; its sha256 (seed_commitment) is public at once. 422 lists every bad field (dimensions, quotas "
        "that do not add up to seats, closes_at in the past).",
        status_code=HTTP_201_CREATED,
        guards=[requires(*STAFF)],
    )
    async def announce(
        self, data: JSONBody[DrawRequest], caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> PublicDraw:
        row = await draws.announce_draw(
            db_session, caisse, purpose=data.purpose, description=data.description, seats=data.seats,
            dimensions=data.dimensions, quotas=[(q.stratum, q.seats) for q in data.quotas],
            closes_at=data.closes_at, now=utcnow(), by_user_id=actor.user_id,
        )  # fmt: skip
        return record_of(row, [])

    @get("/", summary="The caisse's draws, newest first", guards=[requires(*STAFF)])
    async def list_draws(self, caisse: PathCaisse, db_session: DbSession) -> list[DrawSummary]:
        return [DrawSummary.of(d) for d in await draws.list_draws(db_session, caisse.id)]

    @get(REF, summary="A draw with who each volunteer is (audit-logged)", guards=[requires(*STAFF)])
    async def detail(
        self, reference: DrawRef, caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> DrawDetail:
        row = await draws.get_draw(db_session, caisse.id, reference)
        people = await draws.volunteers_of(db_session, row.id)
        await audit.record(
            db_session, actor=actor, caisse_id=caisse.id, action="lottery.read", subject_type="lottery_draw",
            subject_ids=[row.id], fields=["member_id", "user_id"],
        )  # fmt: skip
        return DrawDetail(record=record_of(row, people), volunteers=[VolunteerView.of(v) for v in people])

    @post(
        f"{REF}/volunteers",
        summary="Register a volunteer while registration is open",
        description="Staff name a household (member_code) or an account (user_email); a member volunteers "
        "their own household and names nobody. A household's income band is derived from its declared "
        "income. Answers the public pseudonym. 409 when closed or already registered.",
        status_code=HTTP_201_CREATED,
        guards=[requires(*STAFF, Role.MEMBER)],
    )
    async def volunteer(
        self,
        reference: DrawRef,
        data: JSONBody[VolunteerRequest],
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
    ) -> PublicVolunteer:
        member_id: int | None = None
        user_id: int | None = None
        if actor.has_role(caisse.slug, *STAFF):
            if (data.member_code is None) == (data.user_email is None):
                raise _invalid("member_code", "Name the volunteer by member_code or by user_email (one).")
            if data.member_code is not None:
                try:
                    member_id = (await get_member(db_session, caisse.id, data.member_code)).id
                except NotFound as exc:
                    raise _invalid("member_code", exc.detail) from None
            else:
                try:
                    user_id = (await auth.user_by_email(db_session, str(data.user_email))).id
                except NotFound as exc:
                    raise _invalid("user_email", exc.detail) from None
        else:
            if data.member_code is not None or data.user_email is not None:
                raise PermissionDenied(
                    "A member volunteers their own household: leave member_code/user_email out."
                )
            member_id = actor.member_id_in(caisse.slug)
            if member_id is None:
                raise PermissionDenied("Only a member linked to a household can volunteer.")
            user_id = actor.user_id
        row = await volunteers.register_volunteer(
            db_session, caisse, reference, stratum=data.stratum, member_id=member_id, user_id=user_id,
            now=utcnow(), by_user_id=actor.user_id,
        )  # fmt: skip
        return PublicVolunteer(pseudonym=row.pseudonym, stratum=json.loads(row.stratum))

    @post(f"{REF}/draw", summary="Run the draw (after registration closes); reveals the seed",
          status_code=HTTP_200_OK, guards=[requires(*STAFF)])  # fmt: skip
    async def run(self, reference: DrawRef, caisse: PathCaisse, db_session: DbSession) -> PublicDraw:
        row = await draws.run_draw(db_session, caisse, reference, now=utcnow())
        return record_of(row, await draws.volunteers_of(db_session, row.id))

    @post(f"{REF}/cancel", summary="Cancel a draw while registration is open; reveals the seed",
          status_code=HTTP_200_OK, guards=[requires(*STAFF)])  # fmt: skip
    async def cancel(
        self, reference: DrawRef, data: JSONBody[CancelRequest], caisse: PathCaisse, db_session: DbSession
    ) -> PublicDraw:
        row = await draws.cancel_draw(db_session, caisse, reference, reason=data.reason, now=utcnow())
        return record_of(row, await draws.volunteers_of(db_session, row.id))

    @post(
        f"{REF}/seat",
        summary="Seat the selected volunteers on the committee",
        description="One seat per selected volunteer with a user account (source lottery, source_ref the "
        "reference); lists those without an account and those skipped. Safe to run again.",
        status_code=HTTP_200_OK,
        guards=[requires(*STAFF)],
    )
    async def seat(
        self,
        reference: DrawRef,
        data: JSONBody[SeatSelectedRequest],
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
    ) -> SeatingView:
        report = await volunteers.seat_selected(
            db_session, caisse, reference, starts_on=data.starts_on, ends_on=data.ends_on, note=data.note,
            by_user_id=actor.user_id,
        )  # fmt: skip
        await audit.record(
            db_session, actor=actor, caisse_id=caisse.id, action="committee.seat", subject_type="user",
            subject_ids=[u for _, u, _ in report.seated], fields=["committee_membership"],
            note=report.reference,
        )  # fmt: skip
        return SeatingView.of(report)


class PublicLotteryController(Controller):
    path = "/public/caisses/{slug:str}/lotteries"
    tags = ("public",)

    @get("/", summary="The caisse's draws with their seed commitments, and seeds once revealed (no login)")
    async def list_public(self, caisse: PathCaisse, db_session: DbSession) -> list[PublicDrawSummary]:
        counts = await draws.volunteer_counts(db_session, caisse.id)
        return [summary_of(d, counts.get(d.id, 0)) for d in await draws.list_draws(db_session, caisse.id)]

    @get(REF, summary="A draw's public record, to re-run it (no login)")
    async def record(self, reference: DrawRef, caisse: PathCaisse, db_session: DbSession) -> PublicDraw:
        """Volunteers as pseudonym and stratum only; `caisse committee lottery verify` re-runs it."""
        row = await draws.get_draw(db_session, caisse.id, reference)
        return record_of(row, await draws.volunteers_of(db_session, row.id))
