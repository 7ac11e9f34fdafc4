"""Money in and out of the caisse, each record tied to the journal entry that books it."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caisse.db.base import Base, Cents, CreatedAtMixin, IdMixin, str_enum


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


class SubsidySource(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "subsidy_source"
    __table_args__ = (UniqueConstraint("caisse_id", "name"),)

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SubsidyKind] = mapped_column(str_enum(SubsidyKind, 20))


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
