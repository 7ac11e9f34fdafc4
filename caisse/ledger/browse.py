"""Reading the ledger: balances by account and pages of journal entries (for staff).

A household's wallet and receivable are personal (what it owes, what credit it holds), so every
read that shows a household's own amount is written to the audit log here ("ledger.read", one
event per household shown); `actor` None is the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.errors import NotFound
from caisse.ledger.balances import natural
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.pagination import check_window
from caisse.periods import check_month


@dataclass(frozen=True)
class AccountBalance:
    account: LedgerAccount
    balance_cents: int  # natural sign: a wallet holding 100 € reads +10000


@dataclass(frozen=True)
class EntrySummary:
    entry: JournalEntry
    line_count: int
    debits_cents: int  # the entry's size: the sum of its debit lines
    reversed_by_entry_id: int | None


@dataclass(frozen=True)
class EntryLine:
    account_id: int
    account_code: str
    account_kind: AccountKind
    amount_cents: int  # debit > 0, credit < 0


MEMBER_KINDS = (AccountKind.WALLET, AccountKind.RECEIVABLE)


async def _audit_households(
    session: AsyncSession, caisse_id: int, actor: Actor | None, member_ids: set[int], what: str
) -> None:
    await audit.record(
        session,
        actor=actor,
        caisse_id=caisse_id,
        action="ledger.read",
        subject_type="member",
        subject_ids=sorted(member_ids),
        fields=["wallet", "receivable"],
        note=what,
    )


async def account_balances(
    session: AsyncSession,
    caisse_id: int,
    *,
    actor: Actor | None,
    kind: AccountKind | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AccountBalance], int]:
    """One page of the caisse's accounts with their balances (natural sign, cents), by account id.

    The households whose wallet or receivable is on the page are audit-logged."""
    check_window(limit, offset)
    conditions = [LedgerAccount.caisse_id == caisse_id]
    if kind is not None:
        conditions.append(LedgerAccount.kind == kind)
    total = await session.scalar(select(func.count()).select_from(LedgerAccount).where(*conditions))
    page = (
        select(LedgerAccount)
        .where(*conditions)
        .order_by(LedgerAccount.id)
        .limit(limit)
        .offset(offset)
        .subquery()
    )
    account = aliased(LedgerAccount, page)
    rows = await session.execute(
        select(account, func.coalesce(func.sum(JournalLine.amount_cents), 0))
        .outerjoin(JournalLine, JournalLine.account_id == account.id)
        .group_by(*page.c)
        .order_by(account.id)
    )
    items = [AccountBalance(acc, natural(acc.kind, int(raw))) for acc, raw in rows]
    shown = {i.account.member_id for i in items if i.account.member_id is not None}
    await _audit_households(session, caisse_id, actor, shown, "accounts")
    return items, int(total or 0)


async def list_entries(
    session: AsyncSession,
    caisse_id: int,
    *,
    actor: Actor | None,
    period: str | None = None,
    kind: EntryKind | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[EntrySummary], int]:
    """One page of journal entries, newest first, optionally of one period (YYYY-MM) and kind.

    An entry whose household lines all belong to one household (a payment, a released allocation,
    their corrections) shows that household's amount as its size: those households are
    audit-logged. A month's batch entry shows only a total over every household."""
    check_window(limit, offset)
    conditions = [JournalEntry.caisse_id == caisse_id]
    if period is not None:
        conditions.append(JournalEntry.period == check_month(period))
    if kind is not None:
        conditions.append(JournalEntry.kind == kind)
    total = await session.scalar(select(func.count()).select_from(JournalEntry).where(*conditions))
    entries = list(
        await session.scalars(
            select(JournalEntry)
            .where(*conditions)
            .order_by(JournalEntry.occurred_on.desc(), JournalEntry.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    ids = [e.id for e in entries]
    sizes = {
        entry_id: (int(n), int(debits))
        for entry_id, n, debits in await session.execute(
            select(
                JournalLine.entry_id,
                func.count(),
                func.coalesce(
                    func.sum(case((JournalLine.amount_cents > 0, JournalLine.amount_cents), else_=0)), 0
                ),
            )
            .where(JournalLine.entry_id.in_(ids))
            .group_by(JournalLine.entry_id)
        )
    }
    reversals = await reversed_by(session, ids)
    items = [
        EntrySummary(e, *sizes.get(e.id, (0, 0)), reversed_by_entry_id=reversals.get(e.id)) for e in entries
    ]
    shown = await _single_household_entries(session, ids)
    await _audit_households(session, caisse_id, actor, shown, "entries")
    return items, int(total or 0)


async def _single_household_entries(session: AsyncSession, entry_ids: list[int]) -> set[int]:
    """The households that are the only household an entry (of `entry_ids`) touches."""
    if not entry_ids:
        return set()
    households = func.count(func.distinct(LedgerAccount.member_id))
    rows = await session.execute(
        select(JournalLine.entry_id, func.min(LedgerAccount.member_id))
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(JournalLine.entry_id.in_(entry_ids), LedgerAccount.kind.in_(MEMBER_KINDS))
        .group_by(JournalLine.entry_id)
        .having(households == 1)
    )
    return {int(member_id) for _, member_id in rows if member_id is not None}


async def reversed_by(session: AsyncSession, entry_ids: Sequence[int]) -> dict[int, int]:
    """entry id -> id of the reversal that cancels it, for those that were reversed."""
    if not entry_ids:
        return {}
    rows = await session.execute(
        select(JournalEntry.reverses_entry_id, JournalEntry.id).where(
            JournalEntry.reverses_entry_id.in_(list(entry_ids))
        )
    )
    return {int(original): int(reversal) for original, reversal in rows if original is not None}


async def get_entry(
    session: AsyncSession, caisse_id: int, entry_id: int, *, actor: Actor | None
) -> tuple[JournalEntry, list[EntryLine]]:
    """One journal entry of the caisse with its lines (NotFound for another caisse's entry).

    The households with a line in it (their wallet or receivable) are audit-logged."""
    entry = await session.get(JournalEntry, entry_id)
    if entry is None or entry.caisse_id != caisse_id:
        raise NotFound(f"No journal entry {entry_id} in this caisse.")
    rows = (
        await session.execute(
            select(
                JournalLine.account_id,
                LedgerAccount.code,
                LedgerAccount.kind,
                JournalLine.amount_cents,
                LedgerAccount.member_id,
            )
            .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
            .where(JournalLine.entry_id == entry_id)
            .order_by(JournalLine.id)
        )
    ).all()
    shown = {member_id for *_, member_id in rows if member_id is not None}
    await _audit_households(session, caisse_id, actor, shown, f"entry {entry_id}")
    return entry, [EntryLine(a, code, kind, int(amount)) for a, code, kind, amount, _ in rows]
