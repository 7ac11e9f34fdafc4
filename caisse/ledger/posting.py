"""Posting journal entries: the only way money moves in the caisse.

Every entry's lines sum to zero (checked here, before anything is written) and nothing is
ever updated. An idempotency key makes an externally triggered posting safe to retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.errors import Conflict, LedgerImbalance, NotFound
from caisse.ledger.models import EntryKind, JournalEntry, JournalLine


@dataclass(frozen=True)
class Line:
    account_id: int
    amount_cents: int  # debit > 0, credit < 0


def check_balanced(lines: Sequence[Line]) -> None:
    if len(lines) < 2:
        raise LedgerImbalance("a journal entry needs at least two lines")
    for line in lines:
        if not isinstance(line.amount_cents, int) or isinstance(line.amount_cents, bool):
            raise LedgerImbalance(f"amounts are integer cents, got {line.amount_cents!r}")
    total = sum(line.amount_cents for line in lines)
    if total != 0:
        raise LedgerImbalance(f"journal entry lines sum to {total} cents, not 0")


async def find_by_key(session: AsyncSession, caisse_id: int, key: str) -> JournalEntry | None:
    return await session.scalar(
        select(JournalEntry).where(JournalEntry.caisse_id == caisse_id, JournalEntry.idempotency_key == key)
    )


@dataclass(frozen=True)
class Posted:
    entry: JournalEntry
    created: bool  # False when the idempotency key had already posted this entry


async def post_entry(
    session: AsyncSession,
    *,
    caisse_id: int,
    kind: EntryKind,
    occurred_on: date,
    lines: Sequence[Line],
    period: str | None = None,
    memo: str = "",
    idempotency_key: str | None = None,
    reverses_entry_id: int | None = None,
    created_by_user_id: int | None = None,
) -> Posted:
    """Post one balanced entry. With a key already used, post nothing and return that entry."""
    check_balanced(lines)
    if idempotency_key is not None:
        existing = await find_by_key(session, caisse_id, idempotency_key)
        if existing is not None:
            return Posted(existing, created=False)
    entry = JournalEntry(
        caisse_id=caisse_id,
        kind=kind,
        period=period,
        occurred_on=occurred_on,
        memo=memo[:500],
        idempotency_key=idempotency_key,
        reverses_entry_id=reverses_entry_id,
        created_by_user_id=created_by_user_id,
    )
    try:
        # A savepoint, so that losing a race on the key leaves the outer transaction usable.
        async with session.begin_nested():
            session.add(entry)
            await session.flush()
    except IntegrityError:
        if idempotency_key is not None:
            existing = await find_by_key(session, caisse_id, idempotency_key)
            if existing is not None:
                return Posted(existing, created=False)
        if reverses_entry_id is not None:
            raise Conflict(f"journal entry {reverses_entry_id} has already been reversed") from None
        raise
    await session.execute(
        insert(JournalLine),
        [
            {"entry_id": entry.id, "account_id": ln.account_id, "amount_cents": ln.amount_cents}
            for ln in lines
        ],
    )
    return Posted(entry, created=True)


async def post_compound(
    session: AsyncSession,
    *,
    caisse_id: int,
    kind: EntryKind,
    occurred_on: date,
    period: str | None,
    account_ids: np.ndarray,
    amounts_cents: np.ndarray,
    counter_account_id: int,
    memo: str,
    created_by_user_id: int | None = None,
) -> JournalEntry | None:
    """One entry for a whole batch: a line per account, balanced by one counter line.

    This is how a month's contributions or allocations are booked for every household at
    once (as an accountant books a payroll). Zero amounts get no line; None if all are zero.
    """
    account_ids = np.asarray(account_ids, dtype=np.int64)
    amounts_cents = np.asarray(amounts_cents, dtype=np.int64)
    keep = amounts_cents != 0
    account_ids, amounts_cents = account_ids[keep], amounts_cents[keep]
    if account_ids.size == 0:
        return None
    total = int(amounts_cents.sum())
    entry = JournalEntry(
        caisse_id=caisse_id,
        kind=kind,
        period=period,
        occurred_on=occurred_on,
        memo=memo,
        created_by_user_id=created_by_user_id,
    )
    session.add(entry)
    await session.flush()
    await insert_lines(
        session, entry.id, np.append(account_ids, counter_account_id), np.append(amounts_cents, -total)
    )
    return entry


async def insert_lines(
    session: AsyncSession, entry_id: int, account_ids: np.ndarray, amounts: np.ndarray
) -> None:
    """Insert many lines fast: one `unnest` statement on PostgreSQL, executemany elsewhere."""
    if int(amounts.sum()) != 0:
        raise LedgerImbalance(f"journal entry lines sum to {int(amounts.sum())} cents, not 0")
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text(
                "INSERT INTO journal_line (entry_id, account_id, amount_cents) "
                "SELECT :entry_id, a, m "
                "FROM unnest(CAST(:accounts AS BIGINT[]), CAST(:amounts AS BIGINT[])) AS t(a, m)"
            ),
            {"entry_id": entry_id, "accounts": account_ids.tolist(), "amounts": amounts.tolist()},
        )
    else:
        await session.execute(
            insert(JournalLine),
            [
                {"entry_id": entry_id, "account_id": a, "amount_cents": m}
                for a, m in zip(account_ids.tolist(), amounts.tolist(), strict=True)
            ],
        )


async def reverse_entry(
    session: AsyncSession,
    *,
    caisse_id: int,
    entry_id: int,
    occurred_on: date,
    memo: str,
    created_by_user_id: int | None = None,
    idempotency_key: str | None = None,
) -> Posted:
    """Cancel an entry by posting its mirror image. An entry can be reversed only once."""
    original = await session.get(JournalEntry, entry_id)
    if original is None or original.caisse_id != caisse_id:
        raise NotFound(f"No journal entry {entry_id} in this caisse.")
    if original.kind is EntryKind.REVERSAL:
        raise Conflict("A reversal cannot itself be reversed; post a new entry instead.")
    already = await session.scalar(select(JournalEntry.id).where(JournalEntry.reverses_entry_id == entry_id))
    if already is not None:
        raise Conflict(f"journal entry {entry_id} has already been reversed (by entry {already})")
    rows = await session.execute(
        select(JournalLine.account_id, JournalLine.amount_cents).where(JournalLine.entry_id == entry_id)
    )
    mirror = [Line(account_id, -amount) for account_id, amount in rows]
    return await post_entry(
        session,
        caisse_id=caisse_id,
        kind=EntryKind.REVERSAL,
        occurred_on=occurred_on,
        lines=mirror,
        period=original.period,
        memo=memo,
        idempotency_key=idempotency_key,
        reverses_entry_id=entry_id,
        created_by_user_id=created_by_user_id,
    )
