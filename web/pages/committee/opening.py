"""Opening a ballot: on an outlet (convention, renew, suspend, end) or a general motion.

The form checks what a person can get wrong (a decision the outlet's status does not allow, a
closing time in the past…) and answers next to the field in the page's language; the service then
checks everything again and takes the roll. A ballot is decided by the caisse's own rule and quorum
and stays open its full time; only the caisse's administrator may set others (as in the API).
A motion that adopts a new rule set is opened through the API (it carries a whole contribution
grid); this form opens motions without one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import Role
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.ballots.create import create_ballot
from caisse.ballots.drafts import CLOCK_SKEW, DESCRIPTION_MAX, LONGEST_BALLOT, TITLE_MAX, BallotInput
from caisse.ballots.models import Ballot, BallotKind
from caisse.caisses.models import Caisse, DecisionRule
from caisse.db.base import utcnow
from caisse.errors import Conflict, ValidationFailed
from caisse.http.params import MAX_ID
from caisse.outlets.conventioning import allowed_decisions
from caisse.outlets.models import OutletStatus
from caisse.outlets.service import OutletFilter, list_outlets
from caisse.periods import caisse_day
from caisse.text import has_control_characters
from web.labels import BALLOT_KINDS, DECISION_RULES, OUTLET_STATUSES, label
from web.pages.committee.common import GUARD, committee_url, paris_moment
from web.render import page, translator

KINDS = [k.value for k in BallotKind]
OUTLET_CHOICES = 500
# An identical ballot opened again by the same person this soon is the same form sent twice.
RESENT_WITHIN = timedelta(minutes=10)
# Ballots close in the evening by default, after working hours.
DEFAULT_HOUR = time(18, 0)
OutletQuery = Annotated[int | None, QueryParameter(name="lieu", ge=1, le=MAX_ID)]
KindQuery = Annotated[str | None, QueryParameter(name="type", max_length=20)]


class BallotForm(msgspec.Struct):
    kind: str = ""
    outlet_id: str = ""
    title: str = ""
    description: str = ""
    closes_on: str = ""
    closes_time: str = DEFAULT_HOUR.strftime("%H:%M")
    decision_rule: str = ""
    quorum_percent: str = ""


def _default_closing_day(caisse: Caisse) -> date:
    """The first day whose 18:00 (in France) leaves the caisse's full voting time from now."""
    earliest = utcnow() + timedelta(days=caisse.ballot_open_days)
    day = caisse_day(earliest)
    return day if paris_moment(day, DEFAULT_HOUR) >= earliest else day + timedelta(days=1)


def _defaults(caisse: Caisse, kind: str = "", outlet_id: int | None = None) -> BallotForm:
    closes = _default_closing_day(caisse)
    return BallotForm(
        kind=kind if kind in KINDS else "", outlet_id=str(outlet_id or ""), closes_on=closes.isoformat(),
        decision_rule=caisse.ballot_decision_rule.value, quorum_percent=str(caisse.ballot_quorum_percent),
    )  # fmt: skip


@dataclass(frozen=True)
class OutletChoice:
    id: int
    name: str
    status: OutletStatus


async def _outlets(db: AsyncSession, caisse: Caisse) -> list[OutletChoice]:
    """Outlets a ballot may be about: every one but rejected applications."""
    rows, _total = await list_outlets(db, caisse.id, OutletFilter(), limit=OUTLET_CHOICES)
    return [OutletChoice(o.id, o.name, o.status) for o in rows if o.status is not OutletStatus.REJECTED]


def _may_relax(actor: Caller, caisse: Caisse) -> bool:
    """Only the caisse's administrator opens a ballot below the caisse's own rules (as the API)."""
    return actor.has_role(caisse.slug, Role.ADMIN)


def _form(
    request: Request[Any, Any, Any],
    caisse: Caisse,
    outlets: list[OutletChoice],
    values: BallotForm,
    relax: bool,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    detail: str | None = None,
) -> Template:
    _ = translator(request)
    return page(
        request, "committee/new_ballot.html", status=status, caisse=caisse, caisse_nav=caisse, section="new",
        values=values, errors=errors or {}, form_error=form_error, detail=detail, relax=relax,
        kind_options=[(k, _(label(BALLOT_KINDS, k))) for k in KINDS],
        rule_options=[(r.value, _(label(DECISION_RULES, r.value))) for r in DecisionRule],
        outlet_options=[(str(o.id), f"{o.name} ({_(label(OUTLET_STATUSES, o.status))})") for o in outlets],
    )  # fmt: skip


_PERCENT = re.compile(r"[0-9]{1,3}")


