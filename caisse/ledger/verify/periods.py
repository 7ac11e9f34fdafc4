"""Closed months: their stored totals match their entries; released withheld allocations match
the entries that released them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from caisse.cycle.models import PeriodClose, WithheldAllocation
from caisse.ledger.models import AccountKind, JournalEntry, JournalLine, LedgerAccount
from caisse.ledger.verify.checker import Checker

_PERIOD_MEASURES = {
    # account whose lines measure the total, and the sign turning them into the natural amount
    "contributions_due_cents": (AccountKind.CONTRIBUTIONS, -1),
    "allocations_cents": (AccountKind.ALLOCATIONS, 1),
    "expired_cents": (AccountKind.EXPIRED_CREDIT, -1),
}


def _released_entry_ids() -> Any:
    return select(WithheldAllocation.released_entry_id).where(
        WithheldAllocation.released_entry_id.is_not(None)
    )


async def check_period_closes(c: Checker) -> None:
    """A closed month's stored totals equal what its entries (net of reversals) book.

    Allocations released later, when a withheld contribution is paid, are not part of the close's
    `allocations_cents` (it is what the close itself credited), so their entries are left out.
    """
    closes = (
        (
            await c.session.execute(
                select(PeriodClose).where(c.scoped(PeriodClose.caisse_id)).order_by(PeriodClose.id)
            )
        )
        .scalars()
        .all()
    )
    if not closes:
        return
    kinds = [kind for kind, _ in _PERIOD_MEASURES.values()]
    closed_months = (
        select(PeriodClose.caisse_id, PeriodClose.month).where(c.scoped(PeriodClose.caisse_id)).subquery()
    )
    rows = await c.session.execute(
        select(
            JournalEntry.caisse_id,
            JournalEntry.period,
            LedgerAccount.kind,
            func.sum(JournalLine.amount_cents),
        )
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .join(
            closed_months,
            and_(
                closed_months.c.caisse_id == JournalEntry.caisse_id,
                closed_months.c.month == JournalEntry.period,
            ),
        )
        .where(LedgerAccount.kind.in_(kinds), JournalEntry.id.not_in(_released_entry_ids()))
        .group_by(JournalEntry.caisse_id, JournalEntry.period, LedgerAccount.kind)
    )
    booked = {(caisse_id, period, AccountKind(kind)): int(total) for caisse_id, period, kind, total in rows}
    for close in closes:
        for field, (kind, sign) in _PERIOD_MEASURES.items():
            stored = int(getattr(close, field) or 0)
            actual = sign * booked.get((close.caisse_id, close.month, kind), 0)
            if stored != actual:
                c.add(
                    "period_close_mismatch",
                    f"closed month {close.month} of caisse {close.caisse_id} records {field} = {stored} "
                    f"but its entries book {actual}",
                    caisse_id=close.caisse_id,
                )


async def check_withheld_releases(c: Checker) -> None:
    """An entry releasing withheld allocations credits exactly what the released rows held, and
    still stands: a withheld allocation counts as released exactly when its release entry exists
    and is not reversed (reversing a release clears `released_entry_id`, see
    caisse.ledger.releases, so the allocation is withheld again)."""
    held = (
        select(
            WithheldAllocation.released_entry_id.label("entry_id"),
            func.sum(WithheldAllocation.amount_cents).label("held"),
        )
        .where(WithheldAllocation.released_entry_id.is_not(None), c.scoped(WithheldAllocation.caisse_id))
        .group_by(WithheldAllocation.released_entry_id)
        .subquery()
    )
    booked = (
        select(JournalLine.entry_id, func.sum(JournalLine.amount_cents).label("booked"))
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(
            LedgerAccount.kind == AccountKind.ALLOCATIONS, JournalLine.entry_id.in_(select(held.c.entry_id))
        )
        .group_by(JournalLine.entry_id)
        .subquery()
    )
    query = (
        select(
            held.c.entry_id,
            held.c.held,
            func.coalesce(booked.c.booked, 0).label("booked"),
            JournalEntry.caisse_id,
        )
        .join(JournalEntry, JournalEntry.id == held.c.entry_id)
        .outerjoin(booked, booked.c.entry_id == held.c.entry_id)
        .where(func.coalesce(booked.c.booked, 0) != held.c.held)
        .order_by(held.c.entry_id)
    )
    c.add_rows(
        "withheld_release_mismatch",
        await c.rows(query),
        lambda r: f"entry {r.entry_id} releases withheld allocations of {r.held} cents but books {r.booked}",
        caisse_id="caisse_id",
        entry_id="entry_id",
    )
    reversal = aliased(JournalEntry)
    still_marked = (
        select(
            WithheldAllocation.id,
            WithheldAllocation.caisse_id,
            WithheldAllocation.member_id,
            WithheldAllocation.month,
            WithheldAllocation.released_entry_id,
            reversal.id.label("reversal_id"),
        )
        .join(reversal, reversal.reverses_entry_id == WithheldAllocation.released_entry_id)
        .where(c.scoped(WithheldAllocation.caisse_id))
        .order_by(WithheldAllocation.id)
    )
    c.add_rows(
        "withheld_release_mismatch",
        await c.rows(still_marked),
        lambda r: (
            f"the allocation of {r.month} withheld from member {r.member_id} counts as released by entry "
            f"{r.released_entry_id}, but entry {r.reversal_id} reversed it: it should be withheld again"
        ),
        caisse_id="caisse_id",
        entry_id="released_entry_id",
    )
