"""Outlets before the committee: applications to assess, conventions to renew, suspended ones;
and one outlet's file — its details, status history and criteria grid filled in by the committee
members, with the form where a member records (or revises) their own assessment of a criterion.

Only committee members assess (as in the API); staff and administrators read the same file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import Role, User
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.ballots.queries import open_ballot_on_outlet
from caisse.caisses.models import Caisse
from caisse.errors import Conflict, PermissionDenied, ValidationFailed
from caisse.http.params import MAX_ID, RowId
from caisse.outlets import grid as grids
from caisse.outlets.conventioning import (
    allowed_decisions,
    conventions_due_for_renewal,
    current_convention,
    outlet_history,
)
from caisse.outlets.criteria import SCALE_MAX, SCALE_MIN
from caisse.outlets.fields import categories_of
from caisse.outlets.models import Criterion, CriterionKind, OutletStatus
from caisse.outlets.service import OutletFilter, get_outlet, list_outlets
from caisse.periods import caisse_today
from caisse.text import has_control_characters
from web.pages.committee.common import GUARD, committee_url
from web.render import page, translator

LISTED = 200
EVIDENCE_MAX = 5000
_ID = re.compile(r"[0-9]{1,18}")
_MARK = re.compile(r"[0-9]")


class AssessmentForm(msgspec.Struct):
    criterion_id: str = ""
    value: str = ""
    evidence: str = ""
    evidence_url: str = ""


@get("/c/{slug:str}/comite/lieux", name="committee-outlets", guards=GUARD)
async def outlets(request: Request[Any, Any, Any], caisse: PathCaisse, db_session: DbSession) -> Template:
    """What awaits the committee: new applications, applications under review, conventions ending
    within 60 days, and suspended outlets."""
    groups = {}
    for status in (OutletStatus.APPLICANT, OutletStatus.UNDER_REVIEW, OutletStatus.SUSPENDED):
        rows, _total = await list_outlets(db_session, caisse.id, OutletFilter(status=status), limit=LISTED)
        groups[status.value] = rows
    renewals = await conventions_due_for_renewal(db_session, caisse, caisse_today())
    return page(
        request, "committee/outlets.html", caisse=caisse, caisse_nav=caisse, section="outlets",
        groups=groups, renewals=renewals,
    )  # fmt: skip


async def _assessors(db: AsyncSession, grid: grids.Grid) -> dict[int, str]:
    ids = {r.assessed_by_user_id for line in grid.lines for r in line.readings}
    if not ids:
        return {}
    rows = await db.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}


def _typed(criterion: Criterion, value: Any) -> str:
    """A reading as the form shows it back: true/false, a whole number, or a decimal number."""
    if criterion.kind is CriterionKind.YES_NO:
        return "yes" if value is True else "no"
    return str(value)


def _criterion_id(typed: AssessmentForm | None) -> int | None:
    """The criterion a form names, or None (ASCII digits only: `int` refuses "²" and very long numbers)."""
    if typed is None or not _ID.fullmatch(typed.criterion_id):
        return None
    found = int(typed.criterion_id)
    return found if found <= MAX_ID else None


async def _file(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    caisse: Caisse,
    actor: Caller,
    outlet_id: int,
    *,
    status: int = 200,
    typed: AssessmentForm | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
) -> Template:
    outlet = await get_outlet(db, caisse.id, outlet_id)
    grid = await grids.outlet_grid(db, caisse.id, outlet_id)
    mine = {
        line.criterion.id: reading
        for line in grid.lines
        for reading in line.readings
        if reading.assessed_by_user_id == actor.user_id
    }
    # The form of the criterion just sent keeps what was typed; the others show the member's last reading.
    by_id = {line.criterion.id: line.criterion for line in grid.lines}
    values = {
        cid: {
            "value": _typed(by_id[cid], r.value),
            "evidence": r.evidence,
            "evidence_url": r.evidence_url or "",
        }
        for cid, r in mine.items()
    }
    if typed is not None and (typed_id := _criterion_id(typed)) is not None:
        values[typed_id] = {
            "value": typed.value,
            "evidence": typed.evidence,
            "evidence_url": typed.evidence_url,
        }
    ballot = await open_ballot_on_outlet(db, outlet.id)
    return page(
        request, "committee/outlet.html", status=status, caisse=caisse, caisse_nav=caisse, section="outlets",
        outlet=outlet, categories=categories_of(outlet), grid=grid, assessors=await _assessors(db, grid),
        history=await outlet_history(db, caisse.id, outlet.id),
        convention=await current_convention(db, outlet.id, caisse_today()),
        decisions=[d for d in allowed_decisions(outlet.status) if d != "review"], open_ballot=ballot,
        can_assess=actor.has_role(caisse.slug, Role.COMMITTEE) and not actor.is_superuser,
        values=values, errors=errors or {}, error_criterion=_criterion_id(typed) if errors else None,
        notice=notice, scale=range(SCALE_MIN, SCALE_MAX + 1),
    )  # fmt: skip


@get("/c/{slug:str}/comite/lieux/{outlet_id:int}", name="committee-outlet", guards=GUARD)
async def outlet_file(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    outlet_id: RowId,
) -> Template:
    return await _file(request, db_session, caisse, actor, outlet_id)


def _reading(
    criterion: Criterion, data: AssessmentForm, _: Callable[[str], str]
) -> tuple[dict[str, str], bool | int | Decimal | None]:
    """The value typed for this criterion's kind, or the problems by field."""
    errors: dict[str, str] = {}
    raw = data.value.strip().replace(",", ".")
    value: bool | int | Decimal | None = None
    if criterion.kind is CriterionKind.YES_NO:
        if raw not in ("yes", "no"):
            errors["value"] = _("Answer yes or no.")
        else:
            value = raw == "yes"
    elif criterion.kind is CriterionKind.SCALE:
        if not (_MARK.fullmatch(raw) and SCALE_MIN <= int(raw) <= SCALE_MAX):
            errors["value"] = _("Choose a mark from 1 (not at all) to 5 (fully).")
        else:
            value = int(raw)
    else:
        try:
            number = Decimal(raw)
        except InvalidOperation:
            number = Decimal("NaN")
        if not raw or not number.is_finite() or abs(number) >= Decimal("1e10"):
            errors["value"] = _("Write a number, such as 42 or 12,5.")
        else:
            value = number
    evidence = data.evidence.strip()
    if len(evidence) > EVIDENCE_MAX or has_control_characters(evidence.replace("\n", "").replace("\r", "")):
        errors["evidence"] = _("The evidence has at most 5000 characters.")
    url = data.evidence_url.strip()
    if url and (
        not url.startswith(("http://", "https://"))
        or len(url) > 500
        or " " in url
        or has_control_characters(url)
    ):
        errors["evidence_url"] = _("Give a web address starting with https://, or leave it empty.")
    return errors, value