def _check(
    data: BallotForm, outlets: list[OutletChoice], caisse: Caisse, relax: bool, _: Callable[[str], str]
) -> tuple[dict[str, str], BallotInput | None]:
    """Problems by field, or the ballot to open. Unless `relax` (the caisse's administrator), the
    ballot is decided by the caisse's own rule and quorum and stays open its full time."""
    errors: dict[str, str] = {}
    kind = data.kind.strip()
    if kind not in KINDS:
        errors["kind"] = _("Choose what the committee decides.")
    outlet: OutletChoice | None = None
    if kind and kind != BallotKind.MOTION:
        by_id = {str(o.id): o for o in outlets}
        outlet = by_id.get(data.outlet_id.strip())
        if outlet is None:
            errors["outlet_id"] = _("Choose the outlet this decision is about.")
        elif kind in KINDS and kind not in allowed_decisions(outlet.status):
            errors["outlet_id"] = _("This decision does not fit the outlet's status (%(status)s).") % {
                "status": _(label(OUTLET_STATUSES, outlet.status))
            }
    title = data.title.strip()
    if not title:
        errors["title"] = _("Give the ballot a title, such as “Convention the Pamiers market”.")
    elif len(title) > TITLE_MAX or has_control_characters(title):
        errors["title"] = _("A title has at most 200 characters, on one line.")
    description = data.description.strip()
    if len(description) > DESCRIPTION_MAX or has_control_characters(
        description.replace("\n", "").replace("\r", "")
    ):
        errors["description"] = _("The text has at most 5000 characters.")
    closes_at = _closing(data, errors, None if relax else caisse.ballot_open_days, _)
    rule, quorum = caisse.ballot_decision_rule.value, caisse.ballot_quorum_percent
    if relax:
        rule = data.decision_rule.strip()
        if rule not in {r.value for r in DecisionRule}:
            errors["decision_rule"] = _("Choose a decision rule from the list.")
        typed = data.quorum_percent.strip()
        if _PERCENT.fullmatch(typed) and int(typed) <= 100:
            quorum = int(typed)
        else:
            errors["quorum_percent"] = _(
                "The quorum is a whole percentage of the eligible members, from 0 to 100."
            )
    if errors or closes_at is None:
        return errors, None
    return errors, BallotInput(
        title=title, kind=kind, description=description, outlet_id=outlet.id if outlet else None,
        closes_at=closes_at, decision_rule=rule, quorum_percent=quorum,
    )  # fmt: skip


def _closing(
    data: BallotForm, errors: dict[str, str], shortest_days: int | None, _: Callable[[str], str]
) -> datetime | None:
    """The closing time typed as a day and an hour in France; at least `shortest_days` away."""
    try:
        day = date.fromisoformat(data.closes_on.strip())
        at = time.fromisoformat(data.closes_time.strip()) if data.closes_time.strip() else DEFAULT_HOUR
    except ValueError:
        errors["closes_on"] = _(
            "Write the closing day as YYYY-MM-DD and the hour as HH:MM, such as 2027-03-15 and 18:00."
        )
        return None
    closes_at = paris_moment(day, at)
    now = utcnow()
    if closes_at <= now:
        errors["closes_on"] = _("The closing time must be in the future.")
    elif shortest_days is not None and closes_at - now < timedelta(days=shortest_days) - CLOCK_SKEW:
        errors["closes_on"] = _(
            "A ballot of this caisse stays open at least %(days)s days, so that every member can vote."
        ) % {"days": shortest_days}
    elif closes_at - now > LONGEST_BALLOT:
        errors["closes_on"] = _("A ballot stays open at most one year.")
    return closes_at


async def _just_opened(db: AsyncSession, caisse: Caisse, user_id: int, wanted: BallotInput) -> int | None:
    """The ballot this person opened with the same question in the last minutes, if any: the same
    form sent twice (a double click, a reload) opens one ballot. The form carries no retry key, as
    the question itself says what a second, identical ballot by the same person would be."""
    return await db.scalar(
        select(Ballot.id).where(
            Ballot.caisse_id == caisse.id, Ballot.created_by_user_id == user_id, Ballot.closed_at.is_(None),
            Ballot.kind == wanted.kind, Ballot.title == wanted.title,
            Ballot.description == wanted.description,
            Ballot.outlet_id.is_(None) if wanted.outlet_id is None else Ballot.outlet_id == wanted.outlet_id,
            Ballot.created_at >= utcnow() - RESENT_WITHIN,
        ).order_by(Ballot.id.desc()).limit(1)
    )  # fmt: skip


@get("/c/{slug:str}/comite/scrutins/nouveau", name="committee-new-ballot", guards=GUARD)
async def new_ballot(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    lieu: OutletQuery = None,
    kind: KindQuery = None,
) -> Template:
    """The form; `?lieu=ID&type=convene` comes from an outlet's file."""
    outlets = await _outlets(db_session, caisse)
    return _form(request, caisse, outlets, _defaults(caisse, kind or "", lieu), _may_relax(actor, caisse))


@post("/c/{slug:str}/comite/scrutins/nouveau", name="committee-open-ballot", guards=GUARD)
async def open_ballot(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[BallotForm],
) -> Response[Any]:
    _ = translator(request)
    outlets = await _outlets(db_session, caisse)
    relax = _may_relax(actor, caisse)
    errors, ballot_input = _check(data, outlets, caisse, relax, _)
    if ballot_input is None:
        return _form(request, caisse, outlets, data, relax, status=422, errors=errors)
    resent = await _just_opened(db_session, caisse, actor.user_id, ballot_input)
    if resent is not None:
        return Redirect(path=committee_url(caisse, f"/scrutins/{resent}"), status_code=303)
    try:
        ballot = await create_ballot(
            db_session, caisse, ballot_input, now=utcnow(), by_user_id=actor.user_id, may_relax_rules=relax
        )
    except (ValidationFailed, Conflict) as refused:
        # Rare once the form's checks pass (e.g. another ballot on this outlet opened meanwhile).
        status = 422 if isinstance(refused, ValidationFailed) else 409
        message = _("The ballot cannot be opened as it is:")
        return _form(
            request, caisse, outlets, data, relax, status=status, form_error=message, detail=refused.detail
        )
    return Redirect(path=committee_url(caisse, f"/scrutins/{ballot.id}"), status_code=303)
