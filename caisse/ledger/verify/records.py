"""Money records (payments, subsidies, costs) agree with the journal entries that book them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.sql import ColumnElement

from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.ledger.verify.checker import Checker
from caisse.money.models import ContributionPayment, OperatingCost, Subsidy


def _movement(kind: AccountKind, extra: ColumnElement[bool] | None = None) -> Any:
    """Sum of an entry's lines on accounts of `kind` (raw, debit positive)."""
    condition = LedgerAccount.kind == kind if extra is None else and_(LedgerAccount.kind == kind, extra)
    return func.coalesce(func.sum(case((condition, JournalLine.amount_cents), else_=0)), 0)


async def check_money_records(c: Checker) -> None:
    # (record model, entry kind, record label, counter account condition, fund sign)
    specs: list[tuple[Any, EntryKind, str, Any, int]] = [
        (
            ContributionPayment,
            EntryKind.CONTRIBUTION_PAID,
            "contribution payment",
            _movement(AccountKind.RECEIVABLE, LedgerAccount.member_id == ContributionPayment.member_id),
            1,
        ),
        (
            Subsidy,
            EntryKind.SUBSIDY,
            "subsidy",
            _movement(AccountKind.SUBSIDY, LedgerAccount.subsidy_source_id == Subsidy.source_id),
            1,
        ),
        (OperatingCost, EntryKind.COST, "operating cost", _movement(AccountKind.COSTS), -1),
    ]
    for model, entry_kind, label, counter, sign in specs:
        fund = _movement(AccountKind.FUND)
        query = (
            select(
                model.id,
                model.amount_cents,
                model.caisse_id,
                model.entry_id,
                JournalEntry.caisse_id.label("entry_caisse_id"),
                JournalEntry.kind.label("entry_kind"),
                fund.label("fund"),
                counter.label("counter"),
            )
            .join(JournalEntry, JournalEntry.id == model.entry_id)
            .outerjoin(JournalLine, JournalLine.entry_id == JournalEntry.id)
            .outerjoin(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
            .where(c.scoped(model.caisse_id))
            .group_by(
                model.id,
                model.amount_cents,
                model.caisse_id,
                model.entry_id,
                JournalEntry.caisse_id,
                JournalEntry.kind,
            )
            .having(
                or_(
                    JournalEntry.caisse_id != model.caisse_id,
                    JournalEntry.kind != entry_kind,
                    fund != sign * model.amount_cents,
                    counter != -sign * model.amount_cents,
                )
            )
            .order_by(model.id)
        )

        def describe(r: Any, label: str = label, sign: int = sign, entry_kind: EntryKind = entry_kind) -> str:
            if r.entry_caisse_id != r.caisse_id:
                return (
                    f"{label} {r.id} of caisse {r.caisse_id} is booked by entry {r.entry_id} "
                    f"of caisse {r.entry_caisse_id}"
                )
            if r.entry_kind != entry_kind:
                return (
                    f"{label} {r.id} is booked by entry {r.entry_id} of kind {r.entry_kind}, not {entry_kind}"
                )
            return (
                f"{label} {r.id} records {r.amount_cents} cents but its entry {r.entry_id} moves "
                f"{sign * r.fund} cents on the fund and {-sign * r.counter} on the other side"
            )

        c.add_rows(
            f"{entry_kind.value}_record_mismatch",
            await c.rows(query),
            describe,
            caisse_id="caisse_id",
            entry_id="entry_id",
        )

        orphans = (
            select(JournalEntry.id, JournalEntry.caisse_id)
            .where(
                JournalEntry.kind == entry_kind,
                c.scoped(JournalEntry.caisse_id),
                ~exists().where(model.entry_id == JournalEntry.id),
            )
            .order_by(JournalEntry.id)
        )
        c.add_rows(
            "money_record_missing",
            await c.rows(orphans),
            lambda r, label=label, entry_kind=entry_kind: (
                f"journal entry {r.id} of kind {entry_kind} has no {label} record"
            ),
            caisse_id="caisse_id",
            entry_id="id",
        )
