"""The committee's ballots: the list (open, to publish, upcoming, recently closed), one ballot with
the vote form, the receipt after voting, the close that applies the result, and the receipt check.

The vote is secret (see docs/ballots.md): the page that answers a vote shows the receipt code once,
and nothing here stores or logs the choice. Reloading that page sends the vote again, which the
service refuses (one person, one vote) and the page says so. What the voter may do is asked of
the service (`my_participation`), never worked out here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.ballots import queries
from caisse.ballots.closing import close_ballot
from caisse.ballots.models import Ballot, BallotVoter
from caisse.ballots.rules import Choice
from caisse.ballots.schemas import BallotView
from caisse.ballots.voting import MyParticipation, cast_vote, my_participation, receipt_counted
from caisse.caisses.models import Caisse
from caisse.db.base import utcnow
from caisse.errors import Conflict, PermissionDenied
from caisse.http.params import RowId
from web.formatting import Formatter
from web.pages.committee.common import GUARD, committee_url
from web.render import formatter, page, translator

# A receipt code is 24 URL-safe characters; anything far longer is not one.
RECEIPT_MAX = 100
Flag = Annotated[str | None, QueryParameter(max_length=10)]
LISTED = 50


class VoteForm(msgspec.Struct):
    choice: str = ""


class ReceiptForm(msgspec.Struct):
    recu: str = ""


async def _view(db: AsyncSession, ballot: Ballot, now: datetime) -> BallotView:
    names = await queries.outlet_names(db, [ballot])
    seen = await queries.participation(db, ballot.id)
    return BallotView.of(ballot, names.get(ballot.outlet_id or 0), seen, now)


def _why_not(ballot: BallotView, mine: MyParticipation, _: Callable[[str], str], fmt: Formatter) -> str:
    """Why this person cannot vote now, in the page's language ("" when they can)."""
    if mine.can_vote_now:
        return ""
    if not mine.on_roll:
        return _("You are not on this ballot's roll: only committee members sitting on its opening day vote.")
    if mine.recused:
        return _(
            "You are recused from this ballot: you declared a link to its outlet, so you cannot vote on it."
        )
    if ballot.state == "cancelled":
        return _("This ballot was cancelled: there is nothing to vote on.")
    if mine.has_voted:
        return _("You have voted on this ballot. One person, one vote: a vote cannot be changed.")
    if ballot.state == "upcoming":
        return _("Voting opens on %(when)s.") % {"when": fmt.datetime(ballot.opens_at)}
    return _("Voting ended on %(when)s.") % {"when": fmt.datetime(ballot.closes_at)}


def _can_close(ballot: BallotView) -> bool:
    """Whether to offer the close button: the service decides, this only avoids a useless one."""
    if ballot.state == "due":
        return True
    seen = ballot.participation
    return ballot.state == "open" and seen.eligible > 0 and seen.voted >= seen.eligible


async def _ballot_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    caisse: Caisse,
    actor: Caller,
    ballot_id: int,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    notice: str | None = None,
    receipt: dict[str, Any] | None = None,
) -> Template:
    now = utcnow()
    ballot = await _view(db, await queries.get_ballot(db, caisse.id, ballot_id), now)
    mine = await my_participation(db, caisse, ballot_id, user_id=actor.user_id, now=now)
    _, fmt = translator(request), formatter(request)
    return page(
        request, "committee/ballot.html", status=status, caisse=caisse, caisse_nav=caisse, section="ballots",
        ballot=ballot, mine=mine, why_not=_why_not(ballot, mine, _, fmt),
        can_close=_can_close(ballot), choices=[c.value for c in Choice],
        errors=errors or {}, form_error=form_error, notice=notice, receipt=receipt,
    )  # fmt: skip


async def _my_lines(db: AsyncSession, user_id: int, ballot_ids: list[int]) -> dict[int, BallotVoter]:
    """The caller's roll lines on these ballots (whether they voted), in one query."""
    if not ballot_ids:
        return {}
    rows = await db.scalars(
        select(BallotVoter).where(BallotVoter.user_id == user_id, BallotVoter.ballot_id.in_(ballot_ids))
    )
    return {line.ballot_id: line for line in rows}


