"""A funder's grant agreement (convention de financement) on the staff's pages: its page, with the
form that records or replaces it and the one that clears it; and the reading of its three fields
(amount in €, every N months, until a month), shared with the form adding a funder.

Recording the same agreement twice records it once (it replaces itself); clearing twice clears
once. The agreement books nothing: the forecast reads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.errors import ValidationFailed
from caisse.http.params import RowId
from caisse.money import Agreement, clear_agreement, find_subsidy_source, list_subsidy_sources, set_agreement
from caisse.money.models import MAX_AGREED_EVERY_MONTHS
from caisse.money.subsidies import SourceTotal
from web.formatting import Formatter
from web.pages.staff.forms import FUNDER_KINDS, GUARD, Flag, check_amount, small_int, staff_url, with_detail
from web.render import formatter, page, translator

# A month typed as a month field sends it (2027-12), or as people write it (12/2027).
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_MONTH_FR = re.compile(r"(0?[1-9]|1[0-2])/([0-9]{4})")


class AgreementForm(msgspec.Struct):
    amount: str = ""
    every_months: str = ""
    until: str = ""


def read_month(text: str) -> str | None:
    """'2027-12' or '12/2027' -> '2027-12'; None when it is not a month of 2000 to 2099."""
    text = text.strip()
    if found := _MONTH.fullmatch(text):
        year, month = found.group(1), found.group(2)
    elif found := _MONTH_FR.fullmatch(text):
        year, month = found.group(2), f"{int(found.group(1)):02d}"
    else:
        return None
    return f"{year}-{month}" if "2000" <= year <= "2099" else None


def check_agreement_fields(
    values: AgreementForm,
    ids: tuple[str, str, str],
    caisse: Caisse,
    errors: dict[str, str],
    _: Callable[[str], str],
    fmt: Formatter,
    *,
    required: bool,
) -> Agreement | None:
    """The agreement typed in a form (amount in €, every N months, until a month), errors by `ids`
    (the fields' ids, in that order); None when all three are empty and the agreement is not
    `required` (a funder added without one), or when one is refused."""
    amount, every, until = values.amount.strip(), values.every_months.strip(), values.until.strip()
    if not (amount or every or until) and not required:
        return None
    cents = check_amount(amount, errors, ids[0], _, fmt) if amount else 0
    if not amount:
        errors[ids[0]] = _("Enter the amount of each payment in euros, such as 38 070,00.")
    months = small_int(every, 1, MAX_AGREED_EVERY_MONTHS)
    if months is None:
        errors[ids[1]] = _(
            "Enter how many months apart the payments come, from 1 to 120: 3 for every quarter."
        )
    last = read_month(until) if until else None
    if until and last is None:
        errors[ids[2]] = _("Enter the last month as 2027-12, or leave it empty if the agreement has no end.")
    elif last is not None and last < caisse.first_month:
        errors[ids[2]] = _(
            "The caisse started in %(month)s: enter a later month, or none if it has no end."
        ) % {"month": fmt.month(caisse.first_month)}
    if any(field in errors for field in ids) or months is None:
        return None
    return Agreement(amount_cents=cents, every_months=months, until=last)


def _url(caisse: Caisse, source_id: int, rest: str = "") -> str:
    return staff_url(caisse, f"/subventions/financeurs/{source_id}{rest}")


async def _source(db: AsyncSession, caisse: Caisse, source_id: int) -> SourceTotal:
    """The caisse's funder with what it gave (NotFound, a 404 page, for another caisse's)."""
    found = await find_subsidy_source(db, caisse.id, source_id)
    (total,) = await list_subsidy_sources(db, caisse.id, source_id=found.id)
    return total


async def _page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    caisse: Caisse,
    source_id: int,
    *,
    status: int = 200,
    form: AgreementForm | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    done: str | None = None,
) -> Template:
    total = await _source(db, caisse, source_id)
    source = total.source
    if form is None and source.agreed_amount_cents is not None:
        form = AgreementForm(
            amount=_euros(source.agreed_amount_cents),
            every_months=str(source.agreed_every_months),
            until=source.agreed_until or "",
        )
    return page(
        request, "staff/money/agreement.html", status=status, caisse=caisse, caisse_nav=caisse,
        section="subsidies", total=total, source=source, kinds=FUNDER_KINDS, form=form or AgreementForm(),
        errors=errors or {}, form_error=form_error, failed=bool(errors or form_error), done=done,
    )  # fmt: skip


def _euros(cents: int) -> str:
    """Cents as a form shows them again, in the French way the form reads: 3807000 -> '38070,00'."""
    return f"{cents // 100},{cents % 100:02d}"


@get("/c/{slug:str}/gestion/subventions/financeurs/{source_id:int}", name="staff-funder", guards=GUARD)
async def funder(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    db_session: DbSession,
    source_id: RowId,
    fait: Flag = None,
) -> Template:
    """A funder and its grant agreement; `?fait=convention` (recorded) or `?fait=retiree` (cleared)
    after a form."""
    done = fait if fait in ("convention", "retiree") else None
    return await _page(request, db_session, caisse, source_id, done=done)


@post(
    "/c/{slug:str}/gestion/subventions/financeurs/{source_id:int}/convention",
    name="staff-funder-agreement",
    guards=GUARD,
)
async def record_agreement(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    source_id: RowId,
    data: URLEncodedBody[AgreementForm],
) -> Response[Any]:
    _, fmt = translator(request), formatter(request)
    await _source(db_session, caisse, source_id)  # another caisse's funder: 404 before anything
    errors: dict[str, str] = {}
    values = AgreementForm(data.amount.strip()[:40], data.every_months.strip()[:10], data.until.strip()[:20])
    agreement = check_agreement_fields(
        values, ("a-amount", "a-every_months", "a-until"), caisse, errors, _, fmt, required=True
    )
    if agreement is not None:
        try:
            await set_agreement(
                db_session, caisse, source_id, amount_cents=agreement.amount_cents,
                every_months=agreement.every_months, until=agreement.until, actor=actor,
            )  # fmt: skip
        except ValidationFailed as exc:
            refused = with_detail(_("The caisse refused this agreement."), exc)
            return await _page(
                request, db_session, caisse, source_id, status=422, form=values, form_error=refused
            )
        return Redirect(path=_url(caisse, source_id, "?fait=convention"), status_code=303)
    return await _page(request, db_session, caisse, source_id, status=422, form=values, errors=errors)


@post(
    "/c/{slug:str}/gestion/subventions/financeurs/{source_id:int}/convention/retirer",
    name="staff-funder-agreement-clear",
    guards=GUARD,
)
async def remove_agreement(
    caisse: PathCaisse, actor: Caller, db_session: DbSession, source_id: RowId
) -> Redirect:
    await clear_agreement(db_session, caisse, source_id, actor=actor)
    return Redirect(path=_url(caisse, source_id, "?fait=retiree"), status_code=303)
