"""Taking a payment at the till (phone first): member code, PIN, amount in euros.

The form carries a retry key in a hidden field, made when the form is shown: sending it twice
(a double tap, a reload of the answer, a retry after a lost connection) records one payment, as
the service guarantees for the API. A recorded payment redirects (303) to its receipt, so
reloading the success screen reads it again and debits nothing. A refusal is answered on its own
screen, with the reason in plain words and what to do next; bad input is answered next to its
field. The PIN is never written back into a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.amounts import parse_euros
from caisse.auth.guards import requires
from caisse.auth.models import Role
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.errors import InsufficientCredit, ValidationFailed
from caisse.http.params import RowId
from caisse.ledger import AccountKind, account_balance, member_account_ids, natural
from caisse.members.codes import normalise_code
from caisse.members.service import get_member
from caisse.periods import caisse_today
from caisse.redemptions.position import outlet_balance
from caisse.spending import MAX_PAYMENT_CENTS, get_payment, record_outlet_payment
from caisse.spending.errors import (
    ConventionNotActive,
    IdempotencyKeyReused,
    MemberNotActive,
    PinLocked,
    PinRefused,
    TillPaused,
)
from caisse.spending.payments import MAX_KEY, MIN_KEY
from caisse.text import has_control_characters
from web.formatting import Formatter
from web.pages.till.common import masked_code, new_key, own_outlet
from web.pages.till.refusals import LOCKOUT, REFUSALS
from web.render import formatter, page, translator

GUARD = [requires(Role.OUTLET)]
MAX_CODE = 20
_PIN = re.compile(r"[0-9]{4,6}")
_KEY = re.compile(rf"[\x21-\x7e]{{{MIN_KEY},{MAX_KEY}}}")
Flag = Annotated[str | None, QueryParameter(max_length=10)]


class PaymentForm(msgspec.Struct):
    member_code: str = ""
    pin: str = ""
    amount: str = ""
    key: str = ""


def till_url(caisse: Caisse, rest: str = "") -> str:
    return f"/c/{caisse.slug}/mon-lieu{rest}"


def _form(
    request: Request[Any, Any, Any],
    caisse: Caisse,
    *,
    status: int = 200,
    values: PaymentForm | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
) -> Template:
    values = values or PaymentForm()
    return page(
        request, "till/pay.html", status=status, caisse=caisse, caisse_nav=caisse, section="pay",
        member_code=values.member_code, amount=values.amount, key=values.key or new_key(),
        errors=errors or {}, form_error=form_error,
    )  # fmt: skip


@get("/c/{slug:str}/mon-lieu", name="till", guards=GUARD)
async def payment_form(request: Request[Any, Any, Any], caisse: PathCaisse, actor: Caller) -> Template:
    own_outlet(actor, caisse)
    return _form(request, caisse)


def _check(
    data: PaymentForm, _: Callable[[str], str], fmt: Formatter
) -> tuple[PaymentForm, dict[str, str], int]:
    """The form's values cleaned, the problems by field, and the amount in cents (0 if bad)."""
    errors: dict[str, str] = {}
    code = data.member_code.strip().upper()
    if not code:
        errors["member_code"] = _("Enter the member code written on the household's card.")
    elif len(code) > MAX_CODE or has_control_characters(code):
        errors["member_code"] = _("A member code has at most 20 characters, such as DM-000042.")
    if not _PIN.fullmatch(data.pin):
        errors["pin"] = _("The PIN is 4 to 6 digits, typed by the household.")
    cents = 0
    amount = data.amount.strip()
    if not amount:
        errors["amount"] = _("Enter the amount in euros, such as 12,50.")
    else:
        try:
            cents = parse_euros(amount)
        except ValueError:
            errors["amount"] = _("Write the amount in euros with at most 2 decimals, such as 12,50.")
        else:
            if cents <= 0:
                errors["amount"] = _("The amount must be more than 0 €.")
            elif cents > MAX_PAYMENT_CENTS:
                errors["amount"] = _("A payment is at most %(max)s.") % {"max": fmt.money(MAX_PAYMENT_CENTS)}
    key = data.key if _KEY.fullmatch(data.key) else ""
    cleaned = PaymentForm(member_code=code[:MAX_CODE], pin="", amount=amount[:40], key=key)
    return cleaned, errors, cents


