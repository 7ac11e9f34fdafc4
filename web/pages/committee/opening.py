"""Opening a ballot: on an outlet (convention, renew, suspend, end) or a general motion.

The form checks what a person can get wrong (a decision the outlet's status does not allow, a
closing time in the past…) and answers next to the field in the page's language; the service then
checks everything again and takes the roll. A motion that adopts a new rule set is opened through
the API (it carries a whole contribution grid); this form opens motions without one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.ballots.create import create_ballot
from caisse.ballots.drafts import DESCRIPTION_MAX, LONGEST_BALLOT, TITLE_MAX, BallotInput
from caisse.ballots.models import BallotKind
from caisse.caisses.models import Caisse, DecisionRule
from caisse.db.base import utcnow
from caisse.errors import Conflict, ValidationFailed
from caisse.http.params import MAX_ID
from caisse.outlets.conventioning import allowed_decisions
from caisse.outlets.models import OutletStatus
from caisse.outlets.service import OutletFilter, list_outlets
from caisse.periods import caisse_today
from caisse.text import has_control_characters
from web.labels import BALLOT_KINDS, DECISION_RULES, OUTLET_STATUSES, label
from web.pages.committee.common import GUARD, committee_url, paris_moment
from web.render import page, translator

KINDS = [k.value for k in BallotKind]
OUTLET_CHOICES = 500
OutletQuery = Annotated[int | None, QueryParameter(name="lieu", ge=1, le=MAX_ID)]
KindQuery = Annotated[str | None, QueryParameter(name="type", max_length=20)]


class BallotForm(msgspec.Struct):
    kind: str = ""
    outlet_id: str = ""
    title: str = ""
    description: str = ""
    closes_on: str = ""
    closes_time: str = "18:00"
    decision_rule: str = ""
    quorum_percent: str = ""


def _defaults(caisse: Caisse, kind: str = "", outlet_id: int | None = None) -> BallotForm:
    closes = caisse_today() + timedelta(days=caisse.ballot_open_days)
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


def _form(
    request: Request[Any, Any, Any],
    caisse: Caisse,
    outlets: list[OutletChoice],
    values: BallotForm,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
) -> Template:
    _ = translator(request)
    return page(
        request, "committee/new_ballot.html", status=status, caisse=caisse, caisse_nav=caisse, section="new",
        values=values, errors=errors or {}, form_error=form_error,
        kind_options=[(k, _(label(BALLOT_KINDS, k))) for k in KINDS],
        rule_options=[(r.value, _(label(DECISION_RULES, r.value))) for r in DecisionRule],
        outlet_options=[(str(o.id), f"{o.name} ({_(label(OUTLET_STATUSES, o.status))})") for o in outlets],
    )  # fmt: skip


def _check(
    data: BallotForm, outlets: list[OutletChoice], _: Callable[[str], str]
) -> tuple[dict[str, str], BallotInput | None]:
    """Problems by field, or the ballot to open."""
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
    closes_at = _closing(data, errors, _)
    rule = data.decision_rule.strip()
    if rule not in {r.value for r in DecisionRule}:
        errors["decision_rule"] = _("Choose a decision rule from the list.")
    quorum = data.quorum_percent.strip()
    if not (quorum.isdigit() and 0 <= int(quorum) <= 100):
        errors["quorum_percent"] = _(
            "The quorum is a whole percentage of the eligible members, from 0 to 100."
        )
    if errors or closes_at is None:
        return errors, None
    return errors, BallotInput(
        title=title, kind=kind, description=description, outlet_id=outlet.id if outlet else None,
        closes_at=closes_at, decision_rule=rule, quorum_percent=int(quorum),
    )  # fmt: skip


def _closing(data: BallotForm, errors: dict[str, str], _: Callable[[str], str]) -> datetime | None:
    """The closing time typed as a day and an hour in France."""
    try:
        day = date.fromisoformat(data.closes_on.strip())
        at = time.fromisoformat(data.closes_time.strip() or "18:00")
    except ValueError:
        errors["closes_on"] = _(
            "Write the closing day as YYYY-MM-DD and the hour as HH:MM, such as 2027-03-15 and 18:00."
        )
        return None
    closes_at = paris_moment(day, at)
    now = utcnow()
    if closes_at <= now:
        errors["closes_on"] = _("The closing time must be in the future.")
    elif closes_at - now > LONGEST_BALLOT:
        errors["closes_on"] = _("A ballot stays open at most one year.")
    return closes_at


@get("/c/{slug:str}/comite/scrutins/nouveau", name="committee-new-ballot", guards=GUARD)
async def new_ballot(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    db_session: DbSession,
    lieu: OutletQuery = None,
    kind: KindQuery = None,
) -> Template:
    """The form; `?lieu=ID&type=convene` comes from an outlet's file."""
    return _form(request, caisse, await _outlets(db_session, caisse), _defaults(caisse, kind or "", lieu))


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
    errors, ballot_input = _check(data, outlets, _)
    if ballot_input is None:
        return _form(request, caisse, outlets, data, status=422, errors=errors)
    try:
        ballot = await create_ballot(db_session, caisse, ballot_input, now=utcnow(), by_user_id=actor.user_id)
    except (ValidationFailed, Conflict) as refused:
        # Rare once the form's checks pass (e.g. another ballot on this outlet opened meanwhile).
        status = 422 if isinstance(refused, ValidationFailed) else 409
        return _form(request, caisse, outlets, data, status=status, form_error=refused.detail)
    return Redirect(path=committee_url(caisse, f"/scrutins/{ballot.id}"), status_code=303)