@get("/c/{slug:str}/comite", name="committee", guards=GUARD)
async def ballots(
    request: Request[Any, Any, Any], caisse: PathCaisse, actor: Caller, db_session: DbSession
) -> Template:
    """Ballots by state: open ones first (with whether the caller has voted), then those whose
    voting time is over and whose result is to publish, upcoming ones, and the last closed."""
    now = utcnow()
    groups: dict[str, list[BallotView]] = {}
    for state in ("open", "due", "upcoming", "closed"):
        rows, _total = await queries.list_ballots(db_session, caisse.id, now=now, state=state, limit=LISTED)
        names = await queries.outlet_names(db_session, rows)
        seen = await queries.participations(db_session, [b.id for b in rows])
        groups[state] = [BallotView.of(b, names.get(b.outlet_id or 0), seen[b.id], now) for b in rows]
    ids = [b.id for views in groups.values() for b in views]
    return page(
        request, "committee/ballots.html", caisse=caisse, caisse_nav=caisse, section="ballots",
        groups=groups, mine=await _my_lines(db_session, actor.user_id, ids),
    )  # fmt: skip


@get("/c/{slug:str}/comite/scrutins/{ballot_id:int}", name="committee-ballot", guards=GUARD)
async def ballot(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    ballot_id: RowId,
    clos: Flag = None,
) -> Template:
    """One ballot; `?clos=1` follows a close."""
    _ = translator(request)
    notice = _("The ballot is closed and its result applied.") if clos else None
    return await _ballot_page(request, db_session, caisse, actor, ballot_id, notice=notice)


@post("/c/{slug:str}/comite/scrutins/{ballot_id:int}/recu", name="committee-receipt", guards=GUARD)
async def check_receipt(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    ballot_id: RowId,
    data: URLEncodedBody[ReceiptForm],
) -> Template:
    """Whether a receipt was counted, once the ballot is closed. Sent by POST so that the code
    stays out of address bars, browser history and access logs."""
    _ = translator(request)
    code = data.recu.strip()
    if not code or len(code) > RECEIPT_MAX:
        problem = _("Type the receipt code you were given when you voted.")
        return await _ballot_page(
            request, db_session, caisse, actor, ballot_id, status=422, errors={"recu": problem}
        )
    try:
        counted = await receipt_counted(db_session, caisse, ballot_id, code)
    except Conflict:
        problem = _("Receipts can be checked once the ballot is closed and its result published.")
        return await _ballot_page(
            request, db_session, caisse, actor, ballot_id, status=409, errors={"recu": problem}
        )
    receipt = {"code": code, "counted": counted}
    return await _ballot_page(request, db_session, caisse, actor, ballot_id, receipt=receipt)


# The receipt is the voter's alone: no copy in a cache or the browser's store of pages.
@post(
    "/c/{slug:str}/comite/scrutins/{ballot_id:int}/vote",
    name="committee-vote",
    guards=GUARD,
    cache_control=CacheControlHeader(no_store=True),
)
async def vote(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    ballot_id: RowId,
    data: URLEncodedBody[VoteForm],
) -> Response[Any]:
    """Count the vote and answer with the receipt code, shown this once and never stored."""
    _ = translator(request)
    if data.choice not in {c.value for c in Choice}:
        errors = {"choice": _("Choose for, against or abstain.")}
        return await _ballot_page(request, db_session, caisse, actor, ballot_id, status=422, errors=errors)
    try:
        code = await cast_vote(
            db_session, caisse, ballot_id, user_id=actor.user_id, choice=data.choice, now=utcnow()
        )
    except (PermissionDenied, Conflict) as refused:
        # The page says why in the reader's language, from the service's own view of the caller.
        status = 403 if isinstance(refused, PermissionDenied) else 409
        return await _ballot_page(request, db_session, caisse, actor, ballot_id, status=status)
    view = await _view(db_session, await queries.get_ballot(db_session, caisse.id, ballot_id), utcnow())
    return page(
        request, "committee/voted.html", status=201, caisse=caisse, caisse_nav=caisse, section="ballots",
        ballot=view, receipt_code=code,
    )  # fmt: skip


@post("/c/{slug:str}/comite/scrutins/{ballot_id:int}/cloture", name="committee-close", guards=GUARD)
async def close(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    ballot_id: RowId,
) -> Response[Any]:
    """Close the ballot and apply its result; refused (409, said on the page) while voting goes on."""
    _ = translator(request)
    try:
        await close_ballot(db_session, caisse, ballot_id, now=utcnow(), by_user_id=actor.user_id)
    except Conflict:
        already = await queries.get_ballot(db_session, caisse.id, ballot_id)
        message = (
            _("This ballot is already closed.")
            if already.closed_at is not None
            else _(
                "Voting is still going on: a ballot closes after its closing time, "
                "or once every eligible member has voted."
            )
        )
        return await _ballot_page(
            request, db_session, caisse, actor, ballot_id, status=409, form_error=message
        )
    return Redirect(path=committee_url(caisse, f"/scrutins/{ballot_id}?clos=1"), status_code=303)
