"""Corrections that touch allocations withheld until payment (caisses with credit_requires_payment).

A payment can release withheld allocations (`caisse.cycle.withheld`): the credit reaches the
wallet *because* the contribution was paid. So, to take a payment back:

1. reverse the entries that released allocations after it, first. That is allowed while the
   wallet still holds the credit (the usual insufficient-credit check), and it makes each of those
   allocations withheld again: a withheld allocation counts as released exactly when its release
   entry exists and is not reversed, so the reversal clears `released_entry_id` (the rows are
   ordinary rows, not part of the append-only journal) and a later payment can release it again;
2. then reverse the payment. Reversing it while such releases stand is a Conflict: the household
   would keep credit it only received because of money the caisse gave back.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from caisse.cycle.models import WithheldAllocation
from caisse.errors import Conflict
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.members.models import Member


async def withheld_released_by(session: AsyncSession, entry_id: int) -> Sequence[WithheldAllocation]:
    """The withheld allocations that entry `entry_id` released (none for any other entry)."""
    return (
        await session.scalars(
            select(WithheldAllocation)
            .where(WithheldAllocation.released_entry_id == entry_id)
            .order_by(WithheldAllocation.month)
            .with_for_update()
        )
    ).all()


def withhold_again(rows: Sequence[WithheldAllocation]) -> None:
    """Their release was reversed: they are withheld again, to be released by a later payment."""
    for row in rows:
        row.released_entry_id = None


async def refuse_reversing_a_payment_with_later_releases(
    session: AsyncSession, payment: JournalEntry
) -> None:
    """Conflict when allocations of the paying household were released after `payment` was booked
    (and those releases still stand): the payment may be what released them.

    "After" is the order of posting (entry ids): a release is posted in the transaction of the
    payment that settles the receivable, so only releases posted later can depend on this payment.
    """
    if payment.kind is not EntryKind.CONTRIBUTION_PAID:
        return
    members = (
        select(LedgerAccount.member_id)
        .join(JournalLine, JournalLine.account_id == LedgerAccount.id)
        .where(
            JournalLine.entry_id == payment.id,
            LedgerAccount.kind == AccountKind.RECEIVABLE,
            LedgerAccount.member_id.is_not(None),
        )
    )
    # Lock the household's withheld rows, so that a payment recorded at the same time cannot
    # release allocations on the strength of the payment being taken back.
    rows = (
        await session.scalars(
            select(WithheldAllocation)
            .where(
                WithheldAllocation.caisse_id == payment.caisse_id,
                WithheldAllocation.member_id.in_(members),
            )
            .with_for_update()
        )
    ).all()
    reversal = aliased(JournalEntry)
    later = sorted(
        {
            entry_id
            for entry_id in await session.scalars(
                select(JournalEntry.id)
                .outerjoin(reversal, reversal.reverses_entry_id == JournalEntry.id)
                .where(
                    JournalEntry.id.in_([r.released_entry_id for r in rows if r.released_entry_id]),
                    JournalEntry.id > payment.id,
                    reversal.id.is_(None),
                )
            )
        }
    )
    if not later:
        return
    code = await session.scalar(select(Member.code).where(Member.id.in_(members)))
    listed = ", ".join(str(entry_id) for entry_id in later)
    raise Conflict(
        f"Entry {payment.id} is a contribution payment of {code}, and allocations withheld until "
        f"payment were released after it (entr{'y' if len(later) == 1 else 'ies'} {listed}). "
        "Reverse those releases first (the wallet must still hold the credit), then this payment."
    )