@post("/c/{slug:str}/comite/lieux/{outlet_id:int}/evaluation", name="committee-assess", guards=GUARD)
async def assess(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    outlet_id: RowId,
    data: URLEncodedBody[AssessmentForm],
) -> Response[Any]:
    """Record the member's reading of one criterion; a later one replaces it in the grid."""
    _ = translator(request)
    if not actor.has_role(caisse.slug, Role.COMMITTEE) or actor.is_superuser:
        raise PermissionDenied("Only the committee's members assess outlets.")
    criteria = {c.id: c for c in await grids.list_criteria(db_session, caisse.id, active_only=True)}
    criterion = criteria.get(_criterion_id(data) or 0)
    if criterion is None:
        gone = _("This criterion is not in the caisse's grid any more: reload the page.")
        return await _file(request, db_session, caisse, actor, outlet_id, status=422, notice=gone)
    errors, value = _reading(criterion, data, _)
    if errors or value is None:
        return await _file(
            request, db_session, caisse, actor, outlet_id, status=422, typed=data, errors=errors
        )
    try:
        await grids.record_assessment(
            db_session, caisse.id, outlet_id, criterion.id, value=value, evidence=data.evidence.strip(),
            evidence_url=data.evidence_url.strip() or None, by_user_id=actor.user_id,
        )  # fmt: skip
    except (ValidationFailed, Conflict) as refused:
        problem = {"value": refused.detail}
        return await _file(
            request, db_session, caisse, actor, outlet_id, status=422, typed=data, errors=problem
        )
    return Redirect(path=committee_url(caisse, f"/lieux/{outlet_id}#critere-{criterion.id}"), status_code=303)
