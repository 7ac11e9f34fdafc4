"""Ledger checks for payments at outlets, in the shape of `caisse.ledger.verify` checks.

`check_outlet_payments`: every OutletPayment is booked by a PAYMENT entry of its caisse that
moves exactly its amount from the household's wallet to the outlet's account, and a refunded one
names the reversal of that entry (one of `caisse ledger verify`'s checks). `check_payment_records`:
every PAYMENT entry has its OutletPayment (not among them yet: the monthly-cycle tests book their
purchases as bare PAYMENT entries; the payments benchmark runs it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.ledger.verify.checker import Checker
from caisse.spending.models import OutletPayment


def _moved(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, JournalLine.amount_cents), else_=0)), 0)


async def check_outlet_payments(c: Checker) -> None:
    wallet = _moved(
        and_(LedgerAccount.kind == AccountKind.WALLET, LedgerAccount.member_id == OutletPayment.member_id)
    )
    outlet = _moved(
        and_(LedgerAccount.kind == AccountKind.OUTLET, LedgerAccount.outlet_id == OutletPayment.outlet_id)
    )
    total = func.coalesce(func.sum(func.abs(JournalLine.amount_cents)), 0)
    refund = aliased(JournalEntry)
    query = (
        select(OutletPayment.id, OutletPayment.caisse_id, OutletPayment.entry_id, OutletPayment.amount_cents)
        .join(JournalEntry, JournalEntry.id == OutletPayment.entry_id)
        .outerjoin(refund, refund.id == OutletPayment.refund_entry_id)
        .outerjoin(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .outerjoin(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(c.scoped(OutletPayment.caisse_id))
        .group_by(
            OutletPayment.id, OutletPayment.caisse_id, OutletPayment.entry_id, OutletPayment.amount_cents,
            OutletPayment.refund_entry_id, JournalEntry.caisse_id, JournalEntry.kind,
            refund.reverses_entry_id,
        )
        .having(
            or_(
                JournalEntry.caisse_id != OutletPayment.caisse_id,
                JournalEntry.kind != EntryKind.PAYMENT,
                wallet != OutletPayment.amount_cents,
                outlet != -OutletPayment.amount_cents,
                total != 2 * OutletPayment.amount_cents,
                and_(
                    OutletPayment.refund_entry_id.is_not(None),
                    refund.reverses_entry_id.is_distinct_from(OutletPayment.entry_id),
                ),
            )
        )
        .order_by(OutletPayment.id)
    )  # fmt: skip
    c.add_rows(
        "outlet_payment_mismatch",
        await c.rows(query),
        lambda r: (
            f"outlet payment {r.id} of {r.amount_cents} cents is not what its entry {r.entry_id} books "
            "(a PAYMENT from the household's wallet to the outlet's account, and its refund a reversal of it)"
        ),
        caisse_id="caisse_id",
        entry_id="entry_id",
    )


async def check_payment_records(c: Checker) -> None:
    orphans = (
        select(JournalEntry.id, JournalEntry.caisse_id)
        .where(
            JournalEntry.kind == EntryKind.PAYMENT,
            c.scoped(JournalEntry.caisse_id),
            ~exists().where(OutletPayment.entry_id == JournalEntry.id),
        )
        .order_by(JournalEntry.id)
    )
    c.add_rows(
        "outlet_payment_missing",
        await c.rows(orphans),
        lambda r: f"journal entry {r.id} of kind payment has no outlet payment record",
        caisse_id="caisse_id",
        entry_id="id",
    )
