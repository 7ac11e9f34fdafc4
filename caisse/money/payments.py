"""Contribution payments: money a household pays towards what it owes (cash, transfer, direct
debit, cheque). Posts Dr fund / Cr receivable:<member>.

Overpaying is allowed: the receivable goes into credit, which is a contribution paid in advance
and is used up by the next months' contributions due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.caisses.models import Caisse
from caisse.cycle.withheld import release_paid_allocations
from caisse.errors import Conflict, ValidationFailed
from caisse.ledger.accounts import caisse_account_id, member_account_ids
from caisse.ledger.browse import reversed_by
from caisse.ledger.models import AccountKind, EntryKind
from caisse.ledger.posting import Line
from caisse.members.models import Member, MemberStatus
from caisse.money.amounts import check_amount_cents, check_day, check_text
from caisse.money.booking import Recorded, find_member, post_keyed, record_for_entry, same_or_conflict
from caisse.money.models import ContributionPayment, PaymentMethod
from caisse.pagination import check_window
from caisse.periods import caisse_today


def payment_method(value: PaymentMethod | str) -> PaymentMethod:
    try:
        return PaymentMethod(value)
    except ValueError:
        known = ", ".join(m.value for m in PaymentMethod)
        raise ValidationFailed(f"Unknown payment method '{value}'; use one of: {known}.") from None


async def record_contribution_payment(
    session: AsyncSession,
    caisse: Caisse,
    *,
    member: int | str,
    amount_cents: int,
    method: PaymentMethod | str,
    received_on: date,
    reference: str = "",
    idempotency_key: str | None = None,
    actor: Actor | None = None,
    today: date | None = None,
) -> Recorded[ContributionPayment]:
    """Record a household's payment (`member`: id or code), in cents, received on a day.

    The household must belong to the caisse and not be an applicant (households that left may
    still pay their arrears). With an `idempotency_key` already used, nothing is posted and the
    payment first recorded is returned (`created=False`); the same key for a different payment is
    a Conflict. Afterwards, allocations withheld until payment (caisses with
    `credit_requires_payment`) are released by the cycle.
    """
    amount_cents = check_amount_cents(amount_cents)
    method = payment_method(method)
    check_day(received_on, first_month=caisse.first_month, today=today or caisse_today(), what="payment")
    reference = check_text(reference, field="The reference", limit=120)
    household = await find_member(session, caisse.id, member)
    if household.status is MemberStatus.APPLICANT:
        raise Conflict(
            f"{household.code} is still an applicant: "
            "activate the household before recording its contributions."
        )
    receivable = (await member_account_ids(session, caisse.id, AccountKind.RECEIVABLE, [household.id])).get(
        household.id
    )
    if receivable is None:
        raise Conflict(
            f"{household.code} has no contributions account; its ledger accounts were never opened."
        )
    fund = await caisse_account_id(session, caisse.id, AccountKind.FUND)
    posted = await post_keyed(
        session,
        caisse_id=caisse.id,
        kind=EntryKind.CONTRIBUTION_PAID,
        occurred_on=received_on,
        lines=[Line(fund, amount_cents), Line(receivable, -amount_cents)],
        memo=f"Cotisation {household.code} ({method.value}) {reference}".strip(),
        namespace="payment",
        idempotency_key=idempotency_key,
        created_by_user_id=None if actor is None else actor.user_id,
    )
    if not posted.created:
        existing = await record_for_entry(
            session, ContributionPayment, posted.entry.id, "contribution payment"
        )
        same_or_conflict(
            (existing.member_id, existing.amount_cents, existing.method, existing.received_on),
            (household.id, amount_cents, method, received_on),
            "payment",
        )
        return Recorded(existing, created=False)
    payment = ContributionPayment(
        caisse_id=caisse.id,
        member_id=household.id,
        amount_cents=amount_cents,
        method=method,
        received_on=received_on,
        reference=reference,
        entry_id=posted.entry.id,
    )
    session.add(payment)
    await session.flush()
    await release_paid_allocations(
        session,
        caisse=caisse,
        member_id=household.id,
        occurred_on=received_on,
        created_by_user_id=None if actor is None else actor.user_id,
    )
    return Recorded(payment, created=True)


@dataclass(frozen=True)
class PaymentRow:
    payment: ContributionPayment
    member_code: str
    reversed_by_entry_id: int | None


async def list_payments(
    session: AsyncSession,
    caisse_id: int,
    *,
    actor: Actor | None,
    member: int | str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[PaymentRow], int]:
    """One page of the caisse's payments, newest first, optionally of one household.

    What a household paid is personal: the households on the page are written to the audit log
    ("member.payments"); `actor` None is the command line.
    """
    check_window(limit, offset)
    conditions = [ContributionPayment.caisse_id == caisse_id]
    household = None if member is None else await find_member(session, caisse_id, member)
    if household is not None:
        conditions.append(ContributionPayment.member_id == household.id)
    total = await session.scalar(select(func.count()).select_from(ContributionPayment).where(*conditions))
    rows = (
        await session.execute(
            select(ContributionPayment, Member.code)
            .join(Member, Member.id == ContributionPayment.member_id)
            .where(*conditions)
            .order_by(ContributionPayment.received_on.desc(), ContributionPayment.id.desc())
            .limit(limit)
            .offset(offset)
        )
    ).all()
    reversals = await reversed_by(session, [p.entry_id for p, _ in rows])
    items = [PaymentRow(p, code, reversals.get(p.entry_id)) for p, code in rows]
    await audit.record(
        session,
        actor=actor,
        caisse_id=caisse_id,
        action="member.payments",
        subject_type="member",
        subject_ids=sorted({p.member_id for p, _ in rows}),
        fields=["payments"],
        note="" if household is None else f"member {household.code}",
    )
    return items, int(total or 0)
