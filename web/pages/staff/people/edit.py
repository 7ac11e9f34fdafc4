"""Changing a household: its details (`.../modifier`) and its status (a form on its page).

The details are those `caisse.members.service.update_member` lets staff change (name, contact,
composition, income and its declaration date, chosen contribution); the service checks them as it
does for the API and writes nothing when one is wrong. Each field's problem is said next to it in
the page's language. The status moves are the status machine's (`caisse.members.status`), each
with a date and a reason, through `change_status`. A change that succeeds redirects (303) to the
household's page; an error re-renders the form (422, or 409 for a move the machine refuses) with
what was typed, and the request's transaction is rolled back; the household page behind a refused
status form is read again after that rollback, so its reads stay in the audit log (`refused_page`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from markupsafe import Markup

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.errors import Conflict, ValidationFailed
from caisse.members.models import Member, MemberStatus
from caisse.members.service import change_status, read_member, update_member
from caisse.periods import caisse_today
from caisse.text import has_control_characters
from web.formatting import Formatter
from web.pages.staff.forms import GUARD, PathText, garbled, read_cents, read_day, refused_page, with_detail
from web.pages.staff.people.common import member_url
from web.pages.staff.people.households import find_member, household_context
from web.render import formatter, page, translator

MAX_REASON = 500
_COUNT = re.compile(r"[0-9]{1,3}")


class HouseholdForm(msgspec.Struct):
    reference_person: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    adults: str = ""
    others_14_plus: str = ""
    children_under_14: str = ""
    monthly_income: str = ""
    income_declared_on: str = ""
    chosen_contribution: str = ""


class StatusForm(msgspec.Struct):
    to: str = ""
    effective_on: str = ""
    reason: str = ""


def _plain(cents: int | None) -> str:
    """Cents as a form shows them: "1250,50" (no grouping, so it reads back the same)."""
    if cents is None:
        return ""
    return f"{cents // 100},{cents % 100:02d}"


def form_of(member: Member) -> HouseholdForm:
    return HouseholdForm(
        reference_person=member.reference_person, email=member.email or "", phone=member.phone or "",
        address=member.address or "", adults=str(member.adults), others_14_plus=str(member.others_14_plus),
        children_under_14=str(member.children_under_14), monthly_income=_plain(member.monthly_income_cents),
        income_declared_on=member.income_declared_on.strftime("%d/%m/%Y"),
        chosen_contribution=_plain(member.chosen_contribution_cents),
    )  # fmt: skip


def field_messages(_: Callable[[str], str]) -> dict[str, str]:
    """What to do about each field, said next to it when the service (or the form) finds it wrong."""
    return {
        "reference_person": _("Enter the reference person's name, in at most 200 characters."),
        "email": _("Enter an e-mail address such as nom@exemple.fr, or leave the field empty."),
        "phone": _("Enter a phone number (digits, spaces and + ( ) . - /), or leave the field empty."),
        "address": _("Enter the postal address in at most 1000 characters, or leave the field empty."),
        "adults": _("Enter the number of adults, reference person included: a whole number from 1 to 50."),
        "others_14_plus": _("Enter a whole number from 0 to 50."),
        "children_under_14": _("Enter a whole number from 0 to 50."),
        "monthly_income": _("Enter the household's monthly income in euros, such as 1250,00."),
        "income_declared_on": _(
            "Enter the date the income was declared, not after today, such as 15/01/2027."
        ),
        "chosen_contribution": _(
            "Enter the monthly contribution the household chose in euros, or leave it empty."
        ),
    }


def _read(
    data: HouseholdForm, member: Member, _: Callable[[str], str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The changes the form asks for, as the service takes them, and the fields it cannot read."""
    messages = field_messages(_)
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {"reference_person": data.reference_person}
    for name in ("email", "phone", "address"):
        changes[name] = getattr(data, name).strip() or None
    for name in ("adults", "others_14_plus", "children_under_14"):
        text = getattr(data, name).strip()
        if _COUNT.fullmatch(text):
            changes[name] = int(text)
        else:
            errors[name] = messages[name]
    try:
        changes["monthly_income_cents"] = read_cents(data.monthly_income)
    except ValueError:
        errors["monthly_income"] = messages["monthly_income"]
    try:
        declared = read_day(data.income_declared_on)
    except ValueError:
        errors["income_declared_on"] = messages["income_declared_on"]
    else:
        # Unchanged, it is left to the service, which dates a new income today.
        if declared != member.income_declared_on:
            changes["income_declared_on"] = declared
    for name in ("reference_person", "email", "phone", "address"):
        if garbled(getattr(data, name)):
            errors[name] = messages[name]
    chosen = data.chosen_contribution.strip()
    try:
        changes["chosen_contribution_cents"] = read_cents(chosen) if chosen else None
    except ValueError:
        errors["chosen_contribution"] = messages["chosen_contribution"]
    return changes, errors


