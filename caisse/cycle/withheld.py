"""Allocations withheld until the contribution is paid (credit_requires_payment, e.g. Montpellier).

At a month's close, a household whose receivable is still owed gets a WithheldAllocation row
instead of its credit. Recording a contribution payment calls `release_paid_allocations`, which
credits every withheld allocation of that household once its receivable is settled (balance <= 0:
all it was billed, in every month, is paid). An allocation whose contribution is never paid stays
withheld: no entry is ever posted for it, so the caisse's books never counted it as granted.
A household that left and then pays its arrears gets its withheld credit, which then expires at
the next close (a departed member's credit always does).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from caisse.caisses.models import Caisse
from caisse.cycle.models import WithheldAllocation
from caisse.ledger.accounts import caisse_account_id, member_account_ids
from caisse.ledger.balances import account_balance
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry
from caisse.ledger.posting import Line, post_entry


async def release_paid_allocations(
    session: AsyncSession,
    *,
    caisse: Caisse,
    member_id: int,
    occurred_on: date,
    created_by_user_id: int | None = None,
) -> int:
    """Credit the member's withheld allocations if their receivable is settled; cents released.

    Call it in the payment's transaction, right after the payment is posted. Each withheld month
    is credited by its own ALLOCATION entry (period = that month, on `occurred_on`), keyed so that
    it is never credited twice, even by two payments recorded at once.
    """
    withheld = (
        await session.scalars(
            select(WithheldAllocation)
            .where(
                WithheldAllocation.caisse_id == caisse.id,
                WithheldAllocation.member_id == member_id,
                WithheldAllocation.released_entry_id.is_(None),
            )
            .order_by(WithheldAllocation.month)
            .with_for_update()
        )
    ).all()
    if not withheld:
        return 0
    receivable = (await member_account_ids(session, caisse.id, AccountKind.RECEIVABLE, [member_id]))[
        member_id
    ]
    if await account_balance(session, receivable) > 0:
        return 0
    wallet = (await member_account_ids(session, caisse.id, AccountKind.WALLET, [member_id]))[member_id]
    allocations = await caisse_account_id(session, caisse.id, AccountKind.ALLOCATIONS)
    released = 0
    for row in withheld:
        posted = await post_entry(
            session,
            caisse_id=caisse.id,
            kind=EntryKind.ALLOCATION,
            occurred_on=occurred_on,
            period=row.month,
            lines=[Line(allocations, row.amount_cents), Line(wallet, -row.amount_cents)],
            memo=f"Allocation {row.month} versée après paiement de la cotisation",
            idempotency_key=await _release_key(session, caisse.id, row.id),
            created_by_user_id=created_by_user_id,
        )
        row.released_entry_id = posted.entry.id
        if posted.created:
            released += row.amount_cents
    await session.flush()
    return released


async def _release_key(session: AsyncSession, caisse_id: int, row_id: int) -> str:
    """The key of the row's next release. A release reversed by a correction (its payment was
    taken back, see caisse.ledger.releases) keeps its key, so a later release takes the next one."""
    base = f"withheld-allocation:{row_id}"
    reversal = aliased(JournalEntry)
    reversed_releases = await session.scalar(
        select(func.count())
        .select_from(JournalEntry)
        .join(reversal, reversal.reverses_entry_id == JournalEntry.id)
        .where(
            JournalEntry.caisse_id == caisse_id,
            or_(JournalEntry.idempotency_key == base, JournalEntry.idempotency_key.like(f"{base}:%")),
        )
    )
    return f"{base}:{reversed_releases}" if reversed_releases else base
