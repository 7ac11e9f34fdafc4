"""HTTP routes of committee ballots, under /api/v1/caisses/{slug}/ballots, and the public decision
log and receipt check under /api/v1/public/caisses/{slug}/...

Roles: staff, admins and the committee open and close ballots; staff and admins cancel them;
the committee, staff, admins and officials read them (participation only until the close) and
ask whether they may vote; only people on a ballot's roll vote. Member and outlet accounts get
403 on these routes.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from caisse.auth.guards import STAFF, authenticated, requires
from caisse.auth.models import Role
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.ballots import queries
from caisse.ballots.closing import cancel_ballot, close_ballot
from caisse.ballots.create import create_ballot
from caisse.ballots.models import Ballot
from caisse.ballots.schemas import (
    BallotRequest,
    BallotView,
    CancelRequest,
    DecisionEntry,
    MyParticipationView,
    ReceiptCheck,
    VoteReceipt,
    VoteRequest,
)
from caisse.ballots.voting import cast_vote, my_participation, receipt_counted
from caisse.db.base import utcnow
from caisse.http.params import Limit, Offset, RowId
from caisse.pagination import Page

OPENING = (Role.ADMIN, Role.STAFF, Role.COMMITTEE)
READING = (Role.ADMIN, Role.STAFF, Role.COMMITTEE, Role.OFFICIAL)
ReceiptCode = Annotated[str, PathParameter(min_length=1, max_length=100)]
# `state` is a reserved parameter name in Litestar: the query key is read into `in_state`.
InState = Annotated[
    str | None, QueryParameter(name="state", max_length=20, description=", ".join(queries.STATES))
]


async def _view(db_session: DbSession, ballot: Ballot) -> BallotView:
    names = await queries.outlet_names(db_session, [ballot])
    seen = await queries.participation(db_session, ballot.id)
    return BallotView.of(ballot, names.get(ballot.outlet_id or 0), seen, utcnow())


class BallotController(Controller):
    path = "/caisses/{slug:str}/ballots"
    tags = ("ballots",)

    @post(
        "/",
        summary="Open a committee ballot",
        description="kind convene / renew / suspend / end (with outlet_id) or motion (optionally with a "
        "rule_set to adopt). The roll is the committee sitting on the opening day; members with a link to "
        "the outlet are recused. A quorum, rule or voting time below the caisse's own is refused (422) "
        "unless the caller is the caisse's administrator. 409 names the decisions the outlet's status "
        "allows.",
        status_code=HTTP_201_CREATED,
        guards=[requires(*OPENING)],
    )
    async def create(
        self, data: JSONBody[BallotRequest], caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> BallotView:
        ballot = await create_ballot(
            db_session, caisse, data.to_input(), now=utcnow(), by_user_id=actor.user_id,
            may_relax_rules=actor.has_role(caisse.slug, Role.ADMIN),
        )  # fmt: skip
        return await _view(db_session, ballot)

    @get("/", summary="Ballots, latest opening first", guards=[requires(*READING)])
    async def list_ballots(
        self,
        caisse: PathCaisse,
        db_session: DbSession,
        in_state: InState = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[BallotView]:
        now = utcnow()
        rows, total = await queries.list_ballots(
            db_session, caisse.id, now=now, state=in_state, limit=limit, offset=offset
        )
        names = await queries.outlet_names(db_session, rows)
        seen = await queries.participations(db_session, [b.id for b in rows])
        items = [BallotView.of(b, names.get(b.outlet_id or 0), seen[b.id], now) for b in rows]
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get(
        "/{ballot_id:int}",
        summary="One ballot: participation while open, the result once closed",
        guards=[requires(*READING)],
    )
    async def detail(self, ballot_id: RowId, caisse: PathCaisse, db_session: DbSession) -> BallotView:
        return await _view(db_session, await queries.get_ballot(db_session, caisse.id, ballot_id))

    @post(
        "/{ballot_id:int}/votes",
        summary="Vote (secret): for, against or abstain",
        description="Only people on the ballot's roll, not recused, while it is open; once. The answer "
        "carries a receipt code, shown only this once, to check after the close that the vote was counted.",
        status_code=HTTP_201_CREATED,
        guards=[authenticated],
    )
    async def vote(
        self,
        ballot_id: RowId,
        data: JSONBody[VoteRequest],
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
    ) -> VoteReceipt:
        code = await cast_vote(
            db_session, caisse, ballot_id, user_id=actor.user_id, choice=data.choice, now=utcnow()
        )
        return VoteReceipt(
            ballot_id=ballot_id,
            receipt_code=code,
            check_at=f"/api/v1/public/caisses/{caisse.slug}/ballots/{ballot_id}/receipts/{{receipt_code}}",
        )

    @get(
        "/{ballot_id:int}/me",
        summary="Am I on the roll, have I voted, may I vote now?",
        guards=[requires(*READING)],
    )
    async def mine(
        self, ballot_id: RowId, caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> MyParticipationView:
        found = await my_participation(db_session, caisse, ballot_id, user_id=actor.user_id, now=utcnow())
        return MyParticipationView.of(ballot_id, found)

    @post(
        "/{ballot_id:int}/close",
        summary="Close a ballot and apply its result",
        description="After its closing time, or earlier once every eligible voter has voted. The outcome "
        "binds: a passed outlet ballot records the decision from today. 409 when still open or closed.",
        status_code=HTTP_200_OK,
        guards=[requires(*OPENING)],
    )
    async def close(
        self, ballot_id: RowId, caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> BallotView:
        ballot = await close_ballot(db_session, caisse, ballot_id, now=utcnow(), by_user_id=actor.user_id)
        return await _view(db_session, ballot)

    @post(
        "/{ballot_id:int}/cancel",
        summary="Cancel a ballot before its voting time ends (staff)",
        status_code=HTTP_200_OK,
        guards=[requires(*STAFF)],
    )
    async def cancel(
        self,
        ballot_id: RowId,
        data: JSONBody[CancelRequest],
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
    ) -> BallotView:
        ballot = await cancel_ballot(
            db_session, caisse, ballot_id, reason=data.reason, now=utcnow(), by_user_id=actor.user_id
        )
        return await _view(db_session, ballot)


class PublicBallotController(Controller):
    path = "/public/caisses/{slug:str}"
    tags = ("public",)

    @get("/decisions", summary="The decision log: closed ballots, newest first (no login)")
    async def decisions(
        self, caisse: PathCaisse, db_session: DbSession, limit: Limit = 50, offset: Offset = 0
    ) -> Page[DecisionEntry]:
        """Title, outlet, dates, counts, quorum and outcome of each ballot: no voter, no person."""
        rows, total = await queries.decision_log(db_session, caisse.id, limit=limit, offset=offset)
        names = await queries.outlet_names(db_session, rows)
        items = [DecisionEntry.of(b, names.get(b.outlet_id or 0)) for b in rows]
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get(
        "/ballots/{ballot_id:int}/receipts/{code:str}",
        summary="Was this receipt counted? (no login, once the ballot is closed)",
    )
    async def receipt(
        self, ballot_id: RowId, code: ReceiptCode, caisse: PathCaisse, db_session: DbSession
    ) -> ReceiptCheck:
        counted = await receipt_counted(db_session, caisse, ballot_id, code)
        ballot = await queries.get_ballot(db_session, caisse.id, ballot_id)
        outcome = ballot.outcome.value if ballot.outcome else ""
        return ReceiptCheck(ballot_id=ballot_id, counted=counted, outcome=outcome)


CONTROLLERS = [BallotController, PublicBallotController]