async def _credit_of(db: AsyncSession, caisse: Caisse, code: str) -> int:
    """A household's credit (cents), said to the till after an insufficient-credit refusal, as the
    service does: the household is at the counter and typed its PIN."""
    member = await get_member(db, caisse.id, code)
    wallet = (await member_account_ids(db, caisse.id, AccountKind.WALLET, [member.id]))[member.id]
    return max(0, natural(AccountKind.WALLET, await account_balance(db, wallet)))


def _refusal(
    request: Request[Any, Any, Any], caisse: Caisse, code: str, status: int, values: PaymentForm, **facts: Any
) -> Template:
    return page(
        request, "till/refused.html", status=status, caisse=caisse, caisse_nav=caisse, section="pay",
        refusal=REFUSALS[code], refusal_code=code, lockout=LOCKOUT, member_code=values.member_code,
        amount=values.amount, key=new_key(), errors={}, form_error=None, **facts,
    )  # fmt: skip


@post("/c/{slug:str}/mon-lieu", name="till-pay", guards=GUARD)
async def take_payment(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[PaymentForm],
) -> Response[Any]:
    outlet_id = own_outlet(actor, caisse)
    _, fmt = translator(request), formatter(request)
    values, errors, cents = _check(data, _, fmt)
    if errors or not values.key:
        form_error = None if values.key else _("The form was incomplete. Check it and send it again.")
        return _form(request, caisse, status=422, values=values, errors=errors, form_error=form_error)
    try:
        result = await record_outlet_payment(
            db_session, caisse, outlet_id=outlet_id, member_code=values.member_code, pin=data.pin,
            amount_cents=cents, idempotency_key=values.key, actor=actor,
        )  # fmt: skip
    except TillPaused as exc:
        return _refusal(request, caisse, "till_paused", 429, values, paused_until=exc.until)
    except ConventionNotActive:
        return _refusal(request, caisse, "convention_not_active", 409, values)
    except PinRefused:
        return _refusal(request, caisse, "pin_refused", 403, values)
    except PinLocked as exc:
        # From the refusal itself, not from the household: an unknown code locks the same way.
        return _refusal(request, caisse, "pin_locked", 423, values, locked_until=exc.until)
    except MemberNotActive:
        return _refusal(request, caisse, "member_not_active", 409, values)
    except InsufficientCredit:
        available = await _credit_of(db_session, caisse, normalise_code(values.member_code))
        return _refusal(request, caisse, "insufficient_credit", 409, values, available_cents=available)
    except IdempotencyKeyReused:
        message = _("This form had already recorded another payment. Check the new form below and send it.")
        values = PaymentForm(member_code=values.member_code, amount=values.amount, key=new_key())
        return _form(request, caisse, status=409, values=values, form_error=message)
    except ValidationFailed as exc:
        return _form(request, caisse, status=422, values=values, form_error=exc.detail)
    flag = "nouveau" if result.created else "deja"
    return Redirect(path=till_url(caisse, f"/paiements/{result.record.id}?{flag}=1"), status_code=303)


@get("/c/{slug:str}/mon-lieu/paiements/{payment_id:int}", name="till-payment", guards=GUARD)
async def receipt(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    payment_id: RowId,
    nouveau: Flag = None,
    deja: Flag = None,
    rembourse: Flag = None,
) -> Template:
    """One payment of the outlet: the success screen right after it was taken (`?nouveau=1`), the
    same after a resent form (`?deja=1`: nothing debited twice), or later from the history.
    Another outlet's payment is a 404, as an unknown one."""
    outlet_id = own_outlet(actor, caisse)
    payment = await get_payment(db_session, caisse.id, outlet_id, payment_id)
    today = caisse_today()
    last_day = payment.paid_on + timedelta(days=caisse.refund_window_days)
    return page(
        request, "till/receipt.html", caisse=caisse, caisse_nav=caisse, section="history",
        payment=payment, shown_code=masked_code(payment.member_code),
        outlet_credit=await outlet_balance(db_session, caisse.id, outlet_id),
        fresh=nouveau is not None, resent=deja is not None, refunded_now=rembourse is not None,
        refundable=payment.refund_entry_id is None and today <= last_day, refund_until=last_day,
    )  # fmt: skip
