"""The outlet's payment history, a page at a time with each day's totals, and refunding a payment
within the caisse's window (a confirmation step, then a reversing entry by the service)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from itertools import groupby
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.errors import ValidationFailed
from caisse.http.params import RowId
from caisse.periods import caisse_today
from caisse.reports.outlet_days import day_totals
from caisse.spending import PaymentRow, get_payment, list_payments, refund_outlet_payment
from caisse.spending.errors import AlreadyRefunded, OutletCreditInsufficient, RefundWindowClosed
from caisse.text import has_control_characters
from web.pages.till.common import MAX_PAGE, PAGE_SIZE, Pager, clock, masked_code, own_outlet
from web.pages.till.payment import GUARD, till_url
from web.render import formatter, page, translator

PageNumber = Annotated[int, QueryParameter(name="page", ge=1, le=MAX_PAGE)]
MAX_REASON = 200


class RefundForm(msgspec.Struct):
    reason: str = ""


@get("/c/{slug:str}/mon-lieu/paiements", name="till-history", guards=GUARD)
async def history(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    number: PageNumber = 1,
) -> Template:
    """Newest first, grouped by day; each day's totals cover the whole day, also when its payments
    run over two pages."""
    outlet_id = own_outlet(actor, caisse)
    rows, total = await list_payments(
        db_session, caisse.id, actor=actor, outlet_id=outlet_id, limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )  # fmt: skip
    totals = await day_totals(db_session, caisse.id, outlet_id, {r.paid_on for r in rows})
    days = [(day, totals[day], list(group)) for day, group in groupby(rows, key=lambda r: r.paid_on)]
    return page(
        request, "till/history.html", caisse=caisse, caisse_nav=caisse, section="history", days=days,
        pager=Pager(number, PAGE_SIZE, total), masked=masked_code, clock=clock(formatter(request).locale),
    )  # fmt: skip


def _refund_page(
    request: Request[Any, Any, Any],
    caisse: Caisse,
    payment: PaymentRow,
    *,
    status: int = 200,
    reason: str = "",
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
) -> Template:
    last_day = payment.paid_on + timedelta(days=caisse.refund_window_days)
    return page(
        request, "till/refund.html", status=status, caisse=caisse, caisse_nav=caisse, section="history",
        payment=payment, shown_code=masked_code(payment.member_code), reason=reason, errors=errors or {},
        form_error=form_error, last_day=last_day, window_open=caisse_today() <= last_day,
    )  # fmt: skip


@get("/c/{slug:str}/mon-lieu/paiements/{payment_id:int}/remboursement", name="till-refund", guards=GUARD)
async def refund_form(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    payment_id: RowId,
) -> Template:
    outlet_id = own_outlet(actor, caisse)
    return _refund_page(request, caisse, await get_payment(db_session, caisse.id, outlet_id, payment_id))


def _refusal_message(exc: Exception, _: Callable[[str], str]) -> str:
    if isinstance(exc, RefundWindowClosed):
        return _("The time to refund this payment is over. Ask the caisse's staff to correct it.")
    return _(
        "Your outlet's account no longer holds this amount: it was redeemed, or asked for. Settle the "
        "refund with the caisse's staff."
    )


@post(
    "/c/{slug:str}/mon-lieu/paiements/{payment_id:int}/remboursement", name="till-refund-submit", guards=GUARD
)
async def refund(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    payment_id: RowId,
    data: URLEncodedBody[RefundForm],
) -> Response[Any]:
    """Refunds the whole payment. Sent twice, the second finds it refunded and shows the receipt."""
    outlet_id = own_outlet(actor, caisse)
    _ = translator(request)
    payment = await get_payment(db_session, caisse.id, outlet_id, payment_id)
    reason = data.reason.strip()
    receipt = till_url(caisse, f"/paiements/{payment.id}")
    if len(reason) > MAX_REASON or has_control_characters(reason):
        error = _("Write the reason in at most 200 characters, on one line.")
        return _refund_page(
            request, caisse, payment, status=422, reason=reason[:MAX_REASON], errors={"reason": error}
        )
    try:
        await refund_outlet_payment(
            db_session, caisse, outlet_id=outlet_id, payment_id=payment.id, reason=reason, actor=actor
        )
    except AlreadyRefunded:
        return Redirect(path=receipt, status_code=303)
    except (RefundWindowClosed, OutletCreditInsufficient) as exc:
        return _refund_page(
            request, caisse, payment, status=409, reason=reason, form_error=_refusal_message(exc, _)
        )
    except ValidationFailed as exc:
        return _refund_page(request, caisse, payment, status=422, reason=reason, form_error=exc.detail)
    return Redirect(path=f"{receipt}?rembourse=1", status_code=303)
