"""The share of its credit each demo household spent in a month, measured from the books.

A household's credit when it shops in month M is its wallet balance after M's close and
collections: the demo posts those before any payment of M, so it is the balance over the journal
entries older than M's first payment. What it spent is what it paid in M, less what was refunded.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.demo.spending import MIN_CREDIT_CENTS
from caisse.ledger.balances import natural
from caisse.ledger.models import AccountKind, JournalLine, LedgerAccount
from caisse.members.models import Member
from caisse.periods import first_day, month_of
from caisse.spending.models import OutletPayment


async def realised_spend_shares(
    session: AsyncSession, caisse_id: int, months: list[str]
) -> list[tuple[str, int, float]]:
    """(month, member id, spent / credit) for each household active at the month's start with at
    least `MIN_CREDIT_CENTS` of credit, over the months of `months` in which someone paid."""
    lines = (
        await session.execute(
            select(LedgerAccount.member_id, JournalLine.entry_id, JournalLine.amount_cents)
            .join(JournalLine, JournalLine.account_id == LedgerAccount.id)
            .where(LedgerAccount.caisse_id == caisse_id, LedgerAccount.kind == AccountKind.WALLET)
        )
    ).all()
    payments = (
        await session.execute(
            select(
                OutletPayment.member_id,
                OutletPayment.paid_on,
                OutletPayment.amount_cents,
                OutletPayment.entry_id,
                OutletPayment.refund_entry_id,
            ).where(OutletPayment.caisse_id == caisse_id)
        )
    ).all()
    members = (
        await session.execute(
            select(Member.id, Member.activated_on, Member.left_on).where(Member.caisse_id == caisse_id)
        )
    ).all()
    shares = []
    for month in months:
        of_month = [p for p in payments if month_of(p.paid_on) == month]
        if not of_month:
            continue
        first_payment = min(p.entry_id for p in of_month)
        raw: dict[int, int] = defaultdict(int)
        for member_id, entry_id, cents in lines:
            if entry_id < first_payment:
                raw[member_id] += cents
        spent: dict[int, int] = defaultdict(int)
        for p in of_month:
            if p.refund_entry_id is None:
                spent[p.member_id] += p.amount_cents
        start = first_day(month)
        for member_id, activated_on, left_on in members:
            credit = natural(AccountKind.WALLET, raw.get(member_id, 0))
            joined = activated_on is not None and activated_on <= start
            active = joined and (left_on is None or left_on > start)
            if active and credit >= MIN_CREDIT_CENTS:
                shares.append((month, member_id, spent[member_id] / credit))
    return shares
