"""A month's contributions, household by household: what each owed for the month and what it paid
in the month, with what it owes today (the staff's contributions page).

Due is booked by the close on the month it is for (`period`); a payment by the day it was received
(no period). Reversals carry their original's period, so corrections count where they belong.
What households owe is personal: every page read is written to the audit log.

`arrears_page` is the same page's list of households in arrears: how many owe and how much in all
(SQL aggregates), and only the first households shown, longest in arrears first, chosen in SQL.
Only those shown are audit-logged; `caisse.money.arrears.list_arrears` gives (and logs) them all,
for the full download.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.ledger.models import AccountKind, JournalEntry, JournalLine, LedgerAccount
from caisse.members.models import Member, MemberStatus
from caisse.money.arrears import MemberArrears
from caisse.pagination import check_window
from caisse.periods import check_month, first_day, last_day


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
    in_month = or_(
        JournalEntry.period == month,
        and_(
            JournalEntry.period.is_(None),
            JournalEntry.occurred_on >= first_day(month),
            JournalEntry.occurred_on <= last_day(month),
        ),
    )
    due = func.sum(case((JournalEntry.period == month, JournalLine.amount_cents), else_=0))
    paid = -func.sum(case((JournalEntry.period.is_(None), JournalLine.amount_cents), else_=0))
    per_member = (
        select(LedgerAccount.member_id.label("member_id"), due.label("due"), paid.label("paid"))
        .select_from(JournalLine)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            LedgerAccount.caisse_id == caisse_id,
            LedgerAccount.kind == AccountKind.RECEIVABLE,
            JournalEntry.caisse_id == caisse_id,
            in_month,
        )
        .group_by(LedgerAccount.member_id)
        .subquery()
    )
    totals = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(per_member.c.due), 0),
                func.coalesce(func.sum(per_member.c.paid), 0),
            ).select_from(per_member)
        )
    ).one()
    rows = (
        await session.execute(
            select(
                Member.id,
                Member.code,
                Member.reference_person,
                Member.status,
                per_member.c.due,
                per_member.c.paid,
            )
            .join(per_member, per_member.c.member_id == Member.id)
            .order_by(Member.code)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    ids = [row[0] for row in rows]
    balances: dict[int, int] = {}
    if ids:
        balances = {
            member_id: int(total)
            for member_id, total in await session.execute(
                select(LedgerAccount.member_id, func.sum(JournalLine.amount_cents))
                .join(JournalLine, JournalLine.account_id == LedgerAccount.id)
                .where(
                    LedgerAccount.caisse_id == caisse_id,
                    LedgerAccount.kind == AccountKind.RECEIVABLE,
                    LedgerAccount.member_id.in_(ids),
                )
                .group_by(LedgerAccount.member_id)
            )
            if member_id is not None
        }
    households = [
        HouseholdMonth(mid, code, person, status, int(d or 0), int(p or 0), balances.get(mid, 0))
        for mid, code, person, status, d, p in rows
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


@dataclass(frozen=True)
class ArrearsPage:
    households: list[MemberArrears]  # the first `limit`, oldest unpaid month first
    count: int  # every household owing the caisse
    owed_cents: int  # what they owe in all


async def arrears_page(
    session: AsyncSession, caisse_id: int, *, actor: Actor | None, limit: int = 100
) -> ArrearsPage:
    """The households owing the caisse longest first (oldest unpaid month, then the largest debts,
    then the member code), at most `limit` of them, with the count and total of all. The months
    are those `list_arrears` gives: payments settle the oldest months first, so the unpaid ones
    are the latest months (with something due) adding up to what is owed. The households listed
    are audit-logged ("member.arrears")."""
    check_window(limit, 0)
    receivable = (LedgerAccount.caisse_id == caisse_id, LedgerAccount.kind == AccountKind.RECEIVABLE)
    balance = func.sum(JournalLine.amount_cents)
    owing = (
        select(LedgerAccount.member_id.label("member_id"), balance.label("owed"))
        .join(JournalLine, JournalLine.account_id == LedgerAccount.id)
        .where(*receivable, LedgerAccount.member_id.is_not(None))
        .group_by(LedgerAccount.member_id)
        .having(balance > 0)
        .subquery()
    )
    count, owed = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(owing.c.owed), 0)).select_from(owing)
        )
    ).one()
    due = func.sum(JournalLine.amount_cents)
    periods = (
        select(
            LedgerAccount.member_id.label("member_id"), JournalEntry.period.label("period"), due.label("due")
        )
        .join(JournalLine, JournalLine.account_id == LedgerAccount.id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            *receivable,
            JournalEntry.period.is_not(None),
            LedgerAccount.member_id.in_(select(owing.c.member_id)),
        )
        .group_by(LedgerAccount.member_id, JournalEntry.period)
        .having(due > 0)
        .subquery()
    )
    # What the months from this one to the latest add up to; this month is unpaid while the
    # later months alone do not cover what is owed.
    later = func.sum(periods.c.due).over(partition_by=periods.c.member_id, order_by=periods.c.period.desc())
    running = select(periods.c.member_id, periods.c.period, periods.c.due, later.label("upto")).subquery()
    unpaid = (
        select(running.c.member_id, running.c.period)
        .join(owing, owing.c.member_id == running.c.member_id)
        .where(running.c.upto - running.c.due < owing.c.owed)
        .subquery()
    )
    oldest = (
        select(unpaid.c.member_id, func.min(unpaid.c.period).label("oldest"))
        .group_by(unpaid.c.member_id)
        .subquery()
    )
    rows = (
        await session.execute(
            select(Member.id, Member.code, Member.reference_person, Member.status, owing.c.owed)
            .join(owing, owing.c.member_id == Member.id)
            .outerjoin(oldest, oldest.c.member_id == Member.id)
            .order_by(func.coalesce(oldest.c.oldest, "9999-99"), owing.c.owed.desc(), Member.code)
            .limit(limit)
        )
    ).all()
    ids = [row[0] for row in rows]
    months: dict[int, list[str]] = {}
    if ids:
        for member_id, period in await session.execute(
            select(unpaid.c.member_id, unpaid.c.period)
            .where(unpaid.c.member_id.in_(ids))
            .order_by(unpaid.c.member_id, unpaid.c.period)
        ):
            months.setdefault(member_id, []).append(period)
    households = [
        MemberArrears(mid, code, person, status, int(debt), months.get(mid, []))
        for mid, code, person, status, debt in rows
    ]
    await audit.record(
        session,
        actor=actor,
        caisse_id=caisse_id,
        action="member.arrears",
        subject_type="member",
        subject_ids=ids,
        fields=["reference_person", "arrears"],
        note="cli" if actor is None else "",
    )
    return ArrearsPage(households, int(count or 0), int(owed or 0))
