"""Closed months and allocations withheld until a contribution is paid."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caisse.db.base import Base, Cents, IdMixin, UtcDateTime, month_column, utcnow


class PeriodClose(IdMixin, Base):
    """One row per closed month: its existence is what makes a second close post nothing."""

    __tablename__ = "period_close"
    __table_args__ = (UniqueConstraint("caisse_id", "month"),)

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    month: Mapped[str] = month_column()
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    closed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_set.id"))
    households: Mapped[int] = mapped_column(Integer)
    contributions_due_cents: Mapped[int] = mapped_column(Cents)
    allocations_cents: Mapped[int] = mapped_column(Cents)
    withheld_cents: Mapped[int] = mapped_column(Cents, default=0)
    expired_cents: Mapped[int] = mapped_column(Cents, default=0)


class WithheldAllocation(IdMixin, Base):
    """An allocation held back because the month's contribution was unpaid at close."""

    __tablename__ = "withheld_allocation"
    __table_args__ = (UniqueConstraint("member_id", "month"),)

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    month: Mapped[str] = month_column()
    amount_cents: Mapped[int] = mapped_column(Cents)
    released_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id"), nullable=True)
