"""Redemptions (reconversion) from the till: what the outlet may still ask for, a request form,
and the requests made and what became of them.

The form carries a retry key like the payment form: sent twice, it asks once.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.amounts import MAX_AMOUNT_CENTS, parse_euros
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.errors import Conflict, InsufficientCredit, ValidationFailed
from caisse.outlets.service import get_outlet
from caisse.redemptions import list_redemptions, outlet_position, request_redemption
from caisse.redemptions.changes import history_of
from caisse.redemptions.models import RedemptionStatus
from caisse.redemptions.position import OutletPosition
from caisse.redemptions.requests import missing_bank_details
from caisse.text import has_control_characters
from web.pages.till.common import MAX_PAGE, PAGE_SIZE, REDEMPTION_STATUSES, Pager, new_key, own_outlet
from web.pages.till.payment import GUARD, till_url
from web.render import formatter, page, translator

PageNumber = Annotated[int, QueryParameter(name="page", ge=1, le=MAX_PAGE)]
Asked = Annotated[int | None, QueryParameter(name="demande", ge=1, le=2**63 - 1)]
MAX_NOTE = 300
_KEY = re.compile(r"[\x21-\x7e]{8,100}")
ALL = "all"


class RedemptionForm(msgspec.Struct):
    amount: str = ""
    choice: str = ""  # "all": everything available, else the amount typed
    note: str = ""
    key: str = ""


async def _page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    caisse: Caisse,
    outlet_id: int,
    number: int,
    *,
    status: int = 200,
    values: RedemptionForm | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    asked: int | None = None,
) -> Template:
    position: OutletPosition = await outlet_position(db, caisse.id, outlet_id)
    rows, total = await list_redemptions(
        db, caisse.id, outlet_id=outlet_id, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    history = await history_of(db, [r.redemption.id for r in rows])
    # Why a request was rejected: the reason of the change that rejected it.
    reasons = {
        rid: next((e.reason for e in events if e.to_status is RedemptionStatus.REJECTED), "")
        for rid, events in history.items()
    }
    values = values or RedemptionForm()
    return page(
        request, "till/redemptions.html", status=status, caisse=caisse, caisse_nav=caisse,
        section="redemptions", position=position, statuses=REDEMPTION_STATUSES, rows=rows, reasons=reasons,
        pager=Pager(number, PAGE_SIZE, total), amount=values.amount, choice=values.choice or "amount",
        note=values.note, key=values.key or new_key(), errors=errors or {}, form_error=form_error,
        asked=next((r for r in rows if r.redemption.id == asked), None) if asked else None,
    )  # fmt: skip


@get("/c/{slug:str}/mon-lieu/reconversions", name="till-redemptions", guards=GUARD)
async def redemptions(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    number: PageNumber = 1,
    asked: Asked = None,
) -> Template:
    return await _page(request, db_session, caisse, own_outlet(actor, caisse), number, asked=asked)


@post("/c/{slug:str}/mon-lieu/reconversions", name="till-redemption-request", guards=GUARD)
async def ask(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[RedemptionForm],
) -> Response[Any]:
    outlet_id = own_outlet(actor, caisse)
    _, fmt = translator(request), formatter(request)
    everything = data.choice == ALL
    amount, note = data.amount.strip()[:40], data.note.strip()
    values = RedemptionForm(amount=amount, choice=ALL if everything else "amount", note=note[:MAX_NOTE])
    errors: dict[str, str] = {}
    cents: int | None = None
    if not everything:
        if not amount:
            errors["amount"] = _("Enter the amount to redeem in euros, such as 150,00, or ask for all of it.")
        else:
            try:
                cents = parse_euros(amount)
            except ValueError:
                errors["amount"] = _("Write the amount in euros with at most 2 decimals, such as 150,00.")
            else:
                if cents <= 0:
                    errors["amount"] = _("The amount must be more than 0 €.")
                elif cents > MAX_AMOUNT_CENTS:
                    errors["amount"] = _("This amount is far too large.")
    if len(note) > MAX_NOTE or has_control_characters(note):
        errors["note"] = _("Write the note in at most 300 characters, on one line.")
    key = data.key if _KEY.fullmatch(data.key) else ""
    values = RedemptionForm(values.amount, values.choice, values.note, key)
    form_error = None if key else _("The form was incomplete. Check it and send it again.")
    if errors or not key:
        return await _page(
            request, db_session, caisse, outlet_id, 1, status=422, values=values, errors=errors,
            form_error=form_error,
        )  # fmt: skip
    try:
        result = await request_redemption(
            db_session, caisse, outlet_id=outlet_id, amount_cents=cents, all_available=everything,
            note=note, idempotency_key=key, by_user_id=actor.user_id,
        )  # fmt: skip
    except InsufficientCredit:
        position = await outlet_position(db_session, caisse.id, outlet_id)
        message = (
            _("You may ask for at most %(available)s.") % {"available": fmt.money(position.available_cents)}
            if position.available_cents
            else _("Your outlet has no credit left to redeem: everything is already asked for or paid.")
        )
        field = "choice" if everything else "amount"
        return await _page(
            request, db_session, caisse, outlet_id, 1, status=409, values=values, errors={field: message}
        )
    except Conflict:
        if missing_bank_details(await get_outlet(db_session, caisse.id, outlet_id)):
            message = _(
                "The caisse does not have your outlet's bank details (IBAN and BIC) yet. Ask the "
                "caisse's staff to add them, then ask again."
            )
        else:  # the form's key had asked for another amount: a new form, to send knowingly
            message = _("This form had already sent another request. Check the new form below and send it.")
            values = RedemptionForm(values.amount, values.choice, values.note, new_key())
        return await _page(
            request, db_session, caisse, outlet_id, 1, status=409, values=values, form_error=message
        )
    except ValidationFailed as exc:
        return await _page(
            request, db_session, caisse, outlet_id, 1, status=422, values=values, form_error=exc.detail
        )
    return Redirect(path=till_url(caisse, f"/reconversions?demande={result.record.id}"), status_code=303)
