"""Contributions: a month's dues and payments household by household, the households in arrears
(oldest unpaid month first, also as a CSV), and the form recording a payment a household made.

The form carries a retry key like the till's: sent twice, it records one payment. A recorded payment
redirects (303) to the page with the household's new position.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import URLEncodedBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.amounts import plain_euros
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.errors import NotFound
from caisse.ledger import AccountKind, account_balance, member_account_ids
from caisse.members.models import MemberStatus
from caisse.money import list_arrears, record_contribution_payment
from caisse.money.arrears import arrears_page, oldest_first
from caisse.money.booking import find_member
from caisse.money.models import ContributionPayment, PaymentMethod
from caisse.money.month_dues import month_dues
from caisse.periods import caisse_today, month_of
from caisse.text import has_control_characters
from web.formatting import Formatter
from web.i18n import N_
from web.pages.staff.forms import (
    GUARD,
    NO_STORE,
    PAGE_SIZE,
    Flag,
    PageNumber,
    RecordId,
    check_text,
    clean_key,
    new_key,
    record_once,
    refused_page,
    spreadsheet_text,
    staff_url,
)
from web.pages.staff.money.common import CSV, MonthParam, check_money_moved, download, valid_month
from web.pages.till.common import Pager
from web.render import formatter, page, translator

METHODS = {
    "transfer": N_("Bank transfer"),
    "cash": N_("Cash"),
    "cheque": N_("Cheque"),
    "direct_debit": N_("Direct debit"),
}
MAX_CODE = 20
MAX_REFERENCE = 120
# The arrears shown on the page; the CSV holds them all.
ARREARS_SHOWN = 100


class PaymentForm(msgspec.Struct):
    member_code: str = ""
    amount: str = ""
    received_on: str = ""
    method: str = ""
    reference: str = ""
    key: str = ""


async def _position(db: AsyncSession, caisse: Caisse, member_id: int) -> int:
    """What the household owes today, in cents (< 0: paid in advance)."""
    account = (await member_account_ids(db, caisse.id, AccountKind.RECEIVABLE, [member_id]))[member_id]
    return await account_balance(db, account)


async def _page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    caisse: Caisse,
    actor: Caller,
    *,
    month: str | None = None,
    number: int = 1,
    status: int = 200,
    values: PaymentForm | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    recorded: dict[str, Any] | None = None,
    month_error: str | None = None,
    month_typed: str = "",
) -> Template:
    month = month or month_of(caisse_today())
    dues = await month_dues(
        db, caisse.id, month, actor=actor, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    arrears = await arrears_page(db, caisse.id, actor=actor, limit=ARREARS_SHOWN)
    values = values or PaymentForm(received_on=caisse_today().isoformat(), method="transfer")
    _ = translator(request)
    method_options = [(k, _(v)) for k, v in METHODS.items()]
    return page(
        request, "staff/money/contributions.html", status=status, caisse=caisse, caisse_nav=caisse,
        section="contributions", month=month, dues=dues, pager=Pager(number, PAGE_SIZE, dues.total),
        arrears=arrears.households, arrears_count=arrears.count, arrears_cents=arrears.owed_cents,
        method_options=method_options,
        values=values,
        key=values.key or new_key(), errors=errors or {}, form_error=form_error, recorded=recorded,
        today=caisse_today(), month_error=month_error, month_typed=month_typed,
    )  # fmt: skip


@get("/c/{slug:str}/gestion/cotisations", name="staff-contributions", guards=GUARD)
async def contributions(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    mois: MonthParam = None,
    number: PageNumber = 1,
    paiement: RecordId = None,
    deja: Flag = None,
) -> Template:
    """The month's dues and payments (`?mois=YYYY-MM`, this month by default); after a payment
    (`?paiement=<id>`), what the household owes now."""
    month = valid_month(mois)
    if mois is not None and month is None:
        # This month's page, with the month typed and what is wrong with it next to the field.
        _ = translator(request)
        error = _("Choose a month such as 2027-03.")
        return await refused_page(
            db_session,
            caisse,
            lambda: _page(
                request, db_session, caisse, actor, number=number, status=422, month_error=error,
                month_typed=mois,
            ),
        )  # fmt: skip
    recorded = None
    if paiement is not None:
        payment = await db_session.get(ContributionPayment, paiement)
        if payment is None or payment.caisse_id != caisse.id:
            raise NotFound("No such contribution payment in this caisse.")
        member = await find_member(db_session, caisse.id, payment.member_id)
        recorded = {
            "payment": payment, "code": member.code, "resent": deja is not None,
            "balance": await _position(db_session, caisse, member.id),
        }  # fmt: skip
    return await _page(request, db_session, caisse, actor, month=month, number=number, recorded=recorded)


def _check(
    data: PaymentForm, caisse: Caisse, _: Callable[[str], str], fmt: Formatter
) -> tuple[PaymentForm, dict[str, str], int, Any]:
    errors: dict[str, str] = {}
    code = data.member_code.strip().upper()
    if not code:
        errors["member_code"] = _("Enter the household's member code, such as T-000042.")
    elif len(code) > MAX_CODE or has_control_characters(code):
        errors["member_code"] = _("A member code has at most 20 characters, such as T-000042.")
    amount, received = data.amount.strip(), data.received_on.strip()
    cents, day = check_money_moved(amount, received, ("amount", "received_on"), caisse, errors, _, fmt)
    if data.method not in METHODS:
        errors["method"] = _("Choose how the household paid.")
    reference = check_text(
        data.reference, MAX_REFERENCE, "reference", errors,
        _("Write the reference in at most 120 characters, on one line."),
    )  # fmt: skip
    cleaned = PaymentForm(
        member_code=code[:MAX_CODE], amount=amount[:40], received_on=received[:20],
        method=data.method if data.method in METHODS else "", reference=reference,
        key=clean_key(data.key),
    )  # fmt: skip
    return cleaned, errors, cents, day


@post("/c/{slug:str}/gestion/cotisations", name="staff-contribution-pay", guards=GUARD)
async def record_payment(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[PaymentForm],
) -> Response[Any]:
    _, fmt = translator(request), formatter(request)
    values, errors, cents, day = _check(data, caisse, _, fmt)
    if not errors:
        try:
            household = await find_member(db_session, caisse.id, values.member_code)
        except NotFound:
            errors["member_code"] = _("No household has this member code in this caisse.")
        else:
            if household.status is MemberStatus.APPLICANT:
                errors["member_code"] = _(
                    "This household is still an applicant: activate it before recording its contributions."
                )

    def again(status: int, form: PaymentForm, form_error: str | None) -> Awaitable[Template]:
        # The page shows households' dues and arrears: built after the rollback, its reads audited.
        return refused_page(
            db_session, caisse,
            lambda: _page(
                request, db_session, caisse, actor, status=status, values=form, errors=errors,
                form_error=form_error,
            ),
        )  # fmt: skip

    return await record_once(
        values, errors, again,
        lambda: record_contribution_payment(
            db_session, caisse, member=values.member_code, amount_cents=cents,
            method=PaymentMethod(values.method), received_on=day, reference=values.reference,
            idempotency_key=values.key, actor=actor,
        ),
        lambda made: staff_url(caisse, f"/cotisations?paiement={made}"),
        resent=_("This form had already recorded another payment. Check the new form below and send it."),
        refused=_("The caisse refused this payment."), _=_,
    )  # fmt: skip


@get(
    "/c/{slug:str}/gestion/cotisations/impayes.csv",
    name="staff-arrears-csv",
    guards=GUARD,
    cache_control=NO_STORE,
)
async def arrears_csv(caisse: PathCaisse, actor: Caller, db_session: DbSession) -> Response[Any]:
    """Every household owing contributions, oldest unpaid month first; amounts in euros (12.50)."""
    found = oldest_first(await list_arrears(db_session, caisse.id, actor=actor))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["member_code", "reference_person", "status", "owed_euros", "oldest_unpaid_month", "unpaid_months"]
    )
    for a in found:
        writer.writerow(
            [
                a.member_code, spreadsheet_text(a.reference_person), a.status.value,
                plain_euros(a.owed_cents), a.months[0] if a.months else "", " ".join(a.months),
            ]
        )  # fmt: skip
    return download(out.getvalue(), CSV, f"impayes-{caisse.slug}-{caisse_today().isoformat()}.csv")
