"""Ledger checks of payout batches, in the style of `caisse.ledger.verify` (one aggregate query each,
returning only the rows that break the rule):

* a batch is booked by a REDEMPTION entry of its own caisse;
* that entry takes the batch's total from the fund and gives it to the outlets, and the batch pays
  exactly its redemptions (their count and total);
* each outlet's line in the entry equals what the batch pays that outlet;
* every REDEMPTION entry belongs to a batch.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select

from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.ledger.verify.checker import Checker
from caisse.redemptions.models import PayoutBatch, Redemption


def _movement(kind: AccountKind) -> Any:
    return func.coalesce(func.sum(case((LedgerAccount.kind == kind, JournalLine.amount_cents), else_=0)), 0)


async def check_batch_entries(c: Checker) -> None:
    query = (
        select(PayoutBatch.reference, PayoutBatch.caisse_id, PayoutBatch.entry_id)
        .join(JournalEntry, JournalEntry.id == PayoutBatch.entry_id)
        .where(
            c.scoped(PayoutBatch.caisse_id),
            or_(JournalEntry.caisse_id != PayoutBatch.caisse_id, JournalEntry.kind != EntryKind.REDEMPTION),
        )
        .order_by(PayoutBatch.id)
    )
    c.add_rows(
        "payout_batch_entry_mismatch",
        await c.rows(query),
        lambda r: (
            f"payout batch {r.reference} is booked by entry {r.entry_id}, "
            "not by a redemption entry of its caisse"
        ),
        caisse_id="caisse_id",
        entry_id="entry_id",
    )


async def check_batch_totals(c: Checker) -> None:
    paid = (
        select(
            Redemption.batch_id,
            func.count(Redemption.id).label("n"),
            func.sum(Redemption.amount_cents).label("cents"),
        )
        .where(Redemption.batch_id.is_not(None))
        .group_by(Redemption.batch_id)
        .subquery()
    )
    fund, outlets = _movement(AccountKind.FUND), _movement(AccountKind.OUTLET)
    n, cents = func.coalesce(paid.c.n, 0), func.coalesce(paid.c.cents, 0)
    query = (
        select(
            PayoutBatch.reference,
            PayoutBatch.caisse_id,
            PayoutBatch.entry_id,
            PayoutBatch.total_cents,
            PayoutBatch.transfer_count,
            fund.label("fund"),
            outlets.label("outlets"),
            n.label("n"),
            cents.label("cents"),
        )
        .outerjoin(JournalLine, JournalLine.entry_id == PayoutBatch.entry_id)
        .outerjoin(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .outerjoin(paid, paid.c.batch_id == PayoutBatch.id)
        .where(c.scoped(PayoutBatch.caisse_id))
        .group_by(
            PayoutBatch.id,
            PayoutBatch.reference,
            PayoutBatch.caisse_id,
            PayoutBatch.entry_id,
            PayoutBatch.total_cents,
            PayoutBatch.transfer_count,
            paid.c.n,
            paid.c.cents,
        )
        .having(
            or_(
                fund != -PayoutBatch.total_cents,
                outlets != PayoutBatch.total_cents,
                n != PayoutBatch.transfer_count,
                cents != PayoutBatch.total_cents,
            )
        )
        .order_by(PayoutBatch.id)
    )
    c.add_rows(
        "payout_batch_total_mismatch",
        await c.rows(query),
        lambda r: (
            f"payout batch {r.reference} pays {r.total_cents} cents in {r.transfer_count} transfer(s), "
            f"but its entry {r.entry_id} takes {-r.fund} from the fund and gives {r.outlets} to outlets, "
            f"and it holds {r.n} paid redemption(s) of {r.cents} cents"
        ),
        caisse_id="caisse_id",
        entry_id="entry_id",
    )


async def check_batch_outlet_lines(c: Checker) -> None:
    per_outlet = (
        select(Redemption.batch_id, Redemption.outlet_id, func.sum(Redemption.amount_cents).label("cents"))
        .where(Redemption.batch_id.is_not(None))
        .group_by(Redemption.batch_id, Redemption.outlet_id)
        .subquery()
    )
    lines = (
        select(
            JournalLine.entry_id, LedgerAccount.outlet_id, func.sum(JournalLine.amount_cents).label("cents")
        )
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(LedgerAccount.kind == AccountKind.OUTLET)
        .group_by(JournalLine.entry_id, LedgerAccount.outlet_id)
        .subquery()
    )
    booked = func.coalesce(lines.c.cents, 0)
    query = (
        select(
            PayoutBatch.reference,
            PayoutBatch.caisse_id,
            PayoutBatch.entry_id,
            per_outlet.c.outlet_id,
            per_outlet.c.cents.label("due"),
            booked.label("booked"),
        )
        .join(per_outlet, per_outlet.c.batch_id == PayoutBatch.id)
        .outerjoin(
            lines, and_(lines.c.entry_id == PayoutBatch.entry_id, lines.c.outlet_id == per_outlet.c.outlet_id)
        )
        .where(c.scoped(PayoutBatch.caisse_id), booked != per_outlet.c.cents)
        .order_by(PayoutBatch.id, per_outlet.c.outlet_id)
    )
    c.add_rows(
        "payout_batch_outlet_mismatch",
        await c.rows(query),
        lambda r: (
            f"payout batch {r.reference} pays outlet {r.outlet_id} {r.due} cents, but its entry {r.entry_id} "
            f"debits that outlet's account {r.booked}"
        ),
        caisse_id="caisse_id",
        entry_id="entry_id",
    )


async def check_redemption_entries_have_batches(c: Checker) -> None:
    query = (
        select(JournalEntry.id, JournalEntry.caisse_id)
        .where(
            JournalEntry.kind == EntryKind.REDEMPTION,
            c.scoped(JournalEntry.caisse_id),
            ~exists().where(PayoutBatch.entry_id == JournalEntry.id),
        )
        .order_by(JournalEntry.id)
    )
    c.add_rows(
        "redemption_entry_without_batch",
        await c.rows(query),
        lambda r: f"journal entry {r.id} of kind redemption belongs to no payout batch",
        caisse_id="caisse_id",
        entry_id="id",
    )


# For caisse.ledger.verify's CHECKS, after its own.
CHECKS = (
    check_batch_entries,
    check_batch_totals,
    check_batch_outlet_lines,
    check_redemption_entries_have_batches,
)


async def check_payout_batches(c: Checker) -> None:
    """Every check of this module, in order."""
    for check in CHECKS:
        await check(c)
