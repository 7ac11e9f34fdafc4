"""Unspent credit that lapses at a month's close, computed before the month's allocation is credited.

* `credit_lifetime_months` None: unspent credit carries over, month after month.
* `credit_lifetime_months` = k >= 1: credit allocated for month M−k or earlier and still unspent
  expires at the close of M. Spending is first-in first-out (the oldest credit goes first), so a
  wallet keeps at most what it was credited in the last k−1 months:
  expired = max(0, wallet balance − allocations credited from the 1st of M−k+1 on).
  k = 1: whatever is left of last month's allocation expires at the close.
  "Credited from the 1st of M−k+1 on" counts ALLOCATION entries by the day they were posted
  (`occurred_on`): a close books its allocation on the 1st of its month, and an allocation withheld
  until payment counts from the day it was released. Other credits to a wallet (a refund, a
  correction) are not dated credit and are spent or expire first.
* Members who left: all their remaining credit expires at the first close of a month in which
  they are gone (left_on on or before its last day), whatever the lifetime rule.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.members.models import Member, MemberStatus
from caisse.periods import first_day, last_day, previous_month


def _lifetime_start(month: str, lifetime_months: int) -> str:
    """The first month whose credit is still spendable at the close of `month` (M−k+1)."""
    start = month
    for _ in range(lifetime_months - 1):
        start = previous_month(start)
    return start


async def credit_to_expire(
    session: AsyncSession, caisse_id: int, month: str, lifetime_months: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """(wallet account ids, cents to expire > 0) at the close of `month`, by the rules above."""
    gone = and_(Member.status == MemberStatus.LEFT, Member.left_on <= last_day(month))
    total = func.sum(JournalLine.amount_cents)
    query = (
        select(LedgerAccount.id, gone, total)
        .select_from(JournalLine)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .join(Member, Member.id == LedgerAccount.member_id)
        .where(LedgerAccount.caisse_id == caisse_id, LedgerAccount.kind == AccountKind.WALLET)
        .group_by(LedgerAccount.id, Member.status, Member.left_on)
        # Wallets are credit-normal: a raw balance below zero is credit held.
        .having(total < 0)
    )
    if lifetime_months is None:
        query = query.where(gone)
    rows = (await session.execute(query)).all()
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    wallet_ids = np.array([r[0] for r in rows], dtype=np.int64)
    left = np.array([bool(r[1]) for r in rows], dtype=bool)
    held = np.array([-int(r[2]) for r in rows], dtype=np.int64)
    if lifetime_months is None:
        expire = held
    else:
        recent = await _recent_allocations(session, caisse_id, _lifetime_start(month, lifetime_months))
        still_valid = np.array([recent.get(int(w), 0) for w in wallet_ids], dtype=np.int64)
        expire = np.where(left, held, np.maximum(0, held - still_valid))
    keep = expire > 0
    return wallet_ids[keep], expire[keep]


async def _recent_allocations(session: AsyncSession, caisse_id: int, since_month: str) -> dict[int, int]:
    """wallet account id -> cents of allocation credited on or after the 1st of `since_month`."""
    rows = await session.execute(
        select(JournalLine.account_id, func.sum(JournalLine.amount_cents))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(
            JournalEntry.caisse_id == caisse_id,
            JournalEntry.kind == EntryKind.ALLOCATION,
            JournalEntry.occurred_on >= first_day(since_month),
            LedgerAccount.kind == AccountKind.WALLET,
        )
        .group_by(JournalLine.account_id)
    )
    return {account_id: -int(total) for account_id, total in rows}
