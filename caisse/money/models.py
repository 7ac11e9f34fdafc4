"""Money in and out of the caisse, each record tied to the journal entry that books it."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caisse.db.base import Base, Cents, CreatedAtMixin, IdMixin, month_column, str_enum


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    TRANSFER = "transfer"
    DIRECT_DEBIT = "direct_debit"
    CHEQUE = "cheque"


class SubsidyKind(enum.StrEnum):
    CITY = "city"
    INTERCOMMUNALITY = "intercommunality"
    DEPARTMENT = "department"
    REGION = "region"
    STATE = "state"
    SOCIAL_SECURITY = "social_security"  # CAF, MSA, CPAM
    FOUNDATION = "foundation"
    OTHER = "other"


class ContributionPayment(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "contribution_payment"

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Cents)
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, 16))
    received_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(120), default="")
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"), unique=True)


# How often a funder's agreement may say it pays: monthly to once in ten years.
MAX_AGREED_EVERY_MONTHS = 120


class SubsidySource(IdMixin, CreatedAtMixin, Base):
    """A funder, and its grant agreement (convention de financement) when the treasurer knows it:
    `agreed_amount_cents` every `agreed_every_months` months, until the month `agreed_until`
    (`YYYY-MM`, included; None: open-ended). Amount and period are both set or both None; the
    forecast reads them, so a funder counts before its second receipt shows its cadence."""

    __tablename__ = "subsidy_source"
    __table_args__ = (
        UniqueConstraint("caisse_id", "name"),
        CheckConstraint("agreed_amount_cents > 0", name="agreed_amount_positive"),
        CheckConstraint(
            f"agreed_every_months >= 1 AND agreed_every_months <= {MAX_AGREED_EVERY_MONTHS}",
            name="agreed_every_months_range",
        ),
        CheckConstraint(
            "(agreed_amount_cents IS NULL) = (agreed_every_months IS NULL)",
            name="agreement_amount_and_period",
        ),
        CheckConstraint(
            "agreed_until IS NULL OR agreed_amount_cents IS NOT NULL", name="agreed_until_in_agreement"
        ),
    )

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SubsidyKind] = mapped_column(str_enum(SubsidyKind, 20))
    agreed_amount_cents: Mapped[int | None] = mapped_column(Cents, nullable=True)
    agreed_every_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    agreed_until: Mapped[str | None] = month_column(nullable=True)


class Subsidy(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "subsidy"

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("subsidy_source.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Cents)
    received_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(120), default="")
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"), unique=True)


class OperatingCost(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "operating_cost"

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    category: Mapped[str] = mapped_column(String(80))
    amount_cents: Mapped[int] = mapped_column(Cents)
    paid_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(120), default="")
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"), unique=True)
