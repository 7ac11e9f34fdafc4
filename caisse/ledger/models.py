"""The double-entry ledger: accounts, journal entries and their lines.

Lines are signed integer cents: a debit is positive, a credit negative, and the lines of
every entry sum to zero. Nothing here is ever updated or deleted (the migration installs
triggers that refuse it); a correction is a reversing entry.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caisse.db.base import Base, Cents, IdMixin, UtcDateTime, month_column, str_enum, utcnow


class AccountKind(enum.StrEnum):
    FUND = "fund"  # asset: the caisse's money in the bank
    RECEIVABLE = "receivable"  # asset, one per member: contributions owed
    WALLET = "wallet"  # liability, one per member: unspent food credit
    OUTLET = "outlet"  # liability, one per outlet: credit taken, not yet redeemed
    CONTRIBUTIONS = "contributions"  # income: contributions due
    SUBSIDY = "subsidy"  # income, one per subsidy source
    EXPIRED_CREDIT = "expired_credit"  # income: credit that lapsed back to the caisse
    ALLOCATIONS = "allocations"  # expense: food credit granted
    COSTS = "costs"  # expense: operating costs
    OPENING = "opening"  # equity: the reserve the caisse started with

    @property
    def credit_normal(self) -> bool:
        """Liabilities, income and equity grow with credits (negative lines)."""
        return self in _CREDIT_NORMAL


_CREDIT_NORMAL = {
    AccountKind.WALLET,
    AccountKind.OUTLET,
    AccountKind.CONTRIBUTIONS,
    AccountKind.SUBSIDY,
    AccountKind.EXPIRED_CREDIT,
    AccountKind.OPENING,
}


class EntryKind(enum.StrEnum):
    CONTRIBUTION_DUE = "contribution_due"
    CONTRIBUTION_PAID = "contribution_paid"
    ALLOCATION = "allocation"
    EXPIRY = "expiry"
    SUBSIDY = "subsidy"
    COST = "cost"
    OPENING = "opening"
    PAYMENT = "payment"
    REDEMPTION = "redemption"
    REVERSAL = "reversal"


class LedgerAccount(IdMixin, Base):
    __tablename__ = "ledger_account"
    __table_args__ = (
        UniqueConstraint("caisse_id", "code"),
        Index("ix_ledger_account_member", "member_id", "kind"),
        # Half of each page left free: a close updates every household's carried balance in one
        # transaction, and the new row versions fit beside the old ones (PostgreSQL's HOT updates),
        # so the table does not grow with every month.
        {"postgresql_with": {"fillfactor": 50}},
    )

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    kind: Mapped[AccountKind] = mapped_column(str_enum(AccountKind, 20))
    # e.g. "fund", "wallet:42", "subsidy:3"; unique within the caisse.
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), nullable=True)
    outlet_id: Mapped[int | None] = mapped_column(nullable=True)
    subsidy_source_id: Mapped[int | None] = mapped_column(ForeignKey("subsidy_source.id"), nullable=True)
    # The sum of the account's lines, kept by a database trigger as lines are inserted, for every
    # account but wallets and outlets (NULL there): caisse.ledger.carried.
    carried_balance_cents: Mapped[int | None] = mapped_column(
        Cents,
        nullable=True,
        default=lambda context: opening_carried(context.get_current_parameters()["kind"]),
    )


# Wallets and outlets carry nothing: a payment at an outlet must not queue on its outlet's row,
# and their totals are read from the other side of the ledger (caisse.reports.balances).
UNCARRIED_KINDS = (AccountKind.WALLET, AccountKind.OUTLET)


def opening_carried(kind: AccountKind | str) -> int | None:
    """What a new account of `kind` carries: 0, or None for the kinds that carry nothing."""
    return None if AccountKind(kind) in UNCARRIED_KINDS else 0


class JournalEntry(IdMixin, Base):
    __tablename__ = "journal_entry"
    __table_args__ = (
        # Externally triggered postings carry a key; the same key never posts twice.
        UniqueConstraint("caisse_id", "idempotency_key"),
        Index("ix_journal_entry_caisse_kind_period", "caisse_id", "kind", "period"),
        Index("ix_journal_entry_caisse_occurred", "caisse_id", "occurred_on"),
    )

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"))
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, 24))
    # The billing month an entry belongs to (contributions due, allocations, expiries).
    period: Mapped[str | None] = month_column(nullable=True)
    # The day the money moved; reports group by it.
    occurred_on: Mapped[date] = mapped_column(Date)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    memo: Mapped[str] = mapped_column(String(500), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # A reversal names the entry it cancels; an entry is reversed at most once.
    reverses_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entry.id"), nullable=True, unique=True
    )
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)


class LedgerMonth(Base):
    """An account's lines summed by the month they count in, for the accounts that carry their
    balance (caisse.ledger.carried). Lines of an entry for a month (contributions due, allocations,
    expiries and their corrections) count in that month: `for_month_cents`; lines of an entry
    without one (payments, subsidies, costs…) in the month they happened: `in_month_cents`. Kept by
    the database trigger that keeps the carried balances; never written by the application."""

    __tablename__ = "ledger_month"
    __table_args__ = (Index("ix_ledger_month_caisse_month", "caisse_id", "month"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), primary_key=True)
    month: Mapped[str] = month_column(primary_key=True)
    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"))
    for_month_cents: Mapped[int] = mapped_column(Cents, default=0)
    in_month_cents: Mapped[int] = mapped_column(Cents, default=0)


class JournalLine(IdMixin, Base):
    __tablename__ = "journal_line"

    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Cents)
