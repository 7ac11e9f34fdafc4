"""Balances are sums of journal lines. The one kept figure is each receivable's carried balance
(`caisse.ledger.carried`), which the database updates with every line and verify_ledger checks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ledger.models import AccountKind, JournalEntry, JournalLine, LedgerAccount


def natural(kind: AccountKind, raw_cents: int) -> int:
    """The balance as people read it: a wallet holding 100 € shows +10000, not -10000."""
    return -raw_cents if kind.credit_normal else raw_cents


async def account_balance(session: AsyncSession, account_id: int, *, until: date | None = None) -> int:
    """Raw (debit-positive) balance of one account, optionally as of the end of a day."""
    query = select(func.coalesce(func.sum(JournalLine.amount_cents), 0)).where(
        JournalLine.account_id == account_id
    )
    if until is not None:
        query = query.join(JournalEntry, JournalEntry.id == JournalLine.entry_id).where(
            JournalEntry.occurred_on <= until
        )
    return int(await session.scalar(query) or 0)


async def balances_by_account(session: AsyncSession, account_ids: Iterable[int]) -> dict[int, int]:
    ids = list(account_ids)
    rows = await session.execute(
        select(JournalLine.account_id, func.sum(JournalLine.amount_cents))
        .where(JournalLine.account_id.in_(ids))
        .group_by(JournalLine.account_id)
    )
    found = {account_id: int(total) for account_id, total in rows}
    return {account_id: found.get(account_id, 0) for account_id in ids}


async def balances_by_kind(
    session: AsyncSession, caisse_id: int, kind: AccountKind, *, until: date | None = None
) -> dict[int, int]:
    """Raw balance of every account of one kind in a caisse (e.g. every wallet), by account id."""
    query = (
        select(JournalLine.account_id, func.sum(JournalLine.amount_cents))
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(LedgerAccount.caisse_id == caisse_id, LedgerAccount.kind == kind)
        .group_by(JournalLine.account_id)
    )
    if until is not None:
        query = query.join(JournalEntry, JournalEntry.id == JournalLine.entry_id).where(
            JournalEntry.occurred_on <= until
        )
    return {account_id: int(total) for account_id, total in await session.execute(query)}


async def receivable_balances(session: AsyncSession, caisse_id: int) -> dict[int, int]:
    """Raw (debit-positive: owed) balance of every household's receivable, by account id, as carried."""
    rows = await session.execute(
        select(LedgerAccount.id, LedgerAccount.carried_balance_cents).where(
            LedgerAccount.caisse_id == caisse_id, LedgerAccount.kind == AccountKind.RECEIVABLE
        )
    )
    return {account_id: int(carried or 0) for account_id, carried in rows}