def _edit_page(
    request: Request[Any, Any, Any],
    caisse: Caisse,
    member: Member,
    values: HouseholdForm,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
) -> Template:
    return page(
        request, "staff/people/edit.html", status=status, caisse=caisse, caisse_nav=caisse,
        section="members", member=member, values=values, errors=errors or {}, form_error=form_error,
    )  # fmt: skip


@get("/c/{slug:str}/gestion/membres/{code:str}/modifier", name="staff-member-edit", guards=GUARD)
async def edit_form(
    request: Request[Any, Any, Any], caisse: PathCaisse, actor: Caller, db_session: DbSession, code: PathText
) -> Template:
    member = await read_member(db_session, caisse, await find_member(db_session, caisse, code), actor)
    return _edit_page(request, caisse, member, form_of(member))


def _clip(data: HouseholdForm) -> HouseholdForm:
    """What was typed, cut to a length a page can show back."""
    return HouseholdForm(**{f: getattr(data, f)[:1000] for f in HouseholdForm.__struct_fields__})


@post("/c/{slug:str}/gestion/membres/{code:str}/modifier", name="staff-member-save", guards=GUARD)
async def save(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    code: PathText,
    data: URLEncodedBody[HouseholdForm],
) -> Response[Any]:
    _ = translator(request)
    member = await find_member(db_session, caisse, code)
    changes, errors = _read(data, member, _)
    if errors:
        return _edit_page(request, caisse, member, _clip(data), status=422, errors=errors)
    try:
        await update_member(db_session, caisse, member, changes, actor=actor)
    except ValidationFailed as exc:
        messages = field_messages(_)
        for problem in exc.problems:
            name = str(problem.get("field", ""))
            if name in messages:
                detail = str(problem.get("message", ""))
                errors[name] = (
                    messages[name]
                    if name != "chosen_contribution"
                    else Markup('{} <span lang="en">({})</span>').format(
                        _("The contribution grid does not allow this amount."), detail
                    )
                )
        form_error = None if errors else with_detail(_("The caisse refused these changes."), exc)
        return _edit_page(
            request, caisse, member, _clip(data), status=422, errors=errors, form_error=form_error
        )
    except Conflict:
        errors["email"] = _("Another household of the caisse already uses this e-mail address.")
        return _edit_page(request, caisse, member, _clip(data), status=409, errors=errors)
    return Redirect(path=member_url(caisse, member.code, "?modifie=1"), status_code=303)


def _status_problems(
    data: StatusForm, last: date, _: Callable[[str], str], fmt: Formatter
) -> tuple[MemberStatus | None, date | None, dict[str, str]]:
    errors: dict[str, str] = {}
    try:
        to: MemberStatus | None = MemberStatus(data.to)
    except ValueError:
        to = None
        errors["to"] = _("Choose the household's new status.")
    day: date | None = None
    today = caisse_today()
    window = _("Enter a date from %(first)s to today, such as %(example)s.") % {
        "first": fmt.date(last),
        "example": today.strftime("%d/%m/%Y"),
    }
    try:
        day = read_day(data.effective_on) if data.effective_on.strip() else today
    except ValueError:
        errors["effective_on"] = window
    else:
        if not last <= day <= today:
            errors["effective_on"] = window
    reason = data.reason.strip()
    if not reason:
        errors["reason"] = _("Write why the status changes (the household's request, a committee decision…).")
    elif len(reason) > MAX_REASON or has_control_characters(reason) or garbled(reason):
        errors["reason"] = _("Write the reason in at most 500 characters.")
    return to, day, errors


@post("/c/{slug:str}/gestion/membres/{code:str}/statut", name="staff-member-status", guards=GUARD)
async def change_status_form(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    code: PathText,
    data: URLEncodedBody[StatusForm],
) -> Response[Any]:
    _, fmt = translator(request), formatter(request)
    context = await household_context(request, caisse, actor, db_session, code)
    member: Member = context["member"]
    history = context["history"]
    last = max([member.applied_on, *(c.effective_on for c in history)])
    to, day, errors = _status_problems(data, last, _, fmt)
    shown = {"to": data.to[:20], "effective_on": data.effective_on[:20], "reason": data.reason[:MAX_REASON]}

    async def again(status: int, form_error: str | None = None) -> Template:
        async def build() -> Template:
            fresh = await household_context(request, caisse, actor, db_session, code)
            return page(
                request, "staff/people/member.html", status=status, **fresh, updated=False,
                status_changed=False, status_values=shown, status_errors=errors, status_error=form_error,
            )  # fmt: skip

        return await refused_page(db_session, caisse, build)

    if errors or to is None:
        return await again(422)
    try:
        await change_status(
            db_session, caisse, member, to=to, effective_on=day, reason=data.reason.strip(), actor=actor
        )
    except Conflict:
        return await again(
            409, _("This household cannot take that status now; choose one of the moves offered.")
        )
    except ValidationFailed as exc:
        return await again(422, with_detail(_("The caisse refused this status change."), exc))
    return Redirect(path=member_url(caisse, member.code, "?statut=1"), status_code=303)
