"""A month's contributions, household by household: what each owed for the month and what it paid
in the month, with what it owes today (the staff's contributions page).

Due is booked by the close on the month it is for (`period`); a payment by the day it was received
(no period). Reversals carry their original's period, so corrections count where they belong.
What households owe is personal: every page read is written to the audit log.

Both are the receivable's lines counting in the month, which the database keeps summed per account
and month (`ledger_month`, caisse.ledger.carried): the page reads one row per household, never the
month's lines (most of them payments at outlets). What each household owes today is its
receivable's carried balance. The page's list of households in arrears is
`caisse.money.arrears.arrears_page`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.ledger.models import AccountKind, LedgerAccount, LedgerMonth
from caisse.members.models import Member, MemberStatus
from caisse.pagination import check_window
from caisse.periods import check_month


@dataclass(frozen=True)
class HouseholdMonth:
    """One household's month, in cents; `balance_cents` > 0 is owed today, < 0 paid in advance."""

    member_id: int
    member_code: str
    reference_person: str
    status: MemberStatus
    due_cents: int
    paid_cents: int
    balance_cents: int


@dataclass(frozen=True)
class MonthDues:
    households: list[HouseholdMonth]
    total: int  # households with something due or paid in the month
    due_cents: int  # the whole month's, not only this page's
    paid_cents: int


async def month_dues(
    session: AsyncSession,
    caisse_id: int,
    month: str,
    *,
    actor: Actor | None,
    limit: int = 50,
    offset: int = 0,
) -> MonthDues:
    """One page (by member code) of the households with a contribution due for `month`
    (`YYYY-MM`) or a payment received in it. The read is audit-logged ("member.contributions")."""
    check_month(month)
    check_window(limit, offset)
    # A household is in the month when its receivable has lines counting in it (caisse.ledger.carried).
    in_month = (
        LedgerMonth.caisse_id == caisse_id,
        LedgerMonth.month == month,
        LedgerAccount.kind == AccountKind.RECEIVABLE,
    )
    totals = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(LedgerMonth.for_month_cents), 0),
                -func.coalesce(func.sum(LedgerMonth.in_month_cents), 0),
            )
            .join(LedgerAccount, LedgerAccount.id == LedgerMonth.account_id)
            .where(*in_month)
        )
    ).one()
    rows = (
        await session.execute(
            select(
                Member.id,
                Member.code,
                Member.reference_person,
                Member.status,
                LedgerMonth.for_month_cents,
                -LedgerMonth.in_month_cents,
                LedgerAccount.carried_balance_cents,
            )
            .join(LedgerAccount, LedgerAccount.member_id == Member.id)
            .join(LedgerMonth, LedgerMonth.account_id == LedgerAccount.id)
            .where(*in_month)
            .order_by(Member.code)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    ids = [row[0] for row in rows]
    households = [
        HouseholdMonth(mid, code, person, status, int(d or 0), int(p or 0), int(owed or 0))
        for mid, code, person, status, d, p, owed in rows
    ]
    await audit.record(
        session,
        actor=actor,
        caisse_id=caisse_id,
        action="member.contributions",
        subject_type="member",
        subject_ids=ids,
        fields=["reference_person", "contributions", "arrears"],
        note=month,
    )
    return MonthDues(households, int(totals[0] or 0), int(totals[1] or 0), int(totals[2] or 0))
